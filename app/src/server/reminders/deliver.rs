//! Delivery, recorded step by step: a worker claims due rows for a lease, checks each is still
//! wanted, sends it, stores the transport's name for it and marks it sent, each step committed
//! on its own. A worker that dies mid-way leaves claims that expire with their lease and are
//! claimed again; only a message in flight at that moment can go twice.
//!
//! A temporary failure (timeout, no connection, SMTP 4xx) is tried again after a backoff that
//! doubles, with jitter, up to a cap; a permanent one (SMTP 5xx, an invalid address) ends the
//! message at once. Both end as dead letters with the reason, which never quotes an address.
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait, QueryFilter,
    Statement,
};

use super::backoff::{delay_after, MAX_ATTEMPTS};
use super::message::care_email;
use super::plan::{owed, quiet_spans, recipients};
use super::quiet_hours::next_allowed;
use super::{due_on_of_key, CareReminder, CANCELLED, DEAD, EMAIL, PENDING, SENDING, SENT};
use crate::error::AppError;
use crate::server::db_context::{self, DbContext};
use crate::server::entities::{care_items, clinics, reminders, users};
use crate::server::mail::MailError;
use crate::server::services::clinic::settings::reminders_of;
use crate::server::services::dates::local_today;
use crate::server::state::AppState;

/// How long a claim holds before another worker may take the row.
pub const LEASE: Duration = Duration::minutes(5);
/// Rows a worker claims at a time in one clinic.
pub const CLAIM_BATCH: u64 = 100;

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

/// Claims up to `limit` of the clinic's rows that are due at `now` (and rows whose claim has
/// expired) for `worker`. On PostgreSQL, rows another worker is claiming are skipped
/// (`FOR UPDATE SKIP LOCKED`); SQLite has one writer at a time, so its claim is one statement.
pub async fn claim(
    db: &DatabaseConnection,
    clinic: i64,
    worker: &str,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<reminders::Model>, AppError> {
    let backend = db.get_database_backend();
    let txn = db_context::begin(db, DbContext::ClinicTask(clinic)).await?;
    let lock = if backend == DatabaseBackend::Postgres {
        "FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let sql = format!(
        "UPDATE reminders SET status = '{SENDING}', claimed_by = $1, lease_until = $2 \
         WHERE id IN (SELECT id FROM reminders WHERE clinic_id = $3 \
           AND ((status = '{PENDING}' AND next_attempt_at <= $4) \
             OR (status = '{SENDING}' AND lease_until < $4)) \
           ORDER BY next_attempt_at, id LIMIT $5 {lock}) \
         RETURNING *"
    );
    // SQLite reads `?4` as the fourth value wherever it appears, as PostgreSQL reads `$4`.
    let sql = if backend == DatabaseBackend::Postgres {
        sql
    } else {
        sql.replace('$', "?")
    };
    let values: Vec<sea_orm::Value> = vec![
        worker.into(),
        (now + LEASE).into(),
        clinic.into(),
        now.into(),
        (limit as i64).into(),
    ];
    let claimed = reminders::Entity::find()
        .from_raw_sql(Statement::from_sql_and_values(backend, sql, values))
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(claimed)
}

/// What to do with a claimed row once it is checked.
enum Verdict {
    Send {
        to: String,
        reminder: CareReminder,
    },
    /// Still wanted, but not yet: quiet hours began meanwhile.
    Defer(DateTime<Utc>),
    Cancel(&'static str),
}

/// Whether a claimed care reminder is still owed, as planning would decide it now.
async fn verdict<C: ConnectionTrait>(
    conn: &C,
    clinic: &clinics::Model,
    row: &reminders::Model,
    now: DateTime<Utc>,
) -> Result<Verdict, AppError> {
    if clinic.status != "active" {
        return Ok(Verdict::Cancel("the clinic is not active"));
    }
    let settings = reminders_of(conn, clinic).await?;
    if row.channel != EMAIL || !settings.email_enabled {
        return Ok(Verdict::Cancel("the clinic does not send this channel"));
    }
    let recipient = recipients(conn, clinic.id, &[row.patient_id])
        .await?
        .remove(&row.patient_id);
    let Some(recipient) = recipient else {
        return Ok(Verdict::Cancel("the patient is no longer enrolled"));
    };
    if !recipient.email {
        return Ok(Verdict::Cancel("the patient does not take email reminders"));
    }
    let (Some(reminder), Some(item_id)) = (CareReminder::of_kind(&row.kind), row.care_item_id)
    else {
        return Ok(Verdict::Cancel("not a care reminder"));
    };
    let item = care_items::Entity::find_by_id(item_id)
        .filter(care_items::Column::ClinicId.eq(clinic.id))
        .one(conn)
        .await?;
    let still_owed = item.as_ref().is_some_and(|item| {
        Some(item.due_on) == due_on_of_key(&row.idempotency_key)
            && owed(item, &settings, local_today(now, recipient.time_zone)) == Some(reminder)
    });
    if !still_owed {
        return Ok(Verdict::Cancel("the care item has moved on"));
    }
    let allowed = next_allowed(
        now,
        recipient.time_zone,
        &quiet_spans(&settings, &recipient),
    );
    if allowed > now {
        return Ok(Verdict::Defer(allowed));
    }
    let to = users::Entity::find_by_id(row.patient_id)
        .one(conn)
        .await?
        .map(|u| u.email)
        .ok_or(AppError::NotFound)?;
    Ok(Verdict::Send { to, reminder })
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
        .filter(reminders::Column::Status.eq(SENDING))
        .exec(conn)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Claims and delivers one batch of a clinic's due reminders.
pub async fn deliver_clinic(
    state: &AppState,
    clinic_id: i64,
    worker: &str,
) -> Result<Round, AppError> {
    let now = state.clock.now();
    let claimed = claim(&state.db, clinic_id, worker, now, CLAIM_BATCH).await?;
    let mut round = Round {
        claimed: claimed.len() as u64,
        ..Default::default()
    };
    if claimed.is_empty() {
        return Ok(round);
    }
    for row in claimed {
        let step = deliver_one(state, clinic_id, worker, &row).await;
        match step {
            Ok(done) => {
                use super::metrics::Event;
                let counters = &state.reminder_counters;
                counters.count(Event::Sent, &row.channel, done.sent);
                counters.count(Event::Failed, &row.channel, done.retrying);
                counters.count(Event::Dead, &row.channel, done.dead);
                counters.count(Event::Cancelled, &row.channel, done.cancelled);
                round.add(done);
            }
            Err(e) => tracing::warn!(reminder = row.id, error = %e, "delivering a reminder failed"),
        }
    }
    Ok(round)
}

async fn deliver_one(
    state: &AppState,
    clinic_id: i64,
    worker: &str,
    row: &reminders::Model,
) -> Result<Round, AppError> {
    let now = state.clock.now();
    let txn = db_context::begin(&state.db, DbContext::ClinicTask(clinic_id)).await?;
    let clinic = clinics::Entity::find_by_id(clinic_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let decided = verdict(&txn, &clinic, row, now).await?;
    let settings = reminders_of(&txn, &clinic).await?;
    // Read, then written in a transaction of its own that writes at once: on SQLite a
    // transaction that read first could not write once another connection had committed.
    txn.commit().await?;
    let (to, reminder) = match decided {
        Verdict::Cancel(why) => {
            let txn = db_context::begin(&state.db, DbContext::ClinicTask(clinic_id)).await?;
            settle(
                &txn,
                row,
                worker,
                vec![
                    (reminders::Column::Status, Expr::value(CANCELLED)),
                    (reminders::Column::LastError, Expr::value(Some(why))),
                ],
            )
            .await?;
            txn.commit().await?;
            return Ok(Round {
                cancelled: 1,
                ..Default::default()
            });
        }
        Verdict::Defer(until) => {
            let txn = db_context::begin(&state.db, DbContext::ClinicTask(clinic_id)).await?;
            settle(
                &txn,
                row,
                worker,
                vec![
                    (reminders::Column::Status, Expr::value(PENDING)),
                    (reminders::Column::NextAttemptAt, Expr::value(until)),
                ],
            )
            .await?;
            txn.commit().await?;
            return Ok(Round {
                deferred: 1,
                ..Default::default()
            });
        }
        Verdict::Send { to, reminder } => (to, reminder),
    };

    let mail = care_email(
        reminder,
        &clinic.name,
        &settings.sender_name,
        &state.settings.public_url,
        to,
    );
    let sent = state.mailer.deliver(mail).await;

    let now = state.clock.now();
    let attempts = row.attempts + 1;
    let txn = db_context::begin(&state.db, DbContext::ClinicTask(clinic_id)).await?;
    let round = match sent {
        Ok(message_id) => {
            settle(
                &txn,
                row,
                worker,
                vec![
                    (reminders::Column::Status, Expr::value(SENT)),
                    (reminders::Column::Attempts, Expr::value(attempts)),
                    (reminders::Column::SentAt, Expr::value(Some(now))),
                    (
                        reminders::Column::ProviderMessageId,
                        Expr::value(Some(message_id)),
                    ),
                    (
                        reminders::Column::LastError,
                        Expr::value(Option::<String>::None),
                    ),
                ],
            )
            .await?;
            Round {
                sent: 1,
                ..Default::default()
            }
        }
        Err(error) => {
            let reason = failure_reason(&error);
            let dead = !error.is_temporary() || attempts >= MAX_ATTEMPTS;
            let mut changes = vec![
                (reminders::Column::Attempts, Expr::value(attempts)),
                (reminders::Column::LastError, Expr::value(Some(reason))),
            ];
            if dead {
                changes.push((reminders::Column::Status, Expr::value(DEAD)));
            } else {
                let wait = delay_after(attempts, &mut rand::thread_rng());
                changes.push((reminders::Column::Status, Expr::value(PENDING)));
                changes.push((reminders::Column::NextAttemptAt, Expr::value(now + wait)));
            }
            settle(&txn, row, worker, changes).await?;
            tracing::warn!(reminder = row.id, attempts, dead, "a reminder was not sent");
            if dead {
                Round {
                    dead: 1,
                    ..Default::default()
                }
            } else {
                Round {
                    retrying: 1,
                    ..Default::default()
                }
            }
        }
    };
    txn.commit().await?;
    Ok(round)
}

/// Why a send failed, for the row and the admin's list: the kind and the SMTP reply code,
/// never the address or the server's words (which may quote it).
fn failure_reason(error: &MailError) -> String {
    match error {
        MailError::Address(_) => "invalid address".to_owned(),
        MailError::Transport(what) => format!("temporary: {what}"),
        MailError::Refused(what) => format!("refused: {what}"),
    }
}

/// Delivers one batch in every active clinic.
pub async fn deliver_all(state: &AppState, clinics: &[i64], worker: &str) -> Round {
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
            .col_expr(reminders::Column::Status, Expr::value(PENDING))
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
            .filter(reminders::Column::Status.eq(SENDING))
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
) -> Result<Vec<(String, u64)>, AppError> {
    use sea_orm::QuerySelect;
    let mut depth: Vec<(String, u64)> = Vec::new();
    for &clinic in clinics {
        let txn = db_context::begin(db, DbContext::ClinicTask(clinic)).await?;
        let counted: Vec<(String, i64)> = reminders::Entity::find()
            .select_only()
            .column(reminders::Column::Channel)
            .column_as(reminders::Column::Id.count(), "n")
            .filter(reminders::Column::ClinicId.eq(clinic))
            .filter(reminders::Column::Status.is_in([PENDING, SENDING]))
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
