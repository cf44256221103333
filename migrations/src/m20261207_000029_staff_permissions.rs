//! What a staff context may do, held to the permissions its role grants. Before this, a staff
//! member reached their clinic as `clinic_admin` when they held any permission that runs part
//! of the clinic, and that reach was the whole clinic's administration: front desk, who only
//! manage patients, could change the clinic's settings, protocols, roles and staff, reset two-step
//! sign-in, and write patients' profiles and allergies, and every staff member could read every
//! patient's allergies and medications.
//!
//! The application now also tells the transaction the permissions the actor's role grants
//! (`app.permissions`, the clinic permission names space-separated, as a role stores them), and
//! each policy asks for the permission the server's own check asks for:
//!
//! | rows | permission |
//! |---|---|
//! | the clinic's details, hours and reminder settings | `clinic.settings` |
//! | protocols and their re-application | `protocols.manage` |
//! | roles, staff memberships and invitations, two-step resets | `staff.manage` |
//! | patient memberships and invitations, imports | `patients.manage` |
//! | assignments | `patients.manage`, or `staff.manage` (a deactivated provider's end) |
//! | care items, compliance, reminders | `patients.manage` (re-enrolment, retries), or `care_item.complete` for a patient assigned to them |
//! | audit-chain verifications | `audit.read` |
//! | allergies and medications (read) | `patient.read` for a patient assigned to them |
//!
//! Patients' own records (profile, allergies, medications, goals, logs, consents) are written
//! by the patient or by the clinic's own task (a patient joining), never by staff. The clinic's
//! own task (`clinic_task`) keeps what it had: it is the system, not a person.
use sea_orm_migration::prelude::*;

use crate::as_platform::execute_on_postgres;

#[derive(DeriveMigrationName)]
pub struct Migration;

const FUNCTION: &str = "
-- Whether the staff member this transaction acts for holds a clinic permission. Only staff
-- contexts are told permissions; anything else holds none.
CREATE FUNCTION salus_holds(permission text) RETURNS boolean LANGUAGE sql STABLE AS
    $$ SELECT salus_role() IN ('provider', 'clinic_admin')
        AND COALESCE(permission = ANY (string_to_array(
            NULLIF(current_setting('app.permissions', true), ''), ' ')), false) $$;
GRANT EXECUTE ON FUNCTION salus_holds(text) TO salus_application;
";

const HERE: &str = "clinic_id = (SELECT salus_clinic_id())";
const TASK: &str = "(SELECT salus_role()) = 'clinic_task'";
const PLATFORM_TASK: &str = "(SELECT salus_role()) = 'platform'";

fn holds(permission: &str) -> String {
    format!("(SELECT salus_holds('{permission}'))")
}

/// A row about a patient assigned to the acting staff member in their clinic.
fn assigned(table: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM provider_assignments a WHERE a.clinic_id = (SELECT salus_clinic_id()) \
         AND a.patient_id = {table}.patient_id AND a.provider_id = (SELECT salus_user_id()))"
    )
}

/// A patient's or a staff member's row, by who it is about (`memberships.role`,
/// `invitations.role`): patients are managed with `patients.manage`, staff with `staff.manage`.
fn by_whom() -> String {
    format!(
        "((role = 'patient' AND {}) OR (role <> 'patient' AND {}))",
        holds("patients.manage"),
        holds("staff.manage")
    )
}

/// The patient a row of `table` is about (`column`) is a patient of the acting clinic.
fn enrolled(table: &str, column: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = {table}.{column} \
         AND m.clinic_id = (SELECT salus_clinic_id()) AND m.role = 'patient')"
    )
}

fn policy_sql(name: &str, table: &str, rule: &str) -> String {
    format!("ALTER POLICY {name} ON {table} USING ({rule}) WITH CHECK ({rule});\n")
}

fn up() -> String {
    let mut sql = FUNCTION.to_owned();
    let platform = "(SELECT salus_is_platform())";
    sql += &policy_sql(
        "memberships_write",
        "memberships",
        &format!("{PLATFORM_TASK} OR ({HERE} AND ({TASK} OR {}))", by_whom()),
    );
    sql += &policy_sql(
        "invitations_clinic",
        "invitations",
        &format!("{platform} OR ({HERE} AND ({TASK} OR {}))", by_whom()),
    );
    for (table, column) in PATIENT_OWNED {
        let enrolled = enrolled(table, column);
        let write = format!("{column} = (SELECT salus_user_id()) OR ({TASK} AND {enrolled})");
        sql += &policy_sql(&format!("{table}_write"), table, &write);
    }
    for table in ["patient_allergies", "patient_medications"] {
        sql += &format!(
            "ALTER POLICY {table}_read ON {table} USING (patient_id = (SELECT salus_user_id()) \
             OR ({} AND {}));\n",
            holds("patient.read"),
            assigned(table)
        );
    }
    for table in ["care_items", "patient_compliance", "reminders"] {
        // The shape of m20261207_000028's policy, with permissions for roles, and the
        // assignment matched on the row's own clinic. The reminder worker claims and settles
        // reminders under it. With the assignment matched on `salus_clinic_id()` instead, the
        // planner made the EXISTS a hashed subplan, and three workers' claims and updates
        // waited on each other for up to 80 seconds: the crash test took 108 s, not 23 s.
        let write = format!(
            "({HERE} AND ({TASK} OR {})) OR ({HERE} AND {} AND EXISTS (SELECT 1 FROM \
             provider_assignments a WHERE a.clinic_id = {table}.clinic_id AND a.patient_id = \
             {table}.patient_id AND a.provider_id = (SELECT salus_user_id()))) \
             OR patient_id = (SELECT salus_user_id())",
            holds("patients.manage"),
            holds("care_item.complete"),
        );
        sql += &policy_sql(&format!("{table}_write"), table, &write);
    }
    sql += &policy_sql(
        "provider_assignments_write",
        "provider_assignments",
        &format!(
            "{HERE} AND ({TASK} OR {} OR {})",
            holds("patients.manage"),
            holds("staff.manage")
        ),
    );
    for rule in CLINIC_RULES {
        sql += &rule.policy(&holds(rule.permission));
    }
    for table in ["user_mfa", "mfa_recovery_codes"] {
        sql += &format!(
            "ALTER POLICY {table}_clinic_admin ON {table} USING ({} AND EXISTS (\
             SELECT 1 FROM memberships m WHERE m.user_id = {table}.user_id \
             AND m.clinic_id = (SELECT salus_clinic_id()) AND m.role <> 'patient')) WITH CHECK (false);\n",
            holds("staff.manage")
        );
    }
    sql
}

/// A clinic's own rows that one clinic permission manages.
struct ClinicRule {
    policy: &'static str,
    table: &'static str,
    /// The column that names the clinic.
    clinic: &'static str,
    /// What platform work the policy lets in, as it did before.
    platform: &'static str,
    /// Whether the clinic's own task writes them too.
    clinic_task: bool,
    permission: &'static str,
}

const ANY_PLATFORM: &str = "(SELECT salus_is_platform())";

const CLINIC_RULES: [ClinicRule; 8] = [
    ClinicRule {
        policy: "care_protocols_write",
        table: "care_protocols",
        clinic: "clinic_id",
        platform: ANY_PLATFORM,
        clinic_task: true,
        permission: "protocols.manage",
    },
    ClinicRule {
        policy: "protocol_resyncs_clinic",
        table: "protocol_resyncs",
        clinic: "clinic_id",
        platform: ANY_PLATFORM,
        clinic_task: true,
        permission: "protocols.manage",
    },
    ClinicRule {
        policy: "clinic_roles_write",
        table: "clinic_roles",
        clinic: "clinic_id",
        platform: PLATFORM_TASK,
        clinic_task: true,
        permission: "staff.manage",
    },
    ClinicRule {
        policy: "audit_verifications_clinic",
        table: "audit_verifications",
        clinic: "chain",
        platform: ANY_PLATFORM,
        clinic_task: false,
        permission: "audit.read",
    },
    ClinicRule {
        policy: "patient_imports_clinic",
        table: "patient_imports",
        clinic: "clinic_id",
        platform: ANY_PLATFORM,
        clinic_task: false,
        permission: "patients.manage",
    },
    ClinicRule {
        policy: "clinic_working_hours_write",
        table: "clinic_working_hours",
        clinic: "clinic_id",
        platform: PLATFORM_TASK,
        clinic_task: false,
        permission: "clinic.settings",
    },
    ClinicRule {
        policy: "clinic_reminder_settings_write",
        table: "clinic_reminder_settings",
        clinic: "clinic_id",
        platform: PLATFORM_TASK,
        clinic_task: false,
        permission: "clinic.settings",
    },
    ClinicRule {
        policy: "clinics_admin_update",
        table: "clinics",
        clinic: "id",
        platform: "",
        clinic_task: false,
        permission: "clinic.settings",
    },
];

impl ClinicRule {
    /// The policy, with `staff` as what lets the clinic's staff in (the clinic's own task is let
    /// in beside them where it was before).
    fn policy(&self, staff: &str) -> String {
        let (policy, table, clinic) = (self.policy, self.table, self.clinic);
        let platform = if self.platform.is_empty() {
            String::new()
        } else {
            format!("{} OR ", self.platform)
        };
        let staff = if self.clinic_task {
            format!("({TASK} OR {staff})")
        } else {
            staff.to_owned()
        };
        policy_sql(
            policy,
            table,
            &format!("{platform}({clinic} = (SELECT salus_clinic_id()) AND {staff})"),
        )
    }
}

/// A patient's own records, by the column that names the patient.
const PATIENT_OWNED: [(&str, &str); 6] = [
    ("patient_profiles", "user_id"),
    ("patient_allergies", "patient_id"),
    ("patient_medications", "patient_id"),
    ("goals", "patient_id"),
    ("goal_logs", "patient_id"),
    ("consents", "patient_id"),
];

/// The policies as they were: every staff context with `clinic_admin` reach runs all of it.
fn down() -> String {
    let admin = "(SELECT salus_role()) = 'clinic_admin'";
    let runs = "(SELECT salus_role()) IN ('clinic_admin', 'clinic_task')";
    let platform = "(SELECT salus_is_platform())";
    let mut sql = String::new();
    sql += &policy_sql(
        "memberships_write",
        "memberships",
        &format!("{PLATFORM_TASK} OR ({HERE} AND {runs})"),
    );
    sql += &policy_sql(
        "invitations_clinic",
        "invitations",
        &format!("{platform} OR ({HERE} AND {runs})"),
    );
    for (table, column) in PATIENT_OWNED {
        let enrolled = enrolled(table, column);
        let write = format!("{column} = (SELECT salus_user_id()) OR ({runs} AND {enrolled})");
        sql += &policy_sql(&format!("{table}_write"), table, &write);
        if matches!(table, "patient_allergies" | "patient_medications") {
            sql += &format!(
                "ALTER POLICY {table}_read ON {table} USING ({column} = (SELECT salus_user_id()) \
                 OR ((SELECT salus_is_staff()) AND {enrolled}));\n"
            );
        }
    }
    for table in ["care_items", "patient_compliance", "reminders"] {
        let write = format!(
            "({HERE} AND {runs}) OR ({HERE} AND (SELECT salus_role()) = 'provider' AND EXISTS \
             (SELECT 1 FROM provider_assignments a WHERE a.clinic_id = {table}.clinic_id \
             AND a.patient_id = {table}.patient_id AND a.provider_id = (SELECT salus_user_id()))) \
             OR patient_id = (SELECT salus_user_id())"
        );
        sql += &policy_sql(&format!("{table}_write"), table, &write);
    }
    sql += &policy_sql(
        "provider_assignments_write",
        "provider_assignments",
        &format!("{HERE} AND {runs}"),
    );
    for rule in CLINIC_RULES {
        sql += &rule.policy(admin);
    }
    for table in ["user_mfa", "mfa_recovery_codes"] {
        sql += &format!(
            "ALTER POLICY {table}_clinic_admin ON {table} USING ({admin} AND EXISTS (\
             SELECT 1 FROM memberships m WHERE m.user_id = {table}.user_id \
             AND m.clinic_id = (SELECT salus_clinic_id()) AND m.role <> 'patient')) WITH CHECK (false);\n"
        );
    }
    sql += "DROP FUNCTION salus_holds(text);\n";
    sql
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        execute_on_postgres(m, &up()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        execute_on_postgres(m, &down()).await
    }
}
