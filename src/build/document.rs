//! Document: the `COMMENT ON` of every staged table and model, which DuckDB clients show and
//! `meta.columns` reads. A build collects them while it loads and transforms, and writes them on
//! a second connection, in their own transactions, while the first runs the models and the
//! audit: the sources' once their tables are committed, the models' once theirs are. The report
//! project has ~970 comments, each its own DuckDB statement (~0.17 ms to parse, bind and alter
//! the catalog entry; DuckDB has no column comment in `CREATE TABLE`), and the models and the
//! audit only read the tables, so the two overlap on two cores.

use crate::error::{Error, Result};
use crate::model::{self, Model};
use crate::spec::{quote, staged, Contract};
use duckdb::Connection;

/// The comments of one build, in the order they were collected: per table, what is commented
/// (`table staging."x"`, `column staging."x"."y"`) and the text.
#[derive(Default)]
pub struct Comments(Vec<(String, Vec<(String, String)>)>);

impl Comments {
    /// The staged table of a source and each of its columns, provenance included.
    pub fn source(&mut self, contract: &Contract) {
        let target = format!("staging.{}", quote(&contract.name));
        let origin = match &contract.sheet {
            Some(s) => format!("{}, sheet {s}", contract.file),
            None => contract.file.clone(),
        };
        let mut docs = vec![(
            format!("table {target}"),
            format!("{} (from {origin}; report section: {})", contract.description, contract.reference),
        )];
        for col in &contract.columns {
            for (name, _, doc) in staged::staged_columns(col) {
                docs.push((format!("column {target}.{}", quote(&name)), doc));
            }
        }
        for (name, _, doc) in staged::PROVENANCE {
            docs.push((format!("column {target}.{}", quote(name)), doc.to_string()));
        }
        self.0.push((target, docs));
    }

    /// A model's table (or view, `kind`) and its documented columns.
    pub fn model(&mut self, model: &Model, kind: &str) {
        let target = format!("{}.{}", quote(&model.schema), quote(&model.name));
        let mut docs = Vec::new();
        if !model.sidecar.description.is_empty() {
            docs.push((format!("{kind} {target}"), model.sidecar.description.clone()));
        }
        for col in &model.sidecar.columns {
            if !col.description.is_empty() {
                docs.push((format!("column {target}.{}", quote(&col.name)), col.description.clone()));
            }
        }
        if !docs.is_empty() {
            self.0.push((target, docs));
        }
    }

    /// How many `COMMENT ON` statements [`Comments::write`] runs.
    pub fn len(&self) -> usize {
        self.0.iter().map(|(_, docs)| docs.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes every comment in one transaction on `conn`.
    pub fn write(&self, conn: &Connection) -> Result<()> {
        crate::load::in_transaction(conn, || {
            for (target, docs) in &self.0 {
                model::comment(conn, target, docs)?;
            }
            Ok(())
        })
    }
}

/// A second connection to the build's database `current`, made its default (a new connection
/// starts in the in-memory one the build file is attached to).
pub fn connection(conn: &Connection, current: &str) -> Result<Connection> {
    let other = conn.try_clone().map_err(Error::duckdb("opening a second connection to the build"))?;
    other
        .execute_batch(&format!("use {}", quote(current)))
        .map_err(Error::duckdb(format!("using {current} on the second connection")))?;
    Ok(other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_written_on_a_second_connection_are_seen_by_the_first() {
        let conn = Connection::open_in_memory().unwrap_or_else(|e| panic!("{e}"));
        conn.execute_batch("create schema marts; create table marts.t (a int, b int)")
            .unwrap_or_else(|e| panic!("{e}"));
        let mut comments = Comments::default();
        comments.0.push((
            "marts.t".into(),
            vec![("table marts.t".into(), "it's a table".into()), ("column marts.t.b".into(), "the b".into())],
        ));
        assert_eq!(comments.len(), 2);
        let other = connection(&conn, "memory").unwrap_or_else(|e| panic!("{e}"));
        std::thread::scope(|s| s.spawn(move || comments.write(&other)).join())
            .unwrap_or_else(|_| panic!("the writer panicked"))
            .unwrap_or_else(|e| panic!("{e}"));
        let table: String = conn
            .query_row("select comment from duckdb_tables() where table_name = 't'", [], |r| r.get(0))
            .unwrap_or_else(|e| panic!("{e}"));
        let column: Option<String> = conn
            .query_row("select comment from duckdb_columns() where table_name = 't' and column_name = 'b'", [], |r| {
                r.get(0)
            })
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((table.as_str(), column.as_deref()), ("it's a table", Some("the b")));
    }
}
