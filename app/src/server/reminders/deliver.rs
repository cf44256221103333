//! Delivery, recorded step by step: a worker claims due rows for a lease, checks each is still
//! wanted, sends it, and stores the transport's name for it as it marks it sent, each step
//! committed on its own (outcomes a few at a time). A worker that dies mid-way leaves claims
//! that expire with their lease and are claimed again; only the messages in flight or sent but
//! not yet recorded at that moment can go twice.
//!
//! A temporary failure (timeout, no connection, SMTP 4xx, the gateway's 429 or 5xx) is tried
//! again after a backoff that doubles, with jitter, up to a cap; a permanent one (SMTP 5xx, the
//! gateway's other 4xx, an invalid address) ends the message at once. Both end as dead letters
//! with the reason, which never quotes an address or a number. A text is also held to the daily
//! caps (`caps`) before it goes.
use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait, QueryFilter,
    Statement,
};

use super::backoff::{delay_after, MAX_ATTEMPTS};
use super::caps::{reserve_texts, Allowance, TextLimits};
use super::delivery_reports::status_callback_url;
use super::message::{reminder_email, reminder_sms, Sender, UnsubscribeLinks};
use super::plan::{channels, days_logged, nudge_owed, owed, quiet_spans, recipients, Recipient};
use super::quiet_hours::next_allowed;
use super::settings::reminders_of;
use super::unsubscribe::Unsubscribe;
use super::{day_of_goal_key, due_on_of_key, About};
use crate::error::AppError;
use crate::model::clinic::ReminderSettings;
use crate::model::platform::ClinicStatus;
use crate::model::reminders::{Channel, DeliveryStatus};
use crate::server::dates::{local_today, parse_time_zone};
use crate::server::db_context::{self, DbContext};
use crate::server::entities::{care_items, clinics, plans, reminders};
use crate::server::mail::{MailError, SENDING_AT_ONCE};
use crate::server::plan_limits::plan_of;
use crate::server::sms::SmsError;
use crate::server::state::AppState;

/// How long a claim holds before another worker may take the row, unless configured otherwise
/// (`Settings::reminder_lease`). Longer than a batch takes to send.
pub const LEASE: Duration = Duration::minutes(5);
/// Rows a worker claims at a time in one clinic: several rounds of `SENDING_AT_ONCE`.
pub(crate) const CLAIM_BATCH: u64 = 200;

/// What one round of delivery in a clinic did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub claimed: u64,
    pub sent: u64,
    pub retrying: u64,
    pub dead: u64,
    pub cancelled: u64,
    pub deferred: u64,
}

impl Round {
    fn add(&mut self, other: Round) {
        self.claimed += other.claimed;
        self.sent += other.sent;
        self.retrying += other.retrying;
        self.dead += other.dead;
        self.cancelled += other.cancelled;
        self.deferred += other.deferred;
    }
}

/// Claims up to `limit` of the clinic's rows whose claim has expired (a worker died holding
/// them) and rows that are due at `now`, in that order, for `worker`. On PostgreSQL, rows
/// another worker is claiming are skipped (`FOR UPDATE SKIP LOCKED`); SQLite has one writer at
/// a time, so each claim is one statement.
///
/// Two statements rather than one with an `OR`: each is one range of the index on (clinic,
/// status, next attempt) read in its order, so a claim reads the rows it takes. With the `OR`
/// (or a tie-break on `id`, which the index does not hold) PostgreSQL sorted every due row of
/// the clinic for each claim (on a plain table of 100,000 due rows, 38 ms against 0.3 ms).
pub async fn claim(
    db: &DatabaseConnection,
    clinic: i64,
    worker: &str,
    now: DateTime<Utc>,
    lease: Duration,
    limit: u64,
) -> Result<Vec<reminders::Model>, AppError> {
    let txn = db_context::begin(db, DbContext::ClinicTask(clinic)).await?;
    let expired = format!(
        "status = '{}' AND lease_until < $4",
        DeliveryStatus::Sending.as_str()
    );
    let mut claimed = claim_where(&txn, &expired, clinic, worker, now, lease, limit).await?;
    let room = limit.saturating_sub(claimed.len() as u64);
    if room > 0 {
        let due = format!(
            "status = '{}' AND next_attempt_at <= $4",
            DeliveryStatus::Pending.as_str()
        );
        claimed.extend(claim_where(&txn, &due, clinic, worker, now, lease, room).await?);
    }
    txn.commit().await?;
    Ok(claimed)
}

/// One claim statement: up to `limit` of the clinic's rows matching `condition` (which may
/// name `$4`, the time), oldest next attempt first.
async fn claim_where<C: ConnectionTrait>(
    conn: &C,
    condition: &str,
    clinic: i64,
    worker: &str,
    now: DateTime<Utc>,
    lease: Duration,
    limit: u64,
) -> Result<Vec<reminders::Model>, AppError> {
    let backend = conn.get_database_backend();
    let lock = if backend == DatabaseBackend::Postgres {
        "FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let sql = format!(
        "UPDATE reminders SET status = '{sending}', claimed_by = $1, lease_until = $2 \
         WHERE id IN (SELECT id FROM reminders WHERE clinic_id = $3 AND {condition} \
           ORDER BY next_attempt_at LIMIT $5 {lock}) \
         RETURNING *",
        sending = DeliveryStatus::Sending.as_str()
    );
    // SQLite reads `?4` as the fourth value wherever it appears, as PostgreSQL reads `$4`.
    let sql = if backend == DatabaseBackend::Postgres {
        sql
    } else {
        sql.replace('$', "?")
    };
    let values: Vec<sea_orm::Value> = vec![
        worker.into(),
        (now + lease).into(),
        clinic.into(),
        now.into(),
        (limit as i64).into(),
    ];
    Ok(reminders::Entity::find()
        .from_raw_sql(Statement::from_sql_and_values(backend, sql, values))
        .all(conn)
        .await?)
}

/// What the checks need about a batch's clinic, patients and items, read once for the batch.
struct Facts {
    clinic: clinics::Model,
    plan: plans::Model,
    settings: ReminderSettings,
    who: HashMap<i64, Recipient>,
    items: HashMap<i64, care_items::Model>,
    logged: HashMap<i64, Vec<NaiveDate>>,
}

async fn facts<C: ConnectionTrait>(
    conn: &C,
    clinic_id: i64,
    rows: &[reminders::Model],
) -> Result<Facts, AppError> {
    let clinic = clinics::Entity::find_by_id(clinic_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let settings = reminders_of(conn, &clinic).await?;
    let plan = plan_of(conn, &clinic).await?;
    let mut patients: Vec<i64> = rows.iter().map(|r| r.patient_id).collect();
    patients.sort_unstable();
    patients.dedup();
    let who = recipients(conn, clinic_id, &patients).await?;
    let item_ids: Vec<i64> = rows.iter().filter_map(|r| r.care_item_id).collect();
    let items = care_items::Entity::find()
        .filter(care_items::Column::ClinicId.eq(clinic_id))
        .filter(care_items::Column::Id.is_in(item_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|item| (item.id, item))
        .collect();
    let first_nudge_day = rows
        .iter()
        .filter_map(|r| day_of_goal_key(&r.idempotency_key))
        .min();
    let logged = match first_nudge_day {
        Some(day) => days_logged(conn, &patients, day).await?,
        None => HashMap::new(),
    };
    Ok(Facts {
        clinic,
        plan,
        settings,
        who,
        items,
        logged,
    })
}

/// What to do with a claimed row once it is checked.
enum Verdict {
    Send {
        to: String,
        about: About,
    },
    /// Still wanted, but not yet: quiet hours began meanwhile, or a daily cap is reached.
    Defer(DateTime<Utc>),
    Cancel(&'static str),
}

/// Whether a claimed reminder is still owed, as planning would decide it now (`texts`: whether
/// an SMS gateway is configured).
fn verdict(facts: &Facts, row: &reminders::Model, now: DateTime<Utc>, texts: bool) -> Verdict {
    let settings = &facts.settings;
    if facts.clinic.status != ClinicStatus::Active {
        return Verdict::Cancel(super::CLINIC_NOT_ACTIVE);
    }
    if !channels(settings, texts && facts.plan.sms_reminders).contains(&row.channel) {
        return Verdict::Cancel("the clinic does not send this channel");
    }
    let Some(recipient) = facts.who.get(&row.patient_id) else {
        return Verdict::Cancel("the patient is no longer enrolled");
    };
    let Some(to) = recipient.address(row.channel).map(str::to_owned) else {
        return Verdict::Cancel(if row.channel == Channel::Sms {
            "the patient does not take text reminders"
        } else {
            "the patient does not take email reminders"
        });
    };
    let about = About::from(row.kind);
    match about {
        About::Care(reminder) => {
            let item = row.care_item_id.and_then(|id| facts.items.get(&id));
            let still_owed = item.is_some_and(|item| {
                Some(item.due_on) == due_on_of_key(&row.idempotency_key)
                    && owed(item, settings, local_today(now, recipient.time_zone)) == Some(reminder)
            });
            if !still_owed {
                return Verdict::Cancel("the care item has moved on");
            }
        }
        About::GoalNudge => {
            if recipient.nudge_at.is_none() {
                return Verdict::Cancel("the patient turned off goal nudges");
            }
            let logged = facts
                .logged
                .get(&row.patient_id)
                .map_or(&[][..], Vec::as_slice);
            let day = day_of_goal_key(&row.idempotency_key);
            if day.is_none() || nudge_owed(recipient, now, logged) != day {
                return Verdict::Cancel("the patient logged a goal, or the day has passed");
            }
        }
    }
    let allowed = next_allowed(now, recipient.time_zone, &quiet_spans(settings, recipient));
    if allowed > now {
        return Verdict::Defer(allowed);
    }
    Verdict::Send { to, about }
}

/// Why a send failed, as the row keeps it, and whether to try again.
struct Failure {
    temporary: bool,
    reason: String,
}

impl From<MailError> for Failure {
    /// The kind and the SMTP reply code, never the address or the server's words (which may
    /// quote it).
    fn from(error: MailError) -> Self {
        let reason = match &error {
            MailError::Sender(_) | MailError::Recipient => "invalid address".to_owned(),
            MailError::Transport(what) => format!("temporary: {what}"),
            MailError::Refused(what) => format!("refused: {what}"),
        };
        Failure {
            temporary: error.is_temporary(),
            reason,
        }
    }
}

impl From<SmsError> for Failure {
    /// The kind and the gateway's status code, never the number.
    fn from(error: SmsError) -> Self {
        let reason = match &error {
            SmsError::Temporary(what) => format!("temporary: {what}"),
            SmsError::Refused(what) => format!("refused: {what}"),
        };
        Failure {
            temporary: error.is_temporary(),
            reason,
        }
    }
}

/// Ends or updates a row this worker holds; a row whose claim passed to another worker is left
/// to that worker.
async fn settle<C: ConnectionTrait>(
    conn: &C,
    row: &reminders::Model,
    worker: &str,
    changes: Vec<(reminders::Column, sea_orm::sea_query::SimpleExpr)>,
) -> Result<bool, AppError> {
    let mut update = reminders::Entity::update_many();
    for (column, value) in changes {
        update = update.col_expr(column, value);
    }
    let done = update
        .col_expr(
            reminders::Column::ClaimedBy,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            reminders::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(reminders::Column::Id.eq(row.id))
        .filter(reminders::Column::ClaimedBy.eq(worker))
        .filter(reminders::Column::Status.eq(DeliveryStatus::Sending))
        .exec(conn)
        .await?;
    Ok(done.rows_affected == 1)
}

/// How many finished sends are committed together (at most; fewer when the batch runs out).
/// A worker killed mid-batch may send again at most `SENDING_AT_ONCE + SETTLED_TOGETHER`
/// messages: those it sent but had not recorded.
pub const SETTLED_TOGETHER: usize = 16;

/// Claims and delivers one batch of a clinic's due reminders: one read checks the whole batch,
/// what is no longer owed or not yet owed is settled in one transaction, texts are held to the
/// daily caps together, and the rest go `SENDING_AT_ONCE` at a time, their outcomes committed
/// up to `SETTLED_TOGETHER` at a time as they come.
pub async fn deliver_clinic(
    state: &AppState,
    clinic_id: i64,
    worker: &str,
) -> Result<Round, AppError> {
    let now = state.clock.now();
    let lease = Duration::from_std(state.settings.reminder_lease).unwrap_or(LEASE);
    let claimed = claim(&state.db, clinic_id, worker, now, lease, CLAIM_BATCH).await?;
    let mut round = Round {
        claimed: claimed.len() as u64,
        ..Default::default()
    };
    if claimed.is_empty() {
        return Ok(round);
    }
    let txn = db_context::begin(&state.db, DbContext::ClinicTask(clinic_id)).await?;
    let facts = facts(&txn, clinic_id, &claimed).await?;
    txn.commit().await?;

    let mut sends = Vec::new();
    let mut settled = Vec::new();
    for row in claimed {
        match verdict(&facts, &row, now, state.sms.is_some()) {
            Verdict::Send { to, about } => sends.push((row, to, about)),
            Verdict::Cancel(why) => {
                round.cancelled += 1;
                let counters = &state.reminder_counters;
                counters.count(crate::server::metrics::Event::Cancelled, row.channel, 1);
                let changes = vec![
                    (
                        reminders::Column::Status,
                        Expr::value(DeliveryStatus::Cancelled),
                    ),
                    (reminders::Column::LastError, Expr::value(Some(why))),
                ];
                settled.push((row, changes));
            }
            Verdict::Defer(until) => {
                round.deferred += 1;
                settled.push((row, waiting_until(until)));
            }
        }
    }
    let texts: Vec<&reminders::Model> = sends
        .iter()
        .filter(|(row, _, _)| row.channel == Channel::Sms)
        .map(|(row, _, _)| row)
        .collect();
    if !texts.is_empty() {
        let zone_of = |patient: i64| {
            facts
                .who
                .get(&patient)
                .map_or(chrono_tz::UTC, |r| r.time_zone)
        };
        let txn = db_context::begin(&state.db, DbContext::ClinicTask(clinic_id)).await?;
        let allowances = reserve_texts(
            &txn,
            &texts,
            worker,
            now,
            TextLimits {
                clinic_zone: parse_time_zone(&facts.clinic.time_zone).unwrap_or(chrono_tz::UTC),
                per_day: facts.settings.sms_daily_cap,
                per_month: u32::try_from(facts.plan.sms_per_month).unwrap_or(0),
            },
            zone_of,
        )
        .await?;
        txn.commit().await?;
        let held: HashMap<i64, DateTime<Utc>> = allowances
            .into_iter()
            .filter_map(|(id, allowance)| match allowance {
                Allowance::WaitUntil(until) => Some((id, until)),
                Allowance::Reserved => None,
            })
            .collect();
        sends.retain(|(row, _, _)| match held.get(&row.id) {
            Some(&until) => {
                round.deferred += 1;
                settled.push((row.clone(), waiting_until(until)));
                false
            }
            None => true,
        });
    }
    if !settled.is_empty() {
        let txn = db_context::begin(&state.db, DbContext::ClinicTask(clinic_id)).await?;
        for (row, changes) in settled {
            settle(&txn, &row, worker, changes).await?;
        }
        txn.commit().await?;
    }

    let from = Sender {
        clinic_name: &facts.clinic.name,
        sender_name: &facts.settings.sender_name,
        public_url: &state.settings.public_url,
    };
    // Sends run in tasks of their own; their outcomes are committed a few at a time (one
    // commit per message would make the database's flush the bottleneck).
    let mut in_flight = tokio::task::JoinSet::new();
    let mut finished = Vec::new();
    let mut sends = sends.into_iter();
    loop {
        while in_flight.len() < SENDING_AT_ONCE {
            let Some((row, to, about)) = sends.next() else {
                break;
            };
            let message = Outgoing::of(state, from, &row, to, about);
            let state = state.clone();
            in_flight.spawn(async move {
                let sent = send(&state, message).await;
                (row, sent)
            });
        }
        let Some(done) = in_flight.join_next().await else {
            break;
        };
        finished.push(done);
        while let Some(done) = in_flight.try_join_next() {
            finished.push(done);
        }
        if finished.len() >= SETTLED_TOGETHER || in_flight.is_empty() {
            round.add(record_outcomes(state, worker, now, std::mem::take(&mut finished)).await?);
        }
    }
    round.add(record_outcomes(state, worker, now, finished).await?);
    Ok(round)
}

/// The changes that put a row back to wait until `until`.
fn waiting_until(until: DateTime<Utc>) -> Vec<(reminders::Column, sea_orm::sea_query::SimpleExpr)> {
    vec![
        (
            reminders::Column::Status,
            Expr::value(DeliveryStatus::Pending),
        ),
        (reminders::Column::NextAttemptAt, Expr::value(until)),
    ]
}

/// A message ready for its transport.
enum Outgoing {
    Email(crate::server::mail::OutgoingMail),
    Text(crate::server::sms::OutgoingSms),
}

impl Outgoing {
    fn of(
        state: &AppState,
        from: Sender<'_>,
        row: &reminders::Model,
        to: String,
        about: About,
    ) -> Self {
        if row.channel == Channel::Sms {
            let callback = status_callback_url(&state.settings.public_url, row.clinic_id);
            return Outgoing::Text(reminder_sms(about, from, to, callback));
        }
        let stop = Unsubscribe {
            clinic_id: row.clinic_id,
            patient_id: row.patient_id,
            channel: Channel::Email,
        };
        let links = UnsubscribeLinks {
            page: stop.page_url(&state.secret_keys, &state.settings.public_url),
            one_click: stop.one_click_url(&state.secret_keys, &state.settings.public_url),
        };
        Outgoing::Email(reminder_email(about, from, to, links))
    }
}

/// Sends one message; the transport's id for it, or why not.
async fn send(state: &AppState, message: Outgoing) -> Result<String, Failure> {
    match message {
        Outgoing::Email(mail) => state.mailer.deliver(mail).await.map_err(Failure::from),
        Outgoing::Text(text) => match &state.sms {
            Some(gateway) => gateway.send(text).await.map_err(Failure::from),
            None => Err(Failure {
                temporary: true,
                reason: "temporary: no SMS gateway".into(),
            }),
        },
    }
}

/// Commits what became of finished sends, in one transaction: sent with the transport's id,
/// waiting for the next attempt, or dead. A send whose task failed is left claimed: its lease
/// expires and it is checked again.
async fn record_outcomes(
    state: &AppState,
    worker: &str,
    began: DateTime<Utc>,
    finished: Vec<Result<(reminders::Model, Result<String, Failure>), tokio::task::JoinError>>,
) -> Result<Round, AppError> {
    use crate::server::metrics::Event;
    let mut round = Round::default();
    if finished.is_empty() {
        return Ok(round);
    }
    let done = state.clock.now();
    let counters = &state.reminder_counters;
    let txn = db_context::begin(&state.db, DbContext::ClinicTask(clinic_of(&finished))).await?;
    for outcome in finished {
        let (row, sent) = match outcome {
            Ok(outcome) => outcome,
            Err(e) => {
                tracing::warn!(error = %e, "sending a reminder failed");
                continue;
            }
        };
        let attempts = row.attempts + 1;
        let mut changes = vec![
            (reminders::Column::Attempts, Expr::value(attempts)),
            (reminders::Column::AttemptedAt, Expr::value(Some(began))),
        ];
        match sent {
            Ok(message_id) => {
                changes.extend([
                    (reminders::Column::Status, Expr::value(DeliveryStatus::Sent)),
                    (reminders::Column::SentAt, Expr::value(Some(done))),
                    (
                        reminders::Column::ProviderMessageId,
                        Expr::value(Some(message_id)),
                    ),
                    (
                        reminders::Column::LastError,
                        Expr::value(Option::<String>::None),
                    ),
                ]);
                round.sent += 1;
                counters.count(Event::Sent, row.channel, 1);
            }
            Err(failure) => {
                let dead = !failure.temporary || attempts >= MAX_ATTEMPTS;
                changes.push((
                    reminders::Column::LastError,
                    Expr::value(Some(failure.reason)),
                ));
                if dead {
                    changes.push((reminders::Column::Status, Expr::value(DeliveryStatus::Dead)));
                    round.dead += 1;
                    counters.count(Event::Dead, row.channel, 1);
                } else {
                    let wait = delay_after(attempts, &mut rand::thread_rng());
                    changes.extend(waiting_until(done + wait));
                    round.retrying += 1;
                    counters.count(Event::Failed, row.channel, 1);
                }
                tracing::warn!(
                    reminder = row.id,
                    channel = row.channel.as_str(),
                    attempts,
                    dead,
                    "a reminder was not sent"
                );
            }
        }
        settle(&txn, &row, worker, changes).await?;
    }
    txn.commit().await?;
    Ok(round)
}

/// The clinic a set of finished sends belongs to (all of one batch are one clinic's).
fn clinic_of(
    finished: &[Result<(reminders::Model, Result<String, Failure>), tokio::task::JoinError>],
) -> i64 {
    finished
        .iter()
        .find_map(|f| f.as_ref().ok().map(|(row, _)| row.clinic_id))
        .unwrap_or_default()
}

/// Delivers one batch in every active clinic.
pub(crate) async fn deliver_all(state: &AppState, clinics: &[i64], worker: &str) -> Round {
    let mut round = Round::default();
    for &clinic in clinics {
        match deliver_clinic(state, clinic, worker).await {
            Ok(done) => round.add(done),
            Err(e) => tracing::warn!(clinic, error = %e, "delivering reminders failed"),
        }
    }
    round
}

/// Gives back the claims `worker` holds, for a worker stopping: another takes them at once
/// instead of after the lease.
pub async fn release(
    db: &DatabaseConnection,
    clinics: &[i64],
    worker: &str,
) -> Result<u64, AppError> {
    let mut released = 0;
    for &clinic in clinics {
        let txn = db_context::begin(db, DbContext::ClinicTask(clinic)).await?;
        released += reminders::Entity::update_many()
            .col_expr(
                reminders::Column::Status,
                Expr::value(DeliveryStatus::Pending),
            )
            .col_expr(
                reminders::Column::ClaimedBy,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                reminders::Column::LeaseUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(reminders::Column::ClinicId.eq(clinic))
            .filter(reminders::Column::ClaimedBy.eq(worker))
            .filter(reminders::Column::Status.eq(DeliveryStatus::Sending))
            .exec(&txn)
            .await?
            .rows_affected;
        txn.commit().await?;
    }
    Ok(released)
}

/// Reminders waiting or being sent in `clinics`, per channel, for `/metrics`.
pub async fn queue_depth(
    db: &DatabaseConnection,
    clinics: &[i64],
) -> Result<Vec<(Channel, u64)>, AppError> {
    use sea_orm::QuerySelect;
    let mut depth: Vec<(Channel, u64)> = Vec::new();
    for &clinic in clinics {
        let txn = db_context::begin(db, DbContext::ClinicTask(clinic)).await?;
        let counted: Vec<(Channel, i64)> = reminders::Entity::find()
            .select_only()
            .column(reminders::Column::Channel)
            .column_as(reminders::Column::Id.count(), "n")
            .filter(reminders::Column::ClinicId.eq(clinic))
            .filter(
                reminders::Column::Status.is_in([DeliveryStatus::Pending, DeliveryStatus::Sending]),
            )
            .group_by(reminders::Column::Channel)
            .into_tuple()
            .all(&txn)
            .await?;
        txn.commit().await?;
        for (channel, n) in counted {
            match depth.iter_mut().find(|(c, _)| *c == channel) {
                Some((_, total)) => *total += n.max(0) as u64,
                None => depth.push((channel, n.max(0) as u64)),
            }
        }
    }
    Ok(depth)
}
