//! SQL models: `pipelines/models/<schema>/<name>.sql` → `<schema>.<name>`, run in dependency order.
//!
//! A model is one `select` (CTEs welcome) in plain DuckDB SQL; baimo wraps it in
//! `create table … as` (or `create view`, per its sidecar). Dependencies are the
//! `schema.table` names the SQL mentions outside comments and string literals, plus the
//! sidecar's `depends_on`. An unknown table or a cycle is an error naming the file.

use crate::error::{Error, Location, Result};
use crate::spec::{check_identifier, quote, read_toml, Materialized, Sidecar};
use duckdb::Connection;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Schemas a model may write to (the folder it sits in).
pub const MODEL_SCHEMAS: &[&str] = &["staging", "marts", "meta"];
/// Schemas whose tables a model may read.
const KNOWN_SCHEMAS: &[&str] = &["staging", "marts", "meta", "main"];

#[derive(Debug, Clone)]
pub struct Model {
    pub schema: String,
    pub name: String,
    /// Path relative to the project.
    pub path: String,
    pub sql: String,
    pub sidecar: Sidecar,
    pub depends_on: BTreeSet<String>,
}

impl Model {
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }

    /// What the model makes: `table` or `view`.
    pub fn kind(&self) -> &'static str {
        match self.sidecar.materialized {
            Materialized::Table => "table",
            Materialized::View => "view",
        }
    }
}

/// Finds every model, reads its sidecar and its dependencies.
pub fn discover(root: &Path) -> Result<Vec<Model>> {
    let dir = root.join("pipelines").join("models");
    let mut files = Vec::new();
    walk(&dir, &mut files)?;
    files.sort();
    let mut models = Vec::new();
    for path in files {
        let rel = path.strip_prefix(root).unwrap_or(&path).display().to_string();
        let loc = Location::file(&rel);
        let schema = path.parent().and_then(|p| p.file_name()).and_then(|s| s.to_str()).unwrap_or_default().to_string();
        if !MODEL_SCHEMAS.contains(&schema.as_str()) {
            return Err(Error::spec(
                loc,
                format!(
                    "models live in pipelines/models/<schema>/ with schema one of {}; found `{schema}`",
                    MODEL_SCHEMAS.join(", ")
                ),
            ));
        }
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        check_identifier(&name, "model name (the file name)", &loc)?;
        // The path rule of contracts holds for every file under pipelines/: a symlink that
        // leads outside the project is refused.
        crate::spec::resolve_in_project(root, &rel, &loc)?;
        let sql = std::fs::read_to_string(&path).map_err(Error::io(&path))?;
        let sql = sql.trim().trim_end_matches(';').trim_end().to_string();
        if strip_comments_and_strings(&sql).trim().is_empty() {
            return Err(Error::spec(loc, "the model is empty: write one select statement"));
        }
        // One query per model: a second statement (a `copy … to`, an `attach`) is refused.
        let statements = crate::statements::split(&sql);
        let first_word = strip_comments_and_strings(&sql).split_whitespace().next().unwrap_or_default().to_lowercase();
        if statements.len() != 1 || !matches!(first_word.as_str(), "select" | "with" | "from" | "values" | "(") {
            return Err(Error::spec(
                loc,
                format!(
                    "a model is one query (select, with … select, from …); found {} statement(s) starting with `{first_word}`",
                    statements.len()
                ),
            ));
        }
        let sidecar_path = path.with_extension("toml");
        let sidecar: Sidecar = if sidecar_path.exists() {
            let rel = sidecar_path.strip_prefix(root).unwrap_or(&sidecar_path).display().to_string();
            read_toml(&sidecar_path, &rel)?
        } else {
            Sidecar::default()
        };
        let mut depends_on = referenced_tables(&sql);
        depends_on.extend(sidecar.depends_on.iter().cloned());
        models.push(Model { schema, name, path: rel, sql, sidecar, depends_on });
    }
    Ok(models)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::Io { path: dir.to_path_buf(), source: e }),
    };
    for entry in entries {
        let path = entry.map_err(Error::io(dir))?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().and_then(|e| e.to_str()) == Some("sql") {
            out.push(path);
        }
    }
    Ok(())
}

/// `schema.table` names in SQL text, skipping comments, string literals and quoted names'
/// contents. Only the schemas baimo knows count; `t.col` aliases are not mistaken for tables.
pub fn referenced_tables(sql: &str) -> BTreeSet<String> {
    let code = strip_comments_and_strings(sql);
    let mut out = BTreeSet::new();
    let bytes = code.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut i = 0;
    while i < bytes.len() {
        if is_ident(bytes[i]) && (i == 0 || !(is_ident(bytes[i - 1]) || bytes[i - 1] == b'.')) {
            let start = i;
            while i < bytes.len() && is_ident(bytes[i]) {
                i += 1;
            }
            let first = code[start..i].to_ascii_lowercase();
            if KNOWN_SCHEMAS.contains(&first.as_str()) && i < bytes.len() && bytes[i] == b'.' {
                let t0 = i + 1;
                let mut j = t0;
                while j < bytes.len() && is_ident(bytes[j]) {
                    j += 1;
                }
                if j > t0 {
                    out.insert(format!("{first}.{}", code[t0..j].to_ascii_lowercase()));
                }
                i = j;
            }
        } else {
            i += 1;
        }
    }
    out
}

/// Replaces comments and string literals with spaces, keeping line breaks (and so line numbers).
fn strip_comments_and_strings(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '-' if chars.peek() == Some(&'-') => {
                for d in chars.by_ref() {
                    if d == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut prev = ' ';
                for d in chars.by_ref() {
                    if d == '\n' {
                        out.push('\n');
                    }
                    if prev == '*' && d == '/' {
                        break;
                    }
                    prev = d;
                }
                out.push(' ');
            }
            '\'' => {
                for d in chars.by_ref() {
                    if d == '\n' {
                        out.push('\n');
                    }
                    if d == '\'' {
                        break;
                    }
                }
                out.push_str("''");
            }
            c => out.push(c),
        }
    }
    out
}

/// Orders models so each runs after what it reads. `available` holds the tables that exist
/// before any model runs (staging sources, meta tables).
pub fn order(models: &[Model], available: &BTreeSet<String>) -> Result<Vec<usize>> {
    let by_name: BTreeMap<String, usize> = models.iter().enumerate().map(|(i, m)| (m.qualified(), i)).collect();
    for (i, m) in models.iter().enumerate() {
        if let Some(&j) = by_name.get(&m.qualified()) {
            if j != i {
                return Err(Error::spec(
                    Location::file(&m.path),
                    format!("{} is also defined by {}", m.qualified(), models[j].path),
                ));
            }
        }
        if available.contains(&m.qualified()) {
            return Err(Error::spec(
                Location::file(&m.path),
                format!("{} is already a source table; rename the model", m.qualified()),
            ));
        }
        for dep in &m.depends_on {
            if !by_name.contains_key(dep) && !available.contains(dep) && !dep.starts_with("main.") {
                let line = m.sql.lines().position(|l| l.to_ascii_lowercase().contains(dep.as_str())).map(|p| p + 1);
                return Err(Error::spec(
                    Location { line, ..Location::file(&m.path) },
                    format!("reads `{dep}`, which is neither a source nor a model"),
                ));
            }
        }
    }
    // Depth-first topological sort; the grey path gives the cycle.
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        White,
        Grey,
        Black,
    }
    fn visit(
        i: usize,
        models: &[Model],
        by_name: &BTreeMap<String, usize>,
        marks: &mut [Mark],
        path: &mut Vec<usize>,
        out: &mut Vec<usize>,
    ) -> Result<()> {
        match marks[i] {
            Mark::Black => return Ok(()),
            Mark::Grey => {
                let start = path.iter().position(|&p| p == i).unwrap_or(0);
                let cycle: Vec<String> =
                    path[start..].iter().chain(std::iter::once(&i)).map(|&p| models[p].qualified()).collect();
                let files: Vec<&str> = path[start..].iter().map(|&p| models[p].path.as_str()).collect();
                return Err(Error::spec(
                    Location::file(&models[i].path),
                    format!("dependency cycle: {} (files: {})", cycle.join(" → "), files.join(", ")),
                ));
            }
            Mark::White => {}
        }
        marks[i] = Mark::Grey;
        path.push(i);
        for dep in &models[i].depends_on {
            if let Some(&j) = by_name.get(dep) {
                visit(j, models, by_name, marks, path, out)?;
            }
        }
        path.pop();
        marks[i] = Mark::Black;
        out.push(i);
        Ok(())
    }
    let mut marks = vec![Mark::White; models.len()];
    let mut out = Vec::with_capacity(models.len());
    for i in 0..models.len() {
        visit(i, models, &by_name, &mut marks, &mut Vec::new(), &mut out)?;
    }
    Ok(out)
}

/// Runs one model into the build database and checks that its sidecar names only its columns;
/// returns its rows. Its comments are written later ([`crate::build::document`]).
pub fn run(conn: &Connection, model: &Model) -> Result<usize> {
    let target = format!("{}.{}", quote(&model.schema), quote(&model.name));
    // The model's text starts on the same line as the wrapper, so DuckDB's line numbers are the
    // file's line numbers.
    let statement = format!("create {} {target} as {}", model.kind(), model.sql);
    conn.execute_batch(&statement).map_err(|e| Error::Sql {
        location: Location { line: error_line(&e.to_string()), ..Location::file(&model.path) },
        message: format!("model {} failed: {}", model.qualified(), e.to_string().trim()),
    })?;
    // Counted by a second query: `create table … as` answers with its rows only through a
    // prepared statement, and preparing the models measured slower than counting them (the
    // report project's transform 0.16 → 0.21 s).
    let rows: i64 = conn
        .query_row(&format!("select count(*) from {target}"), [], |r| r.get(0))
        .map_err(Error::duckdb(format!("counting {}", model.qualified())))?;
    check_sidecar_columns(conn, model)?;
    Ok(rows as usize)
}

/// Every column the sidecar names (and every `unit_column` it points to) is a column of the
/// model: a declaration about a column the SQL no longer makes is a spec error, not a no-op.
pub fn check_sidecar_columns(conn: &Connection, model: &Model) -> Result<()> {
    let named = model.sidecar.columns.iter().flat_map(|c| {
        std::iter::once((c.name.as_str(), "column")).chain(c.unit_column.as_deref().map(|u| (u, "unit_column")))
    });
    // The model's columns as its result names them (a catalog scan per model cost more than
    // the model; a failing probe would abort the build's transaction).
    let target = format!("{}.{}", quote(&model.schema), quote(&model.name));
    let listing = || Error::duckdb(format!("listing the columns of {}", model.qualified()));
    let mut stmt = conn.prepare(&format!("select * from {target} limit 0")).map_err(listing())?;
    drop(stmt.query([]).map_err(listing())?);
    let columns = stmt.column_names();
    for (name, what) in named {
        if !columns.iter().any(|c| c == name) {
            return Err(Error::Spec {
                location: Location::file(model.path.replace(".sql", ".toml")),
                message: format!(
                    "{what} `{name}` is not a column of {} (its columns: {})",
                    model.qualified(),
                    columns.join(", ")
                ),
            });
        }
    }
    Ok(())
}

/// `COMMENT ON <what> IS '<text>'` for each (what, text), sent to DuckDB as one batch.
pub fn comment(conn: &Connection, target: &str, docs: &[(String, String)]) -> Result<()> {
    let sql: Vec<String> =
        docs.iter().map(|(what, text)| format!("comment on {what} is '{}';", text.replace('\'', "''"))).collect();
    conn.execute_batch(&sql.join("\n")).map_err(Error::duckdb(format!("documenting {target}")))
}

/// DuckDB reports `LINE 3:` for parser errors.
fn error_line(message: &str) -> Option<usize> {
    let at = message.find("LINE ")?;
    let digits: String = message[at + 5..].chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(schema: &str, name: &str, sql: &str) -> Model {
        Model {
            schema: schema.into(),
            name: name.into(),
            path: format!("pipelines/models/{schema}/{name}.sql"),
            sql: sql.into(),
            sidecar: Sidecar::default(),
            depends_on: referenced_tables(sql),
        }
    }

    #[test]
    fn finds_tables_but_not_comments_strings_or_aliases() {
        let sql = "-- from marts.ignored\nwith r as (select * from staging.training_runs)\nselect r.gpus, 'marts.nope' as s from r join marts.a on true /* meta.no */ join Staging.Market_Size m on true";
        let deps: Vec<String> = referenced_tables(sql).into_iter().collect();
        assert_eq!(deps, vec!["marts.a", "staging.market_size", "staging.training_runs"]);
    }

    #[test]
    fn orders_by_dependency_and_reports_cycles_and_unknowns() {
        let available: BTreeSet<String> = ["staging.s".to_string()].into();
        let ms = vec![model("marts", "b", "select * from marts.a"), model("marts", "a", "select * from staging.s")];
        let order = order(&ms, &available).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(order, vec![1, 0]);

        let cyc = vec![model("marts", "a", "select * from marts.b"), model("marts", "b", "select * from marts.a")];
        let e = super::order(&cyc, &available).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("cycle") && e.contains("pipelines/models/marts/a.sql"), "{e}");

        let unknown = vec![model("marts", "a", "select 1\nfrom staging.nope")];
        let e = super::order(&unknown, &available).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("staging.nope") && e.contains("line 2"), "{e}");
    }

    /// A model's run returns its rows, a table's and a view's alike; a model that fails names its
    /// file and what DuckDB could not find.
    #[test]
    fn a_model_run_returns_its_rows() {
        let conn = duckdb::Connection::open_in_memory().expect("duckdb");
        conn.execute_batch("create schema marts").expect("schema");
        let table = model("marts", "t", "select i from range(7) r(i) where i % 2 = 0");
        assert_eq!(run(&conn, &table).expect("table"), 4);
        let mut view = model("marts", "v", "select * from marts.t where i > 0");
        view.sidecar.materialized = Materialized::View;
        assert_eq!(run(&conn, &view).expect("view"), 3);
        let kind: String = conn
            .query_row("select table_type from information_schema.tables where table_name = 'v'", [], |r| r.get(0))
            .expect("catalog");
        assert_eq!(kind, "VIEW");
        let broken = model("marts", "b", "select 1\nfrom marts.nope");
        let e = run(&conn, &broken).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("pipelines/models/marts/b.sql") && e.contains("marts.nope"), "{e}");
    }

    #[test]
    fn error_lines() {
        assert_eq!(error_line("Parser Error: syntax error at or near \"form\"\n\nLINE 3: select * form x"), Some(3));
        assert_eq!(error_line("Catalog Error"), None);
    }
}
