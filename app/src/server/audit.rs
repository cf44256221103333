//! The tamper-evident audit log: each event stores the hash of the one before it and its own,
//! so `salus audit verify` can recompute the chain and name the first row that was altered.
use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DatabaseBackend, EntityTrait, QueryOrder, QuerySelect,
    Statement,
};
use sha2::{Digest, Sha256};

use super::entities::audit_events;
use super::request::RequestMeta;
use super::tenancy::Actor;
use crate::error::AppError;

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// Serialises writers of the chain on PostgreSQL (SQLite serialises writes already).
const CHAIN_LOCK_KEY: i64 = 0x5A1_A0D1;

/// One semantic event: who did what to whose record. Never carries the data itself.
#[derive(Debug, Clone, Default)]
pub struct AuditEntry {
    pub actor_user_id: Option<i64>,
    pub actor_role: Option<String>,
    pub clinic_id: Option<i64>,
    pub patient_id: Option<i64>,
    pub action: &'static str,
    pub resource: Option<String>,
}

impl AuditEntry {
    pub fn by(actor: &Actor, action: &'static str) -> Self {
        AuditEntry {
            actor_user_id: Some(actor.user_id()),
            actor_role: Some(actor.role().as_str().to_owned()),
            clinic_id: actor.clinic_id(),
            action,
            ..Default::default()
        }
    }
    pub fn patient(mut self, patient_id: i64) -> Self {
        self.patient_id = Some(patient_id);
        self
    }
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.resource = Some(resource.into());
        self
    }
}

struct Fields<'a> {
    occurred_at: DateTime<Utc>,
    actor_user_id: Option<i64>,
    actor_role: Option<&'a str>,
    clinic_id: Option<i64>,
    patient_id: Option<i64>,
    action: &'a str,
    resource: Option<&'a str>,
    request_id: Option<&'a str>,
    client_addr: Option<&'a str>,
}

fn chain_hash(prev_hash: &str, f: &Fields<'_>) -> String {
    fn opt<T: ToString>(v: Option<T>) -> String {
        v.map(|v| v.to_string()).unwrap_or_default()
    }
    let mut hasher = Sha256::new();
    for part in [
        prev_hash.to_owned(),
        f.occurred_at.timestamp_micros().to_string(),
        opt(f.actor_user_id),
        opt(f.actor_role),
        opt(f.clinic_id),
        opt(f.patient_id),
        f.action.to_owned(),
        opt(f.resource),
        opt(f.request_id),
        opt(f.client_addr),
    ] {
        // Length-prefixed so that moving text between fields changes the hash.
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Appends one event inside the caller's transaction, so the event and the change it
/// describes commit together or not at all.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
    meta: &RequestMeta,
    entry: AuditEntry,
) -> Result<(), AppError> {
    record_many(conn, now, meta, vec![entry]).await
}

/// Appends events, in order, inside the caller's transaction: one read of the chain's head
/// and one insert however many there are.
pub async fn record_many<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
    meta: &RequestMeta,
    entries: Vec<AuditEntry>,
) -> Result<(), AppError> {
    if entries.is_empty() {
        return Ok(());
    }
    if conn.get_database_backend() == DatabaseBackend::Postgres {
        conn.execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [CHAIN_LOCK_KEY.into()],
        ))
        .await?;
    }
    let mut prev_hash = audit_events::Entity::find()
        .order_by_desc(audit_events::Column::Id)
        .limit(1)
        .one(conn)
        .await?
        .map(|e| e.hash)
        .unwrap_or_else(|| GENESIS.to_owned());
    // Stored precision is microseconds on both databases; hash what will be read back.
    let occurred_at = now.trunc_subsecs(6);
    let mut rows = Vec::with_capacity(entries.len());
    for entry in entries {
        let fields = Fields {
            occurred_at,
            actor_user_id: entry.actor_user_id,
            actor_role: entry.actor_role.as_deref(),
            clinic_id: entry.clinic_id,
            patient_id: entry.patient_id,
            action: entry.action,
            resource: entry.resource.as_deref(),
            request_id: meta.request_id.as_deref(),
            client_addr: meta.client_addr.as_deref(),
        };
        let hash = chain_hash(&prev_hash, &fields);
        rows.push(audit_events::ActiveModel {
            occurred_at: Set(occurred_at),
            actor_user_id: Set(entry.actor_user_id),
            actor_role: Set(entry.actor_role.clone()),
            clinic_id: Set(entry.clinic_id),
            patient_id: Set(entry.patient_id),
            action: Set(entry.action.to_owned()),
            resource: Set(entry.resource.clone()),
            request_id: Set(meta.request_id.clone()),
            client_addr: Set(meta.client_addr.clone()),
            prev_hash: Set(std::mem::replace(&mut prev_hash, hash.clone())),
            hash: Set(hash),
            ..Default::default()
        });
    }
    audit_events::Entity::insert_many(rows).exec(conn).await?;
    Ok(())
}

/// The outcome of recomputing the chain.
#[derive(Debug, PartialEq, Eq)]
pub struct ChainReport {
    pub checked: u64,
    /// The id of the first row whose stored hashes do not match the recomputed chain.
    pub first_broken: Option<i64>,
}

pub async fn verify<C: ConnectionTrait>(conn: &C) -> Result<ChainReport, sea_orm::DbErr> {
    use sea_orm::ColumnTrait;
    use sea_orm::QueryFilter;
    let mut prev_hash = GENESIS.to_owned();
    let mut after = 0i64;
    let mut checked = 0u64;
    loop {
        let batch = audit_events::Entity::find()
            .filter(audit_events::Column::Id.gt(after))
            .order_by_asc(audit_events::Column::Id)
            .limit(1000)
            .all(conn)
            .await?;
        if batch.is_empty() {
            return Ok(ChainReport {
                checked,
                first_broken: None,
            });
        }
        for row in batch {
            let fields = Fields {
                occurred_at: row.occurred_at,
                actor_user_id: row.actor_user_id,
                actor_role: row.actor_role.as_deref(),
                clinic_id: row.clinic_id,
                patient_id: row.patient_id,
                action: &row.action,
                resource: row.resource.as_deref(),
                request_id: row.request_id.as_deref(),
                client_addr: row.client_addr.as_deref(),
            };
            if row.prev_hash != prev_hash || chain_hash(&prev_hash, &fields) != row.hash {
                return Ok(ChainReport {
                    checked,
                    first_broken: Some(row.id),
                });
            }
            checked += 1;
            prev_hash = row.hash;
            after = row.id;
        }
    }
}
