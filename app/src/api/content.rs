//! Public content: no sign-in needed.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{Article, ArticleSummary};

#[cfg(feature = "ssr")]
use {super::context, crate::server::errors::respond, crate::server::services::content};

#[server(prefix = "/api", endpoint = "content/latest")]
pub async fn get_latest_articles() -> Result<Vec<ArticleSummary>, AppError> {
    respond(content::latest_articles(&context::state().db, 12).await)
}

#[server(prefix = "/api", endpoint = "content/article")]
pub async fn get_article(slug: String) -> Result<Article, AppError> {
    respond(content::by_slug(&context::state().db, &slug).await)
}

#[server(prefix = "/api", endpoint = "content/privacy_policy")]
pub async fn get_privacy_policy() -> Result<Article, AppError> {
    respond(content::by_slug(&context::state().db, content::PRIVACY_POLICY_SLUG).await)
}
