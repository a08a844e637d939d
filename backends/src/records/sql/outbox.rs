//! The outbox relay's and the upload sweeper's queries.

/// Implements [`Outbox`](crate::records::Outbox) for a backend type (see [`super`]).
macro_rules! impl_outbox {
    ($records:ty) => {
        // An unnamed const scopes the macro's imports away from the module it expands in.
        const _: () = {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use punchline_domain::OrgId;
            use uuid::Uuid;

            use $crate::records::rows::{micros, OutboxRow, PendingRow};
            use $crate::records::sql::SqlDialect;
            use $crate::records::{Outbox, OutboxMessage, PendingUpload, RecordsError};

            #[async_trait]
            impl Outbox for $records {
                async fn orgs_with_unsent_outbox(&self, limit: u32) -> Result<Vec<OrgId>, RecordsError> {
                    let orgs: Vec<Uuid> = sqlx::query_scalar(
                        "SELECT DISTINCT org_id FROM outbox WHERE sent_at IS NULL ORDER BY org_id LIMIT $1",
                    )
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                    Ok(orgs.into_iter().map(OrgId).collect())
                }

                async fn unsent_outbox(
                    &self,
                    org: OrgId,
                    limit: u32,
                ) -> Result<Vec<OutboxMessage>, RecordsError> {
                    let rows: Vec<OutboxRow> = sqlx::query_as(
                        "SELECT id, org_id, photo_id, payload, created_at FROM outbox \
                         WHERE org_id = $1 AND sent_at IS NULL ORDER BY id LIMIT $2",
                    )
                    .bind(org.0)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                    Ok(rows.into_iter().map(OutboxMessage::from).collect())
                }

                async fn mark_outbox_sent(&self, org: OrgId, ids: &[i64]) -> Result<u64, RecordsError> {
                    // How a list of ids is bound is the dialect's (PostgreSQL has arrays, SQLite not).
                    self.mark_outbox_rows_sent(org, ids, micros(Utc::now())).await
                }

                // The state is written into these queries, not bound: only then can the planner use
                // the partial index on pending uploads (its predicate must match the query's text).
                async fn orgs_with_stale_uploads(
                    &self,
                    created_before: DateTime<Utc>,
                    limit: u32,
                ) -> Result<Vec<OrgId>, RecordsError> {
                    let orgs: Vec<Uuid> = sqlx::query_scalar(
                        "SELECT DISTINCT org_id FROM photos \
                         WHERE state = 'pending_upload' AND created_at < $1 \
                         ORDER BY org_id LIMIT $2",
                    )
                    .bind(micros(created_before))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                    Ok(orgs.into_iter().map(OrgId).collect())
                }

                async fn stale_uploads(
                    &self,
                    org: OrgId,
                    created_before: DateTime<Utc>,
                    limit: u32,
                ) -> Result<Vec<PendingUpload>, RecordsError> {
                    let rows: Vec<PendingRow> = sqlx::query_as(
                        "SELECT id, punch_id, object_key, created_at FROM photos \
                         WHERE org_id = $1 AND state = 'pending_upload' AND created_at < $2 \
                         ORDER BY created_at, id LIMIT $3",
                    )
                    .bind(org.0)
                    .bind(micros(created_before))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                    Ok(rows.into_iter().map(PendingUpload::from).collect())
                }
            }
        };
    };
}
pub(crate) use impl_outbox;
