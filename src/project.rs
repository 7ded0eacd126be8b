//! A project on disk: its declarations under `pipelines/` (contracts, models in dependency
//! order, audits) and where its warehouse lives. What `build`, `fingerprint`, `docs` and `trace`
//! read; nothing here opens DuckDB.

use crate::checks::{self, Check};
use crate::error::{Error, Result};
use crate::model::{self, Model};
use crate::spec::{load_contracts, Contract, Settings};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The tables every build makes in `meta` (src/sql/meta.sql); models may read them.
pub const META_TABLES: &[&str] = &[
    "meta.runs",
    "meta.files",
    "meta.sources",
    "meta.source_columns",
    "meta.rejects",
    "meta.test_results",
    "meta.columns",
    "meta.column_units",
    "meta.changes",
    "meta.corrections",
];

/// Everything under `pipelines/`, read and checked before any file is opened for writing.
pub struct Project {
    pub contracts: Vec<Contract>,
    /// Models in dependency order.
    pub models: Vec<Model>,
    pub audits: Vec<Check>,
    /// `pipelines/warehouse.toml`, or the defaults.
    pub settings: Settings,
    /// `pipelines/corrections.toml`: the report's slips, corrected on the record.
    pub corrections: Vec<crate::spec::corrections::Correction>,
}

impl Project {
    pub fn load(root: &Path) -> Result<Project> {
        if !root.join("pipelines").is_dir() {
            return Err(Error::Usage(format!(
                "{} has no pipelines/ folder: run baimo from a project root or pass --project",
                root.display()
            )));
        }
        let contracts = load_contracts(root)?;
        let models = model::discover(root)?;
        let mut available: BTreeSet<String> = contracts.iter().map(|c| format!("staging.{}", c.name)).collect();
        available.extend(META_TABLES.iter().map(|t| t.to_string()));
        let order = model::order(&models, &available)?;
        let models = order.into_iter().map(|i| models[i].clone()).collect();
        let audits = checks::audit_checks(root)?;
        let settings = Settings::load(root)?;
        let corrections = crate::spec::corrections::load(root, &contracts)?;
        Ok(Project { contracts, models, audits, settings, corrections })
    }
}

/// Where the warehouse lives inside a project.
#[derive(Debug, Clone)]
pub struct Paths {
    pub root: PathBuf,
    pub dir: PathBuf,
    pub published: PathBuf,
    pub build_dir: PathBuf,
    pub runs_log: PathBuf,
}

impl Paths {
    pub fn new(root: &Path) -> Paths {
        let dir = root.join("warehouse");
        Paths {
            root: root.to_path_buf(),
            published: dir.join("baimo.duckdb"),
            build_dir: dir.join(".build"),
            runs_log: dir.join("runs.jsonl"),
            dir,
        }
    }

    pub fn build_file(&self, run_id: &str) -> PathBuf {
        self.build_dir.join(format!("{run_id}.duckdb"))
    }
}
