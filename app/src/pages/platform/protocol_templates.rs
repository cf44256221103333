//! The platform's preventive-care protocol templates: the list (with how many clinics hold a
//! copy), a page to change one, a form to add one, and retiring one.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::PlatformNav;
use crate::api::platform::protocol_templates::{
    get_protocol_template, get_protocol_templates, AddProtocolTemplate, SaveProtocolTemplate,
    SetProtocolTemplateActive,
};
use crate::components::form::{
    field_errors, form_error, typed_value, FormAlert, BUTTON_CLASS, SECONDARY_BUTTON,
};
use crate::components::portal::{LandingNotice, CARD};
use crate::components::status::Loaded;
use crate::error::AppError;
use crate::model::clinic::ClinicProtocol;
use crate::model::platform::ProtocolTemplate;
use crate::pages::clinic::protocols::{protocol_fields, rule_summary};
use crate::routes;

const DONE: &[(&str, &str)] = &[
    (
        "added",
        "Template added. Every clinic that is not closed has adopted it, and it applies to the patients it fits.",
    ),
    (
        "saved",
        "Template saved. Clinics that adopt it from now on get it as it is now; the clinics' own copies are unchanged.",
    ),
    (
        "retired",
        "Template retired. New clinics no longer adopt it; clinics that have it keep their copy.",
    ),
    ("restored", "Template back: new clinics adopt it again."),
];

#[component]
pub(crate) fn ProtocolTemplatesPage() -> impl IntoView {
    let templates = Resource::new(|| (), |_| get_protocol_templates());
    view! {
        <Title text="Protocol templates · Platform administration · Salus" />
        <PlatformNav current=routes::platform::PROTOCOLS />
        <h1 class="text-3xl font-bold">"Protocol templates"</h1>
        <p class="mt-1 text-slate-700">"The preventive-care protocols each clinic starts with. A clinic owns its copies: changing a template here never changes a clinic's copy."</p>
        <LandingNotice param="done" messages=DONE />
        <Loaded resource=templates fallback_class="mt-4 text-slate-500" let:list>
            <TemplateTable list=list.templates />
        </Loaded>
        <AddForm />
    }
}

#[component]
fn TemplateTable(list: Vec<ProtocolTemplate>) -> impl IntoView {
    view! {
        <section aria-labelledby="templates-heading" class=CARD>
            <h2 id="templates-heading" class="text-xl font-semibold">"Templates"</h2>
            <div class="mt-3 overflow-x-auto" tabindex="0" role="region" aria-labelledby="templates-heading">
                <table class="w-full text-left text-sm">
                    <thead class="border-b border-slate-200 text-slate-600">
                        <tr>
                            <th scope="col" class="py-2 pr-4">"Template"</th>
                            <th scope="col" class="py-2 pr-4">"Rule"</th>
                            <th scope="col" class="py-2 pr-4">"Clinics with a copy"</th>
                            <th scope="col" class="py-2 pr-4">"Status"</th>
                            <th scope="col" class="py-2">"Actions"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {list.into_iter().map(|t| view! { <TemplateRow template=t /> }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn TemplateRow(template: ProtocolTemplate) -> impl IntoView {
    let toggle = ServerAction::<SetProtocolTemplateActive>::new();
    let p = template.protocol;
    let summary = rule_summary(&p);
    let change_label = format!("Change {}", p.name);
    let toggle_label = if p.active {
        format!("Retire {}", p.name)
    } else {
        format!("Bring back {}", p.name)
    };
    view! {
        <tr class="border-b border-slate-100 align-top" data-testid="template-row">
            <th scope="row" class="py-2 pr-4 font-medium">
                {p.name.clone()}
                <p class="font-normal text-slate-600">{p.description.clone()}</p>
            </th>
            <td class="py-2 pr-4">{summary}</td>
            <td class="py-2 pr-4">{template.clinics}</td>
            <td class="py-2 pr-4">{if p.active { "Active" } else { "Retired" }}</td>
            <td class="py-2">
                <div class="flex flex-wrap gap-2">
                    <a href=routes::platform::protocol(p.id) class=SECONDARY_BUTTON aria-label=change_label>"Change"</a>
                    <ActionForm action=toggle>
                        <input type="hidden" name="id" value=p.id />
                        <input type="hidden" name="active" value=(!p.active).to_string() />
                        <button type="submit" class=SECONDARY_BUTTON aria-label=toggle_label>
                            {if p.active { "Retire" } else { "Bring back" }}
                        </button>
                    </ActionForm>
                </div>
            </td>
        </tr>
    }
}

#[component]
fn AddForm() -> impl IntoView {
    let add = ServerAction::<AddProtocolTemplate>::new();
    let value = add.value();
    let shown =
        |name: &str, start: String| typed_value::<AddProtocolTemplate>(name).unwrap_or(start);
    let defaults = ClinicProtocol {
        id: 0,
        name: String::new(),
        description: String::new(),
        min_age_years: None,
        max_age_years: None,
        sex: None,
        interval_months: 12,
        due_soon_days: 30,
        active: true,
        custom: false,
    };
    view! {
        <section aria-labelledby="add-heading" class=CARD>
            <h2 id="add-heading" class="text-xl font-semibold">"Add a template"</h2>
            <p class="mt-1 text-sm text-slate-600">"Every clinic that is not closed adopts it at once, and new clinics adopt it when they are created."</p>
            <ActionForm action=add attr:class="mt-4 grid gap-3 md:grid-cols-2" attr:novalidate="true">
                <div class="md:col-span-2"><FormAlert message=form_error(value) /></div>
                {protocol_fields(shown, Some(&defaults), move |field| field_errors(value, field))}
                <div class="md:col-span-2"><button type="submit" class=BUTTON_CLASS>"Add template"</button></div>
            </ActionForm>
        </section>
    }
}

/// `/platform/protocols/:id`: one template's form.
#[component]
pub(crate) fn ProtocolTemplatePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
    };
    let template = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_protocol_template(id).await,
            None => Err(AppError::NotFound),
        }
    });
    view! {
        <Title text="Change a template · Platform administration · Salus" />
        <PlatformNav current=routes::platform::PROTOCOLS />
        <p class="text-sm"><a href=routes::platform::PROTOCOLS class="text-teal-800 underline">"All templates"</a></p>
        <Loaded resource=template fallback_class="mt-4 text-slate-500" let:protocol>
            <ChangeForm protocol />
        </Loaded>
    }
}

#[component]
fn ChangeForm(protocol: ClinicProtocol) -> impl IntoView {
    let save = ServerAction::<SaveProtocolTemplate>::new();
    let value = save.value();
    let shown =
        |name: &str, start: String| typed_value::<SaveProtocolTemplate>(name).unwrap_or(start);
    view! {
        <h1 class="mt-2 text-3xl font-bold">{format!("Change {}", protocol.name)}</h1>
        <p class="mt-2 text-slate-700">"Clinics that adopt it from now on get it as you save it. No clinic's copy changes: each clinic keeps its own."</p>
        <section aria-label="Template" class=CARD>
            <ActionForm action=save attr:class="grid gap-3 md:grid-cols-2" attr:novalidate="true">
                <div class="md:col-span-2"><FormAlert message=form_error(value) /></div>
                <input type="hidden" name="id" value=protocol.id />
                {protocol_fields(shown, Some(&protocol), move |field| field_errors(value, field))}
                <div class="md:col-span-2"><button type="submit" class=BUTTON_CLASS>"Save template"</button></div>
            </ActionForm>
        </section>
    }
}
