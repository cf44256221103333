//! The platform's audit log: every clinic's chain and the platform's own, searched by clinic,
//! actor, action and date, paged, downloaded, and verified as a whole. Patients appear by id.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::PlatformNav;
use crate::api::platform::audit_log::{
    get_platform_audit_log, VerifyPlatformAuditLog, PLATFORM_AUDIT_CSV,
};
use crate::components::audit_log::{chain_summary, AuditTable};
use crate::components::form::{form_error, FormAlert, BUTTON_CLASS, INPUT_CLASS, SECONDARY_BUTTON};
use crate::components::pager::{with_query, Pager};
use crate::components::portal::CARD;
use crate::components::status::Loaded;
use crate::model::platform::{PlatformAuditPage, PlatformAuditQuery};
use crate::routes;

const FILTERS: [&str; 5] = ["clinic", "actor", "action", "from", "to"];

#[component]
pub(crate) fn PlatformAuditLogPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).filter(|v| !v.is_empty());
    let log = Resource::new(
        move || PlatformAuditQuery {
            clinic: param("clinic"),
            actor: param("actor"),
            action: param("action"),
            from: param("from"),
            to: param("to"),
            page: param("page"),
        },
        get_platform_audit_log,
    );
    view! {
        <Title text="Audit log · Platform administration · Salus" />
        <PlatformNav current=routes::platform::AUDIT_LOG />
        <h1 class="text-3xl font-bold">"Audit log"</h1>
        <p class="mt-1 text-slate-600">"Every clinic's events and the platform's own, newest first, in UTC. Patients are shown by their id only."</p>
        <Loaded resource=log fallback_class="mt-4 text-slate-500" let:log>
            <Log log param=Callback::new(move |name: String| param(&name)) />
        </Loaded>
    }
}

#[component]
fn Log(log: PlatformAuditPage, param: Callback<String, Option<String>>) -> impl IntoView {
    let get = move |name: &str| param.run(name.to_owned());
    let with_filters = move |path: &str, page: Option<u64>| {
        let mut pairs = vec![("page", page.map(|n| n.to_string()))];
        pairs.extend(FILTERS.map(|key| (key, get(key))));
        with_query(path, &pairs)
    };
    let verify = ServerAction::<VerifyPlatformAuditLog>::new();
    let (summary, tone) = chain_summary(&log.chain, "The whole log");
    let pages = log.total.div_ceil(log.per_page).max(1);
    let (current, total) = (log.page, log.total);
    let chosen = |name: &str, value: &str| get(name).as_deref() == Some(value);
    view! {
        <section aria-labelledby="chain-heading" class=CARD>
            <h2 id="chain-heading" class="text-xl font-semibold">"Tamper evidence"</h2>
            <p class=tone data-testid="chain-status">{summary}</p>
            <p class="mt-1 text-sm text-slate-600">"The last check of every chain, by " <code>"salus audit verify"</code> " or the button here."</p>
            <ActionForm action=verify attr:class="mt-3">
                <FormAlert message=form_error(verify.value()) />
                <button type="submit" class=SECONDARY_BUTTON>"Verify the whole log now"</button>
            </ActionForm>
        </section>
        <form method="get" action=routes::platform::AUDIT_LOG class="mt-6 grid gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm md:grid-cols-3 lg:grid-cols-6 lg:items-end">
            <div>
                <label for="clinic" class="block text-sm font-medium">"Clinic"</label>
                <select id="clinic" name="clinic" class=INPUT_CLASS>
                    <option value="">"Every clinic and the platform"</option>
                    <option value="platform" selected=chosen("clinic", "platform")>"The platform's own"</option>
                    {log.clinics.iter().map(|c| {
                        let value = c.id.to_string();
                        let selected = chosen("clinic", &value);
                        view! { <option value=value selected=selected>{c.name.clone()}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div>
                <label for="actor" class="block text-sm font-medium">"Staff or super admin"</label>
                <input id="actor" name="actor" type="search" class=INPUT_CLASS value=get("actor").unwrap_or_default() />
            </div>
            <div>
                <label for="action" class="block text-sm font-medium">"Action"</label>
                <select id="action" name="action" class=INPUT_CLASS>
                    <option value="">"Any action"</option>
                    {log.actions.iter().map(|a| {
                        let selected = chosen("action", a);
                        view! { <option value=a.clone() selected=selected>{a.clone()}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div>
                <label for="from" class="block text-sm font-medium">"From (UTC)"</label>
                <input id="from" name="from" type="date" class=INPUT_CLASS value=get("from").unwrap_or_default() />
            </div>
            <div>
                <label for="to" class="block text-sm font-medium">"To (UTC)"</label>
                <input id="to" name="to" type="date" class=INPUT_CLASS value=get("to").unwrap_or_default() />
            </div>
            <button type="submit" class=BUTTON_CLASS>"Search"</button>
        </form>
        <div class="mt-4 flex flex-wrap items-center justify-between gap-3">
            <p class="text-sm text-slate-600" role="status">{format!("{total} event{}", if total == 1 { "" } else { "s" })}</p>
            <a href=with_filters(PLATFORM_AUDIT_CSV, None) rel="external" download="salus-platform-audit-log.csv" class=SECONDARY_BUTTON>"Download as CSV"</a>
        </div>
        <AuditTable rows=log.rows clinics=true />
        <Pager current pages link=move |n| with_filters(routes::platform::AUDIT_LOG, Some(n)) />
    }
}
