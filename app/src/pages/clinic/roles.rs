//! The clinic's roles: what each built-in role grants, the clinic's own roles with a form to add
//! one, and a page to change or delete one.
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::ClinicNav;
use crate::api::clinic::roles::{
    get_clinic_roles, AddClinicRole, DeleteClinicRole, SaveClinicRole,
};
use crate::components::form::{
    field_errors, form_error, typed_value, Field, FieldErrors, FormAlert, BUTTON_CLASS,
    SECONDARY_BUTTON,
};
use crate::components::portal::{LandingNotice, CARD};
use crate::components::status::{ErrorPanel, Loaded};
use crate::error::AppError;
use crate::model::clinic::{ClinicRole, ClinicRoles, PermissionOption};
use crate::routes;

const DONE: &[(&str, &str)] = &[
    (
        "added",
        "The role is added. Give it to staff on the staff page.",
    ),
    (
        "saved",
        "The role is saved. Its holders have the new permissions from their next page.",
    ),
    ("deleted", "The role is deleted."),
];

/// How many hold a role (staff memberships and open invitations), in words.
fn holders(n: u64) -> String {
    match n {
        0 => "No one holds it".to_owned(),
        1 => "1 staff member or invitation".to_owned(),
        n => format!("{n} staff members or invitations"),
    }
}

#[component]
pub(crate) fn RolesPage() -> impl IntoView {
    let roles = Resource::new(|| (), |_| get_clinic_roles());
    view! {
        <Title text="Roles · Clinic administration · Salus" />
        <ClinicNav current=routes::clinic::ROLES />
        <h1 class="text-3xl font-bold">"Roles"</h1>
        <p class="mt-2 text-slate-700">"A role is a named set of permissions; anything a role does not grant is refused. You can grant only the permissions for running the clinic that you hold yourself."</p>
        <LandingNotice param="done" messages=DONE />
        <Loaded resource=roles let:roles>
            <RolesView roles />
        </Loaded>
    }
}

#[component]
fn RolesView(roles: ClinicRoles) -> impl IntoView {
    let ClinicRoles {
        built_in,
        custom,
        permissions,
    } = roles;
    let describe = {
        let permissions = permissions.clone();
        move |role: &ClinicRole| -> Vec<String> {
            role.permissions
                .iter()
                .filter_map(|name| permissions.iter().find(|p| &p.name == name))
                .map(|p| p.description.clone())
                .collect()
        }
    };
    let built_in_rows: Vec<_> = built_in.iter().map(|r| (r.clone(), describe(r))).collect();
    let custom_rows: Vec<_> = custom.iter().map(|r| (r.clone(), describe(r))).collect();
    view! {
        <section aria-labelledby="custom-heading" class=CARD>
            <h2 id="custom-heading" class="text-xl font-semibold">"Your clinic's roles"</h2>
            {if custom_rows.is_empty() {
                view! { <p class="mt-2 text-sm text-slate-600">"Your clinic has no roles of its own yet."</p> }.into_any()
            } else {
                view! { <RoleList roles=custom_rows editable=true /> }.into_any()
            }}
        </section>
        <AddForm permissions />
        <section aria-labelledby="built-in-heading" class=CARD>
            <h2 id="built-in-heading" class="text-xl font-semibold">"Built-in roles"</h2>
            <p class="mt-1 text-sm text-slate-600">"Every clinic has these; what they grant is fixed."</p>
            <RoleList roles=built_in_rows editable=false />
        </section>
    }
}

#[component]
fn RoleList(roles: Vec<(ClinicRole, Vec<String>)>, editable: bool) -> impl IntoView {
    view! {
        <ul class="mt-3 divide-y divide-slate-200">
            {roles.into_iter().map(|(role, grants)| {
                let change = role.id.filter(|_| editable).map(|id| {
                    let label = format!("Change the role {}", role.name);
                    view! {
                        <a href=routes::clinic::role(id) aria-label=label class="text-sm font-medium text-teal-800 underline">"Change"</a>
                    }
                });
                view! {
                    <li class="py-3" data-testid="role">
                        <div class="flex flex-wrap items-baseline justify-between gap-2">
                            <p class="font-medium">{role.name.clone()}</p>
                            <p class="text-sm text-slate-600">{holders(role.holders)}</p>
                        </div>
                        <ul class="mt-1 list-disc pl-5 text-sm text-slate-700">
                            {grants.into_iter().map(|g| view! { <li>{g}</li> }).collect_view()}
                        </ul>
                        {change}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// The permission checkboxes, ticked as `held` says, or as a refused form sent them.
fn permission_boxes<S: ServerFn>(
    permissions: Vec<PermissionOption>,
    held: Vec<String>,
    errors: Signal<Vec<String>>,
) -> impl IntoView {
    // A refused form always sends its name; its boxes were ticked if they were sent.
    let refused = typed_value::<S>("name").is_some();
    view! {
        <fieldset class="md:col-span-2" aria-describedby="field-permissions-error">
            <legend class="text-sm font-medium text-slate-800">"Permissions"</legend>
            <div class="mt-2 grid gap-2 sm:grid-cols-2">
                {permissions.into_iter().map(|p| {
                    let id = format!("field-{}", p.field);
                    let checked = if refused {
                        typed_value::<S>(&p.field).is_some()
                    } else {
                        held.contains(&p.name)
                    };
                    view! {
                        <div class="flex items-start gap-2">
                            <input id=id.clone() name=p.field.clone() type="checkbox" value="on" checked=checked class="mt-1 h-4 w-4" />
                            <label for=id class="text-sm">{p.description.clone()}</label>
                        </div>
                    }
                }).collect_view()}
            </div>
            <FieldErrors id="field-permissions-error".to_owned() errors />
        </fieldset>
    }
}

#[component]
fn AddForm(permissions: Vec<PermissionOption>) -> impl IntoView {
    let add = ServerAction::<AddClinicRole>::new();
    let value = add.value();
    let name = typed_value::<AddClinicRole>("name").unwrap_or_default();
    view! {
        <section aria-labelledby="add-heading" class=CARD>
            <h2 id="add-heading" class="text-xl font-semibold">"Add a role"</h2>
            <ActionForm action=add attr:class="mt-4 grid gap-3 md:grid-cols-2" attr:novalidate="true">
                <div class="md:col-span-2"><FormAlert message=form_error(value) /></div>
                <Field label="Name" name="name" value=name errors=field_errors(value, "name") required=true />
                {permission_boxes::<AddClinicRole>(permissions, Vec::new(), field_errors(value, "permissions"))}
                <div class="md:col-span-2"><button type="submit" class=BUTTON_CLASS>"Add role"</button></div>
            </ActionForm>
        </section>
    }
}

/// `/clinic/roles/:id`: one of the clinic's own roles.
#[component]
pub(crate) fn RolePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
    };
    let roles = Resource::new(|| (), |_| get_clinic_roles());
    view! {
        <Title text="Change a role · Clinic administration · Salus" />
        <ClinicNav current=routes::clinic::ROLES />
        <p class="text-sm"><a href=routes::clinic::ROLES class="text-teal-800 underline">"All roles"</a></p>
        <Suspense fallback=|| view! { <p class="mt-4 text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let found = roles.await.and_then(|page| {
                    let role = page.custom.into_iter().find(|r| r.id.is_some() && r.id == id()).ok_or(AppError::NotFound)?;
                    Ok((role, page.permissions))
                });
                match found {
                    Ok((role, permissions)) => view! { <ChangeForm role permissions /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ChangeForm(role: ClinicRole, permissions: Vec<PermissionOption>) -> impl IntoView {
    let save = ServerAction::<SaveClinicRole>::new();
    let delete = ServerAction::<DeleteClinicRole>::new();
    let value = save.value();
    let id = role.id.unwrap_or_default();
    let name = typed_value::<SaveClinicRole>("name").unwrap_or_else(|| role.name.clone());
    let delete_label = format!("Delete the role {}", role.name);
    view! {
        <h1 class="mt-2 text-3xl font-bold">{format!("Change {}", role.name)}</h1>
        <p class="mt-2 text-slate-700">{format!("{}. They have the new permissions from their next page.", holders(role.holders))}</p>
        <section aria-label="Role" class=CARD>
            <ActionForm action=save attr:class="grid gap-3 md:grid-cols-2" attr:novalidate="true">
                <div class="md:col-span-2"><FormAlert message=form_error(value) /></div>
                <input type="hidden" name="role_id" value=id />
                <Field label="Name" name="name" value=name errors=field_errors(value, "name") required=true />
                {permission_boxes::<SaveClinicRole>(permissions, role.permissions.clone(), field_errors(value, "permissions"))}
                <div class="md:col-span-2"><button type="submit" class=BUTTON_CLASS>"Save role"</button></div>
            </ActionForm>
        </section>
        <section aria-labelledby="delete-heading" class=CARD>
            <h2 id="delete-heading" class="text-xl font-semibold">"Delete this role"</h2>
            <p class="mt-1 text-sm text-slate-600">"Only a role no one holds or is invited to can be deleted."</p>
            <FormAlert message=form_error(delete.value()) />
            <ActionForm action=delete attr:class="mt-3">
                <input type="hidden" name="role_id" value=id />
                <button type="submit" class=SECONDARY_BUTTON aria-label=delete_label>"Delete role"</button>
            </ActionForm>
        </section>
    }
}
