//! The platform's audit log: every chain (each clinic's and the platform's own), searched by
//! clinic, actor, action and date, a page at a time or as a CSV that streams in batches, with
//! the last verification of the whole log (`salus audit verify`, or "Verify now" here).
//!
//! Super admins have no routine access to patients' records, and the log does not give them
//! one: patients appear by id only (as the subject of an event and as its actor), and the actor
//! search matches staff and super admins only. Salus records no break-glass access, so no view
//! here ever shows a patient's name.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};
use std::collections::HashMap;

use super::utc;
use crate::error::{AppError, Validator};
use crate::model::clinic::{AuditRow, ChainStatus};
use crate::model::platform::PlatformAuditQuery;
use crate::model::platform::{ClinicChoice, PlatformAuditPage};
use crate::model::Role;
use crate::server::audit::{self, AuditEntry, AuditKey, ChainReport};
use crate::server::entities::{audit_events, audit_verifications, clinics, memberships, users};
use crate::server::permissions::Permission;
use crate::server::services::clinic::audit_log::{
    csv_field, csv_line, describe, next_batch, page_of, parse_day, start_of, unnamed_actor, within,
};
use crate::server::services::{paging, text_search};
use crate::server::tenancy::Scoped;

pub(crate) const PER_PAGE: u64 = 50;
/// `audit_verifications.chain` of a verification of the whole log, every chain at once.
pub(crate) const WHOLE_LOG: i64 = -1;
/// The clinic filter's value for the platform's own chain (events in no clinic).
pub(crate) const PLATFORM_CHAIN: &str = "platform";
/// The most people an actor search narrows the log to.
const MAX_ACTOR_MATCHES: u64 = 1000;

/// Which chains the query reads.
#[derive(Debug, Clone, Copy)]
enum Chains {
    All,
    Platform,
    Clinic(i64),
}

/// The query, checked.
#[derive(Debug, Clone)]
pub struct Filters {
    chains: Chains,
    /// Events by these people only (none match when the search found nobody).
    actors: Option<Vec<i64>>,
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

async fn clinic_choices(scoped: &Scoped) -> Result<Vec<ClinicChoice>, AppError> {
    Ok(clinics::Entity::find()
        .order_by_asc(clinics::Column::Name)
        .all(scoped.conn())
        .await?
        .into_iter()
        .map(|c| ClinicChoice {
            id: c.id,
            name: c.name,
        })
        .collect())
}

async fn actions(scoped: &Scoped) -> Result<Vec<String>, AppError> {
    Ok(audit_events::Entity::find()
        .select_only()
        .column(audit_events::Column::Action)
        .distinct()
        .order_by_asc(audit_events::Column::Action)
        .into_tuple()
        .all(scoped.conn())
        .await?)
}

/// Staff and super admins whose name or email contains `text`: never patients, whom a super
/// admin does not look up by name.
async fn matching_actors(scoped: &Scoped, text: &str) -> Result<Vec<i64>, AppError> {
    let staff = Query::select()
        .column(memberships::Column::UserId)
        .from(memberships::Entity)
        .and_where(memberships::Column::Role.ne(Role::Patient))
        .to_owned();
    Ok(users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .filter(
            Condition::any()
                .add(users::Column::IsSuperAdmin.eq(true))
                .add(users::Column::Id.in_subquery(staff)),
        )
        .filter(
            Condition::any()
                .add(
                    Expr::expr(Func::lower(Expr::col(users::Column::DisplayName)))
                        .like(text_search::contains(text)),
                )
                .add(Expr::col(users::Column::Email).like(text_search::contains(text))),
        )
        .limit(MAX_ACTOR_MATCHES)
        .into_tuple()
        .all(scoped.conn())
        .await?)
}

async fn filters(
    scoped: &Scoped,
    query: &PlatformAuditQuery,
    clinics: &[ClinicChoice],
    known_actions: &[String],
) -> Result<Filters, AppError> {
    let mut v = Validator::new();
    let chains = match trimmed(&query.clinic) {
        None => Chains::All,
        Some(c) if c == PLATFORM_CHAIN => Chains::Platform,
        Some(c) => match c
            .parse::<i64>()
            .ok()
            .filter(|id| clinics.iter().any(|k| k.id == *id))
        {
            Some(id) => Chains::Clinic(id),
            None => {
                v.add("clinic", "Choose a clinic from the list.");
                Chains::All
            }
        },
    };
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
    let actor = match text_search::typed(query.actor.as_deref()) {
        Ok(actor) => actor,
        Err(AppError::Validation(fields)) => {
            for message in fields.into_values().flatten() {
                v.add("actor", message);
            }
            None
        }
        Err(other) => return Err(other),
    };
    v.finish()?;
    let actors = match actor {
        None => None,
        Some(text) => Some(matching_actors(scoped, &text).await?),
    };
    Ok(Filters {
        chains,
        actors,
        action,
        from: from.map(|d| start_of(d, chrono_tz::UTC)),
        until: to
            .and_then(|d| d.succ_opt())
            .map(|d| start_of(d, chrono_tz::UTC)),
    })
}

fn select(filters: &Filters) -> Select<audit_events::Entity> {
    let mut select = audit_events::Entity::find();
    select = match filters.chains {
        Chains::All => select,
        Chains::Platform => select.filter(audit_events::Column::ClinicId.is_null()),
        Chains::Clinic(id) => select.filter(audit_events::Column::ClinicId.eq(id)),
    };
    if let Some(actors) = &filters.actors {
        select = select.filter(audit_events::Column::ActorUserId.is_in(actors.clone()));
    }
    within(
        select,
        filters.action.as_deref(),
        filters.from,
        filters.until,
    )
}

/// The events as a super admin sees them: staff and super admins by name and role, patients
/// by id only, times in UTC, and each event's clinic.
async fn rows(
    scoped: &Scoped,
    events: Vec<audit_events::Model>,
    clinics: &[ClinicChoice],
) -> Result<Vec<(Option<String>, AuditRow)>, AppError> {
    let actor_ids: Vec<i64> = events.iter().filter_map(|e| e.actor_user_id).collect();
    let names: HashMap<i64, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(actor_ids))
        .all(scoped.conn())
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    Ok(events
        .into_iter()
        .map(|e| {
            let role = e.actor_role.as_deref().and_then(Role::parse);
            let actor = match (e.actor_user_id, role) {
                (Some(id), Some(Role::Patient)) => format!("Patient #{id}"),
                (Some(id), Some(role)) => match names.get(&id) {
                    Some(name) => format!("{name} ({})", role.label()),
                    None => format!("#{id} ({})", role.label()),
                },
                (Some(id), None) => names.get(&id).cloned().unwrap_or_else(|| format!("#{id}")),
                (None, Some(role)) => role.label().to_owned(),
                (None, None) => unnamed_actor(e.actor_role.as_deref()),
            };
            let clinic = e.clinic_id.map(|id| {
                clinics
                    .iter()
                    .find(|c| c.id == id)
                    .map_or_else(|| format!("#{id}"), |c| c.name.clone())
            });
            (
                clinic,
                AuditRow {
                    id: e.id,
                    when: e.occurred_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
                    actor,
                    action: e.action,
                    patient: e.patient_id.map(|id| format!("#{id}")),
                    detail: e.resource,
                    address: e.client_addr,
                },
            )
        })
        .collect())
}

/// A page of the log, newest first, with its filters' choices and the whole log's last
/// verification. The view is audited.
pub async fn list(
    scoped: &Scoped,
    query: PlatformAuditQuery,
) -> Result<PlatformAuditPage, AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    let clinics = clinic_choices(scoped).await?;
    let actions = actions(scoped).await?;
    let page = paging::parse_page(query.page.as_deref())?;
    let filters = filters(scoped, &query, &clinics, &actions).await?;
    let (events, total) = page_of(scoped, select(&filters), page, PER_PAGE).await?;
    let rows = rows(scoped, events, &clinics).await?;
    let chain = last_verification(scoped.conn()).await?;
    scoped
        .audit(
            AuditEntry::by(scoped.actor(), "platform.audit_log.view")
                .resource(format!("page:{page}")),
        )
        .await?;
    Ok(PlatformAuditPage {
        rows,
        total,
        page,
        per_page: PER_PAGE,
        clinics,
        actions,
        chain,
    })
}

async fn last_verification<C: ConnectionTrait>(conn: &C) -> Result<Option<ChainStatus>, AppError> {
    let last = audit_verifications::Entity::find()
        .filter(audit_verifications::Column::Chain.eq(WHOLE_LOG))
        .order_by_desc(audit_verifications::Column::Id)
        .one(conn)
        .await?;
    Ok(last.map(|v| ChainStatus {
        verified_at: utc(v.verified_at),
        checked: u64::try_from(v.checked).unwrap_or(0),
        intact: v.problem.is_none(),
        first_broken: v.first_broken,
        problem: v.problem,
    }))
}

/// Records a verification of the whole log (by `salus audit verify`, `by` none, or a super
/// admin); the status the page shows.
pub async fn record_verification<C: ConnectionTrait>(
    conn: &C,
    report: &ChainReport,
    now: DateTime<Utc>,
    by: Option<i64>,
) -> Result<ChainStatus, AppError> {
    let problem = report.problem.map(|p| describe(p).to_owned());
    audit_verifications::Entity::insert(audit_verifications::ActiveModel {
        chain: Set(WHOLE_LOG),
        checked: Set(report.checked as i64),
        first_broken: Set(report.first_broken),
        problem: Set(problem.clone()),
        verified_at: Set(now),
        verified_by: Set(by),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    Ok(ChainStatus {
        verified_at: utc(now),
        checked: report.checked,
        intact: problem.is_none(),
        first_broken: report.first_broken,
        problem,
    })
}

/// Recomputes every chain now, as `salus audit verify` does, and records the outcome.
pub async fn verify(scoped: &Scoped, key: &AuditKey) -> Result<ChainStatus, AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    let report = audit::verify(scoped.conn(), key, None).await?;
    let status = record_verification(
        scoped.conn(),
        &report,
        scoped.now(),
        Some(scoped.actor().user_id()),
    )
    .await?;
    scoped
        .audit(
            AuditEntry::by(scoped.actor(), "audit.verified").resource(format!(
                "all chains checked:{} {}",
                report.checked,
                if status.intact { "intact" } else { "broken" }
            )),
        )
        .await?;
    Ok(status)
}

/// The CSV's header line: the clinic's columns with the clinic first.
pub const CSV_HEADER: &str = "clinic,id,time,actor,action,patient,detail,address\r\n";

/// Starts an export: checks the query and audits the export.
pub async fn start_export(
    scoped: &Scoped,
    query: &PlatformAuditQuery,
) -> Result<Filters, AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    let clinics = clinic_choices(scoped).await?;
    let actions = actions(scoped).await?;
    let filters = filters(scoped, query, &clinics, &actions).await?;
    scoped
        .audit(AuditEntry::by(scoped.actor(), "platform.audit_log.export"))
        .await?;
    Ok(filters)
}

/// The next batch of the export, newest first, and the id to continue before.
pub async fn export_batch(
    scoped: &Scoped,
    filters: &Filters,
    before: Option<i64>,
) -> Result<(String, Option<i64>), AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    let (events, next) = next_batch(scoped, select(filters), before).await?;
    let clinics = clinic_choices(scoped).await?;
    let rows = rows(scoped, events, &clinics).await?;
    Ok((
        rows.iter()
            .map(|(clinic, row)| {
                format!(
                    "{},{}",
                    csv_field(clinic.as_deref().unwrap_or("Platform")),
                    csv_line(row)
                )
            })
            .collect(),
        next,
    ))
}
