//! The published warehouse as a reader opens it: read-only, with or without access to other
//! files, and what it holds. The verbs that read it (`sql`, `ls`, `docs`, `trace`, `report`,
//! `export`, the shell) and `baimo serve` all open it here.

use crate::error::{Error, Result};
use crate::project::Paths;
use crate::render;
use crate::spec::quote;
use duckdb::{AccessMode, Config, Connection};
use std::path::Path;

/// Opens the published warehouse read-only, with no access to other files.
pub fn open_read_only(root: &Path) -> Result<Connection> {
    open_published(root, false)
}

/// Opens the published warehouse read-only. `files`: whether statements may read and write
/// other files (`export` needs `COPY … TO`; queries do not). Extensions are never fetched from
/// the network: what baimo was built with is what there is.
pub fn open_published(root: &Path, files: bool) -> Result<Connection> {
    let paths = Paths::new(root);
    if !paths.published.exists() {
        return Err(Error::Usage(format!(
            "no published warehouse at {}: run `make warehouse` (or `baimo build`) first",
            paths.published.display()
        )));
    }
    let config = Config::default()
        .access_mode(AccessMode::ReadOnly)
        .and_then(|c| c.enable_external_access(files))
        .and_then(|c| c.enable_autoload_extension(false))
        .map_err(Error::duckdb("configuring a read-only connection"))?;
    Connection::open_with_flags(&paths.published, config)
        .map_err(Error::duckdb(format!("opening {}", paths.published.display())))
}

/// Adds what to do to DuckDB's message when the query tried to write.
pub fn explain(message: &str) -> String {
    let lower = message.to_lowercase();
    if lower.contains("read-only") || lower.contains("read only") {
        format!(
            "{message}\nbaimo sql is read-only: change the warehouse through raw/ and pipelines/, then `baimo build`"
        )
    } else if lower.contains("external access") || lower.contains("disabled by configuration") {
        format!("{message}\nbaimo sql cannot attach or read other files; use DuckDB directly for that")
    } else {
        message.to_string()
    }
}

/// From here on the connection may touch files under `dir` only (DuckDB's
/// `allowed_directories`), and no statement can lift the limit (`lock_configuration`).
pub fn confine(conn: &Connection, dir: &Path) -> Result<()> {
    let allowed = format!("{}/", dir.display()).replace('\'', "''");
    conn.execute_batch(&format!(
        "set allowed_directories = ['{allowed}']; set enable_external_access = false; set lock_configuration = true"
    ))
    .map_err(Error::duckdb("limiting file access to the output folder"))
}

/// A table or view of the warehouse, as `ls` and `docs` list it.
pub struct TableInfo {
    pub schema: String,
    pub name: String,
    pub kind: String,
    pub rows: String,
    pub description: String,
}

impl TableInfo {
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }
}

/// Every table and view of `staging`, `marts` and `meta` in name order: schema, name, kind
/// (`table` or `view`) and description.
pub fn relations(conn: &Connection) -> Result<Vec<[String; 4]>> {
    let listed = render::query(
        conn,
        "select schema_name, table_name, 'table' as kind, coalesce(comment, '') from duckdb_tables() \
         where schema_name in ('staging', 'marts', 'meta') \
         union all \
         select schema_name, view_name, 'view', coalesce(comment, '') from duckdb_views() \
         where schema_name in ('staging', 'marts', 'meta') and not internal \
         order by 1, 2",
    )?;
    Ok(listed.rows.into_iter().map(|row| [0, 1, 2, 3].map(|i| row[i].clone().unwrap_or_default())).collect())
}

/// Every table and view of `staging`, `marts` and `meta`, with its exact row count.
pub fn tables(conn: &Connection) -> Result<Vec<TableInfo>> {
    let mut out = Vec::new();
    for [schema, name, kind, description] in relations(conn)? {
        let count = render::query(conn, &format!("select count(*) from {}.{}", quote(&schema), quote(&name)))?;
        let rows = count.rows.first().and_then(|r| r[0].clone()).unwrap_or_default();
        out.push(TableInfo { schema, name, kind, rows, description });
    }
    Ok(out)
}

/// Which of `tables` (schema.table) the warehouse open on `conn` lacks.
pub fn missing_tables(conn: &Connection, tables: &[&str]) -> Result<Vec<String>> {
    let mut missing = Vec::new();
    for t in tables {
        let (schema, table) = t.split_once('.').unwrap_or(("main", t));
        let found: i64 = conn
            .query_row(
                "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
                [schema, table],
                |r| r.get(0),
            )
            .map_err(Error::duckdb("looking up a table"))?;
        if found == 0 {
            missing.push(t.to_string());
        }
    }
    Ok(missing)
}
