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
//! Imports point down, from the verbs to the stages:
//!
//! - [`cmd`]: one thin file per verb (options in, a call into the library, output out);
//! - [`build`]: the engine, one file per stage (plan, ingest, carry, transform, audit, meta,
//!   publish);
//! - [`project`]: a project on disk (contracts, models, audits, warehouse paths), and
//!   [`fingerprint`] of it; [`checks`]: the tests it declares, as SQL; [`model`]: SQL models,
//!   their order and execution;
//! - [`validate`] applies the contracts (polars), [`load`] hands frames to DuckDB, [`extract`]
//!   reads files into cells with provenance, [`quantity`] parses report-shaped text;
//! - [`spec`]: the declarations under `pipelines/` and the staged shape they become.
//!
//! - [`serve`]: `baimo serve`, the warehouse in a browser (axum on tokio, maud pages);
//!   [`trace`]: where a row's numbers come from, for `baimo trace` and the row pages;
//!   [`warehouse`]: the published file opened read-only, and what it holds; [`dictionary`]: the
//!   data dictionary (`baimo docs`, /docs).
//!
//! Nothing outside [`cmd`] imports [`cmd`].

pub mod build;
pub mod checks;
pub mod cli;
pub mod cmd;
pub mod dictionary;
pub mod error;
pub mod extract;
pub mod fingerprint;
pub mod load;
pub mod lock;
pub mod model;
pub mod progress;
pub mod project;
pub mod quantity;
pub mod render;
pub mod say;
pub mod serve;
pub mod spec;
pub mod statements;
pub mod trace;
pub mod validate;
pub mod warehouse;
pub mod watchdog;

pub use error::{Error, Result};
