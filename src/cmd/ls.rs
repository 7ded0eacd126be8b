//! `baimo ls`: the warehouse's tables with row counts and descriptions.

use crate::error::{Error, Result};
use crate::render::{Format, TextTable};
use crate::warehouse::{open_read_only, tables};
use duckdb::Connection;
use std::path::Path;

pub fn run(root: &Path, format: Format) -> Result<()> {
    let conn = open_read_only(root)?;
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
