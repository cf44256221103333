//! Configuration: one typed struct read from the environment once at start-up and validated,
//! so a bad value stops the server with one line naming the variable.
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use salus_app::server::request::IpRange;
use salus_app::server::state::Settings;

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {var} {problem}")]
pub struct ConfigError {
    pub var: &'static str,
    pub problem: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailTransport {
    /// Writes messages to a local directory (the embedded default).
    Mailbox { dir: PathBuf },
    /// Sends through an SMTP server.
    Smtp { url: String },
}

/// The SMS gateway (Twilio's Messages API shape), when text reminders are to go out.
#[derive(Clone, PartialEq, Eq)]
pub struct SmsGatewayConfig {
    /// The account's API address; messages are POSTed to `<url>/Messages.json`.
    pub url: String,
    pub account: String,
    pub token: String,
    /// The number (E.164) or sender id texts come from.
    pub from: String,
}

impl std::fmt::Debug for SmsGatewayConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsGatewayConfig")
            .field("url", &redact_url(&self.url))
            .field("account", &self.account)
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// What the application connects as: on PostgreSQL, a role in `salus_application`.
    pub database_url: String,
    /// What migrations run as: the tables' owner. `DATABASE_URL` when unset.
    pub migration_database_url: Option<String>,
    pub addr: SocketAddr,
    pub site_root: String,
    pub settings: Settings,
    pub mail: MailTransport,
    pub mail_from: String,
    /// Without a gateway no text reminder is planned, whatever a clinic's settings say.
    pub sms: Option<SmsGatewayConfig>,
    pub seed_demo: bool,
    /// Whether serving as a PostgreSQL role that bypasses row-level security (a superuser, or
    /// BYPASSRLS) is allowed, for a throwaway local database only (`SALUS_ALLOW_RLS_BYPASS`).
    pub allow_rls_bypass: bool,
    /// Whether `salus serve` runs a reminder worker of its own (`SALUS_WORKER`).
    pub embedded_worker: bool,
    pub audit_key_file: PathBuf,
    pub secret_keys_file: PathBuf,
    pub log_filter: String,
    pub log_format: LogFormat,
}

/// Every variable Salus reads, with its default and meaning (also written to `.env.example`).
pub const VARIABLES: &[(&str, &str, &str)] = &[
    ("DATABASE_URL", "sqlite://data/salus.db?mode=rwc", "sqlite://... (embedded) or postgres://... (production: the application role, see README)"),
    ("SALUS_MIGRATION_DATABASE_URL", "DATABASE_URL", "PostgreSQL as the tables' owner, for migrations and `salus db create-app-role`"),
    ("SALUS_ADDR", "127.0.0.1:3000", "address and port to listen on"),
    ("SALUS_PUBLIC_URL", "http://<SALUS_ADDR>", "the address people reach Salus at; used in email links"),
    ("SALUS_SECURE_COOKIES", "true when SALUS_PUBLIC_URL is https", "mark the session cookie Secure and use the __Host- prefix"),
    ("SALUS_SESSION_IDLE_MINUTES", "15", "sign out after this long without a request"),
    ("SALUS_SESSION_ABSOLUTE_HOURS", "12", "sign out this long after sign-in, active or not"),
    ("SALUS_SIGNIN_MAX_FAILURES_PER_ACCOUNT", "5", "failed sign-ins per account before a pause"),
    ("SALUS_SIGNIN_MAX_FAILURES_PER_ADDRESS", "20", "failed sign-ins per client address before a pause"),
    ("SALUS_SIGNIN_LOCKOUT_MINUTES", "15", "the window failures are counted in, and the pause"),
    ("SALUS_PASSWORD_RESET_MINUTES", "30", "how long a password reset link works"),
    ("SALUS_MAIL_TRANSPORT", "mailbox", "mailbox (local directory) or smtp"),
    ("SALUS_MAILBOX_DIR", "data/mailbox", "where the mailbox transport writes messages"),
    ("SALUS_SMTP_URL", "", "smtps://user:pass@host:465, smtp://host:587 (STARTTLS required), ?tls=opportunistic, ?tls=none for plain SMTP (required for smtp)"),
    ("SALUS_MAIL_FROM", "Salus <no-reply@salus.localhost>", "sender of outgoing email"),
    ("SALUS_SMS_URL", "", "the SMS gateway's account address (Twilio's Messages API shape: https://api.twilio.com/2010-04-01/Accounts/<sid>); without it no text reminders are sent"),
    ("SALUS_SMS_ACCOUNT", "", "the gateway account the basic auth names (Twilio: the account sid; required with SALUS_SMS_URL)"),
    ("SALUS_SMS_TOKEN", "", "the gateway's auth token: basic auth, and the key its status callbacks are signed with (required with SALUS_SMS_URL)"),
    ("SALUS_SMS_FROM", "", "the number texts come from, E.164 such as +15550100000 (required with SALUS_SMS_URL)"),
    ("SALUS_DEV_PAGES", "false", "serve development pages such as /dev/mailbox (refused unless SALUS_ADDR is loopback)"),
    ("SALUS_METRICS_TOKEN", "", "the bearer token /metrics (Prometheus text: reminder counters and queue depth) answers to; without it /metrics is off"),
    ("SALUS_REMINDER_LEASE_SECONDS", "300", "how long a reminder worker's claim on a message holds before another worker takes it over (a worker that died); longer than a batch of 200 takes to send"),
    ("SALUS_WORKER", "on", "on: `salus serve` runs one reminder worker too; off: only `salus worker` processes send reminders"),
    ("SALUS_SEED_DEMO", "false", "seed the demo clinic and accounts (published password) when the database is empty; refused unless SALUS_ADDR is loopback"),
    ("SALUS_ALLOW_RLS_BYPASS", "false", "start even when DATABASE_URL is a PostgreSQL superuser or a BYPASSRLS role, which switches row-level security off (a throwaway local database only; warned at every start)"),
    ("SALUS_ALLOW_PUBLIC_DEMO", "false", "allow SALUS_SEED_DEMO on a non-loopback SALUS_ADDR (the demo accounts' password is published)"),
    ("SALUS_ALLOW_PLAIN_HTTP", "false", "accept an http:// SALUS_PUBLIC_URL on a non-loopback SALUS_ADDR"),
    ("SALUS_TRUSTED_PROXIES", "", "comma-separated addresses or CIDR ranges of reverse proxies whose X-Forwarded-For and X-Request-Id are believed"),
    ("SALUS_AUDIT_KEY_FILE", "data/audit.key", "the audit chain's HMAC key (64 hex characters), created owner-only on first start if missing; keep it off the database host and back it up"),
    ("SALUS_SECRET_KEYS_FILE", "data/secret-keys.json", "the AES-256-GCM keys that seal TOTP secrets in the database, created owner-only on first start if missing; `salus keys rotate` adds a key and re-seals; keep it off the database host and back it up"),
    ("SALUS_LOG", "info", "log filter (tracing EnvFilter syntax)"),
    ("SALUS_LOG_FORMAT", "text", "text or json"),
    ("LEPTOS_SITE_ROOT", "target/site", "where the built front end (pkg/, assets) is served from"),
];

impl Config {
    /// Where migrations run: the owner's URL, or the application's when there is no separate one.
    pub fn migration_url(&self) -> &str {
        self.migration_database_url
            .as_deref()
            .unwrap_or(&self.database_url)
    }

    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup`, so tests can supply their own environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };

        let database_url =
            get("DATABASE_URL").unwrap_or_else(|| "sqlite://data/salus.db?mode=rwc".into());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(ConfigError {
                var: "DATABASE_URL",
                problem: format!(
                    "must start with sqlite:, postgres:// or postgresql:// (got {:?})",
                    redact_url(&database_url)
                ),
            });
        }

        let migration_database_url = get("SALUS_MIGRATION_DATABASE_URL");
        if let Some(url) = &migration_database_url {
            if url.starts_with("sqlite:") != database_url.starts_with("sqlite:") {
                return Err(ConfigError {
                    var: "SALUS_MIGRATION_DATABASE_URL",
                    problem: format!(
                        "must name the same kind of database as DATABASE_URL (got {:?})",
                        redact_url(url)
                    ),
                });
            }
        }

        let addr_text = get("SALUS_ADDR").unwrap_or_else(|| "127.0.0.1:3000".into());
        let addr: SocketAddr = addr_text.parse().map_err(|_| ConfigError {
            var: "SALUS_ADDR",
            problem: format!(
                "must be an IP address and port such as 127.0.0.1:3000 (got {addr_text:?})"
            ),
        })?;

        let public_url = get("SALUS_PUBLIC_URL").unwrap_or_else(|| format!("http://{addr}"));
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(ConfigError {
                var: "SALUS_PUBLIC_URL",
                problem: format!("must start with http:// or https:// (got {public_url:?})"),
            });
        }
        let allow_plain_http = match get("SALUS_ALLOW_PLAIN_HTTP") {
            Some(v) => parse_bool("SALUS_ALLOW_PLAIN_HTTP", &v)?,
            None => false,
        };
        // Session cookies and reset links would cross the network in clear text. TLS usually
        // ends at a proxy, whose public URL is https; anything else must be said explicitly.
        if !addr.ip().is_loopback() && public_url.starts_with("http://") && !allow_plain_http {
            return Err(ConfigError {
                var: "SALUS_PUBLIC_URL",
                problem: format!(
                    "is http:// ({public_url:?}) while SALUS_ADDR ({addr}) is not a loopback address; \
                     serve behind TLS with an https:// public URL, or set SALUS_ALLOW_PLAIN_HTTP=true"
                ),
            });
        }
        let secure_cookies = match get("SALUS_SECURE_COOKIES") {
            Some(v) => parse_bool("SALUS_SECURE_COOKIES", &v)?,
            None => public_url.starts_with("https://"),
        };

        let minutes =
            |var: &'static str, default: u64, max: u64| -> Result<Duration, ConfigError> {
                Ok(Duration::from_secs(
                    60 * parse_range(var, get(var), default, 1, max, "minutes")?,
                ))
            };
        let settings = Settings {
            public_url: public_url.trim_end_matches('/').to_owned(),
            session_idle: minutes("SALUS_SESSION_IDLE_MINUTES", 15, 24 * 60)?,
            session_absolute: Duration::from_secs(
                3600 * parse_range(
                    "SALUS_SESSION_ABSOLUTE_HOURS",
                    get("SALUS_SESSION_ABSOLUTE_HOURS"),
                    12,
                    1,
                    24 * 30,
                    "hours",
                )?,
            ),
            secure_cookies,
            sign_in_max_failures_per_account: parse_range(
                "SALUS_SIGNIN_MAX_FAILURES_PER_ACCOUNT",
                get("SALUS_SIGNIN_MAX_FAILURES_PER_ACCOUNT"),
                5,
                1,
                1000,
                "attempts",
            )? as u32,
            sign_in_max_failures_per_address: parse_range(
                "SALUS_SIGNIN_MAX_FAILURES_PER_ADDRESS",
                get("SALUS_SIGNIN_MAX_FAILURES_PER_ADDRESS"),
                20,
                1,
                100_000,
                "attempts",
            )? as u32,
            sign_in_lockout: minutes("SALUS_SIGNIN_LOCKOUT_MINUTES", 15, 24 * 60)?,
            password_reset_ttl: minutes("SALUS_PASSWORD_RESET_MINUTES", 30, 24 * 60)?,
            dev_pages: false,
            trusted_proxies: match get("SALUS_TRUSTED_PROXIES") {
                None => Vec::new(),
                Some(list) => list
                    .split(',')
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| {
                        IpRange::parse(s).ok_or_else(|| ConfigError {
                            var: "SALUS_TRUSTED_PROXIES",
                            problem: format!(
                                "must be addresses or CIDR ranges separated by commas, such as 10.0.0.0/8,::1 (got {:?})",
                                s.trim()
                            ),
                        })
                    })
                    .collect::<Result<_, _>>()?,
            },
            ..Settings::default()
        };
        if settings.session_absolute < settings.session_idle {
            return Err(ConfigError {
                var: "SALUS_SESSION_ABSOLUTE_HOURS",
                problem: "must be at least as long as SALUS_SESSION_IDLE_MINUTES".into(),
            });
        }

        let transport = get("SALUS_MAIL_TRANSPORT").unwrap_or_else(|| "mailbox".into());
        let mail = match transport.as_str() {
            "mailbox" => MailTransport::Mailbox {
                dir: get("SALUS_MAILBOX_DIR")
                    .unwrap_or_else(|| "data/mailbox".into())
                    .into(),
            },
            "smtp" => {
                let url = get("SALUS_SMTP_URL").ok_or(ConfigError {
                    var: "SALUS_SMTP_URL",
                    problem: "is required when SALUS_MAIL_TRANSPORT=smtp".into(),
                })?;
                if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                    return Err(ConfigError {
                        var: "SALUS_SMTP_URL",
                        problem: format!(
                            "must start with smtp:// or smtps:// (got {:?})",
                            redact_url(&url)
                        ),
                    });
                }
                MailTransport::Smtp { url }
            }
            other => {
                return Err(ConfigError {
                    var: "SALUS_MAIL_TRANSPORT",
                    problem: format!("must be mailbox or smtp (got {other:?})"),
                })
            }
        };
        let sms = sms_gateway(&get)?;
        let reminder_lease = Duration::from_secs(parse_range(
            "SALUS_REMINDER_LEASE_SECONDS",
            get("SALUS_REMINDER_LEASE_SECONDS"),
            300,
            10,
            3600,
            "seconds",
        )?);
        let mail_from =
            get("SALUS_MAIL_FROM").unwrap_or_else(|| "Salus <no-reply@salus.localhost>".into());
        // Development pages show mail, sign-in links included: only when asked, only on loopback.
        let dev_pages = match get("SALUS_DEV_PAGES") {
            Some(v) => parse_bool("SALUS_DEV_PAGES", &v)?,
            None => false,
        };
        if dev_pages && !addr.ip().is_loopback() {
            return Err(ConfigError {
                var: "SALUS_DEV_PAGES",
                problem: format!(
                    "is refused unless SALUS_ADDR is a loopback address (got {addr}): the pages show mail, sign-in links included"
                ),
            });
        }
        // The demo accounts' password is published: only when asked.
        let embedded_worker = match get("SALUS_WORKER") {
            Some(v) => parse_bool("SALUS_WORKER", &v)?,
            None => true,
        };
        let seed_demo = match get("SALUS_SEED_DEMO") {
            Some(v) => parse_bool("SALUS_SEED_DEMO", &v)?,
            None => false,
        };
        let public_demo = match get("SALUS_ALLOW_PUBLIC_DEMO") {
            Some(v) => parse_bool("SALUS_ALLOW_PUBLIC_DEMO", &v)?,
            None => false,
        };
        if seed_demo && !addr.ip().is_loopback() && !public_demo {
            return Err(ConfigError {
                var: "SALUS_SEED_DEMO",
                problem: format!(
                    "is refused unless SALUS_ADDR is a loopback address (got {addr}): the demo accounts' password is published; \
                     set SALUS_ALLOW_PUBLIC_DEMO=true to show the demo on a network on purpose"
                ),
            });
        }
        let allow_rls_bypass = match get("SALUS_ALLOW_RLS_BYPASS") {
            Some(v) => parse_bool("SALUS_ALLOW_RLS_BYPASS", &v)?,
            None => false,
        };
        let log_format = match get("SALUS_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError {
                    var: "SALUS_LOG_FORMAT",
                    problem: format!("must be text or json (got {other:?})"),
                })
            }
        };

        Ok(Config {
            database_url,
            migration_database_url,
            addr,
            site_root: get("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".into()),
            settings: Settings {
                dev_pages,
                metrics_token: get("SALUS_METRICS_TOKEN").filter(|t| !t.trim().is_empty()),
                reminder_lease,
                ..settings
            },
            mail,
            mail_from,
            sms,
            seed_demo,
            allow_rls_bypass,
            embedded_worker,
            audit_key_file: get("SALUS_AUDIT_KEY_FILE")
                .unwrap_or_else(|| "data/audit.key".into())
                .into(),
            secret_keys_file: get("SALUS_SECRET_KEYS_FILE")
                .unwrap_or_else(|| "data/secret-keys.json".into())
                .into(),
            log_filter: get("SALUS_LOG").unwrap_or_else(|| "info".into()),
            log_format,
        })
    }
}

/// The SMS gateway's settings: none without `SALUS_SMS_URL`, all of them with it.
fn sms_gateway(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<Option<SmsGatewayConfig>, ConfigError> {
    let Some(url) = get("SALUS_SMS_URL") else {
        return Ok(None);
    };
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(ConfigError {
            var: "SALUS_SMS_URL",
            problem: format!(
                "must start with https:// or http:// (got {:?})",
                redact_url(&url)
            ),
        });
    }
    let required = |var: &'static str| {
        get(var).ok_or(ConfigError {
            var,
            problem: "is required when SALUS_SMS_URL is set".into(),
        })
    };
    let (account, token) = (required("SALUS_SMS_ACCOUNT")?, required("SALUS_SMS_TOKEN")?);
    let from = required("SALUS_SMS_FROM")?;
    let from = salus_app::server::sms::e164(&from).ok_or_else(|| ConfigError {
        var: "SALUS_SMS_FROM",
        problem: format!("must be a number in E.164 form such as +15550100000 (got {from:?})"),
    })?;
    Ok(Some(SmsGatewayConfig {
        url,
        account,
        token,
        from,
    }))
}

fn parse_bool(var: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ConfigError {
            var,
            problem: format!("must be true or false (got {value:?})"),
        }),
    }
}

fn parse_range(
    var: &'static str,
    value: Option<String>,
    default: u64,
    min: u64,
    max: u64,
    unit: &str,
) -> Result<u64, ConfigError> {
    let Some(value) = value else {
        return Ok(default);
    };
    match value.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(ConfigError {
            var,
            problem: format!(
                "must be a whole number of {unit} from {min} to {max} (got {value:?})"
            ),
        }),
    }
}

/// Hides a password in a URL before it is printed.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_give_the_embedded_setup() {
        let c = config(&[]).unwrap();
        assert!(c.database_url.starts_with("sqlite://"));
        assert_eq!(c.addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.settings.session_idle, Duration::from_secs(900));
        assert_eq!(c.settings.session_absolute, Duration::from_secs(12 * 3600));
        assert!(matches!(c.mail, MailTransport::Mailbox { .. }));
        assert!(!c.settings.secure_cookies);
    }

    #[test]
    fn demo_data_and_dev_pages_only_when_asked() {
        let c = config(&[]).unwrap();
        assert!(!c.seed_demo, "the demo accounts' password is published");
        assert!(!c.settings.dev_pages, "the mailbox page shows reset links");
        let c = config(&[("SALUS_SEED_DEMO", "true"), ("SALUS_DEV_PAGES", "true")]).unwrap();
        assert!(c.seed_demo);
        assert!(c.settings.dev_pages);
    }

    #[test]
    fn the_demo_is_refused_off_loopback_unless_allowed_on_purpose() {
        let public = [
            ("SALUS_ADDR", "0.0.0.0:3000"),
            ("SALUS_PUBLIC_URL", "https://demo.example.org"),
            ("SALUS_SEED_DEMO", "true"),
        ];
        let refused = config(&public).unwrap_err();
        assert_eq!(refused.var, "SALUS_SEED_DEMO");
        assert!(
            refused.problem.contains("SALUS_ALLOW_PUBLIC_DEMO"),
            "{}",
            refused.problem
        );
        let allowed = config(&[public.as_slice(), &[("SALUS_ALLOW_PUBLIC_DEMO", "true")]].concat());
        assert!(allowed.unwrap().seed_demo);
    }

    #[test]
    fn serve_runs_a_reminder_worker_unless_told_not_to() {
        assert!(config(&[]).unwrap().embedded_worker);
        assert!(!config(&[("SALUS_WORKER", "off")]).unwrap().embedded_worker);
        let err = config(&[("SALUS_WORKER", "sometimes")]).unwrap_err();
        assert_eq!(err.var, "SALUS_WORKER");
    }

    #[test]
    fn texts_need_the_whole_gateway_or_none_of_it() {
        assert!(config(&[]).unwrap().sms.is_none());
        let url = (
            "SALUS_SMS_URL",
            "https://api.twilio.com/2010-04-01/Accounts/AC1",
        );
        assert_eq!(config(&[url]).unwrap_err().var, "SALUS_SMS_ACCOUNT");
        let whole = [
            url,
            ("SALUS_SMS_ACCOUNT", "AC1"),
            ("SALUS_SMS_TOKEN", "secret"),
            ("SALUS_SMS_FROM", "+1 555 010 0000"),
        ];
        let sms = config(&whole).unwrap().sms.unwrap();
        assert_eq!(sms.from, "+15550100000");
        assert!(
            !format!("{sms:?}").contains("secret"),
            "the token is not printed"
        );
        let mut local = whole;
        local[3] = ("SALUS_SMS_FROM", "555 0100");
        assert_eq!(config(&local).unwrap_err().var, "SALUS_SMS_FROM");
        local[0] = ("SALUS_SMS_URL", "ftp://gateway");
        assert_eq!(config(&local).unwrap_err().var, "SALUS_SMS_URL");
    }

    #[test]
    fn dev_pages_are_refused_off_loopback() {
        let err = config(&[
            ("SALUS_DEV_PAGES", "true"),
            ("SALUS_ADDR", "0.0.0.0:3000"),
            ("SALUS_PUBLIC_URL", "https://portal.example.org"),
        ])
        .unwrap_err();
        assert_eq!(err.var, "SALUS_DEV_PAGES");
        assert!(config(&[("SALUS_DEV_PAGES", "true"), ("SALUS_ADDR", "[::1]:3000")]).is_ok());
    }

    #[test]
    fn plain_http_off_loopback_needs_an_explicit_yes() {
        let err = config(&[("SALUS_ADDR", "0.0.0.0:3000")]).unwrap_err();
        assert_eq!(err.var, "SALUS_PUBLIC_URL");
        assert!(
            err.to_string().contains("SALUS_ALLOW_PLAIN_HTTP=true"),
            "{err}"
        );
        assert!(config(&[
            ("SALUS_ADDR", "0.0.0.0:3000"),
            ("SALUS_PUBLIC_URL", "https://portal.example.org"),
        ])
        .is_ok());
        assert!(config(&[
            ("SALUS_ADDR", "0.0.0.0:3000"),
            ("SALUS_ALLOW_PLAIN_HTTP", "true"),
        ])
        .is_ok());
    }

    #[test]
    fn a_bad_value_names_the_variable_and_the_problem() {
        let err = config(&[("SALUS_SESSION_IDLE_MINUTES", "soon")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "configuration error: SALUS_SESSION_IDLE_MINUTES must be a whole number of minutes from 1 to 1440 (got \"soon\")"
        );
        assert_eq!(
            config(&[("SALUS_ADDR", "localhost")]).unwrap_err().var,
            "SALUS_ADDR"
        );
        assert_eq!(
            config(&[("DATABASE_URL", "mysql://x")]).unwrap_err().var,
            "DATABASE_URL"
        );
        assert_eq!(
            config(&[("SALUS_MAIL_TRANSPORT", "smtp")]).unwrap_err().var,
            "SALUS_SMTP_URL"
        );
        assert_eq!(
            config(&[("SALUS_SECURE_COOKIES", "maybe")])
                .unwrap_err()
                .var,
            "SALUS_SECURE_COOKIES"
        );
    }

    #[test]
    fn trusted_proxies_are_addresses_or_ranges() {
        let c = config(&[("SALUS_TRUSTED_PROXIES", "10.0.0.0/8, ::1")]).unwrap();
        assert_eq!(c.settings.trusted_proxies.len(), 2);
        assert!(config(&[]).unwrap().settings.trusted_proxies.is_empty());
        let err = config(&[("SALUS_TRUSTED_PROXIES", "10.0.0.0/8,proxy.local")]).unwrap_err();
        assert_eq!(err.var, "SALUS_TRUSTED_PROXIES");
        assert!(err.to_string().contains("proxy.local"), "{err}");
    }

    #[test]
    fn https_public_url_turns_secure_cookies_on() {
        let c = config(&[("SALUS_PUBLIC_URL", "https://portal.example.org/")]).unwrap();
        assert!(c.settings.secure_cookies);
        assert_eq!(c.settings.public_url, "https://portal.example.org");
    }

    #[test]
    fn env_example_lists_every_variable() {
        let example = include_str!("../../.env.example");
        for (name, _, _) in VARIABLES {
            assert!(
                example.lines().any(|l| l.starts_with(&format!("{name}="))),
                "{name} is missing from .env.example"
            );
        }
        assert!(config(&[]).is_ok());
    }

    #[test]
    fn migrations_may_run_as_another_role_of_the_same_database_kind() {
        let c = config(&[
            ("DATABASE_URL", "postgres://salus_web@db/salus"),
            (
                "SALUS_MIGRATION_DATABASE_URL",
                "postgres://salus_owner@db/salus",
            ),
        ])
        .unwrap();
        assert_eq!(c.migration_url(), "postgres://salus_owner@db/salus");
        let c = config(&[("DATABASE_URL", "postgres://salus_web@db/salus")]).unwrap();
        assert_eq!(c.migration_url(), "postgres://salus_web@db/salus");
        let e =
            config(&[("SALUS_MIGRATION_DATABASE_URL", "postgres://owner@db/salus")]).unwrap_err();
        assert_eq!(e.var, "SALUS_MIGRATION_DATABASE_URL");
    }

    #[test]
    fn passwords_in_urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://salus:secret@db/salus"),
            "postgres://salus:***@db/salus"
        );
        assert_eq!(redact_url("sqlite://data/x.db"), "sqlite://data/x.db");
    }
}
