//! Placeholder: see the README status table.
