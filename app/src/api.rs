//! Server functions: the browser's only way in, one folder per portal like the pages. Each one
//! is a line or three: `context::in_scope` opens the signed-in actor's transaction, runs one
//! service call, commits, and sets the HTTP status of an error (`respond`).
pub mod account;
pub mod clinic;
pub mod dev;
pub mod patient;
pub mod platform;
pub mod provider;
pub mod public;

/// Request-scoped access for server functions: state, session, the verified actor.
#[cfg(feature = "ssr")]
pub(crate) mod context {
    use axum::http::request::Parts;
    use leptos::prelude::{expect_context, use_context};
    use tower_sessions::Session;

    use crate::error::AppError;
    use crate::server::actor::Actor;
    use crate::server::errors::{internal, respond, respond_landing_on};
    use crate::server::request::RequestMeta;
    use crate::server::services::sessions;
    use crate::server::state::AppState;
    use crate::server::tenancy::Scoped;

    pub fn state() -> AppState {
        expect_context::<AppState>()
    }

    pub async fn session() -> Result<Session, AppError> {
        leptos_axum::extract::<Session>().await.map_err(internal)
    }

    /// The signed-in user, verified once per request (see `SignedInCache`).
    pub async fn signed_in() -> Result<Option<sessions::SignedInUser>, AppError> {
        let state = state();
        let session = session().await?;
        let cache = use_context::<Parts>()
            .and_then(|parts| parts.extensions.get::<sessions::SignedInCache>().cloned())
            .unwrap_or_default();
        cache
            .get(&state.db, &state.settings, state.clock.now(), &session)
            .await
    }

    /// The signed-in actor, or 401.
    pub async fn actor() -> Result<Actor, AppError> {
        match signed_in().await? {
            Some(signed_in) => Ok(signed_in.actor),
            None => Err(AppError::Unauthorized),
        }
    }

    /// The signed-in actor, or the user a half-finished sign-in is for (`true`): only for the
    /// second step's own server functions, and not once the second step passed and the policy
    /// waits (`api::account::policy_acceptance`). Otherwise 401.
    pub(crate) async fn actor_or_pending() -> Result<(Actor, bool), AppError> {
        if let Some(signed_in) = signed_in().await? {
            return Ok((signed_in.actor, false));
        }
        let state = state();
        match sessions::pending(&session().await?, state.clock.now()).await? {
            // A sign-in waiting for the privacy policy to be accepted can do only that.
            Some(pending) if pending.policy_to_accept.is_none() => Ok((pending.actor(), true)),
            _ => Err(AppError::Unauthorized),
        }
    }

    /// A transaction opened for the signed-in actor.
    pub async fn scoped() -> Result<Scoped, AppError> {
        let actor = actor().await?;
        let state = state();
        Scoped::begin(
            &state.db,
            &actor,
            state.clock.now(),
            RequestMeta::current(),
            state.audit_key.clone(),
        )
        .await
    }

    /// Runs `work` in a transaction opened for the signed-in actor and commits it; an error
    /// sets the response's status (`respond`) and rolls the transaction back.
    pub(crate) async fn in_scope<T>(
        work: impl AsyncFnOnce(&Scoped) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        respond(run_in_scope(work).await)
    }

    /// `in_scope` for a form: posted without JavaScript and successful, it lands on `path`
    /// (`respond_landing_on`).
    pub(crate) async fn in_scope_landing_on<T>(
        path: &str,
        work: impl AsyncFnOnce(&Scoped) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        respond_landing_on(path, run_in_scope(work).await)
    }

    async fn run_in_scope<T>(
        work: impl AsyncFnOnce(&Scoped) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let scoped = scoped().await?;
        let value = work(&scoped).await?;
        scoped.commit().await?;
        Ok(value)
    }
}
