//! What every test's database starts from, made once per test process and copied for each test:
//! migrated, and seeded with the demo at the tests' fixed start. Migrating and seeding took
//! most of a test's set-up; copying takes milliseconds.
//! - On SQLite, the migrated and seeded file's bytes, written to each test's folder.
//! - On PostgreSQL, a template database: `CREATE DATABASE … TEMPLATE`. It is set up as the
//!   README tells an operator: an owner with CREATEROLE only (`createuser --createrole`) owns the
//!   database (`createdb -O`) and runs the migrations, and the application role serves. So a
//!   migration that only a superuser could run fails here, as it would in production.
//!
//! The audit chain the seed writes is signed with one key per process, which every test's
//! folder gets a copy of.
use salus_app::server::state::Clock;
use sea_orm::{ConnectionTrait, Database};
use tokio::sync::OnceCell;

/// The non-superuser owner of every test database (its password is its name).
pub const OWNER_ROLE: &str = "salus_test_owner";
/// The login role the tests' servers connect as, in `salus_application` like any application
/// role (`salus db create-app-role`); its password is its name.
pub const APP_ROLE: &str = "salus_test_app";
/// Template databases are named after the process that made them, so a later run can drop
/// those whose process is gone.
const TEMPLATE_PREFIX: &str = "salus_test_template_";

/// The audit key every test database's chain is signed with, as the key file holds it.
pub fn audit_key_file_text() -> &'static str {
    static KEY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        use rand::Rng;
        hex::encode(rand::thread_rng().gen::<[u8; 32]>())
    })
}

/// Writes the process's audit key where a test's server reads it.
pub fn write_audit_key(path: &std::path::Path) {
    std::fs::write(path, audit_key_file_text()).unwrap();
}

fn audit_key() -> salus_app::server::audit::AuditKey {
    let dir = crate::temp_dir::TempDir::new();
    let path = dir.path().join("audit.key");
    write_audit_key(&path);
    salus_app::server::audit::AuditKey::load_or_create(&path).unwrap()
}

async fn seed(db: &sea_orm::DatabaseConnection) {
    let now = Clock::manual(super::helpers::test_start()).now();
    salus_app::server::services::seed::demo(db, &audit_key(), now)
        .await
        .expect("seeding the demo");
}

/// The bytes of a migrated, seeded SQLite database.
pub async fn sqlite_template() -> &'static [u8] {
    static TEMPLATE: OnceCell<Vec<u8>> = OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let dir = crate::temp_dir::TempDir::new();
            let file = dir.path().join("template.db");
            let url = format!("sqlite://{}?mode=rwc", file.display());
            salus_server::db::migrate_url(&url).await.unwrap();
            let db = salus_server::db::connect(&url).await.unwrap();
            seed(&db).await;
            // Everything into the main file, so that its bytes are the whole database.
            db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await
                .unwrap();
            db.close().await.unwrap();
            std::fs::read(&file).unwrap()
        })
        .await
}

/// Where the PostgreSQL tests connect to create their databases: a superuser.
pub fn postgres_admin_url() -> String {
    std::env::var("SALUS_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// The URL of database `name` on the tests' server, as the admin user or as `user` (whose
/// password is its name).
pub fn database_url_for(name: &str, user: Option<&str>) -> String {
    let admin = postgres_admin_url();
    let (scheme, rest) = admin.split_once("://").expect("a postgres:// URL");
    let host_and_db = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    let host = host_and_db.split_once('/').map_or(host_and_db, |(h, _)| h);
    let authority = match user {
        Some(user) => format!("{user}:{user}@{host}"),
        None => rest.split_once('/').map_or(rest, |(a, _)| a).to_owned(),
    };
    format!("{scheme}://{authority}/{name}")
}

async fn admin() -> sea_orm::DatabaseConnection {
    Database::connect(postgres_admin_url())
        .await
        .expect("PostgreSQL must be reachable for the PostgreSQL tests (SALUS_TEST_POSTGRES_URL)")
}

/// Runs `sql` as the admin, taking "already exists" as done: roles belong to the whole cluster,
/// and another test process may have made the same one meanwhile.
async fn create_once(admin: &sea_orm::DatabaseConnection, sql: &str) {
    if let Err(e) = admin.execute_unprepared(sql).await {
        assert!(e.to_string().contains("already exists"), "{sql}: {e}");
    }
}

/// The name of the migrated, seeded template database, made by this process.
pub async fn postgres_template() -> &'static str {
    static TEMPLATE: OnceCell<String> = OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let admin = admin().await;
            drop_abandoned_templates(&admin).await;
            // `createuser --createrole salus_owner`, with a password for the URL.
            create_once(
                &admin,
                &format!(
                    "CREATE ROLE {OWNER_ROLE} LOGIN CREATEROLE NOSUPERUSER NOBYPASSRLS PASSWORD '{OWNER_ROLE}'"
                ),
            )
            .await;
            let name = format!("{TEMPLATE_PREFIX}{}", std::process::id());
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await
                .unwrap();
            // `createdb -O salus_owner salus`.
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\" OWNER {OWNER_ROLE}"))
                .await
                .unwrap();
            admin.close().await.unwrap();

            let owner_url = database_url_for(&name, Some(OWNER_ROLE));
            salus_server::db::migrate_url(&owner_url)
                .await
                .expect("migrating as the non-superuser owner");
            let owner = salus_server::db::connect(&owner_url).await.unwrap();
            salus_server::db::create_app_role(&owner, APP_ROLE, Some(APP_ROLE))
                .await
                .expect("creating the application role as the owner");
            owner.close().await.unwrap();

            let app = salus_server::db::connect(&database_url_for(&name, Some(APP_ROLE)))
                .await
                .unwrap();
            seed(&app).await;
            // A template is copied only while nobody is connected to it.
            app.close().await.unwrap();
            name
        })
        .await
}

/// A new database for one test, copied from the template and owned by the owner role.
pub async fn create_postgres_database(name: &str) {
    let template = postgres_template().await;
    let admin = admin().await;
    admin
        .execute_unprepared(&format!(
            "CREATE DATABASE \"{name}\" TEMPLATE \"{template}\" OWNER {OWNER_ROLE}"
        ))
        .await
        .unwrap();
    admin.close().await.unwrap();
}

/// Drops the templates of test processes that have ended (killed, or ended before statics are
/// dropped, which Rust never does): their names end in the process id.
async fn drop_abandoned_templates(admin: &sea_orm::DatabaseConnection) {
    let rows = admin
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            format!("SELECT datname FROM pg_database WHERE datname LIKE '{TEMPLATE_PREFIX}%'"),
        ))
        .await
        .unwrap();
    for row in rows {
        let name: String = row.try_get("", "datname").unwrap();
        let alive = name
            .strip_prefix(TEMPLATE_PREFIX)
            .and_then(|pid| pid.parse::<u32>().ok())
            .is_some_and(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists());
        if !alive {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await;
        }
    }
}
