//! Public content: no sign-in needed.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::content::PolicyVersionRow;
use crate::model::content::{Article, ArticleSummary};

#[cfg(feature = "ssr")]
use {
    crate::api::context, crate::server::errors::respond, crate::server::services::public::content,
};

#[server(prefix = "/api", endpoint = "content/latest")]
pub(crate) async fn get_latest_articles() -> Result<Vec<ArticleSummary>, AppError> {
    respond(content::latest_articles(&context::state().db, 12).await)
}

#[server(prefix = "/api", endpoint = "content/article")]
pub(crate) async fn get_article(slug: String) -> Result<Article, AppError> {
    respond(content::article(&context::state().db, &slug).await)
}

#[server(prefix = "/api", endpoint = "content/privacy_policy")]
pub(crate) async fn get_privacy_policy() -> Result<Article, AppError> {
    respond(content::current_policy(&context::state().db).await)
}

/// An earlier version of the privacy policy (or the one in force), by its version.
#[server(prefix = "/api", endpoint = "content/privacy_policy/version")]
pub(crate) async fn get_privacy_policy_version(version: String) -> Result<Article, AppError> {
    respond(content::policy_version(&context::state().db, &version).await)
}

/// Every version of the privacy policy, the one in force first.
#[server(prefix = "/api", endpoint = "content/privacy_policy/versions")]
pub(crate) async fn get_privacy_policy_versions() -> Result<Vec<PolicyVersionRow>, AppError> {
    respond(content::policy_versions(&context::state().db).await)
}
