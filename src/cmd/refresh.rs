//! `baimo refresh`: rebuild only when something a build depends on changed.
//!
//! The fingerprint of the inputs (see [`crate::fingerprint`]) is compared with the one the
//! published build recorded in `warehouse/runs.jsonl`. Equal: "up to date", and DuckDB is not
//! opened at all. Different: the changed sources and models, and everything downstream of them,
//! are rebuilt; unchanged tables are copied from the published warehouse; the whole result is
//! tested and published as usual. A new baimo version, or `--full`, rebuilds everything.

use super::build::{self, Options, Summary};
use crate::project::Project;
use crate::error::Result;
use crate::fingerprint;
use crate::build::publish;
use crate::project::Paths;
use std::path::Path;
use std::time::Duration;

pub enum Outcome {
    /// Nothing changed since this published run.
    UpToDate(String),
    Built(Box<Summary>),
}

pub fn run(root: &Path, full: bool, wait: Option<Duration>, trigger: &str) -> Result<Outcome> {
    let project = Project::load(root)?;
    let paths = Paths::new(root);
    let now = fingerprint::compute(root, &project)?;
    let published = publish::last_success(&paths)?.and_then(|r| r.fingerprint.clone().map(|f| (r.id, f)));
    let mut options = Options::new(trigger, true);
    options.wait = wait;
    match published {
        Some((id, before)) if before.total == now.total && !full => return Ok(Outcome::UpToDate(id)),
        Some((_, before)) if !full => {
            options.changed = now.changed_since(&before);
            if !options.changed.iter().any(|c| c == "baimo") {
                let known = |name: &&str| {
                    project.contracts.iter().any(|c| c.name == *name)
                        || project.models.iter().any(|m| m.qualified() == *name)
                };
                let select = options
                    .changed
                    .iter()
                    .filter_map(|c| c.strip_prefix("source:").or_else(|| c.strip_prefix("model:")))
                    .filter(known)
                    .map(String::from)
                    .collect();
                options.select = Some(select);
            }
        }
        Some(_) => options.changed = vec!["--full".into()],
        None => options.changed = vec!["(nothing published)".into()],
    }
    options.fingerprint = Some(now);
    build::run_project(root, &project, &options).map(|s| Outcome::Built(Box::new(s)))
}

/// Prints the outcome to stderr.
pub fn report(outcome: &Outcome) {
    match outcome {
        Outcome::UpToDate(id) => eprintln!("up to date (published run {id})"),
        Outcome::Built(summary) => build::report(summary, true),
    }
}
