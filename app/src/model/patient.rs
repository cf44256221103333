//! What the patient portal's pages show and send: the dashboard and its goals, the goal
//! history, the profile, the patient's clinics and data.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::content::HealthTip;
use super::{Allergy, ChartDay, DayValue, GoalKind, Medication, Reminder, Sex};

/// One wellness goal card on the dashboard: today's value against the target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalProgress {
    pub kind: GoalKind,
    pub value: i64,
    pub target: i64,
}

impl GoalProgress {
    /// Whole percent of the target reached, rounded down; can pass 100.
    pub fn percent(&self) -> i64 {
        if self.target <= 0 {
            return 0;
        }
        self.value.max(0) * 100 / self.target
    }

    pub fn met(&self) -> bool {
        self.value >= self.target
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientDashboard {
    pub name: String,
    /// Today in the patient's own time zone.
    pub today: NaiveDate,
    pub time_zone: String,
    pub goals: Vec<GoalProgress>,
    /// Open care items and the next ones coming up, soonest first.
    pub reminders: Vec<Reminder>,
    pub tip: Option<HealthTip>,
    /// Minutes slept on each of the last 7 nights, oldest first (0 when not logged).
    pub sleep_week: Vec<DayValue>,
}

/// A clinic the patient belongs to: it reaches their record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyClinic {
    pub clinic_id: i64,
    pub name: String,
    /// When they joined, in the clinic's time zone.
    pub joined: String,
    /// The clinic they are acting in now.
    pub current: bool,
}

/// Today's progress on each goal and the last week's sleep: the part of the dashboard a
/// logged value changes, fetched again to redraw it in the browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TodaysGoals {
    pub goals: Vec<GoalProgress>,
    /// Minutes slept on each of the last 7 nights, oldest first (0 when not logged).
    pub sleep_week: Vec<ChartDay>,
}

/// What active minutes are worth, roughly. Moderate activity such as brisk walking is about
/// 4 METs; at 70 kg that burns 4 × 3.5 × 70 / 200 ≈ 4.9 kcal a minute and covers about
/// 80 m a minute (4.8 km/h). An estimate for encouragement, not a measurement.
pub struct ActivityEstimate {
    pub kcal: i64,
    /// In tenths of a kilometre: shown as "2.4 km" without floating-point formatting, which
    /// would add its code to the browser bundle.
    pub tenths_of_km: i64,
}

pub const ACTIVITY_ESTIMATE_NOTE: &str =
    "Estimated for moderate activity such as brisk walking (4 METs) at 70 kg: about 4.9 kcal and 80 m a minute.";

impl ActivityEstimate {
    pub fn for_minutes(minutes: i64) -> Self {
        let minutes = minutes.max(0);
        ActivityEstimate {
            kcal: (minutes as f64 * 4.9).round() as i64,
            tenths_of_km: (minutes as f64 * 0.08 * 10.0).round() as i64,
        }
    }

    /// "≈ 147 kcal · 2.4 km".
    pub fn summary(&self) -> String {
        let (km, tenths) = (self.tenths_of_km / 10, self.tenths_of_km % 10);
        format!("≈ {} kcal · {km}.{tenths} km", self.kcal)
    }
}

/// One goal's last 30 days, target and streak, for the goal history page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalSeries {
    pub kind: GoalKind,
    pub target: i64,
    pub days: Vec<DayValue>,
    /// Days in a row the target was met, up to today (today counts once met; until then the
    /// streak runs to yesterday).
    pub streak: u32,
}

/// An editable log entry of the last 7 days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntryView {
    pub id: i64,
    pub kind: GoalKind,
    pub day: NaiveDate,
    pub value: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalHistory {
    pub today: NaiveDate,
    pub series: Vec<GoalSeries>,
    pub recent: Vec<LogEntryView>,
}

/// Days in a row `met` holds, counting back from the last day; an unmet last day (today, not
/// over yet) is skipped rather than breaking the streak.
pub fn streak(days_met: &[bool]) -> u32 {
    let mut days = days_met.iter().rev().peekable();
    if days.peek() == Some(&&false) {
        days.next();
    }
    days.take_while(|met| **met).count() as u32
}

impl PatientDashboard {
    /// The earliest day a value may be logged for.
    pub fn earliest_loggable(&self) -> NaiveDate {
        self.today - chrono::Days::new(LOG_WINDOW_DAYS)
    }
}

/// How many days back a patient may log a value.
pub const LOG_WINDOW_DAYS: u64 = 7;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_rounds_down_and_may_pass_100() {
        let p = GoalProgress {
            kind: GoalKind::Steps,
            value: 3620,
            target: 6000,
        };
        assert_eq!(p.percent(), 60);
        let p = GoalProgress {
            kind: GoalKind::Steps,
            value: 7000,
            target: 6000,
        };
        assert_eq!(p.percent(), 116);
        assert!(p.met());
    }

    #[test]
    fn streaks_count_back_and_forgive_an_unfinished_today() {
        assert_eq!(streak(&[true, true, true]), 3);
        assert_eq!(streak(&[true, true, false]), 2, "today not met yet");
        assert_eq!(streak(&[true, false, true]), 1);
        assert_eq!(streak(&[true, false, false]), 0);
        assert_eq!(streak(&[]), 0);
    }

    #[test]
    fn activity_estimates_scale_with_minutes() {
        let e = ActivityEstimate::for_minutes(30);
        assert_eq!(e.kcal, 147);
        assert_eq!(e.tenths_of_km, 24);
        assert_eq!(e.summary(), "≈ 147 kcal · 2.4 km");
        assert_eq!(
            ActivityEstimate::for_minutes(125).summary(),
            "≈ 613 kcal · 10.0 km"
        );
        assert_eq!(ActivityEstimate::for_minutes(-5).kcal, 0);
    }

    #[test]
    fn goal_kinds_round_trip() {
        for k in GoalKind::ALL {
            assert_eq!(GoalKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(GoalKind::parse("calories"), None);
    }
}

/// One access to a patient's record by someone else, as the patient sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordAccess {
    pub who: String,
    pub role: String,
    pub clinic: Option<String>,
    pub what: String,
    /// When, in the patient's time zone, e.g. "23 Nov 2026, 14:05".
    pub when: String,
}

/// A reminder the patient was sent, or is to be sent, as their data page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentReminder {
    pub clinic: String,
    /// "Email".
    pub channel: String,
    /// "Sent", "Waiting", "Retrying", "Failed", "Cancelled".
    pub status: String,
    /// When it was sent, or planned when it was not, in the patient's time zone.
    pub when: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordAccessPage {
    pub rows: Vec<RecordAccess>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

impl RecordAccessPage {
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(self.per_page).max(1)
    }
}

/// The patient's own profile, as shown and edited on the profile page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub name: String,
    pub email: String,
    pub date_of_birth: Option<NaiveDate>,
    pub sex: Option<Sex>,
    pub phone: Option<String>,
    pub time_zone: String,
    pub preferred_language: String,
    pub email_reminders: bool,
    pub sms_reminders: bool,
    pub quiet_hours_start: String,
    pub quiet_hours_end: String,
    /// A nudge on a day they have logged no goal by `goal_nudge_at` ("HH:MM", their time zone).
    pub goal_nudges: bool,
    pub goal_nudge_at: String,
    pub allergies: Vec<Allergy>,
    pub medications: Vec<Medication>,
}

/// Languages the portal offers to write to patients in.
pub const LANGUAGES: [(&str, &str); 5] = [
    ("en", "English"),
    ("es", "Español"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("pt", "Português"),
];

/// Allergy severities (FHIR AllergyIntolerance.reaction.severity).
pub const SEVERITIES: [&str; 3] = ["mild", "moderate", "severe"];
