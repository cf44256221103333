//! Public health content as everyone reads it: the published health topics (the home page's
//! "Latest Health Information" in the platform's order), a topic's page, the privacy policy in
//! force and its earlier versions, and the tip of the day. Drafts and retired tips are never
//! read here (and on PostgreSQL row-level security hides them from anyone but platform work).
use chrono::Datelike;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::error::AppError;
use crate::model::content::{tidy_tags, ContentKind, ContentStatus, PolicyVersionRow};
use crate::model::content::{Article, ArticleSummary, HealthTip};
use crate::server::entities::content;
use crate::server::markdown;

/// The slug a privacy policy version is kept under.
pub(crate) fn policy_slug(version: &str) -> String {
    format!("privacy-policy-{version}")
}

fn published(kind: ContentKind) -> sea_orm::Select<content::Entity> {
    content::Entity::find()
        .filter(content::Column::Kind.eq(kind))
        .filter(content::Column::Status.eq(ContentStatus::Published))
}

/// The published topics in the order the platform gave them on the home page (those with a
/// place first, lowest first), then the rest newest first.
pub(crate) async fn latest_articles<C: ConnectionTrait>(
    conn: &C,
    limit: u64,
) -> Result<Vec<ArticleSummary>, AppError> {
    let rows = published(ContentKind::Article)
        .order_by_asc(Expr::col(content::Column::HomePosition).is_null())
        .order_by_asc(content::Column::HomePosition)
        .order_by_desc(content::Column::PublishedAt)
        .order_by_desc(content::Column::Id)
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

/// A row as its public page shows it, the body rendered and sanitised.
pub(crate) fn as_article(row: &content::Model) -> Article {
    Article {
        slug: row.slug.clone(),
        title: row.title.clone(),
        summary: row.summary.clone(),
        body_html: markdown::to_safe_html(&row.body),
        tags: tidy_tags(&row.tags),
        published_on: row.published_at.date_naive(),
        version: row.version.clone(),
    }
}

/// A published health topic by its slug.
pub async fn article<C: ConnectionTrait>(conn: &C, slug: &str) -> Result<Article, AppError> {
    let row = published(ContentKind::Article)
        .filter(content::Column::Slug.eq(slug))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(as_article(&row))
}

async fn current_policy_row<C: ConnectionTrait>(conn: &C) -> Result<content::Model, AppError> {
    published(ContentKind::Policy)
        .order_by_desc(content::Column::PublishedAt)
        .order_by_desc(content::Column::Id)
        .one(conn)
        .await?
        .ok_or_else(|| crate::server::errors::internal("no privacy policy is published"))
}

/// The privacy policy in force: the newest version published.
pub(crate) async fn current_policy<C: ConnectionTrait>(conn: &C) -> Result<Article, AppError> {
    Ok(as_article(&current_policy_row(conn).await?))
}

/// One version of the privacy policy, the one in force or an earlier one.
pub async fn policy_version<C: ConnectionTrait>(
    conn: &C,
    version: &str,
) -> Result<Article, AppError> {
    let row = published(ContentKind::Policy)
        .filter(content::Column::Version.eq(version))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(as_article(&row))
}

/// The version of the privacy policy in force, which consent records.
pub async fn current_policy_version<C: ConnectionTrait>(conn: &C) -> Result<String, AppError> {
    current_policy_row(conn)
        .await?
        .version
        .ok_or_else(|| crate::server::errors::internal("privacy policy has no version"))
}

/// The tip for a local day: the tips in the turn take turns, one a day, the same for everyone
/// on that day.
pub(crate) async fn tip_of_the_day<C: ConnectionTrait>(
    conn: &C,
    day: chrono::NaiveDate,
) -> Result<Option<HealthTip>, AppError> {
    let tips = published(ContentKind::Tip)
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
        category: tip.category.clone(),
    }))
}

/// Every published version of the privacy policy, newest (the one in force) first.
pub(crate) async fn policy_versions<C: ConnectionTrait>(
    conn: &C,
) -> Result<Vec<PolicyVersionRow>, AppError> {
    let rows = published(ContentKind::Policy)
        .order_by_desc(content::Column::PublishedAt)
        .order_by_desc(content::Column::Id)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .enumerate()
        .filter_map(|(i, row)| {
            Some(PolicyVersionRow {
                version: row.version?,
                title: row.title,
                published: row.published_at.format("%-d %B %Y").to_string(),
                current: i == 0,
            })
        })
        .collect())
}
