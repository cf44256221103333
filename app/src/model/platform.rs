//! What the platform-administration portal shows and sends: clinics, their plans and status.
use serde::{Deserialize, Serialize};

use super::clinic::{AuditRow, ChainStatus};

text_enum! {
    /// Where a clinic stands on the platform. Only an active clinic's staff and patients sign
    /// in to it and only an active clinic's reminders go out; a suspended or closed clinic's
    /// data is kept.
    pub enum ClinicStatus {
        Active = "active",
        Suspended = "suspended",
        /// Marked for deletion once its retention period has passed.
        Closed = "closed",
    }
}

impl ClinicStatus {
    pub fn label(self) -> &'static str {
        match self {
            ClinicStatus::Active => "Active",
            ClinicStatus::Suspended => "Suspended",
            ClinicStatus::Closed => "Closed",
        }
    }
}

/// A plan and its limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanSummary {
    pub code: String,
    pub name: String,
    pub provider_seats: u64,
    pub patient_limit: u64,
    pub sms_per_month: u64,
    pub sms_reminders: bool,
    /// No longer offered: the clinics on it keep it, no other clinic is put on it.
    pub retired: bool,
}

impl PlanSummary {
    /// What the plan allows, in a sentence's words.
    pub fn limits(&self) -> String {
        format!(
            "{} provider seats, {} patients, {}",
            thousands(self.provider_seats),
            thousands(self.patient_limit),
            if self.sms_reminders {
                format!("{} texts a month", thousands(self.sms_per_month))
            } else {
                "no text reminders".to_owned()
            }
        )
    }
}

/// A plan on the platform's plans page, with how many clinics are on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRow {
    pub plan: PlanSummary,
    pub clinics: u64,
}

/// The platform's plans, smallest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanList {
    pub plans: Vec<PlanRow>,
}

/// One clinic in the platform's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicRow {
    pub id: i64,
    pub name: String,
    pub status: ClinicStatus,
    pub plan: String,
    pub seats_taken: u64,
    pub seats_allowed: u64,
    pub patients: u64,
    /// Of the patients with a compliance snapshot, the share with an overdue preventive
    /// checkup, in whole percent; none while no patient has one.
    pub overdue_percent: Option<u64>,
    /// The day it was created, as "23 Nov 2026".
    pub created: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicList {
    pub rows: Vec<ClinicRow>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    /// The plans the filter and the new-clinic form offer.
    pub plans: Vec<PlanSummary>,
}

impl ClinicList {
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(self.per_page).max(1)
    }
}

/// One clinic, as its platform page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicDetail {
    pub row: ClinicRow,
    /// What its patients type to register, and the platform types to close it.
    pub code: String,
    pub time_zone: String,
    pub plan_code: String,
    /// Why and when the status last changed, in UTC ("23 Nov 2026, 14:05 UTC").
    pub status_reason: Option<String>,
    pub status_changed: Option<String>,
    /// A closed clinic's data is kept until then.
    pub delete_after: Option<String>,
    pub texts_this_month: u64,
    pub plans: Vec<PlanSummary>,
    /// How long a closed clinic's data is kept, for the close form to say.
    pub retention_days: u64,
}

/// 12,345 as the portal writes it.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_in_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(50_000), "50,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}

/// A clinic as a filter's choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicChoice {
    pub id: i64,
    pub name: String,
}

/// A page of the platform's audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformAuditPage {
    /// Each event with its clinic's name (none: the platform's own chain). Patients appear by
    /// id only.
    pub rows: Vec<(Option<String>, AuditRow)>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    pub clinics: Vec<ClinicChoice>,
    pub actions: Vec<String>,
    /// The last verification of the whole log.
    pub chain: Option<ChainStatus>,
}

/// A super admin in the platform's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuperAdminRow {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    /// Has set up two-step sign-in.
    pub two_step: bool,
    /// The super admin looking at the list.
    pub is_you: bool,
}

/// An invitation to become a super admin not yet accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuperAdminInvite {
    pub email: String,
    pub expires: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuperAdmins {
    pub admins: Vec<SuperAdminRow>,
    pub invitations: Vec<SuperAdminInvite>,
}

/// A protocol template, and how many clinics hold a copy of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtocolTemplate {
    pub protocol: super::clinic::ClinicProtocol,
    pub clinics: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtocolTemplates {
    pub templates: Vec<ProtocolTemplate>,
}

/// What the list was asked for, as its filter form sends it: the page's query, the server
/// function's one argument (its fields are the form's fields) and the service's input and its CSV download's query.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformAuditQuery {
    pub clinic: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub page: Option<String>,
}

/// What the list was asked for, as its filter form sends it: the page's query, the server
/// function's one argument (its fields are the form's fields) and the service's input.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicQuery {
    pub search: Option<String>,
    pub status: Option<String>,
    pub plan: Option<String>,
    pub page: Option<String>,
}
