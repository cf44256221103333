//! Demo data for a first run: one clinic, a patient with a week of logs, a provider, a clinic
//! admin and a super admin. Only ever applied to an empty database.
use chrono::{DateTime, Months, NaiveDate, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    TransactionTrait,
};

use super::accounts::{add_membership, create_default_goals, normalize_email};
use super::password::{self, Password};
use super::{content, dates};
use crate::error::AppError;
use crate::model::{GoalKind, Role, Sex};
use crate::server::care::items::{record_completion, sync_patient};
use crate::server::entities::{
    care_items, care_protocols, clinics, consents, goal_logs, patient_profiles, users,
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

pub const DEMO_ACCOUNTS: [DemoAccount; 4] = [
    DemoAccount {
        role: Role::Patient,
        name: "David Miller",
        email: "david@example.com",
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

pub async fn is_empty(db: &DatabaseConnection) -> Result<bool, AppError> {
    Ok(users::Entity::find().count(db).await? == 0)
}

/// Seeds the demo data in one transaction. Returns `false` (and writes nothing) when the
/// database already has accounts.
pub async fn demo(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<bool, AppError> {
    if !is_empty(db).await? {
        return Ok(false);
    }
    let hash = password::hash(Password::new(DEMO_PASSWORD.into())).await?;
    let policy_version = content::current_policy_version(db).await?;
    let today = dates::local_today(
        now,
        dates::parse_time_zone(DEMO_TIME_ZONE).expect("known zone"),
    );
    let txn = db.begin().await?;
    let clinic = clinics::Entity::insert(clinics::ActiveModel {
        code: Set(DEMO_CLINIC_CODE.into()),
        name: Set("Sunrise Wellness Clinic".into()),
        time_zone: Set(DEMO_TIME_ZONE.into()),
        plan: Set("standard".into()),
        status: Set("active".into()),
        created_at: Set(now),
        ..Default::default()
    })
    .exec(&txn)
    .await?
    .last_insert_id;
    crate::server::care::protocols::adopt_templates(&txn, clinic, now).await?;

    for account in &DEMO_ACCOUNTS {
        let user_id = users::Entity::insert(users::ActiveModel {
            email: Set(account.email.into()),
            password_hash: Set(hash.clone()),
            display_name: Set(account.name.into()),
            is_super_admin: Set(account.role == Role::SuperAdmin),
            is_active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .exec(&txn)
        .await?
        .last_insert_id;
        match account.role {
            Role::SuperAdmin => {}
            Role::Patient => {
                add_membership(&txn, user_id, clinic, Role::Patient, now).await?;
                patient_profiles::Entity::insert(patient_profiles::ActiveModel {
                    user_id: Set(user_id),
                    date_of_birth: Set(NaiveDate::from_ymd_opt(1980, 3, 14)),
                    sex: Set(Some(Sex::Male.as_str().into())),
                    time_zone: Set(DEMO_TIME_ZONE.into()),
                    preferred_language: Set("en".into()),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                })
                .exec(&txn)
                .await?;
                consents::Entity::insert(consents::ActiveModel {
                    patient_id: Set(user_id),
                    clinic_id: Set(Some(clinic)),
                    kind: Set("data_use".into()),
                    policy_version: Set(policy_version.clone()),
                    granted_at: Set(now),
                    ..Default::default()
                })
                .exec(&txn)
                .await?;
                create_default_goals(&txn, user_id, today - chrono::Days::new(30), now).await?;
                // A believable past week; today is left for the visitor to log.
                let week: [(GoalKind, [i64; 7]); 4] = [
                    (GoalKind::Steps, [5400, 7200, 6100, 3900, 8000, 6500, 4800]),
                    (GoalKind::ActiveMinutes, [25, 40, 30, 15, 45, 35, 20]),
                    (GoalKind::Sleep, [400, 445, 380, 460, 420, 390, 430]),
                    (GoalKind::Water, [6, 8, 7, 5, 9, 8, 6]),
                ];
                let rows = week.iter().flat_map(|(kind, values)| {
                    values
                        .iter()
                        .enumerate()
                        .map(move |(i, value)| goal_logs::ActiveModel {
                            patient_id: Set(user_id),
                            kind: Set(kind.as_str().into()),
                            log_date: Set(today - chrono::Days::new(7 - i as u64)),
                            value: Set(*value),
                            source: Set("manual".into()),
                            created_at: Set(now),
                            updated_at: Set(now),
                            ..Default::default()
                        })
                });
                goal_logs::Entity::insert_many(rows).exec(&txn).await?;
                seed_care_history(&txn, clinic, user_id, today, now).await?;
            }
            role => add_membership(&txn, user_id, clinic, role, now).await?,
        }
    }
    txn.commit().await?;
    Ok(true)
}

/// Creates a platform super admin, or refuses when the email is taken.
pub async fn create_super_admin(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    email: &str,
    name: &str,
    password: Password,
) -> Result<(), AppError> {
    let email = normalize_email(email);
    if let Some(problem) = super::accounts::email_problem(&email) {
        return Err(AppError::field("email", problem));
    }
    if let Some(problem) = password::weakness(&password, &email) {
        return Err(AppError::field("password", problem));
    }
    if users::Entity::find()
        .filter(users::Column::Email.eq(&email))
        .count(db)
        .await?
        > 0
    {
        return Err(AppError::field(
            "email",
            "An account with this email already exists.",
        ));
    }
    let hash = password::hash(password).await?;
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
    .exec(db)
    .await?;
    Ok(())
}

/// A care history in which everything is up to date except the annual blood test, which
/// comes due in three weeks.
async fn seed_care_history<C: sea_orm::ConnectionTrait>(
    conn: &C,
    clinic_id: i64,
    patient_id: i64,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    sync_patient(conn, clinic_id, patient_id, today, now).await?;
    let months_ago = |m: u32| today.checked_sub_months(Months::new(m)).unwrap_or(today);
    let history = [
        ("annual-blood-test", months_ago(12) + chrono::Days::new(21)),
        ("blood-pressure", months_ago(3)),
        ("flu-vaccination", months_ago(2)),
        ("dental-checkup", months_ago(1)),
        ("cholesterol", months_ago(24)),
        ("colorectal", months_ago(36)),
    ];
    for (key, completed_on) in history {
        let Some(protocol) = care_protocols::Entity::find()
            .filter(care_protocols::Column::ClinicId.eq(clinic_id))
            .filter(care_protocols::Column::TemplateKey.eq(key))
            .one(conn)
            .await?
        else {
            continue;
        };
        if let Some(item) = care_items::Entity::find()
            .filter(care_items::Column::PatientId.eq(patient_id))
            .filter(care_items::Column::ProtocolId.eq(protocol.id))
            .one(conn)
            .await?
        {
            record_completion(conn, item, completed_on, today, now).await?;
        }
    }
    Ok(())
}
