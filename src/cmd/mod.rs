//! One file per verb.

pub mod build;
pub mod diff;
pub mod docs;
pub mod export;
pub mod gen;
pub mod ls;
pub mod refresh;
pub mod report;
pub mod runs;
pub mod schedule;
pub mod shell;
pub mod sql;
pub mod trace;
