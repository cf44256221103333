//! The clinic's audit log: search it, page through it, download it, and verify its chain.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::ClinicNav;
use crate::api::clinic::audit_log::{get_audit_log, VerifyAuditChain, AUDIT_LOG_CSV};
use crate::components::audit_log::{chain_summary, AuditTable};
use crate::components::form::{form_error, FormAlert, BUTTON_CLASS, INPUT_CLASS, SECONDARY_BUTTON};
use crate::components::pager::{with_query, Pager};
use crate::components::portal::CARD;
use crate::components::status::Loaded;
use crate::model::clinic::{AuditLogPage, AuditQuery, ChainStatus};
use crate::routes;

const FILTERS: [&str; 5] = ["patient", "staff", "action", "from", "to"];

#[component]
pub fn AuditLogPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).filter(|v| !v.is_empty());
    let log = Resource::new(
        move || AuditQuery {
            patient: param("patient"),
            staff: param("staff"),
            action: param("action"),
            from: param("from"),
            to: param("to"),
            page: param("page"),
        },
        get_audit_log,
    );
    view! {
        <Title text="Audit log · Clinic administration · Salus" />
        <ClinicNav current=routes::clinic::AUDIT_LOG />
        <h1 class="text-3xl font-bold">"Audit log"</h1>
        <p class="mt-1 text-slate-600">"Every view of patient data, every change and every refused attempt in this clinic, newest first."</p>
        <Loaded resource=log fallback_class="mt-4 text-slate-500" let:log>
            <Log log param=Callback::new(move |name: String| param(&name)) />
        </Loaded>
    }
}

#[component]
fn Chain(chain: Option<ChainStatus>) -> impl IntoView {
    let verify = ServerAction::<VerifyAuditChain>::new();
    let (summary, tone) = chain_summary(&chain, "The chain");
    view! {
        <section aria-labelledby="chain-heading" class=CARD>
            <h2 id="chain-heading" class="text-xl font-semibold">"Tamper evidence"</h2>
            <p class=tone data-testid="chain-status">{summary}</p>
            <ActionForm action=verify attr:class="mt-3">
                <FormAlert message=form_error(verify.value()) />
                <button type="submit" class=SECONDARY_BUTTON>"Verify the chain now"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn Log(log: AuditLogPage, param: Callback<String, Option<String>>) -> impl IntoView {
    let get = move |name: &str| param.run(name.to_owned());
    let with_filters = move |path: &str, page: Option<u64>| {
        let mut pairs = vec![("page", page.map(|n| n.to_string()))];
        pairs.extend(FILTERS.map(|key| (key, get(key))));
        with_query(path, &pairs)
    };
    let (current, pages, total) = (log.page, log.pages(), log.total);
    view! {
        <Chain chain=log.chain.clone() />
        <form method="get" action=routes::clinic::AUDIT_LOG class="mt-6 grid gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm md:grid-cols-3 lg:grid-cols-6 lg:items-end">
            <div>
                <label for="patient" class="block text-sm font-medium">"Patient name or email"</label>
                <input id="patient" name="patient" type="search" class=INPUT_CLASS value=get("patient").unwrap_or_default() />
            </div>
            <div>
                <label for="staff" class="block text-sm font-medium">"Staff member"</label>
                <select id="staff" name="staff" class=INPUT_CLASS>
                    <option value="">"Anyone"</option>
                    {log.staff.iter().map(|p| {
                        let value = p.user_id.to_string();
                        let selected = get("staff").as_deref() == Some(value.as_str());
                        view! { <option value=value selected=selected>{p.name.clone()}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div>
                <label for="action" class="block text-sm font-medium">"Action"</label>
                <select id="action" name="action" class=INPUT_CLASS>
                    <option value="">"Any action"</option>
                    {log.actions.iter().map(|a| {
                        let selected = get("action").as_deref() == Some(a.as_str());
                        view! { <option value=a.clone() selected=selected>{a.clone()}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div>
                <label for="from" class="block text-sm font-medium">"From"</label>
                <input id="from" name="from" type="date" class=INPUT_CLASS value=get("from").unwrap_or_default() />
            </div>
            <div>
                <label for="to" class="block text-sm font-medium">"To"</label>
                <input id="to" name="to" type="date" class=INPUT_CLASS value=get("to").unwrap_or_default() />
            </div>
            <button type="submit" class=BUTTON_CLASS>"Search"</button>
        </form>
        <div class="mt-4 flex flex-wrap items-center justify-between gap-3">
            <p class="text-sm text-slate-600" role="status">{format!("{total} event{}", if total == 1 { "" } else { "s" })}</p>
            <a href=with_filters(AUDIT_LOG_CSV, None) rel="external" download="salus-audit-log.csv" class=SECONDARY_BUTTON>"Download as CSV"</a>
        </div>
        <AuditTable rows=log.rows.into_iter().map(|row| (None, row)).collect() />
        <Pager current pages link=move |n| with_filters(routes::clinic::AUDIT_LOG, Some(n)) />
    }
}
