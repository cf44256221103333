//! A patient's rights over their data: who viewed their record, and a full export as FHIR R4.

use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{json, Value};

use crate::error::AppError;
use crate::model::patient::{RecordAccess, RecordAccessPage, SentReminder};
use crate::model::reminders::{Channel, StatusFilter};
use crate::model::{GoalKind, Role};
use crate::server::audit::AuditEntry;
use crate::server::dates;
use crate::server::entities::{
    audit_events, clinics, goal_logs, goals, patient_allergies, patient_medications,
    patient_profiles, reminders, users,
};
use crate::server::services::paging;
use crate::server::tenancy::{PatientId, Scoped};

pub(crate) const PER_PAGE: u64 = 20;
/// How many of their reminders a patient's data page lists, newest first.
pub(crate) const REMINDERS_SHOWN: u64 = 20;

/// The reminders sent (or to be sent) to the patient by any of their clinics, newest first.
pub(crate) async fn reminders_sent(
    scoped: &Scoped,
    patient: PatientId,
) -> Result<Vec<SentReminder>, AppError> {
    use sea_orm::QuerySelect;
    let conn = scoped.conn();
    let tz = time_zone_of(scoped, patient).await?;
    let rows = reminders::Entity::find()
        .filter(reminders::Column::PatientId.eq(patient.get()))
        .order_by_desc(reminders::Column::CreatedAt)
        .order_by_desc(reminders::Column::Id)
        .limit(REMINDERS_SHOWN)
        .all(conn)
        .await?;
    let clinic_ids: Vec<i64> = rows.iter().map(|r| r.clinic_id).collect();
    let names: std::collections::HashMap<i64, String> = clinics::Entity::find()
        .filter(clinics::Column::Id.is_in(clinic_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let when = |at: chrono::DateTime<chrono::Utc>| {
        at.with_timezone(&tz).format("%-d %b %Y, %H:%M").to_string()
    };
    Ok(rows
        .into_iter()
        .map(|r| SentReminder {
            clinic: names.get(&r.clinic_id).cloned().unwrap_or_default(),
            channel: match r.channel {
                Channel::Sms => "Text message",
                Channel::Email => "Email",
            }
            .to_owned(),
            status: match StatusFilter::of(r.status, r.attempts) {
                StatusFilter::Sent => "Sent",
                StatusFilter::Pending | StatusFilter::Sending => "Waiting",
                StatusFilter::Retrying => "Retrying",
                StatusFilter::Dead => "Failed",
                StatusFilter::Cancelled => "Cancelled",
            }
            .to_owned(),
            when: when(r.sent_at.unwrap_or(r.created_at)),
        })
        .collect())
}

/// The patient's own time zone, in which their data page shows times.
async fn time_zone_of(scoped: &Scoped, patient: PatientId) -> Result<chrono_tz::Tz, AppError> {
    Ok(patient_profiles::Entity::find()
        .filter(patient_profiles::Column::UserId.eq(patient.get()))
        .one(scoped.conn())
        .await?
        .and_then(|p| dates::parse_time_zone(&p.time_zone))
        .unwrap_or(chrono_tz::Tz::UTC))
}

/// How an audit action reads to the patient.
fn describe(action: &str) -> String {
    match action {
        "patient.summary.view" => "Viewed your record".into(),
        "care_item.complete" => "Recorded a completed check-up".into(),
        "goal_log.create" => "Logged a goal value for you".into(),
        "patient.list.appeared" => "Saw you in their patient list".into(),
        "patient.access_refused" => "Was refused access to your record".into(),
        other => format!("Accessed your record ({other})"),
    }
}

/// Audit events about the patient by anyone but the patient, newest first.
pub async fn record_accesses(
    scoped: &Scoped,
    patient: PatientId,
    page: Option<&str>,
) -> Result<RecordAccessPage, AppError> {
    let page = paging::parse_page(page)?;
    let conn = scoped.conn();
    let tz = time_zone_of(scoped, patient).await?;
    let by_others = audit_events::Entity::find()
        .filter(audit_events::Column::PatientId.eq(patient.get()))
        .filter(
            Condition::any()
                .add(audit_events::Column::ActorUserId.ne(patient.get()))
                .add(audit_events::Column::ActorUserId.is_null()),
        );
    let total = by_others.clone().count(conn).await?;
    let events = by_others
        .order_by_desc(audit_events::Column::Id)
        .paginate(conn, PER_PAGE)
        .fetch_page(page - 1)
        .await?;
    let actor_ids: Vec<i64> = events.iter().filter_map(|e| e.actor_user_id).collect();
    let clinic_ids: Vec<i64> = events.iter().filter_map(|e| e.clinic_id).collect();
    let actors = users::Entity::find()
        .filter(users::Column::Id.is_in(actor_ids))
        .all(conn)
        .await?;
    let clinic_names = clinics::Entity::find()
        .filter(clinics::Column::Id.is_in(clinic_ids))
        .all(conn)
        .await?;
    let rows = events
        .into_iter()
        .map(|e| RecordAccess {
            who: e
                .actor_user_id
                .and_then(|id| actors.iter().find(|a| a.id == id))
                .map_or_else(|| "Salus".to_owned(), |a| a.display_name.clone()),
            role: e
                .actor_role
                .as_deref()
                .and_then(Role::parse)
                .map_or("System", |r| r.label())
                .to_owned(),
            clinic: e
                .clinic_id
                .and_then(|id| clinic_names.iter().find(|c| c.id == id))
                .map(|c| c.name.clone()),
            what: describe(&e.action),
            when: e
                .occurred_at
                .with_timezone(&tz)
                .format("%-d %b %Y, %H:%M")
                .to_string(),
        })
        .collect();
    Ok(RecordAccessPage {
        rows,
        total,
        page,
        per_page: PER_PAGE,
    })
}

/// The coding of a goal's observations. Water intake has no consumer LOINC code, so it (and
/// active minutes) use Salus's own code system (`docs/domain.md`).
fn observation_code(kind: GoalKind) -> Value {
    const LOCAL: &str = "https://salus.example/fhir/CodeSystem/wellness";
    let (system, code, display) = match kind {
        GoalKind::Steps => (
            "http://loinc.org",
            "41950-7",
            "Number of steps in 24 hour Measured",
        ),
        GoalKind::Sleep => ("http://loinc.org", "93832-4", "Sleep duration"),
        GoalKind::ActiveMinutes => (LOCAL, "active-minutes", "Active minutes in 24 hours"),
        GoalKind::Water => (LOCAL, "water-intake", "Water intake in 24 hours (glasses)"),
    };
    json!({ "coding": [{ "system": system, "code": code, "display": display }], "text": kind.label() })
}

/// UCUM units for each goal kind.
fn unit(kind: GoalKind) -> (&'static str, &'static str) {
    match kind {
        GoalKind::Steps => ("steps/day", "/d"),
        GoalKind::ActiveMinutes | GoalKind::Sleep => ("min", "min"),
        GoalKind::Water => ("glasses", "{glass}"),
    }
}

fn uuid(kind: u8, id: i64) -> String {
    // Stable within the export and unique per resource: the resource type and database id.
    format!("urn:uuid:5a1a5000-0000-4000-8{kind:03x}-{id:012x}")
}

/// The patient's whole record as a FHIR R4 Bundle (type collection); references resolve
/// inside the bundle through `urn:uuid` full URLs.
pub async fn export(scoped: &Scoped, patient: PatientId) -> Result<Value, AppError> {
    let now = scoped.now();
    let conn = scoped.conn();
    let user = users::Entity::find_by_id(patient.get())
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let profile = patient_profiles::Entity::find()
        .filter(patient_profiles::Column::UserId.eq(patient.get()))
        .one(conn)
        .await?;
    let patient_ref = uuid(1, patient.get());
    let mut entries = Vec::new();

    let mut patient_resource = json!({
        "resourceType": "Patient",
        "id": patient.get().to_string(),
        "name": [{ "text": user.display_name }],
        "telecom": [{ "system": "email", "value": user.email }],
    });
    if let Some(p) = &profile {
        if let Some(dob) = p.date_of_birth {
            patient_resource["birthDate"] = json!(dob.to_string());
        }
        if let Some(sex) = &p.sex {
            patient_resource["gender"] = json!(sex.as_str());
        }
        if let Some(phone) = &p.phone {
            patient_resource["telecom"]
                .as_array_mut()
                .expect("array")
                .push(json!({ "system": "phone", "value": phone }));
        }
        patient_resource["communication"] = json!([{ "language": { "coding": [{ "system": "urn:ietf:bcp:47", "code": p.preferred_language }] } }]);
    }
    entries.push(json!({ "fullUrl": patient_ref, "resource": patient_resource }));

    for a in patient_allergies::Entity::find()
        .filter(patient_allergies::Column::PatientId.eq(patient.get()))
        .all(conn)
        .await?
    {
        let criticality = if a.severity == "severe" {
            "high"
        } else {
            "low"
        };
        entries.push(json!({
            "fullUrl": uuid(2, a.id),
            "resource": {
                "resourceType": "AllergyIntolerance",
                "id": a.id.to_string(),
                "patient": { "reference": patient_ref },
                "code": { "text": a.substance },
                "criticality": criticality,
                "reaction": [{ "manifestation": [{ "concept": { "text": a.reaction } }], "description": a.reaction, "severity": a.severity }],
            }
        }));
    }
    for m in patient_medications::Entity::find()
        .filter(patient_medications::Column::PatientId.eq(patient.get()))
        .all(conn)
        .await?
    {
        entries.push(json!({
            "fullUrl": uuid(3, m.id),
            "resource": {
                "resourceType": "MedicationStatement",
                "id": m.id.to_string(),
                "status": "active",
                "subject": { "reference": patient_ref },
                "medicationCodeableConcept": { "text": m.name },
                "dosage": [{ "text": format!("{} {}", m.dose, m.frequency) }],
            }
        }));
    }
    let patient_goals = goals::Entity::find()
        .filter(goals::Column::PatientId.eq(patient.get()))
        .all(conn)
        .await?;
    for g in &patient_goals {
        let kind = g.kind;
        let (unit_text, ucum) = unit(kind);
        entries.push(json!({
            "fullUrl": uuid(4, g.id),
            "resource": {
                "resourceType": "Goal",
                "id": g.id.to_string(),
                "lifecycleStatus": if g.active { "active" } else { "cancelled" },
                "description": { "text": format!("{}: {} {} a day", kind.label(), g.target, kind.unit()) },
                "subject": { "reference": patient_ref },
                "startDate": g.start_date.to_string(),
                "target": [{
                    "measure": observation_code(kind),
                    "detailQuantity": { "value": g.target, "unit": unit_text, "system": "http://unitsofmeasure.org", "code": ucum },
                }],
            }
        }));
    }
    for l in goal_logs::Entity::find()
        .filter(goal_logs::Column::PatientId.eq(patient.get()))
        .order_by_asc(goal_logs::Column::LogDate)
        .all(conn)
        .await?
    {
        let kind = l.kind;
        let (unit_text, ucum) = unit(kind);
        entries.push(json!({
            "fullUrl": uuid(5, l.id),
            "resource": {
                "resourceType": "Observation",
                "id": l.id.to_string(),
                "status": "final",
                "category": [{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "activity", "display": "Activity" }] }],
                "code": observation_code(kind),
                "subject": { "reference": patient_ref },
                "effectiveDateTime": l.log_date.to_string(),
                "valueQuantity": { "value": l.value, "unit": unit_text, "system": "http://unitsofmeasure.org", "code": ucum },
                "method": { "text": if l.source == "manual" { "Entered by the patient" } else { "Imported from a device" } },
            }
        }));
    }
    scoped
        .audit(AuditEntry::by(scoped.actor(), "patient.export").patient(patient.get()))
        .await?;
    Ok(json!({
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": now.to_rfc3339(),
        "entry": entries,
    }))
}
