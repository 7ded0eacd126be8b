//! Load: a polars frame → a DuckDB table, in Arrow batches, never row by row.
//!
//! polars and DuckDB use two Arrow implementations (polars-arrow and arrow-rs). Both speak the
//! Arrow C Data Interface, so each column is exported by polars-arrow and imported by arrow-rs
//! without copying its buffers; the resulting `RecordBatch` is inserted through
//! `baimo_frame(?)` ([`scan`]), whose vectors DuckDB's own Arrow conversion builds.

mod scan;

use crate::error::{Error, Result};
use crate::spec::quote;
use arrow::array::{make_array, ArrayRef, RecordBatch};
use arrow::datatypes::{Field as ArrowField, Schema};
use arrow::ffi::{FFI_ArrowArray, FFI_ArrowSchema};
use duckdb::Connection;
use polars::prelude::{CompatLevel, DataFrame};
use std::sync::Arc;

/// Creates `schema.table` with the declared columns, then the `extra` column definitions.
pub fn create_table(
    conn: &Connection,
    schema: &str,
    table: &str,
    columns: &[(String, &'static str)],
    extra: &[String],
) -> Result<()> {
    let mut ddl: Vec<String> = columns.iter().map(|(n, t)| format!("{} {t}", quote(n))).collect();
    ddl.extend(extra.iter().cloned());
    let qualified = format!("{}.{}", quote(schema), quote(table));
    conn.execute_batch(&format!("create table {qualified} ({})", ddl.join(", ")))
        .map_err(Error::duckdb(format!("creating {schema}.{table}")))
}

/// Appends a frame to `schema.table`, batch by batch over Arrow: each batch is registered with
/// the `baimo_frame` table function (see [`register`]) and inserted with one statement, which
/// measured faster than DuckDB's appender (no intermediate collection). Returns the rows appended.
pub fn append_frame(conn: &Connection, schema: &str, table: &str, frame: &mut DataFrame) -> Result<usize> {
    if frame.height() == 0 {
        return Ok(0);
    }
    frame.rechunk_mut();
    // Named columns: the table also has generated columns, which are not inserted.
    let columns: Vec<String> = frame.get_column_names().iter().map(|c| quote(c.as_str())).collect();
    let sql =
        format!("insert into {}.{} ({}) select * from baimo_frame(?)", quote(schema), quote(table), columns.join(", "));
    for batch in to_record_batches(frame)? {
        let registered = scan::Registered::new(batch);
        conn.execute(&sql, [registered.token()]).map_err(Error::duckdb(format!("appending to {schema}.{table}")))?;
    }
    Ok(frame.height())
}

/// Makes the `baimo_frame(?)` table function that [`append_frame`] inserts from available on
/// `conn`.
pub fn register(conn: &Connection) -> Result<()> {
    conn.register_table_function::<scan::FrameScan>("baimo_frame")
        .map_err(Error::duckdb("registering the baimo_frame table function"))
}

/// Hands a rechunked frame's columns over the C Data Interface, as arrow-rs record batches.
pub fn to_record_batches(frame: &DataFrame) -> Result<Vec<RecordBatch>> {
    let fields: Vec<_> = frame.columns().iter().map(|c| c.field().to_arrow(CompatLevel::newest())).collect();
    let mut batches = Vec::new();
    for chunk in frame.iter_chunks(CompatLevel::newest(), false) {
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(fields.len());
        let mut schema_fields = Vec::with_capacity(fields.len());
        for (field, array) in fields.iter().zip(chunk.into_arrays()) {
            let c_schema = polars_arrow::ffi::export_field_to_c(field);
            let c_array = polars_arrow::ffi::export_array_to_c(array);
            // SAFETY: polars-arrow's ArrowSchema/ArrowArray and arrow-rs's FFI_ArrowSchema/
            // FFI_ArrowArray are both `#[repr(C)]` renderings of the Arrow C Data Interface
            // structs, with the same fields in the same order; ownership (and the release
            // callback) moves with the value, so nothing is freed twice.
            let (c_schema, c_array): (FFI_ArrowSchema, FFI_ArrowArray) =
                unsafe { (std::mem::transmute(c_schema), std::mem::transmute(c_array)) };
            let data = unsafe { arrow::ffi::from_ffi(c_array, &c_schema) }
                .map_err(|e| Error::Internal(format!("Arrow hand-over of column `{}` failed: {e}", field.name)))?;
            let arrow_field = ArrowField::try_from(&c_schema)
                .map_err(|e| Error::Internal(format!("Arrow schema of column `{}`: {e}", field.name)))?;
            schema_fields.push(arrow_field);
            arrays.push(make_array(data));
        }
        let batch = RecordBatch::try_new(Arc::new(Schema::new(schema_fields)), arrays)
            .map_err(|e| Error::Internal(format!("building an Arrow batch: {e}")))?;
        batches.push(batch);
    }
    Ok(batches)
}

/// Runs `work` in one DuckDB transaction: committed when it succeeds, rolled back when it fails.
/// A build makes hundreds of small writes (tables, comments, meta rows); as separate
/// autocommits each would be its own WAL commit.
pub fn in_transaction<T>(conn: &Connection, work: impl FnOnce() -> Result<T>) -> Result<T> {
    conn.execute_batch("begin transaction").map_err(Error::duckdb("beginning a transaction"))?;
    match work() {
        Ok(value) => {
            conn.execute_batch("commit").map_err(Error::duckdb("committing"))?;
            Ok(value)
        }
        Err(e) => {
            if let Err(rollback) = conn.execute_batch("rollback") {
                tracing::warn!("rolling back after an error failed: {rollback}");
            }
            Err(e)
        }
    }
}
