//! The clinic's staff: invitations, roles, two-step resets, deactivation.
use leptos::prelude::*;
use leptos_meta::Title;

use super::ClinicNav;
use crate::api::account::mfa::ResetTwoStep;
use crate::api::clinic::invitations::{InviteStaff, ResendInvitation, WithdrawInvitation};
use crate::api::clinic::staff::{
    get_clinic_staff, ChangeStaffRole, DeactivateStaff, ReactivateStaff,
};
use crate::components::form::{
    field_errors, form_error, Field, FieldErrors, FormAlert, BUTTON_CLASS, INPUT_CLASS,
    SECONDARY_BUTTON,
};
use crate::components::portal::{LandingNotice, CARD, TWO_STEP_RESET};
use crate::components::status::Loaded;
use crate::model::clinic::{OpenInvitation, RoleChoice, StaffDirectory, StaffMember};
use crate::routes;

const DONE: &[(&str, &str)] = &[
    (
        "invited",
        "Invitation sent. The link in it works for 7 days.",
    ),
    (
        "resent",
        "Invitation sent again with a new link; the earlier link no longer works.",
    ),
    (
        "withdrawn",
        "Invitation withdrawn: its link no longer works.",
    ),
    (
        "role",
        "Role changed. They were signed out and have the new role at their next sign-in.",
    ),
    (
        "deactivated",
        "Deactivated. They were signed out and cannot sign in to this clinic.",
    ),
    ("reactivated", "Reactivated. They can sign in again."),
];

#[component]
pub(crate) fn StaffPage() -> impl IntoView {
    let directory = Resource::new(|| (), |_| get_clinic_staff());
    view! {
        <Title text="Staff · Clinic administration · Salus" />
        <ClinicNav current=routes::clinic::STAFF />
        <h1 class="text-3xl font-bold">"Staff"</h1>
        <LandingNotice param="done" messages=DONE />
        <LandingNotice param="two_step" messages=TWO_STEP_RESET />
        <Loaded resource=directory let:directory>
            <Directory directory />
        </Loaded>
    }
}

#[component]
fn Directory(directory: StaffDirectory) -> impl IntoView {
    let seats = directory.seats;
    let roles = directory.roles;
    view! {
        <InviteForm roles=roles.clone() />
        <p class="mt-3 text-sm text-slate-700" data-testid="provider-seats">
            {format!(
                "Provider seats: {} of {} taken ({} active staff who see patients, {} open invitation{}). Your plan: {}.",
                seats.taken(), seats.allowed,
                seats.providers,
                seats.invited, if seats.invited == 1 { "" } else { "s" },
                seats.plan,
            )}
        </p>
        <p class="mt-1 text-sm text-slate-600">"Each role that sees patients takes a seat: providers, nurses, and your own roles that do. "<a href=routes::clinic::ROLES class="text-teal-800 underline">"Roles and their permissions"</a></p>
        <Members members=directory.members roles />
        <Invitations invitations=directory.invitations />
    }
}

/// The clinic's roles as options, `selected` by key.
#[component]
fn RoleOptions(roles: Vec<RoleChoice>, selected: String) -> impl IntoView {
    roles
        .into_iter()
        .map(|role| {
            let chosen = role.key == selected;
            view! { <option value=role.key selected=chosen>{role.name}</option> }
        })
        .collect_view()
}

#[component]
fn InviteForm(roles: Vec<RoleChoice>) -> impl IntoView {
    let invite = ServerAction::<InviteStaff>::new();
    let value = invite.value();
    let role_errors = field_errors(value, "role");
    view! {
        <section aria-labelledby="invite-heading" class=CARD>
            <h2 id="invite-heading" class="text-xl font-semibold">"Invite a staff member"</h2>
            <p class="mt-1 text-sm text-slate-600">"They get an email with a link to set their password, or to join with the Salus account they have."</p>
            <ActionForm action=invite attr:class="mt-4 grid gap-3 md:grid-cols-3 md:items-start" attr:novalidate="true">
                <div class="md:col-span-3"><FormAlert message=form_error(value) /></div>
                <Field label="Email" name="email" kind="email" autocomplete="off" errors=field_errors(value, "email") required=true />
                <div>
                    <label for="field-role" class="block text-sm font-medium text-slate-800">"Role"</label>
                    <select id="field-role" name="role" class=INPUT_CLASS
                        aria-invalid=move || (!role_errors.get().is_empty()).to_string()
                        aria-describedby="field-role-error">
                        <RoleOptions roles selected=crate::model::Role::Provider.as_str().to_owned() />
                    </select>
                    <FieldErrors id="field-role-error".to_owned() errors=role_errors />
                </div>
                <div class="md:pt-6"><button type="submit" class=BUTTON_CLASS>"Send invitation"</button></div>
            </ActionForm>
        </section>
    }
}

#[component]
fn Members(members: Vec<StaffMember>, roles: Vec<RoleChoice>) -> impl IntoView {
    let change_role = ServerAction::<ChangeStaffRole>::new();
    let deactivate = ServerAction::<DeactivateStaff>::new();
    let reactivate = ServerAction::<ReactivateStaff>::new();
    let reset = ServerAction::<ResetTwoStep>::new();
    view! {
        <section aria-labelledby="members-heading" class=CARD>
            <h2 id="members-heading" class="text-xl font-semibold">"Staff members"</h2>
            <FormAlert message=form_error(change_role.value()) />
            <FormAlert message=form_error(deactivate.value()) />
            <FormAlert message=form_error(reactivate.value()) />
            <FormAlert message=form_error(reset.value()) />
            <div class="mt-3 overflow-x-auto" tabindex="0" role="region" aria-labelledby="members-heading">
                <table class="w-full text-left text-sm">
                    <thead class="bg-slate-50 text-slate-700">
                        <tr>
                            <th scope="col" class="px-3 py-2">"Name"</th>
                            <th scope="col" class="px-3 py-2">"Role"</th>
                            <th scope="col" class="px-3 py-2">"Two-step sign-in"</th>
                            <th scope="col" class="px-3 py-2">"Last sign-in"</th>
                            <th scope="col" class="px-3 py-2">"Status"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {members.into_iter().map(|m| {
                            let id = m.membership_id;
                            let roles = roles.clone();
                            let select_id = format!("role-{id}");
                            let role_of = format!("Role of {}", m.name);
                            let change = format!("Change the role of {}", m.name);
                            let reset_label = format!("Reset two-step sign-in of {}", m.name);
                            let deactivate_label = format!("Deactivate {}", m.name);
                            let reactivate_label = format!("Reactivate {}", m.name);
                            view! {
                                <tr class="border-t border-slate-200 align-top" data-testid="staff-member">
                                    <td class="px-3 py-2">
                                        <p class="font-medium">{m.name.clone()}</p>
                                        <p class="text-slate-600">{m.email.clone()}</p>
                                    </td>
                                    <td class="px-3 py-2">
                                        <ActionForm action=change_role attr:class="flex flex-wrap items-center gap-2">
                                            <input type="hidden" name="membership_id" value=id />
                                            <label for=select_id.clone() class="sr-only">{role_of}</label>
                                            <select id=select_id name="role" class="rounded-md border border-slate-300 bg-white px-2 py-1">
                                                <RoleOptions roles selected=m.role_key.clone() />
                                            </select>
                                            <button type="submit" class=SECONDARY_BUTTON aria-label=change>"Change"</button>
                                        </ActionForm>
                                    </td>
                                    <td class="px-3 py-2">
                                        <p>{if m.two_step { "Set up" } else { "Not set up yet" }}</p>
                                        {m.two_step.then(|| view! {
                                            <ActionForm action=reset attr:class="mt-1">
                                                <input type="hidden" name="user_id" value=m.user_id />
                                                <button type="submit" class=SECONDARY_BUTTON aria-label=reset_label>
                                                    "Reset"
                                                </button>
                                            </ActionForm>
                                        })}
                                    </td>
                                    <td class="px-3 py-2">{m.last_sign_in.clone().unwrap_or_else(|| "Never".into())}</td>
                                    <td class="px-3 py-2">
                                        <p>{if m.active { "Active" } else { "Deactivated" }}</p>
                                        {if m.active {
                                            view! {
                                                <ActionForm action=deactivate attr:class="mt-1">
                                                    <input type="hidden" name="membership_id" value=id />
                                                    <button type="submit" class=SECONDARY_BUTTON aria-label=deactivate_label>"Deactivate"</button>
                                                </ActionForm>
                                            }.into_any()
                                        } else {
                                            view! {
                                                <ActionForm action=reactivate attr:class="mt-1">
                                                    <input type="hidden" name="membership_id" value=id />
                                                    <button type="submit" class=SECONDARY_BUTTON aria-label=reactivate_label>"Reactivate"</button>
                                                </ActionForm>
                                            }.into_any()
                                        }}
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn Invitations(invitations: Vec<OpenInvitation>) -> impl IntoView {
    let resend = ServerAction::<ResendInvitation>::new();
    let withdraw = ServerAction::<WithdrawInvitation>::new();
    view! {
        <section aria-labelledby="invitations-heading" class=CARD>
            <h2 id="invitations-heading" class="text-xl font-semibold">"Open invitations"</h2>
            <FormAlert message=form_error(resend.value()) />
            <FormAlert message=form_error(withdraw.value()) />
            {if invitations.is_empty() {
                view! { <p class="mt-2 text-sm text-slate-600">"No invitation is open."</p> }.into_any()
            } else {
                view! {
                    <ul class="mt-3 divide-y divide-slate-200">
                        {invitations.into_iter().map(|i| {
                            let heading = format!("{} ({})", i.email, i.role_name);
                            let resend_label = format!("Send the invitation to {} again", i.email);
                            let withdraw_label = format!("Withdraw the invitation to {}", i.email);
                            view! {
                            <li class="flex flex-wrap items-center justify-between gap-3 py-3" data-testid="invitation">
                                <div>
                                    <p class="font-medium">{heading}</p>
                                    <p class="text-sm text-slate-600">
                                        {if i.expired { format!("Expired {}", i.expires) } else { format!("Link works until {}", i.expires) }}
                                    </p>
                                </div>
                                <div class="flex gap-2">
                                    <ActionForm action=resend>
                                        <input type="hidden" name="invitation_id" value=i.id />
                                        <button type="submit" class=SECONDARY_BUTTON aria-label=resend_label>"Send again"</button>
                                    </ActionForm>
                                    <ActionForm action=withdraw>
                                        <input type="hidden" name="invitation_id" value=i.id />
                                        <button type="submit" class=SECONDARY_BUTTON aria-label=withdraw_label>"Withdraw"</button>
                                    </ActionForm>
                                </div>
                            </li>
                        }}).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
