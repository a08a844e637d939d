//! The supervisors' console: login links, sessions, and its listings.

/// Implements [`ConsoleRecords`](crate::records::ConsoleRecords) for a backend type (see
/// [`super`]) that also implements [`ConsoleDialect`](crate::records::console::ConsoleDialect).
macro_rules! impl_console_records {
    ($records:ty) => {
        // An unnamed const scopes the macro's imports away from the module it expands in.
        const _: () = {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use punchline_domain::{OrgId, PunchId, Role};
            use sqlx::QueryBuilder;

            use $crate::records::console::{
                ConsoleDialect, ConsoleFilter, ConsoleRecords, ConsoleRow, ConsoleSession, Grant, NewLogin,
                ReviewFilter,
            };
            use $crate::records::rows::{
                micros, ConsoleListRow, GrantRow, SessionRow, UserRow, VariantRow, PUNCH_COLUMNS,
                SESSION_COLUMNS,
            };
            use $crate::records::sql::SqlBackend;
            use $crate::records::{RecordsError, StoredVariant, User};

            type Db = <$records as SqlBackend>::Database;

            /// Punches with their photo, verdict and latest review (`r`, if any).
            const FROM_PUNCHES: &str = " FROM punches p \
                 JOIN photos ph ON ph.org_id = p.org_id AND ph.punch_id = p.id \
                 LEFT JOIN verdicts v ON v.org_id = p.org_id AND v.punch_id = p.id \
                 LEFT JOIN reviews r ON r.org_id = p.org_id AND r.punch_id = p.id AND r.id = (\
                 SELECT r2.id FROM reviews r2 WHERE r2.org_id = p.org_id AND r2.punch_id = p.id \
                 ORDER BY r2.at DESC, r2.id DESC LIMIT 1) \
                 WHERE p.org_id = ";

            /// The filter's conditions (not its cursor), after `WHERE p.org_id = `.
            fn push_conditions(query: &mut QueryBuilder<'_, Db>, org: OrgId, filter: &ConsoleFilter) {
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
                if let Some(code) = filter.flag {
                    query.push(<$records as ConsoleDialect>::FLAG_MATCH_BEFORE);
                    query.push_bind(code.as_str()).push(<$records as ConsoleDialect>::FLAG_MATCH_AFTER);
                }
                match filter.review {
                    ReviewFilter::Any => {}
                    ReviewFilter::Unreviewed => {
                        query.push(" AND r.id IS NULL");
                    }
                    ReviewFilter::Latest(decision) => {
                        query.push(" AND r.decision = ").push_bind(decision.as_str());
                    }
                }
                if let Some(from) = filter.received_from {
                    query.push(" AND p.received_at >= ").push_bind(micros(from));
                }
                if let Some(to) = filter.received_to {
                    query.push(" AND p.received_at < ").push_bind(micros(to));
                }
                if let Some(from) = filter.device_from {
                    query.push(" AND p.device_time >= ").push_bind(micros(from));
                }
                if let Some(to) = filter.device_to {
                    query.push(" AND p.device_time < ").push_bind(micros(to));
                }
            }

            #[async_trait]
            impl ConsoleRecords for $records {
                async fn create_login(&self, login: &NewLogin) -> Result<(), RecordsError> {
                    sqlx::query(
                        "INSERT INTO console_logins (token_hash, org_id, user_id, role, created_at, \
                         expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(&login.token_hash[..])
                    .bind(login.org.0)
                    .bind(login.user.0)
                    .bind(login.role.as_str())
                    .bind(micros(login.created_at))
                    .bind(micros(login.expires_at))
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn redeem_login(
                    &self,
                    token_hash: &[u8; 32],
                    now: DateTime<Utc>,
                ) -> Result<Option<Grant>, RecordsError> {
                    // One statement: of two concurrent uses, only one finds `used_at` empty.
                    let row: Option<GrantRow> = sqlx::query_as(
                        "UPDATE console_logins SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL \
                         RETURNING org_id, user_id, role, expires_at",
                    )
                    .bind(&token_hash[..])
                    .bind(micros(now))
                    .fetch_optional(&self.pool)
                    .await?;
                    // An expired link is used up all the same: it never works again.
                    row.filter(|row| row.expires_at > now).map(|row| row.grant()).transpose()
                }

                async fn create_session(&self, session: &ConsoleSession) -> Result<(), RecordsError> {
                    let now = micros(session.created_at);
                    // Expired rows are kept no longer than until the next sign-in.
                    sqlx::query("DELETE FROM console_sessions WHERE expires_at < $1")
                        .bind(now)
                        .execute(&self.pool)
                        .await?;
                    sqlx::query("DELETE FROM console_logins WHERE expires_at < $1")
                        .bind(now)
                        .execute(&self.pool)
                        .await?;
                    sqlx::query(
                        "INSERT INTO console_sessions (id_hash, org_id, user_id, role, csrf_token, \
                         created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(&session.id_hash[..])
                    .bind(session.grant.org.0)
                    .bind(session.grant.user.0)
                    .bind(session.grant.role.as_str())
                    .bind(&session.csrf_token)
                    .bind(now)
                    .bind(micros(session.expires_at))
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn session(
                    &self,
                    id_hash: &[u8; 32],
                    now: DateTime<Utc>,
                ) -> Result<Option<ConsoleSession>, RecordsError> {
                    let sql = format!(
                        "SELECT {SESSION_COLUMNS} FROM console_sessions \
                         WHERE id_hash = $1 AND ended_at IS NULL"
                    );
                    let row: Option<SessionRow> =
                        sqlx::query_as(&sql).bind(&id_hash[..]).fetch_optional(&self.pool).await?;
                    let session = row.map(ConsoleSession::try_from).transpose()?;
                    Ok(session.filter(|s| s.expires_at > now))
                }

                async fn end_session(&self, id_hash: &[u8; 32], now: DateTime<Utc>) -> Result<bool, RecordsError> {
                    let ended = sqlx::query(
                        "UPDATE console_sessions SET ended_at = $2 WHERE id_hash = $1 AND ended_at IS NULL",
                    )
                    .bind(&id_hash[..])
                    .bind(micros(now))
                    .execute(&self.pool)
                    .await?;
                    Ok(ended.rows_affected() > 0)
                }

                async fn console_punches(
                    &self,
                    org: OrgId,
                    filter: &ConsoleFilter,
                ) -> Result<Vec<ConsoleRow>, RecordsError> {
                    let mut query = QueryBuilder::<Db>::new(format!(
                        "SELECT {PUNCH_COLUMNS}, ph.id AS photo_id, ph.state AS photo_state, \
                         v.state AS verdict_state, v.flags AS flags, r.decision AS review_decision, \
                         r.reviewer_id AS review_reviewer, r.at AS review_at, r.reason AS review_reason\
                         {FROM_PUNCHES}"
                    ));
                    push_conditions(&mut query, org, filter);
                    if let Some(before) = filter.before {
                        query.push(" AND p.id < ").push_bind(before.0);
                    }
                    query.push(" ORDER BY p.id DESC LIMIT ").push_bind(filter.page_size());
                    let rows: Vec<ConsoleListRow> = query.build_query_as().fetch_all(&self.pool).await?;
                    rows.into_iter().map(ConsoleRow::try_from).collect()
                }

                async fn count_console_punches(
                    &self,
                    org: OrgId,
                    filter: &ConsoleFilter,
                ) -> Result<u64, RecordsError> {
                    let mut query = QueryBuilder::<Db>::new(format!("SELECT count(*){FROM_PUNCHES}"));
                    push_conditions(&mut query, org, filter);
                    let (count,): (i64,) = query.build_query_as().fetch_one(&self.pool).await?;
                    Ok(u64::try_from(count).unwrap_or(0))
                }

                async fn users_with_role(&self, org: OrgId, role: Role) -> Result<Vec<User>, RecordsError> {
                    let rows: Vec<UserRow> = sqlx::query_as(
                        "SELECT id, org_id, name, role FROM users WHERE org_id = $1 AND role = $2 \
                         ORDER BY name, id",
                    )
                    .bind(org.0)
                    .bind(role.as_str())
                    .fetch_all(&self.pool)
                    .await?;
                    rows.into_iter().map(User::try_from).collect()
                }

                async fn punch_variants(
                    &self,
                    org: OrgId,
                    punch: PunchId,
                ) -> Result<Vec<StoredVariant>, RecordsError> {
                    let rows: Vec<VariantRow> = sqlx::query_as(
                        "SELECT va.size, va.object_key, va.width, va.height, va.bytes FROM variants va \
                         JOIN photos ph ON ph.org_id = va.org_id AND ph.id = va.photo_id \
                         WHERE va.org_id = $1 AND ph.punch_id = $2 ORDER BY va.size",
                    )
                    .bind(org.0)
                    .bind(punch.0)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.into_iter().map(StoredVariant::try_from).collect()
                }
            }
        };
    };
}
pub(crate) use impl_console_records;
