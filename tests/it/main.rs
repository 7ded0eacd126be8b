//! Integration tests: the real `baimo` binary on fixture projects and on the report project.
//!
//! One test binary (rather than one per file) so DuckDB is linked once.

mod analyst;
mod build;
mod clients;
mod common;
mod console;
mod corpus;
mod corrections;
mod diff;
mod faults;
mod mutation;
mod refresh;
mod report_project;
mod serve;
mod slips;
mod spreadsheet;
mod transcription;
