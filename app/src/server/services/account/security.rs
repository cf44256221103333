//! A signed-in user's own account security: their signed-in devices, ending any of them, and
//! changing their password. Every signed-in role has this page; it reaches only the user's
//! own account.
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use tower_sessions::Session;

use super::password::{self, Password};
use crate::error::{AppError, Validator};
use crate::server::actor::Actor;
use crate::server::audit::{self, AuditEntry, AuditKey};
use crate::server::db_context::{self, DbContext};
use crate::server::entities::{password_resets, users};
use crate::server::errors::internal;
use crate::server::mail::{send_in_background, Mailer, OutgoingMail};
use crate::server::request::RequestMeta;
use crate::server::services::{sessions, throttle};
use crate::server::state::Settings;
use crate::server::tenancy::Scoped;

/// Ends one of the actor's sessions, named by the key the security page listed. Ending the
/// session the page was loaded with signs out; answers whether it did.
pub(crate) async fn end_device(
    scoped: &Scoped,
    session: &Session,
    key: &str,
) -> Result<bool, AppError> {
    let user_id = scoped.actor().user_id();
    if !sessions::end_device(scoped.conn(), user_id, key).await? {
        return Err(AppError::field(
            "form",
            "That device is not signed in any more.",
        ));
    }
    scoped
        .audit(AuditEntry::by(scoped.actor(), "auth.session_ended"))
        .await?;
    let this_session = session
        .id()
        .is_some_and(|id| crate::server::session_store::row_key(&id) == key);
    if this_session {
        sessions::end(session).await?;
    }
    Ok(this_session)
}

/// Ends every session of the actor but the one asking.
pub(crate) async fn end_other_devices(scoped: &Scoped, session: &Session) -> Result<u64, AppError> {
    let ended = sessions::end_all(scoped.conn(), scoped.actor().user_id(), Some(session)).await?;
    scoped
        .audit(
            AuditEntry::by(scoped.actor(), "auth.other_sessions_ended")
                .resource(format!("sessions:{ended}")),
        )
        .await?;
    Ok(ended)
}

pub struct PasswordChange {
    pub current: Password,
    pub new: Password,
}

/// Changes the actor's password when the current one is right. Guesses at the current
/// password count against the same per-account limit as sign-ins. Afterwards every other
/// session of the user has ended, the one asking has a new id, every reset link is void, and
/// a notice goes to the account's email. Like sign-in, it reads, counts the attempt and checks
/// the password before opening the transaction that writes (on SQLite, a transaction that read
/// cannot write once another connection has).
#[allow(clippy::too_many_arguments)]
pub async fn change_password(
    db: &DatabaseConnection,
    settings: &Settings,
    audit_key: &AuditKey,
    mailer: Arc<dyn Mailer>,
    now: DateTime<Utc>,
    meta: &RequestMeta,
    actor: &Actor,
    session: &Session,
    change: PasswordChange,
) -> Result<(), AppError> {
    let user_id = actor.user_id();
    let txn = db_context::begin(db, DbContext::Actor(actor)).await?;
    let user = users::Entity::find_by_id(user_id)
        .one(&txn)
        .await?
        .ok_or(AppError::Unauthorized)?;
    txn.commit().await?;
    let mut v = Validator::new();
    v.check(
        !change.current.expose().is_empty(),
        "current_password",
        "Enter your current password.",
    );
    if let Some(problem) = password::weakness(&change.new, &user.email, &user.display_name) {
        v.add("new_password", problem);
    } else if change.new.expose() == change.current.expose() {
        v.add(
            "new_password",
            "Choose a password different from your current one.",
        );
    }
    v.finish()?;

    let limit = throttle::Limit::sign_in_per_account(settings);
    let claimed = throttle::claim(db, now, &[(limit, user.email.as_str())]).await?;
    if !password::verify(change.current, Some(user.password_hash.clone())).await? {
        return Err(AppError::field(
            "current_password",
            "That is not your current password.",
        ));
    }
    let hash = password::hash(change.new).await?;

    let txn = db_context::begin(db, DbContext::Actor(actor)).await?;
    throttle::forgive_sign_in(&txn, claimed, settings, &user.email).await?;
    users::Entity::update_many()
        .col_expr(users::Column::PasswordHash, Expr::value(hash))
        .col_expr(users::Column::UpdatedAt, Expr::value(now))
        .filter(users::Column::Id.eq(user_id))
        .exec(&txn)
        .await?;
    let ended = after_password_change(&txn, user_id, now, Some(session)).await?;
    audit::record(
        &txn,
        audit_key,
        now,
        meta,
        AuditEntry::by(actor, "auth.password_changed").resource(format!("sessions_ended:{ended}")),
    )
    .await?;
    txn.commit().await?;
    // The session that changed it stays signed in, under a new id.
    session.cycle_id().await.map_err(internal)?;
    send_password_changed_notice(mailer, settings, user.email);
    Ok(())
}

/// What follows any change of a user's password, in the transaction that changes it: every
/// reset link not used yet is void, and every session but `keep` ends. Answers how many
/// sessions ended.
pub(crate) async fn after_password_change<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    now: DateTime<Utc>,
    keep: Option<&Session>,
) -> Result<u64, AppError> {
    password_resets::Entity::update_many()
        .col_expr(password_resets::Column::UsedAt, Expr::value(now))
        .filter(password_resets::Column::UserId.eq(user_id))
        .filter(password_resets::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    sessions::end_all(conn, user_id, keep).await
}

/// "Your password was changed", with where to go if it was not you, and no link that signs
/// anyone in. Sent in the background: the change stands whether or not the mail goes out.
pub(crate) fn send_password_changed_notice(
    mailer: Arc<dyn Mailer>,
    settings: &Settings,
    to: String,
) {
    let site = settings.public_url.trim_end_matches('/').to_owned();
    let mail = OutgoingMail {
        html: None,
        list_unsubscribe: None,
        to,
        subject: "Your Salus password was changed".into(),
        text: format!(
            "The password of your Salus account was just changed, and every device that was \
             signed in with the old password has been signed out.\n\n\
             If this was you, there is nothing more to do.\n\n\
             If it was not you, go to {site}, choose \"Forgot password?\" on the sign-in page \
             to set a new password, and tell your clinic.\n"
        ),
    };
    send_in_background(mailer, mail, "password change notice");
}
