//! The platform's public content: health topics, health tips and privacy policy versions.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::content::{ContentOverview, TopicEdit};

#[cfg(feature = "ssr")]
use {
    crate::api::context,
    crate::server::errors::{respond, respond_landing_on},
    crate::server::services::platform::content::{self, PolicyForm, TipForm, TopicForm},
    crate::server::tenancy::Scoped,
};

pub const TOPICS_PAGE: &str = "/platform/topics";
pub const TIPS_PAGE: &str = "/platform/tips";
pub const POLICY_ADMIN_PAGE: &str = "/platform/policy";

pub fn topic_page(id: i64) -> String {
    format!("{TOPICS_PAGE}/{id}")
}

/// Runs `work` in the super admin's transaction and commits it.
#[cfg(feature = "ssr")]
async fn in_scope<T, F>(work: impl FnOnce(Scoped) -> F) -> Result<T, AppError>
where
    F: std::future::Future<Output = Result<(T, Scoped), AppError>>,
{
    let scoped = context::scoped().await?;
    let (value, scoped) = work(scoped).await?;
    scoped.commit().await?;
    Ok(value)
}

#[server(prefix = "/api", endpoint = "platform/content")]
pub async fn get_content() -> Result<ContentOverview, AppError> {
    respond(
        in_scope(|scoped| async move {
            let overview = content::overview(&scoped).await?;
            Ok((overview, scoped))
        })
        .await,
    )
}

#[server(prefix = "/api", endpoint = "platform/topics/one")]
pub async fn get_topic(id: i64) -> Result<TopicEdit, AppError> {
    respond(
        in_scope(|scoped| async move {
            let topic = content::topic(&scoped, id).await?;
            Ok((topic, scoped))
        })
        .await,
    )
}

/// Adds a health topic as a draft; its id. Lands on its page, which previews it.
#[server(prefix = "/api", endpoint = "platform/topics/new")]
pub async fn create_topic(
    title: String,
    slug: String,
    summary: String,
    body: String,
    tags: String,
    home_position: String,
) -> Result<i64, AppError> {
    let form = TopicForm {
        title,
        slug,
        summary,
        body,
        tags,
        home_position,
        status: String::new(),
    };
    let created = in_scope(|scoped| async move {
        let id = content::create_topic(&scoped, form).await?;
        Ok((id, scoped))
    })
    .await;
    let landing = match &created {
        Ok(id) => format!("{}?done=created", topic_page(*id)),
        Err(_) => TOPICS_PAGE.to_owned(),
    };
    respond_landing_on(&landing, created)
}

#[server(prefix = "/api", endpoint = "platform/topics/save")]
#[allow(clippy::too_many_arguments)]
pub async fn save_topic(
    id: i64,
    title: String,
    slug: String,
    summary: String,
    body: String,
    tags: String,
    home_position: String,
    status: String,
) -> Result<(), AppError> {
    let form = TopicForm {
        title,
        slug,
        summary,
        body,
        tags,
        home_position,
        status,
    };
    respond_landing_on(
        &format!("{}?done=saved", topic_page(id)),
        in_scope(|scoped| async move {
            content::save_topic(&scoped, id, form).await?;
            Ok(((), scoped))
        })
        .await,
    )
}

#[server(prefix = "/api", endpoint = "platform/tips/new")]
pub async fn add_tip(title: String, text: String, category: String) -> Result<(), AppError> {
    let form = TipForm {
        title,
        text,
        category,
    };
    respond_landing_on(
        &format!("{TIPS_PAGE}?done=added"),
        in_scope(|scoped| async move {
            content::add_tip(&scoped, form).await?;
            Ok(((), scoped))
        })
        .await,
    )
}

#[server(prefix = "/api", endpoint = "platform/tips/save")]
pub async fn save_tip(
    id: i64,
    title: String,
    text: String,
    category: String,
) -> Result<(), AppError> {
    let form = TipForm {
        title,
        text,
        category,
    };
    respond_landing_on(
        &format!("{TIPS_PAGE}?done=saved"),
        in_scope(|scoped| async move {
            content::save_tip(&scoped, id, form).await?;
            Ok(((), scoped))
        })
        .await,
    )
}

/// Takes a tip out of the daily turn (`retire` = "yes") or puts it back.
#[server(prefix = "/api", endpoint = "platform/tips/retire")]
pub async fn retire_tip(id: i64, retire: String) -> Result<(), AppError> {
    let retired = retire == "yes";
    let done = if retired { "retired" } else { "restored" };
    respond_landing_on(
        &format!("{TIPS_PAGE}?done={done}"),
        in_scope(|scoped| async move {
            content::set_tip_retired(&scoped, id, retired).await?;
            Ok(((), scoped))
        })
        .await,
    )
}

#[server(prefix = "/api", endpoint = "platform/policy/publish")]
pub async fn publish_policy(
    version: String,
    summary: String,
    body: String,
) -> Result<(), AppError> {
    let form = PolicyForm {
        version,
        summary,
        body,
    };
    respond_landing_on(
        &format!("{POLICY_ADMIN_PAGE}?done=published"),
        in_scope(|scoped| async move {
            content::publish_policy(&scoped, form).await?;
            Ok(((), scoped))
        })
        .await,
    )
}
