//! The patient's dashboard: today's wellness goals and the goal tracker, the care due soonest,
//! the tip of the day and how to reach their clinic.
use leptos::prelude::*;
use leptos_meta::Title;

use super::PatientNav;
use crate::api::patient::dashboard::{
    get_my_clinic, get_patient_dashboard, get_todays_goals, LogGoal,
};
use crate::components::chart::DayBarChart;
use crate::components::form::{
    field_errors, form_error, FieldErrors, FormAlert, BUTTON_CLASS, INPUT_CLASS,
};
use crate::components::live::reloaded_after_success;
use crate::components::status::Loaded;
use crate::model::content::HealthTip;
use crate::model::patient::{
    ActivityEstimate, GoalProgress, PatientDashboard, TodaysGoals, ACTIVITY_ESTIMATE_NOTE,
};
use crate::model::{chart_days, CareStatus, GoalKind, Reminder};

#[component]
pub(crate) fn DashboardPage() -> impl IntoView {
    let dashboard = Resource::new(|| (), |_| get_patient_dashboard());
    view! {
        <Title text="My dashboard · Salus" />
        <PatientNav />
        <Loaded resource=dashboard loading="Loading your dashboard…" let:dashboard>
            <Dashboard dashboard />
        </Loaded>
    }
}

#[component]
fn Dashboard(dashboard: PatientDashboard) -> impl IntoView {
    let first_name = dashboard
        .name
        .split_whitespace()
        .next()
        .unwrap_or(&dashboard.name)
        .to_owned();
    view! {
        <h1 class="text-3xl font-bold">{format!("Welcome, {first_name}")}</h1>
        <p class="mt-1 text-slate-600">
            {format!("Today is {} ({})", dashboard.today.format("%A %-d %B %Y"), dashboard.time_zone)}
        </p>
        <TodaysGoals
            goals=TodaysGoals { goals: dashboard.goals.clone(), sleep_week: chart_days(&dashboard.sleep_week) }
            today=dashboard.today.format("%Y-%m-%d").to_string()
            earliest=dashboard.earliest_loggable().format("%Y-%m-%d").to_string()
        >
            <div class="mt-6 grid gap-4 md:grid-cols-2">
                <Reminders reminders=dashboard.reminders.clone() />
                <TipOfTheDay tip=dashboard.tip.clone() />
            </div>
        </TodaysGoals>
        <YourClinic />
    }
}

/// How to reach the patient's clinic and when it is open, as its admin set them.
#[component]
fn YourClinic() -> impl IntoView {
    let clinic = Resource::new(|| (), |_| get_my_clinic());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                clinic.await.ok().map(|c| {
                    let hours = c.hours.into_iter().map(|d| {
                        let day = crate::model::clinic::WEEKDAYS[usize::from(d.weekday) - 1];
                        let times = match (d.opens, d.closes) {
                            (Some(o), Some(c)) => format!("{o} to {c}"),
                            _ => "Closed".to_owned(),
                        };
                        view! { <div class="flex justify-between gap-4"><dt>{day}</dt><dd>{times}</dd></div> }
                    }).collect_view();
                    view! {
                        <section aria-labelledby="clinic-heading" class="mt-6 rounded-lg border border-slate-200 bg-white p-5 shadow-sm" data-testid="your-clinic">
                            <h2 id="clinic-heading" class="text-xl font-semibold">{format!("Your clinic: {}", c.name)}</h2>
                            <div class="mt-3 grid gap-4 md:grid-cols-2">
                                <div class="space-y-1 text-slate-700">
                                    {c.phone.map(|p| view! { <p>"Phone: " {p}</p> })}
                                    {c.email.map(|e| view! { <p>"Email: " <a class="text-teal-800 underline" href=format!("mailto:{e}")>{e.clone()}</a></p> })}
                                    {c.address.map(|a| view! { <p>{a}</p> })}
                                </div>
                                <div>
                                    <h3 class="font-medium">{format!("Opening hours ({})", c.time_zone)}</h3>
                                    <dl class="mt-1 max-w-xs text-sm text-slate-700">{hours}</dl>
                                </div>
                            </div>
                        </section>
                    }
                })
            })}
        </Suspense>
    }
}

/// The goal cards, the sleep chart and the tracker (`today` and `earliest`, `YYYY-MM-DD`,
/// bound the days it accepts). A saved entry redraws the cards and the chart in place from
/// the server; a refused one leaves the form as typed. `children` (reminders and the tip)
/// stand between them as the server rendered them: logging a goal does not change them.
#[island]
fn TodaysGoals(
    goals: TodaysGoals,
    today: String,
    earliest: String,
    children: Children,
) -> impl IntoView {
    let log = ServerAction::<LogGoal>::new();
    let current = reloaded_after_success(
        goals,
        move || matches!(log.value().get(), Some(Ok(_))),
        get_todays_goals,
    );
    view! {
        <section aria-labelledby="goals-heading" class="mt-6">
            <h2 id="goals-heading" class="text-xl font-semibold">"Wellness goals"</h2>
            <div class="mt-3 grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
                {move || current.get().goals.into_iter().map(|goal| view! { <GoalCard goal /> }).collect_view()}
            </div>
        </section>
        {children()}
        <section aria-labelledby="sleep-heading" class="mt-6 rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
            <h2 id="sleep-heading" class="text-xl font-semibold">"Sleep, last 7 nights"</h2>
            {move || {
                let TodaysGoals { goals, sleep_week } = current.get();
                let target = goals
                    .iter()
                    .find(|g| g.kind == GoalKind::Sleep)
                    .map_or(GoalKind::Sleep.default_target(), |g| g.target);
                view! {
                    <DayBarChart
                        id="sleep-week".to_string()
                        title="Minutes slept on each of the last 7 nights".to_string()
                        unit="minutes"
                        target
                        values=sleep_week
                    />
                }
            }}
            <p class="mt-1 text-xs text-slate-500">"Dashed line: your target. Green bars: target met."</p>
        </section>
        <GoalTracker today earliest log />
    }
}

#[component]
fn Reminders(reminders: Vec<Reminder>) -> impl IntoView {
    view! {
        <section aria-labelledby="reminders-heading" class="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
            <h2 id="reminders-heading" class="text-xl font-semibold">"Preventive Care Reminders"</h2>
            {if reminders.is_empty() {
                view! { <p class="mt-2 text-slate-600">"You are up to date with your preventive care."</p> }.into_any()
            } else {
                view! {
                    <ul class="mt-3 space-y-2" data-testid="reminders">
                        {reminders.into_iter().map(|r| {
                            let tone = match r.status {
                                CareStatus::Overdue => "border-red-600 bg-red-50 text-red-900",
                                CareStatus::Due => "border-amber-500 bg-amber-50 text-amber-900",
                                _ => "border-teal-600 bg-teal-50 text-teal-900",
                            };
                            view! { <li class=format!("rounded-md border-l-4 px-3 py-2 {tone}")>{r.sentence()}</li> }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn TipOfTheDay(tip: Option<HealthTip>) -> impl IntoView {
    view! {
        <section aria-labelledby="tip-heading" class="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
            <h2 id="tip-heading" class="text-xl font-semibold">"Health Tip of the Day"</h2>
            {tip.map(|t| view! {
                <p class="mt-2 font-medium text-slate-900">{t.title}</p>
                <p class="mt-1 text-slate-700">{t.text}</p>
            })}
        </section>
    }
}

#[component]
fn GoalCard(goal: GoalProgress) -> impl IntoView {
    let percent = goal.percent();
    let label = goal.kind.label();
    let id = format!("goal-{}", goal.kind.as_str());
    let summary = format!("{label}: {} / {} – {percent}%", goal.value, goal.target);
    view! {
        <article id=id.clone() aria-labelledby=format!("{id}-title") class="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
            <h3 id=format!("{id}-title") class="text-sm font-medium text-slate-600">{label}</h3>
            <p class="mt-1 text-lg font-semibold" data-testid=format!("{id}-summary")>{summary}</p>
            <div
                role="progressbar"
                aria-label=format!("{label} progress")
                aria-valuemin="0"
                aria-valuemax="100"
                aria-valuenow=percent.min(100)
                aria-valuetext=format!("{percent}% of today's target")
                class="mt-3 h-3 w-full overflow-hidden rounded-full bg-slate-200"
            >
                <div
                    class=if goal.met() { "h-full rounded-full bg-emerald-600" } else { "h-full rounded-full bg-teal-600" }
                    style=format!("width: {}%", percent.min(100))
                ></div>
            </div>
            <p class="mt-2 text-xs text-slate-500">
                {if goal.met() { "Goal met today".to_owned() } else { format!("Target: {} {} a day", goal.target, goal.kind.unit()) }}
            </p>
            {(goal.kind == GoalKind::ActiveMinutes).then(|| {
                let estimate = ActivityEstimate::for_minutes(goal.value);
                view! {
                    <p class="mt-1 text-sm text-slate-700" data-testid="activity-estimate">
                        {estimate.summary()}
                    </p>
                    <p class="text-xs text-slate-500">{ACTIVITY_ESTIMATE_NOTE}</p>
                }
            })}
        </article>
    }
}

#[component]
fn GoalTracker(today: String, earliest: String, log: ServerAction<LogGoal>) -> impl IntoView {
    let value = log.value();
    let kind = RwSignal::new(GoalKind::Steps.as_str().to_owned());
    let unit = move || GoalKind::parse(&kind.get()).map_or("", |k| k.unit());
    let kind_errors = field_errors(value, "kind");
    let date_errors = field_errors(value, "date");
    let value_errors = field_errors(value, "value");
    let saved = move || match value.get() {
        Some(Ok(p)) => Some(format!(
            "Saved. {} for that day: {} of {} {}.",
            p.kind.label(),
            p.value,
            p.target,
            p.kind.unit()
        )),
        _ => None,
    };
    view! {
        <section aria-labelledby="tracker-heading" class="mt-8 rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
            <h2 id="tracker-heading" class="text-xl font-semibold">"Log a goal"</h2>
            <p class="mt-1 text-sm text-slate-600">
                "Steps, active minutes and water add to what the day already has; sleep replaces the night's value."
            </p>
            <ActionForm action=log attr:class="mt-4 grid gap-4 md:grid-cols-4 md:items-start" attr:novalidate="true">
                <div class="md:col-span-4"><FormAlert message=form_error(value) /></div>
                <div>
                    <label for="field-kind" class="block text-sm font-medium text-slate-800">"Goal"</label>
                    <select id="field-kind" name="kind" class=INPUT_CLASS
                        on:change=move |ev| kind.set(event_target_value(&ev))
                        aria-describedby="field-kind-error">
                        {GoalKind::ALL.into_iter().map(|k| view! {
                            <option value=k.as_str() selected=k == GoalKind::Steps>{k.label()}</option>
                        }).collect_view()}
                    </select>
                    <FieldErrors id="field-kind-error".to_string() errors=kind_errors />
                </div>
                <div>
                    <label for="field-date" class="block text-sm font-medium text-slate-800">"Day"</label>
                    <input id="field-date" name="date" type="date" value=today.clone() min=earliest max=today.clone()
                        class=INPUT_CLASS aria-describedby="field-date-error"
                        aria-invalid=move || (!date_errors.get().is_empty()).to_string() />
                    <FieldErrors id="field-date-error".to_string() errors=date_errors />
                </div>
                <div>
                    <label for="field-value" class="block text-sm font-medium text-slate-800">
                        "Value " <span class="text-slate-500">{move || format!("({})", unit())}</span>
                    </label>
                    <input id="field-value" name="value" type="number" inputmode="numeric" min="0" step="1"
                        class=INPUT_CLASS aria-describedby="field-value-error"
                        aria-invalid=move || (!value_errors.get().is_empty()).to_string() />
                    <FieldErrors id="field-value-error".to_string() errors=value_errors />
                </div>
                <div class="md:pt-6">
                    <button type="submit" class=format!("{BUTTON_CLASS} w-full") disabled=move || log.pending().get()>
                        {move || if log.pending().get() { "Saving…" } else { "Log" }}
                    </button>
                </div>
            </ActionForm>
            <p role="status" aria-live="polite" class="mt-3 text-sm text-emerald-800">{saved}</p>
        </section>
    }
}
