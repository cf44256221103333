//! The platform portal's landing page: clinics by status, people, sign-ins and reminders of the
//! week, and each clinic's share of overdue patients.
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::error::AppError;
use crate::model::platform::ClinicStatus;
use crate::model::{PortalSummary, Role};
use crate::server::entities::{audit_events, clinic_roles, clinics, memberships};
use crate::server::permissions::{Permission, PermissionSet};
use crate::server::services::clinic::reminders::week_figures;
use crate::server::services::clinic::roles;
use crate::server::services::platform::clinics::overdue_shares;
use crate::server::tenancy::Scoped;

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
pub async fn summary(scoped: &Scoped) -> Result<PortalSummary, AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    let conn = scoped.conn();
    let now = scoped.now();
    let mut facts = Vec::new();
    for status in ClinicStatus::ALL {
        let n = clinics::Entity::find()
            .filter(clinics::Column::Status.eq(status))
            .count(conn)
            .await?;
        facts.push((format!("{} clinics", status.label()), n as i64));
    }
    facts.push((
        "Patients".into(),
        people_holding(
            scoped,
            sea_orm::Condition::all().add(memberships::Column::Role.eq(Role::Patient)),
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
        .select_only()
        .column(clinics::Column::Id)
        .filter(clinics::Column::Status.eq(ClinicStatus::Active))
        .into_tuple()
        .all(conn)
        .await?;
    let count =
        async move |conn: &DatabaseTransaction, clinic| week_figures(conn, clinic, now).await;
    let weeks = scoped
        .switch()
        .counting_in_clinics("reminders of the week", &active, count)
        .await?;
    let (sent, failing) = weeks.iter().fold((0, 0), |(s, f), w| (s + w.0, f + w.1));
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
    let active: Vec<(i64, String)> = clinics::Entity::find()
        .select_only()
        .column(clinics::Column::Id)
        .column(clinics::Column::Name)
        .filter(clinics::Column::Status.eq(ClinicStatus::Active))
        .order_by_asc(clinics::Column::Name)
        .into_tuple()
        .all(scoped.conn())
        .await?;
    let ids: Vec<i64> = active.iter().map(|(id, _)| *id).collect();
    let shares = overdue_shares(scoped, &ids).await?;
    Ok(active
        .into_iter()
        .map(|(_, name)| name)
        .zip(shares)
        .collect())
}
