//! The development mailbox: what the embedded mail transport "sent". 404 in production.
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::dev::get_mailbox;
use crate::components::status::ErrorPanel;

/// Splits a body into text and links, so links in messages can be followed.
fn linkify(body: &str) -> impl IntoView {
    body.lines()
        .map(|line| {
            let line = line.to_owned();
            if line.starts_with("http://") || line.starts_with("https://") {
                view! { <p><a class="break-all text-teal-800 underline" href=line.clone()>{line.clone()}</a></p> }.into_any()
            } else {
                view! { <p>{line}</p> }.into_any()
            }
        })
        .collect_view()
}

#[component]
pub(crate) fn MailboxPage() -> impl IntoView {
    let messages = Resource::new(|| (), |_| get_mailbox());
    view! {
        <Title text="Mailbox (development) · Salus" />
        <h1 class="text-3xl font-bold">"Development mailbox"</h1>
        <p class="mt-1 text-slate-600">"Messages the local mail transport would have sent, newest first."</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match messages.await {
                    Ok(list) if list.is_empty() => view! { <p class="mt-6">"No messages yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <ol class="mt-6 space-y-4">
                            {list.into_iter().map(|m| view! {
                                <li class="rounded-lg border border-slate-200 bg-white p-4 shadow-sm" data-testid="mail">
                                    <p class="text-sm text-slate-500">{format!("To {} · {}", m.to, m.sent_at)}</p>
                                    <h2 class="mt-1 font-semibold">{m.subject.clone()}</h2>
                                    <div class="mt-2 space-y-1 text-sm">{linkify(&m.body)}</div>
                                </li>
                            }).collect_view()}
                        </ol>
                    }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
