//! The goal history page: 30-day charts, streaks, targets, and the last week's entries.
use leptos::prelude::*;
use leptos_meta::Title;

use super::PatientNav;
use crate::api::patient::goals::{get_goal_history, DeleteGoalLog, SetGoalTarget, UpdateGoalLog};
use crate::components::chart::DayBarChart;
use crate::components::form::{
    field_errors, form_error, FieldErrors, FormAlert, BUTTON_CLASS, INPUT_CLASS,
};
use crate::components::live::reload_after_success;
use crate::components::status::Loaded;
use crate::model::patient::{GoalHistory, GoalSeries, LogEntryView};
use crate::model::{chart_days, GoalKind};

#[component]
pub(crate) fn GoalHistoryPage() -> impl IntoView {
    let history = Resource::new(|| (), |_| get_goal_history());
    view! {
        <Title text="Goal history · Salus" />
        <PatientNav />
        <h1 class="text-3xl font-bold">"Goal history"</h1>
        <Loaded resource=history let:history>
            <History history />
        </Loaded>
    }
}

#[component]
fn History(history: GoalHistory) -> impl IntoView {
    view! {
        <div class="mt-4 grid gap-4 md:grid-cols-2">
            {history.series.into_iter().map(|series| view! { <SeriesCard series /> }).collect_view()}
        </div>
        <section aria-labelledby="entries-heading" class="mt-6 rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
            <h2 id="entries-heading" class="text-xl font-semibold">"This week's entries"</h2>
            <p class="mt-1 text-sm text-slate-600">"You can correct or remove entries of the last 7 days."</p>
            <ul class="mt-3 divide-y divide-slate-200">
                {history.recent.into_iter().map(|entry| view! { <EntryRow entry /> }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn SeriesCard(series: GoalSeries) -> impl IntoView {
    let kind = series.kind;
    let met = series
        .days
        .iter()
        .filter(|d| d.value >= series.target)
        .count();
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
                values=chart_days(&series.days)
            />
            <TargetForm kind target=series.target />
        </section>
    }
}

#[island]
fn TargetForm(kind: GoalKind, target: i64) -> impl IntoView {
    let set_target = ServerAction::<SetGoalTarget>::new();
    reload_after_success(move || matches!(set_target.value().get(), Some(Ok(()))));
    let input_id = format!("target-{}", kind.as_str());
    view! {
        <ActionForm action=set_target attr:class="mt-3 flex flex-wrap items-end gap-2" attr:novalidate="true">
            <FormAlert message=form_error(set_target.value()) />
            <input type="hidden" name="kind" value=kind.as_str() />
            <div>
                <label for=input_id.clone() class="block text-xs font-medium text-slate-700">{format!("Daily target ({})", kind.unit())}</label>
                <input id=input_id name="target" type="number" min="1" max=kind.max_per_day() value=target class=INPUT_CLASS />
            </div>
            <button type="submit" class=BUTTON_CLASS>"Set target"</button>
        </ActionForm>
    }
}

#[component]
fn EntryRow(entry: LogEntryView) -> impl IntoView {
    let label = format!(
        "{} on {}",
        entry.kind.label(),
        entry.day.format("%a %-d %b")
    );
    view! {
        <li class="flex flex-wrap items-end justify-between gap-3 py-2" data-testid="entry">
            <EntryForms id=entry.id value=entry.value label unit=entry.kind.unit().to_owned() />
        </li>
    }
}

/// Correcting or deleting one entry; `label` names it ("Steps on Mon 2 Nov").
#[island]
fn EntryForms(id: i64, value: i64, label: String, unit: String) -> impl IntoView {
    let update = ServerAction::<UpdateGoalLog>::new();
    let delete = ServerAction::<DeleteGoalLog>::new();
    reload_after_success(move || {
        // Both are read, so either one's result runs this again.
        let updated = matches!(update.value().get(), Some(Ok(())));
        let deleted = matches!(delete.value().get(), Some(Ok(())));
        updated || deleted
    });
    let value_errors = field_errors(update.value(), "value");
    let input_id = format!("entry-{id}");
    let (field_label, delete_label) = (format!("{label} ({unit})"), format!("Delete {label}"));
    view! {
        <ActionForm action=update attr:class="flex flex-wrap items-end gap-2" attr:novalidate="true">
            <input type="hidden" name="id" value=id />
            <div>
                <label for=input_id.clone() class="block text-sm font-medium text-slate-800">{field_label}</label>
                <input id=input_id.clone() name="value" type="number" min="0" value=value class=INPUT_CLASS
                    aria-invalid=move || (!value_errors.get().is_empty()).to_string()
                    aria-describedby=format!("{input_id}-error") />
                <FieldErrors id=format!("{input_id}-error") errors=value_errors />
            </div>
            <button type="submit" class=BUTTON_CLASS>"Save"</button>
        </ActionForm>
        <ActionForm action=delete>
            <input type="hidden" name="id" value=id />
            <button type="submit" class="text-sm text-red-800 underline">{delete_label}</button>
        </ActionForm>
        <div class="w-full">
            <FormAlert message=form_error(update.value()) />
            <FormAlert message=form_error(delete.value()) />
        </div>
    }
}
