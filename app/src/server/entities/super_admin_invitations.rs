//! Invitations to become a super admin: a single-use link, stored only as its hash.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "super_admin_invitations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Normalised, as accounts store emails.
    pub email: String,
    pub token_hash: String,
    pub invited_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub accepted_at: Option<DateTimeUtc>,
    pub withdrawn_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
