//! The outcome of each CSV import of patients.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "patient_imports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub clinic_id: i64,
    pub imported_by: i64,
    pub file_sha256: String,
    pub rows: i64,
    /// Patients enrolled at once: imports before invitations were the only way in; 0 since.
    pub added: i64,
    pub already_enrolled: i64,
    /// New invitations sent.
    pub invited: i64,
    /// Addresses that had an open invitation already.
    pub already_invited: i64,
    /// JSON: `[{"row": 3, "field": "date_of_birth", "message": "…"}]`; empty when written.
    #[sea_orm(column_type = "Text")]
    pub problems: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
