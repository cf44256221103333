//! The README's production PostgreSQL set-up, run as an operator would, and the start-up check
//! that refuses to serve as a role row-level security does not hold.
use std::time::Duration;

use reqwest::StatusCode;
use salus_app::server::state::Clock;
use sea_orm::{ConnectionTrait, Database};

use crate::helpers::{client, test_start, Backend, TestApp};
use crate::test_databases::{database_url_for, postgres_admin_url, OWNER_ROLE};

/// The shell block under "Running on PostgreSQL" in the README.
fn readme_postgres_block() -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md");
    let section = readme
        .split_once("## Running on PostgreSQL")
        .expect("the README has a section \"Running on PostgreSQL\"")
        .1;
    let block = section
        .split_once("```sh\n")
        .expect("the section has a sh block")
        .1;
    block
        .split_once("```")
        .expect("the block ends")
        .0
        .to_owned()
}

/// The README's block with its names made unique to this run, so that it can never touch a
/// developer's own `salus` database or roles, and with the binary this test was built with.
/// Every other word is the README's.
fn with_names(block: &str, prefix: &str) -> String {
    let replaced = block
        .replace("salus_owner", &format!("{prefix}_owner"))
        .replace("salus_web", &format!("{prefix}_web"))
        .replace(":5432/salus\n", &format!(":5432/{prefix}\n"))
        .replace(
            &format!("-O {prefix}_owner salus\n"),
            &format!("-O {prefix}_owner {prefix}\n"),
        )
        .replace("target/release/salus", env!("CARGO_BIN_EXE_salus"));
    for leftover in [
        "salus_owner",
        "salus_web",
        ":5432/salus\n",
        "_owner salus\n",
    ] {
        assert!(
            !replaced.contains(leftover),
            "the README's block changed shape ({leftover:?} is left):\n{replaced}"
        );
    }
    replaced
}

async fn drop_what_the_setup_made(prefix: &str) {
    let admin = Database::connect(postgres_admin_url()).await.unwrap();
    for sql in [
        format!("DROP DATABASE IF EXISTS \"{prefix}\" WITH (FORCE)"),
        format!("DROP ROLE IF EXISTS \"{prefix}_web\""),
        format!("DROP ROLE IF EXISTS \"{prefix}_owner\""),
    ] {
        admin.execute_unprepared(&sql).await.unwrap();
    }
    admin.close().await.unwrap();
}

/// `createuser --createrole`, `createdb -O`, `salus db create-app-role` as the owner, then
/// `salus` serving as the application role: it answers, and a sign-in (which writes under
/// row-level security) is refused for a wrong password, not with an error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readmes_postgres_setup_migrates_as_a_non_superuser_owner_and_serves() {
    use rand::Rng;
    let prefix = format!("salus_readme_{:08x}", rand::thread_rng().gen::<u32>());
    let script = with_names(&readme_postgres_block(), &prefix);
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let dir = crate::temp_dir::TempDir::new();
    use std::os::unix::process::CommandExt;
    let mut serving = std::process::Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        // A process group of its own, so that the server the script starts ends with it.
        .process_group(0)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .env("SALUS_ADDR", format!("127.0.0.1:{port}"))
        .env("SALUS_AUDIT_KEY_FILE", dir.path().join("audit.key"))
        .env(
            "SALUS_SECRET_KEYS_FILE",
            dir.path().join("secret-keys.json"),
        )
        .env("SALUS_MAILBOX_DIR", dir.path().join("mailbox"))
        .env("SALUS_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let browser = client();
    let base = format!("http://127.0.0.1:{port}");
    let mut ready = false;
    for _ in 0..600 {
        if let Ok(Some(_)) = serving.try_wait() {
            break;
        }
        if let Ok(response) = browser.get(format!("{base}/readyz")).send().await {
            ready = response.status() == StatusCode::OK;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let outcome = async {
        if !ready {
            return Err("the server never answered /readyz".to_owned());
        }
        let home = browser.get(format!("{base}/")).send().await.unwrap();
        if home.status() != StatusCode::OK {
            return Err(format!("the home page answered {}", home.status()));
        }
        let sign_in = browser
            .post(format!("{base}/api/auth/sign_in"))
            .header("origin", &base)
            .header("accept", "application/json")
            .form(&[
                ("email", "nobody@example.com"),
                ("password", "not the password"),
            ])
            .send()
            .await
            .unwrap();
        if sign_in.status().is_server_error() || sign_in.status().is_success() {
            return Err(format!("a wrong sign-in answered {}", sign_in.status()));
        }
        Ok(())
    }
    .await;
    let _ = std::process::Command::new("bash")
        .args(["-c", &format!("kill -TERM -- -{}", serving.id())])
        .status();
    let output = serving.wait_with_output().unwrap();
    drop_what_the_setup_made(&prefix).await;
    if let Err(problem) = outcome {
        panic!(
            "{problem}\nscript:\n{script}\nstdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// A server whose `DATABASE_URL` is a superuser would have every policy off: it does not start,
/// and says why. Allowed explicitly, it starts (and warns, which the binary prints).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serving_as_a_superuser_is_refused_unless_allowed() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let mut config = app.config.clone();
    let name = app
        .database_url()
        .rsplit_once('/')
        .map(|(_, name)| name.to_owned())
        .unwrap();
    config.database_url = database_url_for(&name, None);
    config.migration_database_url = Some(database_url_for(&name, Some(OWNER_ROLE)));
    let refused = salus_server::build_state(&config, Clock::manual(test_start()))
        .await
        .err()
        .expect("a superuser's DATABASE_URL is refused");
    assert!(
        refused.0.contains("superuser or BYPASSRLS")
            && refused.0.contains("salus db create-app-role")
            && refused.0.contains("SALUS_ALLOW_RLS_BYPASS"),
        "{}",
        refused.0
    );

    config.allow_rls_bypass = true;
    assert!(
        salus_server::build_state(&config, Clock::manual(test_start()))
            .await
            .is_ok()
    );

    // The application role the tests serve as is held by the policies: no complaint.
    assert!(salus_server::db::rls_bypassing_role(&app.app_db)
        .await
        .unwrap()
        .is_none());
}
