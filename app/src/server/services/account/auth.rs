//! Accounts: patient self-registration with recorded consent, and verifying a sign-in.
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QuerySelect,
};

use super::password::{self, Password};
use crate::error::{AppError, Validator};
use crate::model::platform::ClinicStatus;
use crate::model::{GoalKind, Role};
use crate::server::actor::{Actor, SignedIn};
use crate::server::audit::{self, AuditEntry, AuditKey};
use crate::server::care;
use crate::server::dates;
use crate::server::db_context::{self, DbContext};
use crate::server::entities::{clinics, consents, goals, memberships, patient_profiles, users};
use crate::server::errors::is_unique_violation;
use crate::server::mail::{send_in_background, Mailer, OutgoingMail};
use crate::server::permissions::PermissionSet;
use crate::server::plan_limits;
use crate::server::request::RequestMeta;
use crate::server::services::clinic::roles;
use crate::server::services::public::content;
use crate::server::services::throttle;
use crate::server::state::Settings;

/// Lower-cased and trimmed, so `David@Example.com ` and `david@example.com` are one account.
pub(crate) fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A plausible address: one `@`, something before it, a dot in the domain, no spaces, and one
/// the mail library will send to (so an account is never made for an address that then fails
/// at every send).
pub(crate) fn email_problem(email: &str) -> Option<&'static str> {
    if email.is_empty() {
        return Some("Enter your email address.");
    }
    if email.len() > 254 || email.chars().any(char::is_whitespace) {
        return Some("Enter a valid email address, like name@example.com.");
    }
    match email.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && email.parse::<lettre::Address>().is_ok() =>
        {
            None
        }
        _ => Some("Enter a valid email address, like name@example.com."),
    }
}

/// What the registration form sends, as typed.
pub struct Registration {
    pub name: String,
    pub email: String,
    pub password: Password,
    pub clinic_code: String,
    pub consent: bool,
    pub time_zone: Option<String>,
}

/// Creates the patient's account, membership, profile, consent and default goals together.
/// An email that already has an account gets the same answer as a new registration, after the
/// same work (the password is hashed either way); its owner is told by email instead.
pub async fn register(
    db: &DatabaseConnection,
    settings: &Settings,
    audit_key: &AuditKey,
    mailer: Arc<dyn Mailer>,
    now: DateTime<Utc>,
    meta: &RequestMeta,
    form: Registration,
) -> Result<(), AppError> {
    let name = form.name.trim().to_owned();
    let email = normalize_email(&form.email);
    let code = form.clinic_code.trim().to_uppercase();
    // Every submission counts against the address, refused ones too: that is also what keeps
    // clinic codes from being guessed here.
    if let Some(address) = meta.client_addr.as_deref() {
        let _counted = throttle::claim(
            db,
            now,
            &[(throttle::Limit::REGISTRATION_PER_ADDRESS, address)],
        )
        .await?;
    }

    let mut v = Validator::new();
    v.check(!name.is_empty(), "name", "Enter your name.");
    v.check(
        name.chars().count() <= 100,
        "name",
        "Use at most 100 characters.",
    );
    if let Some(problem) = email_problem(&email) {
        v.add("email", problem);
    }
    if let Some(problem) = password::weakness(&form.password, &email, &name) {
        v.add("password", problem);
    }
    v.check(
        form.consent,
        "consent",
        "You must agree to the privacy policy to create an account.",
    );
    let clinic = if code.is_empty() {
        v.add("clinic_code", "Enter the code your clinic gave you.");
        None
    } else {
        let txn = db_context::begin(
            db,
            DbContext::Visitor {
                email: &email,
                clinic_code: &code,
            },
        )
        .await?;
        let clinic = clinics::Entity::find()
            .filter(clinics::Column::Code.eq(&code))
            .filter(clinics::Column::Status.eq(ClinicStatus::Active))
            .one(&txn)
            .await?;
        txn.commit().await?;
        if clinic.is_none() {
            v.add(
                "clinic_code",
                "No clinic has that code. Check the code your clinic gave you.",
            );
        }
        clinic
    };
    let time_zone = match form
        .time_zone
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(tz) if dates::parse_time_zone(tz).is_some() => Some(tz.to_owned()),
        Some(_) => {
            v.add("time_zone", "That time zone is not one we know.");
            None
        }
        None => None,
    };
    v.finish()?;
    let _counted = throttle::claim(
        db,
        now,
        &[(throttle::Limit::REGISTRATION_PER_EMAIL, &email)],
    )
    .await?;
    let clinic = clinic.expect("validated above");
    let time_zone = time_zone.unwrap_or_else(|| clinic.time_zone.clone());
    let policy_version = content::current_policy_version(db).await?;

    let password_hash = password::hash(form.password).await?;
    let today = dates::local_today(
        now,
        dates::parse_time_zone(&time_zone).expect("validated above"),
    );
    // The account is created as the visitor who typed its email; everything after it is
    // written as the patient it now is, in the clinic they enrol in.
    let txn = db_context::begin(db, DbContext::visitor(&email)).await?;
    let inserted = users::Entity::insert(users::ActiveModel {
        email: Set(email.clone()),
        password_hash: Set(password_hash),
        display_name: Set(name),
        is_super_admin: Set(false),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(&txn)
    .await;
    let user = match inserted {
        Ok(user) => user,
        Err(e) if is_unique_violation(&e) => {
            // Rolled back now, not when dropped: on SQLite the writer's lock must be free for
            // the notice's own transaction.
            txn.rollback().await?;
            tell_existing_owner(db, settings, audit_key, mailer, now, meta, &email).await?;
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    let patient_id = user.last_insert_id;
    // The plan's patient limit is counted as the clinic's own task: a patient sees no others.
    db_context::joining(&txn, clinic.id).await?;
    if let Err(full) = plan_limits::patient_room(&txn, &clinic, 1, now).await? {
        return Err(AppError::field("clinic_code", full.for_patient()));
    }
    let patient = Actor::new(patient_id, Role::Patient, Some(clinic.id));
    db_context::registered_as(&txn, &patient).await?;
    add_membership(&txn, patient_id, clinic.id, Role::Patient, None, now).await?;
    patient_profiles::Entity::insert(patient_profiles::ActiveModel {
        user_id: Set(patient_id),
        time_zone: Set(time_zone),
        preferred_language: Set("en".into()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(&txn)
    .await?;
    consents::Entity::insert(consents::ActiveModel {
        patient_id: Set(patient_id),
        clinic_id: Set(Some(clinic.id)),
        kind: Set(crate::model::account::ConsentKind::DataUse),
        policy_version: Set(policy_version.clone()),
        granted_at: Set(now),
        ..Default::default()
    })
    .exec(&txn)
    .await?;
    create_default_goals(&txn, patient_id, today, now).await?;
    care::items::sync_patient(&txn, clinic.id, patient_id, today, now).await?;
    care::compliance::refresh(&txn, clinic.id, patient_id, now).await?;
    audit::record(
        &txn,
        audit_key,
        now,
        meta,
        AuditEntry::by_patient(patient_id, clinic.id, "patient.register").resource(format!(
            "consent:{}:{policy_version}",
            crate::model::account::ConsentKind::DataUse.as_str()
        )),
    )
    .await?;
    txn.commit().await?;
    super::email_verification::send_link(db, settings, mailer, now, patient_id, email).await
}

/// Someone registered with an email that has an account: the attempt is audited against the
/// account, and its owner gets an email saying so, with what to do if it was them.
async fn tell_existing_owner(
    db: &DatabaseConnection,
    settings: &Settings,
    audit_key: &AuditKey,
    mailer: Arc<dyn Mailer>,
    now: DateTime<Utc>,
    meta: &RequestMeta,
    email: &str,
) -> Result<(), AppError> {
    let txn = db_context::begin(db, DbContext::visitor(email)).await?;
    let owner = users::Entity::find()
        .filter(users::Column::Email.eq(email))
        .one(&txn)
        .await?;
    audit::record(
        &txn,
        audit_key,
        now,
        meta,
        AuditEntry {
            actor_user_id: owner.as_ref().map(|u| u.id),
            action: "auth.registration_of_existing_email",
            ..Default::default()
        },
    )
    .await?;
    txn.commit().await?;
    let site = settings.public_url.trim_end_matches('/');
    let mail = OutgoingMail {
        html: None,
        list_unsubscribe: None,
        to: email.to_owned(),
        subject: "Someone tried to register with your email".into(),
        text: format!(
            "Someone just tried to create a Salus account with this email address, which \
             already has one. No new account was made and yours has not changed.\n\n\
             If it was you: sign in at {site}/signin, or choose \"Forgot password?\" there if \
             you do not remember your password.\n\n\
             If it was not you, you can ignore this email.\n"
        ),
    };
    send_in_background(mailer, mail, "existing-account notice");
    Ok(())
}

pub async fn add_membership<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    clinic_id: i64,
    role: Role,
    clinic_role_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    memberships::Entity::insert(memberships::ActiveModel {
        user_id: Set(user_id),
        clinic_id: Set(clinic_id),
        role: Set(role),
        clinic_role_id: Set(clinic_role_id),
        created_at: Set(now),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    Ok(())
}

/// Every patient starts with the four goals at their default targets.
pub(crate) async fn create_default_goals<C: ConnectionTrait>(
    conn: &C,
    patient_id: i64,
    today: chrono::NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    goals::Entity::insert_many(default_goals(patient_id, today, now))
        .exec(conn)
        .await?;
    Ok(())
}

/// The four goals a patient starts with, from `today`.
fn default_goals(
    patient_id: i64,
    today: chrono::NaiveDate,
    now: DateTime<Utc>,
) -> impl Iterator<Item = goals::ActiveModel> {
    GoalKind::ALL
        .into_iter()
        .map(move |kind| goals::ActiveModel {
            patient_id: Set(patient_id),
            kind: Set(kind),
            target: Set(kind.default_target()),
            unit: Set(kind.unit().into()),
            period: Set("daily".into()),
            start_date: Set(today),
            active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
}

/// One message for every wrong email or password, so the form reveals nothing about accounts.
pub(crate) const WRONG_CREDENTIALS: &str = "That email and password do not match an account.";

pub async fn sign_in(
    db: &DatabaseConnection,
    settings: &Settings,
    audit_key: &AuditKey,
    now: DateTime<Utc>,
    meta: &RequestMeta,
    email: &str,
    password: Password,
) -> Result<SignedIn, AppError> {
    let email = normalize_email(email);
    let mut v = Validator::new();
    v.check(!email.is_empty(), "email", "Enter your email address.");
    v.check(
        !password.expose().is_empty(),
        "password",
        "Enter your password.",
    );
    v.finish()?;

    let mut limits = vec![(
        throttle::Limit::sign_in_per_account(settings),
        email.as_str(),
    )];
    if let Some(address) = meta.client_addr.as_deref() {
        limits.push((throttle::Limit::sign_in_per_address(settings), address));
    }
    // Counted now, as a failure until it succeeds: parallel guesses cannot outrun the limit.
    let claimed = throttle::claim(db, now, &limits).await?;

    let txn = db_context::begin(db, DbContext::visitor(&email)).await?;
    let user = users::Entity::find()
        .filter(users::Column::Email.eq(&email))
        .one(&txn)
        .await?;
    txn.commit().await?;
    let verified =
        password::verify(password, user.as_ref().map(|u| u.password_hash.clone())).await?;
    let user = match user {
        Some(user) if verified && user.is_active => user,
        other => {
            let txn = db_context::begin(db, DbContext::visitor(&email)).await?;
            audit::record(
                &txn,
                audit_key,
                now,
                meta,
                AuditEntry {
                    actor_user_id: other.as_ref().map(|u| u.id),
                    action: "auth.sign_in_failed",
                    ..Default::default()
                },
            )
            .await?;
            txn.commit().await?;
            return Err(AppError::field("form", WRONG_CREDENTIALS));
        }
    };

    let signed_in = if user.is_super_admin {
        SignedIn {
            user_id: user.id,
            role: Role::SuperAdmin,
            clinic_id: None,
            permissions: PermissionSet::of_role(Role::SuperAdmin),
        }
    } else {
        let txn = db_context::begin(db, DbContext::Account(user.id)).await?;
        let rows: Vec<(String, i64, Option<i64>)> = memberships::Entity::find()
            .select_only()
            .column(memberships::Column::Role)
            .column(memberships::Column::ClinicId)
            .column(memberships::Column::ClinicRoleId)
            .inner_join(clinics::Entity)
            .filter(memberships::Column::UserId.eq(user.id))
            .filter(memberships::Column::DeactivatedAt.is_null())
            .filter(clinics::Column::Status.eq(ClinicStatus::Active))
            .into_tuple()
            .all(&txn)
            .await?;
        // Staff who are also patients land on their staff portal; the highest role wins.
        let best = rows
            .into_iter()
            .filter_map(|(role, clinic, custom)| Role::parse(&role).map(|r| (r, clinic, custom)))
            .max_by_key(|(role, clinic, _)| (role_rank(*role), std::cmp::Reverse(*clinic)));
        let granted = match best {
            Some((role, clinic_id, custom)) => roles::granted(&txn, role, custom)
                .await?
                .map(|(permissions, _)| (role, clinic_id, permissions)),
            None => None,
        };
        txn.commit().await?;
        match granted {
            Some((role, clinic_id, permissions)) => SignedIn {
                user_id: user.id,
                role,
                clinic_id: Some(clinic_id),
                permissions,
            },
            None => {
                return Err(AppError::field(
                    "form",
                    no_clinic_message(db, user.id).await?,
                ))
            }
        }
    };

    let actor = signed_in.actor();
    let txn = db_context::begin(db, DbContext::Actor(&actor)).await?;
    throttle::forgive_sign_in(&txn, claimed, settings, &email).await?;
    audit::record(
        &txn,
        audit_key,
        now,
        meta,
        AuditEntry {
            actor_user_id: Some(user.id),
            actor_role: Some(signed_in.role.as_str().into()),
            clinic_id: signed_in.clinic_id,
            action: "auth.sign_in",
            ..Default::default()
        },
    )
    .await?;
    txn.commit().await?;
    Ok(signed_in)
}

/// Why an account with no active clinic cannot sign in: the clinic's suspension or closure
/// when that is the reason, so that its staff and patients know it is not their account.
async fn no_clinic_message(db: &DatabaseConnection, user: i64) -> Result<String, AppError> {
    let txn = db_context::begin(db, DbContext::Account(user)).await?;
    let stopped: Vec<(String, ClinicStatus)> = memberships::Entity::find()
        .select_only()
        .column(clinics::Column::Name)
        .column(clinics::Column::Status)
        .inner_join(clinics::Entity)
        .filter(memberships::Column::UserId.eq(user))
        .filter(memberships::Column::DeactivatedAt.is_null())
        .filter(clinics::Column::Status.ne(ClinicStatus::Active))
        .into_tuple()
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(match stopped.first() {
        Some((name, ClinicStatus::Closed)) => {
            format!("{name} has closed its Salus portal, so it cannot be signed in to.")
        }
        Some((name, _)) => format!(
            "{name}'s Salus portal is suspended, so it cannot be signed in to for now. Your \
             records are kept. Contact the clinic for help."
        ),
        None => "Your account has no active clinic. Contact your clinic for help.".to_owned(),
    })
}

fn role_rank(role: Role) -> u8 {
    match role {
        Role::Patient => 0,
        Role::Provider | Role::Nurse | Role::Custom => 1,
        Role::FrontDesk | Role::ClinicAdmin => 2,
        Role::SuperAdmin => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(normalize_email("  David@Example.COM "), "david@example.com");
        assert!(email_problem("david@example.com").is_none());
        for bad in [
            "",
            "david",
            "david@",
            "@example.com",
            "david@example",
            "da vid@example.com",
            "a@b@c.com",
            // Plausible by shape, but the mail library would refuse to send to them.
            "a,b@example.com",
            "a\"b@example.com",
            "david@example..com",
        ] {
            assert!(email_problem(bad).is_some(), "{bad} should be refused");
        }
    }

    #[test]
    fn what_is_accepted_the_mail_library_sends_to() {
        for good in ["david@example.com", "d.o'neil+salus@mail.example.org"] {
            assert!(email_problem(good).is_none(), "{good}");
            assert!(good.parse::<lettre::Address>().is_ok(), "{good}");
        }
    }
}
