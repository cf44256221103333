//! The Salus server: configuration, database start-up, the axum router and its middleware.
//! Business rules live in `salus_app::server`; this crate wires them to HTTP.
pub mod assets;
pub mod callbacks;
pub mod config;
pub mod db;
pub mod exports;
pub mod imports;
pub mod middleware;
pub mod refused_forms;

use std::sync::Arc;

use axum::http::{header, HeaderName, HeaderValue};
use axum::Router;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use salus_app::model::clinic::AuditQuery;
use salus_app::model::platform::PlatformAuditQuery;
use salus_app::server::mail::{MailboxMailer, Mailer, SmtpMailer};
use salus_app::server::reminders::{delivery_reports, unsubscribe};
use salus_app::server::session_store::SeaOrmSessionStore;
use salus_app::server::sms::{HttpSmsGateway, SmsGateway};
use salus_app::server::state::{AppState, Clock};
use salus_app::{shell, App};
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_http::LatencyUnit;
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};

use config::{Config, MailTransport};

/// Builds the shared state: database pool (migrated), mail transport, clock.
pub async fn build_state(config: &Config, clock: Clock) -> Result<AppState, StartupError> {
    db::migrate_url(config.migration_url()).await?;
    let db = db::connect(&config.database_url).await?;
    refuse_rls_bypass(&db, config.allow_rls_bypass).await?;
    let mailer: Arc<dyn Mailer> = match &config.mail {
        MailTransport::Mailbox { dir } => Arc::new(MailboxMailer::new(dir.clone())),
        MailTransport::Smtp { url } => Arc::new(
            SmtpMailer::new(url, &config.mail_from)
                .map_err(|e| StartupError(format!("mail: {e}")))?,
        ),
    };
    let sms = match &config.sms {
        None => None,
        Some(gateway) => {
            let gateway = HttpSmsGateway::new(
                &gateway.url,
                &gateway.account,
                &gateway.token,
                &gateway.from,
            )
            .map_err(|e| StartupError(format!("SMS gateway: {e}")))?;
            Some(Arc::new(gateway) as Arc<dyn SmsGateway>)
        }
    };
    let leptos_options = LeptosOptions::builder()
        .output_name(assets::bundle_name(&config.site_root))
        .site_root(config.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(config.addr)
        .build();
    let audit_key = salus_app::server::audit::AuditKey::load_or_create(&config.audit_key_file)
        .map_err(StartupError)?;
    let secret_keys =
        salus_app::server::secret_box::SecretKeys::load_or_create(&config.secret_keys_file)
            .map_err(StartupError)?;
    Ok(AppState {
        db,
        settings: Arc::new(config.settings.clone()),
        audit_key,
        secret_keys: Arc::new(secret_keys),
        mailer,
        sms,
        clock,
        leptos_options,
        reminder_counters: Default::default(),
        reminder_wakeup: Default::default(),
    })
}

/// Refuses to serve as a PostgreSQL role that row-level security does not hold, unless
/// `SALUS_ALLOW_RLS_BYPASS` says so; then warns, at every start.
async fn refuse_rls_bypass(
    db: &sea_orm::DatabaseConnection,
    allowed: bool,
) -> Result<(), StartupError> {
    let Some(role) = db::rls_bypassing_role(db).await? else {
        return Ok(());
    };
    let why = format!(
        "DATABASE_URL connects as {role}, a superuser or BYPASSRLS role, so row-level security \
         would be off for every request"
    );
    if !allowed {
        return Err(StartupError(format!(
            "{why}; serve as the application role (`salus db create-app-role`, README \
             \"Running on PostgreSQL\"), or set SALUS_ALLOW_RLS_BYPASS=true for a throwaway local database"
        )));
    }
    tracing::warn!(%role, "row-level security is off: SALUS_ALLOW_RLS_BYPASS=true and the role bypasses it");
    eprintln!("warning: {why} (SALUS_ALLOW_RLS_BYPASS=true); never do this with real patient data");
    Ok(())
}

const REQUEST_ID: HeaderName =
    HeaderName::from_static(salus_app::server::request::REQUEST_ID_HEADER);

/// The app's pages, listed once per process. Listing them renders the app with every resource's
/// load switched off by a flag that is global to the process (leptos_server's
/// `SuppressResourceLoad`): a page rendered on another thread meanwhile would wait for ever on a
/// resource that never loads. Listing once, before anything serves, leaves no such moment; the
/// integration tests build a router per test while other tests' servers are rendering.
fn route_list() -> &'static [leptos_axum::AxumRouteListing] {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App))
}

/// The whole application: pages, server functions, static files, health checks, middleware.
pub fn router(state: AppState) -> Router {
    let routes = route_list().to_vec();
    let context_state = state.clone();
    let provide_state = move || provide_context(context_state.clone());
    let fallback_state = state.clone();
    let settings = state.settings.clone();

    let cookie_name = if settings.secure_cookies {
        "__Host-salus_session"
    } else {
        "salus_session"
    };
    let idle =
        tower_sessions::cookie::time::Duration::seconds(settings.session_idle.as_secs() as i64);
    let store =
        SeaOrmSessionStore::new(state.db.clone(), state.clock.clone(), settings.session_idle);
    let sessions = SessionManagerLayer::new(store)
        .with_name(cookie_name)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(settings.secure_cookies)
        .with_path("/")
        // Every request offers the session to the store, which moves the stored expiry (and so
        // enforces the idle timeout by the server's record, not the browser's cookie) when it is
        // more than a minute behind, and writes nothing otherwise.
        .with_always_save(true)
        .with_expiry(Expiry::OnInactivity(idle));

    let mut app = Router::new()
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .route("/readyz", axum::routing::get(middleware::readyz))
        .route("/metrics", axum::routing::get(middleware::metrics))
        .route(
            "/api/clinic/audit_log.csv",
            axum::routing::get(exports::audit_log_csv::<AuditQuery>),
        )
        .route(
            "/api/platform/audit_log.csv",
            axum::routing::get(exports::audit_log_csv::<PlatformAuditQuery>),
        )
        .route(
            &format!("{}/{{clinic}}", delivery_reports::STATUS_PATH),
            axum::routing::post(callbacks::sms_status),
        )
        .route(
            unsubscribe::ONE_CLICK,
            axum::routing::post(callbacks::one_click_unsubscribe).get(callbacks::one_click_page),
        )
        .route(
            imports::PATIENT_IMPORT,
            axum::routing::post(imports::patient_import).layer(imports::patient_import_limit()),
        )
        .nest_service("/pkg", assets::service(&state.leptos_options.site_root))
        .leptos_routes_with_context(&state, routes, provide_state.clone(), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(
            move || provide_context(fallback_state.clone()), shell
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::guard_portals,
        ))
        .layer(axum::middleware::from_fn(middleware::refuse_nul_characters))
        .layer(axum::middleware::from_fn_with_state(
            settings.clone(),
            middleware::refuse_cross_origin,
        ))
        .layer(axum::middleware::from_fn(middleware::plain_form_posts))
        .layer(sessions)
        .layer(axum::middleware::from_fn(middleware::cache_control));
    for (name, value) in middleware::SECURITY_HEADERS {
        app = app.layer(SetResponseHeaderLayer::overriding(
            name,
            HeaderValue::from_static(value),
        ));
    }
    let policy = salus_app::server::request::content_security_policy(None);
    app = app.layer(SetResponseHeaderLayer::if_not_present(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_str(&policy).expect("the policy is a valid header value"),
    ));
    if settings.secure_cookies {
        app = app.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(middleware::STRICT_TRANSPORT_SECURITY),
        ));
    }
    // Outermost first, as a request meets them: compression; the client's address, and
    // removing a request id nobody trusts; a fresh id where none is left; the request's log
    // span (with the id) and its outcome line; the id echoed in the response.
    app.layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(middleware::request_span)
                .on_request(())
                .on_response(
                    DefaultOnResponse::new()
                        .level(tracing::Level::INFO)
                        .latency_unit(LatencyUnit::Millis),
                ),
        )
        .layer(SetRequestIdLayer::new(
            REQUEST_ID,
            middleware::RandomRequestId,
        ))
        .layer(axum::middleware::from_fn_with_state(
            settings,
            middleware::client_context,
        ))
        // Brotli where the browser accepts it, gzip otherwise: pages, server functions' JSON,
        // the stylesheet and the WASM bundle (tower-http skips tiny bodies and images).
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(state)
}

/// Serves `app` on `listener` until `shutdown` completes. Every accepted connection gets
/// `TCP_NODELAY`: a response written in several chunks would otherwise wait for the client's
/// delayed acknowledgement (up to 40 ms) on a kept-alive connection (Nagle's algorithm).
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!(error = %e, "could not set TCP_NODELAY on a connection");
        }
    });
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Periodically deletes expired sessions.
pub fn spawn_session_cleanup(state: &AppState) {
    let store = SeaOrmSessionStore::new(
        state.db.clone(),
        state.clock.clone(),
        state.settings.session_idle,
    );
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(300));
        loop {
            tick.tick().await;
            if let Err(e) = store.delete_expired().await {
                tracing::warn!(error = %e, "expired session cleanup failed");
            }
        }
    });
}

/// Keeps care-item statuses and compliance in step with the calendar: every hour, every
/// clinic's statuses and compliance snapshot are refreshed for the patients' local day. Every
/// process tries every five minutes; the lease (`task_lease`) lets one of them run it per hour,
/// and that process tries the clinics that failed again at each of its five-minute ticks until
/// the hour is up.
pub fn spawn_care_refresh(state: &AppState) {
    let (db, clock, audit_key) = (
        state.db.clone(),
        state.clock.clone(),
        state.audit_key.clone(),
    );
    let holder = salus_app::server::reminders::worker::worker_id();
    tokio::spawn(async move {
        use salus_app::server::care;
        // What this process's turn still owes: nothing, every clinic (the run failed before
        // it listed them), or the clinics whose refresh failed.
        enum Owed {
            Nothing,
            Everything,
            Clinics(Vec<i64>),
        }
        let mut owed = Owed::Nothing;
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(300));
        loop {
            tick.tick().await;
            let now = clock.now();
            match salus_app::server::task_lease::take(
                &db,
                "care_refresh",
                &holder,
                now,
                chrono::Duration::hours(1),
            )
            .await
            {
                Ok(true) => owed = Owed::Everything,
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "could not take the care refresh's turn");
                    continue;
                }
            }
            owed = match owed {
                Owed::Nothing => Owed::Nothing,
                Owed::Everything => match care::refresh_all_clinics(&db, &audit_key, now).await {
                    Ok(done) => {
                        tracing::info!(
                            statuses_changed = done.statuses_changed,
                            patients_refreshed = done.patients_refreshed,
                            clinics_failed = done.failed.len(),
                            "care refresh"
                        );
                        Owed::Clinics(done.failed)
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "care refresh failed; tried again in five minutes");
                        Owed::Everything
                    }
                },
                Owed::Clinics(clinics) if clinics.is_empty() => Owed::Nothing,
                Owed::Clinics(clinics) => {
                    let again = care::refresh_clinics(&db, &clinics, now).await;
                    tracing::info!(
                        clinics_retried = clinics.len(),
                        still_failing = again.failed.len(),
                        "care refresh retried"
                    );
                    Owed::Clinics(again.failed)
                }
            };
        }
    });
}

/// Resumes the protocol re-applications a stopped server left running (`care::resync_job`).
pub fn resume_protocol_resyncs(state: &AppState) {
    let (db, clock, audit_key) = (
        state.db.clone(),
        state.clock.clone(),
        state.audit_key.clone(),
    );
    tokio::spawn(async move {
        use salus_app::server::care::resync_job;
        match resync_job::resume_unfinished(&db, &audit_key, &clock).await {
            Ok(0) => {}
            Ok(resumed) => tracing::info!(resumed, "protocol resyncs resumed"),
            Err(e) => tracing::warn!(error = %e, "could not resume protocol resyncs"),
        }
    });
}

/// Why the server could not start; printed as one line.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StartupError(pub String);

impl From<sea_orm::DbErr> for StartupError {
    fn from(e: sea_orm::DbErr) -> Self {
        StartupError(format!("database: {e}"))
    }
}
