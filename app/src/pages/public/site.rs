//! The public site's fixed pages: services, contact, and the page for an address that leads
//! nowhere.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub(crate) fn ServicesPage() -> impl IntoView {
    let services = [
        ("Wellness goals", "Daily targets for steps, active minutes, sleep and water, with progress you can see at a glance."),
        ("Preventive care", "Reminders for blood tests, screenings, vaccinations and check-ups, timed to your age and history."),
        ("Care team connection", "Your provider sees how you are doing and can follow up before small problems grow."),
        ("Your data, your way", "Download your record at any time and see who at your clinic has viewed it."),
    ];
    view! {
        <Title text="Services · Salus" />
        <h1 class="text-3xl font-bold">"Services"</h1>
        <div class="mt-6 grid gap-4 md:grid-cols-2">
            {services.into_iter().map(|(title, text)| view! {
                <section class="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
                    <h2 class="text-lg font-semibold">{title}</h2>
                    <p class="mt-2 text-slate-700">{text}</p>
                </section>
            }).collect_view()}
        </div>
    }
}

#[component]
pub(crate) fn ContactPage() -> impl IntoView {
    view! {
        <Title text="Contact · Salus" />
        <h1 class="text-3xl font-bold">"Contact"</h1>
        <div class="mt-6 space-y-4 rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
            <p>"For questions about your care, appointments or results, contact your clinic directly: its details are in your clinic's welcome letter."</p>
            <p>"For help with your Salus account, sign in and use the contact details of your clinic, or write to "
                <a class="text-teal-800 underline" href="mailto:support@salus.example">"support@salus.example"</a>"."</p>
            <p class="font-medium text-red-800">"In an emergency, call your local emergency number. Salus is not monitored around the clock."</p>
        </div>
    }
}

#[component]
pub(crate) fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
        options.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found · Salus" />
        <h1 class="text-3xl font-bold">"Page not found"</h1>
        <p class="mt-2 text-slate-700">"We could not find that page."</p>
        <A href="/" attr:class="mt-4 inline-block text-teal-800 underline">"Go to the home page"</A>
    }
}
