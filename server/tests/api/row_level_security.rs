//! Row-level security on PostgreSQL, tried in SQL as the application role, around the
//! application: two clinics, staff of each role, patients in one clinic or in both, and every
//! table that holds clinic or patient data × select, insert, update and delete × no context,
//! the other clinic's contexts and the right ones. It prints the matrix and asserts no leak.
//!
//! The contexts are set with the same settings `db_context` sets (`app.user_id`,
//! `app.clinic_id`, `app.role`, `app.email`, `app.clinic_code`, `app.permissions`), written out
//! here so that the test does not depend on the code it checks.
use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, Statement, TransactionTrait};

use crate::helpers::*;

/// The rows each attempt aims at: Emma's (a patient of Sunrise only) and Sunrise's own.
/// `{emma}` and `{sunrise}` are replaced by their ids.
const TARGETS: [(&str, &str); 16] = [
    ("users", "id = {emma}"),
    ("clinics", "id = {sunrise}"),
    ("memberships", "user_id = {emma} AND clinic_id = {sunrise}"),
    ("patient_profiles", "user_id = {emma}"),
    ("patient_allergies", "patient_id = {emma}"),
    ("patient_medications", "patient_id = {emma}"),
    ("goals", "patient_id = {emma}"),
    ("goal_logs", "patient_id = {emma}"),
    ("consents", "patient_id = {emma}"),
    (
        "care_items",
        "clinic_id = {sunrise} AND patient_id = {emma}",
    ),
    (
        "patient_compliance",
        "clinic_id = {sunrise} AND patient_id = {emma}",
    ),
    (
        "provider_assignments",
        "clinic_id = {sunrise} AND patient_id = {emma}",
    ),
    ("reminders", "clinic_id = {sunrise} AND patient_id = {emma}"),
    ("care_protocols", "clinic_id = {sunrise}"),
    (
        "audit_events",
        "clinic_id = {sunrise} AND patient_id = {emma}",
    ),
    ("audit_chain_heads", "chain = {sunrise}"),
];

/// Patients' health records: what platform work must never reach. A compliance snapshot names
/// the patient and why they are behind.
const HEALTH_RECORDS: [&str; 9] = [
    "patient_compliance",
    "patient_profiles",
    "patient_allergies",
    "patient_medications",
    "goals",
    "goal_logs",
    "consents",
    "care_items",
    "reminders",
];

/// What only those who care for a patient read: not the clinic's administration, not a
/// provider the patient is not assigned to.
const HEALTH_RECORDS_OF_CARE: [&str; 2] = ["patient_allergies", "patient_medications"];

/// What a provider writes about a patient assigned to them: recording a completion.
const PROVIDER_WRITES: [&str; 3] = ["care_items", "patient_compliance", "reminders"];

/// What managing patients writes: memberships, assignments, and re-enrolment's care items,
/// compliance and reminders.
const PATIENT_MANAGEMENT: [&str; 5] = [
    "memberships",
    "provider_assignments",
    "care_items",
    "patient_compliance",
    "reminders",
];

/// A clinic admin's: managing patients, and the clinic's settings and protocols.
const CLINIC_ADMINISTRATION: [&str; 7] = [
    "memberships",
    "provider_assignments",
    "care_items",
    "patient_compliance",
    "reminders",
    "clinics",
    "care_protocols",
];

/// The permissions the built-in roles hold, as `db_context` tells them.
const PROVIDER_PERMISSIONS: &str = "patient.read care_item.complete";
const FRONT_DESK_PERMISSIONS: &str = "patients.manage";
const CLINIC_ADMIN_PERMISSIONS: &str =
    "patients.manage staff.manage protocols.manage clinic.settings audit.read";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Op {
    Select,
    Insert,
    Update,
    Delete,
}

/// Whether a context is meant to reach the targets.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Must reach nothing: no context, another clinic's.
    Nothing,
    /// Another clinic's patient who is also Sunrise's: Sunrise's directory entry and
    /// protocols are theirs to read, nothing about Emma or Sunrise's staff.
    MemberElsewhere,
    /// The same patient acting in Sunrise: as above, and Sunrise's audit chain head, which
    /// every action in Sunrise moves (it holds a hash, nothing about anyone).
    MemberHere,
    /// Platform work: clinic-level rows, never health records.
    Platform,
    /// A provider of Sunrise: reads what the clinic's staff read, and a patient's allergies and
    /// medications only when the patient is assigned to them (`true`: Emma is); writes only the
    /// care items, compliance and reminders of a patient assigned to them, and the audit trail.
    /// Never assignments or protocols: those are clinic administration.
    Provider(bool),
    /// Sunrise's staff who run part of the clinic without reading patients: read what the
    /// clinic's staff read except allergies and medications, and write the tables listed (what
    /// their permissions manage) and the audit trail.
    Manager(&'static [&'static str]),
    /// Sunrise's staff or Emma herself: must see every target.
    Everything,
}

struct Context {
    name: &'static str,
    user: Option<i64>,
    clinic: Option<i64>,
    role: &'static str,
    email: &'static str,
    clinic_code: &'static str,
    permissions: &'static str,
    expect: Expect,
}

impl Context {
    fn may(&self, table: &str, op: Op) -> bool {
        match self.expect {
            Expect::Nothing => false,
            Expect::MemberElsewhere => {
                op == Op::Select && matches!(table, "clinics" | "care_protocols")
            }
            Expect::MemberHere => {
                (op == Op::Select && matches!(table, "clinics" | "care_protocols"))
                    || (table == "audit_chain_heads" && op != Op::Delete)
            }
            Expect::Platform => !HEALTH_RECORDS.contains(&table),
            Expect::Provider(assigned) => {
                (op == Op::Select && (assigned || !HEALTH_RECORDS_OF_CARE.contains(&table)))
                    || matches!(table, "audit_events" | "audit_chain_heads")
                    || (assigned && PROVIDER_WRITES.contains(&table))
            }
            Expect::Manager(writes) => {
                (op == Op::Select && !HEALTH_RECORDS_OF_CARE.contains(&table))
                    || matches!(table, "audit_events" | "audit_chain_heads")
                    || writes.contains(&table)
            }
            Expect::Everything => true,
        }
    }
}

impl Context {
    /// Whether the context must reach the target: the staff and the patient see what they are
    /// meant to see, and change what their permissions manage (an update, which every table
    /// takes).
    fn must(&self, table: &str, op: Op) -> bool {
        let sees = op == Op::Select && self.may(table, op);
        match self.expect {
            Expect::Everything => op == Op::Select,
            Expect::Provider(assigned) => {
                sees || (op == Op::Update && assigned && PROVIDER_WRITES.contains(&table))
            }
            Expect::Manager(writes) => sees || (op == Op::Update && writes.contains(&table)),
            _ => false,
        }
    }
}

/// What one attempt did.
#[derive(Debug)]
enum Outcome {
    /// Rows seen, or rows changed.
    Rows(u64),
    /// An insert went through row-level security (it may then have met a constraint).
    Inserted,
    /// Refused by row-level security or by missing privileges.
    Refused,
}

impl Outcome {
    fn reached(&self) -> bool {
        match self {
            Outcome::Rows(n) => *n > 0,
            Outcome::Inserted => true,
            Outcome::Refused => false,
        }
    }
    fn cell(&self) -> String {
        match self {
            Outcome::Rows(n) => n.to_string(),
            Outcome::Inserted => "ins".into(),
            Outcome::Refused => "-".into(),
        }
    }
}

fn refused(e: &DbErr) -> bool {
    let text = e.to_string();
    text.contains("row-level security") || text.contains("permission denied")
}

async fn attempt(
    app: &TestApp,
    context: &Context,
    table: &str,
    target: &str,
    op: Op,
    row: &Option<String>,
) -> Outcome {
    let txn = app.app_db.begin().await.unwrap();
    let text = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    if context.role != "none" {
        txn.execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT set_config('app.user_id', $1, true), set_config('app.clinic_id', $2, true), \
             set_config('app.role', $3, true), set_config('app.email', $4, true), \
             set_config('app.clinic_code', $5, true), set_config('app.permissions', $6, true)",
            [
                text(context.user).into(),
                text(context.clinic).into(),
                context.role.into(),
                context.email.into(),
                context.clinic_code.into(),
                context.permissions.into(),
            ],
        ))
        .await
        .unwrap();
    }
    let set_key = if table == "audit_chain_heads" {
        "chain"
    } else {
        "id"
    };
    let outcome = match op {
        Op::Select => {
            let row = txn
                .query_one_raw(Statement::from_string(
                    DatabaseBackend::Postgres,
                    format!("SELECT count(*) AS n FROM {table} WHERE {target}"),
                ))
                .await
                .unwrap()
                .unwrap();
            Outcome::Rows(row.try_get::<i64>("", "n").unwrap() as u64)
        }
        Op::Insert => {
            let row = row.clone().expect("a target row to copy");
            match txn
                .execute_raw(Statement::from_sql_and_values(
                    DatabaseBackend::Postgres,
                    format!(
                        "INSERT INTO {table} SELECT * FROM jsonb_populate_record(NULL::{table}, $1::jsonb)"
                    ),
                    [row.into()],
                ))
                .await
            {
                Ok(_) => Outcome::Inserted,
                Err(e) if refused(&e) => Outcome::Refused,
                // Past row-level security, stopped by a constraint: it got through.
                Err(_) => Outcome::Inserted,
            }
        }
        Op::Update | Op::Delete => {
            let sql = if op == Op::Update {
                format!("UPDATE {table} SET {set_key} = {set_key} WHERE {target}")
            } else {
                format!("DELETE FROM {table} WHERE {target}")
            };
            match txn.execute_unprepared(&sql).await {
                Ok(done) => Outcome::Rows(done.rows_affected()),
                Err(e) if refused(&e) => Outcome::Refused,
                // Deleting rows others refer to: the delete reached them.
                Err(e) if e.to_string().contains("foreign key") => Outcome::Rows(1),
                // The append-only trigger refuses what row-level security let through.
                Err(e) if e.to_string().contains("append-only") => Outcome::Rows(1),
                Err(e) => panic!("{table} {op:?} as {}: {e}", context.name),
            }
        }
    };
    txn.rollback().await.unwrap();
    outcome
}

async fn every_table_is_isolated_by_the_database(backend: Backend) {
    assert_eq!(
        backend,
        Backend::Postgres,
        "row-level security is PostgreSQL's"
    );
    let app = TestApp::spawn(backend).await;
    let harbour = second_clinic(&app, DAVID).await.id;
    let (emma, david, sarah, maria, omar) = (
        user_id(&app, "emma@example.com").await,
        user_id(&app, DAVID).await,
        user_id(&app, PROVIDER).await,
        user_id(&app, CLINIC_ADMIN).await,
        user_id(&app, SECOND_PROVIDER).await,
    );
    let sunrise: i64 = scalar(
        &app,
        &format!("SELECT clinic_id FROM memberships WHERE user_id = {sarah}"),
    )
    .await;

    // Every table gets rows for Emma: an allergy, a medication, a queued message, and an audit
    // event about her in Sunrise (her provider opens her record). Harbour gets its own admin
    // and a patient of its own.
    app.db
        .execute_unprepared(&format!(
            "INSERT INTO patient_allergies (patient_id, substance, reaction, severity, created_at, updated_at) \
               VALUES ({emma}, 'Penicillin', 'Rash', 'moderate', now(), now());
             INSERT INTO patient_medications (patient_id, name, dose, frequency, created_at, updated_at) \
               VALUES ({emma}, 'Metformin', '500 mg', 'twice daily', now(), now());
             INSERT INTO reminders (clinic_id, patient_id, channel, kind, idempotency_key, status, attempts, next_attempt_at, created_at) \
               VALUES ({sunrise}, {emma}, 'email', 'care_due', 'rls-matrix-1', 'pending', 0, now(), now());
             INSERT INTO users (email, password_hash, display_name, is_super_admin, is_active, created_at, updated_at) VALUES \
               ('ines@harbour.example', 'x', 'Ines Admin', false, true, now(), now()), \
               ('zoe@harbour.example', 'x', 'Zoe Patient', false, true, now(), now());
             INSERT INTO memberships (user_id, clinic_id, role, created_at) \
               SELECT id, {harbour}, CASE WHEN email LIKE 'ines%' THEN 'clinic_admin' ELSE 'patient' END, now() \
               FROM users WHERE email LIKE '%@harbour.example';"
        ))
        .await
        .unwrap();
    let ines: i64 = scalar(
        &app,
        "SELECT id FROM users WHERE email = 'ines@harbour.example'",
    )
    .await;
    let zoe: i64 = scalar(
        &app,
        "SELECT id FROM users WHERE email = 'zoe@harbour.example'",
    )
    .await;
    // A second provider of Sunrise, to whom Emma is not assigned.
    app.db
        .execute_unprepared(&format!(
            "INSERT INTO users (email, password_hash, display_name, is_super_admin, is_active, created_at, updated_at) \
               VALUES ('lena@sunrise.example', 'x', 'Lena Fischer', false, true, now(), now());
             INSERT INTO memberships (user_id, clinic_id, role, created_at) \
               SELECT id, {sunrise}, 'provider', now() FROM users WHERE email = 'lena@sunrise.example';"
        ))
        .await
        .unwrap();
    let lena: i64 = scalar(
        &app,
        "SELECT id FROM users WHERE email = 'lena@sunrise.example'",
    )
    .await;
    app.sign_in(PROVIDER, DEMO_PASSWORD).await;
    let viewed = app
        .post(
            "/api/provider/patient",
            &[("patient_id", &emma.to_string())],
        )
        .await;
    assert!(viewed.status().is_success());

    let context = |name, user, clinic, role: &'static str, expect| Context {
        name,
        user,
        clinic,
        role,
        email: "",
        clinic_code: "",
        permissions: match role {
            "provider" => PROVIDER_PERMISSIONS,
            "clinic_admin" => CLINIC_ADMIN_PERMISSIONS,
            _ => "",
        },
        expect,
    };
    let contexts = [
        context("no context", None, None, "none", Expect::Nothing),
        context(
            "Harbour provider",
            Some(omar),
            Some(harbour),
            "provider",
            Expect::Nothing,
        ),
        context(
            "Harbour clinic admin",
            Some(ines),
            Some(harbour),
            "clinic_admin",
            Expect::Nothing,
        ),
        context(
            "Harbour's own task",
            None,
            Some(harbour),
            "clinic_task",
            Expect::Nothing,
        ),
        context(
            "Harbour-only patient",
            Some(zoe),
            Some(harbour),
            "patient",
            Expect::Nothing,
        ),
        context(
            "patient of both, in Harbour",
            Some(david),
            Some(harbour),
            "patient",
            Expect::MemberElsewhere,
        ),
        context(
            "patient of both, in Sunrise",
            Some(david),
            Some(sunrise),
            "patient",
            Expect::MemberHere,
        ),
        context(
            "Harbour provider, no clinic",
            Some(omar),
            None,
            "account",
            Expect::Nothing,
        ),
        Context {
            email: "someone@else.example",
            clinic_code: "HARBOUR",
            ..context("visitor", None, None, "visitor", Expect::Nothing)
        },
        context("platform task", None, None, "platform", Expect::Platform),
        context(
            "Sunrise provider",
            Some(sarah),
            Some(sunrise),
            "provider",
            Expect::Provider(true),
        ),
        context(
            "Sunrise provider, not Emma's",
            Some(lena),
            Some(sunrise),
            "provider",
            Expect::Provider(false),
        ),
        context(
            "Sunrise clinic admin",
            Some(maria),
            Some(sunrise),
            "clinic_admin",
            Expect::Manager(&CLINIC_ADMINISTRATION),
        ),
        Context {
            permissions: FRONT_DESK_PERMISSIONS,
            ..context(
                "Sunrise front desk",
                Some(maria),
                Some(sunrise),
                "clinic_admin",
                Expect::Manager(&PATIENT_MANAGEMENT),
            )
        },
        Context {
            permissions: "audit.read",
            ..context(
                "Sunrise auditor",
                Some(maria),
                Some(sunrise),
                "clinic_admin",
                Expect::Manager(&[]),
            )
        },
        Context {
            permissions: "",
            ..context(
                "Sunrise admin, told nothing",
                Some(maria),
                Some(sunrise),
                "clinic_admin",
                Expect::Manager(&[]),
            )
        },
        context(
            "Sunrise's own task",
            None,
            Some(sunrise),
            "clinic_task",
            Expect::Everything,
        ),
        context(
            "Emma herself, in Sunrise",
            Some(emma),
            Some(sunrise),
            "patient",
            Expect::Everything,
        ),
    ];

    let mut leaks = Vec::new();
    // What a context was meant to reach and did not.
    let mut unseen = Vec::new();
    println!(
        "\nrow-level security, as the application role: rows seen (select) or changed (update, \
         delete); ins = insert got past RLS; - = refused\n"
    );
    print!("{:<30}", "context");
    for (table, _) in TARGETS {
        print!(" {:>8.8}", table);
    }
    println!();
    for context in &contexts {
        for op in [Op::Select, Op::Insert, Op::Update, Op::Delete] {
            print!(
                "{:<30}",
                format!("{} {:?}", context.name, op)
                    .chars()
                    .take(30)
                    .collect::<String>()
            );
            for (table, target) in TARGETS {
                let target = target
                    .replace("{emma}", &emma.to_string())
                    .replace("{sunrise}", &sunrise.to_string());
                let row = if op == Op::Insert {
                    Some(copy_of_target(&app, table, &target).await)
                } else {
                    None
                };
                let outcome = attempt(&app, context, table, &target, op, &row).await;
                print!(" {:>8}", outcome.cell());
                if outcome.reached() && !context.may(table, op) {
                    leaks.push(format!("{} {op:?} {table}: {outcome:?}", context.name));
                }
                if context.must(table, op) && !outcome.reached() {
                    unseen.push(format!("{} {op:?} {table}: {outcome:?}", context.name));
                }
            }
            println!();
        }
    }
    println!("\nleaks: {}", leaks.len());
    assert!(leaks.is_empty(), "leaks:\n{}", leaks.join("\n"));
    assert!(
        unseen.is_empty(),
        "the right context must see its rows, and change those it manages:\n{}",
        unseen.join("\n")
    );
}

/// One target row as JSON, with a new id, for an insert that copies it.
async fn copy_of_target(app: &TestApp, table: &str, target: &str) -> String {
    let sql = if table == "audit_chain_heads" {
        format!("SELECT to_jsonb(t)::text AS row FROM {table} t WHERE {target} LIMIT 1")
    } else {
        format!(
            "SELECT jsonb_set(to_jsonb(t), '{{id}}', to_jsonb(t.id + 1000000))::text AS row \
             FROM {table} t WHERE {target} LIMIT 1"
        )
    };
    let row = app
        .db
        .query_one_raw(Statement::from_string(DatabaseBackend::Postgres, sql))
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{table} has no target row to copy"));
    row.try_get("", "row").unwrap()
}

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    app.db
        .query_one_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            sql.to_owned(),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap()
}

/// A table added later cannot forget its policies: every table with a `clinic_id` column has
/// row-level security enabled and forced (so the owner is held to it too).
async fn every_table_with_a_clinic_id_is_under_row_level_security(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rows = app
        .db
        .query_all_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            "SELECT c.relname::text AS name, c.relrowsecurity AS enabled, \
             c.relforcerowsecurity AS forced \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' AND c.relkind = 'r' AND EXISTS ( \
               SELECT 1 FROM information_schema.columns col \
               WHERE col.table_schema = 'public' AND col.table_name = c.relname \
                 AND col.column_name = 'clinic_id') \
             ORDER BY 1"
                .to_owned(),
        ))
        .await
        .unwrap();
    let mut names = Vec::new();
    for row in rows {
        let name: String = row.try_get("", "name").unwrap();
        let enabled: bool = row.try_get("", "enabled").unwrap();
        let forced: bool = row.try_get("", "forced").unwrap();
        assert!(
            enabled && forced,
            "{name}: enabled {enabled}, forced {forced}"
        );
        names.push(name);
    }
    for table in [
        "invitations",
        "patient_imports",
        "protocol_resyncs",
        "care_items",
    ] {
        assert!(names.iter().any(|n| n == table), "{table} in {names:?}");
    }
}

/// A user's own context may update their own row (name, password, two-step settings), but the
/// super admin flag, the account's status and its email are platform work's alone: a patient's
/// context cannot make the patient a super admin, nor can a visitor register as one.
async fn only_platform_work_changes_who_is_a_super_admin(backend: Backend) {
    assert_eq!(backend, Backend::Postgres, "the trigger is PostgreSQL's");
    let app = TestApp::spawn(backend).await;
    let david = user_id(&app, DAVID).await;
    let sunrise: i64 = scalar(
        &app,
        &format!("SELECT clinic_id FROM memberships WHERE user_id = {david}"),
    )
    .await;
    let run = |role: &'static str, user: Option<i64>, email: &'static str, sql: String| {
        let app = &app;
        async move {
            let txn = app.app_db.begin().await.unwrap();
            txn.execute_raw(Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                "SELECT set_config('app.user_id', $1, true), set_config('app.clinic_id', $2, true), \
                 set_config('app.role', $3, true), set_config('app.email', $4, true)",
                [
                    user.map(|u| u.to_string()).unwrap_or_default().into(),
                    sunrise.to_string().into(),
                    role.into(),
                    email.into(),
                ],
            ))
            .await
            .unwrap();
            let outcome = txn
                .execute_unprepared(&sql)
                .await
                .map(|r| r.rows_affected());
            txn.rollback().await.unwrap();
            outcome
        }
    };
    for set in [
        "is_super_admin = true",
        "is_active = false",
        "email = 'someone.else@example.com'",
    ] {
        let sql = format!("UPDATE users SET {set} WHERE id = {david}");
        let refused = run("patient", Some(david), "", sql.clone())
            .await
            .expect_err(&format!("a patient's own context: {set}"));
        assert!(
            refused.to_string().contains("only platform work"),
            "{refused}"
        );
        assert_eq!(run("platform", None, "", sql).await.unwrap(), 1, "{set}");
    }
    // What the patient's context may change of their own row.
    assert_eq!(
        run(
            "patient",
            Some(david),
            "",
            format!("UPDATE users SET display_name = 'David R.' WHERE id = {david}")
        )
        .await
        .unwrap(),
        1
    );
    let registered_as_admin = run(
        "visitor",
        None,
        "new@example.com",
        "INSERT INTO users (email, password_hash, display_name, is_super_admin, is_active, \
         created_at, updated_at) VALUES ('new@example.com', 'x', 'New', true, true, now(), now())"
            .into(),
    )
    .await
    .expect_err("a visitor registering as a super admin");
    assert!(
        registered_as_admin
            .to_string()
            .contains("only platform work"),
        "{registered_as_admin}"
    );
}

mod postgres {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_table_is_isolated_by_the_database() {
        super::every_table_is_isolated_by_the_database(crate::helpers::Backend::Postgres).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn only_platform_work_changes_who_is_a_super_admin() {
        super::only_platform_work_changes_who_is_a_super_admin(crate::helpers::Backend::Postgres)
            .await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_table_with_a_clinic_id_is_under_row_level_security() {
        super::every_table_with_a_clinic_id_is_under_row_level_security(
            crate::helpers::Backend::Postgres,
        )
        .await
    }
}
