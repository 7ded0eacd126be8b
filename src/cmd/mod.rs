//! One file per verb.

pub mod build;
pub mod ls;
pub mod sql;
