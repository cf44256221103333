//! Care protocols: the platform's template library and each clinic's own copies.
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::error::AppError;
use crate::server::entities::care_protocols;

/// Gives a new clinic its own copy of every template; a clinic then changes its copies freely.
pub async fn adopt_templates<C: ConnectionTrait>(
    conn: &C,
    clinic_id: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let templates = care_protocols::Entity::find()
        .filter(care_protocols::Column::ClinicId.is_null())
        .filter(care_protocols::Column::Active.eq(true))
        .all(conn)
        .await?;
    if templates.is_empty() {
        return Ok(());
    }
    care_protocols::Entity::insert_many(templates.into_iter().map(|t| {
        care_protocols::ActiveModel {
            clinic_id: Set(Some(clinic_id)),
            template_key: Set(t.template_key),
            name: Set(t.name),
            description: Set(t.description),
            min_age_years: Set(t.min_age_years),
            max_age_years: Set(t.max_age_years),
            sex: Set(t.sex),
            interval_months: Set(t.interval_months),
            due_soon_days: Set(t.due_soon_days),
            reminder_offsets_days: Set(t.reminder_offsets_days),
            completed_by: Set(t.completed_by),
            active: Set(true),
            created_at: Set(now),
            ..Default::default()
        }
    }))
    .exec(conn)
    .await?;
    Ok(())
}
