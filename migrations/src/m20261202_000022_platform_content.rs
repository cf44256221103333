//! Public content the platform keeps: health topics with a status (`draft`, `published`, or
//! `retired` for a tip taken out of the daily turn), tags (comma-separated, lower case) and a
//! place on the home page (`home_position`, lowest first; topics without one follow, newest
//! first); a category for each health tip; when an entry was last changed.
//!
//! The privacy policy becomes a row per version (`kind = 'policy'`, slug
//! `privacy-policy-<version>`): the newest published one is in force, and earlier ones stay
//! readable. The first version keeps its text and date.
//!
//! On PostgreSQL `content` comes under row-level security: anyone reads what is published, and
//! only platform work reads drafts and writes.
use sea_orm::DatabaseBackend;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const POLICIES: &str = "
GRANT INSERT, UPDATE ON content TO salus_application;
ALTER TABLE content ENABLE ROW LEVEL SECURITY;
ALTER TABLE content FORCE ROW LEVEL SECURITY;
CREATE POLICY content_read ON content FOR SELECT
    USING (status = 'published' OR (SELECT salus_is_platform()));
CREATE POLICY content_write ON content FOR ALL
    USING ((SELECT salus_is_platform())) WITH CHECK ((SELECT salus_is_platform()));
";

const POLICIES_DOWN: &str = "
DROP POLICY content_write ON content;
DROP POLICY content_read ON content;
ALTER TABLE content NO FORCE ROW LEVEL SECURITY;
ALTER TABLE content DISABLE ROW LEVEL SECURITY;
REVOKE INSERT, UPDATE ON content FROM salus_application;
";

/// The tips the first migration wrote, each with the category it belongs in.
const TIP_CATEGORIES: [(&str, &str); 7] = [
    ("tip-water-morning", "nutrition"),
    ("tip-walk-after-meals", "activity"),
    ("tip-screens-off", "sleep"),
    ("tip-stairs", "activity"),
    ("tip-vegetables", "nutrition"),
    ("tip-regular-sleep", "sleep"),
    ("tip-stretch", "activity"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let conn = m.get_connection();
        for column in [
            "status TEXT NOT NULL DEFAULT 'published'",
            "tags TEXT NOT NULL DEFAULT ''",
            "home_position INTEGER NULL",
            "category TEXT NULL",
            "updated_at TIMESTAMP WITH TIME ZONE NULL",
        ] {
            conn.execute_unprepared(&format!("ALTER TABLE content ADD COLUMN {column}"))
                .await?;
        }
        conn.execute_unprepared(
            "UPDATE content SET slug = 'privacy-policy-' || version \
             WHERE slug = 'privacy-policy' AND version IS NOT NULL",
        )
        .await?;
        for (slug, category) in TIP_CATEGORIES {
            conn.execute_unprepared(&format!(
                "UPDATE content SET category = '{category}' WHERE slug = '{slug}'"
            ))
            .await?;
        }
        conn.execute_unprepared("CREATE INDEX idx_content_kind_status ON content (kind, status)")
            .await?;
        if m.get_database_backend() == DatabaseBackend::Postgres {
            conn.execute_unprepared(POLICIES).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let conn = m.get_connection();
        if m.get_database_backend() == DatabaseBackend::Postgres {
            conn.execute_unprepared(POLICIES_DOWN).await?;
        }
        // Only the first policy existed before: later versions, drafts and new kinds go.
        conn.execute_unprepared(
            "DELETE FROM content WHERE kind = 'policy' AND slug <> 'privacy-policy-2026-11-01'",
        )
        .await?;
        conn.execute_unprepared(
            "UPDATE content SET slug = 'privacy-policy' WHERE slug = 'privacy-policy-2026-11-01'",
        )
        .await?;
        conn.execute_unprepared("DROP INDEX idx_content_kind_status")
            .await?;
        for column in ["status", "tags", "home_position", "category", "updated_at"] {
            conn.execute_unprepared(&format!("ALTER TABLE content DROP COLUMN {column}"))
                .await?;
        }
        Ok(())
    }
}
