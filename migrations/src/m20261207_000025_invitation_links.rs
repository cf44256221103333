//! An invitation link is checked before anything runs with a clinic's or the platform's reach.
//! The anonymous invitation pages used to open a platform transaction (taking the platform's
//! audit-chain lock, on SQLite the database's write lock) or act as the clinic named in the
//! token's prefix, and only then look the token up. On PostgreSQL the link's holder now reads
//! the one open invitation whose token hashes to `app.token_hash` (role `invitee`), and nothing
//! else; the application goes on with more reach only for a link that is good.
use sea_orm_migration::prelude::*;

use crate::as_platform::execute_on_postgres;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &str = "
CREATE FUNCTION salus_token_hash() RETURNS text LANGUAGE sql STABLE AS
    $$ SELECT NULLIF(current_setting('app.token_hash', true), '') $$;
GRANT EXECUTE ON FUNCTION salus_token_hash() TO salus_application;
CREATE POLICY invitations_invitee ON invitations FOR SELECT
    USING ((SELECT salus_role()) = 'invitee' AND token_hash = (SELECT salus_token_hash()));
CREATE POLICY super_admin_invitations_invitee ON super_admin_invitations FOR SELECT
    USING ((SELECT salus_role()) = 'invitee' AND token_hash = (SELECT salus_token_hash()));
";

const DOWN: &str = "
DROP POLICY super_admin_invitations_invitee ON super_admin_invitations;
DROP POLICY invitations_invitee ON invitations;
DROP FUNCTION salus_token_hash();
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        execute_on_postgres(m, UP).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        execute_on_postgres(m, DOWN).await
    }
}
