//! The platform's health topics: every topic with its status and place on the home page, and a
//! form for a new one (saved as a draft, to preview before publishing).
use leptos::prelude::*;
use leptos_meta::Title;

use super::PlatformNav;
use crate::api::platform::content::{get_content, CreateTopic};
use crate::components::form::{
    field_errors, form_error, typed_value, Field, FormAlert, TextArea, BUTTON_CLASS,
};
use crate::components::portal::CARD;
use crate::components::status::Loaded;
use crate::model::content::TopicRow;
use crate::routes;

pub(crate) const SLUG_HINT: &str =
    "The page's address: /topics/<this>. Blank: made from the title.";
pub(crate) const BODY_HINT: &str = "Markdown: blank lines between paragraphs, **bold**, - lists, [links](https://…). Scripts and HTML event attributes are removed.";
pub(crate) const TAGS_HINT: &str = "Separated by commas, like flu, vaccines.";
pub(crate) const POSITION_HINT: &str =
    "1 shows first in Latest Health Information. Blank: after those with a place, newest first.";

#[component]
pub(crate) fn TopicsPage() -> impl IntoView {
    let content = Resource::new(|| (), |_| get_content());
    view! {
        <Title text="Health topics · Platform administration · Salus" />
        <PlatformNav current=routes::platform::TOPICS />
        <h1 class="text-3xl font-bold">"Health topics"</h1>
        <p class="mt-1 text-slate-700">"Published topics appear on the public site; the home page's Latest Health Information shows the first three."</p>
        <Loaded resource=content fallback_class="mt-4 text-slate-500" let:content>
            <TopicTable topics=content.topics />
        </Loaded>
        <NewTopicForm />
    }
}

#[component]
fn TopicTable(topics: Vec<TopicRow>) -> impl IntoView {
    if topics.is_empty() {
        return view! { <p class="mt-4 text-slate-600">"No topics yet."</p> }.into_any();
    }
    view! {
        <div class="mt-4 overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm">
            <table class="min-w-full text-left text-sm">
                <caption class="sr-only">"Health topics"</caption>
                <thead class="bg-slate-50 text-slate-700">
                    <tr>
                        <th scope="col" class="px-3 py-2">"Title"</th>
                        <th scope="col" class="px-3 py-2">"Status"</th>
                        <th scope="col" class="px-3 py-2">"Home page place"</th>
                        <th scope="col" class="px-3 py-2">"Tags"</th>
                        <th scope="col" class="px-3 py-2">"Last changed"</th>
                    </tr>
                </thead>
                <tbody>
                    {topics.into_iter().map(|t| view! {
                        <tr class="border-t border-slate-200">
                            <td class="px-3 py-2"><a href=routes::platform::topic(t.id) class="font-medium text-teal-800 underline">{t.title}</a></td>
                            <td class="px-3 py-2">{t.status.label()}</td>
                            <td class="px-3 py-2">{t.home_position.map_or_else(|| "By date".to_owned(), |p| p.to_string())}</td>
                            <td class="px-3 py-2">{t.tags.join(", ")}</td>
                            <td class="px-3 py-2">{t.updated}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn NewTopicForm() -> impl IntoView {
    let create = ServerAction::<CreateTopic>::new();
    let value = create.value();
    let typed = |name| typed_value::<CreateTopic>(name).unwrap_or_default();
    view! {
        <section aria-labelledby="new-topic-heading" class=CARD>
            <h2 id="new-topic-heading" class="text-xl font-semibold">"New topic"</h2>
            <p class="mt-1 text-sm text-slate-600">"Saved as a draft, which only super admins see, with a preview of its page. Publish it from there."</p>
            <ActionForm action=create attr:class="mt-4 grid max-w-3xl gap-3" attr:novalidate="true">
                <FormAlert message=form_error(value) />
                <Field label="Title" name="title" autocomplete="off" errors=field_errors(value, "title") required=true value=typed("title") />
                <Field label="Address" name="slug" autocomplete="off" hint=SLUG_HINT errors=field_errors(value, "slug") value=typed("slug") />
                <Field label="Summary" name="summary" autocomplete="off" errors=field_errors(value, "summary") required=true value=typed("summary") />
                <TextArea label="Body" name="body" rows=12 hint=BODY_HINT errors=field_errors(value, "body") required=true value=typed("body") />
                <Field label="Tags" name="tags" autocomplete="off" hint=TAGS_HINT errors=field_errors(value, "tags") value=typed("tags") />
                <Field label="Place on the home page" name="home_position" kind="number" hint=POSITION_HINT errors=field_errors(value, "home_position") value=typed("home_position") />
                <div><button type="submit" class=BUTTON_CLASS>"Save draft"</button></div>
            </ActionForm>
        </section>
    }
}
