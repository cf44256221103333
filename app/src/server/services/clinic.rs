//! The clinic-admin portal: every action is allowed by a named permission, runs in a `Scoped`
//! transaction of the admin's own clinic (so on PostgreSQL row-level security holds it to that
//! clinic too), and is audited in that transaction.
pub mod audit_log;
pub mod enrolment;
pub mod home;
pub mod invitations;
pub mod membership;
pub mod protocols;
pub mod reminders;
pub mod roles;
pub mod roster;
pub mod settings;
pub mod staff;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::error::AppError;
use crate::model::clinic::ProviderSeats;
use crate::server::db_context;
use crate::server::entities::{self, clinics, memberships};
use crate::server::plan_limits::plan_of;

/// Makes one clinic's staff changes take turns until the transaction ends, so that two admins
/// cannot both take the last provider seat or both remove one of the last two admins.
pub(crate) async fn lock_staff<C: ConnectionTrait>(conn: &C, clinic: i64) -> Result<(), AppError> {
    db_context::take_turn(conn, db_context::Turn::Staff, clinic).await
}

/// The clinic's provider seats as they stand at `now`: its plan's, and those taken.
pub(crate) async fn provider_seats<C: ConnectionTrait>(
    conn: &C,
    clinic: i64,
    now: DateTime<Utc>,
) -> Result<ProviderSeats, AppError> {
    let found = clinics::Entity::find_by_id(clinic)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let plan = plan_of(conn, &found).await?;
    let reading = roles::reading_patients(conn, clinic).await?;
    let providers = memberships::Entity::find()
        .filter(memberships::Column::ClinicId.eq(clinic))
        .filter(roles::membership_reads(&reading))
        .filter(memberships::Column::DeactivatedAt.is_null())
        .count(conn)
        .await?;
    let invited = entities::invitations::Entity::find()
        .filter(entities::invitations::Column::ClinicId.eq(clinic))
        .filter(roles::invitation_reads(&reading))
        .filter(entities::invitations::Column::AcceptedAt.is_null())
        .filter(entities::invitations::Column::WithdrawnAt.is_null())
        .filter(entities::invitations::Column::ExpiresAt.gt(now))
        .count(conn)
        .await?;
    Ok(ProviderSeats {
        providers,
        invited,
        allowed: plan.provider_seats.max(0) as u64,
        plan: plan.name,
    })
}

/// Refuses, on the form's `field`, to take one more provider seat when none is free.
pub(crate) async fn require_free_seat<C: ConnectionTrait>(
    conn: &C,
    clinic: i64,
    now: DateTime<Utc>,
    field: &str,
) -> Result<(), AppError> {
    let seats = provider_seats(conn, clinic, now).await?;
    if seats.taken() < seats.allowed {
        return Ok(());
    }
    Err(AppError::field(
        field,
        format!(
            "Your clinic's plan ({}) has {} provider seats and all are taken ({} staff who see \
             patients, {} open invitations). Deactivate one or withdraw an invitation first, or \
             ask the platform team to change the plan.",
            seats.plan, seats.allowed, seats.providers, seats.invited
        ),
    ))
}

/// When, in the clinic's time zone, as the portal shows times ("23 Nov 2026, 14:05").
pub(crate) fn clinic_time(at: DateTime<Utc>, time_zone: &str) -> String {
    let tz = crate::server::dates::parse_time_zone(time_zone).unwrap_or(chrono_tz::UTC);
    at.with_timezone(&tz).format("%-d %b %Y, %H:%M").to_string()
}

/// "field: before -> after" for each field that changed, for the audit log.
pub(crate) fn audit_changes(pairs: &[(&str, String, String)]) -> String {
    let changed: Vec<String> = pairs
        .iter()
        .filter(|(_, before, after)| before != after)
        .map(|(field, before, after)| format!("{field}: {before:?} -> {after:?}"))
        .collect();
    let text = changed.join("; ");
    text.chars().take(1000).collect()
}
