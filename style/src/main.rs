//! Writes style/salus.css from the classes used in app/src. Run before cargo-leptos, which
//! reads the file while cargo builds (a build script would race it).
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root");
    let css = match salus_style::stylesheet_for(&root.join("app/src")) {
        Ok(css) => css,
        Err(e) => {
            eprintln!("salus-style: reading app/src: {e}");
            return ExitCode::FAILURE;
        }
    };
    let out = root.join("style/salus.css");
    if std::fs::read_to_string(&out).is_ok_and(|old| old == css) {
        return ExitCode::SUCCESS;
    }
    if let Err(e) = std::fs::write(&out, css) {
        eprintln!("salus-style: writing {}: {e}", out.display());
        return ExitCode::FAILURE;
    }
    println!("wrote {}", out.display());
    ExitCode::SUCCESS
}
