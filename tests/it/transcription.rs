//! Every figure transcribed into raw/ occurs, as written, in the report's text.
//!
//! The report is not part of the project. This test reads it from `$BAIMO_REPORT_TEXT` or
//! `../shared/report/report.md`, and says plainly that it skipped when neither exists.

use baimo::extract::{extract, Cell};
use baimo::spec::{load_contracts, ColumnType};
use std::path::{Path, PathBuf};

fn report_text() -> Option<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates: Vec<PathBuf> = std::env::var_os("BAIMO_REPORT_TEXT")
        .map(PathBuf::from)
        .into_iter()
        .chain([root.join("../shared/report/report.md")])
        .collect();
    candidates.iter().find_map(|p| std::fs::read_to_string(p).ok())
}

#[test]
fn every_transcribed_figure_occurs_in_the_report() {
    let Some(report) = report_text() else {
        eprintln!("SKIPPED: report text not found (set BAIMO_REPORT_TEXT or place it at ../shared/report/report.md)");
        return;
    };
    // Bold markers split figures in the markdown (`突破**100亿元**`); the words are the same.
    let report = report.replace("**", "");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let contracts = load_contracts(root).unwrap_or_else(|e| panic!("{e}"));
    assert!(!contracts.is_empty(), "no contracts under pipelines/sources");
    let mut checked = 0;
    let mut missing = Vec::new();
    for contract in &contracts {
        // raw/assumptions.csv holds what the report does not give; its contract says so.
        if contract.reference.starts_with("(not from the report") {
            continue;
        }
        let table = extract(contract).unwrap_or_else(|e| panic!("{e}"));
        for (ci, col) in contract.columns.iter().enumerate() {
            // What we derived (a count of listed items) is ours, not the report's text.
            let figure =
                !col.derived && (!matches!(col.kind, ColumnType::Text | ColumnType::Enum) || col.header() == "raw");
            if !figure {
                continue;
            }
            for row in &table.rows {
                let Cell::Text(text) = &row.cells[ci] else { continue };
                let text = text.trim();
                if baimo::quantity::is_missing(text) {
                    continue;
                }
                checked += 1;
                if !report.contains(text) {
                    missing.push(format!("{} {}: `{text}`", table.file, table.cell_address(ci, row.row)));
                }
            }
        }
    }
    assert!(checked > 0, "no figures were checked");
    assert!(
        missing.is_empty(),
        "{} of {checked} figures are not in the report:\n{}",
        missing.len(),
        missing.join("\n")
    );
    eprintln!("{checked} transcribed figures found verbatim in the report");
}
