//! The worker pool: consume jobs, run the image stages, verify, commit.
//!
//! Today it holds the verification engine ([`verify`]): pure rules that turn a punch, its
//! site and the facts of its photo into a verdict.

pub mod verify;
