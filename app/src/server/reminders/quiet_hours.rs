//! Quiet hours: a nightly span of local wall-clock time (say 21:00 to 08:00) in which no reminder
//! is sent. The span is read in the patient's own time zone on each local day, so a
//! daylight-saving change moves it with the clocks: 08:00 in New York is 12:00 UTC in summer
//! and 13:00 UTC in winter.
use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// A span of local time, `start` to `end`; it crosses midnight when `end` is not after
/// `start`. An empty span (`start == end`) is no quiet hours at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct QuietHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl QuietHours {
    /// From the `HH:MM` the settings store; none for text that is not a time.
    pub fn parse(start: &str, end: &str) -> Option<Self> {
        let time = |t: &str| NaiveTime::parse_from_str(t.trim(), "%H:%M").ok();
        Some(QuietHours {
            start: time(start)?,
            end: time(end)?,
        })
    }

    fn contains(self, t: NaiveTime) -> bool {
        match self.start.cmp(&self.end) {
            std::cmp::Ordering::Equal => false,
            std::cmp::Ordering::Less => t >= self.start && t < self.end,
            std::cmp::Ordering::Greater => t >= self.start || t < self.end,
        }
    }
}

/// The first instant at or after `at` that lies outside every span of `quiet`, read in `tz`.
pub(crate) fn next_allowed(at: DateTime<Utc>, tz: Tz, quiet: &[QuietHours]) -> DateTime<Utc> {
    let mut candidate = at;
    // Each step moves to the end of a span the candidate is in; a few spans settle quickly.
    for _ in 0..8 {
        let local = candidate.with_timezone(&tz);
        let time = local.time();
        let Some(span) = quiet.iter().find(|q| q.contains(time)) else {
            return candidate;
        };
        // The span ends today, or tomorrow when it crossed midnight and began today.
        let day = local.date_naive();
        let end_day = if span.start > span.end && time >= span.start {
            day.succ_opt().unwrap_or(day)
        } else {
            day
        };
        candidate = local_instant(tz, end_day, span.end).max(candidate + Duration::seconds(1));
    }
    candidate
}

/// The instant a local wall-clock time names. In a spring-forward gap (02:30 that never
/// happens) it is the moment the clocks jump; in an autumn fold (01:30 twice) the first.
fn local_instant(tz: Tz, day: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let naive = day.and_time(time);
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        LocalResult::None => {
            // Walk forward a minute at a time to the end of the gap (at most a few hours).
            let mut probe = naive;
            loop {
                probe += Duration::minutes(1);
                if let Some(t) = tz.from_local_datetime(&probe).earliest() {
                    return t.with_timezone(&Utc);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn night() -> Vec<QuietHours> {
        vec![QuietHours::parse("21:00", "08:00").unwrap()]
    }

    #[test]
    fn outside_quiet_hours_a_message_leaves_at_once() {
        let at = utc("2026-06-10T16:00:00Z"); // 12:00 in New York
        assert_eq!(next_allowed(at, chrono_tz::America::New_York, &night()), at);
    }

    #[test]
    fn at_night_it_waits_for_the_local_morning_across_the_spring_change() {
        // New York springs forward at 02:00 on 8 March 2026: 08:00 that morning is 12:00 UTC
        // (EDT), the evening before 21:00 was 02:00 UTC (EST).
        let evening = utc("2026-03-08T03:30:00Z"); // 22:30 EST on 7 March
        assert_eq!(
            next_allowed(evening, chrono_tz::America::New_York, &night()),
            utc("2026-03-08T12:00:00Z")
        );
    }

    #[test]
    fn at_night_it_waits_for_the_local_morning_across_the_autumn_change() {
        // New York falls back at 02:00 on 1 November 2026: 08:00 that morning is 13:00 UTC.
        let night_before = utc("2026-11-01T05:30:00Z"); // 01:30 EDT, the first of two
        assert_eq!(
            next_allowed(night_before, chrono_tz::America::New_York, &night()),
            utc("2026-11-01T13:00:00Z")
        );
        // And 21:00 that evening is 02:00 UTC on 2 November, not 01:00.
        assert_eq!(
            next_allowed(
                utc("2026-11-02T01:30:00Z"),
                chrono_tz::America::New_York,
                &night()
            ),
            utc("2026-11-02T01:30:00Z"),
            "20:30 EST is still allowed"
        );
        assert_eq!(
            next_allowed(
                utc("2026-11-02T02:00:00Z"),
                chrono_tz::America::New_York,
                &night()
            ),
            utc("2026-11-02T13:00:00Z")
        );
    }

    #[test]
    fn london_keeps_its_own_clocks() {
        // British Summer Time ends on 25 October 2026: 08:00 is 08:00 UTC that day.
        let at = utc("2026-10-25T06:00:00Z");
        assert_eq!(
            next_allowed(at, chrono_tz::Europe::London, &night()),
            utc("2026-10-25T08:00:00Z")
        );
        // In summer 08:00 is 07:00 UTC.
        assert_eq!(
            next_allowed(
                utc("2026-07-01T05:00:00Z"),
                chrono_tz::Europe::London,
                &night()
            ),
            utc("2026-07-01T07:00:00Z")
        );
    }

    #[test]
    fn the_clinics_and_the_patients_spans_both_hold() {
        let spans = vec![
            QuietHours::parse("21:00", "08:00").unwrap(),
            QuietHours::parse("07:30", "09:30").unwrap(),
        ];
        assert_eq!(
            next_allowed(utc("2026-06-10T04:00:00Z"), chrono_tz::UTC, &spans),
            utc("2026-06-10T09:30:00Z")
        );
    }

    #[test]
    fn a_span_ending_in_the_spring_gap_ends_when_the_clocks_jump() {
        let spans = vec![QuietHours::parse("01:00", "02:30").unwrap()];
        // 01:15 EST on 8 March; 02:30 never happens that night, the clocks go 02:00 → 03:00.
        assert_eq!(
            next_allowed(
                utc("2026-03-08T06:15:00Z"),
                chrono_tz::America::New_York,
                &spans
            ),
            utc("2026-03-08T07:00:00Z")
        );
    }

    #[test]
    fn no_quiet_hours_when_start_equals_end() {
        let spans = vec![QuietHours::parse("08:00", "08:00").unwrap()];
        let at = utc("2026-06-10T08:00:00Z");
        assert_eq!(next_allowed(at, chrono_tz::UTC, &spans), at);
    }
}
