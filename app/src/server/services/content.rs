//! Public health content: articles for the home page and topics, and the privacy policy.
use chrono::Datelike;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::error::AppError;
use crate::model::{Article, ArticleSummary, HealthTip};
use crate::server::entities::content;

pub const PRIVACY_POLICY_SLUG: &str = "privacy-policy";

pub async fn latest_articles<C: ConnectionTrait>(
    conn: &C,
    limit: u64,
) -> Result<Vec<ArticleSummary>, AppError> {
    let rows = content::Entity::find()
        .filter(content::Column::Kind.eq("article"))
        .order_by_desc(content::Column::PublishedAt)
        .limit(limit)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|c| ArticleSummary {
            slug: c.slug,
            title: c.title,
            summary: c.summary,
            published_on: c.published_at.date_naive(),
        })
        .collect())
}

/// An article or the policy by its slug; tips have no page of their own.
pub async fn by_slug<C: ConnectionTrait>(conn: &C, slug: &str) -> Result<Article, AppError> {
    let row = content::Entity::find()
        .filter(content::Column::Slug.eq(slug))
        .filter(content::Column::Kind.is_in(["article", "policy"]))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Article {
        slug: row.slug,
        title: row.title,
        summary: row.summary,
        body: row.body,
        published_on: row.published_at.date_naive(),
        version: row.version,
    })
}

/// The version of the privacy policy in force, which registration records consent to.
pub async fn current_policy_version<C: ConnectionTrait>(conn: &C) -> Result<String, AppError> {
    let policy = by_slug(conn, PRIVACY_POLICY_SLUG).await?;
    policy
        .version
        .ok_or_else(|| crate::server::errors::internal("privacy policy has no version"))
}

/// The tip for a local day: the tips take turns, one a day, the same for everyone on that day.
pub async fn tip_of_the_day<C: ConnectionTrait>(
    conn: &C,
    day: chrono::NaiveDate,
) -> Result<Option<HealthTip>, AppError> {
    let tips = content::Entity::find()
        .filter(content::Column::Kind.eq("tip"))
        .order_by_asc(content::Column::Slug)
        .all(conn)
        .await?;
    if tips.is_empty() {
        return Ok(None);
    }
    let index = day.num_days_from_ce().rem_euclid(tips.len() as i32) as usize;
    let tip = &tips[index];
    Ok(Some(HealthTip {
        title: tip.title.clone(),
        text: tip.summary.clone(),
    }))
}
