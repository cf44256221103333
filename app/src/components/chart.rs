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
pub fn DayBarChart(
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
