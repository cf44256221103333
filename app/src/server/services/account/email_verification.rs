//! Confirming that an account's email address is its owner's: a single-use link mailed at
//! registration (and again on request from the security page), opened within a week. Until it
//! is, the account works as before; what is sent to the address waits for it (the reminder
//! worker reads `users.email_verified_at`).
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};

use crate::error::AppError;
use crate::model::account::EmailStatus;
use crate::server::actor::Actor;
use crate::server::audit::{self, AuditEntry, AuditKey};
use crate::server::db_context::{self, DbContext};
use crate::server::entities::{email_verifications, users};
use crate::server::mail::{send_in_background, Mailer, OutgoingMail};
use crate::server::request::RequestMeta;
use crate::server::services::{throttle, tokens};
use crate::server::state::Settings;

const LINK_LIFETIME: chrono::Duration = chrono::Duration::days(7);
const INVALID: &str =
    "This link is invalid, used already or expired. Ask for a new one on your Security page.";

/// Stores a new link's token for the account and mails the link, in the background.
pub(crate) async fn send_link<C: ConnectionTrait>(
    conn: &C,
    settings: &Settings,
    mailer: Arc<dyn Mailer>,
    now: DateTime<Utc>,
    user_id: i64,
    email: String,
) -> Result<(), AppError> {
    let (token, hash) = tokens::new_token();
    email_verifications::Entity::insert(email_verifications::ActiveModel {
        user_id: Set(user_id),
        token_hash: Set(hash),
        expires_at: Set(now + LINK_LIFETIME),
        created_at: Set(now),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    let link = crate::routes::link_with_token(
        &settings.public_url,
        crate::routes::account::VERIFY_EMAIL,
        &token,
    );
    let mail = OutgoingMail {
        html: None,
        list_unsubscribe: None,
        to: email,
        subject: "Confirm your email address for Salus".into(),
        text: format!(
            "To confirm that this is your email address, open this link within 7 days:\n{link}\n\n\
             Until you do, your clinic's reminders are not sent to this address. If you did not \
             create a Salus account, ignore this email.\n"
        ),
    };
    send_in_background(mailer, mail, "email verification link");
    Ok(())
}

/// Confirms the address a valid, unused, unexpired link was sent to, and uses the link up.
pub async fn confirm(
    db: &DatabaseConnection,
    audit_key: &AuditKey,
    now: DateTime<Utc>,
    meta: &RequestMeta,
    token: &str,
) -> Result<(), AppError> {
    if token.trim().is_empty() {
        return Err(AppError::field("token", INVALID));
    }
    let link = email_verifications::Entity::find()
        .filter(email_verifications::Column::TokenHash.eq(tokens::hash(token)))
        .one(db)
        .await?
        .filter(|l| l.used_at.is_none() && l.expires_at > now)
        .ok_or_else(|| AppError::field("token", INVALID))?;
    // The link vouches for its account.
    let txn = db_context::begin(db, DbContext::Account(link.user_id)).await?;
    let used = email_verifications::Entity::update_many()
        .col_expr(email_verifications::Column::UsedAt, Expr::value(now))
        .filter(email_verifications::Column::Id.eq(link.id))
        .filter(email_verifications::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if used.rows_affected != 1 {
        return Err(AppError::field("token", INVALID));
    }
    users::Entity::update_many()
        .col_expr(users::Column::EmailVerifiedAt, Expr::value(Some(now)))
        .filter(users::Column::Id.eq(link.user_id))
        .filter(users::Column::EmailVerifiedAt.is_null())
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        audit_key,
        now,
        meta,
        AuditEntry {
            actor_user_id: Some(link.user_id),
            action: "auth.email_verified",
            ..Default::default()
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

pub async fn status(db: &DatabaseConnection, actor: &Actor) -> Result<EmailStatus, AppError> {
    let txn = db_context::begin(db, DbContext::Account(actor.user_id())).await?;
    let user = users::Entity::find_by_id(actor.user_id())
        .one(&txn)
        .await?
        .ok_or(AppError::Unauthorized)?;
    txn.commit().await?;
    Ok(EmailStatus {
        email: user.email,
        verified: user.email_verified_at.is_some(),
    })
}

/// A new link for the signed-in user's unconfirmed address; a few an hour at most.
pub async fn resend(
    db: &DatabaseConnection,
    settings: &Settings,
    mailer: Arc<dyn Mailer>,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<(), AppError> {
    let status = status(db, actor).await?;
    if status.verified {
        return Err(AppError::Conflict(
            "Your email address is confirmed already.".into(),
        ));
    }
    let key = format!("user:{}", actor.user_id());
    let _counted = throttle::claim(
        db,
        now,
        &[(throttle::Limit::VERIFICATION_LINKS, key.as_str())],
    )
    .await?;
    send_link(db, settings, mailer, now, actor.user_id(), status.email).await
}
