//! Invitations to join a clinic, on its staff or as a patient. An admin invites an email with a
//! role; the link mailed to it is single-use and expires after a week; it can be sent again (a
//! new link, the old one stops working) or withdrawn. An open provider invitation holds a
//! provider seat. A patient's invitation also records their consent to the privacy policy when
//! they accept it, and is how a patient the clinic enrolled (`enrolment`) sets a password.
//!
//! The link's token starts with the clinic's id (`<clinic>-<random>`), so that opening it runs
//! as that clinic's own task (`DbContext::ClinicTask`) from the first query: row-level security
//! then holds the lookup to that one clinic, and only the hash of the whole token can match.
//! The person who opens it sets a password for a new account, or, when their address has an
//! account already, joins with that account's password.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};

use super::roles::{self, StaffRole};
use super::{lock_staff, require_free_seat};
use crate::error::{AppError, Validator};
use crate::model::clinic::InvitationDetails;
use crate::model::platform::ClinicStatus;
use crate::model::Role;
use crate::server::audit::{self, AuditEntry};
use crate::server::db_context::{self, DbContext};
use crate::server::entities::{clinics, invitations, memberships, users};
use crate::server::errors::is_unique_violation;
use crate::server::mail::{send_in_background, OutgoingMail};
use crate::server::permissions::Permission;
use crate::server::plan_limits;
use crate::server::request::RequestMeta;
use crate::server::services::account::auth::{add_membership, email_problem, normalize_email};
use crate::server::services::account::password::{self, Password};
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
    let conn = scoped.conn();
    let role = roles::chosen(conn, clinic_id, role).await;
    if let Err(AppError::Validation(fields)) = &role {
        for message in fields.get("role").into_iter().flatten() {
            v.add("role", message.clone());
        }
    }
    v.finish()?;
    let role = role?;
    roles::may_grant(scoped.actor(), role.permissions, "role")?;
    open_staff_invitation(state, scoped, clinic_id, email, role).await
}

/// Opens an invitation of `email` (normalised and checked) to `clinic_id`'s staff as `role`,
/// which the inviter may grant: refused when they are on its staff in that role already, have
/// an open invitation, or the role needs a provider seat and none is free. Audited as
/// `staff.invited` in the clinic; the link is mailed when the caller has committed. The clinic
/// admin's form and the platform's new clinic (its first admin) both come here.
pub(crate) async fn open_staff_invitation(
    state: &AppState,
    scoped: &Scoped,
    clinic_id: i64,
    email: String,
    role: StaffRole,
) -> Result<Sent, AppError> {
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
                .filter(memberships::Column::Role.eq(role.role))
                .count(conn)
                .await?
        }
    };
    if on_staff > 0 {
        return Err(AppError::field(
            "email",
            format!(
                "They are on your staff as {} already.",
                role.name().to_lowercase()
            ),
        ));
    }
    let open = invitations::Entity::find()
        .filter(invitations::Column::ClinicId.eq(clinic_id))
        .filter(invitations::Column::Email.eq(&email))
        .filter(invitations::Column::AcceptedAt.is_null())
        .filter(invitations::Column::WithdrawnAt.is_null())
        .filter(invitations::Column::ExpiresAt.gt(scoped.now()))
        .count(conn)
        .await?;
    if open > 0 {
        return Err(AppError::field(
            "email",
            "They have an open invitation already: send it again from the list instead.",
        ));
    }
    if role.reads_patients() {
        require_free_seat(conn, clinic_id, scoped.now(), "role").await?;
    }
    let (token, hash) = new_link(clinic_id);
    let inserted = invitations::Entity::insert(invitations::ActiveModel {
        clinic_id: Set(clinic_id),
        email: Set(email.clone()),
        role: Set(role.role),
        clinic_role_id: Set(role.clinic_role_id()),
        token_hash: Set(hash),
        invited_by: Set(Some(scoped.actor().user_id())),
        created_at: Set(scoped.now()),
        expires_at: Set(scoped.now() + LINK_LIFETIME),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    let mut event = AuditEntry::by(scoped.actor(), "staff.invited").resource(format!(
        "invitation:{} {}",
        inserted.last_insert_id,
        role.key()
    ));
    event.clinic_id = Some(clinic_id);
    scoped.audit(event).await?;
    let clinic = clinic_name(scoped, clinic_id).await?;
    Ok(mail_after_commit(
        state,
        email,
        clinic,
        Some(role.name()),
        token,
    ))
}

/// Invites `email` to be a patient of the admin's clinic; the link is mailed when the caller
/// has committed. An account the address has already joins once its owner accepts with its
/// password: an admin never links an account to their clinic by themselves.
pub(crate) async fn invite_patient(
    state: &AppState,
    scoped: &Scoped,
    email: &str,
) -> Result<Sent, AppError> {
    scoped.actor().require(Permission::PatientManage)?;
    let clinic_id = scoped.actor().active_clinic()?;
    let email = normalize_email(email);
    if let Some(problem) = email_problem(&email) {
        return Err(AppError::field("email", problem));
    }
    if !super::membership::enrolled_of(scoped, clinic_id, std::slice::from_ref(&email))
        .await?
        .is_empty()
    {
        return Err(AppError::field(
            "email",
            "They are a patient of your clinic already.",
        ));
    }
    let invite = PatientInvite {
        email,
        ..Default::default()
    };
    let mut opened = open_patient_invitations(scoped, clinic_id, &[invite]).await?;
    let Some(link) = opened.pop() else {
        return Err(AppError::field(
            "email",
            "They have an open invitation already: send it again from the list instead.",
        ));
    };
    let clinic = clinic_name(scoped, clinic_id).await?;
    Ok(patient_mail(state, link, &clinic))
}

/// Whom a patient invitation is for, with what the clinic typed about them (nothing but the
/// address when invited by email alone).
#[derive(Debug, Default, Clone)]
pub(crate) struct PatientInvite {
    pub email: String,
    pub name: Option<String>,
    pub date_of_birth: Option<chrono::NaiveDate>,
    pub sex: Option<crate::model::Sex>,
    pub phone: Option<String>,
}

/// A patient invitation just opened: mail `token` to `email`.
pub(crate) struct OpenedLink {
    pub email: String,
    pub token: String,
}

/// Opens a patient invitation for each of `invites` whose address has no open one yet,
/// audited as `patient.invited`; returns the links to mail after the commit.
pub(crate) async fn open_patient_invitations(
    scoped: &Scoped,
    clinic_id: i64,
    invites: &[PatientInvite],
) -> Result<Vec<OpenedLink>, AppError> {
    let conn = scoped.conn();
    let emails: Vec<String> = invites.iter().map(|i| i.email.clone()).collect();
    let mut open = std::collections::HashSet::new();
    for chunk in emails.chunks(500) {
        let found: Vec<String> = invitations::Entity::find()
            .select_only()
            .column(invitations::Column::Email)
            .filter(invitations::Column::ClinicId.eq(clinic_id))
            .filter(invitations::Column::Role.eq(Role::Patient))
            .filter(invitations::Column::Email.is_in(chunk.iter().cloned()))
            .filter(invitations::Column::AcceptedAt.is_null())
            .filter(invitations::Column::WithdrawnAt.is_null())
            .filter(invitations::Column::ExpiresAt.gt(scoped.now()))
            .into_tuple()
            .all(conn)
            .await?;
        open.extend(found);
    }
    let mut links = Vec::new();
    let mut rows = Vec::new();
    for invite in invites.iter().filter(|i| !open.contains(&i.email)) {
        let (token, hash) = new_link(clinic_id);
        rows.push(invitations::ActiveModel {
            clinic_id: Set(clinic_id),
            email: Set(invite.email.clone()),
            role: Set(Role::Patient),
            token_hash: Set(hash),
            invited_by: Set(Some(scoped.actor().user_id())),
            created_at: Set(scoped.now()),
            expires_at: Set(scoped.now() + LINK_LIFETIME),
            patient_name: Set(invite.name.clone()),
            date_of_birth: Set(invite.date_of_birth),
            sex: Set(invite.sex),
            phone: Set(invite.phone.clone()),
            ..Default::default()
        });
        links.push(OpenedLink {
            email: invite.email.clone(),
            token,
        });
    }
    let mut audit = Vec::with_capacity(rows.len());
    let mut pending = rows.into_iter().peekable();
    while pending.peek().is_some() {
        let chunk: Vec<_> = pending.by_ref().take(500).collect();
        for inserted in invitations::Entity::insert_many(chunk)
            .exec_with_returning(conn)
            .await?
        {
            audit.push(
                AuditEntry::by(scoped.actor(), "patient.invited")
                    .resource(format!("invitation:{}", inserted.id)),
            );
        }
    }
    scoped.audit_many(audit).await?;
    Ok(links)
}

/// Sends an open invitation again, with a new link and a new week; the old link stops working.
pub async fn resend(
    state: &AppState,
    scoped: &Scoped,
    invitation_id: i64,
) -> Result<Sent, AppError> {
    let invitation = open_invitation(scoped, invitation_id).await?;
    let role = invitation.role;
    let staff_role = offered(scoped, &invitation).await?;
    if invitation.expires_at <= scoped.now()
        && staff_role.as_ref().is_some_and(StaffRole::reads_patients)
    {
        // An expired invitation gave its seat back; taking it again needs one free.
        require_free_seat(scoped.conn(), invitation.clinic_id, scoped.now(), "form").await?;
    }
    let (token, hash) = new_link(invitation.clinic_id);
    invitations::Entity::update_many()
        .col_expr(invitations::Column::TokenHash, Expr::value(hash))
        .col_expr(
            invitations::Column::ExpiresAt,
            Expr::value(scoped.now() + LINK_LIFETIME),
        )
        .filter(invitations::Column::Id.eq(invitation.id))
        .exec(scoped.conn())
        .await?;
    scoped
        .audit(
            AuditEntry::by(
                scoped.actor(),
                invitation_action(role, "staff.invitation_resent", "patient.invitation_resent"),
            )
            .resource(format!("invitation:{}", invitation.id)),
        )
        .await?;
    let clinic = clinic_name(scoped, invitation.clinic_id).await?;
    Ok(mail_after_commit(
        state,
        invitation.email,
        clinic,
        staff_role.map(|r| r.name()),
        token,
    ))
}

/// Withdraws an open invitation: its link stops working and its seat is free.
pub async fn withdraw(scoped: &Scoped, invitation_id: i64) -> Result<(), AppError> {
    let invitation = open_invitation(scoped, invitation_id).await?;
    let role = invitation.role;
    invitations::Entity::update_many()
        .col_expr(
            invitations::Column::WithdrawnAt,
            Expr::value(Some(scoped.now())),
        )
        .filter(invitations::Column::Id.eq(invitation.id))
        .exec(scoped.conn())
        .await?;
    scoped
        .audit(
            AuditEntry::by(
                scoped.actor(),
                invitation_action(
                    role,
                    "staff.invitation_withdrawn",
                    "patient.invitation_withdrawn",
                ),
            )
            .resource(format!("invitation:{}", invitation.id)),
        )
        .await
}

/// The staff role an invitation offers; none for a patient's. Refused when that role runs more
/// of the clinic than the admin's, or no longer exists.
async fn offered(
    scoped: &Scoped,
    invitation: &invitations::Model,
) -> Result<Option<StaffRole>, AppError> {
    if invitation.role == Role::Patient {
        return Ok(None);
    }
    let custom = roles::custom_roles(scoped.conn(), invitation.clinic_id).await?;
    let role =
        roles::held(invitation.role, invitation.clinic_role_id, &custom).ok_or_else(|| {
            AppError::Conflict(
                "The role it offered no longer exists: withdraw it and invite them again.".into(),
            )
        })?;
    roles::may_manage(scoped.actor(), &role)?;
    Ok(Some(role))
}

/// An invitation of the admin's clinic, not accepted or withdrawn; 404 for any other.
async fn open_invitation(
    scoped: &Scoped,
    invitation_id: i64,
) -> Result<invitations::Model, AppError> {
    let actor = scoped.actor();
    if actor.require(Permission::StaffManage).is_err() {
        actor.require(Permission::PatientManage)?;
    }
    let clinic = actor.active_clinic()?;
    lock_staff(scoped.conn(), clinic).await?;
    let invitation = invitations::Entity::find_by_id(invitation_id)
        .filter(invitations::Column::ClinicId.eq(clinic))
        .filter(invitations::Column::AcceptedAt.is_null())
        .filter(invitations::Column::WithdrawnAt.is_null())
        .one(scoped.conn())
        .await?
        .ok_or(AppError::NotFound)?;
    // Patients' invitations are patient management; the others, staff management.
    actor.require(if invitation.role == Role::Patient {
        Permission::PatientManage
    } else {
        Permission::StaffManage
    })?;
    Ok(invitation)
}

/// The audit action for a staff invitation or a patient's, by the invitation's role.
fn invitation_action(role: Role, staff: &'static str, patient: &'static str) -> &'static str {
    if role == Role::Patient {
        patient
    } else {
        staff
    }
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
        send_in_background(state.mailer.clone(), self.0, "invitation");
    }

    /// Sends many in one background task, one after another (an import's invitations).
    pub fn send_all(all: Vec<Sent>, state: &AppState) {
        if all.is_empty() {
            return;
        }
        let mailer = state.mailer.clone();
        tokio::spawn(async move {
            for Sent(mail) in all {
                if let Err(e) = mailer.send(mail).await {
                    tracing::error!(error = %e, mail = "invitation", "an email was not sent");
                }
            }
        });
    }
}

/// The mail of a patient invitation just opened.
pub(crate) fn patient_mail(state: &AppState, link: OpenedLink, clinic: &str) -> Sent {
    mail_after_commit(state, link.email, clinic.to_owned(), None, link.token)
}

/// `staff_role`: the name of the staff role offered; none for a patient's invitation.
fn mail_after_commit(
    state: &AppState,
    to: String,
    clinic: String,
    staff_role: Option<String>,
    token: String,
) -> Sent {
    let link = crate::routes::link_with_token(
        &state.settings.public_url,
        crate::routes::account::INVITATION,
        &token,
    );
    let invitation = match staff_role {
        None => format!("{clinic} invites you to Salus, its patient portal."),
        Some(role) => format!(
            "{clinic} invites you to join its staff on Salus, its patient portal, as {}.",
            role.to_lowercase()
        ),
    };
    Sent(OutgoingMail {
        html: None,
        list_unsubscribe: None,
        to,
        subject: format!("You are invited to join {clinic} on Salus"),
        text: format!(
            "{invitation}\n\n\
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
) -> Result<(invitations::Model, clinics::Model), AppError> {
    let clinic_id = token_clinic(token).ok_or_else(invalid)?;
    let invitation = invitations::Entity::find()
        .filter(invitations::Column::ClinicId.eq(clinic_id))
        .filter(invitations::Column::TokenHash.eq(tokens::hash(token)))
        .one(conn)
        .await?
        .filter(|i| i.accepted_at.is_none() && i.withdrawn_at.is_none() && i.expires_at > now)
        .ok_or_else(invalid)?;
    let clinic = clinics::Entity::find_by_id(clinic_id)
        .one(conn)
        .await?
        .filter(|c| c.status == ClinicStatus::Active)
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
    // The link first, read as its holder: only a good one goes on as the clinic's own task.
    let hash = tokens::hash(token);
    let txn = db_context::begin(&state.db, DbContext::Invitee(&hash)).await?;
    let held = invitations::Entity::find()
        .filter(invitations::Column::TokenHash.eq(hash.as_str()))
        .one(&txn)
        .await?;
    txn.commit().await?;
    let clinic_id = held
        .filter(|i| i.accepted_at.is_none() && i.withdrawn_at.is_none() && i.expires_at > now)
        .map(|i| i.clinic_id)
        .filter(|clinic| token_clinic(token) == Some(*clinic))
        .ok_or_else(invalid)?;
    let txn = db_context::begin(&state.db, DbContext::ClinicTask(clinic_id)).await?;
    let (invitation, clinic) = by_token(&txn, token, now).await?;
    let custom = roles::custom_roles(&txn, clinic_id).await?;
    txn.commit().await?;
    let role = invitation.role;
    let role_name = match role {
        Role::Patient => role.label().to_owned(),
        _ => roles::held(invitation.role, invitation.clinic_role_id, &custom)
            .ok_or_else(invalid)?
            .name(),
    };
    Ok(InvitationDetails {
        role_name,
        clinic_name: clinic.name,
        // An account the clinic enrolled has no password yet: its owner sets one here.
        has_account: account_of(&state.db, &invitation.email)
            .await?
            .is_some_and(|u| !u.password_hash.is_empty()),
        email: invitation.email,
        name: invitation.patient_name,
        role,
    })
}

/// What the invitation's page sends. `name` is used only for a new account, `consent` only by
/// a patient (to the privacy policy).
pub struct Acceptance {
    pub token: String,
    pub name: String,
    pub password: Password,
    pub consent: bool,
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
    if details.role == Role::Patient && !form.consent {
        return Err(AppError::field(
            "consent",
            "You must agree to the privacy policy to use the portal.",
        ));
    }
    let email = details.email.clone();
    let existing = account_of(&state.db, &email).await?;
    let user_id = match existing {
        Some(user) if user.password_hash.is_empty() => {
            // Enrolled by the clinic: the link proves the address, and its owner now sets the
            // account's first password.
            if let Some(weak) = password::weakness(&form.password, &email, &user.display_name) {
                return Err(AppError::field("password", weak));
            }
            let hash = password::hash(form.password).await?;
            let txn = db_context::begin(&state.db, DbContext::Account(user.id)).await?;
            users::Entity::update_many()
                .col_expr(users::Column::PasswordHash, Expr::value(hash))
                .col_expr(users::Column::UpdatedAt, Expr::value(now))
                .filter(users::Column::Id.eq(user.id))
                .filter(users::Column::PasswordHash.eq(""))
                .exec(&txn)
                .await?;
            txn.commit().await?;
            Some(user.id)
        }
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
            // The name the clinic typed when it invited them, unless they typed their own.
            let name = match form.name.trim() {
                "" => details.name.clone().unwrap_or_default(),
                typed => typed.to_owned(),
            };
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
    db_context::joining(txn, clinic_id).await?;
    let (invitation, _clinic) = by_token(txn, token, now).await?;
    let used = invitations::Entity::update_many()
        .col_expr(invitations::Column::AcceptedAt, Expr::value(Some(now)))
        .filter(invitations::Column::Id.eq(invitation.id))
        .filter(invitations::Column::AcceptedAt.is_null())
        .filter(invitations::Column::WithdrawnAt.is_null())
        .exec(txn)
        .await?;
    if used.rows_affected != 1 {
        return Err(invalid());
    }
    let role = invitation.role;
    let member = memberships::Entity::find()
        .filter(memberships::Column::ClinicId.eq(invitation.clinic_id))
        .filter(memberships::Column::UserId.eq(user_id))
        .filter(memberships::Column::Role.eq(role))
        .one(txn)
        .await?;
    let enrolled_now = match (&member, role) {
        // Enrolled by the clinic already: this link was theirs to set a password.
        (Some(m), Role::Patient) if m.deactivated_at.is_none() => false,
        (Some(_), Role::Patient) => {
            return Err(AppError::Conflict(
                "Your clinic has discharged you: ask it to re-admit you.".into(),
            ))
        }
        (Some(_), _) => {
            return Err(AppError::Conflict(format!(
                "You are on this clinic's staff as {} already: sign in.",
                role.label().to_lowercase()
            )))
        }
        (None, role) => {
            if role == Role::Patient {
                let clinic = clinics::Entity::find_by_id(invitation.clinic_id)
                    .one(txn)
                    .await?
                    .ok_or_else(invalid)?;
                if let Err(full) = plan_limits::patient_room(txn, &clinic, 1, now).await? {
                    return Err(AppError::Conflict(full.for_patient()));
                }
            }
            add_membership(
                txn,
                user_id,
                invitation.clinic_id,
                role,
                invitation.clinic_role_id,
                now,
            )
            .await?;
            true
        }
    };
    if role == Role::Patient {
        super::membership::patient_joined(txn, &invitation, user_id, enrolled_now, now).await?;
    }
    audit::record(
        txn,
        &state.audit_key,
        now,
        meta,
        AuditEntry {
            actor_user_id: Some(user_id),
            actor_role: Some(role.as_str().into()),
            clinic_id: Some(invitation.clinic_id),
            patient_id: (role == Role::Patient).then_some(user_id),
            action: invitation_action(
                role,
                "staff.invitation_accepted",
                "patient.invitation_accepted",
            ),
            resource: Some(format!("invitation:{}", invitation.id)),
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
