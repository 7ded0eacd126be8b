//! baimo: transcriptions of a research report → a tested, traceable DuckDB warehouse.
//!
//! The data flow (see the README and `../shared/DESIGN.md`):
//!
//! ```text
//! raw/*.csv, raw/*.xlsx ── extract ── validate (polars) ── load (Arrow) ── staging.*
//!                                                                   │
//!        pipelines/models/**/*.sql ── transform ── marts.* ── audit ── publish (atomic rename)
//! ```
//!
//! Modules follow the stages: [`spec`] reads the declarations, [`extract`] reads files into
//! cells with provenance, [`quantity`] parses report-shaped text, [`validate`] applies the
//! contracts, [`load`] hands polars frames to DuckDB, [`model`] runs the SQL, [`audit`] tests,
//! [`publish`] owns the build file, the rename and the run log. [`cmd`] has one file per verb.

pub mod audit;
pub mod cli;
pub mod cmd;
pub mod error;
pub mod extract;
pub mod fingerprint;
pub mod load;
pub mod lock;
pub mod model;
pub mod progress;
pub mod publish;
pub mod quantity;
pub mod render;
pub mod spec;
pub mod validate;

pub use error::{Error, Result};
