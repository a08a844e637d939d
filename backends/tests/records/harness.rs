//! A fresh database per test: see `punchline_backends::records::test_db`.

pub use punchline_backends::records::test_db::TestDb;
