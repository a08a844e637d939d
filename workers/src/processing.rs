//! One photo from bytes to a result ready to commit: the image pipeline on the CPU pool,
//! the reuse candidates from the records' index, and the verification rules.
//!
//! The result is built first and committed separately, so the caller can store the
//! variants in between: a committed verdict always points at variants that exist.

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use punchline_backends::records::{
    CommitOutcome, PhotoResult, ProcessedPhoto as ProcessedRecord, Records, ReuseIndex, ReuseMatch,
    StoredVariant,
};
use punchline_backends::store::ObjectKey;
use punchline_domain::{
    Config, ExifFacts, OrgId, PhotoFailure, PhotoFailureCode, PhotoId, PhotoState, Punch, Site,
};
use punchline_imaging::{process, ImageError, Processed, Settings, Variant};

use crate::job_error::JobError;
use crate::verify::{self, ReuseCandidate, VerificationInput};

/// How many earlier photos each reuse query may return: evidence, not an exhaustive list.
const CANDIDATE_LIMIT: u32 = 20;

/// What processing one photo produced: the result to commit and the variants to store first.
#[derive(Debug)]
pub struct Analysis {
    /// What [`Processor::commit`] writes: the verdict and everything it rests on.
    pub result: PhotoResult,
    /// `(object key, JPEG bytes)` of each variant, to be stored before the commit.
    pub variants: Vec<(ObjectKey, Vec<u8>)>,
}

/// Processes photos against one records backend, on one CPU pool.
#[derive(Clone)]
pub struct Processor {
    records: Arc<dyn Records>,
    /// Where reuse candidates are searched: the in-memory index over `records` or the
    /// records themselves, as `hashing.reuse_search` says.
    reuse: Arc<dyn ReuseIndex>,
    config: Arc<Config>,
    cpu: Arc<rayon::ThreadPool>,
}

impl Processor {
    /// A processor reading and committing through `records`, searching reuse candidates
    /// where `config.hashing.reuse_search` says, running the image pipeline on `cpu` (see
    /// [`crate::cpu_pool`]).
    pub fn new(records: Arc<dyn Records>, config: Arc<Config>, cpu: Arc<rayon::ThreadPool>) -> Processor {
        let reuse = punchline_backends::reuse::index_for(Arc::clone(&records), &config.hashing);
        Processor { records, reuse, config, cpu }
    }

    /// Analyses `bytes` as the photo `photo` of `org`. `None`: the photo already has a
    /// verdict (a redelivered job), nothing to do.
    pub async fn analyse(
        &self,
        org: OrgId,
        photo: PhotoId,
        bytes: Vec<u8>,
    ) -> Result<Option<Analysis>, JobError> {
        let records = &self.records;
        let row = records
            .photo(org, photo)
            .await?
            .ok_or_else(|| JobError::Abort(format!("photo {photo} does not exist")))?;
        if matches!(row.state, PhotoState::Processed | PhotoState::Failed) {
            return Ok(None);
        }
        let punch =
            records.punch(org, row.punch).await?.ok_or_else(|| JobError::Abort("punch is gone".into()))?;
        let site =
            records.site(org, punch.site).await?.ok_or_else(|| JobError::Abort("site is gone".into()))?;
        records.mark_processing(org, photo).await?;
        let byte_count = bytes.len() as u64;
        let now = Utc::now();
        let analysis = match self.run_pipeline(bytes).await? {
            Err(e) => self.failed(e, now),
            Ok(processed) => {
                // Registered (committed) before searching: of two copies processed at the
                // same moment, the second registered finds the first, whatever the timing.
                let indexed = self.indexed_for_reuse(&processed);
                records.register_photo(org, photo, &processed.exif, &processed.hashes, indexed).await?;
                let candidates = self.candidates(org, photo, &processed).await?;
                let uploaded = row.uploaded_at.unwrap_or(now);
                self.verified(org, photo, &punch, &site, processed, byte_count, uploaded, &candidates, now)
            }
        };
        Ok(Some(analysis))
    }

    /// Commits an analysis; a second commit of the same photo changes nothing.
    pub async fn commit(
        &self,
        org: OrgId,
        photo: PhotoId,
        analysis: &Analysis,
    ) -> Result<CommitOutcome, JobError> {
        Ok(self.records.commit_result(org, photo, &analysis.result).await?)
    }

    /// Records that the photo could not be processed for a reason outside the image (its
    /// object is missing, the job gave up): the photo ends `failed` with `failure` and a
    /// `failed` verdict, so the punch does not wait forever. A photo that already has a
    /// verdict keeps it.
    pub async fn commit_failure(
        &self,
        org: OrgId,
        photo: PhotoId,
        failure: PhotoFailure,
    ) -> Result<CommitOutcome, JobError> {
        let failure = photo_failure(failure.code, &failure.reason);
        let verdict = verify::verdict_for_failure(&failure, &self.config, Utc::now());
        let result = PhotoResult::Failed { failure, verdict };
        Ok(self.records.commit_result(org, photo, &result).await?)
    }

    /// Threads of the CPU pool, to size how many jobs a worker holds around it.
    pub fn cpu_threads(&self) -> usize {
        self.cpu.current_num_threads()
    }

    /// The image pipeline on the CPU pool; the async task only waits for it.
    async fn run_pipeline(&self, bytes: Vec<u8>) -> Result<Result<Processed, ImageError>, JobError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let config = Arc::clone(&self.config);
        self.cpu.spawn(move || {
            let settings = Settings { limits: &config.limits, variants: &config.variants };
            // A panic in a decoder must not take the worker down: report it as a failure.
            let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| process(&bytes, settings)))
                .unwrap_or_else(|_| Err(ImageError::DecodeFailed("the image pipeline panicked".into())));
            let _ = tx.send(outcome);
        });
        rx.await.map_err(|_| JobError::Retry("the CPU pool dropped the job".into()))
    }

    /// Earlier photos of the same organisation (registered before this one) that may be
    /// this picture: same bytes, a PDQ within the reuse radius (any rotation/mirroring),
    /// or the same capture metadata.
    async fn candidates(
        &self,
        org: OrgId,
        photo: PhotoId,
        p: &Processed,
    ) -> Result<Vec<ReuseCandidate>, JobError> {
        let (records, reuse) = (&self.records, &self.reuse);
        let hashing = &self.config.hashing;
        let mut found: BTreeMap<String, ReuseMatch> = BTreeMap::new();
        let mut add = |matches: Vec<ReuseMatch>| {
            for m in matches {
                found.entry(m.photo.to_string()).or_insert(m);
            }
        };
        add(reuse.find_exact_duplicates(org, &p.hashes.sha256, photo, CANDIDATE_LIMIT).await?);
        if self.indexed_for_reuse(p) {
            let radius = hashing.reuse_max_distance;
            add(reuse.find_similar(org, &p.hashes.pdq_dihedral, radius, photo, CANDIDATE_LIMIT).await?);
        }
        if p.exif.datetime_original.is_some() {
            add(reuse.find_exif_twins(org, &p.exif, &p.hashes.pdq_dihedral, photo, CANDIDATE_LIMIT).await?);
        }
        let mut candidates = Vec::with_capacity(found.len());
        for m in found.into_values() {
            let Some(stored) = records.photo_hashes(org, m.photo).await? else { continue };
            candidates.push(ReuseCandidate {
                org,
                photo: m.photo,
                registered: m.registered,
                punch: m.punch,
                worker: m.worker,
                sha256: stored.hashes.sha256,
                pdq: stored.hashes.pdq,
                exif: m.facts.unwrap_or_else(ExifFacts::default),
            });
        }
        Ok(candidates)
    }

    /// Whether the photo's PDQ is searched with and kept in the reuse index: not for blank
    /// frames (below `hashing.blank_below_quality`), which would all "match" each other.
    fn indexed_for_reuse(&self, p: &Processed) -> bool {
        p.hashes.pdq.quality >= self.config.hashing.blank_below_quality
    }

    fn failed(&self, e: ImageError, now: DateTime<Utc>) -> Analysis {
        let failure = photo_failure(e.code(), &e.to_string());
        let verdict = verify::verdict_for_failure(&failure, &self.config, now);
        Analysis { result: PhotoResult::Failed { failure, verdict }, variants: Vec::new() }
    }

    #[allow(clippy::too_many_arguments)] // one call site; a struct would only rename them
    fn verified(
        &self,
        org: OrgId,
        photo: PhotoId,
        punch: &Punch,
        site: &Site,
        p: Processed,
        bytes: u64,
        uploaded: DateTime<Utc>,
        candidates: &[ReuseCandidate],
        now: DateTime<Utc>,
    ) -> Analysis {
        let facts = verify::ProcessedPhoto {
            id: photo,
            exif: p.exif.clone(),
            hashes: p.hashes.clone(),
            width: p.width,
            height: p.height,
            bytes,
        };
        let input =
            VerificationInput { punch, site, photo: &facts, upload_completed_at: uploaded, candidates };
        let verdict = verify::verify(&input, &self.config, now);
        let index_for_reuse = self.indexed_for_reuse(&p);
        let (stored, variants) = variant_objects(org, photo, p.variants);
        let record = ProcessedRecord {
            width: p.width,
            height: p.height,
            facts: p.exif,
            index_for_reuse,
            hashes: p.hashes,
            variants: stored,
            verdict,
        };
        Analysis { result: PhotoResult::Processed(Box::new(record)), variants }
    }
}

/// A failure to record on a photo. The reason is for people, and may quote bytes of the
/// file (an ISO media brand with NULs in it): control characters are escaped, so it is
/// readable and every database accepts it (PostgreSQL's jsonb refuses `\u0000`).
pub(crate) fn photo_failure(code: PhotoFailureCode, reason: &str) -> PhotoFailure {
    let reason = reason
        .chars()
        .map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() })
        .collect();
    PhotoFailure { code, reason }
}

/// The variants' records and their objects, named by the store's key layout.
fn variant_objects(
    org: OrgId,
    photo: PhotoId,
    variants: Vec<Variant>,
) -> (Vec<StoredVariant>, Vec<(ObjectKey, Vec<u8>)>) {
    variants
        .into_iter()
        .map(|v| {
            let key = ObjectKey::variant(org, photo, v.size);
            let stored = StoredVariant {
                size: v.size,
                object_key: key.as_str().to_owned(),
                width: v.width,
                height: v.height,
                bytes: v.bytes.len() as u64,
            };
            (stored, (key, v.bytes))
        })
        .unzip()
}

#[cfg(test)]
mod tests {
    use punchline_domain::PhotoFailureCode;

    use super::photo_failure;

    #[test]
    fn failure_reasons_escape_control_characters() {
        let failure = photo_failure(PhotoFailureCode::NotAnImage, "brands \u{0}\u{4}ic, mif1\n");
        assert_eq!(failure.code, PhotoFailureCode::NotAnImage);
        assert_eq!(failure.reason, "brands \\u{0}\\u{4}ic, mif1\\n");
        assert!(!failure.reason.chars().any(char::is_control));
    }
}
