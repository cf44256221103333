//! When to try a temporarily failed message again: exponential backoff with jitter, up to a
//! cap, and a last attempt after which the message is a dead letter.
use chrono::Duration;
use rand::Rng;

/// The first retry waits about this long; each next one twice as long.
pub(crate) const FIRST_DELAY: Duration = Duration::minutes(1);
/// No wait is longer than this.
pub(crate) const MAX_DELAY: Duration = Duration::hours(6);
/// After this many failed attempts the message is dead.
pub const MAX_ATTEMPTS: i32 = 8;

/// The wait after the `attempts`-th failed attempt (1 for the first): the doubled delay,
/// capped, less up to a quarter of it at random, so that messages failing together do not
/// come back together.
pub(crate) fn delay_after(attempts: i32, rng: &mut impl Rng) -> Duration {
    let full = ceiling(attempts);
    let jitter = rng.gen_range(0..=full.num_seconds() / 4);
    full - Duration::seconds(jitter)
}

/// The wait before jitter.
pub(crate) fn ceiling(attempts: i32) -> Duration {
    let doublings = attempts.clamp(1, 30) - 1;
    let seconds = FIRST_DELAY
        .num_seconds()
        .saturating_mul(1_i64 << doublings.min(20));
    Duration::seconds(seconds.min(MAX_DELAY.num_seconds()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn the_wait_doubles_up_to_the_cap() {
        let minutes: Vec<i64> = (1..=MAX_ATTEMPTS)
            .map(|n| ceiling(n).num_minutes())
            .collect();
        assert_eq!(minutes, [1, 2, 4, 8, 16, 32, 64, 128]);
        assert_eq!(ceiling(12), MAX_DELAY);
        assert_eq!(ceiling(1000), MAX_DELAY);
    }

    #[test]
    fn jitter_only_shortens_by_up_to_a_quarter() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for attempts in 1..=MAX_ATTEMPTS {
            for _ in 0..50 {
                let d = delay_after(attempts, &mut rng);
                let full = ceiling(attempts);
                assert!(d <= full && d >= full - full / 4, "{attempts}: {d}");
            }
        }
    }
}
