//! What a signed-in session holds, and turning it back into a verified `Actor` on each request.
use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, EntityTrait};
use tower_sessions::Session;

use super::accounts::SignedIn;
use crate::error::AppError;
use crate::model::{CurrentUser, Role};
use crate::server::entities::{clinics, users};
use crate::server::errors::internal;
use crate::server::state::Settings;
use crate::server::tenancy::Actor;

const USER_ID: &str = "uid";
const ROLE: &str = "role";
const CLINIC_ID: &str = "clinic";
const SIGNED_IN_AT: &str = "signed_in_at";

/// Stores the sign-in in the session under a new id, so a session id seen before sign-in
/// (session fixation) is worth nothing after it.
pub async fn establish(
    session: &Session,
    signed_in: &SignedIn,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    session.cycle_id().await.map_err(internal)?;
    session
        .insert(USER_ID, signed_in.user_id)
        .await
        .map_err(internal)?;
    session
        .insert(ROLE, signed_in.role.as_str())
        .await
        .map_err(internal)?;
    session
        .insert(CLINIC_ID, signed_in.clinic_id)
        .await
        .map_err(internal)?;
    session
        .insert(SIGNED_IN_AT, now.timestamp())
        .await
        .map_err(internal)?;
    Ok(())
}

/// Ends the session on the server: the record is deleted, the cookie is worthless.
pub async fn end(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(internal)
}

/// The actor of a session, if it is signed in, within its absolute lifetime, and its user
/// is still active. A session past its lifetime is ended here.
pub async fn actor(
    db: &DatabaseConnection,
    settings: &Settings,
    now: DateTime<Utc>,
    session: &Session,
) -> Result<Option<(Actor, users::Model)>, AppError> {
    let Some(user_id) = session.get::<i64>(USER_ID).await.map_err(internal)? else {
        return Ok(None);
    };
    let signed_in_at = session
        .get::<i64>(SIGNED_IN_AT)
        .await
        .map_err(internal)?
        .unwrap_or(0);
    let lifetime = settings.session_absolute.as_secs() as i64;
    let role = session
        .get::<String>(ROLE)
        .await
        .map_err(internal)?
        .and_then(|r| Role::parse(&r));
    let clinic_id = session
        .get::<Option<i64>>(CLINIC_ID)
        .await
        .map_err(internal)?
        .flatten();
    let (Some(role), true) = (role, now.timestamp() - signed_in_at < lifetime) else {
        end(session).await?;
        return Ok(None);
    };
    match users::Entity::find_by_id(user_id).one(db).await? {
        Some(user) if user.is_active => Ok(Some((Actor::new(user_id, role, clinic_id), user))),
        _ => {
            end(session).await?;
            Ok(None)
        }
    }
}

/// The signed-in user as shown in the browser.
pub async fn current_user(
    db: &DatabaseConnection,
    actor: &Actor,
    user: &users::Model,
) -> Result<CurrentUser, AppError> {
    let clinic_name = match actor.clinic_id() {
        Some(id) => clinics::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|c| c.name),
        None => None,
    };
    Ok(CurrentUser {
        name: user.display_name.clone(),
        role: actor.role(),
        clinic_name,
    })
}
