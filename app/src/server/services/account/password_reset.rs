//! "Forgot password?": a single-use link that expires. Only the token's hash is stored, so a
//! copy of the database cannot be used to reset anyone's password.
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter,
};

use super::auth::{email_problem, normalize_email};
use super::password::{self, Password};
use super::security;
use crate::error::{AppError, Validator};
use crate::server::audit::{self, AuditEntry, AuditKey};
use crate::server::db_context::{self, DbContext};
use crate::server::entities::{password_resets, users};
use crate::server::errors::internal;
use crate::server::mail::{Mailer, OutgoingMail};
use crate::server::request::RequestMeta;
use crate::server::services::{throttle, tokens};
use crate::server::state::Settings;

/// Issues a reset link when the account exists and mails it. The answer comes once the
/// address is checked and the request counted; looking the account up, storing the token and
/// sending happen after it, in the background, so neither the reply nor its timing reveals
/// whether the account exists.
pub async fn request(
    db: &DatabaseConnection,
    settings: &Settings,
    audit_key: &AuditKey,
    mailer: Arc<dyn Mailer>,
    now: DateTime<Utc>,
    meta: &RequestMeta,
    email: &str,
) -> Result<(), AppError> {
    let email = normalize_email(email);
    if let Some(problem) = email_problem(&email) {
        return Err(AppError::field("email", problem));
    }
    // Counted whether or not the account exists, so a refusal reveals nothing either.
    let mut limits = vec![(throttle::Limit::RESET_PER_EMAIL, email.as_str())];
    if let Some(address) = meta.client_addr.as_deref() {
        limits.push((throttle::Limit::RESET_PER_ADDRESS, address));
    }
    let _counted = throttle::claim(db, now, &limits).await?;
    let link = LinkRequest {
        db: db.clone(),
        audit_key: audit_key.clone(),
        public_url: settings.public_url.clone(),
        ttl: chrono::Duration::from_std(settings.password_reset_ttl)
            .unwrap_or(chrono::Duration::minutes(30)),
        now,
        meta: meta.clone(),
        email,
    };
    tokio::spawn(async move {
        if let Err(e) = link.issue(mailer).await {
            tracing::error!(error = %e, "a password reset request was not completed");
        }
    });
    Ok(())
}

/// A reset request that passed its checks, carried into the background.
struct LinkRequest {
    db: DatabaseConnection,
    audit_key: AuditKey,
    public_url: String,
    ttl: chrono::Duration,
    now: DateTime<Utc>,
    meta: RequestMeta,
    email: String,
}

impl LinkRequest {
    async fn issue(self, mailer: Arc<dyn Mailer>) -> Result<(), AppError> {
        let LinkRequest {
            db,
            audit_key,
            public_url,
            ttl,
            now,
            meta,
            email,
        } = self;
        let txn = db_context::begin(&db, DbContext::visitor(&email)).await?;
        let user = users::Entity::find()
            .filter(users::Column::Email.eq(&email))
            .filter(users::Column::IsActive.eq(true))
            .one(&txn)
            .await?;
        txn.commit().await?;
        let Some(user) = user else {
            return Ok(());
        };

        // A transaction of its own that starts with a write: on SQLite, two requests' work in
        // the background then queues for the writer instead of one failing.
        let txn = db_context::begin(&db, DbContext::Account(user.id)).await?;
        let (token, token_hash) = tokens::new_token();
        password_resets::Entity::insert(password_resets::ActiveModel {
            user_id: Set(user.id),
            token_hash: Set(token_hash),
            expires_at: Set(now + ttl),
            created_at: Set(now),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        audit::record(
            &txn,
            &audit_key,
            now,
            &meta,
            AuditEntry {
                actor_user_id: Some(user.id),
                action: "auth.password_reset_requested",
                ..Default::default()
            },
        )
        .await?;
        txn.commit().await?;

        let link = crate::routes::link_with_token(
            &public_url,
            crate::routes::account::RESET_PASSWORD,
            &token,
        );
        let minutes = ttl.num_minutes();
        let mail = OutgoingMail {
        html: None,
        list_unsubscribe: None,
            to: user.email,
            subject: "Reset your Salus password".into(),
            text: format!(
                "Someone asked to reset the password of your Salus account.\n\n\
                 To choose a new password, open this link within {minutes} minutes:\n{link}\n\n\
                 The link works once. If you did not ask for this, ignore this email: your password stays as it is.\n"
            ),
        };
        mailer
            .send(mail)
            .await
            .map_err(|e| internal(format!("password reset email: {e}")))
    }
}

/// Sets a new password with a valid, unused, unexpired token, and uses the token up. Every
/// other reset link of the account is void afterwards, every session of the account has ended,
/// and a notice goes to its email.
pub async fn complete(
    db: &DatabaseConnection,
    settings: &Settings,
    audit_key: &AuditKey,
    mailer: Arc<dyn Mailer>,
    now: DateTime<Utc>,
    meta: &RequestMeta,
    token: &str,
    new_password: Password,
) -> Result<(), AppError> {
    const INVALID: &str = "This reset link is invalid or has expired. Ask for a new one.";
    let token = token.trim();
    if token.is_empty() {
        return Err(AppError::field("token", INVALID));
    }
    let reset = password_resets::Entity::find()
        .filter(password_resets::Column::TokenHash.eq(tokens::hash(token)))
        .one(db)
        .await?;
    let Some(reset) = reset.filter(|r| r.used_at.is_none() && r.expires_at > now) else {
        return Err(AppError::field("token", INVALID));
    };
    // The token vouches for its account: from here on the transactions act as that account.
    let txn = db_context::begin(db, DbContext::Account(reset.user_id)).await?;
    let user = users::Entity::find_by_id(reset.user_id)
        .one(&txn)
        .await?
        .ok_or(AppError::field("token", INVALID))?;
    txn.commit().await?;
    let mut v = Validator::new();
    if let Some(problem) = password::weakness(&new_password, &user.email, &user.display_name) {
        v.add("password", problem);
    }
    v.finish()?;
    let hash = password::hash(new_password).await?;

    let txn = db_context::begin(db, DbContext::Account(reset.user_id)).await?;
    // Use the token up first and only if still unused, so two racing requests cannot both succeed.
    let used = password_resets::Entity::update_many()
        .col_expr(
            password_resets::Column::UsedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(password_resets::Column::Id.eq(reset.id))
        .filter(password_resets::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if used.rows_affected != 1 {
        return Err(AppError::field("token", INVALID));
    }
    let (user_id, email) = (user.id, user.email.clone());
    let mut user = user.into_active_model();
    user.password_hash = Set(hash);
    user.updated_at = Set(now);
    user.update(&txn).await?;
    let ended = security::after_password_change(&txn, user_id, now, None).await?;
    audit::record(
        &txn,
        audit_key,
        now,
        meta,
        AuditEntry {
            actor_user_id: Some(user_id),
            action: "auth.password_reset",
            resource: Some(format!("sessions_ended:{ended}")),
            ..Default::default()
        },
    )
    .await?;
    txn.commit().await?;
    security::send_password_changed_notice(mailer, settings, email);
    Ok(())
}
