//! Photos: upload completion with its outbox row, the registration that orders an
//! organisation's photos for reuse search, and the one-transaction, once-only commit of a
//! job's result.

/// Implements [`PhotoRecords`](crate::records::PhotoRecords) for a backend type (see
/// [`super`]).
macro_rules! impl_photo_records {
    ($records:ty) => {
        // An unnamed const scopes the macro's imports away from the module it expands in.
        const _: () = {
            use async_trait::async_trait;
            use chrono::Utc;
            use punchline_domain::{ExifFacts, OrgId, PhotoHashes, PhotoId, PhotoState, PunchId, Verdict};
            use sqlx::types::Json;
            use uuid::Uuid;

            use $crate::records::rows::{
                hash32, micros, stored_hashes, to_i32, to_i64, FactsRow, PhotoRow, VerdictRow, FACTS_COLUMNS,
                PHOTO_COLUMNS,
            };
            use $crate::records::sql::{Connection, SqlBackend, SqlDialect};
            use $crate::records::{
                CommitOutcome, PhotoRecord, PhotoRecords, PhotoResult, RecordsError, StoredHashes,
                StoredVariant, UploadCompletion, UploadedPhoto,
            };

            #[async_trait]
            impl PhotoRecords for $records {
                async fn photo(
                    &self,
                    org: OrgId,
                    photo: PhotoId,
                ) -> Result<Option<PhotoRecord>, RecordsError> {
                    let sql = format!("SELECT {PHOTO_COLUMNS} FROM photos WHERE org_id = $1 AND id = $2");
                    let row: Option<PhotoRow> =
                        sqlx::query_as(&sql).bind(org.0).bind(photo.0).fetch_optional(&self.pool).await?;
                    row.map(PhotoRecord::try_from).transpose()
                }

                async fn complete_upload(
                    &self,
                    org: OrgId,
                    photo: PhotoId,
                    uploaded: &UploadedPhoto,
                    job: &serde_json::Value,
                ) -> Result<UploadCompletion, RecordsError> {
                    let now = micros(Utc::now());
                    let mut tx = self.begin_write().await?;
                    // A concurrent completion gets in after this one commits (waiting on the row lock,
                    // or for its turn to write), then finds the state moved on.
                    let moved = sqlx::query(
                        "UPDATE photos SET state = $3, bytes = $4, format = $5, uploaded_at = $6 \
                         WHERE org_id = $1 AND id = $2 AND state = $7",
                    )
                    .bind(org.0)
                    .bind(photo.0)
                    .bind(PhotoState::Uploaded.as_str())
                    .bind(to_i64(uploaded.bytes, "photo size")?)
                    .bind(uploaded.format.as_str())
                    .bind(now)
                    .bind(PhotoState::PendingUpload.as_str())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                        == 1;
                    if !moved {
                        let state: Option<String> =
                            sqlx::query_scalar("SELECT state FROM photos WHERE org_id = $1 AND id = $2")
                                .bind(org.0)
                                .bind(photo.0)
                                .fetch_optional(&mut *tx)
                                .await?;
                        let state = state.ok_or_else(|| RecordsError::not_found("photo"))?;
                        return Ok(UploadCompletion::AlreadyCompleted {
                            state: state.parse().map_err(RecordsError::corrupt)?,
                        });
                    }
                    let outbox_id: i64 = sqlx::query_scalar(
                        "INSERT INTO outbox (org_id, photo_id, payload, created_at) \
                         VALUES ($1, $2, $3, $4) RETURNING id",
                    )
                    .bind(org.0)
                    .bind(photo.0)
                    .bind(Json(job))
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(UploadCompletion::Completed { outbox_id })
                }

                async fn mark_processing(&self, org: OrgId, photo: PhotoId) -> Result<bool, RecordsError> {
                    let moved = sqlx::query(
                        "UPDATE photos SET state = $3 WHERE org_id = $1 AND id = $2 AND state = $4",
                    )
                    .bind(org.0)
                    .bind(photo.0)
                    .bind(PhotoState::Processing.as_str())
                    .bind(PhotoState::Uploaded.as_str())
                    .execute(&self.pool)
                    .await?;
                    Ok(moved.rows_affected() == 1)
                }

                async fn register_photo(
                    &self,
                    org: OrgId,
                    photo: PhotoId,
                    facts: &ExifFacts,
                    hashes: &PhotoHashes,
                    indexed: bool,
                ) -> Result<i64, RecordsError> {
                    let mut tx = self.begin_write().await?;
                    // The photo's row first, as `commit_result` takes it: a registration racing the
                    // same photo's commit queues on the row, never on the org's lock in reverse order.
                    locked_photo_punch(&mut tx, org, photo).await?;
                    let seq = register(&mut tx, org, photo, facts, hashes, indexed).await?;
                    tx.commit().await?;
                    Ok(seq)
                }

                async fn commit_result(
                    &self,
                    org: OrgId,
                    photo: PhotoId,
                    result: &PhotoResult,
                ) -> Result<CommitOutcome, RecordsError> {
                    let mut tx = self.begin_write().await?;
                    // Concurrent commits of one photo (a redelivery racing the first delivery) run one
                    // after the other, and the second sees the first's verdict.
                    let punch = locked_photo_punch(&mut tx, org, photo).await?;
                    let decided: Option<i32> =
                        sqlx::query_scalar("SELECT 1 FROM verdicts WHERE org_id = $1 AND photo_id = $2")
                            .bind(org.0)
                            .bind(photo.0)
                            .fetch_optional(&mut *tx)
                            .await?;
                    if decided.is_some() {
                        return Ok(CommitOutcome::AlreadyCommitted);
                    }
                    let now = micros(Utc::now());
                    match result {
                        PhotoResult::Processed(processed) => {
                            let (facts, hashes) = (&processed.facts, &processed.hashes);
                            register(&mut tx, org, photo, facts, hashes, processed.index_for_reuse).await?;
                            insert_variants(&mut tx, org, photo, &processed.variants).await?;
                            insert_verdict(&mut tx, org, photo, punch, &processed.verdict).await?;
                            sqlx::query(
                                "UPDATE photos SET state = $3, sha256 = $4, width = $5, height = $6, \
                                 processed_at = $7, failure_code = NULL, failure_reason = NULL \
                                 WHERE org_id = $1 AND id = $2",
                            )
                            .bind(org.0)
                            .bind(photo.0)
                            .bind(PhotoState::Processed.as_str())
                            .bind(processed.hashes.sha256.as_slice())
                            .bind(to_i32(processed.width, "width")?)
                            .bind(to_i32(processed.height, "height")?)
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                        }
                        PhotoResult::Failed { failure, verdict } => {
                            insert_verdict(&mut tx, org, photo, punch, verdict).await?;
                            sqlx::query(
                                "UPDATE photos SET state = $3, failure_code = $4, failure_reason = $5, \
                                 processed_at = $6 WHERE org_id = $1 AND id = $2",
                            )
                            .bind(org.0)
                            .bind(photo.0)
                            .bind(PhotoState::Failed.as_str())
                            .bind(failure.code.as_str())
                            .bind(&failure.reason)
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                        }
                    }
                    tx.commit().await?;
                    Ok(CommitOutcome::Committed)
                }

                async fn verdict(&self, org: OrgId, photo: PhotoId) -> Result<Option<Verdict>, RecordsError> {
                    let row: Option<VerdictRow> = sqlx::query_as(
                        "SELECT state, flags, rules_version, decided_at FROM verdicts \
                         WHERE org_id = $1 AND photo_id = $2",
                    )
                    .bind(org.0)
                    .bind(photo.0)
                    .fetch_optional(&self.pool)
                    .await?;
                    row.map(Verdict::try_from).transpose()
                }

                async fn photo_facts(
                    &self,
                    org: OrgId,
                    photo: PhotoId,
                ) -> Result<Option<ExifFacts>, RecordsError> {
                    let sql = format!(
                        "SELECT {FACTS_COLUMNS} FROM photo_facts f WHERE f.org_id = $1 AND f.photo_id = $2"
                    );
                    let row: Option<FactsRow> =
                        sqlx::query_as(&sql).bind(org.0).bind(photo.0).fetch_optional(&self.pool).await?;
                    Ok(row.map(FactsRow::into_facts).transpose()?.flatten())
                }

                async fn photo_hashes(
                    &self,
                    org: OrgId,
                    photo: PhotoId,
                ) -> Result<Option<StoredHashes>, RecordsError> {
                    let sql = format!(
                        "SELECT h.pdq{cast}, h.quality, h.pdq_dihedral, h.indexed, ph.sha256 \
                         FROM photo_hashes h \
                         JOIN photos ph ON ph.org_id = h.org_id AND ph.id = h.photo_id \
                         WHERE h.org_id = $1 AND h.photo_id = $2",
                        cast = <Self as SqlDialect>::PDQ_COLUMN_CAST,
                    );
                    let row: Option<(<Self as SqlDialect>::Pdq, i16, Vec<u8>, bool, Option<Vec<u8>>)> =
                        sqlx::query_as(&sql).bind(org.0).bind(photo.0).fetch_optional(&self.pool).await?;
                    let Some((pdq, quality, dihedral, indexed, sha256)) = row else { return Ok(None) };
                    let sha256 = sha256
                        .ok_or_else(|| RecordsError::corrupt("hashes stored without the photo's sha256"))?;
                    let hashes = stored_hashes(
                        <Self as SqlDialect>::pdq_from_sql(pdq)?,
                        quality,
                        &dihedral,
                        &hash32(&sha256, "sha256")?,
                    )?;
                    Ok(Some(StoredHashes { hashes, indexed }))
                }
            }

            /// Locks the photo's row for the rest of the transaction (writers of one photo queue on
            /// it) and returns its punch. [`RecordsError::NotFound`] if `org` has no such photo.
            async fn locked_photo_punch(
                tx: &mut Connection<$records>,
                org: OrgId,
                photo: PhotoId,
            ) -> Result<PunchId, RecordsError> {
                let sql = format!(
                    "SELECT punch_id FROM photos WHERE org_id = $1 AND id = $2{lock}",
                    lock = <$records as SqlDialect>::LOCK_FOR_UPDATE,
                );
                let punch: Option<Uuid> =
                    sqlx::query_scalar(&sql).bind(org.0).bind(photo.0).fetch_optional(&mut *tx).await?;
                Ok(PunchId(punch.ok_or_else(|| RecordsError::not_found("photo"))?))
            }

            /// The photo's registration number, if it is registered.
            async fn registration_in(
                tx: &mut Connection<$records>,
                org: OrgId,
                photo: PhotoId,
            ) -> Result<Option<i64>, RecordsError> {
                let seq: Option<Option<i64>> =
                    sqlx::query_scalar("SELECT seq FROM photo_hashes WHERE org_id = $1 AND photo_id = $2")
                        .bind(org.0)
                        .bind(photo.0)
                        .fetch_optional(&mut *tx)
                        .await?;
                match seq {
                    None => Ok(None),
                    Some(None) => Err(RecordsError::corrupt("a registered photo without its number")),
                    Some(seq) => Ok(seq),
                }
            }

            /// Registers the photo (facts, hashes, index chunks unless blank, SHA-256) unless it
            /// is already; returns its number. The caller holds the photo's row.
            async fn register(
                tx: &mut Connection<$records>,
                org: OrgId,
                photo: PhotoId,
                facts: &ExifFacts,
                hashes: &PhotoHashes,
                indexed: bool,
            ) -> Result<i64, RecordsError> {
                if let Some(seq) = registration_in(tx, org, photo).await? {
                    return Ok(seq);
                }
                // Taken before the INSERT numbers the row and held to the commit: the org's
                // numbers become visible in their order.
                <$records as SqlDialect>::lock_registrations(&mut *tx, org).await?;
                sqlx::query(
                    "INSERT INTO photo_facts (org_id, photo_id, present, make, model, datetime_original, \
                     offset_time, datetime, gps_lat, gps_lon, gps_utc, orientation, software) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                )
                .bind(org.0)
                .bind(photo.0)
                .bind(facts.present)
                .bind(&facts.make)
                .bind(&facts.model)
                .bind(&facts.datetime_original)
                .bind(&facts.offset)
                .bind(&facts.datetime)
                .bind(facts.gps.map(|g| g.lat))
                .bind(facts.gps.map(|g| g.lon))
                .bind(&facts.gps_utc)
                .bind(facts.orientation.map(i32::from))
                .bind(&facts.software)
                .execute(&mut *tx)
                .await?;

                let pdq = &hashes.pdq;
                let sql = format!(
                    "INSERT INTO photo_hashes (org_id, photo_id, pdq, quality, pdq_dihedral, indexed) \
                     VALUES ($1, $2, $3{cast}, $4, $5, $6)",
                    cast = <$records as SqlDialect>::PDQ_PARAM_CAST,
                );
                sqlx::query(&sql)
                    .bind(org.0)
                    .bind(photo.0)
                    .bind(<$records as SqlDialect>::pdq_to_sql(&pdq.bits))
                    .bind(i16::from(pdq.quality))
                    .bind(hashes.pdq_dihedral.concat())
                    .bind(indexed)
                    .execute(&mut *tx)
                    .await?;
                if indexed {
                    <$records as SqlDialect>::insert_pdq_chunks(&mut *tx, org, photo, &pdq.bits).await?;
                }
                // Exact duplicates are found by the photo's SHA-256 from now on.
                sqlx::query("UPDATE photos SET sha256 = $3 WHERE org_id = $1 AND id = $2")
                    .bind(org.0)
                    .bind(photo.0)
                    .bind(hashes.sha256.as_slice())
                    .execute(&mut *tx)
                    .await?;
                registration_in(tx, org, photo).await?.ok_or_else(|| {
                    RecordsError::corrupt("a photo's registration vanished in its transaction")
                })
            }

            /// The variants already stored in object storage.
            async fn insert_variants(
                tx: &mut Connection<$records>,
                org: OrgId,
                photo: PhotoId,
                variants: &[StoredVariant],
            ) -> Result<(), RecordsError> {
                for variant in variants {
                    sqlx::query(
                        "INSERT INTO variants (org_id, photo_id, size, object_key, width, height, bytes) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(org.0)
                    .bind(photo.0)
                    .bind(to_i32(variant.size, "variant size")?)
                    .bind(&variant.object_key)
                    .bind(to_i32(variant.width, "variant width")?)
                    .bind(to_i32(variant.height, "variant height")?)
                    .bind(to_i64(variant.bytes, "variant bytes")?)
                    .execute(&mut *tx)
                    .await?;
                }
                Ok(())
            }

            /// The photo's verdict, beside its punch.
            async fn insert_verdict(
                tx: &mut Connection<$records>,
                org: OrgId,
                photo: PhotoId,
                punch: PunchId,
                verdict: &Verdict,
            ) -> Result<(), RecordsError> {
                sqlx::query(
                    "INSERT INTO verdicts (org_id, photo_id, punch_id, state, flags, rules_version, \
                     decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(org.0)
                .bind(photo.0)
                .bind(punch.0)
                .bind(verdict.state.as_str())
                .bind(Json(&verdict.flags))
                .bind(&verdict.rules_version)
                .bind(micros(verdict.decided_at))
                .execute(&mut *tx)
                .await?;
                Ok(())
            }
        };
    };
}
pub(crate) use impl_photo_records;
