//! The clinic's patients as its admin manages them: the roster (who, their compliance label and
//! their providers; never their health records) and their assignments to providers. A
//! provider's list reads the assignments, so it reflects a change on its next load.
use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Func, Order, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder,
};

use super::clinic_time;
use crate::error::AppError;
use crate::model::clinic::RosterQuery;
use crate::model::clinic::{InvitedPatient, Person, RosterPage, RosterRow, INVITED_SHOWN};
use crate::model::{ComplianceLabel, Role};
use crate::server::audit::AuditEntry;
use crate::server::care::{compliance, items};
use crate::server::entities::{
    clinics, invitations, memberships, patient_compliance, provider_assignments, users,
};
use crate::server::permissions::Permission;
use crate::server::services::{paging, text_search};
use crate::server::tenancy::Scoped;

pub(crate) const PER_PAGE: u64 = 25;
/// The roster's status filter value for discharged patients.
pub(crate) const DISCHARGED: &str = "discharged";
/// The most patients one bulk assignment takes: a page of the roster, with room to spare.
pub(crate) const MAX_BULK: usize = 100;

#[derive(Debug, FromQueryResult)]
struct RawRow {
    patient_id: i64,
    name: String,
    email: String,
    label: Option<String>,
    discharged_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The clinic's active providers (staff whose role reads patients: providers, nurses, and the
/// clinic's own roles that do), by name.
async fn providers(scoped: &Scoped, clinic: i64) -> Result<Vec<Person>, AppError> {
    let reading = super::roles::reading_patients(scoped.conn(), clinic).await?;
    let ids: Vec<i64> = memberships::Entity::find()
        .filter(memberships::Column::ClinicId.eq(clinic))
        .filter(super::roles::membership_reads(&reading))
        .filter(memberships::Column::DeactivatedAt.is_null())
        .all(scoped.conn())
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
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

/// The clinic's patients, searched by name or email, filtered by provider and compliance
/// label, by name, a page at a time. Each patient shown is audited as having appeared in it.
pub async fn list(scoped: &Scoped, query: RosterQuery) -> Result<RosterPage, AppError> {
    scoped.actor().require(Permission::PatientManage)?;
    let clinic = scoped.actor().active_clinic()?;
    let trimmed = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    // Discharged patients are listed only when asked for; the others by label, or all.
    let (status, discharged) = match trimmed(&query.status).as_deref() {
        None => (None, false),
        Some(DISCHARGED) => (None, true),
        Some(s) => (
            Some(
                ComplianceLabel::parse(s)
                    .ok_or_else(|| AppError::field("status", "Choose a status from the list."))?,
            ),
            false,
        ),
    };
    let search = text_search::typed(query.search.as_deref())?;
    let providers = providers(scoped, clinic).await?;
    let provider = match trimmed(&query.provider) {
        None => None,
        Some(p) => Some(
            p.parse::<i64>()
                .ok()
                .filter(|id| providers.iter().any(|c| c.user_id == *id))
                .ok_or_else(|| AppError::field("provider", "Choose a provider of your clinic."))?,
        ),
    };
    let page = paging::parse_page(query.page.as_deref())?;
    let time_zone = clinics::Entity::find_by_id(clinic)
        .one(scoped.conn())
        .await?
        .ok_or(AppError::NotFound)?
        .time_zone;

    let (m, u, pc, pa) = (
        memberships::Entity,
        users::Entity,
        patient_compliance::Entity,
        provider_assignments::Entity,
    );
    let mut select = Query::select();
    select
        .from(m)
        .inner_join(
            u,
            Expr::col((u, users::Column::Id)).equals((m, memberships::Column::UserId)),
        )
        .left_join(
            pc,
            Condition::all()
                .add(
                    Expr::col((pc, patient_compliance::Column::PatientId))
                        .equals((m, memberships::Column::UserId)),
                )
                .add(
                    Expr::col((pc, patient_compliance::Column::ClinicId))
                        .equals((m, memberships::Column::ClinicId)),
                ),
        )
        .and_where(Expr::col((m, memberships::Column::ClinicId)).eq(clinic))
        .and_where(Expr::col((m, memberships::Column::Role)).eq(Role::Patient));
    if discharged {
        select.and_where(Expr::col((m, memberships::Column::DeactivatedAt)).is_not_null());
    } else {
        select.and_where(Expr::col((m, memberships::Column::DeactivatedAt)).is_null());
    }
    if let Some(status) = status {
        select.and_where(Expr::col((pc, patient_compliance::Column::Label)).eq(status));
    }
    if let Some(provider) = provider {
        select.and_where(
            Expr::col((m, memberships::Column::UserId)).in_subquery(
                Query::select()
                    .column(provider_assignments::Column::PatientId)
                    .from(pa)
                    .and_where(Expr::col(provider_assignments::Column::ClinicId).eq(clinic))
                    .and_where(Expr::col(provider_assignments::Column::ProviderId).eq(provider))
                    .to_owned(),
            ),
        );
    }
    if let Some(search) = &search {
        select.cond_where(
            Condition::any()
                .add(
                    Expr::expr(Func::lower(Expr::col((u, users::Column::DisplayName))))
                        .like(text_search::contains(search)),
                )
                .add(Expr::col((u, users::Column::Email)).like(text_search::contains(search))),
        );
    }
    let conn = scoped.conn();
    let backend = conn.get_database_backend();
    let total =
        paging::count_rows(conn, &select, Expr::col((m, memberships::Column::UserId))).await?;
    select
        .expr_as(
            Expr::col((m, memberships::Column::UserId)),
            Alias::new("patient_id"),
        )
        .expr_as(
            Expr::col((u, users::Column::DisplayName)),
            Alias::new("name"),
        )
        .expr_as(Expr::col((u, users::Column::Email)), Alias::new("email"))
        .expr_as(
            Expr::col((pc, patient_compliance::Column::Label)),
            Alias::new("label"),
        )
        .expr_as(
            Expr::col((m, memberships::Column::DeactivatedAt)),
            Alias::new("discharged_at"),
        )
        .order_by((u, users::Column::DisplayName), Order::Asc)
        .order_by((m, memberships::Column::UserId), Order::Asc)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE);
    let raw = RawRow::find_by_statement(backend.build(&select))
        .all(conn)
        .await?;

    let names: HashMap<i64, &Person> = providers.iter().map(|p| (p.user_id, p)).collect();
    let mut assigned: HashMap<i64, Vec<Person>> = HashMap::new();
    for a in provider_assignments::Entity::find()
        .filter(provider_assignments::Column::ClinicId.eq(clinic))
        .filter(provider_assignments::Column::PatientId.is_in(raw.iter().map(|r| r.patient_id)))
        .order_by_asc(provider_assignments::Column::Id)
        .all(conn)
        .await?
    {
        if let Some(p) = names.get(&a.provider_id) {
            assigned.entry(a.patient_id).or_default().push((*p).clone());
        }
    }
    let rows: Vec<RosterRow> = raw
        .into_iter()
        .map(|r| RosterRow {
            providers: assigned.remove(&r.patient_id).unwrap_or_default(),
            patient_id: r.patient_id,
            name: r.name,
            email: r.email,
            label: r.label.as_deref().and_then(ComplianceLabel::parse),
            discharged: r.discharged_at.map(|at| clinic_time(at, &time_zone)),
        })
        .collect();
    let actor = scoped.actor();
    let shown = rows.iter().map(|row| {
        AuditEntry::by(actor, "patient.list.appeared")
            .patient(row.patient_id)
            .resource(format!("roster page:{page}"))
    });
    scoped
        .audit_many(
            std::iter::once(
                AuditEntry::by(actor, "clinic.roster.view").resource(format!("page:{page}")),
            )
            .chain(shown)
            .collect(),
        )
        .await?;
    let (invited, invited_total) = if provider.is_none() && status.is_none() && !discharged {
        invited(scoped, clinic, search.as_deref(), &time_zone).await?
    } else {
        (Vec::new(), 0)
    };
    Ok(RosterPage {
        rows,
        total,
        page,
        per_page: PER_PAGE,
        providers,
        invited,
        invited_total,
    })
}

/// The clinic's open patient invitations (not accepted, not withdrawn; expired ones too, to
/// send again), newest first, whose name or email contains `search`.
async fn invited(
    scoped: &Scoped,
    clinic: i64,
    search: Option<&str>,
    time_zone: &str,
) -> Result<(Vec<InvitedPatient>, u64), AppError> {
    use sea_orm::{PaginatorTrait, QuerySelect};
    let mut open = invitations::Entity::find()
        .filter(invitations::Column::ClinicId.eq(clinic))
        .filter(invitations::Column::Role.eq(Role::Patient))
        .filter(invitations::Column::AcceptedAt.is_null())
        .filter(invitations::Column::WithdrawnAt.is_null());
    if let Some(search) = search {
        open = open.filter(
            Condition::any()
                .add(Expr::col(invitations::Column::Email).like(text_search::contains(search)))
                .add(
                    Expr::expr(Func::lower(Expr::col(invitations::Column::PatientName)))
                        .like(text_search::contains(search)),
                ),
        );
    }
    let total = open.clone().count(scoped.conn()).await?;
    let now = scoped.now();
    let shown = open
        .order_by_desc(invitations::Column::CreatedAt)
        .order_by_desc(invitations::Column::Id)
        .limit(INVITED_SHOWN)
        .all(scoped.conn())
        .await?
        .into_iter()
        .map(|i| InvitedPatient {
            invitation_id: i.id,
            name: i.patient_name,
            email: i.email,
            invited: clinic_time(i.created_at, time_zone),
            expired: i.expires_at <= now,
        })
        .collect();
    Ok((shown, total))
}

/// The active provider of the admin's clinic a form names, or a field error.
async fn clinic_provider(scoped: &Scoped, clinic: i64, provider_id: i64) -> Result<i64, AppError> {
    let reading = super::roles::reading_patients(scoped.conn(), clinic).await?;
    memberships::Entity::find()
        .filter(memberships::Column::ClinicId.eq(clinic))
        .filter(memberships::Column::UserId.eq(provider_id))
        .filter(super::roles::membership_reads(&reading))
        .filter(memberships::Column::DeactivatedAt.is_null())
        .one(scoped.conn())
        .await?
        .map(|m| m.user_id)
        .ok_or_else(|| AppError::field("provider_id", "Choose a provider of your clinic."))
}

/// Assigns patients of the clinic to one of its providers; patients assigned already stay as
/// they are. 404 when any of them is not a patient of the clinic: nothing is assigned then.
pub async fn assign(
    scoped: &Scoped,
    provider_id: i64,
    patient_ids: &[i64],
) -> Result<u64, AppError> {
    scoped.actor().require(Permission::PatientManage)?;
    let clinic = scoped.actor().active_clinic()?;
    let wanted: HashSet<i64> = patient_ids.iter().copied().collect();
    if wanted.is_empty() {
        return Err(AppError::field(
            "patient_ids",
            "Choose at least one patient.",
        ));
    }
    if wanted.len() > MAX_BULK {
        return Err(AppError::field(
            "patient_ids",
            format!("Assign at most {MAX_BULK} patients at a time."),
        ));
    }
    let conn = scoped.conn();
    // A discharged patient is assigned to no one until re-admitted.
    let patients = memberships::Entity::find()
        .filter(memberships::Column::ClinicId.eq(clinic))
        .filter(memberships::Column::Role.eq(Role::Patient))
        .filter(memberships::Column::DeactivatedAt.is_null())
        .filter(memberships::Column::UserId.is_in(wanted.iter().copied()))
        .all(conn)
        .await?;
    if patients.len() != wanted.len() {
        return Err(AppError::NotFound);
    }
    let provider = clinic_provider(scoped, clinic, provider_id).await?;
    let already: HashSet<i64> = provider_assignments::Entity::find()
        .filter(provider_assignments::Column::ClinicId.eq(clinic))
        .filter(provider_assignments::Column::ProviderId.eq(provider))
        .filter(provider_assignments::Column::PatientId.is_in(wanted.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| a.patient_id)
        .collect();
    let mut new: Vec<i64> = wanted.difference(&already).copied().collect();
    new.sort_unstable();
    if new.is_empty() {
        return Ok(0);
    }
    provider_assignments::Entity::insert_many(new.iter().map(|&patient| {
        provider_assignments::ActiveModel {
            clinic_id: Set(clinic),
            provider_id: Set(provider),
            patient_id: Set(patient),
            created_at: Set(scoped.now()),
            ..Default::default()
        }
    }))
    .exec(conn)
    .await?;
    let actor = scoped.actor();
    scoped
        .audit_many(
            new.iter()
                .map(|&patient| {
                    AuditEntry::by(actor, "assignment.added")
                        .patient(patient)
                        .resource(format!("provider:{provider}"))
                })
                .collect(),
        )
        .await?;
    Ok(new.len() as u64)
}

/// Ends one patient's assignment to one provider.
pub async fn unassign(scoped: &Scoped, provider_id: i64, patient_id: i64) -> Result<(), AppError> {
    scoped.actor().require(Permission::PatientManage)?;
    let clinic = scoped.actor().active_clinic()?;
    let removed = provider_assignments::Entity::delete_many()
        .filter(provider_assignments::Column::ClinicId.eq(clinic))
        .filter(provider_assignments::Column::ProviderId.eq(provider_id))
        .filter(provider_assignments::Column::PatientId.eq(patient_id))
        .exec(scoped.conn())
        .await?;
    if removed.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    scoped
        .audit(
            AuditEntry::by(scoped.actor(), "assignment.removed")
                .patient(patient_id)
                .resource(format!("provider:{provider_id}")),
        )
        .await
}

/// The patient's membership of the admin's clinic, as a patient; 404 for anyone else.
async fn patient_of(
    scoped: &Scoped,
    clinic: i64,
    patient_id: i64,
) -> Result<memberships::Model, AppError> {
    memberships::Entity::find()
        .filter(memberships::Column::ClinicId.eq(clinic))
        .filter(memberships::Column::UserId.eq(patient_id))
        .filter(memberships::Column::Role.eq(Role::Patient))
        .one(scoped.conn())
        .await?
        .ok_or(AppError::NotFound)
}

/// Discharges a patient: their assignments end (so no provider reaches their record), their
/// reminders and care refreshes stop, and they can no longer sign in to the clinic. Their
/// records are kept; nothing is deleted. Returns how many assignments ended.
pub async fn discharge(scoped: &Scoped, patient_id: i64) -> Result<u64, AppError> {
    scoped.actor().require(Permission::PatientManage)?;
    let clinic = scoped.actor().active_clinic()?;
    let membership = patient_of(scoped, clinic, patient_id).await?;
    if membership.deactivated_at.is_some() {
        return Err(AppError::Conflict(
            "This patient is discharged already.".into(),
        ));
    }
    let conn = scoped.conn();
    memberships::Entity::update_many()
        .col_expr(
            memberships::Column::DeactivatedAt,
            Expr::value(Some(scoped.now())),
        )
        .filter(memberships::Column::Id.eq(membership.id))
        .exec(conn)
        .await?;
    let ended = provider_assignments::Entity::delete_many()
        .filter(provider_assignments::Column::ClinicId.eq(clinic))
        .filter(provider_assignments::Column::PatientId.eq(patient_id))
        .exec(conn)
        .await?
        .rows_affected;
    scoped
        .audit(
            AuditEntry::by(scoped.actor(), "patient.discharged")
                .patient(patient_id)
                .resource(format!("assignments ended: {ended}")),
        )
        .await?;
    Ok(ended)
}

/// Re-admits a discharged patient: enrolled again, their care items brought up to date with
/// the clinic's protocols. Their earlier assignments are not restored: the admin assigns again.
pub async fn readmit(scoped: &Scoped, patient_id: i64) -> Result<(), AppError> {
    scoped.actor().require(Permission::PatientManage)?;
    let clinic = scoped.actor().active_clinic()?;
    let membership = patient_of(scoped, clinic, patient_id).await?;
    if membership.deactivated_at.is_none() {
        return Err(AppError::Conflict(
            "This patient is enrolled already.".into(),
        ));
    }
    let conn = scoped.conn();
    memberships::Entity::update_many()
        .col_expr(
            memberships::Column::DeactivatedAt,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .filter(memberships::Column::Id.eq(membership.id))
        .exec(conn)
        .await?;
    let now = scoped.now();
    let today = items::patient_today(conn, patient_id, now).await?;
    items::sync_patient(conn, clinic, patient_id, today, now).await?;
    compliance::refresh(conn, clinic, patient_id, now).await?;
    scoped
        .audit(AuditEntry::by(scoped.actor(), "patient.readmitted").patient(patient_id))
        .await
}
