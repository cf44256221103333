//! A patient's days: "today" and date parsing in the patient's own time zone.
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

/// The time zone of an IANA name, if it is one.
pub(crate) fn parse_time_zone(name: &str) -> Option<Tz> {
    name.trim().parse::<Tz>().ok()
}

/// The calendar day it is at `now` in `tz`.
pub(crate) fn local_today(now: DateTime<Utc>, tz: Tz) -> NaiveDate {
    now.with_timezone(&tz).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn today_follows_the_patients_time_zone_across_midnight() {
        // 03:30 UTC on 23 Nov is still the evening of 22 Nov in New York (UTC-5)…
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 3, 30, 0).unwrap();
        let ny = parse_time_zone("America/New_York").unwrap();
        assert_eq!(
            local_today(now, ny),
            NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
        );
        // …and already the afternoon of 23 Nov in Auckland (UTC+13).
        let akl = parse_time_zone("Pacific/Auckland").unwrap();
        assert_eq!(
            local_today(now, akl),
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
        );
    }

    #[test]
    fn unknown_time_zones_are_refused() {
        assert!(parse_time_zone("Mars/Olympus_Mons").is_none());
        assert!(parse_time_zone("Europe/Paris").is_some());
    }
}

/// A date of birth as typed (`YYYY-MM-DD`, or empty for none), on the day it is `today`; the
/// error is the message for the field.
pub(crate) fn parse_date_of_birth(
    text: &str,
    today: NaiveDate,
) -> Result<Option<NaiveDate>, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(d) if d > today => Err("A date of birth cannot be in the future."),
        Ok(d) if d < NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid") => {
            Err("Enter a date of birth after 1900.")
        }
        Ok(d) => Ok(Some(d)),
        Err(_) => Err("Enter a date, like 1980-03-14."),
    }
}
