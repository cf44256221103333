//! Bar charts drawn as SVG on the server: they show before hydration and without JavaScript,
//! and carry a title and a text description for screen readers.
use leptos::prelude::*;

use crate::model::DayValue;

const WIDTH: f64 = 320.0;
const HEIGHT: f64 = 120.0;
const BOTTOM: f64 = 18.0;

#[component]
pub fn DayBarChart(
    /// Unique within the page, for the title and description ids.
    id: String,
    title: String,
    unit: &'static str,
    target: i64,
    values: Vec<DayValue>,
) -> impl IntoView {
    let max = values
        .iter()
        .map(|v| v.value)
        .chain([target])
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let n = values.len().max(1) as f64;
    let slot = WIDTH / n;
    let bar = (slot * 0.7).max(1.0);
    let plot = HEIGHT - BOTTOM;
    let y = move |v: f64| plot - (v / max) * (plot - 6.0);
    let description = values
        .iter()
        .map(|v| format!("{}: {} {unit}", v.day.format("%a %-d %b"), v.value))
        .collect::<Vec<_>>()
        .join("; ");
    let description = format!("Target {target} {unit} a day. {description}.");
    let label_every = if values.len() > 10 { 7 } else { 1 };
    let (title_id, desc_id) = (format!("{id}-title"), format!("{id}-desc"));
    let target_y = y(target as f64);
    let labelled_by = format!("{title_id} {desc_id}");
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
                let x = i as f64 * slot + (slot - bar) / 2.0;
                let top = y(v.value as f64);
                let fill = if v.value >= target { "#059669" } else { "#0d9488" };
                view! { <rect x=x y=top width=bar height=(plot - top).max(0.0) rx="2" fill=fill /> }
            }).collect_view()}
            <line x1="0" x2=WIDTH y1=target_y y2=target_y stroke="#b45309" stroke-dasharray="4 3" stroke-width="1" />
            {values.iter().enumerate().filter(|(i, _)| (values.len() - 1 - i) % label_every == 0).map(|(i, v)| {
                let x = i as f64 * slot + slot / 2.0;
                view! { <text x=x y=HEIGHT - 4.0 text-anchor="middle" font-size="9" fill="#475569">{v.day.format("%a").to_string()}</text> }
            }).collect_view()}
        </svg>
    }
}
