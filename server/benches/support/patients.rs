//! Patients inserted straight into the database for benchmarks at clinic scale: accounts,
//! memberships, profiles, care items of the clinic's protocols and, when asked, goals with a week
//! of logs and an assignment to a provider.
use chrono::{Days, Utc};
use salus_app::model::{CareStatus, GoalKind, Role, Sex};
use salus_app::server::entities::{
    care_items, care_protocols, clinics, goal_logs, goals, memberships, patient_profiles,
    provider_assignments, users,
};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

/// A second clinic, "Large clinic" (code BIG, New York), with its copy of the protocol templates.
pub async fn large_clinic(db: &DatabaseConnection) -> i64 {
    let clinic = clinics::Entity::insert(clinics::ActiveModel {
        code: Set("BIG".into()),
        name: Set("Large clinic".into()),
        time_zone: Set("America/New_York".into()),
        plan: Set("standard".into()),
        status: Set(salus_app::model::platform::ClinicStatus::Active),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .exec(db)
    .await
    .unwrap()
    .last_insert_id;
    salus_app::server::care::protocols::adopt_templates(db, clinic, Utc::now())
        .await
        .unwrap();
    clinic
}

// Rows per INSERT: 100 patients of goal logs is 2,800 rows × 7 columns, inside SQLite's 32,766
// bound parameters.
const BATCH: usize = 100;

/// Inserts `n` patients into `clinic` with profiles, memberships, goals, a week of logs and
/// care items; assigns them to `provider` when given. Returns their ids.
pub async fn add(
    db: &DatabaseConnection,
    clinic: i64,
    provider: Option<i64>,
    n: usize,
    with_logs: bool,
    tag: &str,
) -> Vec<i64> {
    let now = Utc::now();
    let today = now
        .with_timezone(&chrono_tz::America::New_York)
        .date_naive();
    let protocols = care_protocols::Entity::find()
        .filter(care_protocols::Column::ClinicId.eq(clinic))
        .all(db)
        .await
        .unwrap();
    let mut ids = Vec::with_capacity(n);
    for start in (0..n).step_by(BATCH) {
        let end = (start + BATCH).min(n);
        users::Entity::insert_many((start..end).map(|i| users::ActiveModel {
            email: Set(format!("{tag}{i}@bench.example")),
            password_hash: Set("x".into()),
            display_name: Set(format!("Patient {i:06}")),
            is_super_admin: Set(false),
            is_active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }))
        .exec(db)
        .await
        .unwrap();
        let batch: Vec<i64> = users::Entity::find()
            .filter(users::Column::Email.like(format!("{tag}%@bench.example")))
            .filter(users::Column::Id.gt(ids.last().copied().unwrap_or(0)))
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|u| u.id)
            .collect();
        memberships::Entity::insert_many(batch.iter().map(|&id| memberships::ActiveModel {
            user_id: Set(id),
            clinic_id: Set(clinic),
            role: Set(Role::Patient),
            created_at: Set(now),
            ..Default::default()
        }))
        .exec(db)
        .await
        .unwrap();
        patient_profiles::Entity::insert_many(batch.iter().map(|&id| {
            patient_profiles::ActiveModel {
                user_id: Set(id),
                date_of_birth: Set(chrono::NaiveDate::from_ymd_opt(
                    1950 + (id % 50) as i32,
                    1 + (id % 12) as u32,
                    1 + (id % 28) as u32,
                )),
                sex: Set(Some(if id % 2 == 0 { Sex::Female } else { Sex::Male })),
                time_zone: Set("America/New_York".into()),
                preferred_language: Set("en".into()),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
        }))
        .exec(db)
        .await
        .unwrap();
        care_items::Entity::insert_many(batch.iter().flat_map(|&id| {
            protocols.iter().map(move |p| {
                let due = today - Days::new(60) + Days::new(((id * 7 + p.id * 13) % 400) as u64);
                care_items::ActiveModel {
                    clinic_id: Set(clinic),
                    patient_id: Set(id),
                    protocol_id: Set(p.id),
                    due_on: Set(due),
                    due_soon_from: Set(due - Days::new(p.due_soon_days as u64)),
                    last_completed_on: Set(None),
                    status: Set(CareStatus::NotDue),
                    updated_at: Set(now),
                    ..Default::default()
                }
            })
        }))
        .exec(db)
        .await
        .unwrap();
        if with_logs {
            goals::Entity::insert_many(batch.iter().flat_map(|&id| {
                GoalKind::ALL.into_iter().map(move |k| goals::ActiveModel {
                    patient_id: Set(id),
                    kind: Set(k),
                    target: Set(k.default_target()),
                    unit: Set(k.unit().into()),
                    period: Set("daily".into()),
                    start_date: Set(today - Days::new(30)),
                    active: Set(true),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                })
            }))
            .exec(db)
            .await
            .unwrap();
            goal_logs::Entity::insert_many(batch.iter().flat_map(|&id| {
                GoalKind::ALL.into_iter().flat_map(move |k| {
                    (0..7u64).map(move |d| goal_logs::ActiveModel {
                        patient_id: Set(id),
                        kind: Set(k),
                        log_date: Set(today - Days::new(d)),
                        value: Set(k.default_target() * ((id as i64 + d as i64) % 3) / 2),
                        source: Set("manual".into()),
                        created_at: Set(now),
                        updated_at: Set(now),
                        ..Default::default()
                    })
                })
            }))
            .exec(db)
            .await
            .unwrap();
        }
        if let Some(provider) = provider {
            provider_assignments::Entity::insert_many(batch.iter().map(|&id| {
                provider_assignments::ActiveModel {
                    clinic_id: Set(clinic),
                    provider_id: Set(provider),
                    patient_id: Set(id),
                    created_at: Set(now),
                    ..Default::default()
                }
            }))
            .exec(db)
            .await
            .unwrap();
        }
        ids.extend(batch);
    }
    ids
}
