//! Where a job's delivery waits while its task works.
//!
//! The delivery is kept outside the job's task so that a task that panics, or that
//! shutdown aborts, does not take it down with it: the worker takes it back from the slot
//! and settles it (retry after a panic; release, or ack if the result was committed,
//! after an abort).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use punchline_backends::queue::Delivery;

/// One job's delivery and whether its result is committed.
pub(super) struct JobSlot {
    delivery: Mutex<Option<Delivery>>,
    committed: AtomicBool,
}

impl JobSlot {
    pub(super) fn new(delivery: Delivery) -> JobSlot {
        JobSlot { delivery: Mutex::new(Some(delivery)), committed: AtomicBool::new(false) }
    }

    /// The delivery, to settle it; `None` once someone took it.
    pub(super) fn take(&self) -> Option<Delivery> {
        // The lock only guards a take: a poisoned one still holds a valid Option.
        self.delivery.lock().unwrap_or_else(PoisonError::into_inner).take()
    }

    /// The result is in the records: from now on the job must be acked, never released.
    pub(super) fn mark_committed(&self) {
        self.committed.store(true, Ordering::SeqCst);
    }

    /// Whether the job's result is in the records.
    pub(super) fn is_committed(&self) -> bool {
        self.committed.load(Ordering::SeqCst)
    }
}
