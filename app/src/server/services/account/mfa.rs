//! Two-step sign-in with TOTP: enrolment (a secret shown as a QR code and as text, confirmed by
//! a first code), checking codes at sign-in (one step either side, never a step twice, limited
//! per account), ten single-use recovery codes stored hashed, turning it off (patients only,
//! with a code) and an admin's reset. Staff must use it; patients may.
//!
//! Every table here is the user's own. Reading it, the services open `DbContext::Account`
//! transactions (the user's own rows); a change that is audited runs as the actor, so its event
//! joins their clinic's chain. A half-signed-in session is never an actor anywhere else: only
//! these services build one from it. Secrets are sealed with `SecretKeys` (AES-256-GCM, the
//! user id as context).
use chrono::{DateTime, Utc};
use rand::Rng;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::model::account::{Enrolment, TwoStepStatus};
use crate::model::Role;
use crate::server::actor::Actor;
use crate::server::audit::{self, AuditEntry};
use crate::server::db_context::{self, DbContext};
use crate::server::entities::{memberships, mfa_recovery_codes, user_mfa, users};
use crate::server::errors::internal;
use crate::server::mail::{send_in_background, OutgoingMail};
use crate::server::permissions::Permission;
use crate::server::request::RequestMeta;
use crate::server::secret_box::Sealed;
use crate::server::services::clinic::roles;
use crate::server::services::throttle;
use crate::server::state::AppState;
use crate::server::totp;

pub(crate) const RECOVERY_CODES: usize = 10;
const ISSUER: &str = "Salus";
const WRONG_CODE: &str = "That code is not right. Enter the 6-digit code your authenticator app shows now, or a recovery code.";

/// Staff reach many patients' records: they must use a second factor. Patients may.
pub(crate) fn required_for(role: Role) -> bool {
    role != Role::Patient
}

/// What the account still has to do after its password was right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NextStep {
    /// Nothing: signed in.
    SignedIn,
    /// Enter a code from the authenticator.
    Code,
    /// Set up an authenticator first (staff who have none).
    Enrol,
}

fn context(user_id: i64) -> Vec<u8> {
    format!("user_mfa:{user_id}").into_bytes()
}

fn code_hash(code: &str) -> String {
    hex::encode(Sha256::digest(normalized_recovery_code(code).as_bytes()))
}

/// Recovery codes are typed as shown (`abcde-fghij`) or without the dash, in either case.
fn normalized_recovery_code(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

async fn authenticator<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
) -> Result<Option<user_mfa::Model>, AppError> {
    Ok(user_mfa::Entity::find_by_id(user_id).one(conn).await?)
}

/// The user's authenticator, read in a transaction of its own. The transactions that then change
/// it start with a write: on SQLite a transaction that read first cannot write once another
/// connection has written since (two sign-ins at once), where one that writes first waits its
/// turn.
async fn read_authenticator(
    db: &DatabaseConnection,
    user_id: i64,
) -> Result<Option<user_mfa::Model>, AppError> {
    let txn = db_context::begin(db, DbContext::Account(user_id)).await?;
    let row = authenticator(&txn, user_id).await?;
    txn.commit().await?;
    Ok(row)
}

fn secret_of(state: &AppState, row: &user_mfa::Model) -> Result<Vec<u8>, AppError> {
    let sealed = Sealed {
        key_id: row.key_id.clone(),
        data: row.sealed_secret.clone(),
    };
    state
        .secret_keys
        .open(&sealed, &context(row.user_id))
        .map_err(internal)
}

pub(crate) async fn next_step(
    db: &DatabaseConnection,
    user_id: i64,
    role: Role,
) -> Result<NextStep, AppError> {
    let txn = db_context::begin(db, DbContext::Account(user_id)).await?;
    let confirmed = authenticator(&txn, user_id)
        .await?
        .is_some_and(|a| a.confirmed_at.is_some());
    txn.commit().await?;
    Ok(match (confirmed, required_for(role)) {
        (true, _) => NextStep::Code,
        (false, true) => NextStep::Enrol,
        (false, false) => NextStep::SignedIn,
    })
}

pub async fn status(
    db: &DatabaseConnection,
    user_id: i64,
    role: Role,
) -> Result<TwoStepStatus, AppError> {
    let txn = db_context::begin(db, DbContext::Account(user_id)).await?;
    let enrolled = authenticator(&txn, user_id)
        .await?
        .is_some_and(|a| a.confirmed_at.is_some());
    let recovery_codes_left = mfa_recovery_codes::Entity::find()
        .filter(mfa_recovery_codes::Column::UserId.eq(user_id))
        .filter(mfa_recovery_codes::Column::UsedAt.is_null())
        .all(&txn)
        .await?
        .len();
    txn.commit().await?;
    Ok(TwoStepStatus {
        enrolled,
        required: required_for(role),
        recovery_codes_left: if enrolled { recovery_codes_left } else { 0 },
    })
}

/// The secret to set up, as a QR code and as text. The same secret comes back until it is
/// confirmed (a page loaded again must not invalidate what the phone scanned). Refused once
/// an authenticator is confirmed: it must be turned off or reset first.
pub async fn enrolment(state: &AppState, user_id: i64) -> Result<Enrolment, AppError> {
    let now = state.clock.now();
    let txn = db_context::begin(&state.db, DbContext::Account(user_id)).await?;
    let email = users::Entity::find_by_id(user_id)
        .one(&txn)
        .await?
        .ok_or(AppError::Unauthorized)?
        .email;
    let existing = authenticator(&txn, user_id).await?;
    txn.commit().await?;
    let txn = db_context::begin(&state.db, DbContext::Account(user_id)).await?;
    let secret = match existing {
        Some(row) if row.confirmed_at.is_some() => {
            return Err(AppError::Conflict(
                "Two-step sign-in is already on for your account.".into(),
            ))
        }
        Some(row) => secret_of(state, &row)?,
        None => {
            let secret = totp::new_secret();
            let sealed = state.secret_keys.seal(&secret, &context(user_id));
            user_mfa::Entity::insert(user_mfa::ActiveModel {
                user_id: Set(user_id),
                key_id: Set(sealed.key_id),
                sealed_secret: Set(sealed.data),
                confirmed_at: Set(None),
                last_step: Set(None),
                created_at: Set(now),
            })
            .on_conflict(
                OnConflict::column(user_mfa::Column::UserId)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
            // Two first loads at once: whichever row was stored is the one to show.
            match authenticator(&txn, user_id).await? {
                Some(row) => secret_of(state, &row)?,
                None => secret,
            }
        }
    };
    txn.commit().await?;
    let url = totp::otpauth_url(&secret, ISSUER, &email);
    Ok(Enrolment {
        qr_svg: totp::qr_svg(&url),
        secret: totp::shown_secret(&secret),
        account: email,
    })
}

fn attempt_key(user_id: i64) -> String {
    format!("user:{user_id}")
}

/// Counts a code attempt against the account's limit (5 in 15 minutes, like sign-ins), before
/// the code is checked; `passed` forgives it and the account's earlier misses.
async fn count_attempt(state: &AppState, user_id: i64) -> Result<throttle::Claimed, AppError> {
    throttle::claim(
        &state.db,
        state.clock.now(),
        &[(
            throttle::Limit::TWO_STEP_CODES,
            attempt_key(user_id).as_str(),
        )],
    )
    .await
}

async fn passed<C: ConnectionTrait>(
    conn: &C,
    claimed: throttle::Claimed,
    user_id: i64,
) -> Result<(), AppError> {
    throttle::forgive(
        conn,
        claimed,
        throttle::Limit::TWO_STEP_CODES,
        &attempt_key(user_id),
    )
    .await
}

/// Whether `code` is right for the authenticator now, and then it is used up: the step is
/// stored only if it is later than the stored one, in one statement, so two requests with the
/// same code cannot both pass.
async fn use_totp<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    row: &user_mfa::Model,
    code: &str,
) -> Result<bool, AppError> {
    let secret = secret_of(state, row)?;
    let now = Ord::max(state.clock.now().timestamp(), 0) as u64;
    let Some(step) = totp::accepted_step(&secret, code, now, row.last_step) else {
        return Ok(false);
    };
    let stored = user_mfa::Entity::update_many()
        .col_expr(user_mfa::Column::LastStep, Expr::value(step))
        .filter(user_mfa::Column::UserId.eq(row.user_id))
        .filter(
            user_mfa::Column::LastStep
                .is_null()
                .or(user_mfa::Column::LastStep.lt(step)),
        )
        .exec(conn)
        .await?;
    Ok(stored.rows_affected == 1)
}

/// Confirms the authenticator with its first code and issues the recovery codes, which are
/// returned this once and stored only hashed.
pub async fn confirm(
    state: &AppState,
    meta: &RequestMeta,
    actor: &Actor,
    code: &str,
) -> Result<Vec<String>, AppError> {
    let user_id = actor.user_id();
    let claimed = count_attempt(state, user_id).await?;
    let now = state.clock.now();
    let row = match read_authenticator(&state.db, user_id).await? {
        Some(row) if row.confirmed_at.is_none() => row,
        Some(_) => {
            return Err(AppError::Conflict(
                "Two-step sign-in is already on for your account.".into(),
            ))
        }
        None => {
            return Err(AppError::field(
                "code",
                "Open this page again to get a secret to set up.",
            ))
        }
    };
    // As the actor (the audit event belongs to their clinic's chain); only their own rows.
    let txn = db_context::begin(&state.db, DbContext::Actor(actor)).await?;
    if !use_totp(&txn, state, &row, code).await? {
        return Err(AppError::field("code", WRONG_CODE));
    }
    passed(&txn, claimed, user_id).await?;
    user_mfa::Entity::update_many()
        .col_expr(user_mfa::Column::ConfirmedAt, Expr::value(now))
        .filter(user_mfa::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    let codes = replace_recovery_codes(&txn, user_id, now).await?;
    audited(
        &txn,
        state,
        meta,
        AuditEntry::by(actor, "auth.two_step_enrolled"),
    )
    .await?;
    txn.commit().await?;
    Ok(codes)
}

async fn replace_recovery_codes<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<Vec<String>, AppError> {
    mfa_recovery_codes::Entity::delete_many()
        .filter(mfa_recovery_codes::Column::UserId.eq(user_id))
        .exec(conn)
        .await?;
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
    mfa_recovery_codes::Entity::insert_many(codes.iter().map(|code| {
        mfa_recovery_codes::ActiveModel {
            user_id: Set(user_id),
            code_hash: Set(code_hash(code)),
            used_at: Set(None),
            created_at: Set(now),
            ..Default::default()
        }
    }))
    .exec(conn)
    .await?;
    Ok(codes)
}

/// Ten characters from an alphabet without look-alikes (no 0/o, 1/l/i), shown as `abcde-fghij`:
/// about 50 bits each.
fn new_recovery_code() -> String {
    const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
    let mut rng = rand::rngs::OsRng;
    let chars: String = (0..10)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

/// Checks the second factor at sign-in: a code from the authenticator, or one of the recovery
/// codes (used up, audited, and the owner emailed).
pub async fn verify(
    state: &AppState,
    meta: &RequestMeta,
    actor: &Actor,
    code: &str,
) -> Result<(), AppError> {
    let user_id = actor.user_id();
    if code.trim().is_empty() {
        return Err(AppError::field("code", "Enter the code."));
    }
    let claimed = count_attempt(state, user_id).await?;
    let now = state.clock.now();
    let row = read_authenticator(&state.db, user_id)
        .await?
        .filter(|row| row.confirmed_at.is_some())
        .ok_or_else(|| AppError::field("code", WRONG_CODE))?;
    let txn = db_context::begin(&state.db, DbContext::Actor(actor)).await?;
    if use_totp(&txn, state, &row, code).await? {
        passed(&txn, claimed, user_id).await?;
        audited(
            &txn,
            state,
            meta,
            AuditEntry::by(actor, "auth.two_step_passed"),
        )
        .await?;
        txn.commit().await?;
        return Ok(());
    }
    let used = mfa_recovery_codes::Entity::update_many()
        .col_expr(mfa_recovery_codes::Column::UsedAt, Expr::value(now))
        .filter(mfa_recovery_codes::Column::UserId.eq(user_id))
        .filter(mfa_recovery_codes::Column::CodeHash.eq(code_hash(code)))
        .filter(mfa_recovery_codes::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if used.rows_affected == 0 {
        return Err(AppError::field("code", WRONG_CODE));
    }
    passed(&txn, claimed, user_id).await?;
    audited(
        &txn,
        state,
        meta,
        AuditEntry::by(actor, "auth.recovery_code_used"),
    )
    .await?;
    let email = users::Entity::find_by_id(user_id)
        .one(&txn)
        .await?
        .map(|u| u.email);
    txn.commit().await?;
    if let Some(email) = email {
        notify(
            state,
            email,
            "A recovery code was used to sign in to Salus",
            "One of your Salus recovery codes was just used to sign in to your account. Each \
             code works once.\n\nIf this was you, consider making new recovery codes on your \
             Security page.\n\nIf it was not you, reset your password from the sign-in page \
             and tell your clinic.",
        );
    }
    Ok(())
}

/// Checks a code from the authenticator (not a recovery code) for a change the signed-in
/// user asks for: turning two-step sign-in off, making new recovery codes.
async fn require_current_code(state: &AppState, user_id: i64, code: &str) -> Result<(), AppError> {
    let claimed = count_attempt(state, user_id).await?;
    let row = read_authenticator(&state.db, user_id)
        .await?
        .filter(|row| row.confirmed_at.is_some())
        .ok_or_else(|| AppError::Conflict("Two-step sign-in is not on.".into()))?;
    let txn = db_context::begin(&state.db, DbContext::Account(user_id)).await?;
    if !use_totp(&txn, state, &row, code).await? {
        return Err(AppError::field(
            "code",
            "That code is not right. Enter the 6-digit code your authenticator app shows now.",
        ));
    }
    passed(&txn, claimed, user_id).await?;
    txn.commit().await?;
    Ok(())
}

/// New recovery codes for the signed-in user, after a code from their authenticator; the old
/// ones stop working.
pub async fn new_recovery_codes(
    state: &AppState,
    meta: &RequestMeta,
    actor: &Actor,
    code: &str,
) -> Result<Vec<String>, AppError> {
    let user_id = actor.user_id();
    require_current_code(state, user_id, code).await?;
    let now = state.clock.now();
    let txn = db_context::begin(&state.db, DbContext::Actor(actor)).await?;
    let codes = replace_recovery_codes(&txn, user_id, now).await?;
    audited(
        &txn,
        state,
        meta,
        AuditEntry::by(actor, "auth.recovery_codes_replaced"),
    )
    .await?;
    txn.commit().await?;
    Ok(codes)
}

/// A patient turns two-step sign-in off, with a code from their authenticator. Staff cannot.
pub async fn turn_off(
    state: &AppState,
    meta: &RequestMeta,
    actor: &Actor,
    code: &str,
) -> Result<(), AppError> {
    if required_for(actor.role()) {
        return Err(AppError::Conflict(
            "Staff accounts must keep two-step sign-in on.".into(),
        ));
    }
    let user_id = actor.user_id();
    require_current_code(state, user_id, code).await?;
    let txn = db_context::begin(&state.db, DbContext::Actor(actor)).await?;
    forget(&txn, user_id).await?;
    audited(
        &txn,
        state,
        meta,
        AuditEntry::by(actor, "auth.two_step_turned_off"),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

async fn forget<C: ConnectionTrait>(conn: &C, user_id: i64) -> Result<u64, AppError> {
    mfa_recovery_codes::Entity::delete_many()
        .filter(mfa_recovery_codes::Column::UserId.eq(user_id))
        .exec(conn)
        .await?;
    Ok(user_mfa::Entity::delete_many()
        .filter(user_mfa::Column::UserId.eq(user_id))
        .exec(conn)
        .await?
        .rows_affected)
}

/// An admin resets another user's two-step sign-in (a lost phone): a super admin anyone's, a
/// clinic admin that of the staff of their own clinic. The user's sessions end, they set it up
/// again at their next sign-in, and they are emailed. Audited.
pub async fn reset(
    state: &AppState,
    meta: &RequestMeta,
    admin: &Actor,
    user_id: i64,
) -> Result<(), AppError> {
    let txn = db_context::begin(&state.db, DbContext::Actor(admin)).await?;
    let allowed = match admin.role() {
        Role::SuperAdmin => true,
        _ if admin.require(Permission::StaffManage).is_ok() => {
            let clinic = admin.active_clinic()?;
            // Active staff of the admin's own clinic only: not someone deactivated there, whose
            // membership grants nothing.
            let member = memberships::Entity::find()
                .filter(memberships::Column::UserId.eq(user_id))
                .filter(memberships::Column::ClinicId.eq(clinic))
                .filter(memberships::Column::Role.ne(Role::Patient))
                .filter(memberships::Column::DeactivatedAt.is_null())
                .one(&txn)
                .await?;
            match member {
                // Resetting someone's second step is as strong as holding their role: only
                // for roles that run no more of the clinic than the admin's.
                Some(m) => {
                    let custom = roles::custom_roles(&txn, clinic).await?;
                    let role =
                        roles::held(m.role, m.clinic_role_id, &custom).ok_or(AppError::NotFound)?;
                    roles::may_manage(admin, &role)?;
                    true
                }
                None => false,
            }
        }
        _ => return Err(AppError::Forbidden),
    };
    // Anyone else's account gets the answer a missing one would, and so does a super admin's
    // for anyone but a super admin: a clinic cannot weaken the platform's accounts.
    let user = users::Entity::find_by_id(user_id)
        .one(&txn)
        .await?
        .filter(|user| allowed && (admin.role() == Role::SuperAdmin || !user.is_super_admin))
        .ok_or(AppError::NotFound)?;
    let removed = forget(&txn, user_id).await?;
    if removed == 0 {
        return Err(AppError::Conflict(
            "That account has no two-step sign-in to reset.".into(),
        ));
    }
    crate::server::services::sessions::end_all(&txn, user_id, None).await?;
    audited(
        &txn,
        state,
        meta,
        AuditEntry::by(admin, "auth.two_step_reset").resource(format!("user:{user_id}")),
    )
    .await?;
    txn.commit().await?;
    notify(
        state,
        user.email,
        "Your Salus two-step sign-in was reset",
        "An administrator reset the two-step sign-in of your Salus account, and every device \
         signed in to it was signed out. The next time you sign in you will set up your \
         authenticator app again.\n\nIf you did not ask for this, tell your clinic.",
    );
    Ok(())
}

/// A super admin resets the two-step sign-in of the account with this email.
pub(crate) async fn reset_by_email(
    state: &AppState,
    meta: &RequestMeta,
    admin: &Actor,
    email: &str,
) -> Result<(), AppError> {
    admin.require(Permission::PlatformManage)?;
    let email = super::auth::normalize_email(email);
    let txn = db_context::begin(&state.db, DbContext::Actor(admin)).await?;
    let user = users::Entity::find()
        .filter(users::Column::Email.eq(&email))
        .one(&txn)
        .await?;
    txn.commit().await?;
    let user = user.ok_or_else(|| AppError::field("email", "No account has that email."))?;
    reset(state, meta, admin, user.id).await
}

/// An email about the account's security, sent in the background; it never carries a link that
/// signs anyone in.
fn notify(state: &AppState, to: String, subject: &str, body: &str) {
    let mail = OutgoingMail {
        html: None,
        list_unsubscribe: None,
        to,
        subject: subject.to_owned(),
        text: format!(
            "{body}\n\nSalus: {}\n",
            state.settings.public_url.trim_end_matches('/')
        ),
    };
    send_in_background(state.mailer.clone(), mail, "two-step sign-in notice");
}

/// Appends an audit event in `conn`'s transaction, at the state's clock.
async fn audited<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    meta: &RequestMeta,
    entry: AuditEntry,
) -> Result<(), AppError> {
    audit::record(conn, &state.audit_key, state.clock.now(), meta, entry).await
}

/// Re-seals every authenticator's secret under the current key (`salus keys rotate`), as an
/// audited platform task; answers how many were re-sealed.
pub async fn reseal_all(state: &AppState) -> Result<usize, AppError> {
    let now = state.clock.now();
    let txn = db_context::begin_platform(&state.db, &state.audit_key, now, "keys.rotate").await?;
    let rows = user_mfa::Entity::find().all(&txn).await?;
    let current = state.secret_keys.current_id().to_owned();
    let mut resealed = 0;
    for row in rows.iter().filter(|row| row.key_id != current) {
        let secret = secret_of(state, row)?;
        let sealed = state.secret_keys.seal(&secret, &context(row.user_id));
        user_mfa::Entity::update_many()
            .col_expr(user_mfa::Column::KeyId, Expr::value(sealed.key_id))
            .col_expr(user_mfa::Column::SealedSecret, Expr::value(sealed.data))
            .filter(user_mfa::Column::UserId.eq(row.user_id))
            .exec(&txn)
            .await?;
        resealed += 1;
    }
    txn.commit().await?;
    Ok(resealed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_long_and_typed_loosely() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 11);
        assert_eq!(&code[5..6], "-");
        assert_eq!(
            code_hash(&code),
            code_hash(&code.replace('-', "").to_uppercase())
        );
        assert_ne!(new_recovery_code(), new_recovery_code());
        assert!(required_for(Role::Provider) && required_for(Role::ClinicAdmin));
        assert!(required_for(Role::SuperAdmin) && !required_for(Role::Patient));
    }
}
