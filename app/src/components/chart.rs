//! Bar charts drawn as SVG on the server: they show before hydration and without JavaScript,
//! and carry a title and a text description for screen readers. The dashboard's island draws
//! the same chart again in the browser after a logged value.
use leptos::prelude::*;

use crate::model::ChartDay;

// The drawing is laid out in whole units of a 3200 × 1200 box (scaled to the page's width):
// whole numbers keep floating-point formatting, and its code, out of the browser bundle.
const WIDTH: i64 = 3200;
const HEIGHT: i64 = 1200;
const BOTTOM: i64 = 180;
const TOP_MARGIN: i64 = 60;

#[component]
pub(crate) fn DayBarChart(
    /// Unique within the page, for the title and description ids.
    id: String,
    title: String,
    unit: &'static str,
    target: i64,
    values: Vec<ChartDay>,
) -> impl IntoView {
    let max = values
        .iter()
        .map(|v| v.value)
        .chain([target])
        .max()
        .unwrap_or(1)
        .max(1);
    let n = (values.len() as i64).max(1);
    let slot = WIDTH / n;
    let bar = (slot * 7 / 10).max(1);
    let plot = HEIGHT - BOTTOM;
    // The height of a value, with the largest (value or target) just below the top.
    let y = move |v: i64| plot - v.clamp(0, max) * (plot - TOP_MARGIN) / max;
    let description = values
        .iter()
        .map(|v| format!("{}: {} {unit}", v.date, v.value))
        .collect::<Vec<_>>()
        .join("; ");
    let description = format!("Target {target} {unit} a day. {description}.");
    let label_every = if values.len() > 10 { 7 } else { 1 };
    let (title_id, desc_id) = (format!("{id}-title"), format!("{id}-desc"));
    let target_y = y(target);
    let labelled_by = format!("{title_id} {desc_id}");
    let last = values.len().saturating_sub(1);
    view! {
        <svg
            viewBox=format!("0 0 {WIDTH} {HEIGHT}")
            role="img"
            aria-labelledby=labelled_by
            class="mt-2 h-auto w-full"
            data-testid=id.clone()
        >
            <title id=title_id>{title}</title>
            <desc id=desc_id>{description}</desc>
            {values.iter().enumerate().map(|(i, v)| {
                let x = i as i64 * slot + (slot - bar) / 2;
                let top = y(v.value);
                let fill = if v.value >= target { "#059669" } else { "#0d9488" };
                view! { <rect x=x y=top width=bar height=(plot - top).max(0) rx="20" fill=fill /> }
            }).collect_view()}
            <line x1="0" x2=WIDTH y1=target_y y2=target_y stroke="#b45309" stroke-dasharray="40 30" stroke-width="10" />
            {values.iter().enumerate().filter(|(i, _)| (last - i) % label_every == 0).map(|(i, v)| {
                let x = i as i64 * slot + slot / 2;
                view! { <text x=x y=HEIGHT - 40 text-anchor="middle" font-size="90" fill="#475569">{v.weekday.clone()}</text> }
            }).collect_view()}
        </svg>
    }
}

/// Horizontal bars of counts, one per labelled category, drawn on the server (the clinic
/// overview's compliance breakdown, the platform's overdue share by clinic). The text
/// description lists every count.
#[component]
pub(crate) fn CountBarChart(
    /// Unique within the page, for the title and description ids.
    id: &'static str,
    title: String,
    /// (label, count, fill colour).
    bars: Vec<(String, u64, &'static str)>,
    /// Written after each count ("%").
    #[prop(default = "")]
    unit: &'static str,
    /// The count a full bar stands for (100 for percentages); the largest count when none.
    #[prop(optional)]
    full: Option<u64>,
) -> impl IntoView {
    const ROW: i64 = 120;
    const LABEL: i64 = 1100;
    const BAR_SPACE: i64 = WIDTH - LABEL - 300;
    let max = full
        .unwrap_or_else(|| bars.iter().map(|(_, n, _)| *n).max().unwrap_or(0))
        .max(1) as i64;
    let height = (bars.len() as i64).max(1) * ROW;
    let description = bars
        .iter()
        .map(|(label, n, _)| format!("{label}: {n}{unit}"))
        .collect::<Vec<_>>()
        .join("; ");
    let (title_id, desc_id) = (format!("{id}-title"), format!("{id}-desc"));
    let labelled_by = format!("{title_id} {desc_id}");
    view! {
        <svg
            viewBox=format!("0 0 {WIDTH} {height}")
            role="img"
            aria-labelledby=labelled_by
            class="mt-2 h-auto w-full"
            data-testid=id
        >
            <title id=title_id>{title}</title>
            <desc id=desc_id>{format!("{description}.")}</desc>
            {bars.into_iter().enumerate().map(|(i, (label, n, fill))| {
                let y = i as i64 * ROW;
                let width = (n as i64 * BAR_SPACE / max).clamp(if n > 0 { 8 } else { 0 }, BAR_SPACE);
                view! {
                    <text x=LABEL - 30 y=y + 78 text-anchor="end" font-size="64" fill="#334155">{label}</text>
                    <rect x=LABEL y=y + 20 width=width height=ROW - 40 rx="12" fill=fill />
                    <text x=LABEL + width + 30 y=y + 78 font-size="64" fill="#0f172a">{format!("{n}{unit}")}</text>
                }
            }).collect_view()}
        </svg>
    }
}
