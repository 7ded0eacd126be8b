//! `baimo trace <schema.table> [--where <condition>]`: where a row's numbers come from.
//!
//! For each selected row it shows
//! - the model that derived the table (its SQL file) and the chain of tables down to the
//!   sources, each with its file, sheet and report section;
//! - the source cells: staging rows reached through the row's provenance columns
//!   (`_file`, `_sheet`, `_row`) or through a text value equal to an upstream source's
//!   primary key (a mart that carries `cagr_id = 'market.llm_size.cagr.2023-2027'` cites that
//!   fact), each cell with its address, its raw text and its parsed values;
//! - the claims of `meta.claims` that name one of the row's text values.

use crate::project::Project;
use super::sql::open_read_only;
use crate::error::{Error, Result};
use crate::render::{self, Format, TextTable};
use crate::spec::{quote, Contract};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

const MAX_ROWS: usize = 20;

pub fn run(root: &Path, table: &str, condition: Option<&str>, format: Format) -> Result<()> {
    let project = Project::load(root)?;
    let conn = open_read_only(root)?;
    let Some((schema, name)) = table.split_once('.') else {
        return Err(Error::Usage(format!("`{table}`: name the table as schema.table, e.g. marts.training_run_cost")));
    };
    let filter = condition.map(|c| format!(" where {c}")).unwrap_or_default();
    let rows = render::query(
        &conn,
        &format!("select * from {}.{}{filter} limit {}", quote(schema), quote(name), MAX_ROWS + 1),
    )?;
    if rows.rows.is_empty() {
        return Err(Error::Usage(format!("no row of {table} matches{filter}")));
    }

    // Lineage: the model and every upstream table, down to the sources.
    let qualified = format!("{schema}.{name}");
    let mut lineage = Vec::new();
    let mut sources: BTreeSet<String> = BTreeSet::new();
    upstream(&project, &qualified, 0, &mut lineage, &mut sources);

    let has_claims: bool = conn
        .query_row(
            "select count(*) > 0 from duckdb_columns() where schema_name = 'meta' and table_name = 'claims' and column_name = 'inputs'",
            [],
            |r| r.get(0),
        )
        .map_err(Error::duckdb("looking for meta.claims"))?;
    let mut report = Trace { table: qualified.clone(), lineage, rows: Vec::new() };
    for (i, row) in rows.rows.iter().take(MAX_ROWS).enumerate() {
        let mut traced = TracedRow { values: Vec::new(), cells: Vec::new(), claims: Vec::new() };
        for (h, v) in rows.headers.iter().zip(row) {
            traced.values.push((h.clone(), v.clone().unwrap_or_default()));
        }
        let value = |col: &str| rows.headers.iter().position(|h| h == col).and_then(|p| row[p].clone());
        // Provenance columns carried through the model.
        if let (Some(file), Some(r)) = (value("_file"), value("_row")) {
            let sheet = value("_sheet");
            for c in
                project.contracts.iter().filter(|c| sources.contains(&c.name) || schema == "staging" && c.name == name)
            {
                if c.file == file && c.sheet == sheet {
                    traced.cells.extend(source_cells(&conn, c, &format!("_row = {}", r.parse::<i64>().unwrap_or(-1)))?);
                }
            }
        }
        // Text values that are an upstream source's primary key.
        let texts: Vec<String> = row
            .iter()
            .flatten()
            .filter(|v| v.parse::<f64>().is_err() && !v.is_empty())
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let list: Vec<String> = texts.iter().map(|t| format!("'{}'", t.replace('\'', "''"))).collect();
        for c in project.contracts.iter().filter(|c| sources.contains(&c.name) && c.primary_key.len() == 1) {
            if list.is_empty() {
                continue;
            }
            let pk = quote(&c.primary_key[0]);
            let cond = format!("{pk}::varchar in ({})", list.join(", "));
            for cell in source_cells(&conn, c, &cond)? {
                if !traced.cells.iter().any(|x| x.source == cell.source && x.cell == cell.cell) {
                    traced.cells.push(cell);
                }
            }
        }
        // Claims whose inputs include one of the row's text values (a fact id, a model name).
        if !list.is_empty() && has_claims {
            let claims = render::query(
                &conn,
                &format!(
                    "select id, status, explanation from meta.claims where list_has_any(string_split(inputs, ', '), [{}]) order by id",
                    list.join(", ")
                ),
            )?;
            for c in claims.rows {
                traced.claims.push(c.into_iter().map(Option::unwrap_or_default).collect());
            }
        }
        if i == MAX_ROWS - 1 && rows.rows.len() > MAX_ROWS {
            tracing::warn!("only the first {MAX_ROWS} rows are traced; narrow --where");
        }
        report.rows.push(traced);
    }
    let mut out = std::io::stdout().lock();
    let text = match format {
        Format::Json => serde_json::to_string_pretty(&report).map_err(|e| Error::Internal(format!("{e}")))? + "\n",
        _ => report.text(),
    };
    std::io::Write::write_all(&mut out, text.as_bytes()).map_err(Error::io("stdout"))
}

#[derive(serde::Serialize)]
struct Trace {
    table: String,
    lineage: Vec<Step>,
    rows: Vec<TracedRow>,
}

#[derive(serde::Serialize)]
struct Step {
    depth: usize,
    table: String,
    /// The model's SQL file, or the source's contract and file.
    defined_in: String,
    detail: String,
}

#[derive(serde::Serialize)]
struct TracedRow {
    values: Vec<(String, String)>,
    cells: Vec<SourceCell>,
    claims: Vec<Vec<String>>,
}

#[derive(serde::Serialize)]
struct SourceCell {
    source: String,
    file: String,
    sheet: Option<String>,
    cell: String,
    column: String,
    raw: String,
    parsed: String,
    report_section: String,
}

fn upstream(project: &Project, table: &str, depth: usize, out: &mut Vec<Step>, sources: &mut BTreeSet<String>) {
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
            out.push(SourceCell {
                source: c.name.clone(),
                file: c.file.clone(),
                sheet: c.sheet.clone(),
                cell: format!("{}{r}", letter(&col.name)),
                column: col.name.clone(),
                raw,
                parsed: parsed.join(", "),
                report_section: get("_ref").unwrap_or_else(|| c.reference.clone()),
            });
        }
    }
    Ok(out)
}

impl Trace {
    fn text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "{}: derived as follows", self.table);
        for step in &self.lineage {
            let _ =
                writeln!(s, "{}{}  ({}; {})", "  ".repeat(step.depth + 1), step.table, step.defined_in, step.detail);
        }
        for (i, row) in self.rows.iter().enumerate() {
            let _ = writeln!(s, "\nrow {}:", i + 1);
            let mut values = TextTable {
                headers: vec!["column".into(), "value".into()],
                numeric: vec![false, false],
                rows: Vec::new(),
            };
            for (k, v) in &row.values {
                values.rows.push(vec![Some(k.clone()), Some(v.clone())]);
            }
            let mut buf = Vec::new();
            let _ = values.write(Format::Table, &mut buf);
            s.push_str(&String::from_utf8_lossy(&buf));
            if row.cells.is_empty() {
                let _ = writeln!(s, "source cells: none reached through provenance columns or keys (an aggregate: see the lineage above)");
            } else {
                let mut cells = TextTable {
                    headers: ["file", "sheet", "cell", "column", "raw text", "parsed", "report section"]
                        .map(String::from)
                        .to_vec(),
                    numeric: vec![false; 7],
                    rows: Vec::new(),
                };
                for c in &row.cells {
                    cells.rows.push(vec![
                        Some(c.file.clone()),
                        c.sheet.clone(),
                        Some(c.cell.clone()),
                        Some(c.column.clone()),
                        Some(c.raw.clone()),
                        Some(c.parsed.clone()),
                        Some(c.report_section.clone()),
                    ]);
                }
                let _ = writeln!(s, "source cells:");
                let mut buf = Vec::new();
                let _ = cells.write(Format::Table, &mut buf);
                s.push_str(&String::from_utf8_lossy(&buf));
            }
            for c in &row.claims {
                let _ = writeln!(s, "claim: {}", c.join(" — "));
            }
        }
        s
    }
}
