//! What is kept of a form posted without JavaScript when it is refused, so that its page comes
//! back filled in (`RefusedForm`): only the fields of the server functions whose pages read
//! them back (`typed_value`), never a secret, each cut to what its form takes, and for a
//! visitor who is not signed in a small row at most. Anything else an anonymous post carries
//! would otherwise land in the sessions table and the server's memory.
use std::collections::HashMap;
use std::sync::LazyLock;

use leptos::server_fn::ServerFn;
use salus_app::api;
use salus_app::components::form::RefusedForm;
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};

/// The most a refused form may keep for a visitor who is not signed in, in bytes of names and
/// values: the registration form, the longest such form, takes well under this.
pub const ANONYMOUS_BUDGET: usize = 2 * 1024;

/// How many characters a field keeps by default: names, emails (at most 254), codes and dates.
const DEFAULT_FIELD_CHARS: usize = 320;

/// Longer fields, by name, at the most their services accept.
const LONG_FIELDS: [(&str, usize); 4] = [
    ("body", 50_000),
    ("description", 1_000),
    ("reason", 500),
    ("summary", 300),
];

/// The forms whose pages show a refused form filled in, by path, with their fields' names.
static KEPT_FORMS: LazyLock<HashMap<&'static str, &'static [&'static str]>> = LazyLock::new(|| {
    macro_rules! forms {
            ($($form:ty),* $(,)?) => {
                HashMap::from([$((<$form as ServerFn>::PATH, field_names::<$form>())),*])
            };
        }
    forms![
        api::account::auth::SignIn,
        api::account::auth::Register,
        api::account::auth::RequestPasswordReset,
        api::patient::profile::UpdateProfile,
        api::clinic::enrolment::AddPatient,
        api::clinic::enrolment::InvitePatient,
        api::clinic::protocols::AddProtocol,
        api::clinic::protocols::SaveProtocol,
        api::clinic::roles::AddClinicRole,
        api::clinic::roles::SaveClinicRole,
        api::platform::clinics::CreateClinic,
        api::platform::clinics::SuspendClinic,
        api::platform::content::AddTip,
        api::platform::content::SaveTip,
        api::platform::content::CreateTopic,
        api::platform::content::SaveTopic,
        api::platform::content::PublishPolicy,
        api::platform::protocol_templates::AddProtocolTemplate,
        api::platform::protocol_templates::SaveProtocolTemplate,
        api::platform::super_admins::InviteSuperAdmin,
    ]
});

/// What to keep of a refused post to `path` with the url-encoded `body`; `None` when nothing is.
pub fn kept(path: &str, body: &[u8], signed_in: bool) -> Option<RefusedForm> {
    let fields = KEPT_FORMS.get(path)?;
    let mut budget = if signed_in {
        usize::MAX
    } else {
        ANONYMOUS_BUDGET
    };
    let mut kept = Vec::new();
    for (name, value) in serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).ok()? {
        if !fields.contains(&name.as_str())
            || RefusedForm::is_secret(&name)
            || kept
                .iter()
                .any(|(kept, _): &(String, String)| *kept == name)
        {
            continue;
        }
        let value = cut(&value, field_chars(&name));
        let size = name.len() + value.len();
        if size > budget {
            break;
        }
        budget -= size;
        kept.push((name, value));
    }
    Some(RefusedForm {
        path: path.to_owned(),
        fields: kept,
    })
}

fn field_chars(name: &str) -> usize {
    LONG_FIELDS
        .iter()
        .find(|(long, _)| *long == name)
        .map_or(DEFAULT_FIELD_CHARS, |(_, chars)| *chars)
}

/// The first `chars` characters of `value`.
fn cut(value: &str, chars: usize) -> String {
    match value.char_indices().nth(chars) {
        Some((end, _)) => value[..end].to_owned(),
        None => value.to_owned(),
    }
}

/// The field names of a server function's arguments, as serde's derive lists them: the derived
/// `Deserialize` of a struct hands its field names to `deserialize_struct`, which this
/// deserializer records and then refuses.
fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut probe = FieldNameProbe(None);
    let _ = T::deserialize(&mut probe);
    probe
        .0
        .expect("a server function's arguments are a struct with named fields")
}

struct FieldNameProbe(Option<&'static [&'static str]>);

impl<'de> Deserializer<'de> for &mut FieldNameProbe {
    type Error = de::value::Error;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0 = Some(fields);
        Err(de::Error::custom("only the field names were wanted"))
    }

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_forms_own_fields_are_kept_and_never_the_password() {
        let body = b"email=a%40example.com&password=hunter2&junk=xxxxxxxx&email=second";
        let form = kept(<api::account::auth::SignIn as ServerFn>::PATH, body, false).unwrap();
        assert_eq!(
            form.fields,
            vec![("email".to_owned(), "a@example.com".to_owned())]
        );
    }

    #[test]
    fn a_function_whose_page_reads_nothing_back_keeps_nothing() {
        assert!(kept("/api/anything/else", b"name=x", true).is_none());
    }

    #[test]
    fn a_field_keeps_at_most_what_its_form_takes() {
        let long = "x".repeat(100_000);
        let body = serde_urlencoded::to_string([("name", &long), ("body", &long)]).unwrap();
        let form = kept(
            <api::platform::content::CreateTopic as ServerFn>::PATH,
            body.as_bytes(),
            true,
        )
        .unwrap();
        let size = |name: &str| {
            form.fields
                .iter()
                .find(|(field, _)| field == name)
                .map(|(_, v)| v.chars().count())
        };
        assert_eq!(size("body"), Some(50_000));
        assert_eq!(size("name"), None, "a create-topic form has no name field");
    }

    #[test]
    fn a_visitor_keeps_a_small_row_at_most() {
        let long = "é".repeat(10_000);
        let body = serde_urlencoded::to_string([
            ("name", long.as_str()),
            ("email", long.as_str()),
            ("clinic_code", long.as_str()),
            ("time_zone", long.as_str()),
        ])
        .unwrap();
        let form = kept(
            <api::account::auth::Register as ServerFn>::PATH,
            body.as_bytes(),
            false,
        )
        .unwrap();
        let size: usize = form.fields.iter().map(|(n, v)| n.len() + v.len()).sum();
        assert!(size <= ANONYMOUS_BUDGET, "{size}");
        assert_eq!(form.fields[0].1.chars().count(), DEFAULT_FIELD_CHARS);
    }

    #[test]
    fn every_kept_form_has_fields() {
        for (path, fields) in KEPT_FORMS.iter() {
            assert!(!fields.is_empty(), "{path}");
        }
    }
}
