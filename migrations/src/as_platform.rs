//! What migrations run on PostgreSQL alone, and rows a migration writes into a table under
//! row-level security.
//!
//! On PostgreSQL the policies are forced on the tables' owner too, so a migration, which runs as
//! the owner with no request context, is refused an insert and sees no rows to update. Such a
//! statement runs here as the platform's own work (`app.role = platform`), in one round trip
//! that sets the context, runs the statement and clears the context again, so that nothing
//! else in the migration runs with it.
use sea_orm::DatabaseBackend;
use sea_orm_migration::prelude::*;

pub async fn execute_as_platform(m: &SchemaManager<'_>, sql: &str) -> Result<(), DbErr> {
    let conn = m.get_connection();
    if m.get_database_backend() != DatabaseBackend::Postgres {
        conn.execute_unprepared(sql).await?;
        return Ok(());
    }
    // A multi-statement string is one implicit transaction when it is not already inside one,
    // so `set_config(…, true)` holds exactly until the last statement.
    conn.execute_unprepared(&format!(
        "SELECT set_config('app.role', 'platform', true); {sql}; \
         SELECT set_config('app.role', '', true);"
    ))
    .await?;
    Ok(())
}

/// Runs `sql` on PostgreSQL only: roles, policies and triggers, which SQLite does not have.
pub async fn execute_on_postgres(m: &SchemaManager<'_>, sql: &str) -> Result<(), DbErr> {
    if m.get_database_backend() == DatabaseBackend::Postgres {
        m.get_connection().execute_unprepared(sql).await?;
    }
    Ok(())
}
