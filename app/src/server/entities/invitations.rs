//! Invitations to join a clinic, as staff or as a patient: a single-use link, stored only as
//! its hash.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invitations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub clinic_id: i64,
    /// Normalised, as accounts store emails.
    pub email: String,
    pub role: crate::model::Role,
    pub token_hash: String,
    pub invited_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub accepted_at: Option<DateTimeUtc>,
    pub withdrawn_at: Option<DateTimeUtc>,
    /// The clinic's own role a `custom` invitation offers; none for a built-in role.
    pub clinic_role_id: Option<i64>,
    /// What the clinic typed about the patient it invites (a patient invitation from its
    /// enrolment form or import): shown on its roster until they join, and the profile of
    /// their new account if they have none.
    pub patient_name: Option<String>,
    pub date_of_birth: Option<Date>,
    pub sex: Option<crate::model::Sex>,
    pub phone: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
