//! The platform's public content: health topics (Markdown, drafts until published, tags, a place
//! on the home page), health tips for the tip of the day (with a category; retired tips leave
//! the daily turn) and privacy policy versions (a new version is in force once published, and
//! patients accept it at their next sign-in: `services::account::policy_acceptance`). Every change is
//! audited on the platform's chain.
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
};

use super::utc;
use crate::error::{AppError, Validator};
use crate::model::content::{
    tidy_tags, ContentKind, ContentOverview, ContentStatus, TipRow, TopicEdit, TopicRow,
};
use crate::server::audit::AuditEntry;
use crate::server::entities::content;
use crate::server::errors::is_unique_violation;
use crate::server::permissions::Permission;
use crate::server::services::public::content::{as_article, policy_slug, policy_versions};
use crate::server::tenancy::Scoped;

const MAX_TITLE: usize = 120;
const MAX_SUMMARY: usize = 300;
const MAX_BODY: usize = 50_000;
const MAX_SLUG: usize = 80;
const MAX_TAG: usize = 30;
const MAX_TAGS: usize = 10;
const MAX_CATEGORY: usize = 40;
const MAX_VERSION: usize = 20;
/// Places on the home page run from 1 (first) to this.
const MAX_POSITION: i32 = 99;

pub async fn overview(scoped: &Scoped) -> Result<ContentOverview, AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    let conn = scoped.conn();
    let topics = content::Entity::find()
        .filter(content::Column::Kind.eq(ContentKind::Article))
        .order_by_desc(content::Column::CreatedAt)
        .order_by_desc(content::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|row| TopicRow {
            id: row.id,
            status: status_of(&row),
            tags: tidy_tags(&row.tags),
            home_position: row.home_position,
            updated: utc(row.updated_at.unwrap_or(row.created_at)),
            slug: row.slug,
            title: row.title,
        })
        .collect();
    let tips = content::Entity::find()
        .filter(content::Column::Kind.eq(ContentKind::Tip))
        .order_by_asc(content::Column::Slug)
        .all(conn)
        .await?
        .iter()
        .map(tip_row)
        .collect();
    Ok(ContentOverview {
        topics,
        tips,
        policies: policy_versions(conn).await?,
    })
}

fn status_of(row: &content::Model) -> ContentStatus {
    row.status
}

fn tip_row(row: &content::Model) -> TipRow {
    TipRow {
        id: row.id,
        title: row.title.clone(),
        text: row.summary.clone(),
        category: row.category.clone(),
        status: status_of(row),
    }
}

async fn find(scoped: &Scoped, kind: ContentKind, id: i64) -> Result<content::Model, AppError> {
    content::Entity::find_by_id(id)
        .filter(content::Column::Kind.eq(kind))
        .one(scoped.conn())
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn topic(scoped: &Scoped, id: i64) -> Result<TopicEdit, AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    let row = find(scoped, ContentKind::Article, id).await?;
    Ok(TopicEdit {
        id: row.id,
        preview: as_article(&row),
        status: status_of(&row),
        tags: tidy_tags(&row.tags).join(", "),
        home_position: row.home_position,
        slug: row.slug,
        title: row.title,
        summary: row.summary,
        body: row.body,
    })
}

/// A health topic's form, as typed.
#[derive(Debug, Default, Clone)]
pub struct TopicForm {
    pub title: String,
    /// Blank: made from the title.
    pub slug: String,
    pub summary: String,
    pub body: String,
    pub tags: String,
    /// Blank: no place of its own on the home page.
    pub home_position: String,
    /// `draft` or `published`; a new topic is always a draft.
    pub status: String,
}

/// The form checked: every problem beside its field.
struct Topic {
    title: String,
    slug: String,
    summary: String,
    body: String,
    tags: String,
    home_position: Option<i32>,
    status: ContentStatus,
}

/// A slug made from a title: lower-case letters and digits joined by single hyphens.
fn slug_from(title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let mut slug: String = slug.trim_end_matches('-').chars().take(MAX_SLUG).collect();
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

fn is_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= MAX_SLUG
        && slug.split('-').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// Checks a required text: present, not too long, and no control characters but line breaks
/// and tabs (PostgreSQL refuses a NUL in text; the others have no business in content).
fn length(v: &mut Validator, field: &str, value: &str, max: usize, what: &str) {
    if value.is_empty() {
        v.add(field, format!("Enter {what}."));
    } else if value.chars().count() > max {
        v.add(field, format!("Keep {what} to {max} characters."));
    } else if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        v.add(field, format!("Remove the control characters from {what}."));
    }
}

fn checked_topic(form: TopicForm) -> Result<Topic, AppError> {
    let mut v = Validator::new();
    let title = form.title.trim().to_owned();
    length(&mut v, "title", &title, MAX_TITLE, "a title");
    let slug = match form.slug.trim() {
        "" => slug_from(&title),
        typed => typed.to_owned(),
    };
    if !title.is_empty() && !is_slug(&slug) {
        v.add(
            "slug",
            format!("Use lower-case letters and digits joined by hyphens, at most {MAX_SLUG}, like flu-vaccines."),
        );
    }
    let summary = form.summary.trim().to_owned();
    length(&mut v, "summary", &summary, MAX_SUMMARY, "a summary");
    let body = form.body.trim().replace("\r\n", "\n");
    length(&mut v, "body", &body, MAX_BODY, "the body");
    let tags = tidy_tags(&form.tags);
    if tags.len() > MAX_TAGS {
        v.add("tags", format!("Use at most {MAX_TAGS} tags."));
    }
    if tags.iter().any(|t| {
        t.chars().count() > MAX_TAG || t.contains(['<', '>']) || t.contains(char::is_control)
    }) {
        v.add(
            "tags",
            format!("Keep each tag to {MAX_TAG} characters, without < or > or control characters."),
        );
    }
    let home_position = match form.home_position.trim() {
        "" => None,
        typed => {
            match typed.parse::<i32>() {
                Ok(n) if (1..=MAX_POSITION).contains(&n) => Some(n),
                _ => {
                    v.add(
                    "home_position",
                    format!("Enter a whole number from 1 (first) to {MAX_POSITION}, or leave it blank."),
                );
                    None
                }
            }
        }
    };
    let status = match form.status.as_str() {
        "" | "draft" => ContentStatus::Draft,
        "published" => ContentStatus::Published,
        _ => {
            v.add("status", "Choose draft or published.");
            ContentStatus::Draft
        }
    };
    v.finish()?;
    Ok(Topic {
        title,
        slug,
        summary,
        body,
        tags: tags.join(","),
        home_position,
        status,
    })
}

const SLUG_TAKEN: &str = "Another page already has this address. Choose another.";

/// Adds a health topic as a draft; its id.
pub async fn create_topic(scoped: &Scoped, form: TopicForm) -> Result<i64, AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    let topic = checked_topic(TopicForm {
        status: String::new(),
        ..form
    })?;
    let now = scoped.now();
    let inserted = content::Entity::insert(content::ActiveModel {
        slug: Set(topic.slug),
        kind: Set(ContentKind::Article),
        title: Set(topic.title),
        summary: Set(topic.summary),
        body: Set(topic.body),
        version: Set(None),
        published_at: Set(now),
        created_at: Set(now),
        status: Set(ContentStatus::Draft),
        tags: Set(topic.tags),
        home_position: Set(topic.home_position),
        category: Set(None),
        updated_at: Set(Some(now)),
        ..Default::default()
    })
    .exec(scoped.conn())
    .await;
    let id = match inserted {
        Ok(done) => done.last_insert_id,
        Err(e) if is_unique_violation(&e) => return Err(AppError::field("slug", SLUG_TAKEN)),
        Err(e) => return Err(e.into()),
    };
    scoped
        .audit(
            AuditEntry::by(scoped.actor(), "content.topic_create").resource(format!("topic:{id}")),
        )
        .await?;
    Ok(id)
}

/// Saves a topic's edits and its status. Publishing a draft dates it now; a published topic
/// edited keeps its date.
pub(crate) async fn save_topic(scoped: &Scoped, id: i64, form: TopicForm) -> Result<(), AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    let row = find(scoped, ContentKind::Article, id).await?;
    let topic = checked_topic(form)?;
    let now = scoped.now();
    let was = status_of(&row);
    let publishing = topic.status == ContentStatus::Published;
    let action = match (was == ContentStatus::Published, publishing) {
        (false, true) => "content.topic_publish",
        (true, false) => "content.topic_unpublish",
        _ => "content.topic_update",
    };
    let mut edit = row.into_active_model();
    if was != ContentStatus::Published && publishing {
        edit.published_at = Set(now);
    }
    edit.slug = Set(topic.slug);
    edit.title = Set(topic.title);
    edit.summary = Set(topic.summary);
    edit.body = Set(topic.body);
    edit.tags = Set(topic.tags);
    edit.home_position = Set(topic.home_position);
    edit.status = Set(topic.status);
    edit.updated_at = Set(Some(now));
    match edit.update(scoped.conn()).await {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => return Err(AppError::field("slug", SLUG_TAKEN)),
        Err(e) => return Err(e.into()),
    }
    scoped
        .audit(AuditEntry::by(scoped.actor(), action).resource(format!("topic:{id}")))
        .await
}

/// A health tip's form, as typed.
#[derive(Debug, Default, Clone)]
pub(crate) struct TipForm {
    pub title: String,
    pub text: String,
    /// Blank: none.
    pub category: String,
}

fn checked_tip(form: TipForm) -> Result<(String, String, Option<String>), AppError> {
    let mut v = Validator::new();
    let title = form.title.trim().to_owned();
    length(&mut v, "title", &title, MAX_TITLE, "a title");
    let text = form.text.trim().to_owned();
    length(&mut v, "text", &text, MAX_SUMMARY, "the tip");
    let category = form.category.trim().to_lowercase();
    if category.chars().count() > MAX_CATEGORY || category.contains(char::is_control) {
        v.add(
            "category",
            format!("Keep the category to {MAX_CATEGORY} characters, without control characters."),
        );
    }
    v.finish()?;
    Ok((title, text, (!category.is_empty()).then_some(category)))
}

/// Adds a tip to the daily turn; its id.
pub(crate) async fn add_tip(scoped: &Scoped, form: TipForm) -> Result<i64, AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    let (title, text, category) = checked_tip(form)?;
    let now = scoped.now();
    // Tips take turns in the order of their slugs: a new one goes after those before it.
    let slug = format!(
        "tip-{}-{}",
        now.format("%Y%m%d%H%M%S%6f"),
        slug_from(&title)
    );
    let slug: String = slug.chars().take(MAX_SLUG).collect();
    let inserted = content::Entity::insert(content::ActiveModel {
        slug: Set(slug.trim_end_matches('-').to_owned()),
        kind: Set(ContentKind::Tip),
        title: Set(title),
        summary: Set(text),
        body: Set(String::new()),
        version: Set(None),
        published_at: Set(now),
        created_at: Set(now),
        status: Set(ContentStatus::Published),
        tags: Set(String::new()),
        home_position: Set(None),
        category: Set(category),
        updated_at: Set(Some(now)),
        ..Default::default()
    })
    .exec(scoped.conn())
    .await?;
    let id = inserted.last_insert_id;
    scoped
        .audit(AuditEntry::by(scoped.actor(), "content.tip_add").resource(format!("tip:{id}")))
        .await?;
    Ok(id)
}

pub(crate) async fn save_tip(scoped: &Scoped, id: i64, form: TipForm) -> Result<(), AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    let row = find(scoped, ContentKind::Tip, id).await?;
    let (title, text, category) = checked_tip(form)?;
    let mut edit = row.into_active_model();
    edit.title = Set(title);
    edit.summary = Set(text);
    edit.category = Set(category);
    edit.updated_at = Set(Some(scoped.now()));
    edit.update(scoped.conn()).await?;
    scoped
        .audit(AuditEntry::by(scoped.actor(), "content.tip_update").resource(format!("tip:{id}")))
        .await
}

/// Takes a tip out of the daily turn (`retired`), or puts it back.
pub(crate) async fn set_tip_retired(
    scoped: &Scoped,
    id: i64,
    retired: bool,
) -> Result<(), AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    let row = find(scoped, ContentKind::Tip, id).await?;
    let (status, action) = if retired {
        (ContentStatus::Retired, "content.tip_retire")
    } else {
        (ContentStatus::Published, "content.tip_restore")
    };
    let mut edit = row.into_active_model();
    edit.status = Set(status);
    edit.updated_at = Set(Some(scoped.now()));
    edit.update(scoped.conn()).await?;
    scoped
        .audit(AuditEntry::by(scoped.actor(), action).resource(format!("tip:{id}")))
        .await
}

/// A new privacy policy version's form, as typed.
#[derive(Debug, Default, Clone)]
pub(crate) struct PolicyForm {
    pub version: String,
    pub summary: String,
    pub body: String,
}

/// Publishes a new version of the privacy policy, in force from now. Patients accept it at
/// their next sign-in; the versions before it stay readable.
pub(crate) async fn publish_policy(scoped: &Scoped, form: PolicyForm) -> Result<(), AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    let mut v = Validator::new();
    let version = form.version.trim().to_owned();
    let fits = !version.is_empty()
        && version.len() <= MAX_VERSION
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    v.check(
        fits,
        "version",
        format!("Use up to {MAX_VERSION} letters, digits, dots or hyphens, like 2026-12-01."),
    );
    let summary = form.summary.trim().to_owned();
    length(&mut v, "summary", &summary, MAX_SUMMARY, "a summary");
    let body = form.body.trim().replace("\r\n", "\n");
    length(&mut v, "body", &body, MAX_BODY, "the policy's text");
    v.finish()?;
    let conn = scoped.conn();
    let taken = content::Entity::find()
        .filter(content::Column::Kind.eq(ContentKind::Policy))
        .filter(content::Column::Version.eq(version.as_str()))
        .one(conn)
        .await?
        .is_some();
    if taken {
        return Err(AppError::field(
            "version",
            format!("Version {version} is already published. Give the new one its own."),
        ));
    }
    let now = scoped.now();
    let inserted = content::Entity::insert(content::ActiveModel {
        slug: Set(policy_slug(&version)),
        kind: Set(ContentKind::Policy),
        title: Set("Privacy Policy".into()),
        summary: Set(summary),
        body: Set(body),
        version: Set(Some(version.clone())),
        published_at: Set(now),
        created_at: Set(now),
        status: Set(ContentStatus::Published),
        tags: Set(String::new()),
        home_position: Set(None),
        category: Set(None),
        updated_at: Set(Some(now)),
        ..Default::default()
    })
    .exec(conn)
    .await;
    match inserted {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => {
            return Err(AppError::field(
                "version",
                format!("Version {version} is already published. Give the new one its own."),
            ))
        }
        Err(e) => return Err(e.into()),
    }
    scoped
        .audit(
            AuditEntry::by(scoped.actor(), "content.policy_publish")
                .resource(format!("policy:{version}")),
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_come_from_titles() {
        assert_eq!(slug_from("COVID-19: what's new?"), "covid-19-what-s-new");
        assert_eq!(slug_from("  Flu   vaccines  "), "flu-vaccines");
        assert_eq!(slug_from("¿Qué?"), "qu");
        assert!(is_slug("flu-vaccines"));
        assert!(!is_slug("Flu"));
        assert!(!is_slug("flu--vaccines"));
        assert!(!is_slug("-flu"));
    }

    #[test]
    fn a_topic_form_names_each_problem() {
        let refused = checked_topic(TopicForm {
            home_position: "0".into(),
            slug: "Bad Slug".into(),
            title: "Flu".into(),
            ..Default::default()
        });
        let Err(AppError::Validation(fields)) = refused else {
            panic!("refused expected")
        };
        for field in ["slug", "summary", "body", "home_position"] {
            assert!(fields.contains_key(field), "{field}: {fields:?}");
        }
    }
}
