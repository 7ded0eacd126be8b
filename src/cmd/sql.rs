//! `baimo sql`: a read-only query against the published warehouse.
//!
//! The file is opened with `access_mode = READ_ONLY` and external access disabled, so a query
//! can neither change the warehouse nor `attach`/`copy` its way to other files.

use crate::error::{Error, Location, Result};
use crate::render::{self, Format};
use crate::warehouse::{explain, missing_tables, open_read_only};
use duckdb::Connection;
use std::io::{IsTerminal, Read};
use std::path::Path;

/// `baimo sql`: the query, the file, or (when stdin is not a terminal) the script piped in, one
/// statement after another; with none of them and a terminal, the interactive shell.
pub fn run(
    root: &Path,
    query: Option<String>,
    file: Option<&Path>,
    format: Format,
    timeout: Option<std::time::Duration>,
) -> Result<()> {
    let script = match (query, file) {
        (Some(q), _) => q,
        (None, Some(f)) => std::fs::read_to_string(f).map_err(Error::io(f))?,
        (None, None) if std::io::stdin().is_terminal() => return super::shell::run(root, format, timeout),
        (None, None) => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text).map_err(Error::io("stdin"))?;
            text
        }
    };
    super::shell::Session::open(root, format, timeout)?.run_script(&script)
}

/// Runs one query on the published warehouse and prints it to stdout.
pub fn print(root: &Path, sql: &str, format: Format) -> Result<()> {
    let conn = open_read_only(root)?;
    let table = run_one(&conn, sql)?;
    let mut out = std::io::stdout().lock();
    table.write(format, &mut out).map_err(Error::io("stdout"))
}

/// One statement, its error made actionable.
fn run_one(conn: &Connection, sql: &str) -> Result<render::TextTable> {
    render::query(conn, sql).map_err(|e| match e {
        Error::Sql { message, .. } => Error::Sql { location: Location::file("query"), message: explain(&message) },
        other => other,
    })
}

/// The examples `baimo rejects` shows of each rule (`--all`: every cell).
const REJECT_EXAMPLES: usize = 3;

/// `baimo claims`.
pub fn claims(root: &Path, status: Option<&str>, format: Format) -> Result<()> {
    require_table(root, "meta", "claims", "claims are checked by a model at pipelines/models/meta/claims.sql")?;
    let filter = match status {
        Some(s) => format!("where status = '{}'", s.replace('\'', "''")),
        None => String::new(),
    };
    print(
        root,
        &format!(
            "select id, status, stated_raw, stated_value, recomputed_value, gap, statement, explanation \
             from meta.claims {filter} \
             order by case status when 'disagrees' then 0 when 'agrees only as a bound' then 1 \
             when 'not checkable' then 2 else 3 end, id"
        ),
        format,
    )
}

/// `baimo rejects`: per rule, how many cells broke it and the first few of them.
pub fn rejects(root: &Path, all: bool, format: Format) -> Result<()> {
    let limit = if all { String::new() } else { format!("qualify example <= {REJECT_EXAMPLES}") };
    print(
        root,
        &format!(
            "select rule, count(*) over (partition by rule) as cells_with_rule, \
             row_number() over (partition by rule order by source, \"row\", cell) as example, \
             source, file, sheet, cell, \"column\", raw, message \
             from meta.rejects {limit} order by rule, example"
        ),
        format,
    )
}

/// A usage error naming what is missing when the published warehouse has no `schema.table`
/// (a project without that model), instead of DuckDB's catalog error.
fn require_table(root: &Path, schema: &str, table: &str, hint: &str) -> Result<()> {
    let conn = open_read_only(root)?;
    if !missing_tables(&conn, &[&format!("{schema}.{table}")])?.is_empty() {
        return Err(Error::Usage(format!("this warehouse has no {schema}.{table}: {hint}")));
    }
    Ok(())
}
