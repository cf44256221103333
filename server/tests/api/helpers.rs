//! Spawns the real application on a free port against a fresh database of its own:
//! a SQLite file in a temporary folder, or a uniquely named PostgreSQL database that is
//! dropped when the test ends (pass or fail).
use std::net::SocketAddr;
use std::time::Duration;

use reqwest::{Client, Response, StatusCode};
use salus_app::error::AppError;
use salus_app::server::state::{Clock, Settings};
use salus_server::config::{Config, LogFormat, MailTransport};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde::de::DeserializeOwned;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

use super::test_databases::{self, database_url_for, postgres_admin_url};

struct PostgresDatabase {
    name: String,
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        // Drop runs outside any async context we can rely on; use a runtime of our own.
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                if let Ok(admin) = Database::connect(postgres_admin_url()).await {
                    let _ = admin
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await;
                }
            });
        })
        .join();
    }
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: Client,
    /// The database as the PostgreSQL admin, a superuser that row-level security does not hold,
    /// for arranging and inspecting what a test needs (on SQLite, the server's own pool).
    pub db: DatabaseConnection,
    /// The server's pool: on PostgreSQL, the application role that row-level security holds.
    pub app_db: DatabaseConnection,
    /// The server's clock: it stands still until the test moves it.
    pub clock: Clock,
    /// The authenticator app of each account that set one up through `sign_in_with`: its
    /// secret and the last time step a code was sent for.
    pub authenticators: std::sync::Mutex<std::collections::HashMap<String, Authenticator>>,
    /// The audit chain's key, as the server loaded it.
    pub audit_key: salus_app::server::audit::AuditKey,
    pub mailbox: std::path::PathBuf,
    /// What the server was started with, for a worker's state of its own (`worker_state`).
    pub config: Config,
    /// The server's `DATABASE_URL`, and the owner's where it differs (PostgreSQL).
    database_url: String,
    owner_url: Option<String>,
    _dir: crate::temp_dir::TempDir,
    _pg: Option<PostgresDatabase>,
}

pub const DEMO_PASSWORD: &str = salus_app::server::services::seed::DEMO_PASSWORD;
pub const DAVID: &str = "david@example.com";
pub const PROVIDER: &str = "sarah.chen@example.com";
pub const CLINIC_ADMIN: &str = "maria.lopez@example.com";
pub const SUPER_ADMIN: &str = "admin@example.com";
/// The SMS gateway token the worker's state is given (`worker_state_with`): what status
/// callbacks are signed with.
pub const SMS_TOKEN: &str = "sms-test-token";

/// Where every test's clock starts: a fixed instant, so dates in tests never depend on the day
/// they run (14:00 UTC is 09:00 in New York and 14:00 in London, the demo's time zones).
pub fn test_start() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-11-23T14:00:00Z")
        .unwrap()
        .to_utc()
}

pub fn client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        // A hung server fails the test, a slow one does not: the tests run on the debug build,
        // and one of them (reminders_crash) keeps three worker processes busy for a minute
        // while the others run.
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap()
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Spawns with the demo data seeded and settings adjusted by `adjust`.
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let dir = crate::temp_dir::TempDir::new();
        let (database_url, owner_url, pg) = match backend {
            Backend::Sqlite => {
                let file = dir.path().join("salus.db");
                std::fs::write(&file, test_databases::sqlite_template().await).unwrap();
                (format!("sqlite://{}?mode=rwc", file.display()), None, None)
            }
            Backend::Postgres => {
                use rand::Rng;
                let name = format!("salus_test_{:016x}", rand::thread_rng().gen::<u64>());
                test_databases::create_postgres_database(&name).await;
                // As in production: the owner (not a superuser) migrates, the application role
                // serves. The test itself arranges and inspects as the admin (`db`).
                let owner_url = database_url_for(&name, Some(test_databases::OWNER_ROLE));
                let app_url = database_url_for(&name, Some(test_databases::APP_ROLE));
                (app_url, Some(owner_url), Some(PostgresDatabase { name }))
            }
        };
        // The key the template's seeded audit chain is signed with.
        test_databases::write_audit_key(&dir.path().join("audit.key"));
        write_built_site(&dir.path().join("site"));
        let mailbox = dir.path().join("mailbox");
        // Bound first, so the public URL (which the cross-origin check compares `Origin` with)
        // is the address the test's requests go to.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut settings = Settings {
            public_url: format!("http://{addr}"),
            ..Settings::default()
        };
        adjust(&mut settings);
        let config = Config {
            database_url: database_url.clone(),
            migration_database_url: owner_url.clone(),
            addr: "127.0.0.1:0".parse().unwrap(),
            site_root: dir.path().join("site").display().to_string(),
            settings,
            mail: MailTransport::Mailbox {
                dir: mailbox.clone(),
            },
            mail_from: "Salus <no-reply@salus.test>".into(),
            // The web app checks the gateway's signed reports with its token; the worker's
            // state (`worker_state_with`) sends through a gateway the test starts.
            sms: Some(salus_server::config::SmsGatewayConfig {
                url: "http://127.0.0.1:9/2010-04-01/Accounts/AC_TEST".into(),
                account: "AC_TEST".into(),
                token: SMS_TOKEN.into(),
                from: "+15550100000".into(),
            }),
            seed_demo: true,
            allow_rls_bypass: false,
            // The tests run the worker's steps themselves, on the clock they control.
            embedded_worker: false,
            audit_key_file: dir.path().join("audit.key"),
            secret_keys_file: dir.path().join("secret-keys.json"),
            log_filter: "warn".into(),
            log_format: LogFormat::Text,
        };
        let clock = Clock::manual(test_start());
        let state = salus_server::build_state(&config, clock.clone())
            .await
            .expect("state");
        let app_db = state.db.clone();
        let db = match &pg {
            Some(pg) => salus_server::db::connect(&database_url_for(&pg.name, None))
                .await
                .unwrap(),
            None => app_db.clone(),
        };
        let audit_key = state.audit_key.clone();
        let app = salus_server::router(state);
        tokio::spawn(async move {
            salus_server::serve(listener, app, std::future::pending())
                .await
                .unwrap();
        });
        TestApp {
            config,
            addr,
            client: client(),
            db,
            app_db,
            clock,
            authenticators: Default::default(),
            audit_key,
            mailbox,
            database_url,
            owner_url,
            _dir: dir,
            _pg: pg,
        }
    }

    /// The state a reminder worker runs with: the server's, sending mail through `smtp_url`.
    pub async fn worker_state(&self, smtp_url: &str) -> salus_app::server::state::AppState {
        self.worker_state_with(smtp_url, None).await
    }

    /// The worker's state sending mail through `smtp_url` and texts through `sms_gateway`
    /// (account `AC_TEST`, token `SMS_TOKEN`, from +15550100000).
    pub async fn worker_state_with(
        &self,
        smtp_url: &str,
        sms_gateway: Option<&str>,
    ) -> salus_app::server::state::AppState {
        let mut config = self.config.clone();
        config.mail = MailTransport::Smtp {
            url: smtp_url.to_owned(),
        };
        config.sms = sms_gateway.map(|url| salus_server::config::SmsGatewayConfig {
            url: url.to_owned(),
            account: "AC_TEST".into(),
            token: SMS_TOKEN.into(),
            from: "+15550100000".into(),
        });
        salus_server::build_state(&config, self.clock.clone())
            .await
            .expect("the worker's state")
    }

    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    pub fn owner_database_url(&self) -> &str {
        self.owner_url.as_deref().unwrap_or(&self.database_url)
    }

    /// The test's own folder: the database file, the key files, the mailbox.
    pub fn dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Posts a form to a server function as a same-origin browser would.
    pub async fn post_with(&self, client: &Client, path: &str, form: &[(&str, &str)]) -> Response {
        client
            .post(self.url(path))
            .header("origin", self.origin())
            .form(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.post_with(&self.client, path, form).await
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// Signs in as a person would: the password, then, when the answer asks for it, a code
    /// from the account's authenticator app (set up first, through the enrolment pages'
    /// server functions, in a browser of its own, the first time a staff member signs in).
    /// Answers the last response: the password's, or the code's.
    pub async fn sign_in_with(&self, client: &Client, email: &str, password: &str) -> Response {
        let response = self.password_step(client, email, password).await;
        if response.status() != StatusCode::OK {
            return response;
        }
        let cookies = response.headers().clone();
        let body = response.text().await.unwrap();
        let destination: String = serde_json::from_str(&body).unwrap_or_default();
        if destination.starts_with("/signin/enrol") {
            self.enrol(client, email).await;
            // Signed in by the enrolment; sign in again the way every later time goes.
            let again = self.password_step(client, email, password).await;
            assert_eq!(again.status(), StatusCode::OK);
            return self.code_step(client, email).await;
        }
        if destination.starts_with("/signin/code") && self.authenticator(email).is_some() {
            return self.code_step(client, email).await;
        }
        let mut rebuilt = http::Response::builder().status(StatusCode::OK);
        for (name, value) in cookies.iter() {
            rebuilt = rebuilt.header(name, value);
        }
        Response::from(rebuilt.body(body).unwrap())
    }

    /// The password form alone.
    pub async fn password_step(&self, client: &Client, email: &str, password: &str) -> Response {
        self.post_with(
            client,
            "/api/auth/sign_in",
            &[("email", email), ("password", password)],
        )
        .await
    }

    pub fn authenticator(&self, email: &str) -> Option<Authenticator> {
        self.authenticators.lock().unwrap().get(email).cloned()
    }

    /// A code from the account's authenticator for a time step no code was sent for yet: now,
    /// or the next step (accepted as clock skew), or else the clock moves on a step.
    pub fn next_code(&self, email: &str) -> String {
        let mut authenticators = self.authenticators.lock().unwrap();
        let app = authenticators.get_mut(email).expect("an authenticator");
        let now_step = self.clock.now().timestamp() / 30;
        let step = match app.last_step {
            Some(last) if last >= now_step + 1 => {
                self.clock.advance(chrono::Duration::seconds(30));
                last + 1
            }
            Some(last) if last >= now_step => last + 1,
            _ => now_step,
        };
        app.last_step = Some(step);
        app.code_at_step(step)
    }

    /// Sets up an authenticator for a staff member half signed in, in a browser of its own.
    async fn enrol(&self, client: &Client, email: &str) {
        let enrolment: salus_app::model::account::Enrolment =
            ok_json(self.post_with(client, "/api/mfa/enrolment", &[]).await).await;
        let app = Authenticator::from_shown_secret(&enrolment.secret);
        self.authenticators
            .lock()
            .unwrap()
            .insert(email.to_owned(), app);
        let code = self.next_code(email);
        let response = self
            .post_with(client, "/api/mfa/confirm", &[("code", &code)])
            .await;
        assert_eq!(response.status(), StatusCode::OK, "enrolment of {email}");
    }

    async fn code_step(&self, client: &Client, email: &str) -> Response {
        let code = self.next_code(email);
        self.post_with(client, "/api/auth/verify_code", &[("code", &code)])
            .await
    }

    /// Signs in and insists it worked.
    pub async fn sign_in(&self, email: &str, password: &str) {
        let response = self.sign_in_with(&self.client, email, password).await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "sign-in of {email} failed: {}",
            response.text().await.unwrap()
        );
    }

    pub async fn register(&self, client: &Client, name: &str, email: &str) -> Response {
        self.post_with(
            client,
            "/api/auth/register",
            &[
                ("name", name),
                ("email", email),
                ("password", "correct horse battery"),
                ("clinic_code", "SUNRISE"),
                ("consent", "on"),
                ("time_zone", "Europe/London"),
            ],
        )
        .await
    }
}

/// An authenticator app: the secret it was given, and the last step it made a code for.
#[derive(Debug, Clone)]
pub struct Authenticator {
    pub secret: Vec<u8>,
    pub last_step: Option<i64>,
}

impl Authenticator {
    /// From the secret as the enrolment page shows it (base32 in groups of four).
    pub fn from_shown_secret(shown: &str) -> Self {
        let encoded: String = shown.chars().filter(|c| !c.is_whitespace()).collect();
        let secret = totp_rs::Secret::Encoded(encoded)
            .to_bytes()
            .expect("a base32 secret");
        Authenticator {
            secret,
            last_step: None,
        }
    }

    /// The code for a time step, as an authenticator app computes it (totp-rs, RFC 6238).
    pub fn code_at_step(&self, step: i64) -> String {
        totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, 6, 1, 30, self.secret.clone())
            .generate(step as u64 * 30)
    }
}

/// The id of the user with this email.
/// A browser of its own, signed in as `email` with the demo password.
pub async fn signed_in(app: &TestApp, email: &str) -> Client {
    let c = client();
    app.sign_in_with(&c, email, DEMO_PASSWORD).await;
    c
}

/// The profile form as the page posts it for the patient signed in on `client`: each field as
/// saved, each ticked box as `on`.
pub async fn profile_form(app: &TestApp, client: &Client) -> Vec<(&'static str, String)> {
    let profile: salus_app::model::patient::Profile =
        ok_json(app.post_with(client, "/api/patient/profile", &[]).await).await;
    let mut form = vec![
        ("name", profile.name),
        (
            "date_of_birth",
            profile
                .date_of_birth
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ),
        (
            "sex",
            profile
                .sex
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
        ),
        ("phone", profile.phone.unwrap_or_default()),
        ("time_zone", profile.time_zone),
        ("preferred_language", profile.preferred_language),
        ("quiet_hours_start", profile.quiet_hours_start),
        ("quiet_hours_end", profile.quiet_hours_end),
        ("goal_nudge_at", profile.goal_nudge_at),
    ];
    for (ticked, name) in [
        (profile.email_reminders, "email_reminders"),
        (profile.sms_reminders, "sms_reminders"),
        (profile.goal_nudges, "goal_nudges"),
    ] {
        if ticked {
            form.push((name, "on".to_owned()));
        }
    }
    form
}

/// Posts `form` (as `profile_form` gives it, changed) to save the profile.
pub async fn save_profile(
    app: &TestApp,
    client: &Client,
    form: &[(&'static str, String)],
) -> Response {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.post_with(client, "/api/patient/update_profile", &pairs)
        .await
}

pub async fn user_id(app: &TestApp, email: &str) -> i64 {
    use salus_app::server::entities::users;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    users::Entity::find()
        .filter(users::Column::Email.eq(email))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no user {email}"))
        .id
}

/// Reads a successful JSON answer, failing the test with the body otherwise.
pub async fn ok_json<T: DeserializeOwned>(response: Response) -> T {
    let status = response.status();
    let body = response.text().await.unwrap();
    assert!(
        status.is_success(),
        "expected success, got {status}: {body}"
    );
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("unexpected body {body}: {e}"))
}

/// Reads an error answer: its status and the typed error.
pub async fn err_json(response: Response) -> (StatusCode, AppError) {
    let status = response.status();
    let body = response.text().await.unwrap();
    assert!(
        !status.is_success(),
        "expected an error, got {status}: {body}"
    );
    (
        status,
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("unexpected body {body}: {e}")),
    )
}

/// The value of the session cookie the last response set, if any.
pub fn session_cookie(response: &Response) -> Option<String> {
    response
        .cookies()
        .find(|c| c.name() == "salus_session")
        .map(|c| c.value().to_owned())
}

/// Generates one test per backend for each named async test function taking a `Backend`.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name($crate::helpers::Backend::Sqlite).await } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name($crate::helpers::Backend::Postgres).await } )*
        }
    };
}

/// A second clinic for tenancy tests: its own protocols and provider, and an existing patient
/// (of the demo clinic) enrolled in it too and assigned to that provider.
pub struct SecondClinic {
    pub id: i64,
    pub provider_email: &'static str,
}

pub const SECOND_PROVIDER: &str = "omar.haddad@example.org";

/// Creates clinic "Harbour Health" with a provider who signs in with the demo password, and
/// enrols `patient_email` in it as a patient of that provider. Care items and compliance are
/// applied as at enrolment.
pub async fn second_clinic(app: &TestApp, patient_email: &str) -> SecondClinic {
    use salus_app::model::Role;
    use salus_app::server::care::{compliance, items, protocols};
    use salus_app::server::entities::{clinics, consents, provider_assignments, users};
    use salus_app::server::services::account::auth::add_membership;
    use salus_app::server::services::account::password::{self, Password};
    use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

    let now = app.clock.now();
    let db = &app.db;
    let clinic = clinics::Entity::insert(clinics::ActiveModel {
        code: Set("HARBOUR".into()),
        name: Set("Harbour Health".into()),
        time_zone: Set("Europe/London".into()),
        plan: Set("standard".into()),
        status: Set(salus_app::model::platform::ClinicStatus::Active),
        created_at: Set(now),
        ..Default::default()
    })
    .exec(db)
    .await
    .unwrap()
    .last_insert_id;
    protocols::adopt_templates(db, clinic, now).await.unwrap();
    let hash = password::hash(Password::new(DEMO_PASSWORD.into()))
        .await
        .unwrap();
    let provider = users::Entity::insert(users::ActiveModel {
        email: Set(SECOND_PROVIDER.into()),
        password_hash: Set(hash),
        display_name: Set("Dr. Omar Haddad".into()),
        is_super_admin: Set(false),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(db)
    .await
    .unwrap()
    .last_insert_id;
    add_membership(db, provider, clinic, Role::Provider, None, now)
        .await
        .unwrap();
    let patient = users::Entity::find()
        .filter(users::Column::Email.eq(patient_email))
        .one(db)
        .await
        .unwrap()
        .expect("the patient exists")
        .id;
    add_membership(db, patient, clinic, Role::Patient, None, now)
        .await
        .unwrap();
    // Joining a clinic records consent to the policy in force, as every enrolment does.
    consents::Entity::insert(consents::ActiveModel {
        patient_id: Set(patient),
        clinic_id: Set(Some(clinic)),
        kind: Set(salus_app::model::account::ConsentKind::DataUse),
        policy_version: Set(
            salus_app::server::services::public::content::current_policy_version(db)
                .await
                .unwrap(),
        ),
        granted_at: Set(now),
        ..Default::default()
    })
    .exec(db)
    .await
    .unwrap();
    provider_assignments::Entity::insert(provider_assignments::ActiveModel {
        clinic_id: Set(clinic),
        provider_id: Set(provider),
        patient_id: Set(patient),
        created_at: Set(now),
        ..Default::default()
    })
    .exec(db)
    .await
    .unwrap();
    let today = items::patient_today(db, patient, now).await.unwrap();
    items::sync_patient(db, clinic, patient, today, now)
        .await
        .unwrap();
    compliance::refresh(db, clinic, patient, now).await.unwrap();
    SecondClinic {
        id: clinic,
        provider_email: SECOND_PROVIDER,
    }
}

/// The name a release build would give the bundle; `write_built_site` uses it.
pub const BUNDLE_NAME: &str = "salus-0123456789abcdef";

/// What `scripts/site.sh` leaves in `pkg/` for a release: the bundle under its content-hashed
/// name, a brotli copy of it, and the file naming it. The copy's bytes differ from the
/// original's, so a test can tell which one was served.
fn write_built_site(root: &std::path::Path) {
    let pkg = root.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("bundle-name"), format!("{BUNDLE_NAME}\n")).unwrap();
    std::fs::write(pkg.join(format!("{BUNDLE_NAME}.wasm")), b"\0asm plain").unwrap();
    std::fs::write(pkg.join(format!("{BUNDLE_NAME}.wasm.br")), b"brotli copy").unwrap();
    std::fs::write(pkg.join(format!("{BUNDLE_NAME}.css")), b"body{}").unwrap();
}

/// The latest mail to `to` whose subject contains `subject`, once it is in the mailbox (mail is
/// sent in the background).
pub async fn mail_to(app: &TestApp, to: &str, subject: &str) -> salus_app::model::MailboxMessage {
    for _ in 0..100 {
        let found = salus_app::server::mail::read_mailbox(&app.mailbox)
            .unwrap_or_default()
            .into_iter()
            // Newest first.
            .find(|m| m.to == to && m.subject.contains(subject));
        if let Some(message) = found {
            return message;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no mail to {to} about {subject:?} arrived");
}

/// How many mails to `to` are in the mailbox now.
pub fn mails_to(app: &TestApp, to: &str) -> usize {
    salus_app::server::mail::read_mailbox(&app.mailbox)
        .unwrap_or_default()
        .iter()
        .filter(|m| m.to == to)
        .count()
}

pub const SECOND_ADMIN: &str = "nadia.khan@example.org";

/// A clinic admin of `clinic` who signs in with the demo password.
pub async fn clinic_admin_of(app: &TestApp, clinic: i64, email: &str) -> i64 {
    use salus_app::model::Role;
    use salus_app::server::entities::users;
    use salus_app::server::services::account::auth::add_membership;
    use salus_app::server::services::account::password::{self, Password};
    use sea_orm::{ActiveValue::Set, EntityTrait};
    let now = app.clock.now();
    let hash = password::hash(Password::new(DEMO_PASSWORD.into()))
        .await
        .unwrap();
    let user = users::Entity::insert(users::ActiveModel {
        email: Set(email.into()),
        password_hash: Set(hash),
        display_name: Set("Nadia Khan".into()),
        is_super_admin: Set(false),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(&app.db)
    .await
    .unwrap()
    .last_insert_id;
    add_membership(&app.db, user, clinic, Role::ClinicAdmin, None, now)
        .await
        .unwrap();
    user
}

/// The id of the demo clinic, Sunrise.
pub async fn sunrise(app: &TestApp) -> i64 {
    use salus_app::server::entities::clinics;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    clinics::Entity::find()
        .filter(clinics::Column::Name.eq("Sunrise Wellness Clinic"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the demo clinic")
        .id
}

/// Runs `sql` as the database's owner in a transaction marked as platform work, as changes to a
/// clinic's plan, status or seats must be (on PostgreSQL a trigger refuses them otherwise).
pub async fn as_platform(app: &TestApp, sql: &str) {
    use sea_orm::TransactionTrait;
    let txn = app.db.begin().await.unwrap();
    if app.db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        txn.execute_unprepared("SELECT set_config('app.role', 'platform', true)")
            .await
            .unwrap();
    }
    txn.execute_unprepared(sql).await.unwrap();
    txn.commit().await.unwrap();
}

/// The clinic permissions a built-in staff role holds (`app.permissions`, as its role stores
/// them), written out here rather than read from the code under test.
pub fn permissions_of(role: &str) -> &'static str {
    match role {
        "clinic_admin" => {
            "patients.manage staff.manage protocols.manage clinic.settings audit.read"
        }
        "provider" => "patient.read care_item.complete",
        _ => "",
    }
}

/// A PostgreSQL transaction of the application role acting as `role` in `clinic`, holding the
/// permissions of that built-in role, with the settings `db_context` sets written out.
pub async fn app_txn_as(app: &TestApp, role: &str, clinic: i64) -> sea_orm::DatabaseTransaction {
    use sea_orm::{DatabaseBackend, Statement, TransactionTrait};
    let txn = app.app_db.begin().await.unwrap();
    txn.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "SELECT set_config('app.role', $1, true), set_config('app.clinic_id', $2, true), \
         set_config('app.permissions', $3, true)",
        [
            role.into(),
            clinic.to_string().into(),
            permissions_of(role).into(),
        ],
    ))
    .await
    .unwrap();
    txn
}

/// The resource of the latest audit event with `action`.
pub async fn last_resource(app: &TestApp, action: &str) -> String {
    use salus_app::server::entities::audit_events;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq(action))
        .order_by_desc(audit_events::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no {action} event"))
        .resource
        .unwrap_or_default()
}
