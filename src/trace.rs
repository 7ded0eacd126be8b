//! Where a row's numbers come from, as data: `baimo trace` prints it and `baimo serve`'s row
//! page shows it.
//!
//! For each selected row:
//! - the model that derived the table (its SQL file) and the chain of tables down to the
//!   sources, each with its file, sheet and report section;
//! - the source cells: staging rows reached through the row's provenance columns
//!   (`_file`, `_sheet`, `_row`) or through a text value equal to an upstream source's
//!   primary key (a mart that carries `cagr_id = 'market.llm_size.cagr.2023-2027'` cites that
//!   fact), each cell with its address, its raw text and its parsed values;
//! - the claims of `meta.claims` that name one of the row's text values.

use crate::error::{Error, Result};
use crate::project::Project;
use crate::render;
use crate::spec::{literal, quote, Contract};
use std::collections::BTreeSet;

/// Traces the rows of `table` (schema.table) matching `condition`, at most `max_rows` of them
/// (`truncated` says when more matched).
pub fn trace(
    project: &Project,
    conn: &duckdb::Connection,
    table: &str,
    condition: Option<&str>,
    max_rows: usize,
) -> Result<Trace> {
    let Some((schema, name)) = table.split_once('.') else {
        return Err(Error::Usage(format!("`{table}`: name the table as schema.table, e.g. marts.training_run_cost")));
    };
    let filter = condition.map(|c| format!(" where {c}")).unwrap_or_default();
    let rows = render::query(
        conn,
        &format!("select * from {}.{}{filter} limit {}", quote(schema), quote(name), max_rows + 1),
    )?;
    if rows.rows.is_empty() {
        return Err(Error::Usage(format!("no row of {table} matches{filter}")));
    }

    // Lineage: the model and every upstream table, down to the sources.
    let qualified = format!("{schema}.{name}");
    let mut lineage = Vec::new();
    let mut sources: BTreeSet<String> = BTreeSet::new();
    upstream(project, &qualified, 0, &mut lineage, &mut sources);

    let has_claims: bool = conn
        .query_row(
            "select count(*) > 0 from duckdb_columns() where schema_name = 'meta' and table_name = 'claims' and column_name = 'inputs'",
            [],
            |r| r.get(0),
        )
        .map_err(Error::duckdb("looking for meta.claims"))?;
    let mut report =
        Trace { table: qualified.clone(), lineage, rows: Vec::new(), truncated: rows.rows.len() > max_rows };
    for row in rows.rows.iter().take(max_rows) {
        let mut traced = TracedRow { values: Vec::new(), cells: Vec::new(), claims: Vec::new() };
        for ((h, v), &numeric) in rows.headers.iter().zip(row).zip(&rows.numeric) {
            traced.values.push((h.clone(), render::json_value(v.as_deref(), numeric)));
        }
        let value = |col: &str| rows.headers.iter().position(|h| h == col).and_then(|p| row[p].clone());
        // Provenance columns carried through the model.
        if let (Some(file), Some(r)) = (value("_file"), value("_row")) {
            let sheet = value("_sheet");
            for c in
                project.contracts.iter().filter(|c| sources.contains(&c.name) || schema == "staging" && c.name == name)
            {
                if c.file == file && c.sheet == sheet {
                    traced.cells.extend(source_cells(conn, c, &format!("_row = {}", r.parse::<i64>().unwrap_or(-1)))?);
                }
            }
        }
        // Text values that are an upstream source's primary key; a list of ids (a claim's
        // `inputs`, "a, b, c") offers each of its ids.
        let texts: BTreeSet<String> = row
            .iter()
            .flatten()
            .filter(|v| v.parse::<f64>().is_err() && !v.is_empty())
            .flat_map(|v| {
                std::iter::once(v.clone()).chain(v.split(", ").filter(|p| p.len() < v.len()).map(str::to_string))
            })
            .collect();
        let list: Vec<String> = texts.iter().map(|t| literal(t)).collect();
        for c in project.contracts.iter().filter(|c| sources.contains(&c.name) && c.primary_key.len() == 1) {
            if list.is_empty() {
                continue;
            }
            let pk = quote(&c.primary_key[0]);
            let cond = format!("{pk}::varchar in ({})", list.join(", "));
            for cell in source_cells(conn, c, &cond)? {
                if !traced.cells.iter().any(|x| x.source == cell.source && x.cell == cell.cell) {
                    traced.cells.push(cell);
                }
            }
        }
        // Claims about this row: those whose inputs (or id) include a text value that this row
        // alone holds in its column (a fact id, a model name). A value many rows share, such as
        // an assumption's key, says nothing about which row a claim is about.
        let identifying = identifying_values(conn, schema, name, &rows.headers, row)?;
        if !identifying.is_empty() && has_claims {
            let list: Vec<String> = identifying.iter().map(|t| literal(t)).collect();
            let claims = render::query(
                conn,
                &format!(
                    "select id, status, explanation from meta.claims \
                     where list_has_any(string_split(inputs, ', '), [{l}]) or id in ({l}) order by id",
                    l = list.join(", ")
                ),
            )?;
            for c in claims.rows {
                traced.claims.push(c.into_iter().map(Option::unwrap_or_default).collect());
            }
        }
        report.rows.push(traced);
    }
    Ok(report)
}

/// A value as `trace` prints it: NULL for null, a number as its text.
pub fn shown(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "NULL".into(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The row's text values that no other row of its table holds in the same column.
fn identifying_values(
    conn: &duckdb::Connection,
    schema: &str,
    table: &str,
    headers: &[String],
    row: &[Option<String>],
) -> Result<Vec<String>> {
    let candidates: Vec<(&String, &String)> = headers
        .iter()
        .zip(row)
        .filter_map(|(h, v)| v.as_ref().map(|v| (h, v)))
        .filter(|(h, v)| !h.starts_with('_') && !v.is_empty() && v.parse::<f64>().is_err())
        .collect();
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let counts = render::query(
        conn,
        &format!(
            "select {} from {}.{}",
            candidates
                .iter()
                .map(|(h, v)| format!("count(*) filter (where {}::varchar = {})", quote(h), literal(v)))
                .collect::<Vec<_>>()
                .join(", "),
            quote(schema),
            quote(table)
        ),
    )?;
    let counts = counts.rows.into_iter().next().unwrap_or_default();
    Ok(candidates
        .iter()
        .zip(counts)
        .filter(|(_, n)| n.as_deref() == Some("1"))
        .map(|((_, v), _)| v.to_string())
        .collect())
}

#[derive(serde::Serialize)]
pub struct Trace {
    pub table: String,
    pub lineage: Vec<Step>,
    pub rows: Vec<TracedRow>,
    /// More rows matched than were traced.
    pub truncated: bool,
}

#[derive(serde::Serialize)]
pub struct Step {
    pub depth: usize,
    pub table: String,
    /// The model's SQL file, or the source's contract and file.
    pub defined_in: String,
    pub detail: String,
}

#[derive(serde::Serialize)]
pub struct TracedRow {
    /// Each column and its value: a number as a JSON number, NULL as null.
    pub values: Vec<(String, serde_json::Value)>,
    pub cells: Vec<SourceCell>,
    /// id, status, explanation of each claim naming one of the row's text values.
    pub claims: Vec<Vec<String>>,
}

#[derive(serde::Serialize)]
pub struct SourceCell {
    pub source: String,
    pub file: String,
    pub sheet: Option<String>,
    pub cell: String,
    pub column: String,
    pub raw: String,
    pub parsed: String,
    pub report_section: String,
    /// The register's correction of this cell (pipelines/corrections.toml), when one applied:
    /// `parsed` holds the corrected value, `raw` the text as printed.
    pub correction: Option<String>,
}

pub fn upstream(project: &Project, table: &str, depth: usize, out: &mut Vec<Step>, sources: &mut BTreeSet<String>) {
    if depth > 20 || out.iter().any(|s| s.table == table) {
        return;
    }
    if let Some(m) = project.models.iter().find(|m| m.qualified() == table) {
        let deps: Vec<String> = m.depends_on.iter().cloned().collect();
        out.push(Step {
            depth,
            table: table.to_string(),
            defined_in: m.path.clone(),
            detail: format!("reads {}", deps.join(", ")),
        });
        for d in deps {
            upstream(project, &d, depth + 1, out, sources);
        }
    } else if let Some(c) = table.strip_prefix("staging.").and_then(|n| project.contracts.iter().find(|c| c.name == n))
    {
        sources.insert(c.name.clone());
        let origin = match &c.sheet {
            Some(s) => format!("{}, sheet {s}", c.file),
            None => c.file.clone(),
        };
        out.push(Step {
            depth,
            table: table.to_string(),
            defined_in: c.path.clone(),
            detail: format!("{origin}; report section: {}", c.reference),
        });
    }
}

/// The cells of the staging rows matching `condition`, one per contract column.
fn source_cells(conn: &duckdb::Connection, c: &Contract, condition: &str) -> Result<Vec<SourceCell>> {
    let rows = render::query(conn, &format!("select * from staging.{} where {condition}", quote(&c.name)))?;
    let letters = render::query(
        conn,
        &format!(
            "select \"column\", file_column from meta.source_columns where source = '{}'",
            c.name.replace('\'', "''")
        ),
    )?;
    // The register's corrections that applied to this source's cells (a warehouse built before
    // the register existed has no meta.corrections).
    let corrections = render::query(
        conn,
        &format!(
            "select cell, \"column\", expect, value, reason, id from meta.corrections \
             where source = {} and applied = 'applied'",
            literal(&c.name)
        ),
    )
    .unwrap_or_default();
    let letter = |col: &str| {
        letters
            .rows
            .iter()
            .find(|r| r[0].as_deref() == Some(col))
            .and_then(|r| r[1].clone())
            .unwrap_or_else(|| "?".into())
    };
    let mut out = Vec::new();
    for row in &rows.rows {
        let get = |h: &str| rows.headers.iter().position(|x| x == h).and_then(|p| row[p].clone());
        let r = get("_row").unwrap_or_default();
        for col in &c.columns {
            let raw = get(&format!("{}_raw", col.name)).or_else(|| get(&col.name)).unwrap_or_default();
            let parsed: Vec<String> = rows
                .headers
                .iter()
                .zip(row)
                .filter(|(h, _)| {
                    (h.as_str() == col.name || h.starts_with(&format!("{}_", col.name))) && !h.ends_with("_raw")
                })
                .map(|(h, v)| format!("{h}={}", v.as_deref().unwrap_or("NULL")))
                .collect();
            let cell = format!("{}{r}", letter(&col.name));
            let correction = corrections
                .rows
                .iter()
                .find(|k| k[0].as_deref() == Some(cell.as_str()) && k[1].as_deref() == Some(col.name.as_str()))
                .map(|k| {
                    let [_, _, expect, value, reason, id] =
                        [0, 1, 2, 3, 4, 5].map(|i| k[i].clone().unwrap_or_default());
                    format!("corrected from {expect} to {value} ({id}: {reason})")
                });
            out.push(SourceCell {
                source: c.name.clone(),
                file: c.file.clone(),
                sheet: c.sheet.clone(),
                cell,
                column: col.name.clone(),
                raw,
                parsed: parsed.join(", "),
                report_section: get("_ref").unwrap_or_else(|| c.reference.clone()),
                correction,
            });
        }
    }
    Ok(out)
}
