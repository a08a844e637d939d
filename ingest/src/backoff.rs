//! The delay between attempts of a background loop whose dependency is down: starts
//! short so a blip costs little, doubles so a long outage is not hammered, and is capped
//! so recovery is noticed within seconds.

use std::time::Duration;

/// The first delay after a failure.
pub(crate) const FIRST: Duration = Duration::from_millis(100);
/// The longest delay.
pub(crate) const MAX: Duration = Duration::from_secs(10);

/// Exponential backoff from [`FIRST`] doubling to [`MAX`].
#[derive(Debug, Default)]
pub(crate) struct Backoff {
    /// The delay the next failure waits; `None` after a success.
    next: Option<Duration>,
}

impl Backoff {
    /// The delay to wait after one more failure.
    pub(crate) fn next_delay(&mut self) -> Duration {
        let delay = self.next.unwrap_or(FIRST);
        self.next = Some(delay.saturating_mul(2).min(MAX));
        delay
    }

    /// A success: the next failure starts again from [`FIRST`].
    pub(crate) fn reset(&mut self) {
        self.next = None;
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
        assert_eq!(backoff.next_delay(), FIRST);
    }
}
