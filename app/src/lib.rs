//! Salus: a multi-clinic wellness and preventive-care portal. This crate is the Leptos
//! application shared by the server (SSR, `ssr` feature) and the browser (`hydrate`).
#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod error;
pub mod model;
#[cfg(test)]
mod module_graph;
mod pages;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod server;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use components::layout::{Footer, Header};
use pages::account::{auth, mfa, policy_acceptance, security};
use pages::public::{content, site, unsubscribe};
use pages::{clinic, dev, patient, platform, provider};

/// The HTML document around the app, rendered on the server. Its Content-Security-Policy
/// names the nonce Leptos gave this response's inline scripts.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) {
        let policy = server::request::content_security_policy(Some(&nonce));
        if let Ok(policy) = axum::http::HeaderValue::from_str(&policy) {
            response.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, policy);
        }
    }
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <meta name="description" content="Salus: your wellness goals and preventive care, with your clinic." />
                // The development reload socket: never in a release build.
                <AutoReload disable_watch=!cfg!(debug_assertions) options=options.clone() />
                <link rel="stylesheet" href=format!("/pkg/{}.css", options.output_name) />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body class="flex min-h-screen flex-col bg-slate-50 text-slate-900">
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // The signed-in user, shared by the header and the pages.
    let me = Resource::new(|| (), |_| api::account::auth::get_current_user());
    provide_context(me);
    // A form refused without JavaScript comes back filled in (the server found what was typed).
    #[cfg(feature = "ssr")]
    if let Some(form) = use_context::<axum::http::request::Parts>().and_then(|parts| {
        parts
            .extensions
            .get::<components::form::RefusedForm>()
            .cloned()
    }) {
        provide_context(form);
    }

    view! {
        <Title text="Salus" />
        <Router>
            <a href="#main" class="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded-md focus:bg-white focus:px-4 focus:py-2 focus:shadow-sm">
                "Skip to content"
            </a>
            <Header />
            <main id="main" class="mx-auto w-full max-w-5xl flex-1 px-4 py-8 sm:px-6">
                <Routes fallback=site::NotFoundPage>
                    // Sent whole, like every page with data: streamed out of order, the latest
                    // articles replaced their "Loading…" line after the first paint, and the
                    // header's menu appeared late, shifting the page (0.13 on a phone).
                    <Route path=path!("/") view=content::HomePage ssr=SsrMode::Async />
                    <Route path=path!("/topics") view=content::TopicsPage ssr=SsrMode::Async />
                    <Route path=path!("/topics/:slug") view=content::ArticlePage ssr=SsrMode::Async />
                    <Route path=path!("/services") view=site::ServicesPage />
                    <Route path=path!("/contact") view=site::ContactPage />
                    <Route path=path!("/privacy") view=content::PrivacyPage ssr=SsrMode::Async />
                    <Route path=path!("/privacy/:version") view=content::PrivacyVersionPage ssr=SsrMode::Async />
                    <Route path=path!("/signin") view=auth::SignInPage ssr=SsrMode::Async />
                    <Route path=path!("/signin/code") view=mfa::SignInCodePage />
                    <Route path=path!("/signin/enrol") view=mfa::EnrolPage ssr=SsrMode::Async />
                    <Route path=path!("/signin/policy") view=policy_acceptance::PolicyAcceptancePage ssr=SsrMode::Async />
                    <Route path=path!("/register") view=auth::RegisterPage />
                    <Route path=path!("/forgot-password") view=auth::ForgotPasswordPage />
                    <Route path=path!("/reset-password") view=auth::ResetPasswordPage />
                    <Route path=path!("/verify-email") view=auth::VerifyEmailPage />
                    <Route path=path!("/unsubscribe") view=unsubscribe::UnsubscribePage />
                    <Route path=path!("/patient") view=patient::dashboard::DashboardPage ssr=SsrMode::Async />
                    <Route path=path!("/patient/my-data") view=patient::my_data::MyDataPage ssr=SsrMode::Async />
                    <Route path=path!("/patient/profile") view=patient::profile::ProfilePage ssr=SsrMode::Async />
                    <Route path=path!("/patient/goals") view=patient::goals::GoalHistoryPage ssr=SsrMode::Async />
                    <Route path=path!("/patient/clinics") view=patient::clinics::MyClinicsPage ssr=SsrMode::Async />
                    <Route path=path!("/provider") view=provider::patients::PatientListPage ssr=SsrMode::Async />
                    <Route path=path!("/provider/patients/:id") view=provider::patients::PatientDetailPage ssr=SsrMode::Async />
                    <Route path=path!("/security") view=security::SecurityPage ssr=SsrMode::Async />
                    <Route path=path!("/security/two-step") view=mfa::EnrolPage ssr=SsrMode::Async />
                    <Route path=path!("/security/recovery-codes") view=mfa::RecoveryCodesPage ssr=SsrMode::Async />
                    <Route path=path!("/clinic") view=clinic::home::ClinicHomePage ssr=SsrMode::Async />
                    <Route path=path!("/clinic/staff") view=clinic::staff::StaffPage ssr=SsrMode::Async />
                    <Route path=path!("/clinic/roles") view=clinic::roles::RolesPage ssr=SsrMode::Async />
                    <Route path=path!("/clinic/roles/:id") view=clinic::roles::RolePage ssr=SsrMode::Async />
                    <Route path=path!("/clinic/patients") view=clinic::roster::RosterPage ssr=SsrMode::Async />
                    <Route path=path!("/clinic/patients/enrol") view=clinic::enrolment::EnrolmentPage ssr=SsrMode::Async />
                    <Route path=path!("/clinic/reminders") view=clinic::reminders::RemindersPage ssr=SsrMode::Async />
                    <Route path=path!("/clinic/protocols") view=clinic::protocols::ProtocolsPage ssr=SsrMode::Async />
                    <Route path=path!("/clinic/protocols/:id") view=clinic::protocols::ProtocolPage ssr=SsrMode::Async />
                    <Route path=path!("/clinic/audit") view=clinic::audit_log::AuditLogPage ssr=SsrMode::Async />
                    <Route path=path!("/clinic/settings") view=clinic::settings::SettingsPage ssr=SsrMode::Async />
                    <Route path=path!("/invitation") view=clinic::invitation::InvitationPage ssr=SsrMode::Async />
                    <Route path=path!("/platform") view=platform::home::PlatformHomePage ssr=SsrMode::Async />
                    <Route path=path!("/platform/clinics") view=platform::clinics::ClinicsPage ssr=SsrMode::Async />
                    <Route path=path!("/platform/clinics/:id") view=platform::clinic::ClinicPage ssr=SsrMode::Async />
                    <Route path=path!("/platform/plans") view=platform::plans::PlansPage ssr=SsrMode::Async />
                    <Route path=path!("/platform/plans/:code") view=platform::plans::PlanPage ssr=SsrMode::Async />
                    <Route path=path!("/platform/protocols") view=platform::protocol_templates::ProtocolTemplatesPage ssr=SsrMode::Async />
                    <Route path=path!("/platform/protocols/:id") view=platform::protocol_templates::ProtocolTemplatePage ssr=SsrMode::Async />
                    <Route path=path!("/platform/topics") view=platform::topics::TopicsPage ssr=SsrMode::Async />
                    <Route path=path!("/platform/topics/:id") view=platform::topic::TopicPage ssr=SsrMode::Async />
                    <Route path=path!("/platform/tips") view=platform::tips::TipsPage ssr=SsrMode::Async />
                    <Route path=path!("/platform/policy") view=platform::policy::PolicyPage ssr=SsrMode::Async />
                    <Route path=path!("/platform/audit") view=platform::audit_log::PlatformAuditLogPage ssr=SsrMode::Async />
                    <Route path=path!("/platform/admins") view=platform::super_admins::SuperAdminsPage ssr=SsrMode::Async />
                    <Route path=path!("/platform-invitation") view=platform::super_admin_invitation::SuperAdminInvitationPage ssr=SsrMode::Async />
                    <Route path=path!("/dev/mailbox") view=dev::MailboxPage ssr=SsrMode::Async />
                </Routes>
            </main>
            <Footer />
        </Router>
    }
}
