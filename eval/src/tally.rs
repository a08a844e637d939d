//! Confusion counts of one check over labelled cases, and the rates derived from them.

/// True/false positives and negatives of one flag code.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Must be raised, was.
    pub tp: usize,
    /// Must not be raised, was.
    pub fp: usize,
    /// Must be raised, was not.
    pub fn_: usize,
    /// Must not be raised, was not.
    pub tn: usize,
}

impl Counts {
    /// Counts one labelled case: whether the flag had to be raised, and whether it was.
    pub fn add(&mut self, expected: bool, raised: bool) {
        match (expected, raised) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (true, false) => self.fn_ += 1,
            (false, false) => self.tn += 1,
        }
    }

    /// Of the flags raised, the share that were right; `None` when none was raised.
    pub fn precision(&self) -> Option<f64> {
        let raised = self.tp + self.fp;
        (raised > 0).then(|| self.tp as f64 / raised as f64)
    }

    /// Of the flags that had to be raised, the share that were; `None` when none had to be.
    pub fn recall(&self) -> Option<f64> {
        let due = self.tp + self.fn_;
        (due > 0).then(|| self.tp as f64 / due as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_follow_the_counts() {
        let mut c = Counts::default();
        for (expected, raised) in [(true, true), (true, true), (true, false), (false, true), (false, false)] {
            c.add(expected, raised);
        }
        assert_eq!((c.tp, c.fn_, c.fp, c.tn), (2, 1, 1, 1));
        assert_eq!(c.precision(), Some(2.0 / 3.0));
        assert_eq!(c.recall(), Some(2.0 / 3.0));
        assert_eq!(Counts::default().precision(), None);
    }
}
