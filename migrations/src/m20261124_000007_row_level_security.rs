//! Row-level security on PostgreSQL: the database itself keeps each clinic's and each patient's
//! rows apart, whatever query the application sends.
//!
//! - `salus_application` is the group role the application connects through (`salus db
//!   create-app-role` makes a login role in it). It is not the tables' owner, cannot bypass RLS,
//!   and holds only the privileges the application uses: it can add audit events and read them,
//!   never change or delete them.
//! - Every table that holds clinic or patient data has RLS enabled and forced (so the owner is
//!   held to it too). Policies read the transaction-local settings that
//!   `salus_app::server::db_context` sets as a transaction's first statement: `app.user_id`,
//!   `app.clinic_id`, `app.role` and, before sign-in, `app.email` and `app.clinic_code`. A transaction that sets none
//!   sees no rows of these tables and can write none.
//! - Not under RLS, because they hold no clinic or patient data and are read before anyone is
//!   known: `sessions`, `sign_in_failures`, `password_resets` (hashed tokens) and the public
//!   `content`.
//!
//! SQLite has no row-level security; this migration does nothing there, and the application's
//! scope is the only guard (the HTTP tenancy tests run on both databases).
use sea_orm::DatabaseBackend;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &str = r#"
-- The group role. Roles belong to the whole cluster, so it may exist already (another
-- database, or a concurrent migration of one).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'salus_application') THEN
        CREATE ROLE salus_application NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;

-- Who is asking, as the application told this transaction.
CREATE FUNCTION salus_user_id() RETURNS bigint LANGUAGE sql STABLE AS
    $$ SELECT NULLIF(current_setting('app.user_id', true), '')::bigint $$;
CREATE FUNCTION salus_clinic_id() RETURNS bigint LANGUAGE sql STABLE AS
    $$ SELECT NULLIF(current_setting('app.clinic_id', true), '')::bigint $$;
CREATE FUNCTION salus_role() RETURNS text LANGUAGE sql STABLE AS
    $$ SELECT COALESCE(current_setting('app.role', true), '') $$;
CREATE FUNCTION salus_email() RETURNS text LANGUAGE sql STABLE AS
    $$ SELECT NULLIF(current_setting('app.email', true), '') $$;
CREATE FUNCTION salus_clinic_code() RETURNS text LANGUAGE sql STABLE AS
    $$ SELECT NULLIF(current_setting('app.clinic_code', true), '') $$;
-- Staff of the clinic in app.clinic_id, or the system's own work in that clinic.
CREATE FUNCTION salus_is_staff() RETURNS boolean LANGUAGE sql STABLE AS
    $$ SELECT salus_role() IN ('provider', 'clinic_admin', 'clinic_task') $$;
-- Platform work: a super admin, or a platform task. Never patients' health records.
CREATE FUNCTION salus_is_platform() RETURNS boolean LANGUAGE sql STABLE AS
    $$ SELECT salus_role() IN ('super_admin', 'platform') $$;

GRANT USAGE ON SCHEMA public TO salus_application;
GRANT EXECUTE ON FUNCTION salus_user_id(), salus_clinic_id(), salus_role(), salus_email(),
    salus_clinic_code(), salus_is_staff(), salus_is_platform() TO salus_application;
GRANT SELECT, INSERT, UPDATE, DELETE ON
    users, clinics, memberships, patient_profiles, consents, goals, goal_logs, care_protocols,
    care_items, notifications, patient_allergies, patient_medications, provider_assignments,
    patient_compliance, sessions, sign_in_failures, password_resets
    TO salus_application;
GRANT SELECT ON content TO salus_application;
GRANT SELECT, INSERT ON audit_events TO salus_application;
GRANT SELECT, INSERT, UPDATE ON audit_chain_heads TO salus_application;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO salus_application;

"#;

/// The policies, written with plain calls of the `salus_*` functions; `evaluated_once` makes
/// each call a one-off subquery before they are created.
const POLICIES: &str = r#"
-- Clinics: their own, the ones the user belongs to, the platform's view of all, and for a
-- visitor registering, the one clinic whose code they typed.
ALTER TABLE clinics ENABLE ROW LEVEL SECURITY;
ALTER TABLE clinics FORCE ROW LEVEL SECURITY;
CREATE POLICY clinics_read ON clinics FOR SELECT USING (
    salus_is_platform()
    OR id = salus_clinic_id()
    OR (salus_role() = 'visitor' AND code = salus_clinic_code())
    OR EXISTS (SELECT 1 FROM memberships m WHERE m.clinic_id = clinics.id AND m.user_id = salus_user_id())
);
CREATE POLICY clinics_write ON clinics FOR ALL USING (salus_is_platform()) WITH CHECK (salus_is_platform());

-- Memberships: one's own; in one's clinic, staff see everyone and patients see the staff.
ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY memberships_read ON memberships FOR SELECT USING (
    salus_is_platform()
    OR user_id = salus_user_id()
    OR (clinic_id = salus_clinic_id() AND (salus_is_staff() OR role <> 'patient'))
);
CREATE POLICY memberships_write ON memberships FOR ALL
    USING (salus_role() = 'platform' OR (clinic_id = salus_clinic_id() AND salus_role() IN ('clinic_admin', 'clinic_task')))
    WITH CHECK (salus_role() = 'platform' OR (clinic_id = salus_clinic_id() AND salus_role() IN ('clinic_admin', 'clinic_task')));
-- A new patient enrolling themselves (registration), in the clinic they act in.
CREATE POLICY memberships_enrol_self ON memberships FOR INSERT WITH CHECK (
    salus_role() = 'patient' AND user_id = salus_user_id() AND clinic_id = salus_clinic_id() AND role = 'patient'
);

-- Users: oneself; the members of one's clinic (patients see its staff, not other patients);
-- staff who appear in one's own audit trail ("who viewed my record"); before sign-in, only
-- the account with the email typed.
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY users_read ON users FOR SELECT USING (
    salus_is_platform()
    OR id = salus_user_id()
    OR (salus_role() = 'visitor' AND email = salus_email())
    OR EXISTS (
        SELECT 1 FROM memberships m
        WHERE m.user_id = users.id AND m.clinic_id = salus_clinic_id()
          AND (salus_is_staff() OR m.role <> 'patient'))
    OR (salus_role() = 'patient' AND EXISTS (
        SELECT 1 FROM audit_events e
        WHERE e.patient_id = salus_user_id() AND e.actor_user_id = users.id))
);
CREATE POLICY users_insert ON users FOR INSERT WITH CHECK (
    salus_role() = 'platform' OR (salus_role() = 'visitor' AND email = salus_email())
);
CREATE POLICY users_update ON users FOR UPDATE
    USING (salus_role() = 'platform' OR id = salus_user_id())
    WITH CHECK (salus_role() = 'platform' OR id = salus_user_id());
CREATE POLICY users_delete ON users FOR DELETE USING (salus_role() = 'platform');
"#;

/// A patient's own records: the patient, or staff of a clinic the patient is enrolled in
/// (providers read; clinic admins and the clinic's own tasks also write). Platform work never
/// reaches them.
const PATIENT_OWNED: [(&str, &str); 6] = [
    ("patient_profiles", "user_id"),
    ("patient_allergies", "patient_id"),
    ("patient_medications", "patient_id"),
    ("goals", "patient_id"),
    ("goal_logs", "patient_id"),
    ("consents", "patient_id"),
];

/// Clinic-scoped rows about a patient. The clinic's staff reach them in their clinic; the
/// patient reads their own in every clinic they are enrolled in (a goal logged in one clinic's
/// portal refreshes their compliance in each). Per table: whether the platform may read them
/// (compliance labels and assignments for its clinic statistics, never care items or
/// messages), and whether the patient may write their own (statuses and compliance follow
/// their profile and goals; assignments are the clinic's to make).
const CLINIC_PATIENT: [(&str, bool, bool); 4] = [
    ("care_items", false, true),
    ("patient_compliance", true, true),
    ("provider_assignments", true, false),
    ("notifications", false, true),
];

fn patient_owned(table: &str, column: &str) -> String {
    let enrolled = format!(
        "EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = {table}.{column} \
         AND m.clinic_id = salus_clinic_id() AND m.role = 'patient')"
    );
    let read = format!("{column} = salus_user_id() OR (salus_is_staff() AND {enrolled})");
    let write = format!(
        "{column} = salus_user_id() OR (salus_role() IN ('clinic_admin', 'clinic_task') AND {enrolled})"
    );
    format!(
        "ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;\n\
         ALTER TABLE {table} FORCE ROW LEVEL SECURITY;\n\
         CREATE POLICY {table}_read ON {table} FOR SELECT USING ({read});\n\
         CREATE POLICY {table}_write ON {table} FOR ALL USING ({write}) WITH CHECK ({write});\n"
    )
}

fn clinic_patient(table: &str, platform_reads: bool, patient_writes: bool) -> String {
    let staff = "(clinic_id = salus_clinic_id() AND salus_is_staff())";
    let own = "patient_id = salus_user_id()";
    let platform = if platform_reads {
        " OR salus_is_platform()"
    } else {
        ""
    };
    let write = if patient_writes {
        format!("{staff} OR {own}")
    } else {
        staff.to_owned()
    };
    format!(
        "ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;\n\
         ALTER TABLE {table} FORCE ROW LEVEL SECURITY;\n\
         CREATE POLICY {table}_read ON {table} FOR SELECT USING ({staff} OR {own}{platform});\n\
         CREATE POLICY {table}_write ON {table} FOR ALL USING ({write}) WITH CHECK ({write});\n"
    )
}

const TAIL: &str = r#"
-- Protocols: the platform's templates (no clinic) are readable by all who act; a clinic's own
-- copies by that clinic and by its members (a patient's compliance in each of their clinics
-- is computed from that clinic's protocols); the platform adopts templates into new clinics.
ALTER TABLE care_protocols ENABLE ROW LEVEL SECURITY;
ALTER TABLE care_protocols FORCE ROW LEVEL SECURITY;
CREATE POLICY care_protocols_read ON care_protocols FOR SELECT USING (
    salus_is_platform()
    OR clinic_id = salus_clinic_id()
    OR (clinic_id IS NULL AND salus_role() <> '')
    OR EXISTS (SELECT 1 FROM memberships m WHERE m.clinic_id = care_protocols.clinic_id AND m.user_id = salus_user_id())
);
CREATE POLICY care_protocols_write ON care_protocols FOR ALL
    USING (salus_is_platform() OR (clinic_id = salus_clinic_id() AND salus_is_staff()))
    WITH CHECK (salus_is_platform() OR (clinic_id = salus_clinic_id() AND salus_is_staff()));

-- Audit events: read by the platform, by the clinic's staff for their clinic, and by a patient
-- for events about them. Anyone acting may append to their clinic's chain or the platform's.
-- There is no UPDATE or DELETE privilege, and a trigger refuses both anyway.
ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_events_read ON audit_events FOR SELECT USING (
    salus_is_platform()
    OR (clinic_id = salus_clinic_id() AND salus_is_staff())
    OR patient_id = salus_user_id()
);
CREATE POLICY audit_events_append ON audit_events FOR INSERT WITH CHECK (
    salus_role() <> ''
    AND chain = COALESCE(clinic_id, 0)
    AND (clinic_id IS NULL OR clinic_id = salus_clinic_id() OR salus_is_platform())
    -- A patient's events are about themselves; only staff and the platform write about others.
    AND (patient_id IS NULL OR patient_id = salus_user_id() OR salus_is_staff() OR salus_is_platform())
);
ALTER TABLE audit_chain_heads ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_chain_heads FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_chain_heads_own ON audit_chain_heads FOR ALL
    USING (salus_role() <> '' AND (chain = 0 OR chain = salus_clinic_id() OR salus_is_platform()))
    WITH CHECK (salus_role() <> '' AND (chain = 0 OR chain = salus_clinic_id() OR salus_is_platform()));
"#;

/// The settings' functions as `(SELECT salus_…())`: an InitPlan that PostgreSQL evaluates once
/// per query, instead of a call per row that also hides the value from the planner. Measured on
/// a provider's list of 10,000 patients: 145 ms of queries with plain calls, 52 ms like this
/// (22 ms with no row-level security at all).
fn evaluated_once(policies: &str) -> String {
    const FUNCTIONS: [&str; 7] = [
        "salus_user_id()",
        "salus_clinic_id()",
        "salus_role()",
        "salus_email()",
        "salus_clinic_code()",
        "salus_is_staff()",
        "salus_is_platform()",
    ];
    FUNCTIONS.iter().fold(policies.to_owned(), |sql, function| {
        sql.replace(function, &format!("(SELECT {function})"))
    })
}

const DOWN_TABLES: [&str; 15] = [
    "clinics",
    "memberships",
    "users",
    "patient_profiles",
    "patient_allergies",
    "patient_medications",
    "goals",
    "goal_logs",
    "consents",
    "care_items",
    "patient_compliance",
    "provider_assignments",
    "notifications",
    "care_protocols",
    "audit_events",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let mut policies = POLICIES.to_owned();
        for (table, column) in PATIENT_OWNED {
            policies.push_str(&patient_owned(table, column));
        }
        for (table, platform_reads, patient_writes) in CLINIC_PATIENT {
            policies.push_str(&clinic_patient(table, platform_reads, patient_writes));
        }
        policies.push_str(TAIL);
        let sql = format!("{UP}{}", evaluated_once(&policies));
        manager.get_connection().execute_unprepared(&sql).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let conn = manager.get_connection();
        for table in DOWN_TABLES.iter().chain(["audit_chain_heads"].iter()) {
            // Dropping RLS drops the policies' effect; the policies go with a loop over pg_policies.
            conn.execute_unprepared(&format!(
                "DO $$ DECLARE p record; BEGIN \
                 FOR p IN SELECT policyname FROM pg_policies WHERE tablename = '{table}' LOOP \
                 EXECUTE format('DROP POLICY %I ON {table}', p.policyname); END LOOP; END $$; \
                 ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY; \
                 ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;"
            ))
            .await?;
        }
        conn.execute_unprepared(
            "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM salus_application; \
             REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM salus_application; \
             REVOKE USAGE ON SCHEMA public FROM salus_application; \
             DROP FUNCTION salus_is_platform(), salus_is_staff(), salus_clinic_code(), salus_email(), salus_role(), \
             salus_clinic_id(), salus_user_id();",
        )
        .await?;
        Ok(())
    }
}
