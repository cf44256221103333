//! The platform's public content: health topics, health tips and privacy policy versions.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::content::{ContentOverview, TopicEdit};

#[cfg(feature = "ssr")]
use {
    crate::api::context::{in_scope, in_scope_landing_on},
    crate::routes::{self, landing},
    crate::server::errors::respond_landing_on,
    crate::server::services::platform::content::{self, PolicyForm, TipForm, TopicForm},
};

#[server(prefix = "/api", endpoint = "platform/content")]
pub(crate) async fn get_content() -> Result<ContentOverview, AppError> {
    in_scope(async |scoped| content::overview(scoped).await).await
}

#[server(prefix = "/api", endpoint = "platform/topics/one")]
pub(crate) async fn get_topic(id: i64) -> Result<TopicEdit, AppError> {
    in_scope(async |scoped| content::topic(scoped, id).await).await
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
    let id = in_scope(async |scoped| content::create_topic(scoped, form).await).await?;
    respond_landing_on(
        &format!("{}?done=created", routes::platform::topic(id)),
        Ok(id),
    )
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
    in_scope_landing_on(
        &format!("{}?done=saved", routes::platform::topic(id)),
        async |scoped| content::save_topic(scoped, id, form).await,
    )
    .await
}

#[server(prefix = "/api", endpoint = "platform/tips/new")]
pub async fn add_tip(title: String, text: String, category: String) -> Result<(), AppError> {
    let form = TipForm {
        title,
        text,
        category,
    };
    in_scope_landing_on(&landing(routes::platform::TIPS, "added"), async |scoped| {
        content::add_tip(scoped, form).await?;
        Ok(())
    })
    .await
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
    in_scope_landing_on(&landing(routes::platform::TIPS, "saved"), async |scoped| {
        content::save_tip(scoped, id, form).await
    })
    .await
}

/// Takes a tip out of the daily turn (`retire` = "yes") or puts it back.
#[server(prefix = "/api", endpoint = "platform/tips/retire")]
pub(crate) async fn retire_tip(id: i64, retire: String) -> Result<(), AppError> {
    let retired = retire == "yes";
    let done = if retired { "retired" } else { "restored" };
    in_scope_landing_on(&landing(routes::platform::TIPS, done), async |scoped| {
        content::set_tip_retired(scoped, id, retired).await
    })
    .await
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
    in_scope_landing_on(
        &landing(routes::platform::POLICY, "published"),
        async |scoped| content::publish_policy(scoped, form).await,
    )
    .await
}
