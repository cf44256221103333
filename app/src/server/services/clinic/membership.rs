//! Who is a patient of the clinic, and what joining it makes of a person. Enrolment asks the
//! first before it invites anyone; accepting an invitation does the second.
use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect,
};

use crate::error::AppError;
use crate::model::Role;
use crate::server::care::{compliance, items};
use crate::server::entities::{
    clinics, consents, goals, invitations, memberships, patient_profiles, users,
};
use crate::server::services::account::auth::create_default_goals;
use crate::server::services::public::content;
use crate::server::tenancy::Scoped;

/// Addresses asked about per statement.
const CHUNK: usize = 500;

/// Which of `emails` are patients of the clinic (discharged ones too).
pub(crate) async fn enrolled_of(
    scoped: &Scoped,
    clinic: i64,
    emails: &[String],
) -> Result<HashSet<String>, AppError> {
    let mut found = HashSet::new();
    for chunk in emails.chunks(CHUNK) {
        let rows: Vec<String> = users::Entity::find()
            .select_only()
            .column(users::Column::Email)
            .filter(users::Column::Email.is_in(chunk.iter().cloned()))
            .filter(
                users::Column::Id.in_subquery(
                    Query::select()
                        .column(memberships::Column::UserId)
                        .from(memberships::Entity)
                        .and_where(memberships::Column::ClinicId.eq(clinic))
                        .and_where(memberships::Column::Role.eq(Role::Patient))
                        .to_owned(),
                ),
            )
            .into_tuple()
            .all(scoped.conn())
            .await?;
        found.extend(rows);
    }
    Ok(found)
}

/// In the transaction of a patient accepting their `invitation`, as the clinic's own task: what
/// a patient of the clinic has. Their consent to the current privacy policy is recorded; a
/// patient new to the clinic (`enrolled_now`) gets a profile if they have none (with what the
/// clinic typed when it invited them), the default goals if they have none, and the clinic's
/// care items. A profile they have already is theirs, and stays as it is.
pub(crate) async fn patient_joined<C: ConnectionTrait>(
    conn: &C,
    invitation: &invitations::Model,
    patient: i64,
    enrolled_now: bool,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let clinic_id = invitation.clinic_id;
    let clinic = clinics::Entity::find_by_id(clinic_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let profile = patient_profiles::Entity::find()
        .filter(patient_profiles::Column::UserId.eq(patient))
        .one(conn)
        .await?;
    if profile.is_none() {
        patient_profiles::Entity::insert(patient_profiles::ActiveModel {
            user_id: Set(patient),
            date_of_birth: Set(invitation.date_of_birth),
            sex: Set(invitation.sex),
            phone: Set(invitation.phone.clone()),
            time_zone: Set(clinic.time_zone.clone()),
            preferred_language: Set("en".into()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .exec(conn)
        .await?;
    }
    consents::Entity::insert(consents::ActiveModel {
        patient_id: Set(patient),
        clinic_id: Set(Some(clinic_id)),
        kind: Set(crate::model::account::ConsentKind::DataUse),
        policy_version: Set(content::current_policy_version(conn).await?),
        granted_at: Set(now),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    let today = items::patient_today(conn, patient, now).await?;
    let has_goals = goals::Entity::find()
        .filter(goals::Column::PatientId.eq(patient))
        .count(conn)
        .await?
        > 0;
    if !has_goals {
        create_default_goals(conn, patient, today, now).await?;
    }
    if enrolled_now {
        items::sync_patient(conn, clinic_id, patient, today, now).await?;
        compliance::refresh(conn, clinic_id, patient, now).await?;
    }
    Ok(())
}
