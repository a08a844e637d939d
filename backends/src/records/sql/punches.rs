//! Punches, listings and reviews.

/// Implements [`PunchRecords`](crate::records::PunchRecords) for a backend type (see
/// [`super`]).
macro_rules! impl_punch_records {
    ($records:ty) => {
        // An unnamed const scopes the macro's imports away from the module it expands in.
        const _: () = {
            use async_trait::async_trait;
            use punchline_domain::{OrgId, PhotoState, Punch, PunchId, Review};
            use sqlx::QueryBuilder;
            use uuid::Uuid;

            use $crate::records::rows::{
                check_org, micros, same_body, DeviceTime, PhotoRow, PunchRow, ReviewRow, SummaryRow,
                VariantRow, VerdictRow, PHOTO_COLUMNS, PUNCH_COLUMNS,
            };
            use $crate::records::sql::SqlBackend;
            use $crate::records::{
                CreatedPunch, NewPhoto, PhotoRecord, PunchCreation, PunchDetails, PunchFilter, PunchRecords,
                PunchSummary, RecordsError,
            };

            type Db = <$records as SqlBackend>::Database;

            #[async_trait]
            impl PunchRecords for $records {
                async fn create_punch(
                    &self,
                    org: OrgId,
                    punch: &Punch,
                    photo: &NewPhoto,
                ) -> Result<CreatedPunch, RecordsError> {
                    check_org(org, punch.org, "punch")?;
                    let device_time = DeviceTime::of(&punch.device_time)?;
                    let location = punch.device_location;
                    let received_at = micros(punch.received_at);
                    let mut tx = self.begin_write().await?;
                    // A concurrent create with the same client id gets in after this one commits (on
                    // PostgreSQL its insert waits on the unique index, on SQLite writers take turns),
                    // then inserts nothing: exactly one punch, and the loser reads the winner's below.
                    let inserted = sqlx::query(
                        "INSERT INTO punches (org_id, id, client_id, kind, worker_id, site_id, device_time, \
                         device_offset_minutes, device_lat, device_lon, device_accuracy_m, device_mock, \
                         received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                         ON CONFLICT (org_id, client_id) DO NOTHING",
                    )
                    .bind(org.0)
                    .bind(punch.id.0)
                    .bind(punch.client_id.as_str())
                    .bind(punch.kind.as_str())
                    .bind(punch.worker.0)
                    .bind(punch.site.0)
                    .bind(device_time.utc)
                    .bind(device_time.offset_minutes)
                    .bind(location.map(|l| l.lat))
                    .bind(location.map(|l| l.lon))
                    .bind(location.map(|l| l.accuracy_m))
                    .bind(location.and_then(|l| l.mock))
                    .bind(received_at)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                        == 1;
                    if inserted {
                        sqlx::query(
                            "INSERT INTO photos (org_id, id, punch_id, object_key, state, created_at) \
                             VALUES ($1, $2, $3, $4, $5, $6)",
                        )
                        .bind(org.0)
                        .bind(photo.id.0)
                        .bind(punch.id.0)
                        .bind(&photo.object_key)
                        .bind(PhotoState::PendingUpload.as_str())
                        .bind(received_at)
                        .execute(&mut *tx)
                        .await?;
                    }
                    let sql = format!(
                        "SELECT {PUNCH_COLUMNS} FROM punches p WHERE p.org_id = $1 AND p.client_id = $2"
                    );
                    let stored: PunchRow = sqlx::query_as(&sql)
                        .bind(org.0)
                        .bind(punch.client_id.as_str())
                        .fetch_one(&mut *tx)
                        .await?;
                    let sql =
                        format!("SELECT {PHOTO_COLUMNS} FROM photos WHERE org_id = $1 AND punch_id = $2");
                    let stored_photo: PhotoRow =
                        sqlx::query_as(&sql).bind(org.0).bind(stored.id).fetch_one(&mut *tx).await?;
                    tx.commit().await?;
                    let stored = Punch::try_from(stored)?;
                    let creation = if inserted {
                        PunchCreation::Created
                    } else {
                        PunchCreation::Existing { same_body: same_body(&stored, punch)? }
                    };
                    Ok(CreatedPunch { punch: stored, photo: stored_photo.try_into()?, creation })
                }

                async fn punch(&self, org: OrgId, punch: PunchId) -> Result<Option<Punch>, RecordsError> {
                    let sql =
                        format!("SELECT {PUNCH_COLUMNS} FROM punches p WHERE p.org_id = $1 AND p.id = $2");
                    let row: Option<PunchRow> =
                        sqlx::query_as(&sql).bind(org.0).bind(punch.0).fetch_optional(&self.pool).await?;
                    row.map(Punch::try_from).transpose()
                }

                async fn punch_details(
                    &self,
                    org: OrgId,
                    punch: PunchId,
                ) -> Result<Option<PunchDetails>, RecordsError> {
                    let Some(stored) = self.punch(org, punch).await? else { return Ok(None) };
                    let sql =
                        format!("SELECT {PHOTO_COLUMNS} FROM photos WHERE org_id = $1 AND punch_id = $2");
                    let photo: PhotoRow =
                        sqlx::query_as(&sql).bind(org.0).bind(punch.0).fetch_one(&self.pool).await?;
                    let photo = PhotoRecord::try_from(photo)?;
                    let variants: Vec<VariantRow> = sqlx::query_as(
                        "SELECT size, object_key, width, height, bytes FROM variants \
                         WHERE org_id = $1 AND photo_id = $2 ORDER BY size DESC",
                    )
                    .bind(org.0)
                    .bind(photo.id.0)
                    .fetch_all(&self.pool)
                    .await?;
                    let verdict: Option<VerdictRow> = sqlx::query_as(
                        "SELECT state, flags, rules_version, decided_at FROM verdicts \
                         WHERE org_id = $1 AND photo_id = $2",
                    )
                    .bind(org.0)
                    .bind(photo.id.0)
                    .fetch_optional(&self.pool)
                    .await?;
                    Ok(Some(PunchDetails {
                        punch: stored,
                        photo,
                        variants: variants.into_iter().map(TryInto::try_into).collect::<Result<_, _>>()?,
                        verdict: verdict.map(TryInto::try_into).transpose()?,
                        reviews: self.reviews(org, punch).await?,
                    }))
                }

                async fn list_punches(
                    &self,
                    org: OrgId,
                    filter: &PunchFilter,
                ) -> Result<Vec<PunchSummary>, RecordsError> {
                    let mut query = QueryBuilder::<Db>::new(format!(
                        "SELECT {PUNCH_COLUMNS}, ph.id AS photo_id, ph.state AS photo_state, \
                         v.state AS verdict_state FROM punches p \
                         JOIN photos ph ON ph.org_id = p.org_id AND ph.punch_id = p.id \
                         LEFT JOIN verdicts v ON v.org_id = p.org_id AND v.punch_id = p.id \
                         WHERE p.org_id = "
                    ));
                    query.push_bind(org.0);
                    if let Some(site) = filter.site {
                        query.push(" AND p.site_id = ").push_bind(site.0);
                    }
                    if let Some(worker) = filter.worker {
                        query.push(" AND p.worker_id = ").push_bind(worker.0);
                    }
                    if let Some(state) = filter.verdict {
                        query.push(" AND v.state = ").push_bind(state.as_str());
                    }
                    if filter.unreviewed {
                        query.push(
                            " AND NOT EXISTS (SELECT 1 FROM reviews r \
                             WHERE r.org_id = p.org_id AND r.punch_id = p.id)",
                        );
                    }
                    if let Some(from) = filter.received_from {
                        query.push(" AND p.received_at >= ").push_bind(micros(from));
                    }
                    if let Some(to) = filter.received_to {
                        query.push(" AND p.received_at < ").push_bind(micros(to));
                    }
                    if let Some(before) = filter.before {
                        query.push(" AND p.id < ").push_bind(before.0);
                    }
                    query.push(" ORDER BY p.id DESC LIMIT ").push_bind(filter.page_size());
                    let rows: Vec<SummaryRow> = query.build_query_as().fetch_all(&self.pool).await?;
                    rows.into_iter().map(PunchSummary::try_from).collect()
                }

                async fn add_review(
                    &self,
                    org: OrgId,
                    punch: PunchId,
                    review: &Review,
                ) -> Result<(), RecordsError> {
                    let inserted = sqlx::query(
                        "INSERT INTO reviews (org_id, id, punch_id, decision, reviewer_id, reason, at) \
                         SELECT $1, $2, p.id, $4, $5, $6, $7 FROM punches p \
                         WHERE p.org_id = $1 AND p.id = $3",
                    )
                    .bind(org.0)
                    .bind(Uuid::now_v7())
                    .bind(punch.0)
                    .bind(review.decision.as_str())
                    .bind(review.reviewer.0)
                    .bind(&review.reason)
                    .bind(micros(review.at))
                    .execute(&self.pool)
                    .await?;
                    if inserted.rows_affected() == 0 {
                        return Err(RecordsError::not_found("punch"));
                    }
                    Ok(())
                }

                async fn reviews(&self, org: OrgId, punch: PunchId) -> Result<Vec<Review>, RecordsError> {
                    let rows: Vec<ReviewRow> = sqlx::query_as(
                        "SELECT decision, reviewer_id, at, reason FROM reviews \
                         WHERE org_id = $1 AND punch_id = $2 ORDER BY at, id",
                    )
                    .bind(org.0)
                    .bind(punch.0)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.into_iter().map(Review::try_from).collect()
                }
            }
        };
    };
}
pub(crate) use impl_punch_records;
