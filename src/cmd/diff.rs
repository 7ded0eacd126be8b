//! `baimo diff`: what a build would change against the published warehouse, or what changed
//! between any two warehouse files. Each changed value with its cell and the text before and
//! after; rows added and removed per source and model; schema changes. The summary line goes to
//! stderr, the detail to stdout (a table, or `--format csv|json|markdown`).

use crate::build::diff::{self, Change};
use crate::build::{self, Options};
use crate::error::{Error, Result};
use crate::project::{Paths, Project};
use crate::render::{Format, TextTable};
use duckdb::Connection;
use std::path::{Path, PathBuf};

pub fn run(root: &Path, files: &[PathBuf], format: Format) -> Result<()> {
    let changes = match files {
        [] => would_publish(root)?,
        [old, new] => between(root, old, new)?,
        _ => return Err(Error::Usage("baimo diff takes no file (what a build would change) or two (OLD NEW)".into())),
    };
    crate::say::info(diff::summary(&changes));
    let mut table = TextTable {
        headers: ["table", "kind", "key", "column", "cell", "old", "new", "rows"].map(String::from).to_vec(),
        numeric: vec![false, false, false, false, false, false, false, true],
        rows: Vec::new(),
    };
    // A field that does not apply to a kind of change is blank, not NULL.
    let blank = |v: Option<String>| Some(v.unwrap_or_default());
    for c in changes {
        table.rows.push(vec![
            Some(c.table),
            Some(c.kind),
            blank(c.key),
            blank(c.column),
            blank(c.cell),
            c.old,
            c.new,
            Some(c.rows.to_string()),
        ]);
    }
    table.write(format, &mut std::io::stdout().lock()).map_err(Error::io("stdout"))
}

/// A build in memory (as `check` runs it), compared with the published warehouse.
fn would_publish(root: &Path) -> Result<Vec<Change>> {
    if !Paths::new(root).published.exists() {
        return Err(Error::Usage("nothing is published yet: `baimo build` first, then diff what changes".into()));
    }
    Ok(build::run(root, &Options::new("diff", false))?.changes)
}

/// Two warehouse files, both opened read-only.
fn between(root: &Path, old: &Path, new: &Path) -> Result<Vec<Change>> {
    let project = Project::load(root)?;
    let conn = Connection::open_in_memory().map_err(Error::duckdb("opening DuckDB"))?;
    for (file, alias) in [(old, "published"), (new, "new")] {
        if !file.is_file() {
            return Err(Error::Usage(format!("{}: no such warehouse file", file.display())));
        }
        build::attach_read_only(&conn, file, alias).map_err(Error::duckdb(format!("opening {}", file.display())))?;
    }
    diff::diff(&conn, "new", &project)
}
