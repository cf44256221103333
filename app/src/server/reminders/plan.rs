//! Planning: which reminders are owed now, written to the outbox once each. Goal nudges are
//! planned beside them: one on a day the patient has logged nothing by their chosen time (one
//! per patient, day and channel, whichever of their clinics plans it first).
//!
//! A care item is owed a reminder on each channel when it becomes due soon (no earlier than the
//! clinic's lead time before its due date), when it becomes due, and when it becomes overdue:
//! one outbox row per (item, status, due date, channel), its key unique, so that planning any
//! number of times in any number of processes plans it once. A row waits out the clinic's and
//! the patient's quiet hours in the patient's own time zone.
//!
//! Who is owed one: a patient enrolled and not discharged in an active clinic whose reminder
//! settings send that channel, who chose it on their profile, and whose address is confirmed
//! (email) or whose mobile number is in E.164 form (texts, and only when an SMS gateway is
//! configured). Patients are read in the care re-application's batches (`next_patients`). The
//! same holds again when the row is sent (`deliver`), so a change meanwhile cancels it.
use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::quiet_hours::{next_allowed, QuietHours};
use super::settings::reminders_of;
use super::{care_key, goal_key, CareReminder};
use crate::error::AppError;
use crate::model::clinic::ReminderSettings;
use crate::model::platform::ClinicStatus;
use crate::model::reminders::{Channel, DeliveryStatus, ReminderKind};
use crate::model::Role;
use crate::server::care::reapply::next_patients;
use crate::server::dates::{local_today, parse_time_zone};
use crate::server::db_context::{self, DbContext, Turn};
use crate::server::entities::{
    care_items, clinics, goal_logs, memberships, patient_profiles, reminders, users,
};
use crate::server::plan_limits::plan_of;
use crate::server::sms::e164;

/// Outbox rows per INSERT (13 columns each, well inside SQLite's bound values).
const ROWS_PER_INSERT: usize = 500;

/// The clinics reminders may go out for now: active ones.
pub async fn active_clinics(db: &DatabaseConnection) -> Result<Vec<i64>, AppError> {
    let txn = db_context::begin(db, DbContext::Worker).await?;
    let ids = clinics::Entity::find()
        .select_only()
        .column(clinics::Column::Id)
        .filter(clinics::Column::Status.eq(ClinicStatus::Active))
        .order_by_asc(clinics::Column::Id)
        .into_tuple::<i64>()
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(ids)
}

/// What a patient's own settings say about reminders, and where they go.
#[derive(Debug, Clone)]
pub(crate) struct Recipient {
    pub time_zone: chrono_tz::Tz,
    pub quiet: Option<QuietHours>,
    /// The confirmed address, when they take email reminders.
    pub email: Option<String>,
    /// The mobile number (E.164), when they take text reminders.
    pub phone: Option<String>,
    /// When they want a goal nudge on a day with nothing logged, if they do.
    pub nudge_at: Option<NaiveTime>,
}

impl Recipient {
    /// Where a reminder on `channel` goes, if they take that channel.
    pub fn address(&self, channel: Channel) -> Option<&str> {
        match channel {
            Channel::Email => self.email.as_deref(),
            Channel::Sms => self.phone.as_deref(),
        }
    }
}

/// The channels a clinic's reminders go on: those its settings send, texts only when there is
/// an SMS gateway to send them through and the clinic's plan includes them (`texts`).
pub(crate) fn channels(settings: &ReminderSettings, texts: bool) -> Vec<Channel> {
    let mut on = Vec::new();
    if settings.email_enabled {
        on.push(Channel::Email);
    }
    if settings.sms_enabled && texts {
        on.push(Channel::Sms);
    }
    on
}

/// New outbox rows, per channel.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Planned {
    pub email: u64,
    pub sms: u64,
}

impl Planned {
    pub fn total(self) -> u64 {
        self.email + self.sms
    }

    fn add(&mut self, channel: Channel, n: u64) {
        match channel {
            Channel::Sms => self.sms += n,
            Channel::Email => self.email += n,
        }
    }
}

/// The recipients among `patients`: enrolled in `clinic` and not discharged, with a profile.
pub(crate) async fn recipients<C: ConnectionTrait>(
    conn: &C,
    clinic: i64,
    patients: &[i64],
) -> Result<HashMap<i64, Recipient>, AppError> {
    let enrolled: Vec<i64> = memberships::Entity::find()
        .select_only()
        .column(memberships::Column::UserId)
        .filter(memberships::Column::ClinicId.eq(clinic))
        .filter(memberships::Column::Role.eq(Role::Patient))
        .filter(memberships::Column::DeactivatedAt.is_null())
        .filter(memberships::Column::UserId.is_in(patients.to_vec()))
        .into_tuple()
        .all(conn)
        .await?;
    // Whose account is active, and their address if it is confirmed.
    let accounts: HashMap<i64, Option<String>> = users::Entity::find()
        .filter(users::Column::Id.is_in(enrolled.clone()))
        .filter(users::Column::IsActive.eq(true))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.email_verified_at.is_some().then_some(u.email)))
        .collect();
    Ok(patient_profiles::Entity::find()
        .filter(patient_profiles::Column::UserId.is_in(enrolled))
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|p| {
            let email = accounts.get(&p.user_id)?.clone();
            let recipient = Recipient {
                time_zone: parse_time_zone(&p.time_zone).unwrap_or(chrono_tz::UTC),
                quiet: QuietHours::parse(&p.quiet_hours_start, &p.quiet_hours_end),
                email: email.filter(|_| p.email_reminders),
                phone: p
                    .phone
                    .as_deref()
                    .and_then(e164)
                    .filter(|_| p.sms_reminders),
                nudge_at: NaiveTime::parse_from_str(&p.goal_nudge_at, "%H:%M")
                    .ok()
                    .filter(|_| p.goal_nudges),
            };
            Some((p.user_id, recipient))
        })
        .collect())
}

/// The reminder a care item is owed today, if any.
pub(crate) fn owed(
    item: &care_items::Model,
    settings: &ReminderSettings,
    today: chrono::NaiveDate,
) -> Option<CareReminder> {
    let reminder = CareReminder::of_status(item.status)?;
    if reminder == CareReminder::DueSoon
        && today < item.due_on - Duration::days(i64::from(settings.due_soon_days))
    {
        return None;
    }
    Some(reminder)
}

/// The local day a goal nudge to `recipient` is owed for at `now`: their nudge time has come
/// today and `logged` (the days they logged anything) does not hold today.
pub(crate) fn nudge_owed(
    recipient: &Recipient,
    now: DateTime<Utc>,
    logged: &[NaiveDate],
) -> Option<NaiveDate> {
    let at = recipient.nudge_at?;
    let local = now.with_timezone(&recipient.time_zone);
    let today = local.date_naive();
    (local.time() >= at && !logged.contains(&today)).then_some(today)
}

/// The days each of `patients` logged a goal on, from `since` on.
pub(crate) async fn days_logged<C: ConnectionTrait>(
    conn: &C,
    patients: &[i64],
    since: NaiveDate,
) -> Result<HashMap<i64, Vec<NaiveDate>>, AppError> {
    let rows: Vec<(i64, NaiveDate)> = goal_logs::Entity::find()
        .select_only()
        .column(goal_logs::Column::PatientId)
        .column(goal_logs::Column::LogDate)
        .filter(goal_logs::Column::PatientId.is_in(patients.to_vec()))
        .filter(goal_logs::Column::LogDate.gte(since))
        .distinct()
        .into_tuple()
        .all(conn)
        .await?;
    let mut days: HashMap<i64, Vec<NaiveDate>> = HashMap::new();
    for (patient, day) in rows {
        days.entry(patient).or_default().push(day);
    }
    Ok(days)
}

/// The quiet hours a message to `recipient` waits out: the clinic's and their own.
pub(crate) fn quiet_spans(settings: &ReminderSettings, recipient: &Recipient) -> Vec<QuietHours> {
    QuietHours::parse(&settings.quiet_hours_start, &settings.quiet_hours_end)
        .into_iter()
        .chain(recipient.quiet)
        .collect()
}

/// Plans the reminders owed in one clinic at `now` (`texts`: whether an SMS gateway is
/// configured); returns how many rows were new.
pub async fn plan_clinic(
    db: &DatabaseConnection,
    clinic_id: i64,
    now: DateTime<Utc>,
    texts: bool,
) -> Result<Planned, AppError> {
    let txn = db_context::begin(db, DbContext::ClinicTask(clinic_id)).await?;
    let Some(clinic) = clinics::Entity::find_by_id(clinic_id)
        .one(&txn)
        .await?
        .filter(|c| c.status == ClinicStatus::Active)
    else {
        txn.commit().await?;
        return Ok(Planned::default());
    };
    let settings = reminders_of(&txn, &clinic).await?;
    let plan = plan_of(&txn, &clinic).await?;
    txn.commit().await?;
    let on = channels(&settings, texts && plan.sms_reminders);
    let mut planned = Planned::default();
    if on.is_empty() {
        return Ok(planned);
    }
    let mut after = 0_i64;
    loop {
        // One transaction per batch of patients: a large clinic never holds one open long. It
        // takes its turn first (on SQLite by writing first: one that read before writing
        // could not write once another connection had committed meanwhile).
        let txn = db_context::begin(db, DbContext::ClinicTask(clinic_id)).await?;
        db_context::take_turn(&txn, Turn::Reminders, clinic_id).await?;
        let patients = next_patients(&txn, clinic_id, after).await?;
        let Some(last) = patients.last().copied() else {
            txn.commit().await?;
            break;
        };
        after = last;
        let who = recipients(&txn, clinic_id, &patients).await?;
        let items = care_items::Entity::find()
            .filter(care_items::Column::ClinicId.eq(clinic_id))
            .filter(care_items::Column::PatientId.is_in(patients.clone()))
            .filter(care_items::Column::Status.is_in(CareReminder::ALL.map(CareReminder::status)))
            .all(&txn)
            .await?;
        // Local days run from UTC-12 to UTC+14: a day before today in UTC covers them all.
        let logged = days_logged(&txn, &patients, now.date_naive() - Duration::days(1)).await?;
        for &channel in &on {
            let nudges = who.iter().filter_map(|(&patient, recipient)| {
                recipient.address(channel)?;
                let logged = logged.get(&patient).map_or(&[][..], Vec::as_slice);
                let day = nudge_owed(recipient, now, logged)?;
                let not_before =
                    next_allowed(now, recipient.time_zone, &quiet_spans(&settings, recipient));
                Some(reminders::ActiveModel {
                    clinic_id: Set(clinic_id),
                    patient_id: Set(patient),
                    channel: Set(channel),
                    kind: Set(ReminderKind::GoalNudge),
                    idempotency_key: Set(goal_key(patient, day, channel)),
                    status: Set(DeliveryStatus::Pending),
                    attempts: Set(0),
                    next_attempt_at: Set(not_before),
                    created_at: Set(now),
                    ..Default::default()
                })
            });
            let rows: Vec<reminders::ActiveModel> = items
                .iter()
                .filter_map(|item| {
                    let recipient = who.get(&item.patient_id)?;
                    recipient.address(channel)?;
                    let reminder = owed(item, &settings, local_today(now, recipient.time_zone))?;
                    let not_before =
                        next_allowed(now, recipient.time_zone, &quiet_spans(&settings, recipient));
                    Some(reminders::ActiveModel {
                        clinic_id: Set(clinic_id),
                        patient_id: Set(item.patient_id),
                        channel: Set(channel),
                        kind: Set(reminder.kind()),
                        idempotency_key: Set(care_key(item.id, reminder, item.due_on, channel)),
                        status: Set(DeliveryStatus::Pending),
                        attempts: Set(0),
                        next_attempt_at: Set(not_before),
                        created_at: Set(now),
                        care_item_id: Set(Some(item.id)),
                        ..Default::default()
                    })
                })
                .chain(nudges)
                .collect();
            for chunk in rows.chunks(ROWS_PER_INSERT) {
                let inserted = reminders::Entity::insert_many(chunk.to_vec())
                    .on_conflict(
                        OnConflict::column(reminders::Column::IdempotencyKey)
                            .do_nothing()
                            .to_owned(),
                    )
                    .exec_without_returning(&txn)
                    .await?;
                planned.add(channel, inserted);
            }
        }
        txn.commit().await?;
    }
    Ok(planned)
}

/// Plans every active clinic's reminders; a clinic that fails is logged and the rest go on.
pub async fn plan_all(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    texts: bool,
) -> Result<Planned, AppError> {
    let mut planned = Planned::default();
    for clinic in active_clinics(db).await? {
        match plan_clinic(db, clinic, now, texts).await {
            Ok(n) => {
                planned.email += n.email;
                planned.sms += n.sms;
            }
            Err(e) => tracing::warn!(clinic, error = %e, "planning reminders failed"),
        }
    }
    Ok(planned)
}
