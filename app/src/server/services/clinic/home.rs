//! The clinic admin portal's landing page: the clinic's counts, and its patients per compliance
//! label.
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::error::AppError;
use crate::model::{ComplianceLabel, PortalSummary, Role};
use crate::server::entities::{clinics, invitations, memberships, patient_compliance};
use crate::server::permissions::Permission;
use crate::server::services::clinic::provider_seats;
use crate::server::services::clinic::reminders::week_figures;
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
        .filter(memberships::Column::Role.eq(role))
        .filter(memberships::Column::DeactivatedAt.is_null())
        .count(scoped.conn())
        .await? as i64)
}

pub async fn summary(scoped: &Scoped) -> Result<PortalSummary, AppError> {
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
                provider_seats(scoped.conn(), clinic, scoped.now())
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
                    .filter(invitations::Column::Role.ne(Role::Patient))
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
        .filter(memberships::Column::Role.eq(Role::Patient))
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
