//! Every page's address, one constant each, grouped by portal, with the helpers that build
//! addresses from them: where to return after signing in, and where a form lands once done.
//! Below every other module, so that the pages, the server functions and the server all take
//! addresses from here. The router declares the same paths (`lib.rs`, whose `path!` needs
//! literals); a test holds every constant here to a route there.

/// The public site.
pub mod public {
    pub const HOME: &str = "/";
    pub const TOPICS: &str = "/topics";
    pub const SERVICES: &str = "/services";
    pub const CONTACT: &str = "/contact";
    pub const PRIVACY: &str = "/privacy";
    /// Stopping a reminder channel from a message's link, without signing in.
    pub const UNSUBSCRIBE: &str = "/unsubscribe";

    /// A health topic's page.
    pub fn topic(slug: &str) -> String {
        format!("{TOPICS}/{slug}")
    }

    /// One version of the privacy policy, earlier or in force.
    pub fn policy_version(version: &str) -> String {
        format!("{PRIVACY}/{version}")
    }
}

/// Signing in and out, registration, and an account's own security.
pub mod account {
    pub const SIGN_IN: &str = "/signin";
    /// The second step: a code from the authenticator app.
    pub const SIGN_IN_CODE: &str = "/signin/code";
    /// Setting up the second step, when a role requires it, while signing in.
    pub const SIGN_IN_ENROL: &str = "/signin/enrol";
    /// Accepting the privacy policy in force, a step of signing in.
    pub const SIGN_IN_POLICY: &str = "/signin/policy";
    pub const REGISTER: &str = "/register";
    pub const FORGOT_PASSWORD: &str = "/forgot-password";
    pub const RESET_PASSWORD: &str = "/reset-password";
    pub const VERIFY_EMAIL: &str = "/verify-email";
    pub const SECURITY: &str = "/security";
    pub const TWO_STEP: &str = "/security/two-step";
    pub const RECOVERY_CODES: &str = "/security/recovery-codes";
    /// Joining a clinic from an invitation's link.
    pub const INVITATION: &str = "/invitation";
    /// Joining the platform's super admins from an invitation's link.
    pub const PLATFORM_INVITATION: &str = "/platform-invitation";
}

/// The patient portal.
pub mod patient {
    pub const HOME: &str = "/patient";
    pub const GOALS: &str = "/patient/goals";
    pub const PROFILE: &str = "/patient/profile";
    pub const MY_DATA: &str = "/patient/my-data";
    pub const CLINICS: &str = "/patient/clinics";
}

/// The provider portal.
pub mod provider {
    /// Their assigned patients.
    pub const HOME: &str = "/provider";

    /// One assigned patient's page.
    pub fn patient(id: i64) -> String {
        format!("{HOME}/patients/{id}")
    }
}

/// The clinic-admin portal.
pub mod clinic {
    pub const HOME: &str = "/clinic";
    pub const STAFF: &str = "/clinic/staff";
    pub const ROLES: &str = "/clinic/roles";
    pub const PATIENTS: &str = "/clinic/patients";
    pub const ENROLMENT: &str = "/clinic/patients/enrol";
    pub const REMINDERS: &str = "/clinic/reminders";
    pub const PROTOCOLS: &str = "/clinic/protocols";
    pub const AUDIT_LOG: &str = "/clinic/audit";
    pub const SETTINGS: &str = "/clinic/settings";

    /// One of the clinic's own roles.
    pub fn role(id: i64) -> String {
        format!("{ROLES}/{id}")
    }

    /// One of the clinic's protocols.
    pub fn protocol(id: i64) -> String {
        format!("{PROTOCOLS}/{id}")
    }
}

/// The super admins' portal.
pub mod platform {
    pub const HOME: &str = "/platform";
    pub const CLINICS: &str = "/platform/clinics";
    pub const PLANS: &str = "/platform/plans";
    pub const PROTOCOLS: &str = "/platform/protocols";
    pub const TOPICS: &str = "/platform/topics";
    pub const TIPS: &str = "/platform/tips";
    pub const POLICY: &str = "/platform/policy";
    pub const AUDIT_LOG: &str = "/platform/audit";
    pub const ADMINS: &str = "/platform/admins";

    /// One clinic's page.
    pub fn clinic(id: i64) -> String {
        format!("{CLINICS}/{id}")
    }

    /// One plan's page.
    pub fn plan(code: &str) -> String {
        format!("{PLANS}/{code}")
    }

    /// One protocol template's page.
    pub fn protocol(id: i64) -> String {
        format!("{PROTOCOLS}/{id}")
    }

    /// One health topic's editing page.
    pub fn topic(id: i64) -> String {
        format!("{TOPICS}/{id}")
    }
}

/// The development mailbox: what the embedded mail transport "sent" (404 unless the demo's own
/// command turns it on).
pub mod dev {
    pub const MAILBOX: &str = "/dev/mailbox";
}

/// A page's address on the public site carrying a one-time `token` (a link in an email).
pub fn link_with_token(public_url: &str, page: &str, token: &str) -> String {
    format!("{}{page}?token={token}", public_url.trim_end_matches('/'))
}

/// Where a form that did `done` lands: its page, which says so (`LandingNotice`).
pub fn landing(page: &str, done: &str) -> String {
    format!("{page}?done={done}")
}

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

    /// Every constant here is a route the router declares, every route it declares without a
    /// parameter has a constant here, and the helpers build declared routes.
    #[test]
    fn every_address_is_a_declared_route() {
        let declared: Vec<&str> = include_str!("lib.rs")
            .split("path!(\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .collect();
        assert!(
            declared.len() > 40,
            "the router's paths are read: {declared:?}"
        );
        let matches = |path: &str| {
            declared.iter().any(|route| {
                let (a, b): (Vec<&str>, Vec<&str>) =
                    (route.split('/').collect(), path.split('/').collect());
                a.len() == b.len()
                    && a.iter()
                        .zip(&b)
                        .all(|(r, p)| r == p || (r.starts_with(':') && !p.is_empty()))
            })
        };
        let constants: Vec<&str> = include_str!("routes.rs")
            .lines()
            .filter_map(|line| line.trim().strip_prefix("pub const "))
            .filter_map(|rest| rest.split('"').nth(1))
            .collect();
        for path in &constants {
            assert!(matches(path), "{path} is not a route of the router");
        }
        // Islands spell their links as literals (a constant would make the attribute dynamic
        // and grow the bundle): each must still be a route.
        for file in [include_str!("pages/account/auth.rs")] {
            for literal in file
                .split("href=\"")
                .skip(1)
                .filter_map(|r| r.split('"').next())
            {
                assert!(
                    matches(literal),
                    "href=\"{literal}\" is not a route of the router"
                );
            }
        }
        for route in declared.iter().filter(|r| !r.contains(':')) {
            assert!(
                constants.contains(route),
                "{route} has no constant in routes.rs"
            );
        }
        for built in [
            super::public::topic("flu"),
            super::public::policy_version("2026-11-01"),
            super::provider::patient(7),
            super::clinic::role(7),
            super::clinic::protocol(7),
            super::platform::clinic(7),
            super::platform::plan("basic"),
            super::platform::protocol(7),
            super::platform::topic(7),
        ] {
            assert!(matches(&built), "{built} is not a route of the router");
        }
    }
}
