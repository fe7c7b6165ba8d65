//! Shared helpers of integration tests.

pub mod pg;
