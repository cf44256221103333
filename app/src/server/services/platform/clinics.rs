//! The platform's clinics: the list (with each clinic's use of its plan), a new clinic (its
//! first admin invited through the clinic's own invitation flow, the platform's protocol
//! templates adopted), a change of plan (refused below what the clinic uses), suspension and
//! reactivation, and closing. Status changes take effect on the next request: the session
//! check and sign-in admit only an active clinic's members (`sessions::actor`,
//! `account::auth::sign_in`), and the worker works only in active clinics.
use chrono::Duration;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Func, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::error::{AppError, Validator};
use crate::model::platform::ClinicQuery;
use crate::model::platform::{ClinicDetail, ClinicList, ClinicRow, ClinicStatus, PlanSummary};
use crate::model::{ComplianceLabel, Role};
use crate::server::audit::AuditEntry;
use crate::server::care::protocols::adopt_templates;
use crate::server::dates::parse_time_zone;
use crate::server::db_context;
use crate::server::entities::{clinics, memberships, patient_compliance};
use crate::server::errors::is_unique_violation;
use crate::server::permissions::Permission;
use crate::server::plan_limits::{enrolled_patients, plan_of, texts_this_month};
use crate::server::reminders;
use crate::server::services::account::auth::{email_problem, normalize_email};
use crate::server::services::clinic::invitations::{open_staff_invitation, Sent};
use crate::server::services::clinic::{provider_seats, roles};
use crate::server::services::{paging, text_search};
use crate::server::state::AppState;
use crate::server::tenancy::Scoped;

use super::plans::{self, all_plans};
use super::utc;

pub(crate) const PER_PAGE: u64 = 20;
/// How long a closed clinic's data is kept before it may be deleted.
pub(crate) const RETENTION_DAYS: i64 = 90;
const MAX_NAME: usize = 100;
const MAX_REASON: usize = 500;

pub async fn list(scoped: &Scoped, query: ClinicQuery) -> Result<ClinicList, AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    let conn = scoped.conn();
    let page = paging::parse_page(query.page.as_deref())?;
    let plans = all_plans(conn).await?;
    let mut filter = Condition::all();
    if let Some(search) = text_search::typed(query.search.as_deref())? {
        // Names in any case; codes are capitals.
        let name = text_search::contains(&search);
        let code = text_search::contains(&search.to_uppercase());
        filter = filter.add(
            Condition::any()
                .add(Expr::expr(Func::lower(Expr::col(clinics::Column::Name))).like(name))
                .add(Expr::col(clinics::Column::Code).like(code)),
        );
    }
    match query.status.as_deref().filter(|s| !s.is_empty()) {
        None => {}
        Some(status) => {
            let status = ClinicStatus::parse(status)
                .ok_or_else(|| AppError::field("status", "Choose a status from the list."))?;
            filter = filter.add(clinics::Column::Status.eq(status));
        }
    }
    match query.plan.as_deref().filter(|s| !s.is_empty()) {
        None => {}
        Some(plan) if plans.iter().any(|p| p.code == plan) => {
            filter = filter.add(clinics::Column::Plan.eq(plan));
        }
        Some(_) => return Err(AppError::field("plan", "Choose a plan from the list.")),
    }
    let select = clinics::Entity::find().filter(filter);
    let total = select.clone().count(conn).await?;
    let found = select
        .order_by_asc(clinics::Column::Name)
        .order_by_asc(clinics::Column::Id)
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
        .all(conn)
        .await?;
    let mut rows = Vec::with_capacity(found.len());
    for clinic in &found {
        rows.push(row(scoped, clinic, &plans).await?);
    }
    Ok(ClinicList {
        rows,
        total,
        page,
        per_page: PER_PAGE,
        plans,
    })
}

/// A clinic's line in the list: its plan and what it uses of it.
async fn row(
    scoped: &Scoped,
    clinic: &clinics::Model,
    plans: &[PlanSummary],
) -> Result<ClinicRow, AppError> {
    let conn = scoped.conn();
    let seats = provider_seats(conn, clinic.id, scoped.now()).await?;
    let patients = enrolled_patients(conn, clinic.id).await?;
    let plan = plans
        .iter()
        .find(|p| p.code == clinic.plan)
        .map_or_else(|| clinic.plan.clone(), |p| p.name.clone());
    Ok(ClinicRow {
        id: clinic.id,
        name: clinic.name.clone(),
        status: clinic.status,
        plan,
        seats_taken: seats.taken(),
        seats_allowed: seats.allowed,
        patients,
        overdue_percent: overdue_share(scoped, clinic.id).await?,
        created: clinic.created_at.format("%-d %b %Y").to_string(),
    })
}

/// Of the clinic's enrolled patients with a compliance snapshot, the share with an overdue
/// preventive checkup, in whole percent; none while none has a snapshot. Counts only, never
/// who.
pub(crate) async fn overdue_share(scoped: &Scoped, clinic: i64) -> Result<Option<u64>, AppError> {
    Ok(overdue_shares(scoped, &[clinic]).await?.pop().flatten())
}

/// `overdue_share` of each of `clinics`, in their order.
pub(crate) async fn overdue_shares(
    scoped: &Scoped,
    clinics: &[i64],
) -> Result<Vec<Option<u64>>, AppError> {
    // Compliance snapshots hold names and reasons: the platform's own context never reads
    // them. Each clinic's own task counts, and only the share leaves it.
    let count = async move |conn: &DatabaseTransaction, clinic| overdue_percent(conn, clinic).await;
    scoped
        .switch()
        .counting_in_clinics("overdue share", clinics, count)
        .await
}

/// `overdue_share`, counted in a context that reaches the clinic's compliance snapshots.
async fn overdue_percent<C: ConnectionTrait>(
    conn: &C,
    clinic: i64,
) -> Result<Option<u64>, AppError> {
    let enrolled = Query::select()
        .column(memberships::Column::UserId)
        .from(memberships::Entity)
        .and_where(memberships::Column::ClinicId.eq(clinic))
        .and_where(memberships::Column::Role.eq(Role::Patient))
        .and_where(memberships::Column::DeactivatedAt.is_null())
        .to_owned();
    let labelled = patient_compliance::Entity::find()
        .filter(patient_compliance::Column::ClinicId.eq(clinic))
        .filter(patient_compliance::Column::PatientId.in_subquery(enrolled));
    let with_label = labelled.clone().count(conn).await?;
    let overdue = labelled
        .filter(patient_compliance::Column::Label.eq(ComplianceLabel::MissedCheckup))
        .count(conn)
        .await?;
    Ok((with_label > 0).then(|| (overdue * 100 + with_label / 2) / with_label))
}

async fn find(scoped: &Scoped, id: i64) -> Result<clinics::Model, AppError> {
    clinics::Entity::find_by_id(id)
        .one(scoped.conn())
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn detail(scoped: &Scoped, id: i64) -> Result<ClinicDetail, AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    let clinic = find(scoped, id).await?;
    let plans = all_plans(scoped.conn()).await?;
    let row = row(scoped, &clinic, &plans).await?;
    let zone = parse_time_zone(&clinic.time_zone).unwrap_or(chrono_tz::UTC);
    let texts = texts_this_month(scoped.conn(), clinic.id, scoped.now(), zone).await?;
    Ok(ClinicDetail {
        row,
        code: clinic.code,
        time_zone: clinic.time_zone,
        plan_code: clinic.plan,
        status_reason: clinic.status_reason,
        status_changed: clinic.status_changed_at.map(utc),
        delete_after: clinic.delete_after.map(utc),
        texts_this_month: texts,
        plans,
        retention_days: RETENTION_DAYS as u64,
    })
}

/// The new-clinic form, as typed.
#[derive(Debug, Default, Clone)]
pub struct NewClinic {
    pub name: String,
    pub code: String,
    pub time_zone: String,
    pub plan: String,
    pub admin_email: String,
}

/// A clinic code: 4 to 20 capital letters, digits and hyphens, as patients type it to register.
fn code_problem(code: &str) -> Option<&'static str> {
    let fits = (4..=20).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
    (!fits).then_some("Use 4 to 20 capital letters, digits or hyphens, like RIVERSIDE.")
}

/// Creates an active clinic on `form.plan` with the platform's protocol templates adopted, and
/// invites its first admin; the invitation is mailed once the caller has committed. Returns the
/// clinic's id.
pub async fn create(
    state: &AppState,
    scoped: &Scoped,
    form: NewClinic,
) -> Result<(i64, Sent), AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    let conn = scoped.conn();
    let name = form.name.trim().to_owned();
    let code = form.code.trim().to_uppercase();
    let time_zone = form.time_zone.trim().to_owned();
    let admin = normalize_email(&form.admin_email);
    let mut v = Validator::new();
    v.check(!name.is_empty(), "name", "Enter the clinic's name.");
    v.check(
        name.chars().count() <= MAX_NAME && !name.chars().any(char::is_control),
        "name",
        format!("Use at most {MAX_NAME} characters, on one line."),
    );
    if let Some(problem) = code_problem(&code) {
        v.add("code", problem);
    }
    v.check(
        parse_time_zone(&time_zone).is_some(),
        "time_zone",
        "Choose a time zone like America/New_York.",
    );
    let plan = match plans::offered(conn, &form.plan).await? {
        Ok(plan) => Some(plan),
        Err(problem) => {
            v.add("plan", problem);
            None
        }
    };
    if let Some(problem) = email_problem(&admin) {
        v.add("admin_email", problem);
    }
    v.finish()?;
    let plan = plan.expect("checked above");
    let now = scoped.now();
    let inserted = clinics::Entity::insert(clinics::ActiveModel {
        code: Set(code.clone()),
        name: Set(name.clone()),
        time_zone: Set(time_zone),
        plan: Set(plan.code.clone()),
        status: Set(ClinicStatus::Active),
        created_at: Set(now),
        ..Default::default()
    })
    .exec(conn)
    .await;
    let clinic_id = match inserted {
        Ok(done) => done.last_insert_id,
        Err(e) if is_unique_violation(&e) => {
            return Err(AppError::field(
                "code",
                "Another clinic has that code. Choose another.",
            ))
        }
        Err(e) => return Err(e.into()),
    };
    adopt_templates(conn, clinic_id, now).await?;
    let mut event = AuditEntry::by(scoped.actor(), "clinic.create")
        .resource(format!("clinic:{clinic_id} plan {}", plan.code));
    event.clinic_id = Some(clinic_id);
    scoped.audit(event).await?;
    let role = roles::chosen(conn, clinic_id, Role::ClinicAdmin.as_str()).await?;
    let invitation = open_staff_invitation(state, scoped, clinic_id, admin, role)
        .await
        .map_err(|e| rename_field(e, "email", "admin_email"))?;
    Ok((clinic_id, invitation))
}

/// The same error with `from`'s messages under `to` (a shared check, another form's field).
fn rename_field(error: AppError, from: &str, to: &str) -> AppError {
    match error {
        AppError::Validation(mut fields) => {
            if let Some(messages) = fields.remove(from) {
                fields.insert(to.to_owned(), messages);
            }
            AppError::Validation(fields)
        }
        other => other,
    }
}

/// An audit event about `clinic`, in its own chain.
fn about_clinic(scoped: &Scoped, action: &'static str, clinic: i64, what: String) -> AuditEntry {
    let mut event =
        AuditEntry::by(scoped.actor(), action).resource(format!("clinic:{clinic} {what}"));
    event.clinic_id = Some(clinic);
    event
}

/// Moves the clinic onto `plan_code`, refused (with what exceeds it) when the clinic uses more
/// than the new plan allows: provider seats, patients, or this month's texts.
pub(crate) async fn change_plan(scoped: &Scoped, id: i64, plan_code: &str) -> Result<(), AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    let conn = scoped.conn();
    let clinic = find(scoped, id).await?;
    plans::take_plans_turn(conn).await?;
    let new = plans::offered(conn, plan_code)
        .await?
        .map_err(|problem| AppError::field("plan", problem))?;
    let old = plan_of(conn, &clinic).await?;
    if new.code == old.code {
        return Err(AppError::field(
            "plan",
            format!("It is on {} already.", old.name),
        ));
    }
    // Staff and enrolments take turns with this change, so nothing is added past the new
    // limits while it is checked.
    db_context::take_turn(conn, db_context::Turn::Staff, clinic.id).await?;
    db_context::take_turn(conn, db_context::Turn::Enrolment, clinic.id).await?;
    let over = plans::use_beyond(conn, &clinic, &new, scoped.now()).await?;
    if !over.is_empty() {
        return Err(AppError::field(
            "plan",
            format!(
                "{} uses more than {} allows: {}.",
                clinic.name,
                new.name,
                over.join("; ")
            ),
        ));
    }
    clinics::Entity::update_many()
        .col_expr(clinics::Column::Plan, Expr::value(new.code.clone()))
        .filter(clinics::Column::Id.eq(clinic.id))
        .exec(conn)
        .await?;
    scoped
        .audit(about_clinic(
            scoped,
            "clinic.plan_change",
            clinic.id,
            format!("plan: {:?} -> {:?}", old.code, new.code),
        ))
        .await
}

/// Sets the clinic's status, why and when; cancels its waiting reminders when it stops being
/// active, and puts back those it cancelled so when it is active again (as its own task:
/// reminders are its patients' records, out of the platform's reach).
async fn set_status(
    scoped: &Scoped,
    clinic: &clinics::Model,
    status: ClinicStatus,
    reason: Option<String>,
    delete_after: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<(), AppError> {
    let conn = scoped.conn();
    clinics::Entity::update_many()
        .col_expr(clinics::Column::Status, Expr::value(status))
        .col_expr(clinics::Column::StatusReason, Expr::value(reason))
        .col_expr(
            clinics::Column::StatusChangedAt,
            Expr::value(Some(scoped.now())),
        )
        .col_expr(clinics::Column::DeleteAfter, Expr::value(delete_after))
        .filter(clinics::Column::Id.eq(clinic.id))
        .exec(conn)
        .await?;
    // The clinic's reminders are its patients' messages, out of the platform's reach.
    let now = scoped.now();
    let follow = async move |conn: &DatabaseTransaction, clinic| match status {
        ClinicStatus::Active => reminders::restore_clinic(conn, clinic, now).await,
        ClinicStatus::Suspended => {
            reminders::cancel_clinic(conn, clinic, reminders::CLINIC_SUSPENDED).await
        }
        ClinicStatus::Closed => {
            reminders::cancel_clinic(conn, clinic, reminders::CLINIC_CLOSED).await
        }
    };
    scoped
        .switch()
        .in_clinics("reminders follow the clinic's status", &[clinic.id], follow)
        .await?;
    Ok(())
}

/// Suspends an active clinic: its staff and patients are signed out at their next request and
/// told at sign-in that the clinic is suspended (the reason is the platform's note, not shown
/// to them), its waiting reminders are cancelled and no more are planned; nothing is deleted.
pub async fn suspend(scoped: &Scoped, id: i64, reason: &str) -> Result<(), AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    let clinic = find(scoped, id).await?;
    let reason = reason.trim().to_owned();
    let mut v = Validator::new();
    v.check(!reason.is_empty(), "reason", "Say why it is suspended.");
    v.check(
        reason.chars().count() <= MAX_REASON,
        "reason",
        format!("Use at most {MAX_REASON} characters."),
    );
    v.finish()?;
    if clinic.status != ClinicStatus::Active {
        return Err(AppError::Conflict(
            "Only an active clinic can be suspended.".into(),
        ));
    }
    set_status(scoped, &clinic, ClinicStatus::Suspended, Some(reason), None).await?;
    // The reason stays in the clinic's row for the platform; the log says that it was given.
    scoped
        .audit(about_clinic(
            scoped,
            "clinic.suspend",
            clinic.id,
            "reason given".into(),
        ))
        .await
}

/// Makes a suspended or closed clinic active again: sign-in and reminders resume from the next
/// request and the worker's next plan.
pub async fn reactivate(scoped: &Scoped, id: i64) -> Result<(), AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    let clinic = find(scoped, id).await?;
    if clinic.status == ClinicStatus::Active {
        return Err(AppError::Conflict("It is active already.".into()));
    }
    set_status(scoped, &clinic, ClinicStatus::Active, None, None).await?;
    scoped
        .audit(about_clinic(
            scoped,
            "clinic.reactivate",
            clinic.id,
            format!("was {}", clinic.status.as_str()),
        ))
        .await
}

/// Closes a clinic, confirmed by typing its code: it is refused like a suspended one and its
/// data is kept, marked for deletion `RETENTION_DAYS` from now.
pub async fn close(scoped: &Scoped, id: i64, typed_code: &str) -> Result<(), AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    let clinic = find(scoped, id).await?;
    if typed_code.trim().to_uppercase() != clinic.code {
        return Err(AppError::field(
            "confirm_code",
            "Type the clinic's code exactly as shown to confirm.",
        ));
    }
    if clinic.status == ClinicStatus::Closed {
        return Err(AppError::Conflict("It is closed already.".into()));
    }
    let delete_after = scoped.now() + Duration::days(RETENTION_DAYS);
    set_status(
        scoped,
        &clinic,
        ClinicStatus::Closed,
        Some("closed".into()),
        Some(delete_after),
    )
    .await?;
    scoped
        .audit(about_clinic(
            scoped,
            "clinic.close",
            clinic.id,
            format!("delete after {}", delete_after.format("%Y-%m-%d")),
        ))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clinic_codes_are_short_capitals() {
        assert!(code_problem("RIVERSIDE").is_none());
        assert!(code_problem("NORTH-2").is_none());
        for bad in [
            "",
            "ABC",
            "riverside",
            "RIVER SIDE",
            "ÅRHUS",
            "A234567890123456789012",
        ] {
            assert!(code_problem(bad).is_some(), "{bad:?} should be refused");
        }
    }
}
