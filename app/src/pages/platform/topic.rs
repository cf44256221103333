//! One health topic: its edit form (publishing or returning it to draft) and a preview of its
//! page exactly as the public site shows it.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::topics::{BODY_HINT, POSITION_HINT, SLUG_HINT, TAGS_HINT};
use super::PlatformNav;
use crate::api::platform::content::{get_topic, SaveTopic};
use crate::components::form::{
    field_errors, form_error, typed_value, Field, FieldErrors, FormAlert, TextArea, BUTTON_CLASS,
    INPUT_CLASS,
};
use crate::components::portal::{LandingNotice, CARD};
use crate::components::status::Loaded;
use crate::error::AppError;
use crate::model::content::{ContentStatus, TopicEdit};
use crate::pages::public::content::ArticleBody;
use crate::routes;

const DONE: &[(&str, &str)] = &[
    (
        "created",
        "Draft saved. The preview below shows its page as it will be published.",
    ),
    ("saved", "Saved."),
];

#[component]
pub(crate) fn TopicPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
    };
    let topic = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_topic(id).await,
            None => Err(AppError::NotFound),
        }
    });
    view! {
        <Title text="Health topic · Platform administration · Salus" />
        <PlatformNav current=routes::platform::TOPICS />
        <p class="text-sm"><a href=routes::platform::TOPICS class="text-teal-800 underline">"All health topics"</a></p>
        <LandingNotice param="done" messages=DONE />
        <Loaded resource=topic fallback_class="mt-4 text-slate-500" let:topic>
            <Topic topic />
        </Loaded>
    }
}

#[component]
fn Topic(topic: TopicEdit) -> impl IntoView {
    let save = ServerAction::<SaveTopic>::new();
    let value = save.value();
    // A refused form comes back as typed; otherwise as saved.
    let field = |name: &str, saved: String| typed_value::<SaveTopic>(name).unwrap_or(saved);
    let status = field("status", topic.status.as_str().to_owned());
    let status_errors = field_errors(value, "status");
    let published = topic.status == ContentStatus::Published;
    view! {
        <h1 class="mt-2 text-3xl font-bold">{topic.title.clone()}</h1>
        <p class="mt-1 text-slate-700">
            {topic.status.label()}
            {published.then(|| view! {
                ": " <a href=format!("/topics/{}", topic.slug) class="text-teal-800 underline">"see it on the public site"</a>
            })}
        </p>
        <section aria-labelledby="edit-heading" class=CARD>
            <h2 id="edit-heading" class="text-xl font-semibold">"Edit"</h2>
            <ActionForm action=save attr:class="mt-4 grid max-w-3xl gap-3" attr:novalidate="true">
                <FormAlert message=form_error(value) />
                <input type="hidden" name="id" value=topic.id />
                <Field label="Title" name="title" autocomplete="off" errors=field_errors(value, "title") required=true value=field("title", topic.title.clone()) />
                <Field label="Address" name="slug" autocomplete="off" hint=SLUG_HINT errors=field_errors(value, "slug") value=field("slug", topic.slug.clone()) />
                <Field label="Summary" name="summary" autocomplete="off" errors=field_errors(value, "summary") required=true value=field("summary", topic.summary.clone()) />
                <TextArea label="Body" name="body" rows=16 hint=BODY_HINT errors=field_errors(value, "body") required=true value=field("body", topic.body.clone()) />
                <Field label="Tags" name="tags" autocomplete="off" hint=TAGS_HINT errors=field_errors(value, "tags") value=field("tags", topic.tags.clone()) />
                <Field label="Place on the home page" name="home_position" kind="number" hint=POSITION_HINT errors=field_errors(value, "home_position") value=field("home_position", topic.home_position.map(|p| p.to_string()).unwrap_or_default()) />
                <div>
                    <label for="field-status" class="block text-sm font-medium text-slate-800">"Status"</label>
                    <select id="field-status" name="status" class=INPUT_CLASS
                        aria-invalid=move || (!status_errors.get().is_empty()).to_string()
                        aria-describedby="field-status-error">
                        {[ContentStatus::Draft, ContentStatus::Published].into_iter().map(|s| view! {
                            <option value=s.as_str() selected=s.as_str() == status>{s.label()}</option>
                        }).collect_view()}
                    </select>
                    <FieldErrors id="field-status-error".to_owned() errors=status_errors />
                </div>
                <div><button type="submit" class=BUTTON_CLASS>"Save"</button></div>
            </ActionForm>
        </section>
        <section aria-labelledby="preview-heading" class="mt-8">
            <h2 id="preview-heading" class="text-xl font-semibold">"Preview: the page as published"</h2>
            <p class="mt-1 text-sm text-slate-600">"As last saved."</p>
            <div class="mt-3" data-testid="topic-preview"><ArticleBody article=topic.preview /></div>
        </section>
    }
}
