//! Page numbers from the browser: parsed in one place and bounded, so that no arithmetic on
//! them can overflow and no database is asked for an offset it cannot represent.
use crate::error::AppError;

/// The highest page anyone may ask for; far beyond any list a clinic has.
pub const MAX_PAGE: u64 = 1_000_000;

/// The page asked for: 1 when none, a field error when it is not a number from 1 to
/// `MAX_PAGE`.
pub fn parse_page(page: Option<&str>) -> Result<u64, AppError> {
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
