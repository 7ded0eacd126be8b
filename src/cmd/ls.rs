//! `baimo ls`: the warehouse's tables with row counts and descriptions.

use crate::error::{Error, Result};
use crate::render::{self, Format, TextTable};
use crate::spec::quote;
use duckdb::Connection;
use std::path::Path;

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

pub fn run(root: &Path, format: Format) -> Result<()> {
    let conn = super::sql::open_read_only(root)?;
    listing(&conn)?.write(format, &mut std::io::stdout().lock()).map_err(Error::io("stdout"))
}

/// What `baimo ls` and the shell's `.tables` print.
pub fn listing(conn: &Connection) -> Result<TextTable> {
    let mut out = TextTable {
        headers: ["table", "kind", "rows", "description"].map(String::from).to_vec(),
        numeric: vec![false, false, true, false],
        rows: Vec::new(),
    };
    for t in tables(conn)? {
        out.rows.push(vec![Some(t.qualified()), Some(t.kind), Some(t.rows), Some(t.description.clone())]);
    }
    Ok(out)
}
