//! Connecting to SQLite or PostgreSQL and bringing the schema up to date.
use std::time::Duration;

use salus_migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

/// Opens the pool. For a SQLite file, creates its folder first; SQLite runs in WAL mode with a
/// busy timeout so concurrent requests wait for the writer instead of failing.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    connect_with(url, if url.starts_with("sqlite:") { 8 } else { 20 }).await
}

async fn connect_with(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    if let Some(path) = sqlite_file(url) {
        if let Some(parent) = std::path::Path::new(&path)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent)
                .map_err(|e| DbErr::Custom(format!("creating {}: {e}", parent.display())))?;
        }
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    Database::connect(options).await
}

pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Brings the schema at `url` up to date over a single connection. On SQLite, schema changes
/// spread over several pooled connections can meet a connection still reading the old schema
/// ("index … already exists"); one connection sees every step in order.
pub async fn migrate_url(url: &str) -> Result<(), DbErr> {
    let db = connect_with(url, 1).await?;
    let result = migrate(&db).await;
    db.close().await?;
    result
}

/// The PostgreSQL role `db` is connected as, when that role bypasses row-level security (a
/// superuser, or BYPASSRLS): every policy would then be off, silently. `None` on SQLite and for
/// a role the policies hold.
pub async fn rls_bypassing_role(db: &DatabaseConnection) -> Result<Option<String>, DbErr> {
    use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(None);
    }
    let row = db
        .query_one_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            "SELECT current_user::text AS name, rolsuper OR rolbypassrls AS bypasses \
             FROM pg_roles WHERE rolname = current_user",
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("pg_roles has no row for current_user".into()))?;
    let bypasses: bool = row.try_get("", "bypasses")?;
    Ok(bypasses.then(|| row.try_get("", "name")).transpose()?)
}

/// The file path of a `sqlite://path?...` URL, if it names a file.
fn sqlite_file(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| path.to_owned())
}

/// The group role every application login role belongs to; the row-level security migration
/// creates it and grants it the application's privileges.
pub const APPLICATION_GROUP: &str = "salus_application";

/// Creates (or, if it exists, checks) a PostgreSQL login role for the application and makes it
/// a member of `salus_application`, connected as the tables' owner (`owner`), after migrating.
/// The role is never a superuser, cannot bypass row-level security, and owns nothing. Refuses an
/// existing role that is a superuser or may bypass RLS: serving as one would switch RLS off.
pub async fn create_app_role(
    owner: &DatabaseConnection,
    name: &str,
    password: Option<&str>,
) -> Result<(), DbErr> {
    use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
    if owner.get_database_backend() != DatabaseBackend::Postgres {
        return Err(DbErr::Custom(
            "application roles exist only on PostgreSQL; SQLite needs none".into(),
        ));
    }
    let valid = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid || name == APPLICATION_GROUP {
        return Err(DbErr::Custom(format!(
            "{name:?} is not a usable role name (lower-case letters, digits and _, not {APPLICATION_GROUP})"
        )));
    }
    let existing = owner
        .query_one_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1",
            [name.into()],
        ))
        .await?;
    match existing {
        Some(row) => {
            let (superuser, bypass): (bool, bool) = (
                row.try_get("", "rolsuper")?,
                row.try_get("", "rolbypassrls")?,
            );
            if superuser || bypass {
                return Err(DbErr::Custom(format!(
                    "role {name} is a superuser or may bypass row-level security; the application must not connect as it"
                )));
            }
        }
        None => {
            // DDL takes no parameters; format() quotes the name and password safely.
            let create = owner
                .query_one_raw(Statement::from_sql_and_values(
                    DatabaseBackend::Postgres,
                    "SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE', $1::text) \
                     || CASE WHEN $2::text IS NULL THEN '' ELSE format(' PASSWORD %L', $2::text) END AS sql",
                    [name.into(), password.map(str::to_owned).into()],
                ))
                .await?
                .ok_or_else(|| DbErr::Custom("format() returned nothing".into()))?;
            let sql: String = create.try_get("", "sql")?;
            if let Err(e) = owner.execute_unprepared(&sql).await {
                // Another process created it meanwhile (roles belong to the whole cluster).
                if !e.to_string().contains("already exists") {
                    return Err(e);
                }
            }
        }
    }
    owner
        .execute_unprepared(&format!("GRANT {APPLICATION_GROUP} TO \"{name}\""))
        .await?;
    Ok(())
}
