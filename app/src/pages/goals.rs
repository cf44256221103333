//! The goal history page: 30-day charts, streaks, targets, and the last week's entries.
use leptos::prelude::*;
use leptos_meta::Title;

use super::patient::PatientNav;
use crate::api::patient::{get_goal_history, DeleteGoalLog, SetGoalTarget, UpdateGoalLog};
use crate::components::chart::DayBarChart;
use crate::components::form::{field_errors, form_error, FormAlert, BUTTON_CLASS, INPUT_CLASS};
use crate::components::status::ErrorPanel;
use crate::model::{GoalHistory, GoalSeries, LogEntryView};

#[component]
pub fn GoalHistoryPage() -> impl IntoView {
    let set_target = ServerAction::<SetGoalTarget>::new();
    let update = ServerAction::<UpdateGoalLog>::new();
    let delete = ServerAction::<DeleteGoalLog>::new();
    let changes = RwSignal::new(0u32);
    Effect::new(move |_| {
        let ok = [
            matches!(set_target.value().get(), Some(Ok(()))),
            matches!(update.value().get(), Some(Ok(()))),
            matches!(delete.value().get(), Some(Ok(()))),
        ];
        if ok.iter().any(|b| *b) {
            changes.update(|n| *n += 1);
        }
    });
    let history = Resource::new(move || changes.get(), |_| get_goal_history());
    view! {
        <Title text="Goal history · Salus" />
        <PatientNav />
        <h1 class="text-3xl font-bold">"Goal history"</h1>
        <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match history.await {
                    Ok(h) => view! { <History history=h set_target update delete /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn History(
    history: GoalHistory,
    set_target: ServerAction<SetGoalTarget>,
    update: ServerAction<UpdateGoalLog>,
    delete: ServerAction<DeleteGoalLog>,
) -> impl IntoView {
    view! {
        <FormAlert message=form_error(set_target.value()) />
        <div class="mt-4 grid gap-4 md:grid-cols-2">
            {history.series.into_iter().map(|series| view! { <SeriesCard series set_target /> }).collect_view()}
        </div>
        <section aria-labelledby="entries-heading" class="mt-6 rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
            <h2 id="entries-heading" class="text-xl font-semibold">"This week's entries"</h2>
            <p class="mt-1 text-sm text-slate-600">"You can correct or remove entries of the last 7 days."</p>
            <FormAlert message=form_error(update.value()) />
            <FormAlert message=form_error(delete.value()) />
            {move || {
                let messages = field_errors(update.value(), "value").get();
                (!messages.is_empty()).then(|| view! { <p role="alert" class="mt-2 text-sm text-red-700">{messages.join(" ")}</p> })
            }}
            <ul class="mt-3 divide-y divide-slate-200">
                {history.recent.into_iter().map(|entry| view! { <EntryRow entry update delete /> }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn SeriesCard(series: GoalSeries, set_target: ServerAction<SetGoalTarget>) -> impl IntoView {
    let kind = series.kind;
    let met = series
        .days
        .iter()
        .filter(|d| d.value >= series.target)
        .count();
    let input_id = format!("target-{}", kind.as_str());
    view! {
        <section aria-labelledby=format!("series-{}", kind.as_str()) class="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
            <h2 id=format!("series-{}", kind.as_str()) class="text-lg font-semibold">{kind.label()}</h2>
            <p class="text-sm text-slate-600" data-testid=format!("streak-{}", kind.as_str())>
                {format!("Streak: {} day{} · met on {met} of the last 30 days", series.streak, if series.streak == 1 { "" } else { "s" })}
            </p>
            <DayBarChart
                id=format!("chart-{}", kind.as_str())
                title=format!("{} over the last 30 days", kind.label())
                unit=kind.unit()
                target=series.target
                values=series.days.clone()
            />
            <ActionForm action=set_target attr:class="mt-3 flex flex-wrap items-end gap-2" attr:novalidate="true">
                <input type="hidden" name="kind" value=kind.as_str() />
                <div>
                    <label for=input_id.clone() class="block text-xs font-medium text-slate-700">{format!("Daily target ({})", kind.unit())}</label>
                    <input id=input_id name="target" type="number" min="1" max=kind.max_per_day() value=series.target class=INPUT_CLASS />
                </div>
                <button type="submit" class=BUTTON_CLASS>"Set target"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn EntryRow(
    entry: LogEntryView,
    update: ServerAction<UpdateGoalLog>,
    delete: ServerAction<DeleteGoalLog>,
) -> impl IntoView {
    let input_id = format!("entry-{}", entry.id);
    let label = format!(
        "{} on {}",
        entry.kind.label(),
        entry.day.format("%a %-d %b")
    );
    let field_label = format!("{label} ({})", entry.kind.unit());
    let delete_label = format!("Delete {label}");
    view! {
        <li class="flex flex-wrap items-end justify-between gap-3 py-2" data-testid="entry">
            <ActionForm action=update attr:class="flex flex-wrap items-end gap-2" attr:novalidate="true">
                <input type="hidden" name="id" value=entry.id />
                <div>
                    <label for=input_id.clone() class="block text-sm font-medium text-slate-800">{field_label}</label>
                    <input id=input_id name="value" type="number" min="0" value=entry.value class=INPUT_CLASS />
                </div>
                <button type="submit" class=BUTTON_CLASS>"Save"</button>
            </ActionForm>
            <ActionForm action=delete>
                <input type="hidden" name="id" value=entry.id />
                <button type="submit" class="text-sm text-red-800 underline">{delete_label}</button>
            </ActionForm>
        </li>
    }
}
