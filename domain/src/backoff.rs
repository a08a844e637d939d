//! The delay between attempts to reach a dependency that is down (the database, the
//! broker, the queue): starts short so a blip costs little, doubles so a long outage is
//! not hammered, and is capped so recovery is noticed within seconds. Every retry loop of
//! the system waits with this one type, so they all behave alike under an outage.

use std::time::Duration;

/// Exponential backoff from `first`, doubling up to `max`.
#[derive(Debug, Clone)]
pub struct Backoff {
    first: Duration,
    max: Duration,
    /// The delay the next failure waits.
    next: Duration,
}

impl Backoff {
    /// The first delay after a failure, unless a caller picks its own.
    pub const FIRST: Duration = Duration::from_millis(100);
    /// The longest delay, unless a caller picks its own.
    pub const MAX: Duration = Duration::from_secs(10);

    /// Backoff from [`Backoff::FIRST`] up to `max` (a `max` below the first delay caps
    /// that too).
    pub fn up_to(max: Duration) -> Backoff {
        let first = Backoff::FIRST.min(max);
        Backoff { first, max, next: first }
    }

    /// The delay to wait after one more failure; the one after doubles.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = delay.saturating_mul(2).min(self.max);
        delay
    }

    /// A success: the next failure starts again from the first delay.
    pub fn reset(&mut self) {
        self.next = self.first;
    }
}

impl Default for Backoff {
    /// From [`Backoff::FIRST`] (100 ms) to [`Backoff::MAX`] (10 s).
    fn default() -> Backoff {
        Backoff::up_to(Backoff::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap_and_restarts_after_a_success() {
        let mut backoff = Backoff::default();
        let delays: Vec<_> = (0..9).map(|_| backoff.next_delay().as_millis()).collect();
        assert_eq!(delays, [100, 200, 400, 800, 1_600, 3_200, 6_400, 10_000, 10_000]);
        backoff.reset();
        assert_eq!(backoff.next_delay(), Backoff::FIRST);
    }

    #[test]
    fn a_low_cap_bounds_every_delay() {
        let mut backoff = Backoff::up_to(Duration::from_millis(500));
        let delays: Vec<_> = (0..5).map(|_| backoff.next_delay().as_millis()).collect();
        assert_eq!(delays, [100, 200, 400, 500, 500]);
        let mut tiny = Backoff::up_to(Duration::from_millis(20));
        assert_eq!(tiny.next_delay().as_millis(), 20);
    }
}
