//! How a page shows what a server function answered (`Loaded`), an error it could not recover
//! from, and a patient's compliance label.
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

use crate::error::AppError;
use crate::model::ComplianceLabel;

/// What `resource` answered, drawn by `children` once it arrives (`let:` names the data), with
/// `loading` in the meantime (in `fallback_class`), and an error as an `ErrorPanel`.
#[component]
pub(crate) fn Loaded<T, F, V>(
    resource: Resource<Result<T, AppError>>,
    #[prop(default = "Loading…")] loading: &'static str,
    #[prop(default = "text-slate-500")] fallback_class: &'static str,
    children: F,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! {
        <Suspense fallback=move || view! { <p class=fallback_class>{loading}</p> }>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    match resource.await {
                        Ok(data) => children(data).into_any(),
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// Sign-in for a visitor who is not signed in (then back here), a message for everyone else.
#[component]
pub(crate) fn ErrorPanel(error: AppError) -> impl IntoView {
    match error {
        AppError::Unauthorized => {
            let location = use_location();
            let here = format!(
                "{}{}",
                location.pathname.get_untracked(),
                location.search.get_untracked()
            );
            let target = crate::routes::sign_in_path(&here);
            view! { <Redirect path=target /> }.into_any()
        }
        other => {
            let heading = match other {
                AppError::Forbidden => "Not allowed",
                AppError::NotFound => "Not found",
                AppError::Validation(_) => "That could not be shown",
                _ => "Something went wrong",
            };
            // A page has no highlighted fields to point at: say what each problem is.
            let message = match &other {
                AppError::Validation(fields) => fields
                    .values()
                    .flatten()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" "),
                other => other.to_string(),
            };
            view! {
                <section class="rounded-lg border border-slate-200 bg-white p-6 shadow-sm" role="alert">
                    <h1 class="text-xl font-semibold">{heading}</h1>
                    <p class="mt-2 text-slate-700">{message}</p>
                    <a href="/" class="mt-4 inline-block text-teal-800 underline">"Go to the home page"</a>
                </section>
            }
            .into_any()
        }
    }
}

fn label_tone(label: Option<ComplianceLabel>) -> &'static str {
    match label {
        Some(ComplianceLabel::MissedCheckup) => "bg-red-100 text-red-900",
        Some(ComplianceLabel::DueSoon) => "bg-amber-100 text-amber-900",
        Some(ComplianceLabel::GoalsMissed) => "bg-slate-200 text-slate-900",
        Some(ComplianceLabel::GoalMet) => "bg-emerald-100 text-emerald-900",
        None => "bg-slate-100 text-slate-700",
    }
}

/// A compliance label as a coloured badge.
#[component]
pub(crate) fn StatusBadge(label: Option<ComplianceLabel>) -> impl IntoView {
    view! {
        <span class=format!("inline-block rounded-full px-2 py-1 text-xs font-semibold {}", label_tone(label))>
            {label.map_or("Not assessed", |l| l.label())}
        </span>
    }
}
