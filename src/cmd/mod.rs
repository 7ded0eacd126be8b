//! One file per verb.

pub mod build;
pub mod docs;
pub mod export;
pub mod ls;
pub mod refresh;
pub mod runs;
pub mod schedule;
pub mod sql;
pub mod trace;
