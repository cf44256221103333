//! The platform's preventive-care protocol templates (protocols with no clinic): create, edit,
//! retire and bring back. A clinic copies the active templates when it is created
//! (`care::protocols::adopt_templates`) and then owns its copies. A new template is adopted at
//! once by every clinic that is not closed, each copy queued for re-application to that
//! clinic's patients as the clinic's own task. Editing or retiring a template changes only
//! the template, for the clinics that adopt it later: a clinic's copies, and its own edits to
//! them, are never overwritten. Every change is audited on the platform's chain.
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::error::AppError;
use crate::model::clinic::ClinicProtocol;
use crate::model::platform::{ClinicStatus, ProtocolTemplate, ProtocolTemplates};
use crate::server::audit::AuditEntry;
use crate::server::care::resync_job::{self, QueuedResync};
use crate::server::db_context::{self, Turn};
use crate::server::entities::{care_protocols, clinics};
use crate::server::permissions::Permission;
use crate::server::services::clinic::protocols::{changed, check, view, Checked, ProtocolForm};
use crate::server::tenancy::Scoped;

const NAME_TAKEN: &str = "A template of that name exists already.";

async fn templates(scoped: &Scoped) -> Result<Vec<care_protocols::Model>, AppError> {
    Ok(care_protocols::Entity::find()
        .filter(care_protocols::Column::ClinicId.is_null())
        .order_by_asc(care_protocols::Column::Name)
        .order_by_asc(care_protocols::Column::Id)
        .all(scoped.conn())
        .await?)
}

async fn find(scoped: &Scoped, id: i64) -> Result<care_protocols::Model, AppError> {
    care_protocols::Entity::find_by_id(id)
        .filter(care_protocols::Column::ClinicId.is_null())
        .one(scoped.conn())
        .await?
        .ok_or(AppError::NotFound)
}

/// How many clinics hold a copy of the template.
async fn clinics_using(scoped: &Scoped, key: Option<&str>) -> Result<u64, AppError> {
    let Some(key) = key else { return Ok(0) };
    Ok(care_protocols::Entity::find()
        .filter(care_protocols::Column::ClinicId.is_not_null())
        .filter(care_protocols::Column::TemplateKey.eq(key))
        .count(scoped.conn())
        .await?)
}

pub async fn list(scoped: &Scoped) -> Result<ProtocolTemplates, AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    let mut rows = Vec::new();
    for template in templates(scoped).await? {
        let clinics = clinics_using(scoped, template.template_key.as_deref()).await?;
        rows.push(ProtocolTemplate {
            protocol: view(template),
            clinics,
        });
    }
    Ok(ProtocolTemplates { templates: rows })
}

pub async fn template(scoped: &Scoped, id: i64) -> Result<ClinicProtocol, AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    Ok(view(find(scoped, id).await?))
}

fn apply(row: &mut care_protocols::ActiveModel, c: Checked) {
    row.name = Set(c.name);
    row.description = Set(c.description);
    row.min_age_years = Set(c.min_age_years);
    row.max_age_years = Set(c.max_age_years);
    row.sex = Set(c.sex);
    row.interval_months = Set(c.interval_months);
    row.due_soon_days = Set(c.due_soon_days);
}

/// Adds a template and has every clinic that is not closed adopt it; the re-applications to
/// start once the caller has committed.
pub async fn create(scoped: &Scoped, form: ProtocolForm) -> Result<Vec<QueuedResync>, AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    let others = templates(scoped).await?;
    let checked = check(&form, &others, None, NAME_TAKEN)?;
    let now = scoped.now();
    let mut row = care_protocols::ActiveModel {
        clinic_id: Set(None),
        template_key: Set(None),
        reminder_offsets_days: Set("14,0,-7".into()),
        completed_by: Set("visit".into()),
        active: Set(true),
        created_at: Set(now),
        ..Default::default()
    };
    apply(&mut row, checked);
    let inserted = row.insert(scoped.conn()).await?;
    // The key the clinics' copies are known by: the template's own id, never reused.
    let mut keyed = inserted.into_active_model();
    let id = *keyed.id.as_ref();
    keyed.template_key = Set(Some(format!("template-{id}")));
    let template = keyed.update(scoped.conn()).await?;
    scoped
        .audit(
            AuditEntry::by(scoped.actor(), "protocol_template.added")
                .resource(format!("template {id}: {}", template.name)),
        )
        .await?;
    adopt_everywhere(scoped, &template).await
}

/// Copies `template` into every clinic that is not closed and queues each copy's
/// re-application, as that clinic's own task; the scope is the super admin's again after.
async fn adopt_everywhere(
    scoped: &Scoped,
    template: &care_protocols::Model,
) -> Result<Vec<QueuedResync>, AppError> {
    let clinics: Vec<i64> = clinics::Entity::find()
        .select_only()
        .column(clinics::Column::Id)
        .filter(clinics::Column::Status.ne(ClinicStatus::Closed))
        .order_by_asc(clinics::Column::Id)
        .into_tuple()
        .all(scoped.conn())
        .await?;
    let now = scoped.now();
    // Owned, so the closure's futures borrow nothing from the caller (their `Send` otherwise
    // depends on lifetimes the server function cannot name).
    let template = template.clone();
    let adopt = async move |conn: &DatabaseTransaction, clinic: i64| {
        db_context::take_turn(conn, Turn::Protocols, clinic).await?;
        let copy = care_protocols::ActiveModel {
            clinic_id: Set(Some(clinic)),
            template_key: Set(template.template_key.clone()),
            name: Set(template.name.clone()),
            description: Set(template.description.clone()),
            min_age_years: Set(template.min_age_years),
            max_age_years: Set(template.max_age_years),
            sex: Set(template.sex.clone()),
            interval_months: Set(template.interval_months),
            due_soon_days: Set(template.due_soon_days),
            reminder_offsets_days: Set(template.reminder_offsets_days.clone()),
            completed_by: Set(template.completed_by.clone()),
            active: Set(true),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        let (job, patients) = resync_job::queue(conn, &copy, now).await?;
        Ok(QueuedResync {
            job,
            patients,
            clinic,
        })
    };
    let purpose = "adopt a protocol template";
    scoped.switch().in_clinics(purpose, &clinics, adopt).await
}

/// Changes a template, for the clinics that adopt it from now on; no clinic's copy changes.
pub async fn update(scoped: &Scoped, id: i64, form: ProtocolForm) -> Result<(), AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    let before = find(scoped, id).await?;
    let others = templates(scoped).await?;
    let checked = check(&form, &others, Some(id), NAME_TAKEN)?;
    let mut row = before.clone().into_active_model();
    apply(&mut row, checked);
    let after = row.update(scoped.conn()).await?;
    let diff = changed(&before, &after);
    if diff.is_empty() {
        return Ok(());
    }
    scoped
        .audit(
            AuditEntry::by(scoped.actor(), "protocol_template.changed")
                .resource(format!("template {id}: {diff}")),
        )
        .await
}

/// Retires a template (new clinics no longer adopt it) or brings it back. Clinics that hold a
/// copy keep it as it is.
pub(crate) async fn set_active(scoped: &Scoped, id: i64, active: bool) -> Result<(), AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    let before = find(scoped, id).await?;
    if before.active == active {
        return Ok(());
    }
    let mut row = before.into_active_model();
    row.active = Set(active);
    row.update(scoped.conn()).await?;
    let action = if active {
        "protocol_template.restored"
    } else {
        "protocol_template.retired"
    };
    scoped
        .audit(AuditEntry::by(scoped.actor(), action).resource(format!("template {id}")))
        .await
}
