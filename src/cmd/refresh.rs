//! `baimo refresh`: rebuild only when something a build depends on changed.
//!
//! The fingerprint of the inputs (see [`crate::fingerprint`]) is compared with the one the
//! published build recorded in `warehouse/runs.jsonl`. Equal: "up to date", and DuckDB is not
//! opened at all. Different: the changed sources and models, and everything downstream of them,
//! are rebuilt; unchanged tables are copied from the published warehouse; the whole result is
//! tested and published as usual. A new baimo version, or `--full`, rebuilds everything.

use super::build::{self, Options, Summary};
use crate::build::publish;
use crate::error::Result;
use crate::fingerprint;
use crate::project::Paths;
use crate::project::Project;
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
    let last = publish::last_success(&paths)?;
    let damaged = last.as_ref().and_then(|r| damage(&paths, r));
    let published = last.and_then(|r| r.fingerprint.clone().map(|f| (r.id, f)));
    let mut options = Options::new(trigger, true);
    options.wait = wait;
    if let Some(why) = damaged {
        // Nothing can be trusted or carried over from it: rebuild everything, and say so.
        tracing::warn!("the published warehouse is damaged ({why}): rebuilding everything");
        options.changed = vec![format!("published file damaged: {why}")];
        options.compare = false;
        options.fingerprint = Some(now);
        return build::run_project(root, &project, &options).map(|s| Outcome::Built(Box::new(s)));
    }
    match published {
        Some((id, before)) if before.total == now.total && !full => return Ok(Outcome::UpToDate(id)),
        Some((_, before)) if !full => {
            options.changed = now.changed_since(&before);
            // A new baimo, new settings or a changed corrections register can change any
            // source: everything is rebuilt. Otherwise only what changed and what follows it.
            if !options.changed.iter().any(|c| matches!(c.as_str(), "baimo" | "settings" | "corrections")) {
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

/// How the published file differs from what the run that published it recorded, if it does.
fn damage(paths: &Paths, run: &publish::RunRecord) -> Option<String> {
    let recorded = run.published.as_ref()?;
    match publish::FileCheck::of(&paths.published) {
        Err(e) => Some(format!("cannot read it: {e}")),
        Ok(now) if now.bytes != recorded.bytes => {
            Some(format!("{} bytes, {} when run {} published it", now.bytes, recorded.bytes, run.id))
        }
        Ok(now) if now != *recorded => Some(format!("its contents changed since run {} published it", run.id)),
        Ok(_) => None,
    }
}

/// Prints the outcome to stderr.
pub fn report(outcome: &Outcome) {
    match outcome {
        Outcome::UpToDate(id) => crate::say::info(format!("up to date (published run {id})")),
        Outcome::Built(summary) => build::report(summary, true),
    }
}
