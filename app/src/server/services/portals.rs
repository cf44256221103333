//! The clinic admin and platform portals' landing summaries, each scoped to what the actor may see.
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::error::AppError;
use crate::model::platform::ClinicStatus;
use crate::model::{ComplianceLabel, PortalSummary, Role};
use crate::server::db_context::{self, DbContext};
use crate::server::entities::{
    audit_events, clinic_roles, clinics, invitations, memberships, patient_compliance,
};
use crate::server::permissions::{Permission, PermissionSet};
use crate::server::services::clinic::reminders::week_figures;
use crate::server::services::clinic::roles;
use crate::server::services::platform::clinics::overdue_share;
use crate::server::tenancy::Scoped;

async fn clinic_name(scoped: &Scoped, clinic_id: i64) -> Result<String, AppError> {
    Ok(clinics::Entity::find_by_id(clinic_id)
        .one(scoped.conn())
        .await?
        .ok_or(AppError::NotFound)?
        .name)
}

async fn members(scoped: &Scoped, clinic_id: i64, role: Role) -> Result<i64, AppError> {
    Ok(memberships::Entity::find()
        .filter(memberships::Column::ClinicId.eq(clinic_id))
        .filter(memberships::Column::Role.eq(role.as_str()))
        .filter(memberships::Column::DeactivatedAt.is_null())
        .count(scoped.conn())
        .await? as i64)
}

pub async fn clinic_admin(scoped: &Scoped) -> Result<PortalSummary, AppError> {
    // Whoever runs any part of the clinic sees its counts.
    if !scoped.actor().permissions().manages() {
        return Err(AppError::Forbidden);
    }
    let clinic = scoped.actor().active_clinic()?;
    let week = week_figures(scoped.conn(), clinic, scoped.now()).await?;
    Ok(PortalSummary {
        heading: clinic_name(scoped, clinic).await?,
        facts: vec![
            (
                "Patients".into(),
                members(scoped, clinic, Role::Patient).await?,
            ),
            (
                "Providers".into(),
                crate::server::services::clinic::provider_seats(scoped.conn(), clinic, scoped.now())
                    .await?
                    .providers as i64,
            ),
            ("Reminders sent (last 7 days)".into(), week.0 as i64),
            (
                "Reminders failing (planned in the last 7 days)".into(),
                week.1 as i64,
            ),
            (
                "Open invitations".into(),
                invitations::Entity::find()
                    .filter(invitations::Column::ClinicId.eq(clinic))
                    .filter(invitations::Column::Role.ne(Role::Patient.as_str()))
                    .filter(invitations::Column::AcceptedAt.is_null())
                    .filter(invitations::Column::WithdrawnAt.is_null())
                    .filter(invitations::Column::ExpiresAt.gt(scoped.now()))
                    .count(scoped.conn())
                    .await? as i64,
            ),
        ],
    })
}

/// How many of the clinic's patients carry each compliance label, worst first, and how many
/// have none yet (`None`).
pub async fn compliance_breakdown(
    scoped: &Scoped,
) -> Result<Vec<(Option<ComplianceLabel>, u64)>, AppError> {
    use sea_orm::QuerySelect;
    scoped.actor().require(Permission::PatientManage)?;
    let clinic = scoped.actor().active_clinic()?;
    let patients: Vec<i64> = memberships::Entity::find()
        .select_only()
        .column(memberships::Column::UserId)
        .filter(memberships::Column::ClinicId.eq(clinic))
        .filter(memberships::Column::Role.eq(Role::Patient.as_str()))
        .into_tuple()
        .all(scoped.conn())
        .await?;
    let counted: Vec<(String, i64)> = patient_compliance::Entity::find()
        .select_only()
        .column(patient_compliance::Column::Label)
        .column_as(patient_compliance::Column::PatientId.count(), "n")
        .filter(patient_compliance::Column::ClinicId.eq(clinic))
        .filter(patient_compliance::Column::PatientId.is_in(patients.clone()))
        .group_by(patient_compliance::Column::Label)
        .into_tuple()
        .all(scoped.conn())
        .await?;
    let count_of = |label: ComplianceLabel| {
        counted
            .iter()
            .find(|(l, _)| l == label.as_str())
            .map_or(0, |(_, n)| (*n).max(0) as u64)
    };
    let mut breakdown: Vec<(Option<ComplianceLabel>, u64)> = ComplianceLabel::ALL
        .into_iter()
        .map(|label| (Some(label), count_of(label)))
        .collect();
    let assessed: u64 = breakdown.iter().map(|(_, n)| n).sum();
    breakdown.push((None, (patients.len() as u64).saturating_sub(assessed)));
    Ok(breakdown)
}

/// Distinct people with an active membership in any clinic that `holding` picks out.
async fn people_holding(scoped: &Scoped, holding: sea_orm::Condition) -> Result<i64, AppError> {
    use sea_orm::sea_query::{Alias, Expr, Func, Query};
    use sea_orm::FromQueryResult;
    #[derive(FromQueryResult)]
    struct Count {
        n: i64,
    }
    let query = Query::select()
        .expr_as(
            Func::count_distinct(Expr::col(memberships::Column::UserId)),
            Alias::new("n"),
        )
        .from(memberships::Entity)
        .cond_where(holding)
        .and_where(memberships::Column::DeactivatedAt.is_null())
        .to_owned();
    let backend = scoped.conn().get_database_backend();
    Ok(Count::find_by_statement(backend.build(&query))
        .one(scoped.conn())
        .await?
        .map_or(0, |c| c.n))
}

/// Staff whose role reads patients, in any clinic: the built-in roles that do (provider,
/// nurse) and every clinic's own roles that grant `patient.read`.
async fn staff_seeing_patients(scoped: &Scoped) -> Result<i64, AppError> {
    let built_in: Vec<&str> = crate::model::clinic::STAFF_ROLES
        .into_iter()
        .filter(|r| PermissionSet::of_role(*r).contains(Permission::PatientRead))
        .map(Role::as_str)
        .collect();
    let custom: Vec<i64> = clinic_roles::Entity::find()
        .all(scoped.conn())
        .await?
        .into_iter()
        .map(roles::StaffRole::custom)
        .filter(roles::StaffRole::reads_patients)
        .filter_map(|role| role.clinic_role_id())
        .collect();
    people_holding(
        scoped,
        sea_orm::Condition::any()
            .add(memberships::Column::Role.is_in(built_in))
            .add(memberships::Column::ClinicRoleId.is_in(custom)),
    )
    .await
}

/// The platform at a glance: clinics by status, people, sign-ins and reminders of the week.
/// Reminders are each clinic's patients' messages, out of the platform's reach: they are
/// counted as each clinic's own task, and only the counts leave it.
pub async fn platform(scoped: &Scoped) -> Result<PortalSummary, AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    let conn = scoped.conn();
    let now = scoped.now();
    let mut facts = Vec::new();
    for status in ClinicStatus::ALL {
        let n = clinics::Entity::find()
            .filter(clinics::Column::Status.eq(status.as_str()))
            .count(conn)
            .await?;
        facts.push((format!("{} clinics", status.label()), n as i64));
    }
    facts.push((
        "Patients".into(),
        people_holding(
            scoped,
            sea_orm::Condition::all().add(memberships::Column::Role.eq(Role::Patient.as_str())),
        )
        .await?,
    ));
    facts.push((
        "Staff who see patients".into(),
        staff_seeing_patients(scoped).await?,
    ));
    let signed_in = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("auth.sign_in"))
        .filter(audit_events::Column::OccurredAt.gte(now - chrono::Duration::days(7)))
        .count(conn)
        .await?;
    facts.push(("Sign-ins (last 7 days)".into(), signed_in as i64));
    let active: Vec<i64> = clinics::Entity::find()
        .filter(clinics::Column::Status.eq(ClinicStatus::Active.as_str()))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    let (mut sent, mut failing) = (0, 0);
    for clinic in active {
        db_context::enter(conn, DbContext::ClinicTask(clinic)).await?;
        let week = week_figures(conn, clinic, now).await?;
        sent += week.0;
        failing += week.1;
    }
    db_context::enter(conn, DbContext::Actor(scoped.actor())).await?;
    facts.push(("Reminders sent (last 7 days)".into(), sent as i64));
    facts.push((
        "Reminders failing (planned in the last 7 days)".into(),
        failing as i64,
    ));
    Ok(PortalSummary {
        heading: "All clinics".into(),
        facts,
    })
}

/// Each active clinic's share of patients with an overdue preventive checkup, in whole
/// percent (of those with a compliance snapshot), by name; none for a clinic with no data.
pub async fn compliance_by_clinic(scoped: &Scoped) -> Result<Vec<(String, Option<u64>)>, AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    let mut shares = Vec::new();
    for clinic in clinics::Entity::find()
        .filter(clinics::Column::Status.eq(ClinicStatus::Active.as_str()))
        .order_by_asc(clinics::Column::Name)
        .all(scoped.conn())
        .await?
    {
        let share = overdue_share(scoped, clinic.id).await?;
        shares.push((clinic.name, share));
    }
    Ok(shares)
}
