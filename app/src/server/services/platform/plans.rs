//! The platform's plans: what each lets a clinic use (provider seats, patients, texts a month,
//! text reminders at all). Super admins list them with the clinics on each, add one, change a
//! plan's limits and features, and retire a plan or offer it again. A change that would leave
//! a clinic on the plan using more than it allows is refused, naming each such clinic and its
//! numbers. A retired plan is offered to no new clinic and no plan change; the clinics on it
//! keep it. Every change is audited.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};

use crate::error::{AppError, Validator};
use crate::model::platform::{thousands, PlanList, PlanRow, PlanSummary};
use crate::server::audit::AuditEntry;
use crate::server::dates::parse_time_zone;
use crate::server::db_context::{self, Turn};
use crate::server::entities::{clinics, plans};
use crate::server::permissions::Permission;
use crate::server::plan_limits::{enrolled_patients, texts_this_month};
use crate::server::services::clinic::provider_seats;
use crate::server::tenancy::Scoped;

const MAX_NAME: usize = 60;
const MAX_SEATS: i32 = 10_000;
/// The columns are 32-bit; these leave room and are far beyond any clinic.
const MAX_PATIENTS: i32 = 10_000_000;
const MAX_TEXTS: i32 = 10_000_000;

/// Every plan, smallest first, retired ones too.
pub(crate) async fn all_plans<C: ConnectionTrait>(conn: &C) -> Result<Vec<PlanSummary>, AppError> {
    Ok(plans::Entity::find()
        .order_by_asc(plans::Column::ProviderSeats)
        .order_by_asc(plans::Column::Code)
        .all(conn)
        .await?
        .into_iter()
        .map(summary)
        .collect())
}

fn summary(plan: plans::Model) -> PlanSummary {
    let count = |n: i32| u64::try_from(n).unwrap_or(0);
    PlanSummary {
        code: plan.code,
        name: plan.name,
        provider_seats: count(plan.provider_seats),
        patient_limit: count(plan.patient_limit),
        sms_per_month: count(plan.sms_per_month),
        sms_reminders: plan.sms_reminders,
        retired: plan.retired_at.is_some(),
    }
}

/// A plan a clinic may be put on now: one that exists and is not retired.
pub(crate) async fn offered<C: ConnectionTrait>(
    conn: &C,
    code: &str,
) -> Result<Result<plans::Model, &'static str>, AppError> {
    Ok(
        match plans::Entity::find_by_id(code.trim().to_owned())
            .one(conn)
            .await?
        {
            None => Err("Choose a plan from the list."),
            Some(plan) if plan.retired_at.is_some() => {
                Err("That plan is retired. Choose one that is offered.")
            }
            Some(plan) => Ok(plan),
        },
    )
}

/// What `clinic` uses beyond `plan`'s limits, one phrase per limit ("6 provider seats are taken
/// and Starter has 3"); empty when it fits. The caller has taken the clinic's staff and
/// enrolment turns, so nothing is added while this is counted.
pub(crate) async fn use_beyond<C: ConnectionTrait>(
    conn: &C,
    clinic: &clinics::Model,
    plan: &plans::Model,
    now: DateTime<Utc>,
) -> Result<Vec<String>, AppError> {
    let seats = provider_seats(conn, clinic.id, now).await?;
    let patients = enrolled_patients(conn, clinic.id).await?;
    let zone = parse_time_zone(&clinic.time_zone).unwrap_or(chrono_tz::UTC);
    let texts = texts_this_month(conn, clinic.id, now, zone).await?;
    let allowed = |n: i32| u64::try_from(n).unwrap_or(0);
    let mut over = Vec::new();
    if seats.taken() > allowed(plan.provider_seats) {
        over.push(format!(
            "{} provider seats are taken and {} has {}",
            seats.taken(),
            plan.name,
            plan.provider_seats
        ));
    }
    if patients > allowed(plan.patient_limit) {
        over.push(format!(
            "{} patients are enrolled and {} allows {}",
            thousands(patients),
            plan.name,
            thousands(allowed(plan.patient_limit))
        ));
    }
    if texts > allowed(plan.sms_per_month) {
        over.push(format!(
            "{} texts were sent this month and {} allows {}",
            thousands(texts),
            plan.name,
            thousands(allowed(plan.sms_per_month))
        ));
    }
    Ok(over)
}

/// Plan changes and clinics moving between plans take turns across the platform, so that a
/// clinic is never moved onto a plan while its limits are being lowered.
pub(crate) async fn take_plans_turn<C: ConnectionTrait>(conn: &C) -> Result<(), AppError> {
    db_context::take_turn(conn, Turn::Plans, 0).await
}

pub async fn list(scoped: &Scoped) -> Result<PlanList, AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    let conn = scoped.conn();
    let mut rows = Vec::new();
    for plan in all_plans(conn).await? {
        let clinics = clinics::Entity::find()
            .filter(clinics::Column::Plan.eq(plan.code.clone()))
            .count(conn)
            .await?;
        rows.push(PlanRow { plan, clinics });
    }
    Ok(PlanList { plans: rows })
}

/// The plan form, as typed. `code` is read only when a plan is added: a plan's code is how
/// clinics name it, and never changes.
#[derive(Debug, Default, Clone)]
pub struct PlanForm {
    pub code: String,
    pub name: String,
    pub provider_seats: String,
    pub patient_limit: String,
    pub sms_per_month: String,
    pub sms_reminders: bool,
}

/// The limits as checked. Without text reminders a plan allows no texts.
struct Limits {
    name: String,
    provider_seats: i32,
    patient_limit: i32,
    sms_per_month: i32,
    sms_reminders: bool,
}

fn whole_number(v: &mut Validator, typed: &str, field: &str, least: i32, most: i32) -> i32 {
    match typed.trim().replace(',', "").parse::<i32>() {
        Ok(n) if (least..=most).contains(&n) => n,
        _ => {
            v.add(
                field,
                format!(
                    "Enter a whole number from {} to {}.",
                    thousands(least as u64),
                    thousands(most as u64)
                ),
            );
            0
        }
    }
}

fn limits(form: &PlanForm, v: &mut Validator) -> Limits {
    let name = form.name.trim().to_owned();
    v.check(!name.is_empty(), "name", "Enter the plan's name.");
    v.check(
        name.chars().count() <= MAX_NAME && !name.chars().any(char::is_control),
        "name",
        format!("Use at most {MAX_NAME} characters, on one line."),
    );
    let provider_seats = whole_number(v, &form.provider_seats, "provider_seats", 1, MAX_SEATS);
    let patient_limit = whole_number(v, &form.patient_limit, "patient_limit", 1, MAX_PATIENTS);
    let sms_per_month = if form.sms_reminders {
        whole_number(v, &form.sms_per_month, "sms_per_month", 1, MAX_TEXTS)
    } else {
        0
    };
    Limits {
        name,
        provider_seats,
        patient_limit,
        sms_per_month,
        sms_reminders: form.sms_reminders,
    }
}

/// A plan code: 2 to 30 small letters, digits and hyphens, like `standard`.
fn code_problem(code: &str) -> Option<&'static str> {
    let fits = (2..=30).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    (!fits).then_some("Use 2 to 30 small letters, digits or hyphens, like clinic-plus.")
}

/// Another plan with the same name, which the plan lists could not tell apart.
async fn name_taken<C: ConnectionTrait>(
    conn: &C,
    name: &str,
    other_than: &str,
) -> Result<bool, AppError> {
    Ok(plans::Entity::find()
        .filter(plans::Column::Name.eq(name))
        .filter(plans::Column::Code.ne(other_than))
        .count(conn)
        .await?
        > 0)
}

fn described(l: &Limits) -> String {
    let texts = if l.sms_reminders {
        format!("{} texts a month", l.sms_per_month)
    } else {
        "no text reminders".to_owned()
    };
    format!(
        "{:?}: {} provider seats, {} patients, {texts}",
        l.name, l.provider_seats, l.patient_limit
    )
}

/// Adds a plan, offered from now. Returns its code.
pub async fn create(scoped: &Scoped, form: PlanForm) -> Result<String, AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    let conn = scoped.conn();
    let code = form.code.trim().to_lowercase();
    let mut v = Validator::new();
    if let Some(problem) = code_problem(&code) {
        v.add("code", problem);
    }
    let limits = limits(&form, &mut v);
    v.finish()?;
    take_plans_turn(conn).await?;
    if plans::Entity::find_by_id(code.clone())
        .one(conn)
        .await?
        .is_some()
    {
        return Err(AppError::field(
            "code",
            "Another plan has that code. Choose another.",
        ));
    }
    if name_taken(conn, &limits.name, &code).await? {
        return Err(AppError::field("name", "Another plan has that name."));
    }
    plans::Entity::insert(plans::ActiveModel {
        code: Set(code.clone()),
        name: Set(limits.name.clone()),
        provider_seats: Set(limits.provider_seats),
        patient_limit: Set(limits.patient_limit),
        sms_per_month: Set(limits.sms_per_month),
        sms_reminders: Set(limits.sms_reminders),
        created_at: Set(scoped.now()),
        retired_at: Set(None),
    })
    .exec_without_returning(conn)
    .await?;
    scoped
        .audit(
            AuditEntry::by(scoped.actor(), "plan.create")
                .resource(format!("plan:{code} {}", described(&limits))),
        )
        .await?;
    Ok(code)
}

async fn find<C: ConnectionTrait>(conn: &C, code: &str) -> Result<plans::Model, AppError> {
    plans::Entity::find_by_id(code.trim().to_owned())
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// Changes a plan's name, limits and features. Refused, with each clinic on the plan that
/// uses more than the new limits and by how much, when there is one; the clinics' staff and
/// enrolments wait for the change, so none is added past the new limits meanwhile.
pub async fn edit(scoped: &Scoped, code: &str, form: PlanForm) -> Result<(), AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    let conn = scoped.conn();
    let mut v = Validator::new();
    let limits = limits(&form, &mut v);
    v.finish()?;
    take_plans_turn(conn).await?;
    let old = find(conn, code).await?;
    if name_taken(conn, &limits.name, &old.code).await? {
        return Err(AppError::field("name", "Another plan has that name."));
    }
    let new = plans::Model {
        name: limits.name.clone(),
        provider_seats: limits.provider_seats,
        patient_limit: limits.patient_limit,
        sms_per_month: limits.sms_per_month,
        sms_reminders: limits.sms_reminders,
        ..old.clone()
    };
    if new == old {
        return Err(AppError::Conflict("Nothing was changed.".into()));
    }
    let on_plan = clinics::Entity::find()
        .filter(clinics::Column::Plan.eq(old.code.clone()))
        .order_by_asc(clinics::Column::Name)
        .all(conn)
        .await?;
    let mut over = Vec::new();
    for clinic in &on_plan {
        db_context::take_turn(conn, Turn::Staff, clinic.id).await?;
        db_context::take_turn(conn, Turn::Enrolment, clinic.id).await?;
        let beyond = use_beyond(conn, clinic, &new, scoped.now()).await?;
        if !beyond.is_empty() {
            over.push(format!("{}: {}", clinic.name, beyond.join("; ")));
        }
    }
    if !over.is_empty() {
        return Err(AppError::Conflict(format!(
            "{} on {} would use more than the new limits allow. {}. Move {} to another plan \
             first, or choose higher limits.",
            clinics_phrase(over.len()),
            old.name,
            over.join(". "),
            if over.len() == 1 { "it" } else { "them" },
        )));
    }
    plans::Entity::update_many()
        .col_expr(plans::Column::Name, Expr::value(new.name.clone()))
        .col_expr(
            plans::Column::ProviderSeats,
            Expr::value(new.provider_seats),
        )
        .col_expr(plans::Column::PatientLimit, Expr::value(new.patient_limit))
        .col_expr(plans::Column::SmsPerMonth, Expr::value(new.sms_per_month))
        .col_expr(plans::Column::SmsReminders, Expr::value(new.sms_reminders))
        .filter(plans::Column::Code.eq(old.code.clone()))
        .exec(conn)
        .await?;
    let before = Limits {
        name: old.name,
        provider_seats: old.provider_seats,
        patient_limit: old.patient_limit,
        sms_per_month: old.sms_per_month,
        sms_reminders: old.sms_reminders,
    };
    scoped
        .audit(
            AuditEntry::by(scoped.actor(), "plan.change").resource(format!(
                "plan:{} {} -> {}",
                old.code,
                described(&before),
                described(&limits)
            )),
        )
        .await
}

fn clinics_phrase(n: usize) -> String {
    match n {
        1 => "1 clinic".to_owned(),
        n => format!("{n} clinics"),
    }
}

/// Stops offering a plan. The clinics on it keep it; at least one plan stays offered, or no
/// clinic could be added.
pub async fn retire(scoped: &Scoped, code: &str) -> Result<(), AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    let conn = scoped.conn();
    take_plans_turn(conn).await?;
    let plan = find(conn, code).await?;
    if plan.retired_at.is_some() {
        return Err(AppError::Conflict(format!(
            "{} is retired already.",
            plan.name
        )));
    }
    let others_offered = plans::Entity::find()
        .filter(plans::Column::RetiredAt.is_null())
        .filter(plans::Column::Code.ne(plan.code.clone()))
        .count(conn)
        .await?;
    if others_offered == 0 {
        return Err(AppError::Conflict(format!(
            "{} is the only plan offered. Add or offer another plan before retiring it.",
            plan.name
        )));
    }
    set_retired(scoped, &plan, Some(scoped.now()), "plan.retire").await
}

/// Offers a retired plan again.
pub(crate) async fn offer_again(scoped: &Scoped, code: &str) -> Result<(), AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    let conn = scoped.conn();
    take_plans_turn(conn).await?;
    let plan = find(conn, code).await?;
    if plan.retired_at.is_none() {
        return Err(AppError::Conflict(format!(
            "{} is offered already.",
            plan.name
        )));
    }
    set_retired(scoped, &plan, None, "plan.offer").await
}

async fn set_retired(
    scoped: &Scoped,
    plan: &plans::Model,
    at: Option<DateTime<Utc>>,
    action: &'static str,
) -> Result<(), AppError> {
    plans::Entity::update_many()
        .col_expr(plans::Column::RetiredAt, Expr::value(at))
        .filter(plans::Column::Code.eq(plan.code.clone()))
        .exec(scoped.conn())
        .await?;
    scoped
        .audit(AuditEntry::by(scoped.actor(), action).resource(format!("plan:{}", plan.code)))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_small_letters_digits_and_hyphens() {
        assert!(code_problem("clinic-plus").is_none());
        assert!(code_problem("network2").is_none());
        assert!(code_problem("Standard").is_some());
        assert!(code_problem("x").is_some());
        assert!(code_problem("with space").is_some());
    }

    #[test]
    fn a_plan_without_text_reminders_allows_no_texts() {
        let form = PlanForm {
            name: "Lite".into(),
            provider_seats: "2".into(),
            patient_limit: "1,000".into(),
            sms_per_month: "500".into(),
            sms_reminders: false,
            ..Default::default()
        };
        let mut v = Validator::new();
        let l = limits(&form, &mut v);
        assert!(v.finish().is_ok());
        assert_eq!((l.patient_limit, l.sms_per_month), (1000, 0));
    }

    #[test]
    fn limits_out_of_range_are_named() {
        let form = PlanForm {
            name: String::new(),
            provider_seats: "0".into(),
            patient_limit: "-3".into(),
            sms_per_month: "lots".into(),
            sms_reminders: true,
            ..Default::default()
        };
        let mut v = Validator::new();
        limits(&form, &mut v);
        let Err(AppError::Validation(fields)) = v.finish() else {
            panic!("refused");
        };
        for field in ["name", "provider_seats", "patient_limit", "sms_per_month"] {
            assert!(fields.contains_key(field), "{field}");
        }
    }
}
