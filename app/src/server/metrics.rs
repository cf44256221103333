//! The process's counters for operators (`/metrics`): reminders planned, sent, failed (and
//! retried later), dead, cancelled and retried by an admin, per channel, since the process
//! started; and the queue depth, read from the database when asked. Rendered in Prometheus's
//! text format. Below the reminder worker, which counts into them, and the shared state, which
//! holds them.
use crate::model::reminders::Channel;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// What is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Planned,
    Sent,
    Failed,
    Dead,
    Cancelled,
    Retried,
}

const EVENTS: [(Event, &str, &str); 6] = [
    (
        Event::Planned,
        "salus_reminders_planned_total",
        "Reminders planned into the outbox.",
    ),
    (
        Event::Sent,
        "salus_reminders_sent_total",
        "Reminders the transport accepted.",
    ),
    (
        Event::Failed,
        "salus_reminders_failed_total",
        "Attempts that failed and will be tried again.",
    ),
    (
        Event::Dead,
        "salus_reminders_dead_total",
        "Reminders that ended as dead letters.",
    ),
    (
        Event::Cancelled,
        "salus_reminders_cancelled_total",
        "Reminders cancelled because they were no longer wanted.",
    ),
    (
        Event::Retried,
        "salus_reminders_retried_total",
        "Dead letters a clinic admin sent again.",
    ),
];

/// One process's counters.
#[derive(Debug, Default)]
pub struct Counters([[AtomicU64; Channel::ALL.len()]; EVENTS.len()]);

impl Counters {
    pub fn count(&self, event: Event, channel: Channel, n: u64) {
        self.counter(event, channel).fetch_add(n, Ordering::Relaxed);
    }

    pub fn get(&self, event: Event, channel: Channel) -> u64 {
        self.counter(event, channel).load(Ordering::Relaxed)
    }

    fn counter(&self, event: Event, channel: Channel) -> &AtomicU64 {
        let e = EVENTS
            .iter()
            .position(|(ev, _, _)| *ev == event)
            .expect("every event is listed in EVENTS");
        &self.0[e][channel as usize]
    }

    /// The counters and `queue_depth` (waiting or being sent, per channel) as Prometheus text.
    pub fn render(&self, queue_depth: &[(Channel, u64)]) -> String {
        let mut out = String::new();
        for (e, (_, name, help)) in EVENTS.iter().enumerate() {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            for channel in Channel::ALL {
                let n = self.0[e][channel as usize].load(Ordering::Relaxed);
                let _ = writeln!(out, "{name}{{channel=\"{}\"}} {n}", channel.as_str());
            }
        }
        let name = "salus_reminders_queue_depth";
        let _ = writeln!(
            out,
            "# HELP {name} Reminders waiting or being sent, in every active clinic.\n# TYPE {name} gauge"
        );
        for channel in Channel::ALL {
            let n = queue_depth
                .iter()
                .find(|(c, _)| *c == channel)
                .map_or(0, |(_, n)| *n);
            let _ = writeln!(out, "{name}{{channel=\"{}\"}} {n}", channel.as_str());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_render_in_prometheus_text() {
        let counters = Counters::default();
        counters.count(Event::Sent, Channel::Email, 3);
        counters.count(Event::Dead, Channel::Email, 1);
        let text = counters.render(&[(Channel::Email, 2)]);
        assert!(text.contains("# TYPE salus_reminders_sent_total counter\n"));
        assert!(text.contains("salus_reminders_sent_total{channel=\"email\"} 3\n"));
        assert!(text.contains("salus_reminders_sent_total{channel=\"sms\"} 0\n"));
        assert!(text.contains("salus_reminders_dead_total{channel=\"email\"} 1\n"));
        assert!(text.contains("salus_reminders_queue_depth{channel=\"email\"} 2\n"));
    }
}
