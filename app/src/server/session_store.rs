//! tower-sessions storage in our own `sessions` table through SeaORM, so sessions share the
//! one connection pool, work on SQLite and PostgreSQL alike, survive restarts and are revocable.
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

use super::entities::sessions;
use super::errors::is_unique_violation;
use super::state::Clock;

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
}

impl SeaOrmSessionStore {
    pub fn new(db: DatabaseConnection, clock: Clock, idle: std::time::Duration) -> Self {
        SeaOrmSessionStore {
            db,
            clock,
            idle: Duration::from_std(idle).unwrap_or(Duration::minutes(15)),
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

fn backend(err: sea_orm::DbErr) -> session_store::Error {
    session_store::Error::Backend(err.to_string())
}

fn from_chrono(t: DateTime<Utc>) -> Result<time::OffsetDateTime, session_store::Error> {
    time::OffsetDateTime::from_unix_timestamp_nanos(
        t.timestamp_nanos_opt().unwrap_or(i64::MAX) as i128
    )
    .map_err(|e| session_store::Error::Decode(e.to_string()))
}

impl SeaOrmSessionStore {
    fn to_active(&self, record: &Record) -> Result<sessions::ActiveModel, session_store::Error> {
        Ok(sessions::ActiveModel {
            id: Set(record.id.to_string()),
            // Keys in order, so unchanged data serialises to the same text (`save` compares it).
            data: Set(serde_json::to_string(
                &record
                    .data
                    .iter()
                    .collect::<std::collections::BTreeMap<_, _>>(),
            )
            .map_err(|e| session_store::Error::Encode(e.to_string()))?),
            expiry_date: Set(self.clock.now() + self.idle),
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
    /// of requests does not rewrite the same row each time. The idle logoff may so come up to
    /// that much early, never late.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        use sea_orm::sea_query::{Expr, ExprTrait};
        let row = self.to_active(record)?;
        let stale_before = self.clock.now() + self.idle - EXPIRY_SLACK;
        let changed = Expr::col((sessions::Entity, sessions::Column::Data))
            .ne(Expr::cust("excluded.data"))
            .or(Expr::col((sessions::Entity, sessions::Column::ExpiryDate)).lt(stale_before));
        let written = sessions::Entity::insert(row)
            .on_conflict(
                OnConflict::column(sessions::Column::Id)
                    .update_columns([sessions::Column::Data, sessions::Column::ExpiryDate])
                    .action_and_where(changed)
                    .to_owned(),
            )
            .exec_without_returning(&self.db)
            .await;
        match written {
            Ok(_) | Err(sea_orm::DbErr::RecordNotInserted) => Ok(()),
            Err(e) => Err(backend(e)),
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let Some(row) = sessions::Entity::find_by_id(id.to_string())
            .filter(sessions::Column::ExpiryDate.gt(self.clock.now()))
            .one(&self.db)
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        Ok(Some(Record {
            id: *id,
            data: serde_json::from_str(&row.data)
                .map_err(|e| session_store::Error::Decode(e.to_string()))?,
            expiry_date: from_chrono(row.expiry_date)?,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        sessions::Entity::delete_by_id(id.to_string())
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }
}
