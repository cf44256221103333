//! Page numbers from the browser: parsed in one place and bounded, so that no arithmetic on
//! them can overflow and no database is asked for an offset it cannot represent.
use sea_orm::sea_query::{Alias, Expr, ExprTrait, SelectStatement};
use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::error::AppError;

/// The highest page anyone may ask for; far beyond any list a clinic has.
pub(crate) const MAX_PAGE: u64 = 1_000_000;

/// The page asked for: 1 when none, a field error when it is not a number from 1 to
/// `MAX_PAGE`.
pub(crate) fn parse_page(page: Option<&str>) -> Result<u64, AppError> {
    match page.map(str::trim).filter(|p| !p.is_empty()) {
        None => Ok(1),
        Some(p) => p
            .parse::<u64>()
            .ok()
            .filter(|p| (1..=MAX_PAGE).contains(p))
            .ok_or_else(|| {
                AppError::field("page", format!("Pages are numbered from 1 to {MAX_PAGE}."))
            }),
    }
}

#[derive(Debug, FromQueryResult)]
struct Count {
    total: i64,
}

/// How many rows `select` (joins and filters, no columns yet) finds, counting `column`: the
/// total a paged list shows above its first page.
pub(crate) async fn count_rows<C: ConnectionTrait>(
    conn: &C,
    select: &SelectStatement,
    column: Expr,
) -> Result<u64, AppError> {
    let mut counting = select.clone();
    counting.expr_as(column.count(), Alias::new("total"));
    Ok(
        Count::find_by_statement(conn.get_database_backend().build(&counting))
            .one(conn)
            .await?
            .map_or(0, |c| u64::try_from(c.total).unwrap_or(0)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_bounded() {
        assert_eq!(parse_page(None).unwrap(), 1);
        assert_eq!(parse_page(Some(" ")).unwrap(), 1);
        assert_eq!(parse_page(Some("3")).unwrap(), 3);
        for bad in [
            "0",
            "-1",
            "abc",
            "1000001",
            "18446744073709551615",
            "99999999999999999999999",
        ] {
            assert!(parse_page(Some(bad)).is_err(), "{bad}");
        }
    }
}
