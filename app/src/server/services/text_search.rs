//! Searching text columns for what someone typed.
use sea_orm::sea_query::LikeExpr;

/// A LIKE pattern matching values that contain `text`, with `%`, `_` and `\` in it taken
/// literally (escaped with `\`).
pub fn contains(text: &str) -> LikeExpr {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}
