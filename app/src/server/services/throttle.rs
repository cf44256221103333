//! Rate limits, kept in the database so every application server sees the same counts:
//! sign-ins per account and per client address, registrations and reset requests per email
//! and per client address.
//!
//! An attempt is counted when it is made, before any password is checked, in one step with
//! the check that the limit still has room: on PostgreSQL under an advisory lock on each key,
//! on SQLite (one process is the only writer) under a lock in the process. So parallel guesses
//! cannot all pass the check before any of them is counted. A successful sign-in is then
//! forgiven; other attempts stay counted until they leave the window.
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement, TransactionTrait,
};
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::server::entities::rate_limited_attempts as attempts;
use crate::server::state::Settings;

/// At most `max` attempts per key within `window`.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    pub scope: &'static str,
    pub max: u32,
    pub window: Duration,
}

const HOUR: Duration = Duration::from_secs(3600);

impl Limit {
    /// Registration forms sent from one client address, refused ones included: a clinic's
    /// front-desk computer may register a morning's new patients, typing errors and all.
    pub(crate) const REGISTRATION_PER_ADDRESS: Limit = Limit {
        scope: "register_address",
        max: 30,
        window: HOUR,
    };
    pub(crate) const REGISTRATION_PER_EMAIL: Limit = Limit {
        scope: "register_email",
        max: 3,
        window: HOUR,
    };
    pub(crate) const RESET_PER_ADDRESS: Limit = Limit {
        scope: "reset_address",
        max: 20,
        window: HOUR,
    };
    /// Each request sends a message to the address; a few an hour is plenty for its owner.
    pub(crate) const RESET_PER_EMAIL: Limit = Limit {
        scope: "reset_email",
        max: 3,
        window: HOUR,
    };

    /// Second-step codes per account: a 6-digit code must not be guessable by trying.
    pub(crate) const TWO_STEP_CODES: Limit = Limit {
        scope: "two_step",
        max: 5,
        window: Duration::from_secs(15 * 60),
    };

    /// Requests to the anonymous invitation pages (a clinic's link or the platform's) from one
    /// client address: a person opens their link a few times; a guesser is stopped.
    pub(crate) const INVITATION_LINKS_PER_ADDRESS: Limit = Limit {
        scope: "invitation_link",
        max: 30,
        window: Duration::from_secs(15 * 60),
    };

    /// New email verification links per account: each sends a message.
    pub(crate) const VERIFICATION_LINKS: Limit = Limit {
        scope: "verification_link",
        max: 3,
        window: HOUR,
    };

    pub(crate) fn sign_in_per_account(settings: &Settings) -> Limit {
        Limit {
            scope: "account",
            max: settings.sign_in_max_failures_per_account,
            window: settings.sign_in_lockout,
        }
    }

    pub(crate) fn sign_in_per_address(settings: &Settings) -> Limit {
        Limit {
            scope: "address",
            max: settings.sign_in_max_failures_per_address,
            window: settings.sign_in_lockout,
        }
    }

    fn window(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.window).unwrap_or(chrono::Duration::minutes(15))
    }
}

/// Keys are stored hashed: the table is for counting, not for knowing who tried.
fn key_hash(scope: &str, key: &str) -> String {
    hex::encode(Sha256::digest(format!("{scope}:{key}").as_bytes()))
}

/// The attempts one `claim` counted.
#[must_use = "a successful sign-in forgives its attempt"]
#[derive(Debug)]
pub struct Claimed {
    ids: Vec<i64>,
}

/// Counts one attempt under each `(limit, key)`, or refuses with `RateLimited` (counting
/// nothing) when any of them is already at its limit.
pub async fn claim(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    limits: &[(Limit, &str)],
) -> Result<Claimed, AppError> {
    match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            let txn = db.begin().await?;
            // In one order, so two claims on the same keys never wait for each other in a cycle.
            let mut locks: Vec<i64> = limits
                .iter()
                .map(|(limit, key)| lock_id(&key_hash(limit.scope, key)))
                .collect();
            locks.sort_unstable();
            locks.dedup();
            for lock in locks {
                txn.execute_raw(Statement::from_sql_and_values(
                    DatabaseBackend::Postgres,
                    "SELECT pg_advisory_xact_lock($1)",
                    [lock.into()],
                ))
                .await?;
            }
            let claimed = check_then_count(&txn, now, limits).await?;
            txn.commit().await?;
            Ok(claimed)
        }
        _ => {
            static IN_THIS_PROCESS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
            let _one_at_a_time = IN_THIS_PROCESS.lock().await;
            // No transaction: SQLite cannot turn a reading transaction into a writing one once
            // another connection has written; the lock above makes the two steps one.
            check_then_count(db, now, limits).await
        }
    }
}

/// A key for `pg_advisory_xact_lock`: the first 8 bytes of the key's hash.
fn lock_id(hash: &str) -> i64 {
    let bytes = hex::decode(&hash[..16]).unwrap_or_default();
    i64::from_be_bytes(bytes.try_into().unwrap_or_default())
}

async fn check_then_count<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
    limits: &[(Limit, &str)],
) -> Result<Claimed, AppError> {
    let mut wait = None;
    for (limit, key) in limits {
        wait = wait.max(retry_after(conn, limit, key, now).await?);
    }
    if let Some(retry_after_secs) = wait {
        return Err(AppError::RateLimited { retry_after_secs });
    }
    let mut ids = Vec::with_capacity(limits.len());
    for (limit, key) in limits {
        let inserted = attempts::Entity::insert(attempts::ActiveModel {
            scope: Set(limit.scope.to_owned()),
            key_hash: Set(key_hash(limit.scope, key)),
            occurred_at: Set(now),
            ..Default::default()
        })
        .exec(conn)
        .await?;
        ids.push(inserted.last_insert_id);
    }
    // Old rows count for nothing; prune them as we go so the table stays small.
    attempts::Entity::delete_many()
        .filter(attempts::Column::OccurredAt.lt(now - chrono::Duration::days(1)))
        .exec(conn)
        .await?;
    Ok(Claimed { ids })
}

/// How long until `key` has room under `limit`, if it has none now.
async fn retry_after<C: ConnectionTrait>(
    conn: &C,
    limit: &Limit,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Option<u64>, AppError> {
    let window = limit.window();
    let recent: Vec<DateTime<Utc>> = attempts::Entity::find()
        .select_only()
        .column(attempts::Column::OccurredAt)
        .filter(attempts::Column::Scope.eq(limit.scope))
        .filter(attempts::Column::KeyHash.eq(key_hash(limit.scope, key)))
        .filter(attempts::Column::OccurredAt.gt(now - window))
        .order_by_desc(attempts::Column::OccurredAt)
        .limit(u64::from(limit.max))
        .into_tuple()
        .all(conn)
        .await?;
    if recent.len() < limit.max as usize {
        return Ok(None);
    }
    // Room again when the oldest of the last `max` attempts leaves the window.
    let oldest = *recent.last().expect("max > 0 rows");
    Ok(Some((oldest + window - now).num_seconds().max(1) as u64))
}

/// A successful sign-in: its own attempt no longer counts, nor do the account's earlier
/// failures (the address's earlier failures still do).
pub(crate) async fn forgive_sign_in<C: ConnectionTrait>(
    conn: &C,
    claimed: Claimed,
    settings: &Settings,
    email: &str,
) -> Result<(), AppError> {
    forgive(conn, claimed, Limit::sign_in_per_account(settings), email).await
}

/// An attempt that succeeded: it no longer counts, nor do the earlier ones under `limit` for
/// `key` (the account's), while whatever else it was counted under still counts.
pub(crate) async fn forgive<C: ConnectionTrait>(
    conn: &C,
    claimed: Claimed,
    limit: Limit,
    key: &str,
) -> Result<(), AppError> {
    use sea_orm::sea_query::ExprTrait;
    attempts::Entity::delete_many()
        .filter(
            attempts::Column::Id
                .is_in(claimed.ids)
                .or(attempts::Column::Scope
                    .eq(limit.scope)
                    .and(attempts::Column::KeyHash.eq(key_hash(limit.scope, key)))),
        )
        .exec(conn)
        .await?;
    Ok(())
}

/// Counts a request to an anonymous invitation page from `meta`'s client address, or refuses
/// it (`RateLimited`) past `Limit::INVITATION_LINKS_PER_ADDRESS`.
pub(crate) async fn claim_invitation_link(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    meta: &crate::server::request::RequestMeta,
) -> Result<(), AppError> {
    if let Some(address) = meta.client_addr.as_deref() {
        let _counted = claim(db, now, &[(Limit::INVITATION_LINKS_PER_ADDRESS, address)]).await?;
    }
    Ok(())
}
