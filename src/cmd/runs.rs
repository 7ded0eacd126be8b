//! `baimo runs`: recent runs from `warehouse/runs.jsonl`, failed ones included.

use crate::build::publish;
use crate::error::{Error, Result};
use crate::project::Paths;
use crate::render::{Format, TextTable};
use std::path::Path;

pub fn run(root: &Path, limit: usize, format: Format) -> Result<()> {
    let paths = Paths::new(root);
    let runs = publish::read_runs(&paths)?;
    let recent = &runs[runs.len().saturating_sub(limit)..];
    let mut out = std::io::stdout().lock();
    // Newest first in every format.
    if format == Format::Json {
        let newest_first: Vec<&publish::RunRecord> = recent.iter().rev().collect();
        let mut text =
            serde_json::to_vec_pretty(&newest_first).map_err(|e| Error::Internal(format!("writing JSON: {e}")))?;
        text.push(b'\n');
        return std::io::Write::write_all(&mut out, &text).map_err(Error::io("stdout"));
    }
    let mut table = TextTable {
        headers: [
            "id",
            "trigger",
            "status",
            "started_at",
            "seconds",
            "rows_loaded",
            "rows_rejected",
            "changed",
            "reason",
        ]
        .map(String::from)
        .to_vec(),
        numeric: vec![false, false, false, false, true, true, true, false, false],
        rows: Vec::new(),
    };
    for r in recent.iter().rev() {
        let seconds: f64 = r.stages.iter().map(|s| s.seconds).sum();
        let reason = Some(r.reason.as_deref().and_then(|s| s.lines().next()).unwrap_or_default().to_string());
        table.rows.push(vec![
            Some(r.id.clone()),
            Some(r.trigger.clone()),
            Some(r.status.clone()),
            Some(r.started_at.clone()),
            Some(format!("{seconds:.3}")),
            Some(r.rows_loaded.to_string()),
            Some(r.rows_rejected.to_string()),
            Some(r.changed.join(" ")),
            reason,
        ]);
    }
    table.write(format, &mut out).map_err(Error::io("stdout"))
}
