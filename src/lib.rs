//! Candor: a customer-relationship journal for salespeople that says, every morning, who to
//! call first and why.
//!
//! Layers, top to bottom: [`app`] (egui, one file per panel), [`io`] (CSV and vCard files),
//! [`store`] (the SQLite journal, all SQL), [`domain`] (plain Rust rules). [`cli`] parses
//! the command line and [`sample`] makes demo and benchmark journals. [`backup_policy`]
//! decides when backups are taken, which are kept, and carries out restores, on top of the
//! store's snapshot copies.

pub mod app;
pub mod backup_policy;
pub mod cli;
pub mod domain;
pub mod io;
pub mod sample;
pub mod store;
pub mod team;
