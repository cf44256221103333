//! The clinic's reminders as its admin sees them: every delivery with its status, failures and
//! dead letters with their reasons, a retry for a dead letter, and the week's figures.
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use super::clinic_time;
use crate::error::AppError;
use crate::model::clinic::DeliveryQuery;
use crate::model::clinic::{ReminderDeliveries, ReminderDelivery};
use crate::model::reminders::{Channel, DeliveryStatus, StatusFilter};
use crate::server::audit::AuditEntry;
use crate::server::entities::{clinics, reminders, users};
use crate::server::permissions::Permission;
use crate::server::services::paging;
use crate::server::tenancy::Scoped;

const PER_PAGE: u64 = 50;

/// The condition a status filter stands for; a retry is a waiting row that failed before.
fn status_condition(filter: StatusFilter) -> Condition {
    let status = reminders::Column::Status;
    let attempts = reminders::Column::Attempts;
    match filter {
        StatusFilter::Retrying => Condition::all()
            .add(status.eq(DeliveryStatus::Pending))
            .add(attempts.gt(0)),
        StatusFilter::Pending => Condition::all()
            .add(status.eq(DeliveryStatus::Pending))
            .add(attempts.eq(0)),
        StatusFilter::Sending => Condition::all().add(status.eq(DeliveryStatus::Sending)),
        StatusFilter::Sent => Condition::all().add(status.eq(DeliveryStatus::Sent)),
        StatusFilter::Dead => Condition::all().add(status.eq(DeliveryStatus::Dead)),
        StatusFilter::Cancelled => Condition::all().add(status.eq(DeliveryStatus::Cancelled)),
    }
}

/// A page of the clinic's reminders, newest first.
pub async fn list(scoped: &Scoped, query: DeliveryQuery) -> Result<ReminderDeliveries, AppError> {
    scoped.actor().require(Permission::PatientManage)?;
    let clinic_id = scoped.actor().active_clinic()?;
    let page = paging::parse_page(query.page.as_deref())?;
    let status = match query.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            StatusFilter::parse(s)
                .ok_or_else(|| AppError::field("status", "Choose one of the statuses listed."))?,
        ),
    };
    let channel = match query.channel.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(
            Channel::parse(c).ok_or_else(|| AppError::field("channel", "Choose email or SMS."))?,
        ),
    };
    let conn = scoped.conn();
    let clinic = clinics::Entity::find_by_id(clinic_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut find = reminders::Entity::find().filter(reminders::Column::ClinicId.eq(clinic_id));
    if let Some(s) = status {
        find = find.filter(status_condition(s));
    }
    if let Some(c) = channel {
        find = find.filter(reminders::Column::Channel.eq(c));
    }
    let total = find.clone().count(conn).await?;
    let rows = find
        .order_by_desc(reminders::Column::CreatedAt)
        .order_by_desc(reminders::Column::Id)
        .limit(PER_PAGE)
        .offset((page - 1).saturating_mul(PER_PAGE))
        .all(conn)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.patient_id).collect();
    let names: std::collections::HashMap<i64, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let tz = clinic.time_zone.as_str();
    Ok(ReminderDeliveries {
        rows: rows
            .into_iter()
            .map(|r| ReminderDelivery {
                id: r.id,
                patient_id: r.patient_id,
                patient: names.get(&r.patient_id).cloned().unwrap_or_default(),
                channel: r.channel,
                kind: r.kind,
                when: match r.status {
                    DeliveryStatus::Sent => r.sent_at.map(|at| clinic_time(at, tz)),
                    DeliveryStatus::Pending => Some(clinic_time(r.next_attempt_at, tz)),
                    _ => None,
                },
                planned: clinic_time(r.created_at, tz),
                delivered: r.delivered_at.map(|at| clinic_time(at, tz)),
                status: r.status,
                attempts: r.attempts,
                reason: r.last_error,
            })
            .collect(),
        total,
        page,
        per_page: PER_PAGE,
    })
}

/// Sends a dead letter again from a fresh start (attempts from zero, now); the checks at
/// sending still apply, so what is no longer wanted is cancelled instead. Audited. Returns the
/// reminder's channel.
pub async fn retry(scoped: &Scoped, reminder_id: i64) -> Result<Channel, AppError> {
    scoped.actor().require(Permission::PatientManage)?;
    let clinic = scoped.actor().active_clinic()?;
    let row = reminders::Entity::find_by_id(reminder_id)
        .filter(reminders::Column::ClinicId.eq(clinic))
        .one(scoped.conn())
        .await?
        .ok_or(AppError::NotFound)?;
    if row.status != DeliveryStatus::Dead {
        return Err(AppError::Conflict(
            "Only a reminder that failed for good can be retried.".into(),
        ));
    }
    reminders::Entity::update_many()
        .col_expr(
            reminders::Column::Status,
            Expr::value(DeliveryStatus::Pending),
        )
        .col_expr(reminders::Column::Attempts, Expr::value(0))
        .col_expr(reminders::Column::NextAttemptAt, Expr::value(scoped.now()))
        .col_expr(
            reminders::Column::LastError,
            Expr::value(Option::<String>::None),
        )
        .filter(reminders::Column::Id.eq(row.id))
        .filter(reminders::Column::Status.eq(DeliveryStatus::Dead))
        .exec(scoped.conn())
        .await?;
    let mut entry =
        AuditEntry::by(scoped.actor(), "reminder.retried").resource(format!("reminder:{}", row.id));
    entry.patient_id = Some(row.patient_id);
    scoped.audit(entry).await?;
    Ok(row.channel)
}

/// A clinic's week for the overviews: reminders sent in the last 7 days, and those planned in
/// them that are failing (retrying or dead). `conn` reaches the clinic's reminders.
pub(crate) async fn week_figures<C: sea_orm::ConnectionTrait>(
    conn: &C,
    clinic: i64,
    now: DateTime<Utc>,
) -> Result<(u64, u64), AppError> {
    let since = now - Duration::days(7);
    let sent = reminders::Entity::find()
        .filter(reminders::Column::ClinicId.eq(clinic))
        .filter(reminders::Column::Status.eq(DeliveryStatus::Sent))
        .filter(reminders::Column::SentAt.gte(since))
        .count(conn)
        .await?;
    let failing = reminders::Entity::find()
        .filter(reminders::Column::ClinicId.eq(clinic))
        .filter(reminders::Column::CreatedAt.gte(since))
        .filter(
            Condition::any()
                .add(reminders::Column::Status.eq(DeliveryStatus::Dead))
                .add(status_condition(StatusFilter::Retrying)),
        )
        .count(conn)
        .await?;
    Ok((sent, failing))
}
