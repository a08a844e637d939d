//! Reuse search beside the records: the in-memory multi-index (Meta's Hasher-Matcher-
//! Actioner keeps its PDQ index the same way: in memory, next to the database that stays
//! the source of truth), and the choice between it and the database's own search.
//!
//! - [`hash`]: PDQ hashes as four words, distances;
//! - [`mih`]: the exact multi-index over them (pure, no I/O): big tables, a small second
//!   level for the newest hashes, the search;
//! - `pages`: huge pages and prefetching for its arrays (the search is memory-latency bound);
//! - [`watermark`]: which stored rows an index has seen, by sequence number;
//! - [`memory`]: [`MemoryReuseIndex`], a per-organisation cache of [`mih::MultiIndex`]es
//!   that implements [`ReuseIndex`] over the records.

mod error;
pub mod hash;
pub mod memory;
pub mod mih;
mod pages;
pub mod watermark;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use punchline_domain::config::{HashingConfig, ReuseSearch};
use punchline_domain::{ExifFacts, OrgId, PhotoId};

pub use error::ReuseError;
pub use memory::{IndexStats, MemoryReuseIndex, MemorySettings};

use crate::records::{Records, RecordsError, ReuseIndex, ReuseMatch};

/// The reuse index `hashing.reuse_search` names: the in-memory index over `records`, or
/// the records' own (database) search.
pub fn index_for(records: Arc<dyn Records>, hashing: &HashingConfig) -> Arc<dyn ReuseIndex> {
    match hashing.reuse_search {
        ReuseSearch::Memory => {
            let settings = MemorySettings {
                reread_every: Duration::from_secs(hashing.reuse_reread_s),
                ..MemorySettings::default()
            };
            Arc::new(MemoryReuseIndex::new(records, settings))
        }
        ReuseSearch::Database => Arc::new(DatabaseReuse(records)),
    }
}

/// The records' own reuse search behind an `Arc<dyn ReuseIndex>` (a plain delegation,
/// so the crate does not lean on trait upcasting, newer than its minimum Rust).
struct DatabaseReuse(Arc<dyn Records>);

#[async_trait]
impl ReuseIndex for DatabaseReuse {
    async fn find_exact_duplicates(
        &self,
        org: OrgId,
        sha256: &[u8; 32],
        before: PhotoId,
        limit: u32,
    ) -> Result<Vec<ReuseMatch>, RecordsError> {
        self.0.find_exact_duplicates(org, sha256, before, limit).await
    }

    async fn find_similar(
        &self,
        org: OrgId,
        query: &[[u8; 32]],
        radius: u32,
        before: PhotoId,
        limit: u32,
    ) -> Result<Vec<ReuseMatch>, RecordsError> {
        self.0.find_similar(org, query, radius, before, limit).await
    }

    async fn find_exif_twins(
        &self,
        org: OrgId,
        facts: &ExifFacts,
        query: &[[u8; 32]],
        before: PhotoId,
        limit: u32,
    ) -> Result<Vec<ReuseMatch>, RecordsError> {
        self.0.find_exif_twins(org, facts, query, before, limit).await
    }
}
