//! What the clinic-admin portal shows and sends.
use serde::{Deserialize, Serialize};

use super::reminders::{Channel, DeliveryStatus, ReminderKind};
use super::{ComplianceLabel, Role};

/// The built-in staff roles, in the order the forms offer them (a clinic's own roles follow).
pub const STAFF_ROLES: [Role; 4] = [
    Role::Provider,
    Role::Nurse,
    Role::FrontDesk,
    Role::ClinicAdmin,
];

/// A staff role as a form offers it: `key` is a built-in role's (`provider`) or, for one of the
/// clinic's own roles, `custom:<id>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleChoice {
    pub key: String,
    pub name: String,
}

/// A permission as the roles page offers it: its name, the form field of its checkbox, and
/// what it lets its holder do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionOption {
    pub name: String,
    pub field: String,
    pub description: String,
}

/// A role of the clinic and what it grants. `id` is none for a built-in role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicRole {
    pub id: Option<i64>,
    pub name: String,
    /// Permission names.
    pub permissions: Vec<String>,
    /// Staff memberships and open invitations in the role.
    pub holders: u64,
}

/// The roles page: the built-in roles, the clinic's own, and the permissions they are made of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicRoles {
    pub built_in: Vec<ClinicRole>,
    pub custom: Vec<ClinicRole>,
    pub permissions: Vec<PermissionOption>,
}

/// One staff membership of the clinic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffMember {
    pub membership_id: i64,
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// The role as the forms name it (`RoleChoice::key`), and its name.
    pub role_key: String,
    pub role_name: String,
    pub two_step: bool,
    /// When they last finished signing in to this clinic, in the clinic's time zone.
    pub last_sign_in: Option<String>,
    pub active: bool,
}

/// An invitation not yet accepted or withdrawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenInvitation {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub role_name: String,
    /// When the link stops working, in the clinic's time zone.
    pub expires: String,
    pub expired: bool,
}

/// Provider seats: those taken by active staff whose role reads patients (`patient.read`), and
/// by open invitations to such a role; `allowed` by the clinic's plan, named `plan`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderSeats {
    pub providers: u64,
    pub invited: u64,
    pub allowed: u64,
    pub plan: String,
}

impl ProviderSeats {
    pub fn taken(&self) -> u64 {
        self.providers + self.invited
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffDirectory {
    pub members: Vec<StaffMember>,
    pub invitations: Vec<OpenInvitation>,
    pub seats: ProviderSeats,
    /// The roles the forms offer.
    pub roles: Vec<RoleChoice>,
}

/// What an invitation link's page shows the person it was sent to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationDetails {
    pub clinic_name: String,
    pub email: String,
    pub role: Role,
    pub role_name: String,
    /// Whether the address has a Salus account already: then they join with its password.
    pub has_account: bool,
    /// The name the clinic typed when it invited them, to start the new account's form with.
    pub name: Option<String>,
}

/// Someone of the clinic (a provider, a staff member), as a choice in a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub user_id: i64,
    pub name: String,
}

/// One patient on the clinic's roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterRow {
    pub patient_id: i64,
    pub name: String,
    pub email: String,
    pub label: Option<ComplianceLabel>,
    /// The providers the patient is assigned to.
    pub providers: Vec<Person>,
    /// When the patient was discharged, in the clinic's time zone; none while enrolled.
    pub discharged: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterPage {
    pub rows: Vec<RosterRow>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    pub providers: Vec<Person>,
    /// People the clinic invited who have not joined (newest first, at most
    /// `INVITED_SHOWN`, matching the search), listed when no provider or status is chosen.
    pub invited: Vec<InvitedPatient>,
    /// How many such invitations match in all.
    pub invited_total: u64,
}

/// The most invitations the roster lists at once.
pub const INVITED_SHOWN: u64 = 50;

/// Someone the clinic invited to join as a patient, not joined yet: the clinic reaches nothing
/// of theirs until they accept the link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitedPatient {
    pub invitation_id: i64,
    /// As the clinic typed it; none when invited by email alone.
    pub name: Option<String>,
    pub email: String,
    /// When they were invited, in the clinic's time zone.
    pub invited: String,
    pub expired: bool,
}

impl RosterPage {
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(self.per_page).max(1)
    }
}

/// One event of the clinic's audit log, as its admin reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub id: i64,
    /// In the clinic's time zone.
    pub when: String,
    /// Who acted: a name and role, a role, or "Salus" for the system's own work.
    pub actor: String,
    pub action: String,
    /// The patient the event is about, by name.
    pub patient: Option<String>,
    pub detail: Option<String>,
    pub address: Option<String>,
}

/// The last verification of the clinic's audit chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainStatus {
    pub verified_at: String,
    pub checked: u64,
    pub intact: bool,
    pub first_broken: Option<i64>,
    pub problem: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLogPage {
    pub rows: Vec<AuditRow>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    /// The choices of the staff filter.
    pub staff: Vec<Person>,
    /// The choices of the action filter: the actions the log holds.
    pub actions: Vec<String>,
    pub chain: Option<ChainStatus>,
}

impl AuditLogPage {
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(self.per_page).max(1)
    }
}

/// The weekdays, 1 = Monday as ISO 8601 numbers them.
pub const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// A clinic's hours on one weekday; no times means closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkingDay {
    /// 1 = Monday … 7 = Sunday.
    pub weekday: u8,
    /// "HH:MM" in the clinic's time zone.
    pub opens: Option<String>,
    pub closes: Option<String>,
}

/// How the clinic's reminders go out (the reminder worker reads these).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderSettings {
    pub email_enabled: bool,
    pub sms_enabled: bool,
    /// No reminder goes out between these times, in each patient's own time zone.
    pub quiet_hours_start: String,
    pub quiet_hours_end: String,
    /// The name reminders are sent in.
    pub sender_name: String,
    /// How many days before an item is due its "due soon" reminder goes out.
    pub due_soon_days: u32,
    /// The most texts the clinic sends in a day.
    pub sms_daily_cap: u32,
}

/// The clinic's settings as its admin edits them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicSettings {
    pub name: String,
    /// The registration code patients type.
    pub code: String,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub address: Option<String>,
    pub time_zone: String,
    /// Monday to Sunday, one each.
    pub hours: Vec<WorkingDay>,
    pub reminders: ReminderSettings,
}

/// The patient's clinic as the patient sees it: how to reach it and when it is open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicContact {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    /// Monday to Sunday, in the clinic's time zone.
    pub hours: Vec<WorkingDay>,
    pub time_zone: String,
}

/// One of the clinic's preventive-care protocols, as its admin edits it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicProtocol {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub min_age_years: Option<u32>,
    pub max_age_years: Option<u32>,
    /// Only patients of this sex; everyone when empty.
    pub sex: Option<super::Sex>,
    pub interval_months: u32,
    /// How many days before the due date the item shows as "due soon".
    pub due_soon_days: u32,
    pub active: bool,
    /// Added by the clinic rather than adopted from the platform's templates.
    pub custom: bool,
}

text_enum! {
    /// How far the re-application of a protocol change to the clinic's patients has got.
    pub enum ResyncState {
        Running = "running",
        Done = "done",
        Failed = "failed",
        /// A later change of the same protocol took over.
        Superseded = "superseded",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResyncProgress {
    pub id: i64,
    pub protocol: String,
    pub state: ResyncState,
    pub done: u64,
    pub total: u64,
    /// When the change was saved, in the clinic's time zone.
    pub requested: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicProtocols {
    pub protocols: Vec<ClinicProtocol>,
    /// The latest re-applications, newest first.
    pub resyncs: Vec<ResyncProgress>,
}

impl ClinicProtocols {
    pub fn running(&self) -> bool {
        self.resyncs.iter().any(|r| r.state == ResyncState::Running)
    }
}

/// What adding a patient by hand did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EnrolledPatient {
    /// Invited: enrolled once they accept the link and agree to the privacy policy.
    Invited,
}

/// One problem a CSV import found: the row as a spreadsheet numbers it (the header is row 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportProblem {
    pub row: u64,
    pub field: String,
    pub message: String,
}

/// What a CSV import did. With any problem, nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOutcome {
    pub id: i64,
    /// In the clinic's time zone.
    pub when: String,
    pub rows: u64,
    /// Patients enrolled at once, by imports made before everyone was invited; 0 since.
    pub added: u64,
    pub already_enrolled: u64,
    /// Addresses sent an invitation to join.
    pub invited: u64,
    /// Addresses that had an open invitation already.
    pub already_invited: u64,
    pub problems: Vec<ImportProblem>,
    /// The same file was imported before.
    pub imported_before: bool,
}

/// One reminder of the clinic's outbox, as its admin reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderDelivery {
    pub id: i64,
    pub patient_id: i64,
    pub patient: String,
    pub channel: Channel,
    pub kind: ReminderKind,
    pub status: DeliveryStatus,
    pub attempts: i32,
    /// Why the last attempt failed, or why it was cancelled.
    pub reason: Option<String>,
    /// When it was planned, and when it was sent or is next tried, in the clinic's time zone.
    pub planned: String,
    pub when: Option<String>,
    /// When the SMS gateway reported a text delivered, in the clinic's time zone.
    pub delivered: Option<String>,
}

/// A page of the clinic's reminders, newest first, with the filters' choices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderDeliveries {
    pub rows: Vec<ReminderDelivery>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

impl ReminderDeliveries {
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(self.per_page).max(1)
    }
}

/// What the list was asked for, as its filter form sends it: the page's query, the server
/// function's one argument (its fields are the form's fields) and the service's input and its CSV download's query.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    pub patient: Option<String>,
    pub staff: Option<String>,
    pub action: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub page: Option<String>,
}

/// What the list was asked for, as its filter form sends it: the page's query, the server
/// function's one argument (its fields are the form's fields) and the service's input.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterQuery {
    pub search: Option<String>,
    pub provider: Option<String>,
    pub status: Option<String>,
    pub page: Option<String>,
}

/// What the list was asked for, as its filter form sends it: the page's query, the server
/// function's one argument (its fields are the form's fields) and the service's input.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryQuery {
    pub status: Option<String>,
    pub channel: Option<String>,
    pub page: Option<String>,
}
