//! Validate and normalise: a [`RawTable`] under its [`Contract`] → a typed polars frame with
//! provenance, plus the rejected cells.
//!
//! Two passes. Each cell's text is parsed by [`crate::quantity`] into the column's staged shape
//! (a cell that does not parse is a reject). The contract's rules (required, min/max, enum
//! values) then run as polars expressions over the typed frame, and the primary key is checked
//! for duplicates. Every reject names the file, sheet, cell, column, rule and raw text. Under
//! `on_error = "fail"` any reject fails the source; under `"quarantine"` the rejected rows are
//! dropped while they stay within `max_rejected`.

mod keys;
mod parse;

pub use keys::{duplicate_keys, repeated_keys_sql};

use crate::error::Location;
use crate::error::{clip, Error, Result};
use crate::extract::{Cell, RawTable};
use crate::spec::corrections::Correction;
use crate::spec::staged::{presence_column, value_columns, ROW};
use crate::spec::{Contract, OnError};
use parse::{parse_cell, Buffer, Parsed, Reading};
use polars::prelude::*;
use rayon::prelude::*;
use std::collections::BTreeSet;

/// A cell that broke a rule; becomes a row of `meta.rejects`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Reject {
    pub source: String,
    pub file: String,
    pub sheet: Option<String>,
    pub cell: String,
    pub row: u32,
    pub column: String,
    pub raw: String,
    pub rule: String,
    pub message: String,
}

impl std::fmt::Display for Reject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(s) = &self.sheet {
            write!(f, ", sheet `{s}`")?;
        }
        write!(
            f,
            ", cell {} (column `{}`): {} [rule: {}] (found `{}`)",
            self.cell,
            self.column,
            self.message,
            self.rule,
            clip(&self.raw, 200)
        )
    }
}

/// A validated source: the frame to load and what was rejected.
pub struct Validated {
    pub frame: DataFrame,
    pub rejects: Vec<Reject>,
    pub rows_read: usize,
    /// The corrections applied, with the cell each corrected.
    pub corrected: Vec<(String, String)>,
}

pub fn validate(contract: &Contract, table: &RawTable) -> Result<Validated> {
    validate_with(contract, table, &[])
}

/// For each row, the corrections of `contract` whose key it holds: (row index, column index,
/// correction).
fn corrections_at<'a>(
    contract: &Contract,
    table: &RawTable,
    corrections: &'a [Correction],
) -> Vec<(usize, usize, &'a Correction)> {
    let mine: Vec<&Correction> = corrections.iter().filter(|c| c.source == contract.name).collect();
    if mine.is_empty() {
        return Vec::new();
    }
    let index = |name: &str| contract.columns.iter().position(|c| c.name == name);
    let mut out = Vec::new();
    for (ri, r) in table.rows.iter().enumerate() {
        for c in &mine {
            let holds_key = c.key.iter().all(|(k, v)| index(k).is_some_and(|ci| r.cells[ci].text().trim() == v.trim()));
            if let (true, Some(ci)) = (holds_key, index(&c.column)) {
                out.push((ri, ci, *c));
            }
        }
    }
    out
}

/// Validates a batch, staging the corrected value of every cell a correction names (its raw
/// text stays as printed). A corrected cell that no longer says what the correction expects is
/// an error naming the correction.
pub fn validate_with(contract: &Contract, table: &RawTable, corrections: &[Correction]) -> Result<Validated> {
    let n = table.rows.len();
    let fixes = corrections_at(contract, table, corrections);
    for (ri, ci, c) in &fixes {
        let r = &table.rows[*ri];
        let found = r.cells[*ci].text().trim();
        if found != c.expect.trim() {
            return Err(Error::spec(
                Location::file(crate::spec::corrections::CORRECTIONS_FILE),
                format!(
                    "correction `{}` expects {} {} to say `{}`, but it says `{found}`: the transcription changed or \
                     the report was fixed; update or remove the correction",
                    c.id,
                    table.file,
                    table.cell_address(*ci, r.row),
                    c.expect
                ),
            ));
        }
    }
    let corrected: Vec<(String, String)> =
        fixes.iter().map(|(ri, ci, c)| (c.id.clone(), table.cell_address(*ci, table.rows[*ri].row))).collect();
    let reject_at = |ci: usize, row: u32, raw: &str, rule: String, message: String| Reject {
        source: contract.name.clone(),
        file: table.file.clone(),
        sheet: table.sheet.clone(),
        cell: table.cell_address(ci, row),
        row,
        column: contract.columns[ci].name.clone(),
        raw: raw.to_string(),
        rule,
        message: clip(&message, 300),
    };

    // Pass 1: parse every cell in Rust, the columns in parallel (rayon, as polars does).
    let reading = Reading::of(contract);
    let parsed: Vec<Result<(Vec<polars::prelude::Column>, Vec<Reject>)>> = contract
        .columns
        .par_iter()
        .enumerate()
        .map(|(ci, col)| {
            let mut buf = Buffer::new(col, n);
            let mut found = Vec::new();
            for (ri, r) in table.rows.iter().enumerate() {
                let cell = &r.cells[ci];
                let blank = reading.blank(col, cell);
                // A corrected cell is read from the correction; its raw text stays as printed.
                let fix = fixes.iter().find(|(fr, fc, _)| *fr == ri && *fc == ci).map(|(_, _, c)| c.value.as_str());
                let parsed = match cell {
                    Cell::Error(e) => {
                        let message = format!("the cell holds the spreadsheet error {e}");
                        found.push(reject_at(ci, r.row, e, "formula_error".into(), message));
                        None
                    }
                    _ if blank && fix.is_none() => Some(Parsed::Missing),
                    c => match parse_cell(col, &reading, fix.unwrap_or(c.text())) {
                        Ok(p) => Some(p),
                        Err((rule, message)) => {
                            found.push(reject_at(ci, r.row, c.text(), rule, message));
                            None
                        }
                    },
                };
                let raw = if blank { None } else { Some(cell.text()) };
                buf.push(parsed, raw);
            }
            Ok((buf.into_columns(col)?, found))
        })
        .collect();
    let mut columns = Vec::new();
    let mut rejects = Vec::new();
    for p in parsed {
        let (cols, found) = p?;
        columns.extend(cols);
        rejects.extend(found);
    }
    let mut reject = |ci: usize, row: u32, raw: &str, rule: String, message: String| {
        rejects.push(reject_at(ci, row, raw, rule, message));
    };
    // `_file`, `_sheet` and `_ref` are the same on every row of a source: the staged table
    // declares them as constants (see `provenance_ddl`), so only `_row` is carried per row.
    let rows: Vec<i32> = table.rows.iter().map(|r| r.row as i32).collect();
    columns.push(Series::new(ROW.into(), rows).into_column());
    let frame = DataFrame::new(n, columns).map_err(Error::polars(format!("building {}", contract.name)))?;

    // Pass 2: the contract's rules as polars expressions, one boolean mask each.
    let mut checks: Vec<(usize, String, String, Expr)> = Vec::new();
    for (ci, col) in contract.columns.iter().enumerate() {
        if col.required {
            checks.push((
                ci,
                "required".into(),
                "the cell is empty but the column is required".into(),
                col_expr(&presence_column(col)).is_null(),
            ));
        }
        for vc in value_columns(col) {
            if let Some(min) = col.min {
                checks.push((ci, "min".into(), format!("below the minimum {min}"), col_expr(&vc).lt(lit(min))));
            }
            if let Some(max) = col.max {
                checks.push((ci, "max".into(), format!("above the maximum {max}"), col_expr(&vc).gt(lit(max))));
            }
        }
        if let Some(values) = &col.values {
            let allowed = Series::new("allowed".into(), values.clone());
            checks.push((
                ci,
                "accepted_values".into(),
                format!("not one of: {}", values.join(", ")),
                col_expr(&col.name)
                    .is_in(lit(allowed).implode(true), false)
                    .not()
                    .and(col_expr(&col.name).is_not_null()),
            ));
        }
    }
    if !checks.is_empty() {
        let exprs: Vec<Expr> = checks
            .iter()
            .enumerate()
            .map(|(i, (_, _, _, e))| e.clone().fill_null(lit(false)).alias(format!("check_{i}")))
            .collect();
        let masks = frame
            .clone()
            .lazy()
            .select(exprs)
            .collect()
            .map_err(Error::polars(format!("checking {}", contract.name)))?;
        for (i, (ci, rule, message, _)) in checks.iter().enumerate() {
            let mask = masks.columns()[i].bool().map_err(Error::polars("check mask"))?.clone();
            for (ri, hit) in mask.iter().enumerate() {
                if hit == Some(true) {
                    let r = &table.rows[ri];
                    reject(*ci, r.row, r.cells[*ci].text(), rule.clone(), message.clone());
                }
            }
        }
    }

    let mut rejects = rejects;
    rejects.sort_by(|a, b| (a.row, &a.cell).cmp(&(b.row, &b.cell)));
    let bad_rows: BTreeSet<u32> = rejects.iter().map(|r| r.row).collect();
    // Under `fail` any reject fails the source; under `quarantine` the caller checks the limit
    // once every batch (and the keys across batches) have been seen.
    if !rejects.is_empty() && contract.on_error == OnError::Fail {
        return Err(rejected_error(contract, &rejects, None));
    }
    let frame = if bad_rows.is_empty() {
        frame
    } else {
        let keep: BooleanChunked = table.rows.iter().map(|r| !bad_rows.contains(&r.row)).collect();
        frame.filter(&keep).map_err(Error::polars("dropping quarantined rows"))?
    };
    Ok(Validated { frame, rejects, rows_read: n, corrected })
}

/// The error listing a source's rejected cells; `over` = (rejected rows, all rows) when the
/// quarantine limit was passed.
pub fn rejected_error(contract: &Contract, rejects: &[Reject], over: Option<(usize, usize)>) -> Error {
    let mut details: Vec<String> = rejects.iter().take(50).map(|r| format!("  {r}")).collect();
    if rejects.len() > 50 {
        details.push(format!("  … and {} more", rejects.len() - 50));
    }
    if let Some((bad, total)) = over {
        details.push(format!(
            "  {bad} of {total} rows rejected, over the quarantine limit max_rejected = {} in {}",
            contract.max_rejected, contract.path
        ));
    }
    Error::Rejected { source_name: contract.name.clone(), count: rejects.len(), details: details.join("\n") }
}

fn col_expr(name: &str) -> Expr {
    col(PlSmallStr::from(name))
}
