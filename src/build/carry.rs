//! Carry-over: an unchanged source or model is copied from the published warehouse (attached
//! as `published`) instead of rebuilt.

use super::ingest::create_staging;
use crate::error::{Error, Result};
use crate::model::{self, Model};
use crate::spec::{quote, Contract};
use duckdb::{params, Connection};

/// Whether the published warehouse (attached as `published`) has this table.
fn published_has(conn: &Connection, schema: &str, table: &str) -> Result<bool> {
    let n: i64 = conn
        .query_row(
            "select count(*) from duckdb_tables() where database_name = 'published' and schema_name = ? and table_name = ?",
            params![schema, table],
            |r| r.get(0),
        )
        .map_err(Error::duckdb("looking into the published warehouse"))?;
    Ok(n > 0)
}

/// Copies an unchanged source's staged table, file record and rejects from the published
/// warehouse. False when there is nothing to copy (then the source is built).
pub fn carry_source(conn: &Connection, contract: &Contract, run_id: &str) -> Result<bool> {
    if !published_has(conn, "staging", &contract.name)? {
        return Ok(false);
    }
    // The same table definition as a fresh load (so the provenance constants stay generated
    // columns), filled with the published rows.
    let stored: Vec<String> = create_staging(conn, contract)?.iter().map(|c| quote(c)).collect();
    let (t, list) = (quote(&contract.name), stored.join(", "));
    conn.execute_batch(&format!("insert into staging.{t} ({list}) select {list} from published.staging.{t}"))
        .map_err(Error::duckdb(format!("carrying staging.{} over", contract.name)))?;
    conn.execute(
        "insert into meta.files select ? , * exclude (run_id) from published.meta.files where source = ?",
        params![run_id, contract.name],
    )
    .map_err(Error::duckdb("carrying meta.files over"))?;
    conn.execute(
        "insert into meta.rejects select ?, * exclude (run_id) from published.meta.rejects where source = ?",
        params![run_id, contract.name],
    )
    .map_err(Error::duckdb("carrying meta.rejects over"))?;
    conn.execute(
        "insert into meta.source_columns select * from published.meta.source_columns where source = ?",
        params![contract.name],
    )
    .map_err(Error::duckdb("carrying meta.source_columns over"))?;
    tracing::info!(source = %contract.name, "unchanged: carried over from the published warehouse");
    Ok(true)
}

/// Copies an unchanged model's table from the published warehouse.
pub fn carry_model(conn: &Connection, m: &Model) -> Result<bool> {
    if !published_has(conn, &m.schema, &m.name)? {
        return Ok(false);
    }
    let (s, t) = (quote(&m.schema), quote(&m.name));
    conn.execute_batch(&format!("create table {s}.{t} as select * from published.{s}.{t}"))
        .map_err(Error::duckdb(format!("carrying {} over", m.qualified())))?;
    model::check_sidecar_columns(conn, m)?;
    tracing::info!(model = %m.qualified(), "unchanged: carried over from the published warehouse");
    Ok(true)
}
