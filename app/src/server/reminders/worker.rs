//! The worker's loop: plan at start-up, then every `PLAN_EVERY` and whenever this process's
//! requests change what is owed (`AppState::reminder_wakeup`), deliver whatever is due in
//! between, and on shutdown give back the claims it holds. One worker plans at a time (a
//! lease); the others deliver meanwhile.
use std::time::Duration;

use tokio::sync::watch;

use super::{deliver, plan};
use crate::model::reminders::Channel;
use crate::server::state::AppState;
use crate::server::task_lease;

/// How often the worker plans (and looks again for active clinics).
pub(crate) const PLAN_EVERY: Duration = Duration::from_secs(300);
/// How long the worker waits when a round found nothing to send.
pub(crate) const IDLE: Duration = Duration::from_secs(2);

/// A name for this worker's claims: host, process and a random part, so that two workers never
/// share one.
pub fn worker_id() -> String {
    use rand::Rng;
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "salus".into());
    format!(
        "{host}:{}:{:06x}",
        std::process::id(),
        rand::thread_rng().gen::<u32>() & 0xff_ffff
    )
}

/// How long a plan holds the planning lease at most: a worker that dies planning holds up the
/// others' plans this long. Released as soon as the plan is done.
pub(crate) const PLAN_HOLD: chrono::Duration = chrono::Duration::minutes(5);

/// Plans every active clinic if no other worker is planning (the `reminder_plan` lease):
/// several workers started together would otherwise each plan every clinic in turn, and none
/// deliver until all had. What was planned, or none when another worker holds the lease (or
/// the lease could not be read).
async fn plan_once(state: &AppState, worker: &str) -> Option<plan::Planned> {
    let now = state.clock.now();
    match task_lease::take(&state.db, PLAN_LEASE, worker, now, PLAN_HOLD).await {
        Ok(true) => {}
        Ok(false) => return None,
        Err(e) => {
            tracing::warn!(error = %e, "could not take the reminder planning lease");
            return None;
        }
    }
    let planned = plan::plan_all(&state.db, now, state.sms.is_some()).await;
    if let Err(e) = task_lease::release(&state.db, PLAN_LEASE, worker, state.clock.now()).await {
        tracing::warn!(error = %e, "could not give back the reminder planning lease");
    }
    match planned {
        Ok(planned) => {
            let counters = &state.reminder_counters;
            counters.count(
                crate::server::metrics::Event::Planned,
                Channel::Email,
                planned.email,
            );
            counters.count(
                crate::server::metrics::Event::Planned,
                Channel::Sms,
                planned.sms,
            );
            tracing::info!(
                email = planned.email,
                sms = planned.sms,
                "reminders planned"
            );
            Some(planned)
        }
        Err(e) => {
            tracing::warn!(error = %e, "planning reminders failed");
            Some(plan::Planned::default())
        }
    }
}

/// The `task_leases` row planning takes.
const PLAN_LEASE: &str = "reminder_plan";

/// Runs until `stop` turns true. Errors are logged and the loop goes on: a database that is
/// away for a while delays reminders, it does not end the worker.
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    let worker = worker_id();
    tracing::info!(worker, "reminder worker started");
    let mut clinics: Vec<i64> = Vec::new();
    let mut last_plan: Option<tokio::time::Instant> = None;
    let mut replan = false;
    while !*stop.borrow() {
        if last_plan.is_none_or(|at| at.elapsed() >= PLAN_EVERY) || replan {
            match plan::active_clinics(&state.db).await {
                Ok(found) => clinics = found,
                Err(e) => tracing::warn!(error = %e, "listing clinics for reminders failed"),
            }
            let planned = plan_once(&state, &worker).await;
            // A plan asked for by a change in this process is owed even while another worker
            // plans (it may have read before the change): try again after the next round.
            replan = planned.is_none() && replan;
            last_plan = Some(tokio::time::Instant::now());
        }
        let round = deliver::deliver_all(&state, &clinics, &worker).await;
        if round.claimed > 0 {
            tracing::info!(
                sent = round.sent,
                retrying = round.retrying,
                dead = round.dead,
                cancelled = round.cancelled,
                deferred = round.deferred,
                "reminders delivered"
            );
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(IDLE) => {}
            _ = state.reminder_wakeup.notified() => replan = true,
            changed = stop.changed() => {
                // Whoever could stop the worker is gone: stop.
                if changed.is_err() {
                    break;
                }
            }
        }
    }
    match deliver::release(&state.db, &clinics, &worker).await {
        Ok(released) => tracing::info!(worker, released, "reminder worker stopped"),
        Err(e) => tracing::warn!(worker, error = %e, "releasing reminder claims failed"),
    }
}
