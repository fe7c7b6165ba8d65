//! Shared helpers of integration tests.

// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

pub mod pg;
pub mod team;
