//! Organisations, users and sites.

/// Implements [`Directory`](crate::records::Directory) and
/// [`SiteRecords`](crate::records::SiteRecords) for a backend type (see [`super`]).
macro_rules! impl_directory {
    ($records:ty) => {
        // An unnamed const scopes the macro's imports away from the module it expands in.
        const _: () = {
            use async_trait::async_trait;
            use chrono::Utc;
            use punchline_domain::{OrgId, Site, SiteId, UserId};
            use sqlx::query::Query;
            use sqlx::types::Json;

            use $crate::records::rows::{check_org, micros, OrgRow, SiteRow, UserRow};
            use $crate::records::sql::{SqlBackend, SqlDialect};
            use $crate::records::{Directory, Organisation, RecordsError, SiteRecords, User};

            type Db = <$records as SqlBackend>::Database;

            const SITE_COLUMNS: &str = "id, org_id, name, time_zone, geofence, active";

            /// A statement on one site with its columns bound as `$1`…`$6`: org, id, name,
            /// time zone, geofence, active (creating and updating a site write the same).
            fn site_statement<'q>(
                sql: &'q str,
                org: OrgId,
                site: &'q Site,
            ) -> Query<'q, Db, <Db as sqlx::Database>::Arguments<'q>> {
                sqlx::query(sql)
                    .bind(org.0)
                    .bind(site.id.0)
                    .bind(&site.name)
                    .bind(site.time_zone.name())
                    .bind(Json(&site.geofence))
                    .bind(site.active)
            }

            #[async_trait]
            impl Directory for $records {
                async fn create_org(&self, org: &Organisation) -> Result<(), RecordsError> {
                    sqlx::query("INSERT INTO organisations (id, name) VALUES ($1, $2)")
                        .bind(org.id.0)
                        .bind(&org.name)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn org(&self, org: OrgId) -> Result<Option<Organisation>, RecordsError> {
                    let row: Option<OrgRow> =
                        sqlx::query_as("SELECT id, name FROM organisations WHERE id = $1")
                            .bind(org.0)
                            .fetch_optional(&self.pool)
                            .await?;
                    Ok(row.map(Organisation::from))
                }

                async fn create_user(&self, org: OrgId, user: &User) -> Result<(), RecordsError> {
                    check_org(org, user.org, "user")?;
                    sqlx::query("INSERT INTO users (org_id, id, name, role) VALUES ($1, $2, $3, $4)")
                        .bind(org.0)
                        .bind(user.id.0)
                        .bind(&user.name)
                        .bind(user.role.as_str())
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn user(&self, org: OrgId, user: UserId) -> Result<Option<User>, RecordsError> {
                    let row: Option<UserRow> = sqlx::query_as(
                        "SELECT id, org_id, name, role FROM users WHERE org_id = $1 AND id = $2",
                    )
                    .bind(org.0)
                    .bind(user.0)
                    .fetch_optional(&self.pool)
                    .await?;
                    row.map(User::try_from).transpose()
                }
            }

            #[async_trait]
            impl SiteRecords for $records {
                async fn create_site(&self, org: OrgId, site: &Site) -> Result<(), RecordsError> {
                    check_org(org, site.org, "site")?;
                    site_statement(
                        "INSERT INTO sites (org_id, id, name, time_zone, geofence, active) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                        org,
                        site,
                    )
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn site(&self, org: OrgId, site: SiteId) -> Result<Option<Site>, RecordsError> {
                    let sql = format!("SELECT {SITE_COLUMNS} FROM sites WHERE org_id = $1 AND id = $2");
                    let row: Option<SiteRow> =
                        sqlx::query_as(&sql).bind(org.0).bind(site.0).fetch_optional(&self.pool).await?;
                    row.map(Site::try_from).transpose()
                }

                async fn sites(&self, org: OrgId) -> Result<Vec<Site>, RecordsError> {
                    let sql = format!("SELECT {SITE_COLUMNS} FROM sites WHERE org_id = $1 ORDER BY name, id");
                    let rows: Vec<SiteRow> = sqlx::query_as(&sql).bind(org.0).fetch_all(&self.pool).await?;
                    rows.into_iter().map(Site::try_from).collect()
                }

                async fn update_site(&self, org: OrgId, site: &Site) -> Result<(), RecordsError> {
                    check_org(org, site.org, "site")?;
                    let database_now = <Self as SqlDialect>::NOW;
                    let sql = format!(
                        "UPDATE sites SET name = $3, time_zone = $4, geofence = $5, active = $6, \
                         updated_at = {now} WHERE org_id = $1 AND id = $2",
                        now = database_now.unwrap_or("$7"),
                    );
                    let mut update = site_statement(&sql, org, site);
                    if database_now.is_none() {
                        update = update.bind(micros(Utc::now()));
                    }
                    let updated = update.execute(&self.pool).await?;
                    if updated.rows_affected() == 0 {
                        return Err(RecordsError::not_found("site"));
                    }
                    Ok(())
                }
            }
        };
    };
}
pub(crate) use impl_directory;
