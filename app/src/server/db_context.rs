//! What the database is told about who is asking. On PostgreSQL the row-level security
//! policies (migration `m20261124_000007_row_level_security`) read these transaction-local
//! settings; a transaction that sets none sees no clinic or patient rows and can write none.
//! SQLite has no policies: there `Scoped` and the services are the only guard.
//!
//! Every transaction that touches clinic or patient data is opened through `begin`, with the
//! narrowest context that does the job, or `begin_platform`, which audits it. A context changes
//! inside a transaction only through the named, audited switches below (`Switch`, `joining`,
//! `registered_as`); setting one directly (`enter`) is private to this module.
use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction, DbErr, Statement,
    TransactionTrait,
};

use super::actor::Actor;
use super::audit::{self, AuditEntry, AuditKey};
use super::request::RequestMeta;
use crate::error::AppError;

/// Who a transaction acts for.
#[derive(Debug, Clone, Copy)]
pub enum DbContext<'a> {
    /// A signed-in actor: a patient or staff member in their clinic, or a super admin.
    Actor(&'a Actor),
    /// A known account whose role is not settled yet (the session check, a password reset):
    /// its own user row and memberships, and the clinics those are in.
    Account(i64),
    /// Someone not signed in: the one account with this (normalised) email and, when
    /// registering, the one clinic whose code they typed (empty otherwise).
    Visitor {
        email: &'a str,
        clinic_code: &'a str,
    },
    /// The system's own work inside one clinic, such as the hourly care refresh: what the
    /// clinic's staff may reach, in that clinic only.
    ClinicTask(i64),
    /// The reminder worker finding the clinics to work in: the clinics' rows and nothing else
    /// (what it does inside a clinic it does as that clinic's `ClinicTask`).
    Worker,
    /// Someone holding an invitation link, not signed in: the one open invitation (a clinic's or
    /// the platform's) whose token has this hash, and nothing else. The anonymous invitation
    /// pages check the link this way before anything runs with a clinic's or the platform's reach.
    Invitee(&'a str),
}

impl<'a> DbContext<'a> {
    /// A visitor signing in or resetting a password: only the account with this email.
    pub fn visitor(email: &'a str) -> Self {
        DbContext::Visitor {
            email,
            clinic_code: "",
        }
    }

    /// The transaction's settings; what does not apply stays empty.
    fn settings(&self) -> Settings<'a> {
        let none = Settings::default();
        match *self {
            DbContext::Actor(actor) => Settings {
                user: Some(actor.user_id()),
                clinic: actor.clinic_id(),
                role: actor.reach(),
                // A staff member's clinic permissions, as a role stores them (the policies of
                // `m20261207_000029_staff_permissions` ask for them by name).
                permissions: actor.permissions().stored(),
                ..none
            },
            DbContext::Account(user) => Settings {
                user: Some(user),
                role: "account",
                ..none
            },
            DbContext::Visitor { email, clinic_code } => Settings {
                role: "visitor",
                email,
                clinic_code,
                ..none
            },
            DbContext::ClinicTask(clinic) => Settings {
                clinic: Some(clinic),
                role: "clinic_task",
                ..none
            },
            DbContext::Worker => Settings {
                role: "worker",
                ..none
            },
            DbContext::Invitee(token_hash) => Settings {
                role: "invitee",
                token_hash,
                ..none
            },
        }
    }
}

/// What a transaction is told about who is asking (`app.*`). Besides the contexts above, the
/// platform's own (`platform`): work that spans clinics (listing them, creating them, seeding,
/// verifying the audit log), never patients' health records, entered only through
/// `begin_platform` and `Switch::as_platform`, which audit it.
#[derive(Default)]
struct Settings<'a> {
    user: Option<i64>,
    clinic: Option<i64>,
    role: &'static str,
    email: &'a str,
    clinic_code: &'a str,
    token_hash: &'a str,
    permissions: String,
}

const PLATFORM: Settings<'static> = Settings {
    user: None,
    clinic: None,
    role: "platform",
    email: "",
    clinic_code: "",
    token_hash: "",
    permissions: String::new(),
};

/// Sets the context of the transaction `conn` is in, replacing any context set before.
async fn enter<C: ConnectionTrait>(conn: &C, settings: Settings<'_>) -> Result<(), DbErr> {
    if conn.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(());
    }
    let text = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    conn.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "SELECT set_config('app.user_id', $1, true), set_config('app.clinic_id', $2, true), \
         set_config('app.role', $3, true), set_config('app.email', $4, true), \
         set_config('app.clinic_code', $5, true), set_config('app.token_hash', $6, true), \
         set_config('app.permissions', $7, true)",
        [
            text(settings.user).into(),
            text(settings.clinic).into(),
            settings.role.into(),
            settings.email.into(),
            settings.clinic_code.into(),
            settings.token_hash.into(),
            settings.permissions.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Opens a transaction in `context`. The platform's own context has `begin_platform`.
pub async fn begin(
    db: &DatabaseConnection,
    context: DbContext<'_>,
) -> Result<DatabaseTransaction, DbErr> {
    let txn = db.begin().await?;
    enter(&txn, context.settings()).await?;
    Ok(txn)
}

/// Opens a transaction in the platform context for a named task, and records in the audit log
/// (in that transaction) that the task ran with platform reach.
pub async fn begin_platform(
    db: &DatabaseConnection,
    audit_key: &AuditKey,
    now: DateTime<Utc>,
    task: &'static str,
) -> Result<DatabaseTransaction, AppError> {
    let txn = db.begin().await?;
    enter(&txn, PLATFORM).await?;
    audit::record(
        &txn,
        audit_key,
        now,
        &RequestMeta::default(),
        AuditEntry {
            actor_role: Some("platform".into()),
            action: "platform.task",
            resource: Some(task.into()),
            ..Default::default()
        },
    )
    .await?;
    Ok(txn)
}

/// A signed-in actor's transaction, for the platform's work that needs another context for a
/// while (`Scoped::switch`). Each switch writes its audit event in the transaction, runs the
/// work in its context, and returns the transaction to the actor's context.
pub(crate) struct Switch<'a> {
    /// For `counting_in_clinics`' audit event, committed on its own.
    pub(in crate::server) db: &'a DatabaseConnection,
    pub(in crate::server) txn: &'a DatabaseTransaction,
    pub(in crate::server) actor: &'a Actor,
    pub(in crate::server) audit_key: &'a AuditKey,
    pub(in crate::server) now: DateTime<Utc>,
    pub(in crate::server) meta: &'a RequestMeta,
}

impl Switch<'_> {
    /// Changes that only each clinic's own task may make, for the platform: its reminders
    /// following its status, a protocol template copied into it. One audit event,
    /// `platform.clinic_reach`, names `purpose` and the clinics, in this transaction (it commits
    /// with the change); then `work` runs for each clinic in that clinic's context.
    pub(crate) async fn in_clinics<T>(
        &self,
        purpose: &str,
        clinics: &[i64],
        work: impl AsyncFnMut(&DatabaseTransaction, i64) -> Result<T, AppError>,
    ) -> Result<Vec<T>, AppError> {
        if clinics.is_empty() {
            return Ok(Vec::new());
        }
        let resource = format!("{purpose}: {}", clinic_list(clinics));
        self.record("platform.clinic_reach", resource).await?;
        self.each_clinic(clinics, work).await
    }

    /// `in_clinics` for counting in the clinics' records, which the platform's own context
    /// never reads (only the counts leave them). The audit event is committed first, in a
    /// transaction of its own: a page that only reads never writes in its own transaction,
    /// which on SQLite cannot write once another has written since it began to read.
    pub(crate) async fn counting_in_clinics<T>(
        &self,
        purpose: &str,
        clinics: &[i64],
        work: impl AsyncFnMut(&DatabaseTransaction, i64) -> Result<T, AppError>,
    ) -> Result<Vec<T>, AppError> {
        if clinics.is_empty() {
            return Ok(Vec::new());
        }
        let own = begin(self.db, DbContext::Actor(self.actor)).await?;
        let resource = format!("{purpose}: {}", clinic_list(clinics));
        let entry = AuditEntry::by(self.actor, "platform.clinic_reach").resource(resource);
        audit::record(&own, self.audit_key, self.now, self.meta, entry).await?;
        own.commit().await?;
        self.each_clinic(clinics, work).await
    }

    async fn each_clinic<T>(
        &self,
        clinics: &[i64],
        mut work: impl AsyncFnMut(&DatabaseTransaction, i64) -> Result<T, AppError>,
    ) -> Result<Vec<T>, AppError> {
        let mut done = Vec::with_capacity(clinics.len());
        // Owned ids: a borrowed iterator held across the awaits makes the future's `Send`
        // depend on a lifetime the callers' server functions cannot name.
        for clinic in clinics.to_vec() {
            enter(self.txn, DbContext::ClinicTask(clinic).settings()).await?;
            done.push(work(self.txn, clinic).await?);
        }
        self.back().await?;
        Ok(done)
    }

    /// Platform work on other accounts' rows, which row-level security lets a super admin write
    /// only for their own (revoking another super admin). Audited as `platform.task`, with
    /// `purpose`, as `begin_platform` audits its tasks.
    pub async fn as_platform<T>(
        &self,
        purpose: &'static str,
        work: impl AsyncFnOnce(&DatabaseTransaction) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        self.record("platform.task", purpose.to_owned()).await?;
        enter(self.txn, PLATFORM).await?;
        let done = work(self.txn).await?;
        self.back().await?;
        Ok(done)
    }

    async fn record(&self, action: &'static str, resource: String) -> Result<(), AppError> {
        let entry = AuditEntry::by(self.actor, action).resource(resource);
        audit::record(self.txn, self.audit_key, self.now, self.meta, entry).await
    }

    async fn back(&self) -> Result<(), DbErr> {
        enter(self.txn, DbContext::Actor(self.actor).settings()).await
    }
}

/// "clinic 3" or "clinics 3, 4 and 9", the first 20 named.
fn clinic_list(clinics: &[i64]) -> String {
    const NAMED: usize = 20;
    let ids: Vec<String> = clinics.iter().take(NAMED).map(i64::to_string).collect();
    match (clinics.len(), ids.split_last()) {
        (1, _) => format!("clinic {}", ids[0]),
        (n, Some((last, rest))) if n <= NAMED => {
            format!("clinics {} and {last}", rest.join(", "))
        }
        (n, _) => format!("clinics {} and {} more", ids.join(", "), n - NAMED),
    }
}

/// Someone joining a clinic, in a transaction that began as who they were (a visitor
/// registering with the clinic's code, an account accepting its invitation): the rest is the
/// clinic's own task, in that clinic only (its plan's limits, the invitation and membership
/// rows). The joining is audited by the caller in this transaction (`patient.register`,
/// `staff.invitation_accepted`, `patient.invitation_accepted`).
pub(crate) async fn joining(txn: &DatabaseTransaction, clinic: i64) -> Result<(), DbErr> {
    enter(txn, DbContext::ClinicTask(clinic).settings()).await
}

/// A registration's transaction, once the account exists: the rest (membership, profile,
/// consent, goals) is written as the patient it created.
pub(crate) async fn registered_as(txn: &DatabaseTransaction, patient: &Actor) -> Result<(), DbErr> {
    enter(txn, DbContext::Actor(patient).settings()).await
}

/// The demo's seed, begun as the platform's audited task (`begin_platform`), writes each
/// clinic's own rows as that clinic's task.
pub async fn seeding(txn: &DatabaseTransaction, clinic: i64) -> Result<(), DbErr> {
    enter(txn, DbContext::ClinicTask(clinic).settings()).await
}

/// What a clinic's writers take turns at (`take_turn`).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Turn {
    /// Staff changes: seats and the last-admin rule.
    Staff = 1,
    /// Protocol changes and their re-application.
    Protocols = 2,
    /// Planning the clinic's reminders.
    Reminders = 3,
    /// Counting and reserving texts against the daily caps.
    Texts = 4,
    /// Enrolling patients against the plan's patient limit.
    Enrolment = 5,
    /// Changing plans, and moving clinics between them (platform-wide: clinic 0).
    Plans = 6,
}

/// Makes one clinic's writers of `turn` take turns until the transaction ends. On PostgreSQL an
/// advisory lock in the turn's own key space (turn, clinic). On SQLite, where one connection
/// writes at a time, by writing first: a transaction that read before its first write could not
/// write once another had committed meanwhile (`SQLITE_BUSY_SNAPSHOT`), whereas one that writes
/// first waits for the lock and then reads what the other wrote.
pub(crate) async fn take_turn<C: ConnectionTrait>(
    conn: &C,
    turn: Turn,
    clinic: i64,
) -> Result<(), crate::error::AppError> {
    match conn.get_database_backend() {
        DatabaseBackend::Postgres => {
            conn.execute_raw(Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                "SELECT pg_advisory_xact_lock($1::int, $2::int)",
                [(turn as i32).into(), clinic.into()],
            ))
            .await?;
        }
        backend => {
            conn.execute_raw(Statement::from_sql_and_values(
                backend,
                "UPDATE clinics SET plan = plan WHERE id = ?",
                [clinic.into()],
            ))
            .await?;
        }
    }
    Ok(())
}
