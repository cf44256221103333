//! Public health content: articles (health topics), tips and privacy policy versions.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "content")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub slug: String,
    pub kind: crate::model::content::ContentKind,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub version: Option<String>,
    pub published_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub status: crate::model::content::ContentStatus,
    /// Comma-separated, lower case.
    pub tags: String,
    pub home_position: Option<i32>,
    pub category: Option<String>,
    pub updated_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
