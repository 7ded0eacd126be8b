//! The `meta.*` writers: what a run read, rejected, tested and recorded (schema in
//! src/sql/meta.sql). Rows go through DuckDB's appender.

use super::audit::Outcome;
use super::diff::Change;
use super::ingest::Ingested;
use super::publish::RunRecord;
use crate::error::{Error, Result};
use crate::extract;
use crate::spec::{Contract, Severity};
use crate::validate::Reject;
use duckdb::{params, Connection};

/// The tables every warehouse's meta schema has: those `sql/meta.sql` creates.
pub fn tables() -> Vec<&'static str> {
    include_str!("../sql/meta.sql")
        .split("create table meta.")
        .skip(1)
        .filter_map(|rest| rest.split([' ', '(', '\n']).next())
        .collect()
}

/// `meta.files` and `meta.source_columns`: what each source's file was and where its columns sat.
pub fn write_files(conn: &Connection, run_id: &str, files: &[(&Contract, Ingested)]) -> Result<()> {
    let mut app = conn.appender_to_db("files", "meta").map_err(Error::duckdb("meta.files"))?;
    for (c, f) in files {
        app.append_row(params![
            run_id,
            c.name,
            c.file,
            c.sheet,
            f.sha256,
            f.bytes as i64,
            f.rows_read as i64,
            f.rows_loaded as i64,
            f.rejected_rows as i64
        ])
        .map_err(Error::duckdb("recording meta.files"))?;
    }
    app.flush().map_err(Error::duckdb("recording meta.files"))?;
    let mut app = conn.appender_to_db("source_columns", "meta").map_err(Error::duckdb("meta.source_columns"))?;
    for (c, f) in files {
        for (col, index) in c.columns.iter().zip(&f.column_index) {
            let letter = extract::cell_address(*index, 1).trim_end_matches('1').to_string();
            app.append_row(params![c.name, col.name, col.header(), col.kind.as_str(), letter])
                .map_err(Error::duckdb("recording meta.source_columns"))?;
        }
    }
    app.flush().map_err(Error::duckdb("recording meta.source_columns"))
}

pub fn write_rejects(conn: &Connection, run_id: &str, rejects: &[Reject]) -> Result<()> {
    let mut app = conn.appender_to_db("rejects", "meta").map_err(Error::duckdb("meta.rejects"))?;
    for r in rejects {
        app.append_row(params![
            run_id,
            r.source,
            r.file,
            r.sheet,
            r.cell,
            r.row as i32,
            r.column,
            r.raw,
            r.rule,
            r.message
        ])
        .map_err(Error::duckdb("meta.rejects"))?;
    }
    app.flush().map_err(Error::duckdb("meta.rejects"))
}

/// `meta.column_units`: the unit each contract column's type gives its staged columns, and
/// each unit a model sidecar declares.
pub fn write_column_units(conn: &Connection, project: &crate::project::Project) -> Result<()> {
    let mut app = conn.appender_to_db("column_units", "meta").map_err(Error::duckdb("meta.column_units"))?;
    let sources = project.contracts.iter().flat_map(|c| {
        c.columns
            .iter()
            .flat_map(crate::spec::staged::staged_units)
            .map(|(col, u)| ("staging", c.name.as_str(), col, u))
    });
    let models = project.models.iter().flat_map(|m| {
        m.sidecar
            .columns
            .iter()
            .filter_map(|c| Some((m.schema.as_str(), m.name.as_str(), c.name.clone(), c.declared_unit()?)))
    });
    for (schema, table, column, unit) in sources.chain(models) {
        app.append_row(params![schema, table, column, unit.unit, unit.column])
            .map_err(Error::duckdb("recording meta.column_units"))?;
    }
    app.flush().map_err(Error::duckdb("recording meta.column_units"))
}

/// `meta.column_units` as written above: (`schema.table`, column, unit) per declared column;
/// none for a warehouse built before the table existed.
pub fn read_column_units(conn: &Connection) -> Vec<(String, String, crate::spec::staged::Unit)> {
    let declared = crate::render::query(
        conn,
        "select schema_name || '.' || table_name, column_name, unit, unit_column from meta.column_units",
    );
    let rows = declared.map(|t| t.rows).unwrap_or_default();
    rows.into_iter()
        .filter_map(|r| match <[Option<String>; 4]>::try_from(r) {
            Ok([Some(table), Some(column), unit, unit_column]) => {
                Some((table, column, crate::spec::staged::Unit { unit, column: unit_column }))
            }
            _ => None,
        })
        .collect()
}

pub fn write_sources(conn: &Connection, contracts: &[Contract]) -> Result<()> {
    let mut app = conn.appender_to_db("sources", "meta").map_err(Error::duckdb("meta.sources"))?;
    for c in contracts {
        let on_error = format!("{:?}", c.on_error).to_lowercase();
        app.append_row(params![c.name, c.description, c.reference, c.file, c.sheet, c.path, on_error])
            .map_err(Error::duckdb("meta.sources"))?;
    }
    app.flush().map_err(Error::duckdb("meta.sources"))
}

pub fn write_test_results(conn: &Connection, run_id: &str, outcomes: &[Outcome]) -> Result<()> {
    let mut app = conn.appender_to_db("test_results", "meta").map_err(Error::duckdb("meta.test_results"))?;
    for o in outcomes {
        let c = &o.check;
        let severity = if c.severity == Severity::Warn { "warn" } else { "error" };
        app.append_row(params![
            run_id,
            c.name,
            c.kind,
            c.target,
            c.column,
            severity,
            o.status,
            o.failing_rows,
            o.sample,
            c.declared_in,
            c.failing_sql
        ])
        .map_err(Error::duckdb("meta.test_results"))?;
    }
    app.flush().map_err(Error::duckdb("meta.test_results"))
}

/// `meta.corrections`: every entry of the register, and where it applied (`carried over` when
/// its source was copied from the published warehouse).
pub fn write_corrections(
    conn: &Connection,
    run_id: &str,
    corrections: &[crate::spec::corrections::Correction],
    corrected: &[(String, String)],
    carried_over: &[String],
) -> Result<()> {
    let mut app = conn.appender_to_db("corrections", "meta").map_err(Error::duckdb("meta.corrections"))?;
    for c in corrections {
        let cell = corrected.iter().find(|(id, _)| id == &c.id).map(|(_, cell)| cell.clone());
        let applied = match &cell {
            Some(_) => "applied",
            None if carried_over.contains(&format!("staging.{}", c.source)) => "carried over",
            None => "not applied",
        };
        app.append_row(params![
            run_id,
            c.id,
            c.source,
            c.key_text(),
            c.column,
            cell,
            c.expect,
            c.value,
            c.reason,
            c.status.as_str(),
            applied
        ])
        .map_err(Error::duckdb("meta.corrections"))?;
    }
    app.flush().map_err(Error::duckdb("meta.corrections"))
}

pub fn write_changes(conn: &Connection, run_id: &str, changes: &[Change]) -> Result<()> {
    let mut app = conn.appender_to_db("changes", "meta").map_err(Error::duckdb("meta.changes"))?;
    for c in changes {
        app.append_row(params![run_id, c.table, c.kind, c.key, c.column, c.cell, c.old, c.new, c.rows])
            .map_err(Error::duckdb("meta.changes"))?;
    }
    app.flush().map_err(Error::duckdb("meta.changes"))
}

/// The run that made a warehouse, as its own `meta.runs` records it.
pub struct MadeBy {
    pub id: String,
    pub finished_at: String,
    pub rows_loaded: i64,
    pub rows_rejected: i64,
    /// The inputs' fingerprint (sha256 over every part).
    pub fingerprint: Option<String>,
}

/// The run that made the warehouse open on `conn`: the last successful run of its `meta.runs`
/// (a build writes the history up to and including itself). Not the run log beside the file,
/// which goes on after it and may describe a newer file than the one open. None for a warehouse
/// without the table.
pub fn made_by(conn: &Connection) -> Result<Option<MadeBy>> {
    let sql = "select id, finished_at::varchar, rows_loaded, rows_rejected, fingerprint from meta.runs \
               where status = 'success' order by finished_at desc, id desc limit 1";
    let Ok(mut stmt) = conn.prepare(sql) else { return Ok(None) };
    let mut rows = stmt.query([]).map_err(Error::duckdb("reading meta.runs"))?;
    let Some(r) = rows.next().map_err(Error::duckdb("reading meta.runs"))? else { return Ok(None) };
    let read = |e| Error::duckdb("reading meta.runs")(e);
    Ok(Some(MadeBy {
        id: r.get(0).map_err(read)?,
        finished_at: r.get::<_, Option<String>>(1).map_err(read)?.unwrap_or_default(),
        rows_loaded: r.get::<_, Option<i64>>(2).map_err(read)?.unwrap_or(0),
        rows_rejected: r.get::<_, Option<i64>>(3).map_err(read)?.unwrap_or(0),
        fingerprint: r.get(4).map_err(read)?,
    }))
}

pub fn write_runs(conn: &Connection, runs: &[RunRecord]) -> Result<()> {
    // A run logged twice (a retried append) keeps its last record.
    let mut last: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, r) in runs.iter().enumerate() {
        last.insert(r.id.as_str(), i);
    }
    let mut app = conn.appender_to_db("runs", "meta").map_err(Error::duckdb("meta.runs"))?;
    for (_, r) in runs.iter().enumerate().filter(|(i, r)| last.get(r.id.as_str()) == Some(i)) {
        let fingerprint = r.fingerprint.as_ref().map(|f| f.total.clone());
        let finished = Some(r.finished_at.as_str()).filter(|f| !f.is_empty());
        app.append_row(params![
            r.id,
            r.trigger,
            r.started_at,
            finished,
            r.status,
            r.reason,
            r.baimo_version,
            r.rows_read as i64,
            r.rows_loaded as i64,
            r.rows_rejected as i64,
            to_json(&r.stages),
            to_json(&r.inputs),
            r.changed.join(" "),
            r.carried_over.join(" "),
            fingerprint,
            r.changes
        ])
        .map_err(Error::duckdb("recording meta.runs"))?;
    }
    app.flush().map_err(Error::duckdb("recording meta.runs"))
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_meta_tables_are_read_from_their_ddl() {
        let tables = super::tables();
        assert!(
            tables.contains(&"runs") && tables.contains(&"test_results") && tables.contains(&"rejects"),
            "{tables:?}"
        );
        assert!(
            tables.iter().all(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_lowercase() || c == '_')),
            "{tables:?}"
        );
    }
}
