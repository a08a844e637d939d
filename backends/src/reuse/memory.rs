//! [`MemoryReuseIndex`]: the [`ReuseIndex`] the workers use by default. PDQ radius search
//! runs in memory over a per-organisation [`MultiIndex`], kept in step with the database
//! (the source of truth) by cheap reads of the rows stored since; exact SHA-256 and EXIF
//! lookups, and the evidence of the matches, still come from the records.
//!
//! Why in memory: an exact radius-31 search with 8 query hashes costs ~23,000 probes at
//! 10 M photos, microseconds each as b-tree descents in PostgreSQL but ~100 ns as array
//! reads here (docs/benchmarks.md, "Reuse search").

use std::collections::HashMap;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use punchline_domain::{ExifFacts, OrgId, PhotoId};
use tokio::sync::Mutex;

use super::error::ReuseError;
use super::hash::{from_bytes, Hash256};
use super::mih::{MultiIndex, MAX_RADIUS};
use super::watermark::Watermark;
use crate::records::{Records, RecordsError, ReuseIndex, ReuseMatch};

/// How the in-memory index reads and refreshes.
#[derive(Debug, Clone)]
pub struct MemorySettings {
    /// How often an organisation's rows below the watermark are read again, for
    /// transactions that committed out of seq order (see [`super::watermark`]).
    pub reread_every: Duration,
    /// Rows per page when loading or catching up.
    pub page_rows: u32,
}

impl Default for MemorySettings {
    fn default() -> Self {
        MemorySettings { reread_every: Duration::from_secs(5), page_rows: 50_000 }
    }
}

/// What an organisation's loaded index holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexStats {
    /// Indexed hashes held.
    pub hashes: usize,
    /// Of which added since the big tables were built (in the small tables or scanned).
    pub recent: usize,
    /// Bytes held for the organisation (tables, hashes, ids, seq bookkeeping).
    pub memory_bytes: usize,
}

/// An indexed photo: its id and registration number, so a search for a photo can keep
/// only the photos registered before it. Ordered by id first, so ties in distance break
/// as in the database's search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    photo: PhotoId,
    seq: i64,
}

/// One organisation's index and how far it has read.
struct Loaded {
    index: Arc<MultiIndex<Entry>>,
    seen: Watermark,
}

/// The per-organisation slot: empty until its first search, or after a failed one.
type OrgSlot = Arc<Mutex<Option<Loaded>>>;

/// Reuse search over an in-memory multi-index per organisation, beside the records.
pub struct MemoryReuseIndex {
    records: Arc<dyn Records>,
    settings: MemorySettings,
    /// One lock per organisation: loading or refreshing one org never waits for another.
    /// The map's own lock is held only to find or add a slot.
    orgs: StdMutex<HashMap<OrgId, OrgSlot>>,
}

impl MemoryReuseIndex {
    /// An index that loads each organisation's hashes from `records` on first use.
    pub fn new(records: Arc<dyn Records>, settings: MemorySettings) -> MemoryReuseIndex {
        MemoryReuseIndex { records, settings, orgs: StdMutex::new(HashMap::new()) }
    }

    fn slot(&self, org: OrgId) -> OrgSlot {
        // A poisoned map only means another thread panicked while inserting a slot: the
        // map itself is still a valid map.
        let mut orgs = self.orgs.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(orgs.entry(org).or_default())
    }

    /// Loads `org`'s index if it is not loaded, brings it up to date, and says what it
    /// holds (for warming a worker up, and for the benchmark).
    pub async fn prepare(&self, org: OrgId) -> Result<IndexStats, ReuseError> {
        let slot = self.slot(org);
        let mut guard = slot.lock().await;
        let loaded = self.refreshed(org, &mut guard).await?;
        Ok(IndexStats {
            hashes: loaded.index.len(),
            recent: loaded.index.recent(),
            memory_bytes: loaded.index.memory_bytes() + loaded.seen.memory_bytes(),
        })
    }

    /// The org's index, loaded and caught up with the records. On an error the slot is
    /// left empty, so the next search loads afresh rather than trusting a partial read.
    async fn refreshed<'a>(
        &self,
        org: OrgId,
        slot: &'a mut Option<Loaded>,
    ) -> Result<&'a mut Loaded, ReuseError> {
        let current = match slot.take() {
            Some(loaded) => loaded,
            None => self.load(org).await?,
        };
        let caught_up = self.catch_up(org, current).await?;
        Ok(slot.insert(caught_up))
    }

    /// Reads every indexed hash of `org` in seq pages and builds the tables off the
    /// async runtime.
    async fn load(&self, org: OrgId) -> Result<Loaded, ReuseError> {
        let mut seen = Watermark::new(self.settings.reread_every, Instant::now());
        let mut entries: Vec<(Entry, Hash256)> = Vec::new();
        loop {
            let page =
                self.records.indexed_hashes_after(org, seen.highest(), self.settings.page_rows).await?;
            let full = page.len() >= self.settings.page_rows as usize;
            for row in page {
                if seen.admit(row.seq) {
                    entries.push((Entry { photo: row.photo, seq: row.seq }, from_bytes(&row.pdq)));
                }
            }
            seen.fetched(Instant::now());
            if !full {
                break;
            }
        }
        let index = blocking(move || MultiIndex::build(entries)).await??;
        seen.loaded(Instant::now());
        Ok(Loaded { index: Arc::new(index), seen })
    }

    /// Adds the rows stored since the watermark, re-reads below it when due, and indexes
    /// them once more than a few thousand are unindexed (`MultiIndex::upkeep`).
    async fn catch_up(&self, org: OrgId, mut loaded: Loaded) -> Result<Loaded, ReuseError> {
        let now = Instant::now();
        let reread_from = loaded.seen.reread_due(now);
        let mut after = reread_from.unwrap_or_else(|| loaded.seen.highest());
        loop {
            let page = self.records.indexed_hashes_after(org, after, self.settings.page_rows).await?;
            let full = page.len() >= self.settings.page_rows as usize;
            if let Some(last) = page.last() {
                after = last.seq;
            }
            if !page.is_empty() {
                // Only this task holds the org's lock, so the index is normally not shared;
                // if a cancelled search's blocking task still holds it, copy it.
                let index = Arc::make_mut(&mut loaded.index);
                for row in page {
                    if loaded.seen.admit(row.seq) {
                        index.push(Entry { photo: row.photo, seq: row.seq }, from_bytes(&row.pdq))?;
                    }
                }
            }
            if !full {
                break;
            }
        }
        if reread_from.is_some() {
            loaded.seen.reread(Instant::now());
        } else {
            loaded.seen.fetched(Instant::now());
        }
        if loaded.index.needs_upkeep() {
            let mut index = Arc::unwrap_or_clone(loaded.index);
            loaded.index = Arc::new(
                blocking(move || {
                    index.upkeep();
                    index
                })
                .await?,
            );
        }
        Ok(loaded)
    }
}

/// Runs CPU-heavy work on tokio's blocking pool (never on its async threads).
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, ReuseError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| ReuseError::Task(e.to_string()))
}

#[async_trait]
impl ReuseIndex for MemoryReuseIndex {
    async fn find_exact_duplicates(
        &self,
        org: OrgId,
        sha256: &[u8; 32],
        before: PhotoId,
        limit: u32,
    ) -> Result<Vec<ReuseMatch>, RecordsError> {
        self.records.find_exact_duplicates(org, sha256, before, limit).await
    }

    async fn find_similar(
        &self,
        org: OrgId,
        query: &[[u8; 32]],
        radius: u32,
        before: PhotoId,
        limit: u32,
    ) -> Result<Vec<ReuseMatch>, RecordsError> {
        // Refuse before loading anything, as the database search does.
        if radius > MAX_RADIUS {
            return Err(ReuseError::RadiusTooLarge { radius, max: MAX_RADIUS }.into());
        }
        if query.is_empty() {
            return Err(ReuseError::NoQuery.into());
        }
        let queries: Vec<Hash256> = query.iter().map(from_bytes).collect();
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        // Read before catching up: every photo registered before `before` is then in the
        // index (registrations of an org commit in number order).
        let below = self.records.registration(org, before).await?.unwrap_or(i64::MAX);
        let earlier = move |e: Entry| e.seq < below && e.photo != before;
        let found: Vec<(PhotoId, u32)> = {
            let slot = self.slot(org);
            let mut guard = slot.lock().await;
            let index = Arc::clone(&self.refreshed(org, &mut guard).await?.index);
            // A radius-31 search at 10 M hashes is milliseconds of CPU: off the runtime.
            let found = blocking(move || index.search(&queries, radius, earlier, limit)).await??;
            found.into_iter().map(|(e, distance)| (e.photo, distance)).collect()
        };
        // The evidence is read outside the org's lock: other searches of the org go on.
        Ok(self.records.reuse_matches(org, &found).await?)
    }

    async fn find_exif_twins(
        &self,
        org: OrgId,
        facts: &ExifFacts,
        query: &[[u8; 32]],
        before: PhotoId,
        limit: u32,
    ) -> Result<Vec<ReuseMatch>, RecordsError> {
        self.records.find_exif_twins(org, facts, query, before, limit).await
    }
}
