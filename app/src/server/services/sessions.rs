//! What a signed-in session holds, and turning it back into a verified `Actor` on each request.
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use tower_sessions::Session;

use super::accounts::SignedIn;
use crate::error::AppError;
use crate::model::{CurrentUser, Role};
use crate::server::db_context::{self, DbContext};
use crate::server::entities::{clinics, memberships, users};
use crate::server::errors::internal;
use crate::server::state::Settings;
use crate::server::tenancy::Actor;

const USER_ID: &str = "uid";
const ROLE: &str = "role";
const CLINIC_ID: &str = "clinic";
const SIGNED_IN_AT: &str = "signed_in_at";

/// Stores the sign-in in the session under a new id, so a session id seen before sign-in
/// (session fixation) is worth nothing after it.
pub async fn establish(
    session: &Session,
    signed_in: &SignedIn,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    session.cycle_id().await.map_err(internal)?;
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
}

/// The signed-in user of a session, if it is signed in, within its absolute lifetime, and
/// everything it was granted still holds *now*: the user is active, and the role is still
/// theirs (a membership of that role in a clinic that is active, or the super-admin flag).
/// Anything else ends the session, so a removed membership, a demotion, a suspended clinic
/// or a revoked super admin takes effect on the next request.
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
        (Some(user), Role::SuperAdmin, None) => user.is_super_admin.then_some(None),
        (Some(_), Role::SuperAdmin, Some(_)) | (Some(_), _, None) => None,
        (Some(_), role, Some(clinic_id)) => memberships::Entity::find()
            .select_only()
            .column(clinics::Column::Name)
            .inner_join(clinics::Entity)
            .filter(memberships::Column::UserId.eq(user_id))
            .filter(memberships::Column::ClinicId.eq(clinic_id))
            .filter(memberships::Column::Role.eq(role.as_str()))
            .filter(clinics::Column::Status.eq("active"))
            .into_tuple::<String>()
            .one(&txn)
            .await?
            .map(Some),
    };
    txn.commit().await?;
    match (user, granted) {
        (Some(user), Some(clinic_name)) => Ok(Some(SignedInUser {
            actor: Actor::new(user_id, role, clinic_id),
            user,
            clinic_name,
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
            clinic_name: self.clinic_name.clone(),
        }
    }
}
