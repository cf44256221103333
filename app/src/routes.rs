//! Addresses within the site that more than one layer builds: where to return after signing
//! in, and the pages the sign-in steps lead to. Below every other module, so that the pages,
//! the server functions and the server all take them from here.

/// The page that asks for the privacy policy to be accepted, a step of signing in.
pub const POLICY_PAGE: &str = "/signin/policy";

/// Only paths on this site are accepted as a place to return to after signing in.
pub fn safe_return_path(next: &str) -> Option<String> {
    let next = next.trim();
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\');
    (local && next.len() <= 512).then(|| next.to_owned())
}

/// The sign-in page, set to come back to `here` afterwards.
pub fn sign_in_path(here: &str) -> String {
    format!("/signin?next={}", encode_path(here))
}

/// `path`, set to go on to `next` afterwards when that is a page of this site.
pub fn with_next(path: &str, next: Option<&str>) -> String {
    match next.and_then(safe_return_path) {
        Some(next) => format!("{path}?next={}", encode_path(&next)),
        None => path.to_owned(),
    }
}

/// A path percent-encoded to stand as a query value (slashes kept, for readability).
pub fn encode_path(path: &str) -> String {
    let mut encoded = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                encoded.push(b as char)
            }
            _ => encoded.push_str(&format!("%{b:02X}")),
        }
    }
    encoded
}

/// Where to go once fully signed in: `next` if it is a page of this site, else the portal.
#[cfg(feature = "ssr")]
pub(crate) fn destination(next: Option<&str>, home: &str) -> String {
    next.and_then(safe_return_path)
        .filter(|p| !p.starts_with("/signin"))
        .unwrap_or_else(|| home.to_owned())
}

#[cfg(test)]
mod tests {
    use super::{safe_return_path, sign_in_path};

    #[test]
    fn sign_in_path_encodes_the_return_path() {
        assert_eq!(
            sign_in_path("/patient?a=1&b=2"),
            "/signin?next=/patient%3Fa%3D1%26b%3D2"
        );
    }

    #[test]
    fn only_local_paths_are_return_paths() {
        assert_eq!(
            safe_return_path("/patient?tab=goals").as_deref(),
            Some("/patient?tab=goals")
        );
        for bad in [
            "https://evil.example",
            "//evil.example/x",
            "/\\evil.example",
            "patient",
            "javascript:alert(1)",
            "",
        ] {
            assert_eq!(safe_return_path(bad), None, "{bad}");
        }
    }
}
