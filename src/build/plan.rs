//! Which tables a run rebuilds; the others are carried over from the published warehouse.

use crate::error::{Error, Result};
use crate::model::Model;
use crate::project::Project;
use crate::spec::Materialized;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Which tables a run rebuilds; the others are copied from the published warehouse.
pub struct Plan {
    pub rebuild_sources: BTreeSet<String>,
    pub rebuild_models: BTreeSet<String>,
    pub carry_from: Option<PathBuf>,
}

impl Plan {
    pub fn everything(project: &Project) -> Plan {
        Plan {
            rebuild_sources: project.contracts.iter().map(|c| c.name.clone()).collect(),
            rebuild_models: project.models.iter().map(Model::qualified).collect(),
            carry_from: None,
        }
    }

    /// The selected sources and models, everything downstream of them, and whatever the
    /// published warehouse lacks.
    pub fn select(project: &Project, selectors: &[String], published: &Path) -> Result<Plan> {
        let mut plan = Plan {
            rebuild_sources: BTreeSet::new(),
            rebuild_models: BTreeSet::new(),
            carry_from: Some(published.to_path_buf()),
        };
        let mut rebuilt_tables: BTreeSet<String> = BTreeSet::new();
        for sel in selectors {
            let bare = sel.strip_prefix("staging.").unwrap_or(sel);
            if let Some(c) = project.contracts.iter().find(|c| c.name == bare) {
                plan.rebuild_sources.insert(c.name.clone());
                rebuilt_tables.insert(format!("staging.{}", c.name));
            } else if let Some(m) = project.models.iter().find(|m| m.qualified() == *sel || m.name == *sel) {
                plan.rebuild_models.insert(m.qualified());
                rebuilt_tables.insert(m.qualified());
            } else {
                let mut known: Vec<String> = project.contracts.iter().map(|c| c.name.clone()).collect();
                known.extend(project.models.iter().map(Model::qualified));
                return Err(Error::Usage(format!(
                    "--select {sel}: no source or model of that name (known: {})",
                    known.join(", ")
                )));
            }
        }
        // Models are in dependency order, so one pass finds everything downstream.
        for m in &project.models {
            if m.depends_on.iter().any(|d| rebuilt_tables.contains(d)) || m.sidecar.materialized == Materialized::View {
                plan.rebuild_models.insert(m.qualified());
                rebuilt_tables.insert(m.qualified());
            }
        }
        Ok(plan)
    }
}
