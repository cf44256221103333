//! What a signed-in session holds, and turning it back into a verified `Actor` on each request.
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use tower_sessions::Session;

use super::clinic::roles;
use crate::error::AppError;
use crate::model::account::{CurrentUser, SignedInDevice};
use crate::model::platform::ClinicStatus;
use crate::model::Role;
use crate::server::actor::{Actor, SignedIn};
use crate::server::db_context::{self, DbContext};
use crate::server::entities::sessions;
use crate::server::entities::{clinics, memberships, users};
use crate::server::errors::internal;
use crate::server::permissions::PermissionSet;
use crate::server::request::RequestMeta;
use crate::server::secret_box::{Sealed, SecretKeys};
use crate::server::session_store::{row_key, PENDING, PENDING_LIFETIME, USER_ID};
use crate::server::state::Settings;

const ROLE: &str = "role";
const CLINIC_ID: &str = "clinic";
const SIGNED_IN_AT: &str = "signed_in_at";
/// Where the session was signed in from and with what, as the security page shows it.
const ADDRESS: &str = "addr";
const BROWSER: &str = "agent";

/// Stores the sign-in in the session under a new id, so a session id seen before sign-in
/// (session fixation) is worth nothing after it.
pub(crate) async fn establish(
    session: &Session,
    signed_in: &SignedIn,
    now: DateTime<Utc>,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    // Nothing of what the browser's session held before (another account's sign-in, a
    // half-finished one) carries over.
    session.clear().await;
    session.cycle_id().await.map_err(internal)?;
    session
        .insert(ADDRESS, meta.client_addr.as_deref())
        .await
        .map_err(internal)?;
    session
        .insert(BROWSER, meta.user_agent.as_deref().map(describe_browser))
        .await
        .map_err(internal)?;
    session
        .insert(USER_ID, signed_in.user_id)
        .await
        .map_err(internal)?;
    session
        .insert(ROLE, signed_in.role.as_str())
        .await
        .map_err(internal)?;
    session
        .insert(CLINIC_ID, signed_in.clinic_id)
        .await
        .map_err(internal)?;
    session
        .insert(SIGNED_IN_AT, now.timestamp())
        .await
        .map_err(internal)?;
    Ok(())
}

/// Moves a signed-in session to another clinic of the same role (a patient of several
/// clinics), under a new id as at sign-in. The sign-in's time stays, so the absolute lifetime
/// still counts from the sign-in. The caller has checked the membership.
pub(crate) async fn move_to_clinic(session: &Session, clinic_id: i64) -> Result<(), AppError> {
    session.cycle_id().await.map_err(internal)?;
    session
        .insert(CLINIC_ID, Some(clinic_id))
        .await
        .map_err(internal)?;
    Ok(())
}

/// A sign-in whose password was right and whose second step is still to come.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PendingSignIn {
    pub user_id: i64,
    pub role: Role,
    pub clinic_id: Option<i64>,
    /// What the role granted when the password was checked (for where the second step leads;
    /// the signed-in session reads the permissions afresh on each request).
    #[serde(default)]
    pub permissions: PermissionSet,
    /// When the password was checked, or the second step passed (Unix seconds).
    pub since: i64,
    /// The privacy policy version the patient must accept before the sign-in finishes: set
    /// once the password (and the code, for a patient who uses one) passed, and only then.
    #[serde(default)]
    pub policy_to_accept: Option<String>,
}

impl PendingSignIn {
    /// Who is signing in, for the second step's own checks and audit: never a signed-in actor
    /// (`actor` below never builds one from a pending sign-in).
    pub fn actor(&self) -> Actor {
        Actor::holding(self.user_id, self.role, self.clinic_id, self.permissions)
    }
}

pub(crate) const PENDING_EXPIRED: &str =
    "Signing in took too long, or has not started. Sign in again.";

/// The password was right and a second step is needed: the session, under a new id, holds the
/// pending sign-in and nothing that signs anyone in. It can only enter a code (or, for staff
/// with no authenticator, set one up).
pub(crate) async fn establish_pending(
    session: &Session,
    signed_in: &SignedIn,
    now: DateTime<Utc>,
) -> Result<PendingSignIn, AppError> {
    // Whoever was signed in in this browser before is not any more.
    session.clear().await;
    session.cycle_id().await.map_err(internal)?;
    let pending = PendingSignIn {
        user_id: signed_in.user_id,
        role: signed_in.role,
        clinic_id: signed_in.clinic_id,
        permissions: signed_in.permissions,
        since: now.timestamp(),
        policy_to_accept: None,
    };
    session
        .insert(PENDING, pending.clone())
        .await
        .map_err(internal)?;
    Ok(pending)
}

/// The password (and any code) passed, and what is left is accepting privacy policy
/// `version`: the pending sign-in, timed afresh, waits for that and nothing else.
pub(crate) async fn await_policy(
    session: &Session,
    mut pending: PendingSignIn,
    version: String,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    pending.policy_to_accept = Some(version);
    pending.since = now.timestamp();
    session.insert(PENDING, pending).await.map_err(internal)
}

pub(crate) const POLICY_FIRST: &str = "Accept the privacy policy to finish signing in.";

/// The session's pending sign-in, if it has one younger than `PENDING_LIFETIME`.
pub async fn pending(
    session: &Session,
    now: DateTime<Utc>,
) -> Result<Option<PendingSignIn>, AppError> {
    let pending = session
        .get::<PendingSignIn>(PENDING)
        .await
        .map_err(internal)?;
    Ok(pending.filter(|p| now.timestamp() - p.since < PENDING_LIFETIME.num_seconds()))
}

/// The second step passed: the session becomes a full sign-in, under a new id again.
pub(crate) async fn complete_pending(
    session: &Session,
    now: DateTime<Utc>,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let pending = session
        .remove::<PendingSignIn>(PENDING)
        .await
        .map_err(internal)?
        .ok_or_else(|| AppError::field("code", PENDING_EXPIRED))?;
    if pending.policy_to_accept.is_some() {
        // Only `complete_after_policy` finishes a sign-in waiting for the policy.
        session.insert(PENDING, pending).await.map_err(internal)?;
        return Err(AppError::field("form", POLICY_FIRST));
    }
    finish_pending(session, pending, now, meta).await
}

/// The patient accepted the policy their pending sign-in waited for (the caller recorded it):
/// the session becomes a full sign-in.
pub(crate) async fn complete_after_policy(
    session: &Session,
    pending: PendingSignIn,
    now: DateTime<Utc>,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    session
        .remove::<PendingSignIn>(PENDING)
        .await
        .map_err(internal)?;
    finish_pending(session, pending, now, meta).await
}

async fn finish_pending(
    session: &Session,
    pending: PendingSignIn,
    now: DateTime<Utc>,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let signed_in = SignedIn {
        user_id: pending.user_id,
        role: pending.role,
        clinic_id: pending.clinic_id,
        permissions: pending.permissions,
    };
    establish(session, &signed_in, now, meta).await
}

const SHOW_ONCE: &str = "show_once";

/// Keeps `codes` in the session, sealed, for the one page load that shows them.
pub(crate) async fn keep_to_show_once(
    session: &Session,
    keys: &SecretKeys,
    codes: &[String],
) -> Result<(), AppError> {
    let sealed = keys.seal(codes.join("\n").as_bytes(), SHOW_ONCE.as_bytes());
    session
        .insert(SHOW_ONCE, (sealed.key_id, sealed.data))
        .await
        .map_err(internal)
}

/// What `keep_to_show_once` kept, taken out of the session; empty the second time.
pub(crate) async fn take_shown_once(
    session: &Session,
    keys: &SecretKeys,
) -> Result<Vec<String>, AppError> {
    let Some((key_id, data)) = session
        .remove::<(String, String)>(SHOW_ONCE)
        .await
        .map_err(internal)?
    else {
        return Ok(Vec::new());
    };
    let opened = keys
        .open(&Sealed { key_id, data }, SHOW_ONCE.as_bytes())
        .map_err(internal)?;
    Ok(String::from_utf8_lossy(&opened)
        .lines()
        .map(str::to_owned)
        .collect())
}

/// Ends the session on the server: the record is deleted, the cookie is worthless.
pub async fn end(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(internal)
}

/// Who a signed-in session belongs to, as verified for this request.
#[derive(Debug, Clone)]
pub struct SignedInUser {
    pub actor: Actor,
    pub user: users::Model,
    /// The clinic the actor acts in, by name; none for a super admin.
    pub clinic_name: Option<String>,
    /// The role's name: a built-in role's label, or the clinic's name for its own role.
    pub role_name: String,
}

/// The signed-in user of a session, if it is signed in, within its absolute lifetime, and
/// everything it was granted still holds *now*: the user is active, and the role is still
/// theirs (an active membership of that role in a clinic that is active, or the super-admin
/// flag). Anything else ends the session, so a removed or deactivated membership, a demotion,
/// a suspended clinic or a revoked super admin takes effect on the next request.
pub async fn actor(
    db: &DatabaseConnection,
    settings: &Settings,
    now: DateTime<Utc>,
    session: &Session,
) -> Result<Option<SignedInUser>, AppError> {
    let Some(user_id) = session.get::<i64>(USER_ID).await.map_err(internal)? else {
        return Ok(None);
    };
    let signed_in_at = session
        .get::<i64>(SIGNED_IN_AT)
        .await
        .map_err(internal)?
        .unwrap_or(0);
    let lifetime = settings.session_absolute.as_secs() as i64;
    let role = session
        .get::<String>(ROLE)
        .await
        .map_err(internal)?
        .and_then(|r| Role::parse(&r));
    let clinic_id = session
        .get::<Option<i64>>(CLINIC_ID)
        .await
        .map_err(internal)?
        .flatten();
    let (Some(role), true) = (role, now.timestamp() - signed_in_at < lifetime) else {
        end(session).await?;
        return Ok(None);
    };
    // Read as the account itself: its own user row, memberships and their clinics.
    let txn = db_context::begin(db, DbContext::Account(user_id)).await?;
    let user = users::Entity::find_by_id(user_id)
        .one(&txn)
        .await?
        .filter(|u| u.is_active);
    let granted = match (&user, role, clinic_id) {
        (None, _, _) => None,
        (Some(user), Role::SuperAdmin, None) => user.is_super_admin.then(|| {
            (
                None,
                PermissionSet::of_role(Role::SuperAdmin),
                Role::SuperAdmin.label().to_owned(),
            )
        }),
        (Some(_), Role::SuperAdmin, Some(_)) | (Some(_), _, None) => None,
        (Some(_), role, Some(clinic_id)) => {
            let membership = memberships::Entity::find()
                .select_only()
                .column(clinics::Column::Name)
                .column(memberships::Column::ClinicRoleId)
                .inner_join(clinics::Entity)
                .filter(memberships::Column::UserId.eq(user_id))
                .filter(memberships::Column::ClinicId.eq(clinic_id))
                .filter(memberships::Column::Role.eq(role))
                .filter(memberships::Column::DeactivatedAt.is_null())
                .filter(clinics::Column::Status.eq(ClinicStatus::Active))
                .into_tuple::<(String, Option<i64>)>()
                .one(&txn)
                .await?;
            match membership {
                // A custom role's permissions as they are now: a change to the role holds
                // from its holders' next request.
                Some((clinic_name, custom)) => roles::granted(&txn, role, custom)
                    .await?
                    .map(|(permissions, name)| (Some(clinic_name), permissions, name)),
                None => None,
            }
        }
    };
    txn.commit().await?;
    match (user, granted) {
        (Some(user), Some((clinic_name, permissions, role_name))) => Ok(Some(SignedInUser {
            actor: Actor::holding(user_id, role, clinic_id, permissions),
            user,
            clinic_name,
            role_name,
        })),
        _ => {
            end(session).await?;
            Ok(None)
        }
    }
}

/// The request's signed-in user, looked up at most once per request however often the portal
/// guard, the page header and the page's server functions ask. The request middleware puts an
/// empty one in each request; it is shared by every clone of the request's parts.
#[derive(Clone, Default)]
pub struct SignedInCache(Arc<tokio::sync::OnceCell<Option<SignedInUser>>>);

impl SignedInCache {
    pub async fn get(
        &self,
        db: &DatabaseConnection,
        settings: &Settings,
        now: DateTime<Utc>,
        session: &Session,
    ) -> Result<Option<SignedInUser>, AppError> {
        self.0
            .get_or_try_init(|| actor(db, settings, now, session))
            .await
            .cloned()
    }
}

impl SignedInUser {
    /// The signed-in user as shown in the browser.
    pub fn current_user(&self) -> CurrentUser {
        CurrentUser {
            name: self.user.display_name.clone(),
            role: self.actor.role(),
            role_name: self.role_name.clone(),
            home: self.actor.home().to_owned(),
            permissions: self
                .actor
                .permissions()
                .clinic()
                .iter()
                .map(|p| p.name().to_owned())
                .collect(),
            clinic_name: self.clinic_name.clone(),
        }
    }
}

/// The user's signed-in sessions, most recently active first. Each is named by its row key
/// (a hash, never the cookie's id). The last activity is read off the idle expiry, which each
/// request moves (to within the store's minute of slack).
pub async fn devices(
    db: &DatabaseConnection,
    settings: &Settings,
    now: DateTime<Utc>,
    user_id: i64,
    current: &Session,
) -> Result<Vec<SignedInDevice>, AppError> {
    let current = current.id().map(|id| row_key(&id));
    let idle = chrono::Duration::from_std(settings.session_idle).unwrap_or_default();
    let rows = sessions::Entity::find()
        .filter(sessions::Column::UserId.eq(user_id))
        .filter(sessions::Column::ExpiryDate.gt(now))
        .order_by_desc(sessions::Column::ExpiryDate)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let data: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&row.data).unwrap_or_default();
            // A sign-in still waiting for its code is not a signed-in device.
            data.contains_key(USER_ID).then_some((row, data))
        })
        .map(|(row, data)| {
            let text = |key: &str| data.get(key).and_then(|v| v.as_str()).map(str::to_owned);
            let signed_in_at = data
                .get(SIGNED_IN_AT)
                .and_then(serde_json::Value::as_i64)
                .and_then(|t| DateTime::<Utc>::from_timestamp(t, 0));
            SignedInDevice {
                current: current.as_deref() == Some(row.id.as_str()),
                key: row.id,
                signed_in_at: signed_in_at.map(shown_time).unwrap_or_default(),
                last_active: shown_time(row.expiry_date - idle),
                address: text(ADDRESS),
                browser: text(BROWSER).unwrap_or_else(|| "Unknown browser".into()),
            }
        })
        .collect())
}

fn shown_time(t: DateTime<Utc>) -> String {
    t.format("%-d %b %Y, %H:%M UTC").to_string()
}

/// Ends one of the user's sessions, named by its row key; `false` when the user has none by
/// that key (ended already, or somebody else's).
pub(crate) async fn end_device<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    key: &str,
) -> Result<bool, AppError> {
    let ended = sessions::Entity::delete_many()
        .filter(sessions::Column::UserId.eq(user_id))
        .filter(sessions::Column::Id.eq(key))
        .exec(conn)
        .await?;
    Ok(ended.rows_affected > 0)
}

/// Ends every session of the user but `keep` (the one asking, when it stays signed in);
/// answers how many ended.
pub(crate) async fn end_all<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    keep: Option<&Session>,
) -> Result<u64, AppError> {
    let mut delete = sessions::Entity::delete_many().filter(sessions::Column::UserId.eq(user_id));
    if let Some(id) = keep.and_then(Session::id) {
        delete = delete.filter(sessions::Column::Id.ne(row_key(&id)));
    }
    Ok(delete.exec(conn).await?.rows_affected)
}

/// "Firefox on Windows": enough of a `User-Agent` for a person to recognise their device.
pub(crate) fn describe_browser(user_agent: &str) -> String {
    let has = |s: &str| user_agent.contains(s);
    // Order matters: Edge and Opera say Chrome too, Chrome says Safari too.
    let browser = if has("Edg/") {
        "Edge"
    } else if has("OPR/") {
        "Opera"
    } else if has("Firefox/") {
        "Firefox"
    } else if has("Chrome/") || has("Chromium/") {
        "Chrome"
    } else if has("Safari/") {
        "Safari"
    } else {
        "Unknown browser"
    };
    let system = if has("Android") {
        "Android"
    } else if has("iPhone") || has("iPad") {
        "iOS"
    } else if has("Windows") {
        "Windows"
    } else if has("Mac OS X") || has("Macintosh") {
        "macOS"
    } else if has("CrOS") {
        "ChromeOS"
    } else if has("Linux") {
        "Linux"
    } else {
        return browser.to_owned();
    };
    format!("{browser} on {system}")
}

#[cfg(test)]
mod tests {
    use super::describe_browser;

    #[test]
    fn browsers_are_described_by_name_and_system() {
        for (agent, described) in [
            ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36", "Chrome on Linux"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0", "Firefox on Windows"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36 Edg/140.0", "Edge on Windows"),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1", "Safari on iOS"),
            ("Mozilla/5.0 (Linux; Android 15) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Mobile Safari/537.36", "Chrome on Android"),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15", "Safari on macOS"),
            ("curl/8.5.0", "Unknown browser"),
        ] {
            assert_eq!(describe_browser(agent), described, "{agent}");
        }
    }
}
