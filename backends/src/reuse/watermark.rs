//! Which stored rows the in-memory index has seen, by their sequence number (`seq`,
//! migration 0004), and how far below its watermark it must look again.
//!
//! Why not just "rows after the highest seq held": on PostgreSQL a row's seq is taken at
//! INSERT, so a transaction can commit seq 100 after seq 101 was read, and a read "after
//! 101" never returns 100. The index therefore re-reads, every `period`, every row above a
//! *low mark* and adds those it lacks.
//!
//! The low mark: every fetch records `(time, watermark after it)`. A row `s` missed by a
//! fetch `f` was already inserted when `f` ran (a higher seq was visible, and seqs are
//! taken in order), so if its transaction lasts less than `period` it is committed by
//! `t_f + period`. The re-read at `T`, whose previous re-read ran at `P`, starts after the
//! watermark of the newest fetch at or before `P - period`: any fetch that missed a row
//! still uncommitted at `P` ran after `P - period`, so that start is below the row, and
//! every row missed before is committed by `T`. Rows whose transaction stays open longer
//! than `period` after its INSERT may be missed until the process restarts: the period
//! is configurable (`hashing.reuse_reread_s`), and the worker's commit is one short
//! transaction.

use std::collections::{BTreeSet, VecDeque};
use std::time::{Duration, Instant};

/// The seqs an organisation's index holds near its watermark, and its fetch history.
#[derive(Debug)]
pub struct Watermark {
    period: Duration,
    /// The highest seq held.
    highest: i64,
    /// Seqs held above `floor` that arrived in increasing order (loads and deltas).
    in_order: VecDeque<i64>,
    /// Seqs held above `floor` that a re-read found below the watermark.
    late: BTreeSet<i64>,
    /// `(time, highest after)` of recent fetches, oldest first.
    fetches: VecDeque<(Instant, i64)>,
    /// The watermark of the newest fetch dropped from `fetches`: no re-read starts lower.
    floor: i64,
    /// When the last re-read ran (the load's end before the first).
    last_reread: Instant,
}

impl Watermark {
    /// Nothing held yet; re-reads every `period`.
    pub fn new(period: Duration, now: Instant) -> Watermark {
        Watermark {
            period,
            highest: 0,
            in_order: VecDeque::new(),
            late: BTreeSet::new(),
            fetches: VecDeque::new(),
            floor: 0,
            last_reread: now,
        }
    }

    /// The highest seq held: deltas read after it.
    pub fn highest(&self) -> i64 {
        self.highest
    }

    /// Records a row read from the store. Returns whether it is new to the index (the
    /// caller adds it then), `false` for one held already.
    pub fn admit(&mut self, seq: i64) -> bool {
        if seq > self.highest {
            self.highest = seq;
            self.in_order.push_back(seq);
            return true;
        }
        if seq <= self.floor || self.in_order.binary_search(&seq).is_ok() {
            return false;
        }
        self.late.insert(seq)
    }

    /// Records that a fetch finished at `now` (after its rows were admitted).
    pub fn fetched(&mut self, now: Instant) {
        self.fetches.push_back((now, self.highest));
    }

    /// Marks the load's end: the first re-read is measured from here.
    pub fn loaded(&mut self, now: Instant) {
        self.last_reread = now;
    }

    /// If a re-read is due at `now`, the seq it reads after.
    pub fn reread_due(&self, now: Instant) -> Option<i64> {
        (now.saturating_duration_since(self.last_reread) >= self.period).then(|| self.low_mark())
    }

    /// The watermark of the newest fetch at or before `last_reread - period`, else the floor.
    fn low_mark(&self) -> i64 {
        let Some(cutoff) = self.last_reread.checked_sub(self.period) else { return self.floor };
        self.fetches.iter().rev().find(|(at, _)| *at <= cutoff).map_or(self.floor, |(_, highest)| *highest)
    }

    /// Records that a re-read ran at `now`, and forgets what no later re-read can need.
    pub fn reread(&mut self, now: Instant) {
        self.fetched(now);
        self.last_reread = now;
        // Later re-reads start at or above the low mark as of now: drop what lies below.
        let keep_from = self.low_mark();
        while self.fetches.len() > 1 && self.fetches.get(1).is_some_and(|(_, h)| *h <= keep_from) {
            self.fetches.pop_front();
        }
        self.floor = self.floor.max(keep_from);
        while self.in_order.front().is_some_and(|s| *s <= self.floor) {
            self.in_order.pop_front();
        }
        self.late = self.late.split_off(&(self.floor + 1));
    }

    /// Bytes of the bookkeeping (seqs near the watermark, fetch history).
    pub fn memory_bytes(&self) -> usize {
        self.in_order.capacity() * 8 + self.late.len() * 24 + self.fetches.capacity() * 24
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_below_the_watermark_are_admitted_once() {
        let t0 = Instant::now();
        let mut w = Watermark::new(Duration::from_secs(5), t0);
        assert!(w.admit(1) && w.admit(2) && w.admit(4));
        w.fetched(t0);
        assert_eq!(w.highest(), 4);
        assert!(!w.admit(2), "held already");
        assert!(w.admit(3), "a late commit below the watermark");
        assert!(!w.admit(3), "only once");
    }

    #[test]
    fn a_reread_starts_below_the_fetches_that_may_have_missed_rows() {
        let t0 = Instant::now();
        let period = Duration::from_secs(5);
        let mut w = Watermark::new(period, t0);
        // The load: pages up to 100 by t0 + 1 s, then 200 by t0 + 2 s.
        for s in 1..=100 {
            w.admit(s);
        }
        w.fetched(t0 + Duration::from_secs(1));
        for s in 101..=200 {
            w.admit(s);
        }
        w.fetched(t0 + Duration::from_secs(2));
        w.loaded(t0 + Duration::from_secs(2));
        assert_eq!(w.reread_due(t0 + Duration::from_secs(3)), None, "not yet");
        // No fetch is older than the load's end minus the period: from the floor (all).
        assert_eq!(w.reread_due(t0 + Duration::from_secs(7)), Some(0));
        w.reread(t0 + Duration::from_secs(7));
        // Deltas: 201..=210 at 8 s, 211..=220 at 13 s.
        for s in 201..=210 {
            w.admit(s);
        }
        w.fetched(t0 + Duration::from_secs(8));
        for s in 211..=220 {
            w.admit(s);
        }
        w.fetched(t0 + Duration::from_secs(13));
        // Previous re-read at 7 s: the newest fetch at or before 2 s held 200.
        assert_eq!(w.reread_due(t0 + Duration::from_secs(12)), Some(200));
        w.reread(t0 + Duration::from_secs(12));
        assert!(!w.admit(150), "at or below the floor is held");
        assert!(!w.admit(205), "held");
        // Previous re-read at 12 s: the newest fetch at or before 7 s is the re-read (200).
        assert_eq!(w.reread_due(t0 + Duration::from_secs(17)), Some(200));
        w.reread(t0 + Duration::from_secs(17));
        // Previous re-read at 17 s: newest at or before 12 s is the re-read at 12 s (220).
        assert_eq!(w.reread_due(t0 + Duration::from_secs(22)), Some(220));
        assert!(w.memory_bytes() > 0);
    }
}
