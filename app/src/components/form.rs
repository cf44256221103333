//! Form pieces: every field has a label, and its messages stand beside it.
use leptos::prelude::*;

use leptos::server_fn::ServerFn;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// What was typed into a form that was posted without JavaScript (before the page's islands
/// were alive) and refused, without passwords, tokens or codes. The server keeps it in the
/// session for the page load the refusal lands on, and the form comes back filled in, as a
/// form its island sent stays filled in.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RefusedForm {
    /// The refused server function's path (`/api/...`).
    pub path: String,
    pub fields: Vec<(String, String)>,
}

impl RefusedForm {
    /// Fields never kept: whatever a password, a reset token or a one-time code went in.
    pub fn is_secret(field: &str) -> bool {
        field == "code"
            || field.contains("password")
            || field.contains("token")
            || field.contains("secret")
    }
}

/// What was typed into field `name` of the form sending server function `S`, when that form
/// was just refused; `None` otherwise. Always `None` in the browser: the page arrived filled in.
pub fn typed_value<S: ServerFn>(name: &str) -> Option<String> {
    let form = use_context::<RefusedForm>()?;
    if form.path != S::PATH {
        return None;
    }
    form.fields
        .iter()
        .find(|(field, _)| field == name)
        .map(|(_, value)| value.clone())
}

/// The messages about one field from an action's last result.
pub(crate) fn field_errors<T, V>(value: V, field: &'static str) -> Signal<Vec<String>>
where
    T: Send + Sync + 'static,
    V: With<Value = Option<Result<T, AppError>>> + Copy + Send + Sync + 'static,
{
    Signal::derive(move || {
        value.with(|v| match v {
            Some(Err(e)) => e.field_messages(field),
            _ => Vec::new(),
        })
    })
}

/// The message for the form as a whole: a non-field error, the form-level field, or a hidden
/// token's (a link's token is never a field anyone sees).
pub(crate) fn form_error<T, V>(value: V) -> Signal<Option<String>>
where
    T: Send + Sync + 'static,
    V: With<Value = Option<Result<T, AppError>>> + Copy + Send + Sync + 'static,
{
    form_error_with_hidden(value, &["token"])
}

/// `form_error` for a form with other hidden fields (`hidden`), whose messages still need a
/// voice: registration's time zone, which the browser fills in.
pub(crate) fn form_error_with_hidden<T, V>(
    value: V,
    hidden: &'static [&'static str],
) -> Signal<Option<String>>
where
    T: Send + Sync + 'static,
    V: With<Value = Option<Result<T, AppError>>> + Copy + Send + Sync + 'static,
{
    Signal::derive(move || {
        value.with(|v| match v {
            Some(Err(AppError::Validation(fields))) => {
                fields.get("form").map(|m| m.join(" ")).or_else(|| {
                    fields
                        .iter()
                        .find(|(name, _)| hidden.contains(&name.as_str()))
                        .map(|(_, m)| m.join(" "))
                })
            }
            Some(Err(e)) => Some(e.to_string()),
            _ => None,
        })
    })
}

pub(crate) const INPUT_CLASS: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-base shadow-sm focus:border-teal-600 focus:outline-2 focus:outline-teal-600 aria-[invalid=true]:border-red-600";

/// A field's `aria-describedby`: its hint, and its messages while it has any.
fn described_by(
    has_hint: bool,
    hint_id: String,
    error_id: String,
    errors: Signal<Vec<String>>,
) -> impl Fn() -> Option<String> + Send + Sync + 'static {
    move || {
        let mut ids = Vec::new();
        if has_hint {
            ids.push(hint_id.clone());
        }
        if !errors.get().is_empty() {
            ids.push(error_id.clone());
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    }
}

#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(into)] errors: Signal<Vec<String>>,
    #[prop(default = false)] required: bool,
    /// The value the field starts with (an edit form's current data).
    #[prop(optional, into)]
    value: Option<String>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described_by = described_by(hint.is_some(), hint_id.clone(), error_id.clone(), errors);
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium text-slate-800">{label}</label>
            {hint.map(|h| view! { <p id=hint_id.clone() class="text-sm text-slate-500">{h}</p> })}
            <input
                id=id.clone()
                name=name
                type=kind
                autocomplete=autocomplete
                required=required
                value=value
                class=INPUT_CLASS
                aria-invalid=move || (!errors.get().is_empty()).to_string()
                aria-describedby=described_by
            />
            <FieldErrors id=error_id errors />
        </div>
    }
}

/// Text for a `<textarea>`, escaped. Leptos writes a textarea's children into the page as they
/// are (its HTML is "raw text" to the renderer), so a typed `</textarea><script>` would end the
/// field and run; escaped and set as its inner HTML, it is shown exactly as typed, on the server
/// and in the browser alike.
fn textarea_text(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A field for longer text (a Markdown body), labelled and with its messages beside it.
#[component]
pub(crate) fn TextArea(
    label: &'static str,
    name: &'static str,
    #[prop(default = 8)] rows: u32,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(into)] errors: Signal<Vec<String>>,
    #[prop(default = false)] required: bool,
    #[prop(optional, into)] value: Option<String>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described_by = described_by(hint.is_some(), hint_id.clone(), error_id.clone(), errors);
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium text-slate-800">{label}</label>
            {hint.map(|h| view! { <p id=hint_id.clone() class="text-sm text-slate-500">{h}</p> })}
            <textarea
                id=id.clone()
                name=name
                rows=rows
                required=required
                class=format!("{INPUT_CLASS} font-mono text-sm")
                aria-invalid=move || (!errors.get().is_empty()).to_string()
                aria-describedby=described_by
                inner_html=textarea_text(&value.unwrap_or_default())
            ></textarea>
            <FieldErrors id=error_id errors />
        </div>
    }
}

#[component]
pub(crate) fn FieldErrors(id: String, #[prop(into)] errors: Signal<Vec<String>>) -> impl IntoView {
    view! {
        <Show when=move || !errors.get().is_empty()>
            <ul id=id.clone() class="mt-1 text-sm text-red-700">
                {move || errors.get().into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
            </ul>
        </Show>
    }
}

/// A banner for the form's overall outcome, announced to screen readers.
#[component]
pub(crate) fn FormAlert(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <div role="alert" aria-live="assertive">
            {move || message.get().map(|m| view! {
                <p class="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">{m}</p>
            })}
        </div>
    }
}

/// A button for a lesser action beside the main one (sign a device out, reset).
pub(crate) const SECONDARY_BUTTON: &str = "rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-teal-600";

pub(crate) const BUTTON_CLASS: &str = "inline-flex items-center justify-center rounded-md bg-teal-700 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-teal-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-teal-600 disabled:opacity-60";

#[cfg(test)]
mod tests {
    #[test]
    fn textarea_text_cannot_close_its_field() {
        assert_eq!(
            super::textarea_text("a & b</textarea><script>x</script>"),
            "a &amp; b&lt;/textarea&gt;&lt;script&gt;x&lt;/script&gt;"
        );
    }
}
