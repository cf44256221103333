//! Key files kept outside the database (the audit chain's key, the secret keys): written so
//! only their owner can read them, and never left half written.
use std::io::Write;
use std::path::Path;

fn owner_only_options() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

fn create_parent(path: &Path) -> Result<(), String> {
    match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))
        }
        None => Ok(()),
    }
}

/// Creates `path` with `contents`, readable by its owner only; fails if it exists.
pub(crate) fn create_owner_only(path: &Path, contents: &str) -> Result<(), String> {
    create_parent(path)?;
    owner_only_options()
        .open(path)
        .and_then(|mut file| writeln!(file, "{contents}"))
        .map_err(|e| format!("writing {}: {e}", path.display()))
}

/// Replaces `path` with `contents`, owner-only, by writing a new file beside it and renaming
/// it over the old one.
pub(crate) fn replace_owner_only(path: &Path, contents: &str) -> Result<(), String> {
    let file_name = path
        .file_name()
        .ok_or_else(|| format!("{} is not a file", path.display()))?;
    let temporary = path.with_file_name(format!(".{}.new", file_name.to_string_lossy()));
    let _ = std::fs::remove_file(&temporary);
    create_owner_only(&temporary, contents)?;
    std::fs::rename(&temporary, path).map_err(|e| format!("replacing {}: {e}", path.display()))
}
