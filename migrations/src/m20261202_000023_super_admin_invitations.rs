//! Invitations to become a super admin: a single-use link mailed to an address with no
//! account, stored only as its hash, valid for a week. Super admins hold accounts of their
//! own: the platform's reach never shares an account with a clinic's.
//!
//! On PostgreSQL only platform work reads or writes them (accepting one is platform work too,
//! opened and audited as such).
use sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const POLICIES: &str = "
GRANT SELECT, INSERT, UPDATE ON super_admin_invitations TO salus_application;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO salus_application;
ALTER TABLE super_admin_invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE super_admin_invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY super_admin_invitations_platform ON super_admin_invitations FOR ALL
    USING ((SELECT salus_is_platform())) WITH CHECK ((SELECT salus_is_platform()));
";

#[derive(DeriveIden)]
enum SuperAdminInvitations {
    Table,
    Id,
    Email,
    TokenHash,
    InvitedBy,
    CreatedAt,
    ExpiresAt,
    AcceptedAt,
    WithdrawnAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use SuperAdminInvitations as T;
        m.create_table(
            Table::create()
                .table(T::Table)
                .col(big_pk_auto(T::Id))
                .col(string(T::Email))
                .col(string_uniq(T::TokenHash))
                .col(big_integer_null(T::InvitedBy))
                .col(timestamp_with_time_zone(T::CreatedAt))
                .col(timestamp_with_time_zone(T::ExpiresAt))
                .col(timestamp_with_time_zone_null(T::AcceptedAt))
                .col(timestamp_with_time_zone_null(T::WithdrawnAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_super_admin_invitations_email")
                .table(T::Table)
                .col(T::Email)
                .to_owned(),
        )
        .await?;
        if m.get_database_backend() == DatabaseBackend::Postgres {
            m.get_connection().execute_unprepared(POLICIES).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(SuperAdminInvitations::Table).to_owned())
            .await
    }
}
