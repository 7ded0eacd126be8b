//! Primary keys, checked in DuckDB once every batch of a source is loaded.

use super::Reject;
use crate::error::{Error, Result};
use crate::spec::{quote, staged::presence_column, Column, Contract};

/// A query counting the repeated primary keys of a source's loaded staging table, as one row
/// `n` (none when the contract has no key). Most sources have none: this aggregate says so more
/// cheaply than the window query of [`duplicate_keys`] that names the rows, and a build counts
/// every source's at once.
pub fn repeated_keys_sql(contract: &Contract) -> Option<String> {
    if contract.primary_key.is_empty() {
        return None;
    }
    Some(format!(
        "select count(*) as n from (select 1 from staging.{} group by {} having count(*) > 1)",
        quote(&contract.name),
        key_columns(contract).join(", ")
    ))
}

fn key_columns(contract: &Contract) -> Vec<String> {
    let cols: Vec<&Column> =
        contract.primary_key.iter().filter_map(|k| contract.columns.iter().find(|c| &c.name == k)).collect();
    cols.iter().map(|c| quote(&presence_column(c))).collect()
}

/// Rows of a loaded staging table whose primary key an earlier row already has: checked in
/// DuckDB once every batch is loaded, so a key is compared across the whole file without
/// holding the keys in memory here.
pub fn duplicate_keys(conn: &duckdb::Connection, contract: &Contract, column_index: &[u32]) -> Result<Vec<Reject>> {
    if contract.primary_key.is_empty() {
        return Ok(Vec::new());
    }
    let keys = key_columns(contract);
    let list = keys.join(", ");
    let text: Vec<String> = keys.iter().map(|k| format!("coalesce({k}::varchar, '')")).collect();
    let sql = format!(
        "select _row, key, first_row from (select _row, concat_ws(' / ', {}) as key, \
         min(_row) over (partition by {list}) as first_row from staging.{}) where _row > first_row order by _row",
        text.join(", "),
        quote(&contract.name)
    );
    let first = contract.columns.iter().position(|c| c.name == contract.primary_key[0]).unwrap_or(0);
    let letter = crate::extract::cell_address(column_index.get(first).copied().unwrap_or(0), 1);
    let letter = letter.trim_end_matches('1');
    let mut stmt = conn.prepare(&sql).map_err(Error::duckdb("checking primary keys"))?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, i32>(0)?, r.get::<_, String>(1)?, r.get::<_, i32>(2)?)))
        .map_err(Error::duckdb("checking primary keys"))?;
    let mut out = Vec::new();
    for row in rows {
        let (row, key, first_row) = row.map_err(Error::duckdb("checking primary keys"))?;
        out.push(Reject {
            source: contract.name.clone(),
            file: contract.file.clone(),
            sheet: contract.sheet.clone(),
            cell: format!("{letter}{row}"),
            row: row as u32,
            column: contract.primary_key[0].clone(),
            raw: key,
            rule: "primary_key".into(),
            message: format!(
                "duplicate primary key ({}), first seen in row {first_row}",
                contract.primary_key.join(", ")
            ),
        });
    }
    Ok(out)
}
