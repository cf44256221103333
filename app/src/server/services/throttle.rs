//! The sign-in rate limit: failed attempts per account and per client address within a window.
//! Kept in the database so every application server sees the same counts.
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::server::entities::sign_in_failures;
use crate::server::state::Settings;

const ACCOUNT: &str = "account";
const ADDRESS: &str = "address";

/// Keys are stored hashed: the table is for counting, not for knowing who tried.
fn key_hash(scope: &str, key: &str) -> String {
    hex::encode(Sha256::digest(format!("{scope}:{key}").as_bytes()))
}

async fn retry_after<C: ConnectionTrait>(
    conn: &C,
    scope: &str,
    key: &str,
    max: u32,
    now: DateTime<Utc>,
    window: chrono::Duration,
) -> Result<Option<u64>, AppError> {
    let since = now - window;
    let recent: Vec<DateTime<Utc>> = sign_in_failures::Entity::find()
        .select_only()
        .column(sign_in_failures::Column::OccurredAt)
        .filter(sign_in_failures::Column::Scope.eq(scope))
        .filter(sign_in_failures::Column::KeyHash.eq(key_hash(scope, key)))
        .filter(sign_in_failures::Column::OccurredAt.gt(since))
        .order_by_desc(sign_in_failures::Column::OccurredAt)
        .limit(u64::from(max))
        .into_tuple()
        .all(conn)
        .await?;
    if recent.len() < max as usize {
        return Ok(None);
    }
    // Locked until the oldest of the last `max` failures leaves the window.
    let oldest = *recent.last().expect("max > 0 rows");
    let wait = (oldest + window - now).num_seconds().max(1) as u64;
    Ok(Some(wait))
}

/// Refuses with `RateLimited` when the account or the address has failed too often lately.
pub async fn check<C: ConnectionTrait>(
    conn: &C,
    settings: &Settings,
    now: DateTime<Utc>,
    email: &str,
    address: Option<&str>,
) -> Result<(), AppError> {
    let window = chrono::Duration::from_std(settings.sign_in_lockout)
        .unwrap_or(chrono::Duration::minutes(15));
    let mut wait = retry_after(
        conn,
        ACCOUNT,
        email,
        settings.sign_in_max_failures_per_account,
        now,
        window,
    )
    .await?;
    if let Some(address) = address {
        let by_address = retry_after(
            conn,
            ADDRESS,
            address,
            settings.sign_in_max_failures_per_address,
            now,
            window,
        )
        .await?;
        wait = wait.max(by_address);
    }
    match wait {
        Some(retry_after_secs) => Err(AppError::RateLimited { retry_after_secs }),
        None => Ok(()),
    }
}

pub async fn record_failure<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
    email: &str,
    address: Option<&str>,
) -> Result<(), AppError> {
    let mut rows = vec![(ACCOUNT, email)];
    if let Some(address) = address {
        rows.push((ADDRESS, address));
    }
    sign_in_failures::Entity::insert_many(rows.into_iter().map(|(scope, key)| {
        sign_in_failures::ActiveModel {
            scope: Set(scope.to_owned()),
            key_hash: Set(key_hash(scope, key)),
            occurred_at: Set(now),
            ..Default::default()
        }
    }))
    .exec(conn)
    .await?;
    // Old rows count for nothing; prune them as we go so the table stays small.
    sign_in_failures::Entity::delete_many()
        .filter(sign_in_failures::Column::OccurredAt.lt(now - chrono::Duration::days(1)))
        .exec(conn)
        .await?;
    Ok(())
}

/// A successful sign-in forgives the account's earlier failures (not the address's).
pub async fn clear_account<C: ConnectionTrait>(conn: &C, email: &str) -> Result<(), AppError> {
    sign_in_failures::Entity::delete_many()
        .filter(sign_in_failures::Column::Scope.eq(ACCOUNT))
        .filter(sign_in_failures::Column::KeyHash.eq(key_hash(ACCOUNT, email)))
        .exec(conn)
        .await?;
    Ok(())
}
