//! Invitations to join a clinic's staff. An admin invites an email with a role; the link mailed
//! to it is single-use and expires after a week; it can be sent again (a new link, the old one
//! stops working) or withdrawn. An open provider invitation holds a provider seat.
//!
//! The link's token starts with the clinic's id (`<clinic>-<random>`), so that opening it runs
//! as that clinic's own task (`DbContext::ClinicTask`) from the first query: row-level security
//! then holds the lookup to that one clinic, and only the hash of the whole token can match.
//! The person who opens it sets a password for a new account, or, when their address has an
//! account already, joins with that account's password.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use super::{lock_staff, parse_staff_role, require_free_seat};
use crate::error::{AppError, Validator};
use crate::model::clinic::InvitationDetails;
use crate::model::Role;
use crate::server::audit::{self, AuditEntry};
use crate::server::db_context::{self, DbContext};
use crate::server::entities::{clinics, memberships, staff_invitations, users};
use crate::server::errors::is_unique_violation;
use crate::server::mail::{send_in_background, OutgoingMail};
use crate::server::permissions::Permission;
use crate::server::request::RequestMeta;
use crate::server::services::accounts::{add_membership, email_problem, normalize_email};
use crate::server::services::password::{self, Password};
use crate::server::services::{throttle, tokens};
use crate::server::state::AppState;
use crate::server::tenancy::Scoped;

const LINK_LIFETIME: chrono::Duration = chrono::Duration::days(7);
pub const INVALID: &str =
    "This invitation is invalid, used already, withdrawn or expired. Ask your clinic's admin to send it again.";

/// A new link for an invitation: the token to mail and the hash to store.
fn new_link(clinic: i64) -> (String, String) {
    let (random, _) = tokens::new_token();
    let token = format!("{clinic}-{random}");
    let hash = tokens::hash(&token);
    (token, hash)
}

/// The clinic a token says it is for; the hash decides whether it is real.
fn token_clinic(token: &str) -> Option<i64> {
    let (clinic, random) = token.trim().split_once('-')?;
    (!random.is_empty()).then_some(())?;
    clinic.parse().ok()
}

/// Invites `email` to the admin's clinic with `role`; the link is mailed when the caller has
/// committed.
pub async fn invite(
    state: &AppState,
    scoped: &Scoped,
    email: &str,
    role: &str,
) -> Result<Sent, AppError> {
    scoped.actor().require(Permission::StaffManage)?;
    let clinic_id = scoped.actor().active_clinic()?;
    let email = normalize_email(email);
    let mut v = Validator::new();
    if let Some(problem) = email_problem(&email) {
        v.add("email", problem);
    }
    let role = parse_staff_role(role);
    if let Err(AppError::Validation(fields)) = &role {
        for message in fields.get("role").into_iter().flatten() {
            v.add("role", message.clone());
        }
    }
    v.finish()?;
    let role = role?;
    let conn = scoped.conn();
    lock_staff(conn, clinic_id).await?;
    // Under row-level security the admin sees only accounts that are members of the clinic:
    // enough to know whether this one is on its staff.
    let member = users::Entity::find()
        .filter(users::Column::Email.eq(&email))
        .one(conn)
        .await?;
    let on_staff = match member {
        None => 0,
        Some(user) => {
            memberships::Entity::find()
                .filter(memberships::Column::ClinicId.eq(clinic_id))
                .filter(memberships::Column::UserId.eq(user.id))
                .filter(memberships::Column::Role.eq(role.as_str()))
                .count(conn)
                .await?
        }
    };
    if on_staff > 0 {
        return Err(AppError::field(
            "email",
            format!(
                "They are on your staff as {} already.",
                role.label().to_lowercase()
            ),
        ));
    }
    let open = staff_invitations::Entity::find()
        .filter(staff_invitations::Column::ClinicId.eq(clinic_id))
        .filter(staff_invitations::Column::Email.eq(&email))
        .filter(staff_invitations::Column::AcceptedAt.is_null())
        .filter(staff_invitations::Column::WithdrawnAt.is_null())
        .filter(staff_invitations::Column::ExpiresAt.gt(scoped.now()))
        .count(conn)
        .await?;
    if open > 0 {
        return Err(AppError::field(
            "email",
            "They have an open invitation already: send it again from the list instead.",
        ));
    }
    if role == Role::Provider {
        require_free_seat(conn, clinic_id, scoped.now(), "role").await?;
    }
    let (token, hash) = new_link(clinic_id);
    let inserted = staff_invitations::Entity::insert(staff_invitations::ActiveModel {
        clinic_id: Set(clinic_id),
        email: Set(email.clone()),
        role: Set(role.as_str().into()),
        token_hash: Set(hash),
        invited_by: Set(Some(scoped.actor().user_id())),
        created_at: Set(scoped.now()),
        expires_at: Set(scoped.now() + LINK_LIFETIME),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    scoped
        .audit(
            AuditEntry::by(scoped.actor(), "staff.invited").resource(format!(
                "invitation:{} {}",
                inserted.last_insert_id,
                role.as_str()
            )),
        )
        .await?;
    let clinic = clinic_name(scoped, clinic_id).await?;
    Ok(mail_after_commit(state, email, clinic, role, token))
}

/// Sends an open invitation again, with a new link and a new week; the old link stops working.
pub async fn resend(
    state: &AppState,
    scoped: &Scoped,
    invitation_id: i64,
) -> Result<Sent, AppError> {
    let invitation = open_invitation(scoped, invitation_id).await?;
    let role = Role::parse(&invitation.role).ok_or(AppError::NotFound)?;
    if invitation.expires_at <= scoped.now() && role == Role::Provider {
        // An expired invitation gave its seat back; taking it again needs one free.
        require_free_seat(scoped.conn(), invitation.clinic_id, scoped.now(), "form").await?;
    }
    let (token, hash) = new_link(invitation.clinic_id);
    staff_invitations::Entity::update_many()
        .col_expr(staff_invitations::Column::TokenHash, Expr::value(hash))
        .col_expr(
            staff_invitations::Column::ExpiresAt,
            Expr::value(scoped.now() + LINK_LIFETIME),
        )
        .filter(staff_invitations::Column::Id.eq(invitation.id))
        .exec(scoped.conn())
        .await?;
    scoped
        .audit(
            AuditEntry::by(scoped.actor(), "staff.invitation_resent")
                .resource(format!("invitation:{}", invitation.id)),
        )
        .await?;
    let clinic = clinic_name(scoped, invitation.clinic_id).await?;
    Ok(mail_after_commit(
        state,
        invitation.email,
        clinic,
        role,
        token,
    ))
}

/// Withdraws an open invitation: its link stops working and its seat is free.
pub async fn withdraw(scoped: &Scoped, invitation_id: i64) -> Result<(), AppError> {
    let invitation = open_invitation(scoped, invitation_id).await?;
    staff_invitations::Entity::update_many()
        .col_expr(
            staff_invitations::Column::WithdrawnAt,
            Expr::value(Some(scoped.now())),
        )
        .filter(staff_invitations::Column::Id.eq(invitation.id))
        .exec(scoped.conn())
        .await?;
    scoped
        .audit(
            AuditEntry::by(scoped.actor(), "staff.invitation_withdrawn")
                .resource(format!("invitation:{}", invitation.id)),
        )
        .await
}

/// An invitation of the admin's clinic, not accepted or withdrawn; 404 for any other.
async fn open_invitation(
    scoped: &Scoped,
    invitation_id: i64,
) -> Result<staff_invitations::Model, AppError> {
    scoped.actor().require(Permission::StaffManage)?;
    let clinic = scoped.actor().active_clinic()?;
    lock_staff(scoped.conn(), clinic).await?;
    staff_invitations::Entity::find_by_id(invitation_id)
        .filter(staff_invitations::Column::ClinicId.eq(clinic))
        .filter(staff_invitations::Column::AcceptedAt.is_null())
        .filter(staff_invitations::Column::WithdrawnAt.is_null())
        .one(scoped.conn())
        .await?
        .ok_or(AppError::NotFound)
}

async fn clinic_name(scoped: &Scoped, clinic: i64) -> Result<String, AppError> {
    Ok(clinics::Entity::find_by_id(clinic)
        .one(scoped.conn())
        .await?
        .ok_or(AppError::NotFound)?
        .name)
}

/// The invitation's email, built now and sent once the caller has committed (`Sent::send`).
#[must_use = "the invitation is mailed only when `send` is called after the commit"]
pub struct Sent(OutgoingMail);

impl Sent {
    pub fn send(self, state: &AppState) {
        send_in_background(state.mailer.clone(), self.0, "staff invitation");
    }
}

fn mail_after_commit(
    state: &AppState,
    to: String,
    clinic: String,
    role: Role,
    token: String,
) -> Sent {
    let link = format!(
        "{}/invitation?token={token}",
        state.settings.public_url.trim_end_matches('/')
    );
    let role = role.label().to_lowercase();
    Sent(OutgoingMail {
        to,
        subject: format!("You are invited to join {clinic} on Salus"),
        text: format!(
            "{clinic} invites you to join its staff on Salus, its patient portal, as {role}.\n\n\
             To accept, open this link within 7 days and set your password (or, if you \
             have a Salus account already, confirm it with your password):\n{link}\n\n\
             If you did not expect this, ignore this email and nothing happens.\n"
        ),
    })
}

fn invalid() -> AppError {
    AppError::field("token", INVALID)
}

/// The open, unexpired invitation a token is the link of, in an active clinic; `conn` acts as
/// the clinic's own task (`ClinicTask(token_clinic(token))`).
async fn by_token<C: sea_orm::ConnectionTrait>(
    conn: &C,
    token: &str,
    now: DateTime<Utc>,
) -> Result<(staff_invitations::Model, clinics::Model), AppError> {
    let clinic_id = token_clinic(token).ok_or_else(invalid)?;
    let invitation = staff_invitations::Entity::find()
        .filter(staff_invitations::Column::ClinicId.eq(clinic_id))
        .filter(staff_invitations::Column::TokenHash.eq(tokens::hash(token)))
        .one(conn)
        .await?
        .filter(|i| i.accepted_at.is_none() && i.withdrawn_at.is_none() && i.expires_at > now)
        .ok_or_else(invalid)?;
    let clinic = clinics::Entity::find_by_id(clinic_id)
        .one(conn)
        .await?
        .filter(|c| c.status == "active")
        .ok_or_else(invalid)?;
    Ok((invitation, clinic))
}

/// The account an email has, read as the visitor who holds its invitation.
async fn account_of(
    db: &sea_orm::DatabaseConnection,
    email: &str,
) -> Result<Option<users::Model>, AppError> {
    let txn = db_context::begin(db, DbContext::visitor(email)).await?;
    let user = users::Entity::find()
        .filter(users::Column::Email.eq(email))
        .one(&txn)
        .await?;
    txn.commit().await?;
    Ok(user)
}

/// What the link's page shows: which clinic, which role, and whether to set a password or
/// confirm an existing one.
pub async fn details(state: &AppState, token: &str) -> Result<InvitationDetails, AppError> {
    let now = state.clock.now();
    let clinic_id = token_clinic(token).ok_or_else(invalid)?;
    let txn = db_context::begin(&state.db, DbContext::ClinicTask(clinic_id)).await?;
    let (invitation, clinic) = by_token(&txn, token, now).await?;
    txn.commit().await?;
    let role = Role::parse(&invitation.role).ok_or_else(invalid)?;
    Ok(InvitationDetails {
        clinic_name: clinic.name,
        has_account: account_of(&state.db, &invitation.email).await?.is_some(),
        email: invitation.email,
        role,
    })
}

/// What the invitation's page sends. `name` is used only for a new account.
pub struct Acceptance {
    pub token: String,
    pub name: String,
    pub password: Password,
}

/// Accepts an invitation: a new account with the password chosen, or the existing account
/// after its password, becomes a member of the clinic's staff with the invitation's role. The
/// link proves the address, so the account's email counts as confirmed.
pub async fn accept(
    state: &AppState,
    meta: &RequestMeta,
    form: Acceptance,
) -> Result<(), AppError> {
    let now = state.clock.now();
    let details = details(state, &form.token).await?;
    let email = details.email.clone();
    let existing = account_of(&state.db, &email).await?;
    let user_id = match existing {
        Some(user) => {
            // Guessing an account's password through its invitation counts as signing in.
            let limit = throttle::Limit::sign_in_per_account(&state.settings);
            let claimed = throttle::claim(&state.db, now, &[(limit, email.as_str())]).await?;
            if form.password.expose().is_empty() {
                return Err(AppError::field("password", "Enter your password."));
            }
            if !password::verify(form.password, Some(user.password_hash.clone())).await?
                || !user.is_active
            {
                return Err(AppError::field(
                    "password",
                    "That is not this account's password.",
                ));
            }
            let txn = db_context::begin(&state.db, DbContext::visitor(&email)).await?;
            throttle::forgive_sign_in(&txn, claimed, &state.settings, &email).await?;
            txn.commit().await?;
            Some(user.id)
        }
        None => {
            let name = form.name.trim().to_owned();
            let mut v = Validator::new();
            v.check(!name.is_empty(), "name", "Enter your name.");
            v.check(
                name.chars().count() <= 100,
                "name",
                "Use at most 100 characters.",
            );
            if let Some(weak) = password::weakness(&form.password, &email, &name) {
                v.add("password", weak);
            }
            v.finish()?;
            let hash = password::hash(form.password).await?;
            let txn = db_context::begin(&state.db, DbContext::visitor(&email)).await?;
            let inserted = users::Entity::insert(users::ActiveModel {
                email: Set(email.clone()),
                password_hash: Set(hash),
                display_name: Set(name),
                is_super_admin: Set(false),
                is_active: Set(true),
                email_verified_at: Set(Some(now)),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
            .exec(&txn)
            .await;
            match inserted {
                Ok(user) => {
                    let user_id = user.last_insert_id;
                    join(&txn, state, meta, &form.token, user_id, now).await?;
                    txn.commit().await?;
                    return Ok(());
                }
                // Created meanwhile (a second tab): join with its password instead.
                Err(e) if is_unique_violation(&e) => {
                    txn.rollback().await?;
                    return Err(AppError::field(
                        "password",
                        "This address has a Salus account now: enter its password to join.",
                    ));
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    let user_id = user_id.expect("existing account");
    let txn = db_context::begin(&state.db, DbContext::Account(user_id)).await?;
    users::Entity::update_many()
        .col_expr(users::Column::EmailVerifiedAt, Expr::value(Some(now)))
        .filter(users::Column::Id.eq(user_id))
        .filter(users::Column::EmailVerifiedAt.is_null())
        .exec(&txn)
        .await?;
    join(&txn, state, meta, &form.token, user_id, now).await?;
    txn.commit().await?;
    Ok(())
}

/// In the caller's transaction, switched to the clinic's own task: uses the invitation up
/// (only one request can) and makes `user_id` a member with its role.
async fn join(
    txn: &sea_orm::DatabaseTransaction,
    state: &AppState,
    meta: &RequestMeta,
    token: &str,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let clinic_id = token_clinic(token).ok_or_else(invalid)?;
    db_context::enter(txn, DbContext::ClinicTask(clinic_id)).await?;
    let (invitation, _clinic) = by_token(txn, token, now).await?;
    let used = staff_invitations::Entity::update_many()
        .col_expr(
            staff_invitations::Column::AcceptedAt,
            Expr::value(Some(now)),
        )
        .filter(staff_invitations::Column::Id.eq(invitation.id))
        .filter(staff_invitations::Column::AcceptedAt.is_null())
        .filter(staff_invitations::Column::WithdrawnAt.is_null())
        .exec(txn)
        .await?;
    if used.rows_affected != 1 {
        return Err(invalid());
    }
    let role = Role::parse(&invitation.role).ok_or_else(invalid)?;
    let already = memberships::Entity::find()
        .filter(memberships::Column::ClinicId.eq(invitation.clinic_id))
        .filter(memberships::Column::UserId.eq(user_id))
        .filter(memberships::Column::Role.eq(role.as_str()))
        .count(txn)
        .await?;
    if already > 0 {
        return Err(AppError::Conflict(format!(
            "You are on this clinic's staff as {} already: sign in.",
            role.label().to_lowercase()
        )));
    }
    add_membership(txn, user_id, invitation.clinic_id, role, now).await?;
    audit::record(
        txn,
        &state.audit_key,
        now,
        meta,
        AuditEntry {
            actor_user_id: Some(user_id),
            actor_role: Some(role.as_str().into()),
            clinic_id: Some(invitation.clinic_id),
            action: "staff.invitation_accepted",
            resource: Some(format!("invitation:{}", invitation.id)),
            ..Default::default()
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_names_its_clinic() {
        let (token, hash) = new_link(42);
        assert_eq!(token_clinic(&token), Some(42));
        assert_eq!(tokens::hash(&token), hash);
        assert_eq!(token_clinic("42-"), None);
        assert_eq!(token_clinic("x-abc"), None);
        assert_eq!(token_clinic("abc"), None);
    }
}
