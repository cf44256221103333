//! tower-sessions storage in our own `sessions` table through SeaORM, so sessions share the
//! one connection pool, work on SQLite and PostgreSQL alike, survive restarts and are revocable.
//! Rows are kept under the SHA-256 of the session id (`row_key`), so a copy of the table holds
//! nothing a browser could present as a cookie, and carry the signed-in user's id, so a user's
//! sessions can be listed and ended together.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

use super::entities::sessions;
use super::errors::is_unique_violation;
use super::state::Clock;

/// How long a session that holds nothing but a visitor's refused form lives.
const ANONYMOUS_FORM_LIFETIME: Duration = Duration::minutes(5);

/// How far behind the stored idle expiry may fall before a request rewrites it.
const EXPIRY_SLACK: Duration = Duration::seconds(60);

/// The stored expiry is the idle timeout from the state's clock (not the one tower-sessions
/// computes from the system clock), so idle logoff follows the same clock as everything else
/// and tests move it instead of sleeping.
#[derive(Clone, Debug)]
pub struct SeaOrmSessionStore {
    db: DatabaseConnection,
    clock: Clock,
    idle: Duration,
    stored: StoredRows,
}

/// What this process last read or wrote for each session: a digest of its data as stored, and
/// its expiry. `save` runs after every request; with this it knows, without asking the
/// database, that the row needs no write. Another process may have changed the row since:
/// deleting it (signing out) or moving its expiry later, and in neither case is a skipped
/// write wrong. It holds digests, not data, and at most `REMEMBERED_ROWS` sessions, so what
/// anonymous requests make it remember stays a few hundred kilobytes however large or many.
#[derive(Clone, Debug, Default)]
struct StoredRows(Arc<Mutex<HashMap<Id, ([u8; 32], DateTime<Utc>)>>>);

/// At most this many sessions are remembered; past it the expired ones are forgotten, and if
/// that is not enough, all of them (each is then read once more from the database).
const REMEMBERED_ROWS: usize = 10_000;

fn digest(data: &str) -> [u8; 32] {
    Sha256::digest(data.as_bytes()).into()
}

impl StoredRows {
    /// Whether the row is known to hold `data` with an expiry at or after `fresh_from`.
    fn is_fresh(&self, id: &Id, data: &str, fresh_from: DateTime<Utc>) -> bool {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .is_some_and(|(stored, expiry)| *stored == digest(data) && *expiry >= fresh_from)
    }

    fn put(&self, id: Id, data: &str, expiry: DateTime<Utc>, now: DateTime<Utc>) {
        let mut rows = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if rows.len() >= REMEMBERED_ROWS && !rows.contains_key(&id) {
            rows.retain(|_, (_, expiry)| *expiry > now);
            if rows.len() >= REMEMBERED_ROWS {
                rows.clear();
            }
        }
        rows.insert(id, (digest(data), expiry));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    fn forget(&self, id: &Id) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).remove(id);
    }
}

impl SeaOrmSessionStore {
    pub fn new(db: DatabaseConnection, clock: Clock, idle: std::time::Duration) -> Self {
        SeaOrmSessionStore {
            db,
            clock,
            idle: Duration::from_std(idle).unwrap_or(Duration::minutes(15)),
            stored: StoredRows::default(),
        }
    }

    /// Removes sessions past their expiry; run periodically.
    pub async fn delete_expired(&self) -> Result<u64, sea_orm::DbErr> {
        let result = sessions::Entity::delete_many()
            .filter(sessions::Column::ExpiryDate.lte(self.clock.now()))
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected)
    }
}

/// The key a session's row is stored under: the SHA-256 of its id, in hex.
pub(crate) fn row_key(id: &Id) -> String {
    hex::encode(Sha256::digest(id.to_string().as_bytes()))
}

fn backend(err: sea_orm::DbErr) -> session_store::Error {
    session_store::Error::Backend(err.to_string())
}

fn from_chrono(t: DateTime<Utc>) -> Result<time::OffsetDateTime, session_store::Error> {
    time::OffsetDateTime::from_unix_timestamp_nanos(
        t.timestamp_nanos_opt().unwrap_or(i64::MAX) as i128
    )
    .map_err(|e| session_store::Error::Decode(e.to_string()))
}

/// The session key of the signed-in user's id; the store copies it into its own column, so a
/// user's sessions can be found together.
pub const USER_ID: &str = "uid";
/// The session key of a half-finished sign-in (password right, code not yet); the store keeps
/// such a session no longer than `PENDING_LIFETIME`.
pub(crate) const PENDING: &str = "pending_sign_in";
/// How long a half-signed-in session may take to enter its code.
pub(crate) const PENDING_LIFETIME: chrono::Duration = chrono::Duration::minutes(5);
/// The session key of a refused plain form (`components::form::RefusedForm`), kept for the
/// page it goes back to.
pub const REFUSED_FORM: &str = "refused_form";
/// The session key of the digest of the error the latest refusal sent back: a page shows an
/// error from its address only to the session it was given to.
pub const REFUSAL: &str = "refusal";

impl SeaOrmSessionStore {
    fn to_active(&self, record: &Record) -> Result<sessions::ActiveModel, session_store::Error> {
        let signed_in = record.data.get(USER_ID).and_then(serde_json::Value::as_i64);
        let pending = record.data.get(PENDING);
        let pending_field = |name: &str| {
            pending
                .and_then(|p| p.get(name))
                .and_then(serde_json::Value::as_i64)
        };
        // A half-finished sign-in (password right, code not yet) belongs to its user too, so
        // that ending all their sessions ends it, and lives five minutes from its password,
        // however active: the row itself is gone by then.
        let user_id = signed_in.or_else(|| pending_field("user_id"));
        let idle_expiry = self.clock.now() + self.idle;
        let pending_since =
            pending_field("since").and_then(|t| DateTime::<Utc>::from_timestamp(t, 0));
        // A visitor's refused form is read back by the very next page load; a client that never
        // loads it leaves a row that goes soon.
        let only_a_refused_form = user_id.is_none()
            && record
                .data
                .keys()
                .all(|key| key == REFUSED_FORM || key == REFUSAL);
        let expiry = match (signed_in, pending_since) {
            (None, Some(since)) => Ord::min(idle_expiry, since + PENDING_LIFETIME),
            _ if only_a_refused_form => {
                Ord::min(idle_expiry, self.clock.now() + ANONYMOUS_FORM_LIFETIME)
            }
            _ => idle_expiry,
        };
        Ok(sessions::ActiveModel {
            id: Set(row_key(&record.id)),
            user_id: Set(user_id),
            // Keys in order, so unchanged data serialises to the same text (`save` compares it).
            data: Set(serde_json::to_string(
                &record
                    .data
                    .iter()
                    .collect::<std::collections::BTreeMap<_, _>>(),
            )
            .map_err(|e| session_store::Error::Encode(e.to_string()))?),
            expiry_date: Set(expiry),
        })
    }
}

#[async_trait]
impl SessionStore for SeaOrmSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A fresh random id collides essentially never; if it does, draw another rather than
        // overwrite somebody else's session.
        loop {
            match sessions::Entity::insert(self.to_active(record)?)
                .exec(&self.db)
                .await
            {
                Ok(_) => return Ok(()),
                Err(e) if is_unique_violation(&e) => record.id = Id::default(),
                Err(e) => return Err(backend(e)),
            }
        }
    }

    /// Called after every request (the idle expiry must move with activity), but writes the
    /// row only when its data changed or its expiry is more than `EXPIRY_SLACK` behind: a run
    /// of requests does not rewrite the same row each time, and does not even ask the database
    /// when this process knows the row (`StoredRows`). The idle logoff may so come up to that
    /// much early, never late. It only ever updates: a session signed out (its row deleted)
    /// while one of its requests was still running stays signed out when that request ends.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let row = self.to_active(record)?;
        let now = self.clock.now();
        let stale_before = now + self.idle - EXPIRY_SLACK;
        let (data, expiry, user_id) = match (row.data, row.expiry_date, row.user_id) {
            (Set(data), Set(expiry), Set(user_id)) => (data, expiry, user_id),
            _ => unreachable!("to_active sets every column"),
        };
        if self.stored.is_fresh(&record.id, &data, stale_before) {
            return Ok(());
        }
        let written = sessions::Entity::update_many()
            .col_expr(sessions::Column::Data, Expr::value(data.clone()))
            .col_expr(sessions::Column::ExpiryDate, Expr::value(expiry))
            .col_expr(sessions::Column::UserId, Expr::value(user_id))
            .filter(sessions::Column::Id.eq(row_key(&record.id)))
            .filter(
                sessions::Column::Data
                    .ne(data.clone())
                    .or(sessions::Column::ExpiryDate.lt(stale_before)),
            )
            .exec(&self.db)
            .await
            .map_err(backend)?;
        // Nothing written: the row was fresh already (the next load remembers it) or is gone.
        if written.rows_affected == 1 {
            self.stored.put(record.id, &data, expiry, now);
        }
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let Some(row) = sessions::Entity::find_by_id(row_key(id))
            .filter(sessions::Column::ExpiryDate.gt(self.clock.now()))
            .one(&self.db)
            .await
            .map_err(backend)?
        else {
            self.stored.forget(id);
            return Ok(None);
        };
        let record = Record {
            id: *id,
            data: serde_json::from_str(&row.data)
                .map_err(|e| session_store::Error::Decode(e.to_string()))?,
            expiry_date: from_chrono(row.expiry_date)?,
        };
        self.stored
            .put(*id, &row.data, row.expiry_date, self.clock.now());
        Ok(Some(record))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.stored.forget(id);
        sessions::Entity::delete_by_id(row_key(id))
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_remembered_rows_stay_bounded_however_many_sessions_arrive() {
        let rows = StoredRows::default();
        let now = Utc::now();
        let later = now + Duration::minutes(15);
        for _ in 0..(3 * REMEMBERED_ROWS) {
            rows.put(Id::default(), &"x".repeat(1000), later, now);
            assert!(rows.len() <= REMEMBERED_ROWS);
        }
        let id = Id::default();
        rows.put(id, "data", later, now);
        assert!(rows.is_fresh(&id, "data", now));
        assert!(!rows.is_fresh(&id, "other data", now));
        assert!(!rows.is_fresh(&id, "data", later + Duration::seconds(1)));
    }
}
