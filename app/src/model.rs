//! Data that crosses the wire between server and browser. Entities never do; secrets never do.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub mod clinic;
pub mod content;
pub mod platform;

/// A role a user holds. `SuperAdmin` is a platform flag, the others are clinic memberships.
/// `Custom` is one of a clinic's own roles: which one, and what it grants, the membership says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    Patient,
    Provider,
    Nurse,
    FrontDesk,
    ClinicAdmin,
    Custom,
    SuperAdmin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Patient => "patient",
            Role::Provider => "provider",
            Role::Nurse => "nurse",
            Role::FrontDesk => "front_desk",
            Role::ClinicAdmin => "clinic_admin",
            Role::Custom => "custom",
            Role::SuperAdmin => "super_admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "patient" => Some(Role::Patient),
            "provider" => Some(Role::Provider),
            "nurse" => Some(Role::Nurse),
            "front_desk" => Some(Role::FrontDesk),
            "clinic_admin" => Some(Role::ClinicAdmin),
            "custom" => Some(Role::Custom),
            "super_admin" => Some(Role::SuperAdmin),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Patient => "Patient",
            Role::Provider => "Provider",
            Role::Nurse => "Nurse",
            Role::FrontDesk => "Front desk",
            Role::ClinicAdmin => "Clinic admin",
            Role::Custom => "Custom role",
            Role::SuperAdmin => "Super admin",
        }
    }
}

/// The signed-in user as the browser knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub name: String,
    pub role: Role,
    /// The role's name: a built-in role's label, or the name a clinic gave its own role.
    pub role_name: String,
    /// The portal they work in.
    pub home: String,
    /// The names of the permissions they hold (`staff.manage`, ...), so that a portal shows
    /// only the sections they may use. The server checks each request all the same.
    pub permissions: Vec<String>,
    pub clinic_name: Option<String>,
}

/// An authenticator to set up: the secret as a QR code (SVG drawn on the server) and as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    pub qr_svg: String,
    /// Base32, in groups of four, for typing into the app by hand.
    pub secret: String,
    pub account: String,
}

/// The account's email address, and whether its owner confirmed it through the mailed link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailStatus {
    pub email: String,
    pub verified: bool,
}

/// Whether the user signs in with a second step, and whether they must.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoStepStatus {
    pub enrolled: bool,
    pub required: bool,
    pub recovery_codes_left: usize,
}

/// One signed-in session of the user, as their security page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedInDevice {
    /// Names the session to end it: a hash of its id, never the id the cookie holds.
    pub key: String,
    /// The session this page was loaded with.
    pub current: bool,
    pub signed_in_at: String,
    pub last_active: String,
    pub address: Option<String>,
    pub browser: String,
}

/// The four wellness goals of DOMAIN.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GoalKind {
    Steps,
    ActiveMinutes,
    Sleep,
    Water,
}

impl GoalKind {
    pub const ALL: [GoalKind; 4] = [
        GoalKind::Steps,
        GoalKind::ActiveMinutes,
        GoalKind::Sleep,
        GoalKind::Water,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GoalKind::Steps => "steps",
            GoalKind::ActiveMinutes => "active_minutes",
            GoalKind::Sleep => "sleep",
            GoalKind::Water => "water",
        }
    }

    pub fn parse(s: &str) -> Option<GoalKind> {
        GoalKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            GoalKind::Steps => "Steps",
            GoalKind::ActiveMinutes => "Active minutes",
            GoalKind::Sleep => "Sleep",
            GoalKind::Water => "Water",
        }
    }

    /// The unit values are logged in.
    pub fn unit(self) -> &'static str {
        match self {
            GoalKind::Steps => "steps",
            GoalKind::ActiveMinutes => "minutes",
            GoalKind::Sleep => "minutes",
            GoalKind::Water => "glasses",
        }
    }

    pub fn default_target(self) -> i64 {
        match self {
            GoalKind::Steps => 6000,
            GoalKind::ActiveMinutes => 30,
            GoalKind::Sleep => 420,
            GoalKind::Water => 8,
        }
    }

    /// The most one day can hold; anything above is a typing mistake, not a record.
    pub fn max_per_day(self) -> i64 {
        match self {
            GoalKind::Steps => 100_000,
            GoalKind::ActiveMinutes => 1_440,
            GoalKind::Sleep => 1_440,
            GoalKind::Water => 40,
        }
    }

    /// Whether a second entry for the same day adds to the first (steps, minutes, glasses)
    /// or replaces it (a night's sleep is one measurement).
    pub fn entries_add_up(self) -> bool {
        !matches!(self, GoalKind::Sleep)
    }
}

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

/// A value on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayValue {
    pub day: NaiveDate,
    pub value: i64,
}

/// A day of a chart with its labels written by the server ("Mon" under the bar, "Mon 23 Nov"
/// in the description), so a chart drawn in the browser needs no calendar code (about 10 KB
/// of the bundle).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartDay {
    pub weekday: String,
    pub date: String,
    pub value: i64,
}

impl From<DayValue> for ChartDay {
    fn from(d: DayValue) -> Self {
        ChartDay {
            weekday: d.day.format("%a").to_string(),
            date: d.day.format("%a %-d %b").to_string(),
            value: d.value,
        }
    }
}

/// Chart days from values, oldest first.
pub fn chart_days(values: &[DayValue]) -> Vec<ChartDay> {
    values.iter().copied().map(ChartDay::from).collect()
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

/// The health tip of the patient's day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthTip {
    pub title: String,
    pub text: String,
    pub category: Option<String>,
}

impl PatientDashboard {
    /// The earliest day a value may be logged for.
    pub fn earliest_loggable(&self) -> NaiveDate {
        self.today - chrono::Days::new(LOG_WINDOW_DAYS)
    }
}

/// How many days back a patient may log a value.
pub const LOG_WINDOW_DAYS: u64 = 7;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleSummary {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub published_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    pub slug: String,
    pub title: String,
    pub summary: String,
    /// The Markdown body as HTML, already sanitised on the server (`server::markdown`).
    pub body_html: String,
    pub tags: Vec<String>,
    pub published_on: NaiveDate,
    /// A privacy policy's version; `None` for a health topic.
    pub version: Option<String>,
}

/// A staff portal's landing summary: which clinic, and how many people it serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalSummary {
    pub heading: String,
    pub facts: Vec<(String, i64)>,
}

/// A message in the development mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxMessage {
    pub id: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub sent_at: String,
}

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

/// Sex as recorded for eligibility of sex-specific screenings (FHIR administrative gender).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sex {
    Female,
    Male,
    Other,
}

impl Sex {
    pub const ALL: [Sex; 3] = [Sex::Female, Sex::Male, Sex::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
            Sex::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Sex> {
        Sex::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Sex::Female => "Female",
            Sex::Male => "Male",
            Sex::Other => "Other",
        }
    }
}

/// A care item's status (after Epic's Health Maintenance statuses; DOMAIN.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum CareStatus {
    // Ordered from best to worst, so the worst of a patient's items is the maximum.
    NotApplicable,
    Completed,
    NotDue,
    DueSoon,
    Due,
    Overdue,
}

impl CareStatus {
    pub const ALL: [CareStatus; 6] = [
        CareStatus::NotApplicable,
        CareStatus::Completed,
        CareStatus::NotDue,
        CareStatus::DueSoon,
        CareStatus::Due,
        CareStatus::Overdue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CareStatus::NotDue => "not_due",
            CareStatus::DueSoon => "due_soon",
            CareStatus::Due => "due",
            CareStatus::Overdue => "overdue",
            CareStatus::Completed => "completed",
            CareStatus::NotApplicable => "not_applicable",
        }
    }

    pub fn parse(s: &str) -> Option<CareStatus> {
        CareStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            CareStatus::NotDue => "Not due",
            CareStatus::DueSoon => "Due soon",
            CareStatus::Due => "Due",
            CareStatus::Overdue => "Overdue",
            CareStatus::Completed => "Completed",
            CareStatus::NotApplicable => "Not applicable",
        }
    }

    /// Open items need action (Da Vinci DEQM's "open gap").
    pub fn is_open(self) -> bool {
        matches!(
            self,
            CareStatus::DueSoon | CareStatus::Due | CareStatus::Overdue
        )
    }
}

/// A preventive-care item as its patient sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminder {
    pub item_id: i64,
    pub name: String,
    pub due_on: NaiveDate,
    pub status: CareStatus,
}

impl Reminder {
    /// "Upcoming: Annual blood test on 2 Jan 2027", "Overdue: Dental check-up since 5 Oct 2026".
    pub fn sentence(&self) -> String {
        let day = self.due_on.format("%-d %b %Y");
        match self.status {
            CareStatus::Overdue => format!("Overdue: {} since {day}", self.name),
            CareStatus::Due => format!("Due now: {} (due {day})", self.name),
            CareStatus::Completed | CareStatus::NotDue | CareStatus::DueSoon => {
                format!("Upcoming: {} on {day}", self.name)
            }
            CareStatus::NotApplicable => format!("{}: not applicable", self.name),
        }
    }
}

/// A patient's compliance as a provider sees it (DOMAIN.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ComplianceLabel {
    GoalMet,
    GoalsMissed,
    DueSoon,
    MissedCheckup,
}

impl ComplianceLabel {
    pub const ALL: [ComplianceLabel; 4] = [
        ComplianceLabel::MissedCheckup,
        ComplianceLabel::DueSoon,
        ComplianceLabel::GoalsMissed,
        ComplianceLabel::GoalMet,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ComplianceLabel::GoalMet => "goal_met",
            ComplianceLabel::GoalsMissed => "goals_missed",
            ComplianceLabel::DueSoon => "due_soon",
            ComplianceLabel::MissedCheckup => "missed_checkup",
        }
    }

    pub fn parse(s: &str) -> Option<ComplianceLabel> {
        ComplianceLabel::ALL.into_iter().find(|l| l.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ComplianceLabel::GoalMet => "Goal met",
            ComplianceLabel::GoalsMissed => "Goals missed",
            ComplianceLabel::DueSoon => "Due soon",
            ComplianceLabel::MissedCheckup => "Missed preventive checkup",
        }
    }

    /// Worse is higher.
    pub fn rank(self) -> i32 {
        match self {
            ComplianceLabel::GoalMet => 0,
            ComplianceLabel::GoalsMissed => 1,
            ComplianceLabel::DueSoon => 2,
            ComplianceLabel::MissedCheckup => 3,
        }
    }
}

/// One row of a provider's compliance list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplianceRow {
    pub patient_id: i64,
    pub name: String,
    pub label: Option<ComplianceLabel>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompliancePage {
    pub rows: Vec<ComplianceRow>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

impl CompliancePage {
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(self.per_page).max(1)
    }
}

/// A goal's adherence over the last 30 days, for the provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalAdherence {
    pub kind: GoalKind,
    pub target: i64,
    pub days_met: u32,
    pub days: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CareItemView {
    pub item_id: i64,
    pub name: String,
    pub status: CareStatus,
    pub due_on: NaiveDate,
    pub last_completed_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allergy {
    pub id: i64,
    pub substance: String,
    pub reaction: String,
    pub severity: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Medication {
    pub id: i64,
    pub name: String,
    pub dose: String,
    pub frequency: String,
}

/// What a provider sees of one assigned patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientDetail {
    pub patient_id: i64,
    pub name: String,
    pub age: Option<u32>,
    pub sex: Option<Sex>,
    /// The patient's today, in their time zone.
    pub today: NaiveDate,
    pub compliance: Option<(ComplianceLabel, String)>,
    pub goals: Vec<GoalAdherence>,
    pub care: Vec<CareItemView>,
    pub allergies: Vec<Allergy>,
    pub medications: Vec<Medication>,
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
