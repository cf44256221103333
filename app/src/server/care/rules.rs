//! Preventive-care rules as pure functions: eligibility, due dates and statuses. Dates are the
//! patient's local calendar days; nothing here knows about time zones or the database.
use chrono::{Datelike, Days, Months, NaiveDate};

use crate::model::{CareStatus, Sex};

/// How long after its due date an open item stays "due" before it is "overdue".
pub(crate) const OVERDUE_AFTER_DAYS: u64 = 30;

/// The parts of a protocol the rules need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub interval_months: u32,
    pub due_soon_days: u32,
    pub min_age_years: Option<u32>,
    pub max_age_years: Option<u32>,
    pub sex: Option<Sex>,
}

/// `date` plus whole months, landing on the month's last day when it is shorter
/// (31 Jan + 1 month = 28 or 29 Feb; 29 Feb 2028 + 12 months = 28 Feb 2029).
pub fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// Age in whole years on `on`. Someone born on 29 February has their birthday on 1 March in
/// years without one, as in UK and US practice for legal ages.
pub(crate) fn age_on(date_of_birth: NaiveDate, on: NaiveDate) -> u32 {
    if on < date_of_birth {
        return 0;
    }
    let mut years = on.year() - date_of_birth.year();
    let birthday_this_year =
        NaiveDate::from_ymd_opt(on.year(), date_of_birth.month(), date_of_birth.day())
            .unwrap_or_else(|| NaiveDate::from_ymd_opt(on.year(), 3, 1).expect("1 March exists"));
    if on < birthday_this_year {
        years -= 1;
    }
    years.max(0) as u32
}

/// Whether the rule applies to a patient of this birth date and sex on `on`. A rule that
/// depends on age or sex does not apply while the profile lacks it.
pub fn eligible(
    rule: &Rule,
    date_of_birth: Option<NaiveDate>,
    sex: Option<Sex>,
    on: NaiveDate,
) -> bool {
    if let Some(required) = rule.sex {
        if sex != Some(required) {
            return false;
        }
    }
    if rule.min_age_years.is_none() && rule.max_age_years.is_none() {
        return true;
    }
    let Some(dob) = date_of_birth else {
        return false;
    };
    let age = age_on(dob, on);
    rule.min_age_years.is_none_or(|min| age >= min)
        && rule.max_age_years.is_none_or(|max| age <= max)
}

/// When the item is next due: one interval after the last completion, or at once (the
/// enrollment day) when there is no completion on record.
pub fn due_on(rule: &Rule, last_completed: Option<NaiveDate>, enrolled_on: NaiveDate) -> NaiveDate {
    match last_completed {
        Some(done) => add_months(done, rule.interval_months),
        None => enrolled_on,
    }
}

/// The status on `today` of an item of an eligible patient.
pub fn status(
    rule: &Rule,
    due_on: NaiveDate,
    last_completed: Option<NaiveDate>,
    today: NaiveDate,
) -> CareStatus {
    let soon_from = due_on - Days::new(u64::from(rule.due_soon_days));
    if today >= due_on + Days::new(OVERDUE_AFTER_DAYS) {
        CareStatus::Overdue
    } else if today >= due_on {
        CareStatus::Due
    } else if today >= soon_from {
        CareStatus::DueSoon
    } else if last_completed.is_some() {
        CareStatus::Completed
    } else {
        CareStatus::NotDue
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn annual() -> Rule {
        Rule {
            interval_months: 12,
            due_soon_days: 30,
            min_age_years: None,
            max_age_years: None,
            sex: None,
        }
    }

    #[test]
    fn month_ends_clamp_to_the_last_day() {
        assert_eq!(add_months(d(2027, 1, 31), 1), d(2027, 2, 28));
        assert_eq!(add_months(d(2028, 1, 31), 1), d(2028, 2, 29));
        assert_eq!(add_months(d(2026, 8, 31), 6), d(2027, 2, 28));
        assert_eq!(add_months(d(2026, 3, 31), 1), d(2026, 4, 30));
    }

    #[test]
    fn leap_days_move_to_the_end_of_february() {
        assert_eq!(add_months(d(2028, 2, 29), 12), d(2029, 2, 28));
        assert_eq!(add_months(d(2028, 2, 29), 48), d(2032, 2, 29));
    }

    #[test]
    fn ages_turn_on_the_birthday_and_leaplings_on_1_march() {
        assert_eq!(age_on(d(1980, 6, 15), d(2026, 6, 14)), 45);
        assert_eq!(age_on(d(1980, 6, 15), d(2026, 6, 15)), 46);
        assert_eq!(age_on(d(2008, 2, 29), d(2026, 2, 28)), 17);
        assert_eq!(age_on(d(2008, 2, 29), d(2026, 3, 1)), 18);
        assert_eq!(age_on(d(2008, 2, 29), d(2028, 2, 29)), 20);
        assert_eq!(age_on(d(2030, 1, 1), d(2026, 1, 1)), 0);
    }

    #[test]
    fn eligibility_follows_age_range_and_sex() {
        let colorectal = Rule {
            interval_months: 120,
            due_soon_days: 60,
            min_age_years: Some(45),
            max_age_years: Some(75),
            sex: None,
        };
        let dob = d(1981, 12, 2);
        assert!(
            !eligible(&colorectal, Some(dob), None, d(2026, 12, 1)),
            "44 the day before"
        );
        assert!(
            eligible(&colorectal, Some(dob), None, d(2026, 12, 2)),
            "45 on the birthday"
        );
        assert!(
            eligible(&colorectal, Some(d(1951, 1, 1)), None, d(2026, 12, 31)),
            "75 still in"
        );
        assert!(
            !eligible(&colorectal, Some(d(1950, 1, 1)), None, d(2026, 1, 1)),
            "76 out"
        );
        assert!(
            !eligible(&colorectal, None, None, d(2026, 1, 1)),
            "unknown age: not applicable yet"
        );
        let cervical = Rule {
            sex: Some(Sex::Female),
            min_age_years: Some(21),
            max_age_years: Some(65),
            ..annual()
        };
        assert!(eligible(
            &cervical,
            Some(d(1990, 1, 1)),
            Some(Sex::Female),
            d(2026, 1, 1)
        ));
        assert!(!eligible(
            &cervical,
            Some(d(1990, 1, 1)),
            Some(Sex::Male),
            d(2026, 1, 1)
        ));
        assert!(
            eligible(&annual(), None, None, d(2026, 1, 1)),
            "no conditions: everyone"
        );
    }

    #[test]
    fn statuses_follow_the_due_date() {
        let rule = annual();
        let done = d(2026, 1, 2);
        let due = due_on(&rule, Some(done), d(2025, 6, 1));
        assert_eq!(due, d(2027, 1, 2));
        assert_eq!(
            status(&rule, due, Some(done), d(2026, 12, 2)),
            CareStatus::Completed
        );
        assert_eq!(
            status(&rule, due, Some(done), d(2026, 12, 3)),
            CareStatus::DueSoon,
            "30 days before"
        );
        assert_eq!(
            status(&rule, due, Some(done), d(2027, 1, 1)),
            CareStatus::DueSoon
        );
        assert_eq!(
            status(&rule, due, Some(done), d(2027, 1, 2)),
            CareStatus::Due,
            "on the day"
        );
        assert_eq!(
            status(&rule, due, Some(done), d(2027, 1, 31)),
            CareStatus::Due
        );
        assert_eq!(
            status(&rule, due, Some(done), d(2027, 2, 1)),
            CareStatus::Overdue,
            "30 days after"
        );
    }

    #[test]
    fn never_completed_items_are_due_from_enrollment() {
        let rule = annual();
        let enrolled = d(2026, 11, 23);
        let due = due_on(&rule, None, enrolled);
        assert_eq!(due, enrolled);
        assert_eq!(status(&rule, due, None, enrolled), CareStatus::Due);
        assert_eq!(
            status(&rule, d(2027, 3, 1), None, d(2026, 11, 23)),
            CareStatus::NotDue
        );
    }
}
