//! `baimo trace <schema.table> [--where <condition>]`: where a row's numbers come from
//! ([`crate::trace`]), printed as text or JSON.

use crate::error::{Error, Result};
use crate::project::Project;
use crate::render::{Format, TextTable};
use crate::trace::Trace;
use crate::warehouse::open_read_only;
use std::fmt::Write as _;
use std::path::Path;

const MAX_ROWS: usize = 20;

pub fn run(root: &Path, table: &str, condition: Option<&str>, format: Format) -> Result<()> {
    let project = Project::load(root)?;
    let conn = open_read_only(root)?;
    let report = crate::trace::trace(&project, &conn, table, condition, MAX_ROWS)?;
    if report.truncated {
        tracing::warn!("only the first {MAX_ROWS} rows are traced; narrow --where");
    }
    let mut out = std::io::stdout().lock();
    let text = match format {
        Format::Json => serde_json::to_string_pretty(&report).map_err(|e| Error::Internal(format!("{e}")))? + "\n",
        // CSV and Markdown: the source cells of every traced row, one table.
        Format::Csv | Format::Markdown => {
            let mut buf = Vec::new();
            cells(&report).write(format, &mut buf).map_err(Error::io("stdout"))?;
            String::from_utf8_lossy(&buf).into_owned()
        }
        Format::Table | Format::Line => text(&report),
    };
    std::io::Write::write_all(&mut out, text.as_bytes()).map_err(Error::io("stdout"))
}

/// Every traced row's source cells, with the row's number.
fn cells(trace: &Trace) -> TextTable {
    let mut t = TextTable {
        headers: ["row", "source", "file", "sheet", "cell", "column", "raw", "parsed", "report_section", "correction"]
            .map(String::from)
            .to_vec(),
        numeric: vec![true, false, false, false, false, false, false, false, false, false],
        rows: Vec::new(),
    };
    for (i, row) in trace.rows.iter().enumerate() {
        for c in &row.cells {
            let mut cells = vec![Some((i + 1).to_string()), Some(c.source.clone())];
            cells.extend(located(c));
            cells.push(c.correction.clone());
            t.rows.push(cells);
        }
    }
    t
}

/// A source cell's place and text: file, sheet, cell, column, raw, parsed, report section.
fn located(c: &crate::trace::SourceCell) -> [Option<String>; 7] {
    [
        Some(c.file.clone()),
        c.sheet.clone(),
        Some(c.cell.clone()),
        Some(c.column.clone()),
        Some(c.raw.clone()),
        Some(c.parsed.clone()),
        Some(c.report_section.clone()),
    ]
}

fn text(trace: &Trace) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}: derived as follows", trace.table);
    for step in &trace.lineage {
        let _ = writeln!(s, "{}{}  ({}; {})", "  ".repeat(step.depth + 1), step.table, step.defined_in, step.detail);
    }
    for (i, row) in trace.rows.iter().enumerate() {
        let _ = writeln!(s, "\nrow {}:", i + 1);
        let mut values =
            TextTable { headers: vec!["column".into(), "value".into()], numeric: vec![false, false], rows: Vec::new() };
        for (k, v) in &row.values {
            values.rows.push(vec![Some(k.clone()), Some(crate::trace::shown(v))]);
        }
        let mut buf = Vec::new();
        let _ = values.write(Format::Table, &mut buf);
        s.push_str(&String::from_utf8_lossy(&buf));
        if row.cells.is_empty() {
            let _ = writeln!(
                s,
                "source cells: none reached through provenance columns or keys (an aggregate: see the lineage above)"
            );
        } else {
            let mut cells = TextTable {
                headers: ["file", "sheet", "cell", "column", "raw text", "parsed", "report section"]
                    .map(String::from)
                    .to_vec(),
                numeric: vec![false; 7],
                rows: Vec::new(),
            };
            for c in &row.cells {
                cells.rows.push(located(c).to_vec());
            }
            let _ = writeln!(s, "source cells:");
            let mut buf = Vec::new();
            let _ = cells.write(Format::Table, &mut buf);
            s.push_str(&String::from_utf8_lossy(&buf));
            for c in row.cells.iter().filter(|c| c.correction.is_some()) {
                let _ =
                    writeln!(s, "correction: {} {}: {}", c.file, c.cell, c.correction.as_deref().unwrap_or_default());
            }
        }
        for c in &row.claims {
            let _ = writeln!(s, "claim: {}", c.join(" — "));
        }
    }
    s
}
