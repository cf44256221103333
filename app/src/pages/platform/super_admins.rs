//! Super admins: who they are, inviting another, revoking one (never the last).
use leptos::prelude::*;
use leptos_meta::Title;

use super::PlatformNav;
use crate::api::platform::super_admins::{get_super_admins, InviteSuperAdmin, RevokeSuperAdmin};
use crate::components::form::{
    field_errors, form_error, typed_value, Field, FormAlert, BUTTON_CLASS, SECONDARY_BUTTON,
};
use crate::components::portal::{LandingNotice, CARD};
use crate::components::status::Loaded;
use crate::model::platform::{SuperAdminRow, SuperAdmins};
use crate::routes;

const DONE: &[(&str, &str)] = &[
    ("invited", "Invitation sent. The link works for 7 days."),
    (
        "revoked",
        "Revoked. Their sessions end at their next request.",
    ),
];

#[component]
pub(crate) fn SuperAdminsPage() -> impl IntoView {
    let admins = Resource::new(|| (), |_| get_super_admins());
    view! {
        <Title text="Super admins · Platform administration · Salus" />
        <PlatformNav current=routes::platform::ADMINS />
        <h1 class="text-3xl font-bold">"Super admins"</h1>
        <p class="mt-1 text-slate-700">"Super admins run the platform: clinics, plans and public content. They never see patients' records."</p>
        <LandingNotice param="done" messages=DONE />
        <Loaded resource=admins fallback_class="mt-4 text-slate-500" let:admins>
            <AdminList admins />
        </Loaded>
        <InviteForm />
    }
}

#[component]
fn AdminList(admins: SuperAdmins) -> impl IntoView {
    let revoke = ServerAction::<RevokeSuperAdmin>::new();
    let only_one = admins.admins.len() == 1;
    view! {
        <section aria-labelledby="admins-heading" class=CARD>
            <h2 id="admins-heading" class="text-xl font-semibold">"Who they are"</h2>
            <FormAlert message=form_error(revoke.value()) />
            <ul class="mt-2 divide-y divide-slate-200">
                {admins.admins.into_iter().map(|admin| view! { <AdminItem admin only_one revoke /> }).collect_view()}
            </ul>
            {(!admins.invitations.is_empty()).then(|| view! {
                <h3 class="mt-4 font-semibold">"Invited, not yet joined"</h3>
                <ul class="mt-1 text-sm text-slate-700">
                    {admins.invitations.into_iter().map(|i| view! {
                        <li>{format!("{}: the link works until {}", i.email, i.expires)}</li>
                    }).collect_view()}
                </ul>
            })}
        </section>
    }
}

#[component]
fn AdminItem(
    admin: SuperAdminRow,
    only_one: bool,
    revoke: ServerAction<RevokeSuperAdmin>,
) -> impl IntoView {
    view! {
        <li class="flex flex-wrap items-center justify-between gap-3 py-3" data-testid="super-admin">
            <div>
                <p class="font-medium">{admin.name.clone()}{admin.is_you.then_some(" (you)")}</p>
                <p class="text-sm text-slate-600">
                    {admin.email.clone()}
                    {if admin.two_step { " · two-step sign-in set up" } else { " · two-step sign-in at next sign-in" }}
                </p>
            </div>
            {if only_one {
                view! { <p class="text-sm text-slate-600">"The last super admin cannot be revoked."</p> }.into_any()
            } else {
                view! {
                    <ActionForm action=revoke>
                        <input type="hidden" name="user_id" value=admin.user_id />
                        <button type="submit" class=SECONDARY_BUTTON>{format!("Revoke {}", admin.name)}</button>
                    </ActionForm>
                }.into_any()
            }}
        </li>
    }
}

#[component]
fn InviteForm() -> impl IntoView {
    let invite = ServerAction::<InviteSuperAdmin>::new();
    let value = invite.value();
    view! {
        <section aria-labelledby="invite-heading" class=CARD>
            <h2 id="invite-heading" class="text-xl font-semibold">"Invite a super admin"</h2>
            <p class="mt-1 text-sm text-slate-600">"To an address with no Salus account: a super admin's account is used for nothing else."</p>
            <ActionForm action=invite attr:class="mt-4 grid max-w-xl gap-3" attr:novalidate="true">
                <FormAlert message=form_error(value) />
                <Field label="Email" name="email" kind="email" autocomplete="off" errors=field_errors(value, "email") required=true value={typed_value::<InviteSuperAdmin>("email").unwrap_or_default()} />
                <div><button type="submit" class=BUTTON_CLASS>"Send the invitation"</button></div>
            </ActionForm>
        </section>
    }
}
