//! Searching text columns for what someone typed.
use sea_orm::sea_query::LikeExpr;

use crate::error::AppError;

/// The longest search anyone may type (a longer LIKE pattern is refused by SQLite).
pub(crate) const MAX_SEARCH: usize = 100;

/// What was typed in a search box, trimmed and lowercased: none when empty, refused on the
/// `search` field when longer than `MAX_SEARCH`.
pub fn typed(search: Option<&str>) -> Result<Option<String>, AppError> {
    let search = search
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_lowercase);
    if search
        .as_ref()
        .is_some_and(|s| s.chars().count() > MAX_SEARCH)
    {
        return Err(AppError::field(
            "search",
            format!("Search for at most {MAX_SEARCH} characters."),
        ));
    }
    Ok(search)
}

/// A LIKE pattern matching values that contain `text`, with `%`, `_` and `\` in it taken
/// literally (escaped with `\`).
pub fn contains(text: &str) -> LikeExpr {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}
