//! Who exists: the bearer token is the source of truth. Its issuer (the identity
//! provider, or `punchline token` in development) vouches for the organisation, the user
//! and the role, so the first time a signed-in user writes something, their organisation
//! and user rows are created in the records (the records' foreign keys need them). After
//! that a small in-process cache spares the lookup.

use std::collections::HashSet;
use std::sync::Mutex;

use punchline_backends::records::{Organisation, Records, User};
use punchline_backends::RecordsError;
use punchline_domain::{OrgId, UserId};

use crate::auth::AuthUser;
use crate::error::ApiError;

/// Beyond this many remembered members the cache starts over (it only saves lookups).
const MAX_REMEMBERED: usize = 100_000;

/// Members known to exist in the records.
#[derive(Debug, Default)]
pub struct Members {
    known: Mutex<HashSet<(OrgId, UserId)>>,
}

impl Members {
    /// Makes sure the caller's organisation and user rows exist, creating them if not.
    /// Concurrent first requests race harmlessly: a duplicate insert is a conflict, ignored.
    pub async fn ensure(&self, records: &dyn Records, caller: &AuthUser) -> Result<(), ApiError> {
        let key = (caller.org, caller.user);
        if self.is_known(key) {
            return Ok(());
        }
        if records.user(caller.org, caller.user).await?.is_none() {
            if records.org(caller.org).await?.is_none() {
                let org = Organisation { id: caller.org, name: format!("organisation {}", caller.org) };
                ignore_conflict(records.create_org(&org).await)?;
            }
            let user = User {
                id: caller.user,
                org: caller.org,
                name: format!("user {}", caller.user),
                role: caller.role,
            };
            ignore_conflict(records.create_user(caller.org, &user).await)?;
        }
        self.remember(key);
        Ok(())
    }

    fn is_known(&self, key: (OrgId, UserId)) -> bool {
        self.known.lock().map(|known| known.contains(&key)).unwrap_or(false)
    }

    fn remember(&self, key: (OrgId, UserId)) {
        if let Ok(mut known) = self.known.lock() {
            if known.len() >= MAX_REMEMBERED {
                known.clear();
            }
            known.insert(key);
        }
    }
}

/// A row another request created first is the outcome we wanted.
fn ignore_conflict(result: Result<(), RecordsError>) -> Result<(), ApiError> {
    match result {
        Ok(()) | Err(RecordsError::Conflict(_)) => Ok(()),
        Err(error) => Err(error.into()),
    }
}
