//! What the provider portal's pages show: the compliance list and a patient's detail.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Allergy, CareStatus, ComplianceLabel, GoalKind, Medication, Sex};

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

/// What the list was asked for, as its filter form sends it: the page's query, the server
/// function's one argument (its fields are the form's fields) and the service's input.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListQuery {
    pub status: Option<String>,
    pub search: Option<String>,
    pub sort: Option<String>,
    pub page: Option<String>,
}
