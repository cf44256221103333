//! The clinic's audit log as its admin reads it: every event in the clinic's chain (staff views
//! of patient data, admin changes, refused attempts, sign-ins), searched by patient, staff
//! member, action and date range, a page at a time or as a CSV that streams in batches, and
//! whether the chain verifies.
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};
use std::collections::HashMap;

use super::clinic_time;
use crate::error::{AppError, Validator};
use crate::model::clinic::AuditQuery;
use crate::model::clinic::{AuditLogPage, AuditRow, ChainStatus, Person};
use crate::model::Role;
use crate::server::audit::{self, AuditEntry, AuditKey, Tampering};
use crate::server::dates::parse_time_zone;
use crate::server::entities::{audit_events, audit_verifications, clinics, memberships, users};
use crate::server::permissions::Permission;
use crate::server::services::{paging, text_search};
use crate::server::tenancy::Scoped;

pub(crate) const PER_PAGE: u64 = 50;
/// Rows per batch of the CSV export: each batch is one short transaction.
pub(crate) const CSV_BATCH: u64 = 1000;
/// The most patients a patient search narrows the log to.
const MAX_PATIENT_MATCHES: u64 = 1000;

/// The query, checked: which events of the clinic it selects.
#[derive(Debug, Clone)]
pub struct Filters {
    clinic: i64,
    time_zone: Tz,
    /// Events about these patients only (none match when the search found nobody).
    patients: Option<Vec<i64>>,
    staff: Option<i64>,
    action: Option<String>,
    from: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
}

fn trimmed(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The clinic's staff, by name: the choices of the staff filter.
async fn staff_people(scoped: &Scoped, clinic: i64) -> Result<Vec<Person>, AppError> {
    let ids: Vec<i64> = memberships::Entity::find()
        .select_only()
        .column(memberships::Column::UserId)
        .filter(memberships::Column::ClinicId.eq(clinic))
        .filter(memberships::Column::Role.ne(Role::Patient))
        .into_tuple()
        .all(scoped.conn())
        .await?;
    Ok(users::Entity::find()
        .filter(users::Column::Id.is_in(ids))
        .order_by_asc(users::Column::DisplayName)
        .all(scoped.conn())
        .await?
        .into_iter()
        .map(|u| Person {
            user_id: u.id,
            name: u.display_name,
        })
        .collect())
}

/// The actions the clinic's log holds, for the action filter.
async fn actions(scoped: &Scoped, clinic: i64) -> Result<Vec<String>, AppError> {
    Ok(audit_events::Entity::find()
        .select_only()
        .column(audit_events::Column::Action)
        .distinct()
        .filter(audit_events::Column::ClinicId.eq(clinic))
        .order_by_asc(audit_events::Column::Action)
        .into_tuple()
        .all(scoped.conn())
        .await?)
}

pub(crate) fn parse_day(
    field: &str,
    value: Option<String>,
    v: &mut Validator,
) -> Option<NaiveDate> {
    let value = value?;
    match NaiveDate::parse_from_str(&value, "%Y-%m-%d") {
        Ok(day) => Some(day),
        Err(_) => {
            v.add(field, "Enter a date like 2026-11-23.");
            None
        }
    }
}

/// The start of `day` in `tz` (the first instant that exists, across a daylight-saving gap).
pub(crate) fn start_of(day: NaiveDate, tz: Tz) -> DateTime<Utc> {
    use chrono::TimeZone;
    let midnight = day.and_hms_opt(0, 0, 0).expect("midnight exists");
    tz.from_local_datetime(&midnight)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(midnight + chrono::Duration::hours(1)))
                .earliest()
        })
        .map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc))
}

/// Checks the query against the clinic: its staff, its actions, dates in its time zone.
pub async fn filters(
    scoped: &Scoped,
    query: &AuditQuery,
    staff: &[Person],
    known_actions: &[String],
) -> Result<Filters, AppError> {
    let clinic = scoped.actor().active_clinic()?;
    let time_zone = clinics::Entity::find_by_id(clinic)
        .one(scoped.conn())
        .await?
        .and_then(|c| parse_time_zone(&c.time_zone))
        .unwrap_or(chrono_tz::UTC);
    let mut v = Validator::new();
    let staff_id = trimmed(&query.staff).and_then(|s| {
        let id = s
            .parse::<i64>()
            .ok()
            .filter(|id| staff.iter().any(|p| p.user_id == *id));
        v.check(
            id.is_some(),
            "staff",
            "Choose a staff member from the list.",
        );
        id
    });
    let action = trimmed(&query.action).filter(|a| {
        let known = known_actions.contains(a);
        v.check(known, "action", "Choose an action from the list.");
        known
    });
    let from = parse_day("from", trimmed(&query.from), &mut v);
    let to = parse_day("to", trimmed(&query.to), &mut v);
    if let (Some(from), Some(to)) = (from, to) {
        v.check(from <= to, "to", "The end date is before the start date.");
    }
    let patient = trimmed(&query.patient).map(|p| p.to_lowercase());
    if patient.as_ref().is_some_and(|p| p.chars().count() > 100) {
        v.add("patient", "Search for at most 100 characters.");
    }
    v.finish()?;
    let patients = match patient {
        None => None,
        Some(text) => Some(matching_patients(scoped, clinic, &text).await?),
    };
    Ok(Filters {
        clinic,
        time_zone,
        patients,
        staff: staff_id,
        action,
        from: from.map(|d| start_of(d, time_zone)),
        until: to
            .and_then(|d| d.succ_opt())
            .map(|d| start_of(d, time_zone)),
    })
}

/// The clinic's patients whose name or email contains `text`.
async fn matching_patients(scoped: &Scoped, clinic: i64, text: &str) -> Result<Vec<i64>, AppError> {
    let patients: Vec<i64> = memberships::Entity::find()
        .select_only()
        .column(memberships::Column::UserId)
        .filter(memberships::Column::ClinicId.eq(clinic))
        .filter(memberships::Column::Role.eq(Role::Patient))
        .into_tuple()
        .all(scoped.conn())
        .await?;
    Ok(users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .filter(users::Column::Id.is_in(patients))
        .filter(
            Condition::any()
                .add(
                    Expr::expr(Func::lower(Expr::col(users::Column::DisplayName)))
                        .like(text_search::contains(text)),
                )
                .add(Expr::col(users::Column::Email).like(text_search::contains(text))),
        )
        .limit(MAX_PATIENT_MATCHES)
        .into_tuple()
        .all(scoped.conn())
        .await?)
}

fn select(filters: &Filters) -> Select<audit_events::Entity> {
    let mut select =
        audit_events::Entity::find().filter(audit_events::Column::ClinicId.eq(filters.clinic));
    if let Some(patients) = &filters.patients {
        select = select.filter(audit_events::Column::PatientId.is_in(patients.clone()));
    }
    if let Some(staff) = filters.staff {
        select = select.filter(audit_events::Column::ActorUserId.eq(staff));
    }
    within(
        select,
        filters.action.as_deref(),
        filters.from,
        filters.until,
    )
}

/// `select` narrowed to one action and a time range, as both audit logs filter.
pub(crate) fn within(
    mut select: Select<audit_events::Entity>,
    action: Option<&str>,
    from: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> Select<audit_events::Entity> {
    if let Some(action) = action {
        select = select.filter(audit_events::Column::Action.eq(action));
    }
    if let Some(from) = from {
        select = select.filter(audit_events::Column::OccurredAt.gte(from));
    }
    if let Some(until) = until {
        select = select.filter(audit_events::Column::OccurredAt.lt(until));
    }
    select
}

/// A page of `select`'s events, newest first, and how many there are in all.
pub(crate) async fn page_of(
    scoped: &Scoped,
    select: Select<audit_events::Entity>,
    page: u64,
    per_page: u64,
) -> Result<(Vec<audit_events::Model>, u64), AppError> {
    let total = select.clone().count(scoped.conn()).await?;
    let events = select
        .order_by_desc(audit_events::Column::Id)
        .limit(per_page)
        .offset((page - 1) * per_page)
        .all(scoped.conn())
        .await?;
    Ok((events, total))
}

/// An export's next batch: up to `CSV_BATCH` of `select`'s events older than `before`, newest
/// first, and the id to continue before (none once the log is exhausted).
pub(crate) async fn next_batch(
    scoped: &Scoped,
    mut select: Select<audit_events::Entity>,
    before: Option<i64>,
) -> Result<(Vec<audit_events::Model>, Option<i64>), AppError> {
    if let Some(before) = before {
        select = select.filter(audit_events::Column::Id.lt(before));
    }
    let events = select
        .order_by_desc(audit_events::Column::Id)
        .limit(CSV_BATCH)
        .all(scoped.conn())
        .await?;
    let next = (events.len() as u64 == CSV_BATCH)
        .then(|| events.last().map(|e| e.id))
        .flatten();
    Ok((events, next))
}

/// Who acted when the event names no one: the system's own work, or someone not signed in.
pub(crate) fn unnamed_actor(role: Option<&str>) -> String {
    match role {
        Some("platform") | Some("clinic_task") => "Salus".to_owned(),
        _ => "Someone not signed in".to_owned(),
    }
}

/// Names for the people the events name, as far as the admin may see them (members of the
/// clinic); anyone else is shown by role.
async fn rows(
    scoped: &Scoped,
    events: Vec<audit_events::Model>,
    time_zone: Tz,
) -> Result<Vec<AuditRow>, AppError> {
    let ids: Vec<i64> = events
        .iter()
        .flat_map(|e| [e.actor_user_id, e.patient_id])
        .flatten()
        .collect();
    let names: HashMap<i64, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(ids))
        .all(scoped.conn())
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    Ok(events
        .into_iter()
        .map(|e| {
            let role = e.actor_role.as_deref().and_then(Role::parse);
            let actor = match (e.actor_user_id.and_then(|id| names.get(&id)), role) {
                (Some(name), Some(role)) => format!("{name} ({})", role.label()),
                (Some(name), None) => name.clone(),
                (None, Some(role)) => role.label().to_owned(),
                (None, None) => unnamed_actor(e.actor_role.as_deref()),
            };
            AuditRow {
                id: e.id,
                when: e
                    .occurred_at
                    .with_timezone(&time_zone)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string(),
                actor,
                action: e.action,
                patient: e
                    .patient_id
                    .map(|id| names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"))),
                detail: e.resource,
                address: e.client_addr,
            }
        })
        .collect())
}

/// A page of the log, newest first, with the choices of its filters and the chain's last
/// verification. The view itself is audited.
pub async fn list(scoped: &Scoped, query: AuditQuery) -> Result<AuditLogPage, AppError> {
    scoped.actor().require(Permission::AuditRead)?;
    let clinic = scoped.actor().active_clinic()?;
    let staff = staff_people(scoped, clinic).await?;
    let actions = actions(scoped, clinic).await?;
    let page = paging::parse_page(query.page.as_deref())?;
    let filters = filters(scoped, &query, &staff, &actions).await?;
    let (events, total) = page_of(scoped, select(&filters), page, PER_PAGE).await?;
    let rows = rows(scoped, events, filters.time_zone).await?;
    let chain = last_verification(scoped, clinic, filters.time_zone).await?;
    scoped
        .audit(
            AuditEntry::by(scoped.actor(), "clinic.audit_log.view")
                .resource(format!("page:{page}")),
        )
        .await?;
    Ok(AuditLogPage {
        rows,
        total,
        page,
        per_page: PER_PAGE,
        staff,
        actions,
        chain,
    })
}

async fn last_verification(
    scoped: &Scoped,
    clinic: i64,
    time_zone: Tz,
) -> Result<Option<ChainStatus>, AppError> {
    let last = audit_verifications::Entity::find()
        .filter(audit_verifications::Column::Chain.eq(clinic))
        .order_by_desc(audit_verifications::Column::Id)
        .one(scoped.conn())
        .await?;
    Ok(last.map(|v| ChainStatus {
        verified_at: clinic_time(v.verified_at, time_zone.name()),
        checked: u64::try_from(v.checked).unwrap_or(0),
        intact: v.problem.is_none(),
        first_broken: v.first_broken,
        problem: v.problem,
    }))
}

pub(crate) fn describe(problem: Tampering) -> &'static str {
    match problem {
        Tampering::AlteredOrInserted => "an event was altered, or added without the key",
        Tampering::MissingOrReordered => "events before it were deleted or reordered",
        Tampering::Truncated => "events after it were cut off",
    }
}

/// Recomputes the clinic's chain with the key now, records the outcome and returns it.
pub async fn verify(scoped: &Scoped, key: &AuditKey) -> Result<ChainStatus, AppError> {
    scoped.actor().require(Permission::AuditRead)?;
    let clinic = scoped.actor().active_clinic()?;
    let report = audit::verify_one(scoped.conn(), key, clinic).await?;
    let problem = report.problem.map(|p| describe(p).to_owned());
    audit_verifications::Entity::insert(audit_verifications::ActiveModel {
        chain: Set(clinic),
        checked: Set(report.checked as i64),
        first_broken: Set(report.first_broken),
        problem: Set(problem.clone()),
        verified_at: Set(scoped.now()),
        verified_by: Set(Some(scoped.actor().user_id())),
        ..Default::default()
    })
    .exec(scoped.conn())
    .await?;
    scoped
        .audit(
            AuditEntry::by(scoped.actor(), "audit.verified").resource(format!(
                "checked:{} {}",
                report.checked,
                if problem.is_some() {
                    "broken"
                } else {
                    "intact"
                }
            )),
        )
        .await?;
    let time_zone = clinics::Entity::find_by_id(clinic)
        .one(scoped.conn())
        .await?
        .map(|c| c.time_zone)
        .unwrap_or_else(|| "UTC".into());
    Ok(ChainStatus {
        verified_at: clinic_time(scoped.now(), &time_zone),
        checked: report.checked,
        intact: problem.is_none(),
        first_broken: report.first_broken,
        problem,
    })
}

/// The CSV's header line.
pub const CSV_HEADER: &str = "id,time,actor,action,patient,detail,address\r\n";

/// One field of a CSV line: quoted, quotes doubled, and a leading `=`, `+`, `-`, `@`, tab or
/// carriage return defused with an apostrophe, so a spreadsheet never runs it as a formula.
pub(crate) fn csv_field(value: &str) -> String {
    let defused = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    format!("\"{}\"", defused.replace('"', "\"\""))
}

pub(crate) fn csv_line(row: &AuditRow) -> String {
    let fields = [
        row.id.to_string(),
        row.when.clone(),
        row.actor.clone(),
        row.action.clone(),
        row.patient.clone().unwrap_or_default(),
        row.detail.clone().unwrap_or_default(),
        row.address.clone().unwrap_or_default(),
    ];
    let mut line = fields
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

/// Starts an export: checks the query and audits the export. `before` of the first batch is
/// `None`.
pub async fn start_export(scoped: &Scoped, query: &AuditQuery) -> Result<Filters, AppError> {
    scoped.actor().require(Permission::AuditRead)?;
    let clinic = scoped.actor().active_clinic()?;
    let staff = staff_people(scoped, clinic).await?;
    let actions = actions(scoped, clinic).await?;
    let filters = filters(scoped, query, &staff, &actions).await?;
    scoped
        .audit(AuditEntry::by(scoped.actor(), "clinic.audit_log.export"))
        .await?;
    Ok(filters)
}

/// The next batch of the export, newest first: the CSV lines of up to `CSV_BATCH` events
/// older than `before`, and the id to continue before (none when the log is exhausted).
pub async fn export_batch(
    scoped: &Scoped,
    filters: &Filters,
    before: Option<i64>,
) -> Result<(String, Option<i64>), AppError> {
    scoped.actor().require(Permission::AuditRead)?;
    let (events, next) = next_batch(scoped, select(filters), before).await?;
    let rows = rows(scoped, events, filters.time_zone).await?;
    Ok((rows.iter().map(csv_line).collect(), next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("plain"), "\"plain\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-1+2"), "\"'-1+2\"");
        assert_eq!(csv_field("@SUM"), "\"'@SUM\"");
        assert_eq!(csv_field("a,b\r\nc"), "\"a,b\r\nc\"");
    }

    #[test]
    fn days_start_at_local_midnight() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(
            start_of(day, chrono_tz::America::New_York).to_rfc3339(),
            "2026-11-23T05:00:00+00:00"
        );
        assert_eq!(
            start_of(day, chrono_tz::Europe::London).to_rfc3339(),
            "2026-11-23T00:00:00+00:00"
        );
    }
}
