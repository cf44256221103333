//! The tamper-evident audit log: each event stores the hash of the one before it in its chain
//! (one chain per clinic, one for events with no clinic) and its own, so `salus audit verify`
//! can recompute every chain and name the first row that was altered.
//! The hashes are HMACs under a key kept outside the database (`AuditKey`), so someone who can
//! write to the database cannot recompute a valid chain; `salus audit anchor` records the head
//! outside the database, so a cut-off tail is found too.
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use hmac::{Hmac, Mac};
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DatabaseBackend, EntityTrait, QueryOrder, QuerySelect,
    Statement,
};
use sha2::{Digest, Sha256};

use super::actor::Actor;
use super::entities::audit_events;
use super::request::RequestMeta;
use crate::error::AppError;

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The key the chain's HMACs are computed with. Never stored in the database, never printed.
#[derive(Clone)]
pub struct AuditKey(Arc<[u8; 32]>);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(…)")
    }
}

impl AuditKey {
    pub fn random() -> Self {
        use rand::RngCore;
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        AuditKey(Arc::new(key))
    }

    /// Reads the key file (64 hex characters).
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("reading the audit key {}: {e}", path.display()))?;
        let bytes = hex::decode(text.trim())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| format!("the audit key {} is not 64 hex characters", path.display()))?;
        Ok(AuditKey(Arc::new(bytes)))
    }

    /// Reads the key file, or creates it (readable by its owner only) when there is none: the
    /// embedded default's first start.
    pub fn load_or_create(path: &Path) -> Result<Self, String> {
        if path.exists() {
            return Self::load(path);
        }
        let key = Self::random();
        super::key_files::create_owner_only(path, &hex::encode(*key.0))
            .map_err(|e| format!("the audit key: {e}"))?;
        Ok(key)
    }
}

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
    /// A patient acting on their own record in `clinic` before a signed-in actor exists or
    /// after it stops (registering, leaving the clinic).
    pub(crate) fn by_patient(patient_id: i64, clinic_id: i64, action: &'static str) -> Self {
        AuditEntry {
            actor_user_id: Some(patient_id),
            actor_role: Some(crate::model::Role::Patient.as_str().to_owned()),
            clinic_id: Some(clinic_id),
            patient_id: Some(patient_id),
            action,
            resource: None,
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

fn chain_parts(prev_hash: &str, f: &Fields<'_>) -> [String; 10] {
    fn opt<T: ToString>(v: Option<T>) -> String {
        v.map(|v| v.to_string()).unwrap_or_default()
    }
    [
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
    ]
}

/// The event's HMAC-SHA256 under the key, over the previous hash and every field,
/// length-prefixed so that moving text between fields changes it.
fn chain_hash(key: &AuditKey, prev_hash: &str, f: &Fields<'_>) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(&key.0[..]).expect("any key length");
    for part in chain_parts(prev_hash, f) {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part.as_bytes());
    }
    hex::encode(mac.finalize().into_bytes())
}

/// The unkeyed SHA-256 that events written before the key existed carry. `verify` accepts it
/// only for a chain's first events, before any keyed one.
fn legacy_hash(prev_hash: &str, f: &Fields<'_>) -> String {
    let mut hasher = Sha256::new();
    for part in chain_parts(prev_hash, f) {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Appends one event inside the caller's transaction, so the event and the change it
/// describes commit together or not at all.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    key: &AuditKey,
    now: DateTime<Utc>,
    meta: &RequestMeta,
    entry: AuditEntry,
) -> Result<(), AppError> {
    record_many(conn, key, now, meta, vec![entry]).await
}

/// The chain an event belongs to: its clinic's, or the platform's (0) for events with none.
fn chain_of(entry: &AuditEntry) -> i64 {
    entry.clinic_id.unwrap_or(PLATFORM_CHAIN)
}

/// The chain of events that belong to no clinic.
pub(crate) const PLATFORM_CHAIN: i64 = 0;

/// Takes the chain's head row for the rest of the transaction and returns its last hash.
/// Writers of the same chain wait here for each other until commit; writers of other chains
/// (other clinics) do not. The head row is created on a chain's first event.
async fn lock_head<C: ConnectionTrait>(conn: &C, chain: i64) -> Result<String, AppError> {
    let backend = conn.get_database_backend();
    let (create, take) = match backend {
        DatabaseBackend::Postgres => (
            "INSERT INTO audit_chain_heads (chain, last_hash) VALUES ($1, $2) \
             ON CONFLICT (chain) DO NOTHING",
            "UPDATE audit_chain_heads SET last_hash = last_hash WHERE chain = $1 \
             RETURNING last_hash",
        ),
        _ => (
            "INSERT INTO audit_chain_heads (chain, last_hash) VALUES (?, ?) \
             ON CONFLICT (chain) DO NOTHING",
            "UPDATE audit_chain_heads SET last_hash = last_hash WHERE chain = ? \
             RETURNING last_hash",
        ),
    };
    conn.execute_raw(Statement::from_sql_and_values(
        backend,
        create,
        [chain.into(), GENESIS.into()],
    ))
    .await?;
    let head = conn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            take,
            [chain.into()],
        ))
        .await?
        .ok_or_else(|| super::errors::internal("the audit chain's head row is missing"))?;
    Ok(head.try_get::<String>("", "last_hash")?)
}

async fn move_head<C: ConnectionTrait>(conn: &C, chain: i64, hash: &str) -> Result<(), AppError> {
    let backend = conn.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => "UPDATE audit_chain_heads SET last_hash = $2 WHERE chain = $1",
        _ => "UPDATE audit_chain_heads SET last_hash = ? WHERE chain = ?",
    };
    let values: [sea_orm::Value; 2] = match backend {
        DatabaseBackend::Postgres => [chain.into(), hash.into()],
        _ => [hash.into(), chain.into()],
    };
    conn.execute_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    Ok(())
}

/// Events per INSERT statement in `record_many`.
const RECORDS_PER_INSERT: usize = 1_000;

/// Appends events, in order, inside the caller's transaction, a thousand per insert. Each
/// chain's head is locked in ascending order, so two transactions that touch the same chains
/// cannot deadlock.
pub async fn record_many<C: ConnectionTrait>(
    conn: &C,
    key: &AuditKey,
    now: DateTime<Utc>,
    meta: &RequestMeta,
    entries: Vec<AuditEntry>,
) -> Result<(), AppError> {
    if entries.is_empty() {
        return Ok(());
    }
    let chains: std::collections::BTreeSet<i64> = entries.iter().map(chain_of).collect();
    let mut heads = std::collections::BTreeMap::new();
    for chain in chains {
        heads.insert(chain, lock_head(conn, chain).await?);
    }
    // Stored precision is microseconds on both databases; hash what will be read back.
    let occurred_at = now.trunc_subsecs(6);
    let mut rows = Vec::with_capacity(entries.len());
    for entry in entries {
        let chain = chain_of(&entry);
        let prev_hash = heads.get_mut(&chain).expect("every chain's head is locked");
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
        let hash = chain_hash(key, prev_hash, &fields);
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
            chain: Set(chain),
            prev_hash: Set(std::mem::replace(prev_hash, hash.clone())),
            hash: Set(hash),
            ..Default::default()
        });
    }
    // Without RETURNING: on PostgreSQL the writer may append events it is not allowed to read
    // back (a visitor's failed sign-in, a password reset). In chunks: a statement binds at most
    // 32,766 values on SQLite (65,535 on PostgreSQL), and an event binds 12.
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        audit_events::Entity::insert_many(rows.by_ref().take(RECORDS_PER_INSERT))
            .exec_without_returning(conn)
            .await?;
    }
    for (chain, hash) in heads {
        move_head(conn, chain, &hash).await?;
    }
    Ok(())
}

/// The heads of every chain, recorded outside the database by `salus audit anchor` so that
/// `verify` can tell when events were cut off the end of a chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Anchor {
    pub chains: Vec<ChainHead>,
}

/// One chain's head: how many events it had, and its last one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChainHead {
    pub chain: i64,
    pub count: u64,
    pub last_id: i64,
    pub last_hash: String,
}

impl Anchor {
    pub fn events(&self) -> u64 {
        self.chains.iter().map(|c| c.count).sum()
    }
}

/// Every chain's head now (none when there are no events).
pub async fn anchor<C: ConnectionTrait>(conn: &C) -> Result<Option<Anchor>, sea_orm::DbErr> {
    use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};
    let mut chains = Vec::new();
    for chain in chain_ids(conn).await? {
        let in_chain =
            || audit_events::Entity::find().filter(audit_events::Column::Chain.eq(chain));
        let count = in_chain().count(conn).await?;
        if let Some(last) = in_chain()
            .order_by_desc(audit_events::Column::Id)
            .one(conn)
            .await?
        {
            chains.push(ChainHead {
                chain,
                count,
                last_id: last.id,
                last_hash: last.hash,
            });
        }
    }
    Ok((!chains.is_empty()).then_some(Anchor { chains }))
}

async fn chain_ids<C: ConnectionTrait>(conn: &C) -> Result<Vec<i64>, sea_orm::DbErr> {
    audit_events::Entity::find()
        .select_only()
        .column(audit_events::Column::Chain)
        .distinct()
        .order_by_asc(audit_events::Column::Chain)
        .into_tuple()
        .all(conn)
        .await
}

/// What is wrong at the first broken place in the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tampering {
    /// The row's content does not match its hash: edited, or inserted without the key.
    AlteredOrInserted,
    /// The row does not follow the one before it: rows before it were deleted or reordered.
    MissingOrReordered,
    /// The chain's recorded head (in the database, or in the anchor) is gone: the chain was
    /// cut off after the row named.
    Truncated,
}

/// The outcome of recomputing every chain.
#[derive(Debug, PartialEq, Eq)]
pub struct ChainReport {
    pub checked: u64,
    /// The id of the first row that breaks a chain (for `Truncated`, the last row still there,
    /// or the anchored last row when the anchor says so).
    pub first_broken: Option<i64>,
    pub problem: Option<Tampering>,
}

/// Recomputes every chain with the key, checks that each chain's head in the database is still
/// found in it and, when given, compares each chain's end with an anchor.
pub async fn verify<C: ConnectionTrait>(
    conn: &C,
    key: &AuditKey,
    anchor: Option<&Anchor>,
) -> Result<ChainReport, sea_orm::DbErr> {
    // Heads are read before the rows: an event appended meanwhile only lengthens the walk.
    let heads: std::collections::HashMap<i64, String> = conn
        .query_all_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT chain, last_hash FROM audit_chain_heads",
        ))
        .await?
        .into_iter()
        .map(|row| Ok((row.try_get("", "chain")?, row.try_get("", "last_hash")?)))
        .collect::<Result<_, sea_orm::DbErr>>()?;
    let mut chains = chain_ids(conn).await?;
    for chain in heads.keys().chain(
        anchor
            .iter()
            .flat_map(|a| a.chains.iter().map(|c| &c.chain)),
    ) {
        if !chains.contains(chain) {
            chains.push(*chain);
        }
    }
    chains.sort_unstable();
    let mut checked = 0;
    for chain in chains {
        let anchored = anchor.and_then(|a| a.chains.iter().find(|c| c.chain == chain));
        let walk = verify_chain(conn, key, chain, heads.get(&chain), anchored).await?;
        checked += walk.checked;
        if walk.problem.is_some() {
            return Ok(ChainReport { checked, ..walk });
        }
    }
    Ok(ChainReport {
        checked,
        first_broken: None,
        problem: None,
    })
}

/// Recomputes one chain (a clinic's, or 0 for the events of no clinic) with the key, and checks
/// that its recorded head is still found in it: what `verify` does for each chain.
pub(crate) async fn verify_one<C: ConnectionTrait>(
    conn: &C,
    key: &AuditKey,
    chain: i64,
) -> Result<ChainReport, sea_orm::DbErr> {
    let backend = conn.get_database_backend();
    let sql = match backend {
        sea_orm::DatabaseBackend::Postgres => {
            "SELECT last_hash FROM audit_chain_heads WHERE chain = $1"
        }
        _ => "SELECT last_hash FROM audit_chain_heads WHERE chain = ?",
    };
    let head: Option<String> = conn
        .query_one_raw(Statement::from_sql_and_values(backend, sql, [chain.into()]))
        .await?
        .map(|row| row.try_get("", "last_hash"))
        .transpose()?;
    verify_chain(conn, key, chain, head.as_ref(), None).await
}

async fn verify_chain<C: ConnectionTrait>(
    conn: &C,
    key: &AuditKey,
    chain: i64,
    head: Option<&String>,
    anchored: Option<&ChainHead>,
) -> Result<ChainReport, sea_orm::DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let broken = |checked, id, problem| {
        Ok(ChainReport {
            checked,
            first_broken: Some(id),
            problem: Some(problem),
        })
    };
    let mut prev_hash = GENESIS.to_owned();
    let mut after = 0i64;
    let mut checked = 0u64;
    // Unkeyed events are accepted only before the first keyed one.
    let mut keyed_seen = false;
    let mut anchored_seen = false;
    let mut head_seen = head.is_none_or(|h| h == GENESIS);
    loop {
        let batch = audit_events::Entity::find()
            .filter(audit_events::Column::Chain.eq(chain))
            .filter(audit_events::Column::Id.gt(after))
            .order_by_asc(audit_events::Column::Id)
            .limit(1000)
            .all(conn)
            .await?;
        if batch.is_empty() {
            break;
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
            if row.prev_hash != prev_hash {
                return broken(checked, row.id, Tampering::MissingOrReordered);
            }
            if chain_hash(key, &prev_hash, &fields) == row.hash {
                keyed_seen = true;
            } else if keyed_seen || legacy_hash(&prev_hash, &fields) != row.hash {
                return broken(checked, row.id, Tampering::AlteredOrInserted);
            }
            if let Some(anchored) = anchored {
                if row.id == anchored.last_id {
                    if row.hash != anchored.last_hash || checked + 1 != anchored.count {
                        return broken(checked, row.id, Tampering::Truncated);
                    }
                    anchored_seen = true;
                }
            }
            head_seen |= head == Some(&row.hash);
            checked += 1;
            prev_hash = row.hash;
            after = row.id;
        }
    }
    if let Some(anchored) = anchored.filter(|_| !anchored_seen) {
        return broken(checked, anchored.last_id, Tampering::Truncated);
    }
    if !head_seen {
        return broken(checked, after, Tampering::Truncated);
    }
    Ok(ChainReport {
        checked,
        first_broken: None,
        problem: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_file_is_created_once_for_its_owner_only() {
        let dir = std::env::temp_dir().join(format!("salus-audit-key-{}", std::process::id()));
        let path = dir.join("nested").join("audit.key");
        let created = AuditKey::load_or_create(&path).unwrap();
        let loaded = AuditKey::load_or_create(&path).unwrap();
        assert_eq!(created.0, loaded.0, "the second start reads the same key");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "not hex").unwrap();
        assert!(AuditKey::load(&path)
            .unwrap_err()
            .contains("64 hex characters"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_key_never_prints() {
        assert_eq!(format!("{:?}", AuditKey::random()), "AuditKey(…)");
    }
}
