//! Who owns what: the id types every record carries, the organisation and user ids that
//! scope every read and write, and the roles users hold.
//!
//! Also home of the two small macros the entity modules share: uuid newtype ids, and
//! enums with stable names (the text stored in the database and sent in JSON).

/// Declares a uuid newtype id: serialised as the bare uuid, new ids are UUIDv7 (time
/// ordered, so database indexes on them stay append-mostly).
macro_rules! uuid_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub uuid::Uuid);

        impl $name {
            /// A fresh, time-ordered (v7) id.
            pub fn new() -> Self {
                $name(uuid::Uuid::now_v7())
            }

            /// Wraps an existing uuid (one read back from the database or a request).
            pub fn from_uuid(uuid: uuid::Uuid) -> Self {
                $name(uuid)
            }

            /// The bare uuid, as stored and sent.
            pub fn as_uuid(&self) -> uuid::Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                uuid::Uuid::parse_str(s).map($name)
            }
        }

        impl From<uuid::Uuid> for $name {
            fn from(uuid: uuid::Uuid) -> Self {
                $name(uuid)
            }
        }
    };
}
pub(crate) use uuid_id;

/// Declares an enum whose variants have stable snake_case names: `as_str()` (the text the
/// database stores), `FromStr` (reading it back), `Display`, `ALL`, and serde with the same
/// names. Renaming a name is a data migration, never a refactor.
macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
        )]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stable name stored in the database and sent in JSON.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::tenancy::UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::tenancy::UnknownName {
                        kind: stringify!($name),
                        name: s.to_owned(),
                    }),
                }
            }
        }
    };
}
pub(crate) use named_enum;

/// A stored name that no variant of the enum carries (a corrupt row or a newer writer).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} name {name:?}")]
pub struct UnknownName {
    /// The enum's type name, e.g. `Role`.
    pub kind: &'static str,
    /// The text that did not match.
    pub name: String,
}

uuid_id!(
    /// An organisation (a tenant). Every read and write takes one: nothing crosses it.
    OrgId
);
uuid_id!(
    /// A person who signs in: a worker, a supervisor or an admin of one organisation.
    UserId
);

named_enum!(
    /// What a user may do within their organisation.
    Role {
        /// Punches in and out, sees their own punches.
        Worker = "worker",
        /// Sees the organisation's punches and reviews flagged ones.
        Supervisor = "supervisor",
        /// Manages sites and users, and everything a supervisor does.
        Admin = "admin",
    }
);

impl Role {
    /// Supervisors and admins may approve or reject a flagged punch.
    pub fn can_review(self) -> bool {
        matches!(self, Role::Supervisor | Role::Admin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_text_and_json() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(*role));
            let json = serde_json::to_string(role).expect("serialises");
            assert_eq!(json, format!("\"{}\"", role.as_str()));
        }
        let err = "boss".parse::<Role>().unwrap_err();
        assert_eq!(err.kind, "Role");
    }

    #[test]
    fn ids_serialise_as_bare_uuids_and_parse_back() {
        let id = OrgId::new();
        let json = serde_json::to_string(&id).expect("serialises");
        assert_eq!(json, format!("\"{id}\""));
        assert_eq!(id.to_string().parse::<OrgId>().ok(), Some(id));
        assert!("not-a-uuid".parse::<UserId>().is_err());
    }
}
