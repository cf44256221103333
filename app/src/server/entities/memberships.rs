//! A user's role in a clinic; a patient is a member with role `patient`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "memberships")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub clinic_id: i64,
    pub role: crate::model::Role,
    pub created_at: DateTimeUtc,
    /// Set while a clinic admin has deactivated this staff member: the membership grants nothing.
    pub deactivated_at: Option<DateTimeUtc>,
    /// The clinic's own role a `custom` membership holds; none for a built-in role.
    pub clinic_role_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::clinics::Entity",
        from = "Column::ClinicId",
        to = "super::clinics::Column::Id"
    )]
    Clinic,
}

impl Related<super::clinics::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Clinic.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
