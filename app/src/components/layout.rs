//! The page frame: header with navigation and account area, and footer.
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::account::auth::{SignOut, AFTER_SIGN_OUT};
use crate::model::account::CurrentUser;
use crate::routes;

pub(crate) type MeResource = Resource<Result<Option<CurrentUser>, crate::error::AppError>>;

#[component]
pub(crate) fn Header() -> impl IntoView {
    let link = "rounded-md px-3 py-2 text-sm font-medium text-slate-700 hover:bg-teal-50 hover:text-teal-800 focus-visible:outline-2 focus-visible:outline-teal-600";
    view! {
        <header class="border-b border-slate-200 bg-white">
            <div class="mx-auto flex max-w-5xl flex-wrap items-center justify-between gap-2 px-4 py-3 sm:px-6">
                <A href="/" attr:class="flex items-center gap-2 text-xl font-bold text-teal-700">
                    <span aria-hidden="true" class="inline-block h-3 w-3 rounded-full bg-teal-600"></span>
                    "Salus"
                </A>
                <nav aria-label="Main" class="flex flex-wrap items-center gap-1">
                    <A href="/" attr:class=link>"Home"</A>
                    <A href=routes::public::TOPICS attr:class=link>"Health Topics"</A>
                    <A href=routes::public::SERVICES attr:class=link>"Services"</A>
                    <A href=routes::public::CONTACT attr:class=link>"Contact"</A>
                </nav>
                <AccountArea />
            </div>
        </header>
    }
}

#[component]
fn AccountArea() -> impl IntoView {
    let me = expect_context::<MeResource>();
    view! {
        <div class="flex items-center gap-2">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match me.await {
                        Ok(Some(user)) => view! { <SignedIn user /> }.into_any(),
                        _ => view! {
                            <A href=routes::account::SIGN_IN attr:class="rounded-md px-3 py-2 text-sm font-medium text-teal-800 hover:bg-teal-50">"Sign in"</A>
                            <A href=routes::account::REGISTER attr:class="rounded-md bg-teal-700 px-3 py-2 text-sm font-semibold text-white hover:bg-teal-800">"Register"</A>
                        }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn SignedIn(user: CurrentUser) -> impl IntoView {
    view! {
        <A href=user.home.clone() attr:class="text-sm text-slate-700 hover:underline">
            <span class="font-medium">{user.name.clone()}</span>
            <span class="text-slate-500">{format!(" · {}", user.role_name)}</span>
        </A>
        <A href=routes::account::SECURITY attr:class="rounded-md px-3 py-2 text-sm font-medium text-slate-700 hover:bg-teal-50 hover:text-teal-800 focus-visible:outline-2 focus-visible:outline-teal-600">"Security"</A>
        <SignOutButton />
    }
}

#[island]
fn SignOutButton() -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = sign_out.value().get() {
            crate::components::live::go_to(AFTER_SIGN_OUT);
        }
    });
    view! {
        <ActionForm action=sign_out>
            <button type="submit" class="rounded-md border border-slate-300 px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-teal-600">
                "Sign out"
            </button>
        </ActionForm>
    }
}

#[component]
pub(crate) fn Footer() -> impl IntoView {
    view! {
        <footer class="mt-12 border-t border-slate-200 bg-white">
            <div class="mx-auto flex max-w-5xl flex-wrap justify-between gap-4 px-4 py-6 text-sm text-slate-600 sm:px-6">
                <p>"Salus: wellness and preventive care with your clinic."</p>
                <nav aria-label="Footer" class="flex gap-4">
                    <A href=routes::public::PRIVACY attr:class="hover:underline">"Privacy policy"</A>
                    <A href=routes::public::CONTACT attr:class="hover:underline">"Contact"</A>
                </nav>
            </div>
        </footer>
    }
}
