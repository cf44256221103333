//! Demo data for a first run: one clinic, three patients with a week of logs and a care
//! history, a provider they are assigned to, a clinic admin and a super admin. Only ever applied to an empty database.
use chrono::{DateTime, Months, NaiveDate, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
};

use super::account::auth::{add_membership, create_default_goals, normalize_email};
use super::account::password::{self, Password};
use super::public::content;
use crate::error::AppError;
use crate::model::platform::ClinicStatus;
use crate::model::{GoalKind, Role, Sex};
use crate::server::audit::AuditKey;
use crate::server::care::compliance;
use crate::server::care::items::{record_completion, sync_patient};
use crate::server::dates;
use crate::server::db_context;
use crate::server::entities::{
    care_items, care_protocols, clinics, consents, goal_logs, patient_profiles,
    provider_assignments, users,
};

pub const DEMO_CLINIC_CODE: &str = "SUNRISE";
pub const DEMO_PASSWORD: &str = "salus-demo-2026";
const DEMO_TIME_ZONE: &str = "America/New_York";

/// Who can sign in after seeding, for the console.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub role: Role,
    pub name: &'static str,
    pub email: &'static str,
}

pub const DEMO_ACCOUNTS: [DemoAccount; 6] = [
    DemoAccount {
        role: Role::Patient,
        name: "David Miller",
        email: "david@example.com",
    },
    DemoAccount {
        role: Role::Patient,
        name: "Emma Wilson",
        email: "emma@example.com",
    },
    DemoAccount {
        role: Role::Patient,
        name: "Noah Patel",
        email: "noah@example.com",
    },
    DemoAccount {
        role: Role::Provider,
        name: "Dr. Sarah Chen",
        email: "sarah.chen@example.com",
    },
    DemoAccount {
        role: Role::ClinicAdmin,
        name: "Maria Lopez",
        email: "maria.lopez@example.com",
    },
    DemoAccount {
        role: Role::SuperAdmin,
        name: "Platform Admin",
        email: "admin@example.com",
    },
];

/// A demo patient's story: who they are, their last week of goals, their care history.
struct DemoPatient {
    email: &'static str,
    date_of_birth: (i32, u32, u32),
    sex: Sex,
    /// Values for the 7 days before today, oldest first, then today's (None: not logged yet).
    week: [(GoalKind, [i64; 7], Option<i64>); 4],
    /// (template key, months ago completed, days added); protocols not named are left due.
    history: &'static [(&'static str, u32, u64)],
}

/// David: on track with goals, his annual blood test comes due in three weeks ("Due soon").
/// Emma: care up to date, all goals met on 4 of the last 6 days and today all but steps
/// ("Goals missed" until she logs her steps). Noah: his flu vaccination is overdue.
const DEMO_PATIENTS: [DemoPatient; 3] = [
    DemoPatient {
        email: "david@example.com",
        date_of_birth: (1980, 3, 14),
        sex: Sex::Male,
        week: [
            (
                GoalKind::Steps,
                [5400, 7200, 6100, 3900, 8000, 6500, 4800],
                None,
            ),
            (GoalKind::ActiveMinutes, [25, 40, 30, 15, 45, 35, 20], None),
            (GoalKind::Sleep, [400, 445, 380, 460, 420, 390, 430], None),
            (GoalKind::Water, [6, 8, 7, 5, 9, 8, 6], None),
        ],
        history: &[
            ("annual-blood-test", 12, 21),
            ("blood-pressure", 3, 0),
            ("flu-vaccination", 2, 0),
            ("dental-checkup", 1, 0),
            ("cholesterol", 24, 0),
            ("colorectal", 36, 0),
        ],
    },
    DemoPatient {
        email: "emma@example.com",
        date_of_birth: (1992, 7, 9),
        sex: Sex::Female,
        week: [
            (
                GoalKind::Steps,
                [2000, 7000, 6500, 8000, 3000, 9000, 5000],
                None,
            ),
            (
                GoalKind::ActiveMinutes,
                [40, 35, 30, 45, 20, 50, 30],
                Some(35),
            ),
            (
                GoalKind::Sleep,
                [450, 430, 440, 425, 400, 460, 420],
                Some(430),
            ),
            (GoalKind::Water, [8, 9, 8, 10, 6, 8, 8], Some(9)),
        ],
        history: &[
            ("annual-blood-test", 2, 0),
            ("blood-pressure", 2, 0),
            ("flu-vaccination", 1, 0),
            ("dental-checkup", 1, 0),
            ("cervical", 12, 0),
        ],
    },
    DemoPatient {
        email: "noah@example.com",
        date_of_birth: (1975, 11, 30),
        sex: Sex::Male,
        week: [
            (
                GoalKind::Steps,
                [9000, 8500, 9100, 10000, 7600, 8800, 9300],
                None,
            ),
            (GoalKind::ActiveMinutes, [45, 50, 40, 60, 35, 55, 50], None),
            (GoalKind::Sleep, [420, 430, 450, 420, 440, 425, 435], None),
            (GoalKind::Water, [8, 8, 9, 8, 8, 10, 9], None),
        ],
        history: &[
            ("annual-blood-test", 4, 0),
            ("blood-pressure", 4, 0),
            ("flu-vaccination", 14, 0),
            ("dental-checkup", 2, 0),
            ("cholesterol", 12, 0),
            ("colorectal", 24, 0),
        ],
    },
];

/// Seeds the demo data in one transaction. Returns `false` (and writes nothing) when the
/// database already has accounts. Runs with platform reach to create the clinic and accounts,
/// then as a task of the new clinic for everything inside it.
pub async fn demo(
    db: &DatabaseConnection,
    audit_key: &AuditKey,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let hash = password::hash(Password::new(DEMO_PASSWORD.into())).await?;
    let policy_version = content::current_policy_version(db).await?;
    let today = dates::local_today(
        now,
        dates::parse_time_zone(DEMO_TIME_ZONE).expect("known zone"),
    );
    let txn = db_context::begin_platform(db, audit_key, now, "seed_demo").await?;
    if users::Entity::find().count(&txn).await? > 0 {
        return Ok(false);
    }
    let clinic = clinics::Entity::insert(clinics::ActiveModel {
        code: Set(DEMO_CLINIC_CODE.into()),
        name: Set("Sunrise Wellness Clinic".into()),
        time_zone: Set(DEMO_TIME_ZONE.into()),
        plan: Set("standard".into()),
        status: Set(ClinicStatus::Active),
        created_at: Set(now),
        ..Default::default()
    })
    .exec(&txn)
    .await?
    .last_insert_id;
    crate::server::care::protocols::adopt_templates(&txn, clinic, now).await?;

    let mut accounts = Vec::new();
    for account in &DEMO_ACCOUNTS {
        let user_id = users::Entity::insert(users::ActiveModel {
            email: Set(account.email.into()),
            password_hash: Set(hash.clone()),
            display_name: Set(account.name.into()),
            is_super_admin: Set(account.role == Role::SuperAdmin),
            is_active: Set(true),
            // Invented addresses that nobody can open a link in: the demo treats them as confirmed.
            email_verified_at: Set(Some(now)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .exec(&txn)
        .await?
        .last_insert_id;
        accounts.push((account, user_id));
    }

    db_context::seeding(&txn, clinic).await?;
    let mut patients = Vec::new();
    let mut provider = None;
    for (account, user_id) in accounts {
        match account.role {
            Role::SuperAdmin => {}
            Role::Patient => {
                let story = DEMO_PATIENTS
                    .iter()
                    .find(|p| p.email == account.email)
                    .expect("a story per demo patient");
                seed_patient(&txn, clinic, user_id, story, &policy_version, today, now).await?;
                patients.push(user_id);
            }
            role => {
                add_membership(&txn, user_id, clinic, role, None, now).await?;
                if role == Role::Provider {
                    provider = Some(user_id);
                }
            }
        }
    }
    let provider = provider.expect("a demo provider");
    for patient in patients {
        provider_assignments::Entity::insert(provider_assignments::ActiveModel {
            clinic_id: Set(clinic),
            provider_id: Set(provider),
            patient_id: Set(patient),
            created_at: Set(now),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        compliance::refresh(&txn, clinic, patient, now).await?;
    }
    txn.commit().await?;
    Ok(true)
}

async fn seed_patient<C: sea_orm::ConnectionTrait>(
    conn: &C,
    clinic: i64,
    user_id: i64,
    story: &DemoPatient,
    policy_version: &str,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    add_membership(conn, user_id, clinic, Role::Patient, None, now).await?;
    let (y, m, d) = story.date_of_birth;
    patient_profiles::Entity::insert(patient_profiles::ActiveModel {
        user_id: Set(user_id),
        date_of_birth: Set(NaiveDate::from_ymd_opt(y, m, d)),
        sex: Set(Some(story.sex)),
        time_zone: Set(DEMO_TIME_ZONE.into()),
        preferred_language: Set("en".into()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    consents::Entity::insert(consents::ActiveModel {
        patient_id: Set(user_id),
        clinic_id: Set(Some(clinic)),
        kind: Set(crate::model::account::ConsentKind::DataUse),
        policy_version: Set(policy_version.to_owned()),
        granted_at: Set(now),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    create_default_goals(conn, user_id, today - chrono::Days::new(30), now).await?;
    let log = |kind: GoalKind, day: NaiveDate, value: i64| goal_logs::ActiveModel {
        patient_id: Set(user_id),
        kind: Set(kind),
        log_date: Set(day),
        value: Set(value),
        source: Set("manual".into()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let rows: Vec<_> = story
        .week
        .iter()
        .flat_map(|(kind, values, today_value)| {
            let past = values
                .iter()
                .enumerate()
                .map(move |(i, v)| log(*kind, today - chrono::Days::new(7 - i as u64), *v));
            past.chain(today_value.map(|v| log(*kind, today, v)))
        })
        .collect();
    goal_logs::Entity::insert_many(rows).exec(conn).await?;

    sync_patient(conn, clinic, user_id, today, now).await?;
    for (key, months_ago, extra_days) in story.history {
        let completed_on = today
            .checked_sub_months(Months::new(*months_ago))
            .unwrap_or(today)
            + chrono::Days::new(*extra_days);
        let Some(protocol) = care_protocols::Entity::find()
            .filter(care_protocols::Column::ClinicId.eq(clinic))
            .filter(care_protocols::Column::TemplateKey.eq(*key))
            .one(conn)
            .await?
        else {
            continue;
        };
        if let Some(item) = care_items::Entity::find()
            .filter(care_items::Column::PatientId.eq(user_id))
            .filter(care_items::Column::ProtocolId.eq(protocol.id))
            .one(conn)
            .await?
        {
            record_completion(conn, item, completed_on, today, now).await?;
        }
    }
    Ok(())
}

/// Creates a platform super admin, or refuses when the email is taken.
pub async fn create_super_admin(
    db: &DatabaseConnection,
    audit_key: &AuditKey,
    now: DateTime<Utc>,
    email: &str,
    name: &str,
    password: Password,
) -> Result<(), AppError> {
    let email = normalize_email(email);
    if let Some(problem) = super::account::auth::email_problem(&email) {
        return Err(AppError::field("email", problem));
    }
    if let Some(problem) = password::weakness(&password, &email, name) {
        return Err(AppError::field("password", problem));
    }
    let hash = password::hash(password).await?;
    let txn = db_context::begin_platform(db, audit_key, now, "create_super_admin").await?;
    if users::Entity::find()
        .filter(users::Column::Email.eq(&email))
        .count(&txn)
        .await?
        > 0
    {
        return Err(AppError::field(
            "email",
            "An account with this email already exists.",
        ));
    }
    users::Entity::insert(users::ActiveModel {
        email: Set(email),
        password_hash: Set(hash),
        display_name: Set(name.trim().to_owned()),
        is_super_admin: Set(true),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(&txn)
    .await?;
    txn.commit().await?;
    Ok(())
}
