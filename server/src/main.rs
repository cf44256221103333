//! The `salus` command: serve (default), migrate, seed, admin, audit, keys and mailbox.
use std::process::ExitCode;

use std::path::Path;

use clap::{Parser, Subcommand};
use salus_app::error::AppError;
use salus_app::server::audit::{self, Anchor, AuditKey, Tampering};
use salus_app::server::db_context;
use salus_app::server::mail::read_mailbox;
use salus_app::server::secret_box::SecretKeys;
use salus_app::server::services::account::{mfa, password::Password};
use salus_app::server::services::platform::audit_log;
use salus_app::server::services::seed;
use salus_app::server::state::Clock;
use salus_server::config::{Config, LogFormat, MailTransport};
use salus_server::{
    build_state, db, resume_protocol_resyncs, router, spawn_care_refresh, spawn_session_cleanup,
};

#[derive(Parser)]
#[command(
    name = "salus",
    version,
    about = "Salus: a multi-clinic wellness and preventive-care portal."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web application (the default). Migrates the database first; seeds the demo
    /// data into an empty database only when SALUS_SEED_DEMO=true (./run.sh sets it).
    Serve,
    /// Run only the reminder worker: plan and send reminders until SIGTERM or Ctrl-C, then
    /// give back the messages it holds. Any number may run against one PostgreSQL.
    Worker,
    /// Bring the database schema up to date (as SALUS_MIGRATION_DATABASE_URL, else
    /// DATABASE_URL), then exit.
    Migrate,
    /// PostgreSQL roles.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
    /// Seed data into the database.
    Seed {
        /// The demo clinic with a patient, a provider, a clinic admin and a super admin.
        /// Applied only to an empty database.
        #[arg(long)]
        demo: bool,
    },
    /// Administration tasks.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Audit log tasks.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The keys that seal secrets at rest (SALUS_SECRET_KEYS_FILE).
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Print the messages in the local development mailbox, newest first.
    Mailbox {
        /// How many messages to print.
        #[arg(long, default_value_t = 10)]
        last: usize,
    },
}

#[derive(Subcommand)]
enum DbCommand {
    /// Create the login role the application connects as (DATABASE_URL's user), in the group
    /// `salus_application`: no superuser, no BYPASSRLS, owns nothing. Runs the migrations
    /// first, as SALUS_MIGRATION_DATABASE_URL (the tables' owner, who needs CREATEROLE). The
    /// password, if any, is read from SALUS_APP_ROLE_PASSWORD.
    CreateAppRole {
        /// The role's name.
        name: String,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a platform super admin. The password is read from standard input (one line).
    CreateSuperAdmin {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Platform Admin")]
        name: String,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Add a new key and make it the current one, then re-seal every TOTP secret under it.
    /// Earlier keys stay in the file, so what a server still running on them seals still
    /// opens; restart the servers to seal under the new key, and run it again to re-seal
    /// anything they sealed meanwhile.
    Rotate,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the audit chain with the key (SALUS_AUDIT_KEY_FILE) and name the first row
    /// that was edited, inserted, deleted or reordered; with --anchor, also find a cut-off tail.
    Verify {
        /// An anchor written by `salus audit anchor`.
        #[arg(long)]
        anchor: Option<std::path::PathBuf>,
    },
    /// Write the chain's head (count, last id, last hash) as JSON to a file, which belongs
    /// somewhere the database's administrators cannot change.
    Anchor {
        #[arg(long)]
        file: std::path::PathBuf,
    },
}

fn init_tracing(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log_filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    match config.log_format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // A .env file is for development; real environments set variables directly.
    let _ = dotenvy::dotenv();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    init_tracing(&config);
    match run(cli.command.unwrap_or(Command::Serve), config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("salus: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Why a command failed, as `salus` prints it before exiting with status 1.
#[derive(Debug, thiserror::Error)]
enum CliError {
    /// Said in full by the command itself.
    #[error("{0}")]
    Said(String),
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error("{0}")]
    App(#[from] AppError),
    #[error("{0}")]
    Startup(#[from] salus_server::StartupError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Json(#[from] serde_json::Error),
    #[error("the reminder worker stopped abnormally: {0}")]
    Worker(#[from] tokio::task::JoinError),
}

impl From<String> for CliError {
    fn from(message: String) -> Self {
        CliError::Said(message)
    }
}

impl From<&str> for CliError {
    fn from(message: &str) -> Self {
        CliError::Said(message.to_owned())
    }
}

async fn run(command: Command, config: Config) -> Result<(), CliError> {
    match command {
        Command::Serve => serve(config).await,
        Command::Worker => worker(config).await,
        Command::Migrate => migrate(&config).await,
        Command::Db {
            command: DbCommand::CreateAppRole { name },
        } => create_app_role(&config, &name).await,
        Command::Seed { demo } => seed_demo(&config, demo).await,
        Command::Admin {
            command: AdminCommand::CreateSuperAdmin { email, name },
        } => create_super_admin(&config, &email, &name).await,
        Command::Audit {
            command: AuditCommand::Verify { anchor },
        } => verify_audit_log(&config, anchor.as_deref()).await,
        Command::Audit {
            command: AuditCommand::Anchor { file },
        } => anchor_audit_log(&config, &file).await,
        Command::Keys {
            command: KeysCommand::Rotate,
        } => rotate_keys(&config).await,
        Command::Mailbox { last } => print_mailbox(&config, last),
    }
}

/// A transaction with platform reach for a command-line task, which the audit log records.
async fn platform_transaction(
    config: &Config,
    key: &AuditKey,
    task: &'static str,
) -> Result<sea_orm::DatabaseTransaction, CliError> {
    let conn = db::connect(&config.database_url).await?;
    Ok(db_context::begin_platform(&conn, key, chrono::Utc::now(), task).await?)
}

/// `salus migrate`.
async fn migrate(config: &Config) -> Result<(), CliError> {
    db::migrate_url(config.migration_url()).await?;
    println!("Database is up to date.");
    Ok(())
}

/// `salus db create-app-role NAME`.
async fn create_app_role(config: &Config, name: &str) -> Result<(), CliError> {
    db::migrate_url(config.migration_url()).await?;
    let owner = db::connect(config.migration_url()).await?;
    let password = std::env::var("SALUS_APP_ROLE_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty());
    db::create_app_role(&owner, name, password.as_deref()).await?;
    println!(
        "Role {name} can now serve Salus (member of {}).",
        db::APPLICATION_GROUP
    );
    Ok(())
}

/// `salus seed --demo`.
async fn seed_demo(config: &Config, demo: bool) -> Result<(), CliError> {
    if !demo {
        return Err("say what to seed: salus seed --demo".into());
    }
    let state = build_state(config, Clock::system()).await?;
    if seed::demo(&state.db, &state.audit_key, state.clock.now()).await? {
        print_demo_accounts(config);
    } else {
        println!("The database already has accounts; the demo data was not added.");
    }
    Ok(())
}

/// `salus admin create-super-admin`: the password is read from standard input.
async fn create_super_admin(config: &Config, email: &str, name: &str) -> Result<(), CliError> {
    let state = build_state(config, Clock::system()).await?;
    eprintln!("Password for {email} (one line on standard input):");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    let password = Password::new(line.trim_end_matches(['\r', '\n']).to_owned());
    let now = state.clock.now();
    seed::create_super_admin(&state.db, &state.audit_key, now, email, name, password)
        .await
        .map_err(|e| match e {
            AppError::Validation(fields) => CliError::Said(
                fields
                    .into_iter()
                    .flat_map(|(f, m)| m.into_iter().map(move |m| format!("{f}: {m}")))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            other => other.into(),
        })?;
    println!("Super admin {email} created.");
    Ok(())
}

/// `salus audit verify [--anchor FILE]`.
async fn verify_audit_log(config: &Config, anchor: Option<&Path>) -> Result<(), CliError> {
    let key = AuditKey::load(&config.audit_key_file)?;
    let anchor: Option<Anchor> = match anchor {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("reading {}: {e}", path.display()))?;
            let anchor = serde_json::from_str(&text)
                .map_err(|e| format!("{} is not an anchor: {e}", path.display()))?;
            Some(anchor)
        }
    };
    let txn = platform_transaction(config, &key, "audit_verify").await?;
    let report = audit::verify(&txn, &key, anchor.as_ref()).await?;
    // The platform's audit log page shows the last outcome.
    audit_log::record_verification(&txn, &report, chrono::Utc::now(), None).await?;
    txn.commit().await?;
    let (Some(id), Some(problem)) = (report.first_broken, report.problem) else {
        println!("Audit chain intact: {} events verified.", report.checked);
        return Ok(());
    };
    let what = match problem {
        Tampering::AlteredOrInserted => {
            "its content does not match its hash (edited, or inserted without the key)"
        }
        Tampering::MissingOrReordered => {
            "it does not follow the event before it (events deleted or reordered)"
        }
        Tampering::Truncated => {
            "its chain's recorded last event is missing or changed (the log was cut off after it)"
        }
    };
    Err(format!(
        "audit chain broken at event {id}: {what} ({} events before it verified)",
        report.checked
    )
    .into())
}

/// `salus audit anchor --file FILE`.
async fn anchor_audit_log(config: &Config, file: &Path) -> Result<(), CliError> {
    let key = AuditKey::load(&config.audit_key_file)?;
    // The anchoring itself is a platform task, audited in the transaction it reads.
    let txn = platform_transaction(config, &key, "audit_anchor").await?;
    let Some(anchor) = audit::anchor(&txn).await? else {
        return Err("the audit log is empty; there is nothing to anchor".into());
    };
    txn.commit().await?;
    let json = serde_json::to_string_pretty(&anchor)?;
    std::fs::write(file, json + "\n").map_err(|e| format!("writing {}: {e}", file.display()))?;
    println!(
        "Anchored {} events in {} chain{} in {}.",
        anchor.events(),
        anchor.chains.len(),
        if anchor.chains.len() == 1 { "" } else { "s" },
        file.display()
    );
    Ok(())
}

/// `salus keys rotate`.
async fn rotate_keys(config: &Config) -> Result<(), CliError> {
    let path = &config.secret_keys_file;
    let mut keys = SecretKeys::load(path)?;
    let new_key = keys.add_key().to_owned();
    // The file holds the new key before anything is sealed with it; the state reads it.
    keys.save(path)?;
    let state = build_state(config, Clock::system()).await?;
    let resealed = mfa::reseal_all(&state).await?;
    println!(
        "Key {new_key} in {} is now the current key; {resealed} secret{} re-sealed under it.",
        path.display(),
        if resealed == 1 { "" } else { "s" }
    );
    Ok(())
}

/// `salus mailbox [--last N]`.
fn print_mailbox(config: &Config, last: usize) -> Result<(), CliError> {
    let MailTransport::Mailbox { dir } = &config.mail else {
        return Err(
            "SALUS_MAIL_TRANSPORT is not mailbox; there is no local mailbox to read".into(),
        );
    };
    let messages = read_mailbox(dir)?;
    if messages.is_empty() {
        println!("The mailbox at {} is empty.", dir.display());
    }
    for m in messages.into_iter().take(last) {
        println!(
            "── {} ──\nTo: {}\nSubject: {}\n\n{}\n",
            m.sent_at, m.to, m.subject, m.body
        );
    }
    Ok(())
}

fn print_demo_accounts(config: &Config) {
    println!(
        "Demo data added. Sign in at {}/signin with password {:?} as:",
        config.settings.public_url,
        seed::DEMO_PASSWORD
    );
    for account in &seed::DEMO_ACCOUNTS {
        println!(
            "  {:<12} {:<24} {}",
            account.role.label(),
            account.email,
            account.name
        );
    }
    println!(
        "New patients can register with clinic code {}.",
        seed::DEMO_CLINIC_CODE
    );
}

async fn serve(config: Config) -> Result<(), CliError> {
    let state = build_state(&config, Clock::system()).await?;
    if config.seed_demo && seed::demo(&state.db, &state.audit_key, state.clock.now()).await? {
        print_demo_accounts(&config);
    }
    spawn_session_cleanup(&state);
    spawn_care_refresh(&state);
    resume_protocol_resyncs(&state);
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let worker = config.embedded_worker.then(|| {
        tokio::spawn(salus_app::server::reminders::worker::run(
            state.clone(),
            stopping,
        ))
    });
    let app = router(state);
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| format!("cannot listen on {} (SALUS_ADDR): {e}", config.addr))?;
    tracing::info!(addr = %config.addr, "listening");
    println!("Salus is serving on {}", config.settings.public_url);
    let served = salus_server::serve(listener, app, shutdown_signal()).await;
    let _ = stop.send(true);
    if let Some(worker) = worker {
        let _ = worker.await;
    }
    Ok(served?)
}

/// `salus worker`: the reminder worker alone.
async fn worker(config: Config) -> Result<(), CliError> {
    let state = build_state(&config, Clock::system()).await?;
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(salus_app::server::reminders::worker::run(state, stopping));
    shutdown_signal().await;
    let _ = stop.send(true);
    Ok(running.await?)
}

/// Completes at SIGTERM (what a service manager sends) or Ctrl-C.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
