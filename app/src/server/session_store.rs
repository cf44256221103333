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
            data: Set(serde_json::to_string(&record.data)
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

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        sessions::Entity::insert(self.to_active(record)?)
            .on_conflict(
                OnConflict::column(sessions::Column::Id)
                    .update_columns([sessions::Column::Data, sessions::Column::ExpiryDate])
                    .to_owned(),
            )
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
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
