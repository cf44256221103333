//! The clinic's roles: the built-in ones (permissions fixed in `permissions`) and the clinic's
//! own, named sets of the clinic permissions. Nobody grants a permission that runs the clinic
//! unless they hold it themselves, and nobody changes the standing of someone whose role runs
//! more of the clinic than theirs.
//!
//! Permissions that care for patients (`patient.read`, `care_item.complete`) are granted by
//! whoever manages staff: a clinic admin deliberately reads no records, yet hires providers.
use std::collections::HashMap;

use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};

use super::{audit_changes, lock_staff, provider_seats};
use crate::error::{AppError, Validator};
use crate::model::clinic::{ClinicRole, ClinicRoles, PermissionOption, STAFF_ROLES};
use crate::model::Role;
use crate::server::actor::Actor;
use crate::server::audit::AuditEntry;
use crate::server::entities::{clinic_roles, invitations, memberships};
use crate::server::permissions::{Permission, PermissionSet, CLINIC};
use crate::server::tenancy::Scoped;

const MAX_NAME: usize = 60;
const CUSTOM_KEY: &str = "custom:";

/// A staff role: built in, or one of the clinic's own, with what it grants.
#[derive(Debug, Clone)]
pub(crate) struct StaffRole {
    pub role: Role,
    pub custom: Option<clinic_roles::Model>,
    pub permissions: PermissionSet,
}

impl StaffRole {
    fn built_in(role: Role) -> Self {
        StaffRole {
            role,
            custom: None,
            permissions: PermissionSet::of_role(role),
        }
    }

    pub(crate) fn custom(model: clinic_roles::Model) -> Self {
        StaffRole {
            role: Role::Custom,
            permissions: PermissionSet::parse_stored(&model.permissions),
            custom: Some(model),
        }
    }

    /// How the forms name it (`RoleChoice::key`).
    pub fn key(&self) -> String {
        match &self.custom {
            Some(c) => format!("{CUSTOM_KEY}{}", c.id),
            None => self.role.as_str().to_owned(),
        }
    }

    pub fn name(&self) -> String {
        match &self.custom {
            Some(c) => c.name.clone(),
            None => self.role.label().to_owned(),
        }
    }

    pub fn clinic_role_id(&self) -> Option<i64> {
        self.custom.as_ref().map(|c| c.id)
    }

    /// Whether its holders read patients, and so take a provider seat.
    pub(crate) fn reads_patients(&self) -> bool {
        self.permissions.contains(Permission::PatientRead)
    }
}

/// The clinic's own roles by id.
pub(crate) async fn custom_roles<C: ConnectionTrait>(
    conn: &C,
    clinic: i64,
) -> Result<HashMap<i64, clinic_roles::Model>, AppError> {
    Ok(clinic_roles::Entity::find()
        .filter(clinic_roles::Column::ClinicId.eq(clinic))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect())
}

/// The staff role a membership or invitation row holds (`role`, `clinic_role_id`), if any.
pub(crate) fn held(
    role: Role,
    clinic_role_id: Option<i64>,
    custom: &HashMap<i64, clinic_roles::Model>,
) -> Option<StaffRole> {
    match (role, clinic_role_id) {
        (Role::Custom, Some(id)) => custom.get(&id).cloned().map(StaffRole::custom),
        (role, None) if STAFF_ROLES.contains(&role) => Some(StaffRole::built_in(role)),
        _ => None,
    }
}

/// The staff role a form chose, of the clinic's roles; a field message on `role` otherwise.
pub(crate) async fn chosen<C: ConnectionTrait>(
    conn: &C,
    clinic: i64,
    key: &str,
) -> Result<StaffRole, AppError> {
    let key = key.trim();
    let unknown = || AppError::field("role", "Choose one of your clinic's roles.");
    if let Some(id) = key.strip_prefix(CUSTOM_KEY) {
        let id: i64 = id.parse().map_err(|_| unknown())?;
        return clinic_roles::Entity::find_by_id(id)
            .filter(clinic_roles::Column::ClinicId.eq(clinic))
            .one(conn)
            .await?
            .map(StaffRole::custom)
            .ok_or_else(unknown);
    }
    Role::parse(key)
        .filter(|r| STAFF_ROLES.contains(r))
        .map(StaffRole::built_in)
        .ok_or_else(unknown)
}

/// The permission sets a membership or invitation's role columns stand for, as a condition on
/// `role` and `clinic_role_id`: the staff roles that read patients (those taking a seat).
pub(crate) async fn reading_patients<C: ConnectionTrait>(
    conn: &C,
    clinic: i64,
) -> Result<(Vec<&'static str>, Vec<i64>), AppError> {
    let built_in = STAFF_ROLES
        .into_iter()
        .filter(|r| PermissionSet::of_role(*r).contains(Permission::PatientRead))
        .map(Role::as_str)
        .collect();
    let custom = custom_roles(conn, clinic)
        .await?
        .into_values()
        .map(StaffRole::custom)
        .filter(StaffRole::reads_patients)
        .filter_map(|r| r.clinic_role_id())
        .collect();
    Ok((built_in, custom))
}

/// Memberships whose role reads patients.
pub(crate) fn membership_reads(roles: &(Vec<&'static str>, Vec<i64>)) -> Condition {
    Condition::any()
        .add(memberships::Column::Role.is_in(roles.0.clone()))
        .add(memberships::Column::ClinicRoleId.is_in(roles.1.clone()))
}

/// Invitations whose role reads patients.
pub(crate) fn invitation_reads(roles: &(Vec<&'static str>, Vec<i64>)) -> Condition {
    Condition::any()
        .add(invitations::Column::Role.is_in(roles.0.clone()))
        .add(invitations::Column::ClinicRoleId.is_in(roles.1.clone()))
}

/// Refuses, on `field`, to grant `permissions` when they run more of the clinic than `actor`
/// does.
pub(crate) fn may_grant(
    actor: &Actor,
    permissions: PermissionSet,
    field: &str,
) -> Result<(), AppError> {
    let beyond = permissions.management_beyond(actor.permissions());
    if beyond.is_empty() {
        return Ok(());
    }
    Err(AppError::field(
        field,
        format!(
            "You cannot grant what you do not hold yourself: {}.",
            beyond
                .iter()
                .map(|p| lowercase_first(p.description()))
                .collect::<Vec<_>>()
                .join("; ")
        ),
    ))
}

/// Refuses to change the standing (role, status, two-step) of someone whose role runs more of
/// the clinic than the actor's does.
pub(crate) fn may_manage(actor: &Actor, theirs: &StaffRole) -> Result<(), AppError> {
    if theirs
        .permissions
        .management_beyond(actor.permissions())
        .is_empty()
    {
        Ok(())
    } else {
        Err(AppError::Conflict(format!(
            "Their role ({}) grants more than yours: a clinic admin can change it.",
            theirs.name()
        )))
    }
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn own_clinic(scoped: &Scoped) -> Result<i64, AppError> {
    scoped.actor().require(Permission::StaffManage)?;
    scoped.actor().active_clinic()
}

fn view(role: &StaffRole, holders: u64) -> ClinicRole {
    ClinicRole {
        id: role.clinic_role_id(),
        name: role.name(),
        permissions: role
            .permissions
            .clinic()
            .iter()
            .map(|p| p.name().to_owned())
            .collect(),
        holders,
    }
}

/// The form field of a permission's checkbox.
pub(crate) fn field_of(permission: Permission) -> String {
    permission.name().replace('.', "_")
}

/// Staff memberships (active or not) and open invitations in each role, by role key.
async fn holders(scoped: &Scoped, clinic: i64) -> Result<HashMap<String, u64>, AppError> {
    let custom = custom_roles(scoped.conn(), clinic).await?;
    let mut counts: HashMap<String, u64> = HashMap::new();
    let members = memberships::Entity::find()
        .filter(memberships::Column::ClinicId.eq(clinic))
        .filter(memberships::Column::Role.ne(Role::Patient))
        .all(scoped.conn())
        .await?;
    for m in members {
        if let Some(role) = held(m.role, m.clinic_role_id, &custom) {
            *counts.entry(role.key()).or_default() += 1;
        }
    }
    let open = invitations::Entity::find()
        .filter(invitations::Column::ClinicId.eq(clinic))
        .filter(invitations::Column::Role.ne(Role::Patient))
        .filter(invitations::Column::AcceptedAt.is_null())
        .filter(invitations::Column::WithdrawnAt.is_null())
        .filter(invitations::Column::ExpiresAt.gt(scoped.now()))
        .all(scoped.conn())
        .await?;
    for i in open {
        if let Some(role) = held(i.role, i.clinic_role_id, &custom) {
            *counts.entry(role.key()).or_default() += 1;
        }
    }
    Ok(counts)
}

/// The roles page.
pub async fn page(scoped: &Scoped) -> Result<ClinicRoles, AppError> {
    let clinic = own_clinic(scoped)?;
    let counts = holders(scoped, clinic).await?;
    let count = |role: &StaffRole| counts.get(&role.key()).copied().unwrap_or(0);
    let built_in = STAFF_ROLES
        .into_iter()
        .map(StaffRole::built_in)
        .map(|r| view(&r, count(&r)))
        .collect();
    let mut custom: Vec<StaffRole> = custom_roles(scoped.conn(), clinic)
        .await?
        .into_values()
        .map(StaffRole::custom)
        .collect();
    custom.sort_by_key(|r| r.name().to_lowercase());
    Ok(ClinicRoles {
        built_in,
        custom: custom.iter().map(|r| view(r, count(r))).collect(),
        permissions: CLINIC
            .into_iter()
            .map(|p| PermissionOption {
                name: p.name().to_owned(),
                field: field_of(p),
                description: p.description().to_owned(),
            })
            .collect(),
    })
}

/// What the role form sends: a name and the permissions ticked.
#[derive(Debug, Clone)]
pub struct RoleForm {
    pub name: String,
    pub permissions: PermissionSet,
}

/// Checks the form for the clinic (`except`: the role being changed), and that the actor may
/// grant what it asks for.
async fn checked(
    scoped: &Scoped,
    clinic: i64,
    form: &RoleForm,
    except: Option<i64>,
) -> Result<String, AppError> {
    let name = form.name.trim().to_owned();
    let mut v = Validator::new();
    v.check(!name.is_empty(), "name", "Give the role a name.");
    v.check(
        name.chars().count() <= MAX_NAME,
        "name",
        format!("Keep the name within {MAX_NAME} characters."),
    );
    let lower = name.to_lowercase();
    v.check(
        !STAFF_ROLES
            .iter()
            .any(|r| r.label().to_lowercase() == lower),
        "name",
        "That is the name of a built-in role: choose another.",
    );
    let taken = custom_roles(scoped.conn(), clinic)
        .await?
        .into_values()
        .any(|r| Some(r.id) != except && r.name.to_lowercase() == lower);
    v.check(
        !taken,
        "name",
        "Your clinic has a role of that name already.",
    );
    v.check(
        !form.permissions.is_empty(),
        "permissions",
        "Tick at least one permission.",
    );
    v.finish()?;
    may_grant(scoped.actor(), form.permissions, "permissions")?;
    Ok(name)
}

/// Adds a role of the clinic's own.
pub async fn add(scoped: &Scoped, form: RoleForm) -> Result<i64, AppError> {
    let clinic = own_clinic(scoped)?;
    lock_staff(scoped.conn(), clinic).await?;
    let name = checked(scoped, clinic, &form, None).await?;
    let stored = form.permissions.stored();
    let id = clinic_roles::Entity::insert(clinic_roles::ActiveModel {
        clinic_id: Set(clinic),
        name: Set(name.clone()),
        permissions: Set(stored.clone()),
        created_at: Set(scoped.now()),
        updated_at: Set(scoped.now()),
        ..Default::default()
    })
    .exec(scoped.conn())
    .await?
    .last_insert_id;
    scoped
        .audit(
            AuditEntry::by(scoped.actor(), "role.added")
                .resource(format!("role:{id} name: {name}; permissions: {stored}")),
        )
        .await?;
    Ok(id)
}

/// One of the clinic's own roles, after taking the staff lock; 404 for any other.
async fn own_role(scoped: &Scoped, id: i64) -> Result<(i64, clinic_roles::Model), AppError> {
    let clinic = own_clinic(scoped)?;
    lock_staff(scoped.conn(), clinic).await?;
    let role = clinic_roles::Entity::find_by_id(id)
        .filter(clinic_roles::Column::ClinicId.eq(clinic))
        .one(scoped.conn())
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((clinic, role))
}

/// Renames a role of the clinic's own or changes what it grants. Its holders have the new
/// permissions from their next request (each request reads them). A role that starts reading
/// patients needs a provider seat for each of its active holders and open invitations.
pub async fn update(scoped: &Scoped, id: i64, form: RoleForm) -> Result<(), AppError> {
    let (clinic, before) = own_role(scoped, id).await?;
    let name = checked(scoped, clinic, &form, Some(id)).await?;
    let old = StaffRole::custom(before.clone());
    may_manage(scoped.actor(), &old)?;
    let stored = form.permissions.stored();
    if stored == before.permissions && name == before.name {
        return Ok(());
    }
    if form.permissions.contains(Permission::PatientRead) && !old.reads_patients() {
        let seats = provider_seats(scoped.conn(), clinic, scoped.now()).await?;
        let joining = memberships::Entity::find()
            .filter(memberships::Column::ClinicRoleId.eq(id))
            .filter(memberships::Column::DeactivatedAt.is_null())
            .count(scoped.conn())
            .await?
            + invitations::Entity::find()
                .filter(invitations::Column::ClinicRoleId.eq(id))
                .filter(invitations::Column::AcceptedAt.is_null())
                .filter(invitations::Column::WithdrawnAt.is_null())
                .filter(invitations::Column::ExpiresAt.gt(scoped.now()))
                .count(scoped.conn())
                .await?;
        if seats.taken() + joining > seats.allowed {
            return Err(AppError::field(
                "permissions",
                format!(
                    "Reading patients takes a provider seat for each of the role's {joining} \
                     holders and invitations, and your clinic's plan ({}) has {} of its {} \
                     seats free.",
                    seats.plan,
                    seats.allowed.saturating_sub(seats.taken()),
                    seats.allowed
                ),
            ));
        }
    }
    clinic_roles::Entity::update_many()
        .col_expr(clinic_roles::Column::Name, Expr::value(name.clone()))
        .col_expr(
            clinic_roles::Column::Permissions,
            Expr::value(stored.clone()),
        )
        .col_expr(clinic_roles::Column::UpdatedAt, Expr::value(scoped.now()))
        .filter(clinic_roles::Column::Id.eq(id))
        .exec(scoped.conn())
        .await?;
    scoped
        .audit(
            AuditEntry::by(scoped.actor(), "role.changed").resource(format!(
                "role:{id} {}",
                audit_changes(&[
                    ("name", before.name, name),
                    ("permissions", before.permissions, stored),
                ])
            )),
        )
        .await
}

/// Deletes a role of the clinic's own that no one holds or is invited to.
pub async fn delete(scoped: &Scoped, id: i64) -> Result<(), AppError> {
    let (_, role) = own_role(scoped, id).await?;
    may_manage(scoped.actor(), &StaffRole::custom(role.clone()))?;
    let members = memberships::Entity::find()
        .filter(memberships::Column::ClinicRoleId.eq(id))
        .count(scoped.conn())
        .await?;
    let invited = invitations::Entity::find()
        .filter(invitations::Column::ClinicRoleId.eq(id))
        .filter(invitations::Column::AcceptedAt.is_null())
        .filter(invitations::Column::WithdrawnAt.is_null())
        .filter(invitations::Column::ExpiresAt.gt(scoped.now()))
        .count(scoped.conn())
        .await?;
    if members + invited > 0 {
        return Err(AppError::Conflict(format!(
            "{} staff members and open invitations hold this role: give them another role, or \
             withdraw the invitations, first.",
            members + invited
        )));
    }
    // Used, withdrawn and expired invitations keep their role's name in the audit log only.
    invitations::Entity::update_many()
        .col_expr(
            invitations::Column::ClinicRoleId,
            Expr::value(Option::<i64>::None),
        )
        .filter(invitations::Column::ClinicRoleId.eq(id))
        .exec(scoped.conn())
        .await?;
    clinic_roles::Entity::delete_by_id(id)
        .exec(scoped.conn())
        .await?;
    scoped
        .audit(
            AuditEntry::by(scoped.actor(), "role.deleted")
                .resource(format!("role:{id} name: {}", role.name)),
        )
        .await
}

/// The roles a form offers: the built-in ones, then the clinic's own by name.
pub(crate) async fn choices<C: ConnectionTrait>(
    conn: &C,
    clinic: i64,
) -> Result<Vec<crate::model::clinic::RoleChoice>, AppError> {
    let mut custom: Vec<StaffRole> = clinic_roles::Entity::find()
        .filter(clinic_roles::Column::ClinicId.eq(clinic))
        .order_by_asc(clinic_roles::Column::Name)
        .all(conn)
        .await?
        .into_iter()
        .map(StaffRole::custom)
        .collect();
    custom.sort_by_key(|r| r.name().to_lowercase());
    Ok(STAFF_ROLES
        .into_iter()
        .map(StaffRole::built_in)
        .chain(custom)
        .map(|r| crate::model::clinic::RoleChoice {
            key: r.key(),
            name: r.name(),
        })
        .collect())
}

/// What a membership's role grants, and its name, read as the member's own account (the
/// session check, signing in). None for a custom role that no longer exists.
pub(crate) async fn granted<C: ConnectionTrait>(
    conn: &C,
    role: Role,
    clinic_role_id: Option<i64>,
) -> Result<Option<(PermissionSet, String)>, AppError> {
    match (role, clinic_role_id) {
        (Role::Custom, Some(id)) => Ok(clinic_roles::Entity::find_by_id(id)
            .one(conn)
            .await?
            .map(|r| (PermissionSet::parse_stored(&r.permissions), r.name))),
        (Role::Custom, None) => Ok(None),
        (role, _) => Ok(Some((
            PermissionSet::of_role(role),
            role.label().to_owned(),
        ))),
    }
}
