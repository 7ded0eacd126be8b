//! `baimo_frame(token)`: a table function over an Arrow batch whose vectors DuckDB itself
//! builds, with its own C++ Arrow conversion (`duckdb_data_chunk_from_arrow`).
//!
//! duckdb-rs's `arrow` table function converts every value in Rust and hands strings over one
//! C call at a time; DuckDB's own conversion points its vectors at the Arrow buffers where the
//! layouts agree (numbers, dates, validity) and turns string views into its own strings in one
//! pass. The batch is registered under a token for the length of one statement; the function
//! emits it a vector (2,048 rows) at a time.
//!
//! DuckDB's conversion reads a connection's settings (its Arrow options). It gets a connection
//! of its own, on a private in-memory database opened once per process: the build's connection
//! is duckdb-rs's and not reachable as a raw handle, and the conversion writes nothing.

use arrow::array::{Array, RecordBatch, StructArray};
use arrow::ffi::{FFI_ArrowArray, FFI_ArrowSchema};
use duckdb::core::{DataChunkHandle, LogicalTypeHandle, LogicalTypeId};
use duckdb::ffi;
use duckdb::vtab::arrow::to_duckdb_logical_type_for_field;
use duckdb::vtab::{BindInfo, InitInfo, TableFunctionInfo, VTab};
use std::collections::HashMap;
use std::ffi::CStr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

type BoxError = Box<dyn std::error::Error>;

/// The batches registered for a statement, by token.
static BATCHES: OnceLock<Mutex<HashMap<u64, RecordBatch>>> = OnceLock::new();
static NEXT_TOKEN: AtomicU64 = AtomicU64::new(1);

fn batches() -> std::sync::MutexGuard<'static, HashMap<u64, RecordBatch>> {
    BATCHES.get_or_init(Default::default).lock().unwrap_or_else(PoisonError::into_inner)
}

/// A batch registered for `baimo_frame(?)` while this value lives.
pub struct Registered(u64);

impl Registered {
    pub fn new(batch: RecordBatch) -> Registered {
        let token = NEXT_TOKEN.fetch_add(1, Ordering::Relaxed);
        batches().insert(token, batch);
        Registered(token)
    }

    pub fn token(&self) -> u64 {
        self.0
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        batches().remove(&self.0);
    }
}

/// The private connection DuckDB's conversion reads its settings from.
struct Converter {
    con: ffi::duckdb_connection,
}

// SAFETY: the connection is only read (its client context's Arrow settings) by
// `duckdb_schema_from_arrow` and `duckdb_data_chunk_from_arrow`, and is never closed (it lives
// as long as the process).
unsafe impl Send for Converter {}
unsafe impl Sync for Converter {}

fn converter() -> Result<&'static Converter, BoxError> {
    static CONVERTER: OnceLock<Result<Converter, String>> = OnceLock::new();
    let made = CONVERTER.get_or_init(|| unsafe {
        // One thread and little memory: the database only lends its settings.
        let mut config: ffi::duckdb_config = std::ptr::null_mut();
        if ffi::duckdb_create_config(&mut config) != ffi::duckdb_state_DuckDBSuccess {
            return Err("configuring DuckDB for the Arrow conversion failed".into());
        }
        ffi::duckdb_set_config(config, c"threads".as_ptr(), c"1".as_ptr());
        ffi::duckdb_set_config(config, c"memory_limit".as_ptr(), c"64MB".as_ptr());
        let mut db: ffi::duckdb_database = std::ptr::null_mut();
        let mut error: *mut std::os::raw::c_char = std::ptr::null_mut();
        let opened = ffi::duckdb_open_ext(std::ptr::null(), &mut db, config, &mut error);
        ffi::duckdb_destroy_config(&mut config);
        if opened != ffi::duckdb_state_DuckDBSuccess {
            let why =
                if error.is_null() { String::new() } else { CStr::from_ptr(error).to_string_lossy().into_owned() };
            if !error.is_null() {
                ffi::duckdb_free(error.cast());
            }
            return Err(format!("opening DuckDB for the Arrow conversion failed: {why}"));
        }
        let mut con: ffi::duckdb_connection = std::ptr::null_mut();
        if ffi::duckdb_connect(db, &mut con) != ffi::duckdb_state_DuckDBSuccess {
            ffi::duckdb_close(&mut db);
            return Err("connecting to DuckDB for the Arrow conversion failed".into());
        }
        Ok(Converter { con })
    });
    made.as_ref().map_err(|e| e.clone().into())
}

/// The type id of a vector's logical type.
unsafe fn type_id(vector: ffi::duckdb_vector) -> ffi::duckdb_type {
    let mut ty = ffi::duckdb_vector_get_column_type(vector);
    let id = ffi::duckdb_get_type_id(ty);
    ffi::duckdb_destroy_logical_type(&mut ty);
    id
}

/// Turns a `duckdb_error_data` into an error (and frees it); `Ok` when there is none.
unsafe fn checked(error: ffi::duckdb_error_data, what: &str) -> Result<(), BoxError> {
    if error.is_null() {
        return Ok(());
    }
    let mut error = error;
    let message = CStr::from_ptr(ffi::duckdb_error_data_message(error)).to_string_lossy().into_owned();
    ffi::duckdb_destroy_error_data(&mut error);
    Err(format!("{what}: {message}").into())
}

/// DuckDB's reading of the batch's Arrow schema.
pub struct Converted(ffi::duckdb_arrow_converted_schema);

// SAFETY: the converted schema is immutable once made; DuckDB reads it from whichever thread
// runs the scan.
unsafe impl Send for Converted {}
unsafe impl Sync for Converted {}

impl Drop for Converted {
    fn drop(&mut self) {
        unsafe { ffi::duckdb_destroy_arrow_converted_schema(&mut self.0) }
    }
}

pub struct Bind {
    batch: RecordBatch,
    schema: Converted,
}

pub struct Init {
    offset: AtomicUsize,
    vector_size: usize,
}

/// The table function; register it with `conn.register_table_function::<FrameScan>("baimo_frame")`.
pub struct FrameScan;

impl VTab for FrameScan {
    type BindData = Bind;
    type InitData = Init;

    fn bind(bind: &BindInfo) -> Result<Bind, BoxError> {
        let token = bind.get_parameter(0).to_uint64();
        let batch = batches().get(&token).cloned().ok_or_else(|| format!("no batch is registered under {token}"))?;
        for field in batch.schema().fields() {
            bind.add_result_column(field.name(), to_duckdb_logical_type_for_field(field)?);
        }
        let converter = converter()?;
        let mut schema = FFI_ArrowSchema::try_from(batch.schema().as_ref())?;
        let mut converted: ffi::duckdb_arrow_converted_schema = std::ptr::null_mut();
        // SAFETY: arrow-rs's FFI_ArrowSchema and libduckdb-sys's ArrowSchema are both the
        // `#[repr(C)]` Arrow C Data Interface struct; DuckDB reads the schema and does not
        // take ownership of it (it is released when `schema` drops).
        unsafe {
            let raw = &mut schema as *mut FFI_ArrowSchema as *mut ffi::ArrowSchema;
            checked(ffi::duckdb_schema_from_arrow(converter.con, raw, &mut converted), "reading the Arrow schema")?;
        }
        Ok(Bind { batch, schema: Converted(converted) })
    }

    fn init(_: &InitInfo) -> Result<Init, BoxError> {
        let vector_size = unsafe { ffi::duckdb_vector_size() } as usize;
        Ok(Init { offset: AtomicUsize::new(0), vector_size: vector_size.max(1) })
    }

    fn func(info: &TableFunctionInfo<Self>, output: &mut DataChunkHandle) -> Result<(), BoxError> {
        let (bind, init) = (info.get_bind_data(), info.get_init_data());
        let rows = bind.batch.num_rows();
        let offset = init.offset.fetch_add(init.vector_size, Ordering::Relaxed);
        if offset >= rows {
            output.set_len(0);
            return Ok(());
        }
        let len = init.vector_size.min(rows - offset);
        let slice = StructArray::from(bind.batch.slice(offset, len)).into_data();
        let mut array = FFI_ArrowArray::new(&slice);
        let mut chunk: ffi::duckdb_data_chunk = std::ptr::null_mut();
        // SAFETY: as for the schema, the array structs agree. DuckDB takes ownership of the
        // array (it clears `release`, so dropping `array` afterwards frees nothing) and keeps
        // the buffers alive for as long as a vector refers to them; `output`'s vectors are made
        // to refer to the converted chunk's, which is then destroyed (the buffers are shared).
        unsafe {
            let raw = &mut array as *mut FFI_ArrowArray as *mut ffi::ArrowArray;
            let converter = converter()?;
            checked(
                ffi::duckdb_data_chunk_from_arrow(converter.con, raw, bind.schema.0, &mut chunk),
                "converting a batch",
            )?;
            let target = output.get_ptr();
            // Referencing a vector of another type throws in C++, which must not unwind into
            // Rust: the types bind declared and the ones DuckDB converted to are compared first.
            let columns = output.num_columns() as u64;
            let mismatch = (0..columns).find(|&i| {
                type_id(ffi::duckdb_data_chunk_get_vector(target, i))
                    != type_id(ffi::duckdb_data_chunk_get_vector(chunk, i))
            });
            if let Some(i) = mismatch {
                ffi::duckdb_destroy_data_chunk(&mut chunk);
                let name = bind.batch.schema().field(i as usize).name().clone();
                return Err(
                    format!("column `{name}`: DuckDB converts its Arrow type to another type than declared").into()
                );
            }
            for i in 0..columns {
                ffi::duckdb_vector_reference_vector(
                    ffi::duckdb_data_chunk_get_vector(target, i),
                    ffi::duckdb_data_chunk_get_vector(chunk, i),
                );
            }
            let size = ffi::duckdb_data_chunk_get_size(chunk) as usize;
            ffi::duckdb_destroy_data_chunk(&mut chunk);
            output.set_len(size);
        }
        Ok(())
    }

    fn parameters() -> Option<Vec<LogicalTypeHandle>> {
        Some(vec![LogicalTypeHandle::from(LogicalTypeId::UBigint)])
    }
}

#[cfg(test)]
mod tests {
    use super::{FrameScan, Registered};
    use arrow::array::{Date32Array, Float64Array, Int64Array, RecordBatch, StringViewArray};
    use arrow::datatypes::{DataType, Field, Schema};
    use std::sync::Arc;

    /// Every kind of column a staged table has, with NULLs, across several vectors and from a
    /// sliced batch, reads back through DuckDB exactly.
    #[test]
    fn a_batch_reads_back_exactly_through_duckdb() {
        let n = 5000;
        let schema = Arc::new(Schema::new(vec![
            Field::new("i", DataType::Int64, true),
            Field::new("f", DataType::Float64, true),
            Field::new("s", DataType::Utf8View, true),
            Field::new("d", DataType::Date32, true),
        ]));
        let text = |i: usize| if i % 7 == 0 { None } else { Some(format!("值{i} a longer string than twelve bytes")) };
        let batch = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(Int64Array::from_iter((0..n).map(|i| (i % 5 != 0).then_some(i as i64)))),
                Arc::new(Float64Array::from_iter((0..n).map(|i| (i % 3 != 0).then_some(i as f64 / 8.0)))),
                Arc::new(StringViewArray::from_iter((0..n).map(text))),
                Arc::new(Date32Array::from_iter((0..n).map(|i| Some(i as i32)))),
            ],
        )
        .expect("batch")
        .slice(10, n - 10);
        let conn = duckdb::Connection::open_in_memory().expect("duckdb");
        conn.register_table_function::<FrameScan>("baimo_frame").expect("register");
        let registered = Registered::new(batch);
        conn.execute("create table t as select * from baimo_frame(?)", [registered.token()]).expect("scan");
        let (rows, nulls, sum, last): (i64, i64, f64, String) = conn
            .query_row("select count(*), count(*) - count(i), sum(f), max_by(s, d) from t", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .expect("read back");
        assert_eq!(rows, (n - 10) as i64);
        assert_eq!(nulls, (10..n).filter(|i| i % 5 == 0).count() as i64);
        let expected: f64 = (10..n).filter(|i| i % 3 != 0).map(|i| i as f64 / 8.0).sum();
        assert_eq!(sum, expected);
        assert_eq!(Some(last), text(n - 1));
        let first: String =
            conn.query_row("select s from t where d = date '1970-01-12'", [], |r| r.get(0)).expect("row");
        assert_eq!(Some(first), text(11));
        drop(registered);
        assert!(
            conn.execute("select * from baimo_frame(?)", [1u64 << 40]).is_err(),
            "an unregistered token is an error"
        );
    }
}
