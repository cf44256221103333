//! Super admins: the list, inviting another (a single-use link mailed to an address with no
//! account, valid for a week), accepting the invitation (a new account that is a super admin and
//! nothing else), and revoking one. A revoked super admin's sessions end at their next request
//! (`sessions::actor` reads the flag each time). The last super admin cannot be revoked: the
//! platform would have nobody to run it. Every change is audited on the platform's chain.
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};

use super::utc;
use crate::error::{AppError, Validator};
use crate::model::platform::{SuperAdminInvite, SuperAdminRow, SuperAdmins};
use crate::server::audit::{self, AuditEntry, AuditKey};
use crate::server::db_context::{self, DbContext};
use crate::server::entities::{super_admin_invitations, user_mfa, users};
use crate::server::mail::{send_in_background, OutgoingMail};
use crate::server::permissions::Permission;
use crate::server::request::RequestMeta;
use crate::server::services::account::auth::{email_problem, normalize_email};
use crate::server::services::account::password::{self, Password};
use crate::server::services::tokens;
use crate::server::state::AppState;
use crate::server::tenancy::Scoped;

const LINK_LIFETIME: Duration = Duration::days(7);
pub const INVALID: &str = "This invitation is invalid, used already, withdrawn or expired. Ask a super admin to invite you again.";
pub const LAST_ONE: &str = "This is the last super admin: the platform needs at least one. Invite another before revoking this one.";
const MAX_NAME: usize = 100;

pub async fn list(scoped: &Scoped) -> Result<SuperAdmins, AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    let conn = scoped.conn();
    let admins = users::Entity::find()
        .filter(users::Column::IsSuperAdmin.eq(true))
        .filter(users::Column::IsActive.eq(true))
        .order_by_asc(users::Column::DisplayName)
        .order_by_asc(users::Column::Id)
        .all(conn)
        .await?;
    let mut rows = Vec::with_capacity(admins.len());
    for admin in admins {
        let two_step = user_mfa::Entity::find_by_id(admin.id)
            .one(conn)
            .await?
            .is_some_and(|m| m.confirmed_at.is_some());
        rows.push(SuperAdminRow {
            user_id: admin.id,
            name: admin.display_name,
            email: admin.email,
            two_step,
            is_you: admin.id == scoped.actor().user_id(),
        });
    }
    let invitations = super_admin_invitations::Entity::find()
        .filter(super_admin_invitations::Column::AcceptedAt.is_null())
        .filter(super_admin_invitations::Column::WithdrawnAt.is_null())
        .filter(super_admin_invitations::Column::ExpiresAt.gt(scoped.now()))
        .order_by_desc(super_admin_invitations::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|i| SuperAdminInvite {
            email: i.email,
            expires: utc(i.expires_at),
        })
        .collect();
    Ok(SuperAdmins {
        admins: rows,
        invitations,
    })
}

/// The invitation's mail, sent once the caller has committed.
pub struct InvitationMail(OutgoingMail);

impl InvitationMail {
    pub fn send(self, state: &AppState) {
        send_in_background(state.mailer.clone(), self.0, "super admin invitation");
    }
}

/// Invites `email`, which must have no account, to become a super admin. Inviting it again
/// replaces the link: the earlier one stops working.
pub async fn invite(
    state: &AppState,
    scoped: &Scoped,
    email: &str,
) -> Result<InvitationMail, AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    let email = normalize_email(email);
    if let Some(problem) = email_problem(&email) {
        return Err(AppError::field("email", problem));
    }
    let conn = scoped.conn();
    let has_account = users::Entity::find()
        .filter(users::Column::Email.eq(email.as_str()))
        .count(conn)
        .await?
        > 0;
    if has_account {
        return Err(AppError::field(
            "email",
            "This address has a Salus account already. A super admin has an account of their own: invite an address used for nothing else.",
        ));
    }
    let now = scoped.now();
    super_admin_invitations::Entity::update_many()
        .col_expr(
            super_admin_invitations::Column::WithdrawnAt,
            Expr::value(now),
        )
        .filter(super_admin_invitations::Column::Email.eq(email.as_str()))
        .filter(super_admin_invitations::Column::AcceptedAt.is_null())
        .filter(super_admin_invitations::Column::WithdrawnAt.is_null())
        .exec(conn)
        .await?;
    let (token, _) = tokens::new_token();
    let inserted = super_admin_invitations::Entity::insert(super_admin_invitations::ActiveModel {
        email: Set(email.clone()),
        token_hash: Set(tokens::hash(&token)),
        invited_by: Set(Some(scoped.actor().user_id())),
        created_at: Set(now),
        expires_at: Set(now + LINK_LIFETIME),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    scoped
        .audit(
            AuditEntry::by(scoped.actor(), "platform.super_admin_invite")
                .resource(format!("invitation:{}", inserted.last_insert_id)),
        )
        .await?;
    let link = crate::routes::link_with_token(
        &state.settings.public_url,
        crate::routes::account::PLATFORM_INVITATION,
        &token,
    );
    Ok(InvitationMail(OutgoingMail {
        to: email,
        subject: "You are invited to run the Salus platform".into(),
        text: format!(
            "A super admin invites you to become a super admin of Salus: you would manage its \
             clinics, plans and public content.\n\n\
             To accept, open this link within 7 days, choose a password, and set up two-step \
             sign-in when you first sign in:\n{link}\n\n\
             If you did not expect this, ignore this email and nothing happens.\n"
        ),
        html: None,
        list_unsubscribe: None,
    }))
}

/// The open invitation a token is for, in the caller's platform transaction.
async fn open_invitation<C: ConnectionTrait>(
    conn: &C,
    token: &str,
    now: DateTime<Utc>,
) -> Result<super_admin_invitations::Model, AppError> {
    super_admin_invitations::Entity::find()
        .filter(super_admin_invitations::Column::TokenHash.eq(tokens::hash(token)))
        .filter(super_admin_invitations::Column::AcceptedAt.is_null())
        .filter(super_admin_invitations::Column::WithdrawnAt.is_null())
        .filter(super_admin_invitations::Column::ExpiresAt.gt(now))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::field("form", INVALID))
}

/// The open invitation a token is for, read as the link's holder (`DbContext::Invitee`): a
/// link that is not good meets no platform reach and takes no lock.
async fn invitation_of_link(
    db: &DatabaseConnection,
    token: &str,
    now: DateTime<Utc>,
) -> Result<super_admin_invitations::Model, AppError> {
    let hash = tokens::hash(token);
    let txn = db_context::begin(db, DbContext::Invitee(&hash)).await?;
    let invitation = open_invitation(&txn, token, now).await;
    txn.commit().await?;
    invitation
}

/// The address an open invitation is for, to show on its page.
pub(crate) async fn invitation_email(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    token: &str,
) -> Result<String, AppError> {
    Ok(invitation_of_link(db, token, now).await?.email)
}

/// Accepts an invitation: a new account, a super admin, with the name and password chosen.
/// It signs in as any super admin does, setting up two-step sign-in the first time.
pub async fn accept(
    db: &DatabaseConnection,
    audit_key: &AuditKey,
    now: DateTime<Utc>,
    meta: &RequestMeta,
    token: &str,
    name: &str,
    password: Password,
) -> Result<(), AppError> {
    let name = name.trim().to_owned();
    // The link first; only a good one goes on to platform work (which checks it again, in its
    // transaction, against a second tab accepting meanwhile).
    invitation_of_link(db, token, now).await?;
    let txn =
        db_context::begin_platform(db, audit_key, now, "super_admin_invitation_accept").await?;
    let invitation = open_invitation(&txn, token, now).await?;
    let mut v = Validator::new();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.contains(char::is_control) {
        v.add(
            "name",
            format!("Enter your name, up to {MAX_NAME} characters."),
        );
    }
    if let Some(weak) = password::weakness(&password, &invitation.email, &name) {
        v.add("password", weak);
    }
    v.finish()?;
    let hash = password::hash(password).await?;
    let user = users::Entity::insert(users::ActiveModel {
        email: Set(invitation.email.clone()),
        password_hash: Set(hash),
        display_name: Set(name),
        is_super_admin: Set(true),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(&txn)
    .await
    .map_err(|e| match crate::server::errors::is_unique_violation(&e) {
        // Someone registered this address after the invitation went out.
        true => AppError::field("form", INVALID),
        false => e.into(),
    })?
    .last_insert_id;
    super_admin_invitations::Entity::update_many()
        .col_expr(
            super_admin_invitations::Column::AcceptedAt,
            Expr::value(now),
        )
        .filter(super_admin_invitations::Column::Id.eq(invitation.id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        audit_key,
        now,
        meta,
        AuditEntry {
            actor_user_id: Some(user),
            actor_role: Some("super_admin".into()),
            action: "platform.super_admin_join",
            resource: Some(format!("invitation:{}", invitation.id)),
            ..Default::default()
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Revokes `user_id`'s super admin role, from their next request on; refused for the last one.
pub async fn revoke(scoped: &Scoped, user_id: i64) -> Result<(), AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    // Another user's row is written as platform work (row-level security lets a super admin
    // write only their own), in this audited transaction.
    let now = scoped.now();
    let revoke =
        async move |conn: &DatabaseTransaction| revoke_as_platform(conn, user_id, now).await;
    scoped
        .switch()
        .as_platform("revoke a super admin", revoke)
        .await?;
    scoped
        .audit(
            AuditEntry::by(scoped.actor(), "platform.super_admin_revoke")
                .resource(format!("user:{user_id}")),
        )
        .await
}

/// `revoke`'s writes, in the platform's context.
async fn revoke_as_platform(
    conn: &DatabaseTransaction,
    user_id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), AppError> {
    // A write first, on every super admin's row: two revocations at once take turns here (the
    // rows are locked on PostgreSQL, the database on SQLite), so the count below is not raced.
    users::Entity::update_many()
        .col_expr(
            users::Column::IsSuperAdmin,
            Expr::col(users::Column::IsSuperAdmin),
        )
        .filter(users::Column::IsSuperAdmin.eq(true))
        .exec(conn)
        .await?;
    let target = users::Entity::find_by_id(user_id)
        .filter(users::Column::IsSuperAdmin.eq(true))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let remaining = users::Entity::find()
        .filter(users::Column::IsSuperAdmin.eq(true))
        .filter(users::Column::IsActive.eq(true))
        .count(conn)
        .await?;
    if target.is_active && remaining <= 1 {
        return Err(AppError::Conflict(LAST_ONE.into()));
    }
    let revoked = users::Entity::update_many()
        .col_expr(users::Column::IsSuperAdmin, Expr::value(false))
        .col_expr(users::Column::UpdatedAt, Expr::value(now))
        .filter(users::Column::Id.eq(user_id))
        .exec(conn)
        .await?
        .rows_affected;
    if revoked != 1 {
        return Err(crate::server::errors::internal(format!(
            "revoking super admin {user_id} changed {revoked} rows"
        )));
    }
    Ok(())
}
