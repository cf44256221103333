//! The provider's view of their assigned patients: the compliance list, a patient's detail,
//! and recording a completed care item. Every read and write of patient data is audited.
use chrono::{Days, NaiveDate};
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Func, Order, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter};

use crate::error::AppError;
use crate::model::provider::ListQuery;
use crate::model::provider::{
    CareItemView, CompliancePage, ComplianceRow, GoalAdherence, PatientDetail,
};
use crate::model::{ComplianceLabel, GoalKind};
use crate::server::audit::AuditEntry;
use crate::server::care::{compliance, items, rules};
use crate::server::entities::{
    care_items, goal_logs, goals, patient_compliance, patient_profiles, provider_assignments, users,
};
use crate::server::permissions::Permission;
use crate::server::services::{paging, text_search};
use crate::server::tenancy::Scoped;

pub(crate) const PER_PAGE: u64 = 20;

#[derive(Debug, FromQueryResult)]
struct RawRow {
    patient_id: i64,
    /// None for a patient with no compliance snapshot in this clinic yet.
    name: Option<String>,
    label: Option<String>,
    reason: Option<String>,
}

/// The provider's assigned patients with their compliance, filtered, searched, sorted and paged.
pub async fn compliance_list(
    scoped: &Scoped,
    query: ListQuery,
) -> Result<CompliancePage, AppError> {
    let clinic = scoped.provider_clinic(Permission::PatientRead).await?;
    let actor = scoped.actor();
    let status = match query
        .status
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(s) => Some(
            ComplianceLabel::parse(s)
                .ok_or_else(|| AppError::field("status", "Choose a status from the list."))?,
        ),
    };
    let search = text_search::typed(query.search.as_deref())?;
    let by_status = match query.sort.as_deref().map(str::trim) {
        None | Some("") | Some("status") => true,
        Some("name") => false,
        Some(_) => return Err(AppError::field("sort", "Sort by status or by name.")),
    };
    let page = paging::parse_page(query.page.as_deref())?;

    let pa = provider_assignments::Entity;
    let pc = patient_compliance::Entity;
    let mut select: SelectStatement = Query::select();
    // Names come from the compliance snapshot, not `users`: under row-level security a join
    // to `users` checks, for every assigned patient, that the provider may see them (see
    // migration m20261124_000006).
    select
        .from(pa)
        .left_join(
            pc,
            Condition::all()
                .add(
                    Expr::col((pc, patient_compliance::Column::PatientId))
                        .equals((pa, provider_assignments::Column::PatientId)),
                )
                .add(
                    Expr::col((pc, patient_compliance::Column::ClinicId))
                        .equals((pa, provider_assignments::Column::ClinicId)),
                ),
        )
        .and_where(Expr::col((pa, provider_assignments::Column::ClinicId)).eq(clinic))
        .and_where(Expr::col((pa, provider_assignments::Column::ProviderId)).eq(actor.user_id()));
    if let Some(status) = status {
        select.and_where(Expr::col((pc, patient_compliance::Column::Label)).eq(status));
    }
    if let Some(search) = &search {
        select.and_where(
            Expr::expr(Func::lower(Expr::col((
                pc,
                patient_compliance::Column::PatientName,
            ))))
            .like(text_search::contains(search)),
        );
    }

    let conn = scoped.conn();
    let backend = conn.get_database_backend();
    let total = paging::count_rows(
        conn,
        &select,
        Expr::col((pa, provider_assignments::Column::PatientId)),
    )
    .await?;

    select
        .expr_as(
            Expr::col((pa, provider_assignments::Column::PatientId)),
            Alias::new("patient_id"),
        )
        .expr_as(
            Expr::col((pc, patient_compliance::Column::PatientName)),
            Alias::new("name"),
        )
        .expr_as(
            Expr::col((pc, patient_compliance::Column::Label)),
            Alias::new("label"),
        )
        .expr_as(
            Expr::col((pc, patient_compliance::Column::Reason)),
            Alias::new("reason"),
        );
    if by_status {
        select.order_by((pc, patient_compliance::Column::Rank), Order::Desc);
    }
    select
        .order_by((pc, patient_compliance::Column::PatientName), Order::Asc)
        .order_by((pa, provider_assignments::Column::PatientId), Order::Asc)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE);
    let raw = RawRow::find_by_statement(backend.build(&select))
        .all(conn)
        .await?;
    // Registration, the demo seed and the hourly refresh write a snapshot for every patient, so
    // this is for the moment in between: those few names are read from `users`.
    let unnamed: Vec<i64> = raw
        .iter()
        .filter(|r| r.name.is_none())
        .map(|r| r.patient_id)
        .collect();
    let mut names: std::collections::HashMap<i64, String> = if unnamed.is_empty() {
        Default::default()
    } else {
        users::Entity::find()
            .filter(users::Column::Id.is_in(unnamed))
            .all(conn)
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect()
    };
    let rows: Vec<ComplianceRow> = raw
        .into_iter()
        .map(|r| ComplianceRow {
            patient_id: r.patient_id,
            name: r
                .name
                .or_else(|| names.remove(&r.patient_id))
                .unwrap_or_default(),
            label: r.label.as_deref().and_then(ComplianceLabel::parse),
            reason: r.reason.unwrap_or_default(),
        })
        .collect();

    // One event for the view, and one per patient it showed, so each patient's "Who viewed
    // my record" can say that they appeared in this provider's list.
    let shown = rows.iter().map(|row| {
        AuditEntry::by(actor, "patient.list.appeared")
            .patient(row.patient_id)
            .resource(format!("page:{page}"))
    });
    scoped
        .audit_many(
            std::iter::once(
                AuditEntry::by(actor, "patient.compliance_list.view")
                    .resource(format!("page:{page}")),
            )
            .chain(shown)
            .collect(),
        )
        .await?;
    Ok(CompliancePage {
        rows,
        total,
        page,
        per_page: PER_PAGE,
    })
}

/// One assigned patient in full, audited as a view of that patient's record.
pub(crate) async fn patient_detail(
    scoped: &Scoped,
    patient_id: i64,
) -> Result<PatientDetail, AppError> {
    let now = scoped.now();
    let patient = scoped
        .assigned_patient(Permission::PatientRead, patient_id)
        .await?;
    let conn = scoped.conn();
    let clinic = scoped.actor().active_clinic()?;
    let user = users::Entity::find_by_id(patient.get())
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let profile = patient_profiles::Entity::find()
        .filter(patient_profiles::Column::UserId.eq(patient.get()))
        .one(conn)
        .await?;
    let today = items::patient_today(conn, patient.get(), now).await?;

    let targets = goals::Entity::find()
        .filter(goals::Column::PatientId.eq(patient.get()))
        .filter(goals::Column::Active.eq(true))
        .all(conn)
        .await?;
    const DAYS: u32 = 30;
    let from = today - Days::new(u64::from(DAYS) - 1);
    let logs = goal_logs::Entity::find()
        .filter(goal_logs::Column::PatientId.eq(patient.get()))
        .filter(goal_logs::Column::LogDate.between(from, today))
        .all(conn)
        .await?;
    let goals = GoalKind::ALL
        .into_iter()
        .filter_map(|kind| {
            let goal = targets.iter().find(|g| g.kind == kind)?;
            let days_met = logs
                .iter()
                .filter(|l| l.kind == goal.kind && l.value >= goal.target)
                .count() as u32;
            Some(GoalAdherence {
                kind,
                target: goal.target,
                days_met,
                days: DAYS,
            })
        })
        .collect();

    let care = items::reminders(conn, patient.clinic(), patient.get(), today)
        .await?
        .into_iter()
        .map(|r| (r.item_id, r))
        .collect::<Vec<_>>();
    let completed: Vec<care_items::Model> = care_items::Entity::find()
        .filter(care_items::Column::Id.is_in(care.iter().map(|(id, _)| *id)))
        .all(conn)
        .await?;
    let care = care
        .into_iter()
        .map(|(id, r)| CareItemView {
            item_id: id,
            name: r.name,
            status: r.status,
            due_on: r.due_on,
            last_completed_on: completed
                .iter()
                .find(|c| c.id == id)
                .and_then(|c| c.last_completed_on),
        })
        .collect();

    let (allergies, medications) =
        crate::server::services::patient::profile::allergies_and_medications(conn, patient).await?;
    let stored = patient_compliance::Entity::find()
        .filter(patient_compliance::Column::ClinicId.eq(clinic))
        .filter(patient_compliance::Column::PatientId.eq(patient.get()))
        .one(conn)
        .await?;

    scoped
        .audit(
            AuditEntry::by(scoped.actor(), "patient.summary.view")
                .patient(patient.get())
                .resource("summary"),
        )
        .await?;
    Ok(PatientDetail {
        patient_id: patient.get(),
        name: user.display_name,
        age: profile
            .as_ref()
            .and_then(|p| p.date_of_birth)
            .map(|dob| rules::age_on(dob, today)),
        sex: profile.as_ref().and_then(|p| p.sex),
        today,
        compliance: stored.map(|c| (c.label, c.reason)),
        goals,
        care,
        allergies,
        medications,
    })
}

/// Records that an assigned patient's care item was completed on a day; the next due date
/// follows from the protocol's interval.
pub async fn complete_care_item(
    scoped: &Scoped,
    patient_id: i64,
    item_id: i64,
    completed_on: &str,
) -> Result<CareItemView, AppError> {
    let now = scoped.now();
    let patient = scoped
        .assigned_patient(Permission::CareItemComplete, patient_id)
        .await?;
    let conn = scoped.conn();
    let clinic = scoped.actor().active_clinic()?;
    let item = care_items::Entity::find_by_id(item_id)
        .filter(care_items::Column::PatientId.eq(patient.get()))
        .filter(care_items::Column::ClinicId.eq(clinic))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let today = items::patient_today(conn, patient.get(), now).await?;
    let completed_on =
        NaiveDate::parse_from_str(completed_on.trim(), "%Y-%m-%d").map_err(|_| {
            AppError::field(
                "completed_on",
                "Enter the date it was done, like 2026-11-23.",
            )
        })?;
    if completed_on > today {
        return Err(AppError::field(
            "completed_on",
            "A completion cannot be in the future.",
        ));
    }
    if completed_on < today - Days::new(365 * 10) {
        return Err(AppError::field(
            "completed_on",
            "That is more than ten years ago.",
        ));
    }
    let updated = items::record_completion(conn, item, completed_on, today, now).await?;
    compliance::refresh(conn, clinic, patient.get(), now).await?;
    scoped
        .audit(
            AuditEntry::by(scoped.actor(), "care_item.complete")
                .patient(patient.get())
                .resource(format!("care_item:{}", updated.id)),
        )
        .await?;
    let view = items::reminders(conn, patient.clinic(), patient.get(), today)
        .await?
        .into_iter()
        .find(|r| r.item_id == updated.id)
        .ok_or(AppError::NotFound)?;
    Ok(CareItemView {
        item_id: updated.id,
        name: view.name,
        status: view.status,
        due_on: updated.due_on,
        last_completed_on: updated.last_completed_on,
    })
}
