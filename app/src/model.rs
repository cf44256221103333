//! Data that crosses the wire between server and browser. Entities never do; secrets never do.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub mod account;
pub mod clinic;
pub mod content;
pub mod patient;
pub mod platform;
pub mod provider;

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

/// The four wellness goals (`docs/domain.md`).
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

/// A care item's status (after Epic's Health Maintenance statuses; `docs/domain.md`).
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

/// A patient's compliance as a provider sees it (`docs/domain.md`).
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
