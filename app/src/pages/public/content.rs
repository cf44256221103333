//! The public site's content: home with the latest health information, the health topics, and
//! the privacy policy with its earlier versions.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api::public::content::{
    get_article, get_latest_articles, get_privacy_policy, get_privacy_policy_version,
    get_privacy_policy_versions,
};
use crate::components::status::Loaded;
use crate::model::content::{Article, ArticleSummary};
use crate::routes;

fn date_label(d: chrono::NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

/// A topic's card; its title is a heading one level below the heading the grid sits under
/// (`level`: 2 under the page's title, 3 under a section's).
#[component]
fn ArticleCard(article: ArticleSummary, level: u8) -> impl IntoView {
    let href = format!("/topics/{}", article.slug);
    let heading_id = format!("article-{}", article.slug);
    let labelled_by = heading_id.clone();
    const TITLE: &str = "text-lg font-semibold text-slate-900";
    let title = article.title.clone();
    let heading = if level == 2 {
        view! { <h2 id=heading_id class=TITLE>{title}</h2> }.into_any()
    } else {
        view! { <h3 id=heading_id class=TITLE>{title}</h3> }.into_any()
    };
    view! {
        <article aria-labelledby=labelled_by class="flex flex-col rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
            {heading}
            <p class="mt-1 text-xs text-slate-500">{date_label(article.published_on)}</p>
            <p class="mt-2 flex-1 text-slate-700">{article.summary.clone()}</p>
            <A href=href attr:class="mt-4 inline-block font-medium text-teal-800 underline hover:text-teal-900">
                "Read More"
                <span class="sr-only">{format!(" about {}", article.title)}</span>
            </A>
        </article>
    }
}

#[component]
fn ArticleGrid(limit: usize, level: u8) -> impl IntoView {
    let articles = Resource::new(|| (), |_| get_latest_articles());
    view! {
        <Loaded resource=articles let:list>
            <div class="grid gap-4 md:grid-cols-3">
                {list.into_iter().take(limit).map(|article| view! { <ArticleCard article level /> }).collect_view()}
            </div>

        </Loaded>
    }
}

#[component]
pub(crate) fn HomePage() -> impl IntoView {
    view! {
        <Title text="Salus: wellness and preventive care" />
        <section class="rounded-xl bg-teal-700 px-6 py-10 text-white shadow-sm sm:px-10">
            <h1 class="text-3xl font-bold sm:text-4xl">"Your health, one day at a time"</h1>
            <p class="mt-3 max-w-2xl text-lg text-teal-50">
                "Track your daily wellness goals, stay on top of check-ups and vaccinations, and share progress with your clinic."
            </p>
            <div class="mt-6 flex flex-wrap gap-3">
                <A href=routes::account::REGISTER attr:class="rounded-md bg-white px-4 py-2 font-semibold text-teal-800 hover:bg-teal-50">"Create an account"</A>
                <A href=routes::account::SIGN_IN attr:class="rounded-md border border-white px-4 py-2 font-semibold text-white hover:bg-teal-800">"Sign in"</A>
            </div>
        </section>
        <section aria-labelledby="latest" class="mt-10">
            <h2 id="latest" class="text-2xl font-semibold">"Latest Health Information"</h2>
            <div class="mt-4"><ArticleGrid limit=3 level=3 /></div>
        </section>
    }
}

#[component]
pub(crate) fn TopicsPage() -> impl IntoView {
    view! {
        <Title text="Health Topics · Salus" />
        <h1 class="text-3xl font-bold">"Health Topics"</h1>
        <p class="mt-2 text-slate-700">"Reliable, plain-language information from our clinics."</p>
        <div class="mt-6"><ArticleGrid limit=100 level=2 /></div>
    }
}

/// A topic or policy as published. `body_html` was rendered from Markdown and sanitised on
/// the server (`server::markdown`); nothing else is set as HTML.
#[component]
pub(crate) fn ArticleBody(article: Article) -> impl IntoView {
    view! {
        <article class="rounded-lg border border-slate-200 bg-white p-6 shadow-sm sm:p-8">
            <h1 class="text-3xl font-bold">{article.title.clone()}</h1>
            <p class="mt-1 text-sm text-slate-500">
                {match &article.version {
                    Some(v) => format!("Version {v} · in force since {}", date_label(article.published_on)),
                    None => format!("Published {}", date_label(article.published_on)),
                }}
            </p>
            {(!article.tags.is_empty()).then(|| view! {
                <ul aria-label="Tags" class="mt-2 flex flex-wrap gap-2">
                    {article.tags.iter().map(|tag| view! {
                        <li class="rounded-full bg-teal-50 px-2 py-0.5 text-xs font-medium text-teal-900">{tag.clone()}</li>
                    }).collect_view()}
                </ul>
            })}
            <p class="mt-4 text-lg text-slate-700">{article.summary.clone()}</p>
            <div class="mt-4 space-y-4 text-slate-800 [&_ul]:list-disc [&_ul]:pl-6 [&_ol]:list-decimal [&_ol]:pl-6 [&_a]:text-teal-800 [&_a]:underline [&_h2]:text-xl [&_h2]:font-semibold [&_h3]:font-semibold" inner_html=article.body_html.clone()></div>
        </article>
    }
}

#[component]
pub(crate) fn ArticlePage() -> impl IntoView {
    let params = use_params_map();
    let found = Resource::new(
        move || params.read().get("slug").unwrap_or_default(),
        get_article,
    );
    view! {
        <Loaded resource=found let:article>
            <Title text=format!("{} · Salus", article.title) />
            <ArticleBody article />
            <A href=routes::public::TOPICS attr:class="mt-6 inline-block text-teal-800 underline">"All health topics"</A>

        </Loaded>
    }
}

/// The privacy policy in force, with links to every earlier version.
#[component]
pub(crate) fn PrivacyPage() -> impl IntoView {
    let policy = Resource::new(|| (), |_| get_privacy_policy());
    view! {
        <Loaded resource=policy let:article>
            <Title text=format!("{} · Salus", article.title) />
            <ArticleBody article />

        </Loaded>
        <PolicyVersions />
    }
}

/// One version of the privacy policy, earlier or in force.
#[component]
pub(crate) fn PrivacyVersionPage() -> impl IntoView {
    let params = use_params_map();
    let policy = Resource::new(
        move || params.read().get("version").unwrap_or_default(),
        get_privacy_policy_version,
    );
    view! {
        <Loaded resource=policy let:article>
            <Title text=format!("{} (version {}) · Salus", article.title, article.version.clone().unwrap_or_default()) />
            <ArticleBody article />

        </Loaded>
        <PolicyVersions />
    }
}

#[component]
fn PolicyVersions() -> impl IntoView {
    let versions = Resource::new(|| (), |_| get_privacy_policy_versions());
    view! {
        <section aria-labelledby="versions-heading" class="mt-8">
            <h2 id="versions-heading" class="text-xl font-semibold">"All versions"</h2>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    versions.await.ok().map(|versions| view! {
                        <ul class="mt-2 space-y-1">
                            {versions.into_iter().map(|v| view! {
                                <li>
                                    <a href=routes::public::policy_version(&v.version) class="text-teal-800 underline">{format!("Version {}", v.version)}</a>
                                    {format!(", published {}{}", v.published, if v.current { " (in force)" } else { "" })}
                                </li>
                            }).collect_view()}
                        </ul>
                    })
                })}
            </Suspense>
        </section>
    }
}
