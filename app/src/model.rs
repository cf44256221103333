//! Data that crosses the wire between server and browser. Entities never do; secrets never do.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[macro_use]
mod text_enum;
pub mod account;
pub mod clinic;
pub mod content;
pub mod patient;
pub mod platform;
pub mod provider;
pub mod reminders;

text_enum! {
    /// A role a user holds. `SuperAdmin` is a platform flag, the others are clinic memberships.
    /// `Custom` is one of a clinic's own roles: which one, and what it grants, the membership
    /// says.
    pub enum Role {
        Patient = "patient",
        Provider = "provider",
        Nurse = "nurse",
        FrontDesk = "front_desk",
        ClinicAdmin = "clinic_admin",
        Custom = "custom",
        SuperAdmin = "super_admin",
    }
}

impl Role {
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

text_enum! {
    /// The four wellness goals (`docs/domain.md`).
    pub enum GoalKind {
        Steps = "steps",
        ActiveMinutes = "active_minutes",
        Sleep = "sleep",
        Water = "water",
    }
}

impl GoalKind {
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

text_enum! {
    /// Sex as recorded for eligibility of sex-specific screenings (FHIR administrative gender).
    pub enum Sex {
        Female = "female",
        Male = "male",
        Other = "other",
    }
}

impl Sex {
    pub fn label(self) -> &'static str {
        match self {
            Sex::Female => "Female",
            Sex::Male => "Male",
            Sex::Other => "Other",
        }
    }
}

text_enum! {
    /// A care item's status (after Epic's Health Maintenance statuses; `docs/domain.md`).
    // Ordered from best to worst, so the worst of a patient's items is the maximum.
    #[derive(PartialOrd, Ord)]
    pub enum CareStatus {
        NotApplicable = "not_applicable",
        Completed = "completed",
        NotDue = "not_due",
        DueSoon = "due_soon",
        Due = "due",
        Overdue = "overdue",
    }
}

impl CareStatus {
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

text_enum! {
    /// A patient's compliance as a provider sees it (`docs/domain.md`), worst first.
    pub enum ComplianceLabel {
        MissedCheckup = "missed_checkup",
        DueSoon = "due_soon",
        GoalsMissed = "goals_missed",
        GoalMet = "goal_met",
    }
}

impl ComplianceLabel {
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
