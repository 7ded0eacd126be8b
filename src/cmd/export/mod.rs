//! `baimo export`: tables or a query to Parquet or CSV files that pandas, polars and Spark read
//! directly, or to one xlsx workbook, with a manifest of what was exported from which run and a
//! Frictionless `datapackage.json` that validators check the files against.
//!
//! Layout: `<out>/<schema>/<table>.<parquet|csv>` (a query: `<out>/query/<name>.<ext>`), or
//! `<out>/warehouse.xlsx` (a query: `<out>/query/<name>.xlsx`), and `<out>/manifest.json`,
//! `<out>/datapackage.json`. Parquet and CSV files are written by DuckDB's own `COPY … TO` (its
//! parquet extension is compiled in: the duckdb crate's `parquet` feature), workbooks by
//! rust_xlsxwriter, from the published warehouse opened read-only.

mod datapackage;
mod xlsx;

use crate::build::publish;
pub use crate::cli::ExportFormat;
use crate::error::{Error, Result};
use crate::project::Paths;
use crate::spec::staged::Unit;
use crate::spec::{check_identifier, quote};
use crate::warehouse::confine;
use duckdb::Connection;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

impl ExportFormat {
    fn ext(self) -> &'static str {
        match self {
            ExportFormat::Parquet => "parquet",
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }

    fn copy_options(self) -> &'static str {
        match self {
            ExportFormat::Parquet => "(format parquet, compression zstd)",
            ExportFormat::Csv | ExportFormat::Xlsx => "(format csv, header true)",
        }
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Exported {
    table: String,
    file: String,
    rows: i64,
    bytes: u64,
    sha256: String,
    columns: Vec<(String, String)>,
    /// The sheet of a workbook that holds this table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sheet: Option<String>,
    /// The run whose warehouse this file was exported from (an earlier export into the same
    /// folder may have come from another).
    #[serde(default)]
    run_id: Option<String>,
    #[serde(default)]
    exported_at: Option<String>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Manifest {
    exported_at: String,
    warehouse: String,
    run_id: Option<String>,
    fingerprint: Option<String>,
    /// The format of the latest export (each file's extension says its own).
    format: String,
    tables: Vec<Exported>,
}

pub struct Request {
    pub tables: Vec<String>,
    pub query: Option<String>,
    pub name: String,
    pub out: PathBuf,
    pub format: ExportFormat,
    /// CSV: start each file with a UTF-8 byte-order mark, so Excel reads it as UTF-8.
    pub bom: bool,
}

pub fn run(root: &Path, req: &Request) -> Result<()> {
    let paths = Paths::new(root);
    // Read-only, but with file access: COPY writes the export files.
    let conn = crate::warehouse::open_published(root, true)?;

    let mut jobs: Vec<(String, String, PathBuf)> = Vec::new();
    if let Some(q) = &req.query {
        check_identifier(&req.name, "--name", &Default::default())?;
        // One query: it is wrapped in `copy (…) to`, so a second statement (or text that
        // closes the parenthesis) is refused before anything runs.
        let statements = crate::statements::split(q);
        if statements.len() != 1 {
            return Err(Error::Usage(format!("--query must be one query; found {} statements", statements.len())));
        }
        jobs.push((
            format!("query:{}", req.name),
            statements[0].to_string(),
            PathBuf::from("query").join(format!("{}.{}", req.name, req.format.ext())),
        ));
    } else {
        let tables = if req.tables.is_empty() { list(&conn, "marts")? } else { req.tables.clone() };
        for t in tables {
            let Some((schema, name)) = t.split_once('.') else {
                return Err(Error::Usage(format!("`{t}`: name tables as schema.table (marts.training_run_cost)")));
            };
            check_identifier(schema, "schema", &Default::default())?;
            check_identifier(name, "table", &Default::default())?;
            if !crate::warehouse::missing_tables(&conn, &[t.as_str()])?.is_empty() {
                return Err(Error::Usage(format!("`{t}`: there is no such table (`baimo ls` lists them)")));
            }
            let sql = format!("select * from {}.{}", quote(schema), quote(name));
            jobs.push((t.clone(), sql, PathBuf::from(schema).join(format!("{name}.{}", req.format.ext()))));
        }
    }
    std::fs::create_dir_all(&req.out).map_err(Error::io(&req.out))?;
    // From here on DuckDB may touch files under the output folder only: a query cannot read
    // other files or write elsewhere, and cannot lift the limit.
    let out_dir = req.out.canonicalize().map_err(Error::io(&req.out))?;
    confine(&conn, &out_dir)?;
    // The run that made the file being exported, from the file itself.
    let made_by = crate::build::meta::made_by(&conn)?;
    let run_id = made_by.as_ref().map(|r| r.id.clone());
    let exported_at = publish::now();
    let mut exported = match req.format {
        ExportFormat::Xlsx => export_workbook(&conn, &jobs, &out_dir, req.query.as_ref().map(|_| req.name.as_str()))?,
        _ => jobs
            .iter()
            .map(|(table, sql, rel)| export_file(&conn, req, &out_dir, table, sql, rel))
            .collect::<Result<Vec<_>>>()?,
    };
    for e in &mut exported {
        e.run_id = run_id.clone();
        e.exported_at = Some(exported_at.clone());
    }
    // The manifest lists everything in the folder: files an earlier export wrote, and which
    // are still there, keep their entries, unless this export rewrote them.
    let manifest_path = req.out.join("manifest.json");
    let written = exported.len();
    if let Some(earlier) =
        std::fs::read_to_string(&manifest_path).ok().and_then(|t| serde_json::from_str::<Manifest>(&t).ok())
    {
        for e in earlier.tables {
            if !exported.iter().any(|x| x.file == e.file) && out_dir.join(&e.file).is_file() {
                exported.push(Exported {
                    run_id: e.run_id.or_else(|| earlier.run_id.clone()),
                    exported_at: e.exported_at.or_else(|| Some(earlier.exported_at.clone())),
                    ..e
                });
            }
        }
    }
    exported.sort_by(|a, b| a.file.cmp(&b.file));
    let manifest = Manifest {
        exported_at,
        warehouse: paths.published.display().to_string(),
        run_id,
        fingerprint: made_by.and_then(|r| r.fingerprint),
        format: req.format.ext().to_string(),
        tables: exported,
    };
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| Error::Internal(format!("manifest: {e}")))?;
    std::fs::write(&manifest_path, text + "\n").map_err(Error::io(&manifest_path))?;
    // Keys from the project's contracts and sidecars, when it loads; the package is written
    // either way.
    let project = crate::project::Project::load(root)
        .map_err(|e| tracing::warn!("datapackage.json without keys: the project does not load ({e})"))
        .ok();
    let package = datapackage::package(
        &manifest,
        &descriptions(&conn)?,
        &units(&conn),
        &datapackage::Keys::of(project.as_ref()),
        req.bom,
    );
    let package_path = req.out.join("datapackage.json");
    let text = serde_json::to_string_pretty(&package).map_err(|e| Error::Internal(format!("datapackage.json: {e}")))?;
    std::fs::write(&package_path, text + "\n").map_err(Error::io(&package_path))?;
    crate::say::info(format!(
        "exported {} to {} (manifest.json and datapackage.json list the {} there)",
        crate::error::count(written, "table"),
        req.out.display(),
        crate::error::count(manifest.tables.len(), "file")
    ));
    Ok(())
}

/// Writes one table or query with DuckDB's `COPY … TO` (Parquet or CSV).
fn export_file(
    conn: &Connection,
    req: &Request,
    out_dir: &Path,
    table: &str,
    sql: &str,
    rel: &Path,
) -> Result<Exported> {
    let file = out_dir.join(rel);
    if let Some(parent) = file.parent() {
        std::fs::create_dir_all(parent).map_err(Error::io(parent))?;
    }
    let parent = file.parent().unwrap_or(out_dir);
    let partial = partial_beside(parent, req.format)?;
    let target = partial.display().to_string().replace('\'', "''");
    let options = match (req.format, table.split_once('.')) {
        // Parquet files carry the table's and each column's description as key-value
        // metadata (`description`, `column.<name>`), read by `parquet_kv_metadata()`, pyarrow
        // and Spark.
        (ExportFormat::Parquet, Some((schema, name))) if !table.starts_with("query:") => {
            format!("(format parquet, compression zstd{})", kv_metadata(conn, schema, name)?)
        }
        _ => req.format.copy_options().to_string(),
    };
    conn.execute_batch(&format!("copy (\n{sql}\n) to '{target}' {options}")).map_err(|e| Error::Sql {
        location: crate::error::Location::file("export"),
        message: format!("exporting {table}: {e}"),
    })?;
    if req.bom && req.format == ExportFormat::Csv {
        let written = std::fs::read(&partial).map_err(Error::io(&*partial))?;
        let mut with_bom = "\u{feff}".as_bytes().to_vec();
        with_bom.extend_from_slice(&written);
        std::fs::write(&partial, with_bom).map_err(Error::io(&*partial))?;
    }
    partial.persist(&file).map_err(|e| Error::Io { path: file.clone(), source: e.error })?;
    let rows: i64 = conn
        .query_row(&format!("select count(*) from ({sql})"), [], |r| r.get(0))
        .map_err(Error::duckdb(format!("counting {table}")))?;
    let columns = describe(conn, sql)?;
    let bytes = std::fs::read(&file).map_err(Error::io(&file))?;
    tracing::info!("{table}: {rows} rows → {}", file.display());
    Ok(Exported {
        table: table.to_string(),
        file: rel.display().to_string(),
        rows,
        bytes: bytes.len() as u64,
        sha256: format!("{:x}", Sha256::digest(&bytes)),
        columns,
        sheet: None,
        run_id: None,
        exported_at: None,
    })
}

/// A temporary file beside the final one, renamed into place once complete: a failed or killed
/// export never leaves a half-written file under a table's name.
fn partial_beside(dir: &Path, format: ExportFormat) -> Result<tempfile::TempPath> {
    Ok(tempfile::Builder::new()
        .prefix(".partial-")
        .suffix(&format!(".{}", format.ext()))
        .tempfile_in(dir)
        .map_err(Error::io(dir))?
        .into_temp_path())
}

/// The columns of a query's result: (name, DuckDB type).
fn describe(conn: &Connection, sql: &str) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare(&format!("describe {sql}")).map_err(Error::duckdb("describe"))?;
    let described = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .map_err(Error::duckdb("describe"))?;
    described.collect::<std::result::Result<Vec<_>, _>>().map_err(Error::duckdb("describe"))
}

/// The declared unit of every column that has one (table → column → unit); none for a
/// warehouse built before `meta.column_units`.
fn units(conn: &Connection) -> BTreeMap<String, BTreeMap<String, Unit>> {
    let mut out: BTreeMap<String, BTreeMap<String, Unit>> = BTreeMap::new();
    for (table, column, unit) in crate::build::meta::read_column_units(conn) {
        out.entry(table).or_default().insert(column, unit);
    }
    out
}

/// Every table's description and its columns' (table → (description, column → description)).
fn descriptions(conn: &Connection) -> Result<BTreeMap<String, (String, BTreeMap<String, String>)>> {
    let mut out: BTreeMap<String, (String, BTreeMap<String, String>)> = BTreeMap::new();
    let tables = crate::render::query(
        conn,
        "select schema_name || '.' || table_name, comment from duckdb_tables() where comment is not null \
         union all select schema_name || '.' || view_name, comment from duckdb_views() where comment is not null and not internal",
    )?;
    for r in tables.rows {
        if let [Some(t), Some(d)] = [&r[0], &r[1]] {
            out.entry(t.clone()).or_default().0 = d.clone();
        }
    }
    let columns = crate::render::query(
        conn,
        "select schema_name || '.' || table_name, column_name, comment from duckdb_columns() where comment is not null",
    )?;
    for r in columns.rows {
        if let [Some(t), Some(c), Some(d)] = [&r[0], &r[1], &r[2]] {
            out.entry(t.clone()).or_default().1.insert(c.clone(), d.clone());
        }
    }
    Ok(out)
}

/// Writes every job into one workbook: `warehouse.xlsx`, or `query/<name>.xlsx` for a query.
fn export_workbook(
    conn: &Connection,
    jobs: &[(String, String, PathBuf)],
    out_dir: &Path,
    query: Option<&str>,
) -> Result<Vec<Exported>> {
    let rel = match query {
        Some(name) => PathBuf::from("query").join(format!("{name}.xlsx")),
        None => PathBuf::from("warehouse.xlsx"),
    };
    let all = descriptions(conn)?;
    let sheets: Vec<xlsx::Sheet> = jobs
        .iter()
        .map(|(table, sql, _)| xlsx::Sheet {
            table,
            sql,
            descriptions: all.get(table).map(|(_, c)| c.clone().into_iter().collect()).unwrap_or_default(),
        })
        .collect();
    let (bytes, written) = xlsx::workbook(conn, &sheets)?;
    let file = out_dir.join(&rel);
    let parent = file.parent().unwrap_or(out_dir);
    std::fs::create_dir_all(parent).map_err(Error::io(parent))?;
    let partial = partial_beside(parent, ExportFormat::Xlsx)?;
    std::fs::write(&partial, &bytes).map_err(Error::io(&*partial))?;
    partial.persist(&file).map_err(|e| Error::Io { path: file.clone(), source: e.error })?;
    let sha256 = format!("{:x}", Sha256::digest(&bytes));
    let mut exported = Vec::new();
    for ((table, _, _), w) in jobs.iter().zip(written) {
        tracing::info!("{table}: {} rows → {}, sheet {}", w.rows, file.display(), w.sheet);
        exported.push(Exported {
            table: table.clone(),
            file: rel.display().to_string(),
            rows: w.rows,
            bytes: bytes.len() as u64,
            sha256: sha256.clone(),
            columns: w.columns,
            sheet: Some(w.sheet),
            run_id: None,
            exported_at: None,
        });
    }
    Ok(exported)
}

/// `, kv_metadata {…}` with the table's description and each described column's, or nothing.
fn kv_metadata(conn: &Connection, schema: &str, name: &str) -> Result<String> {
    let described = crate::render::query(
        conn,
        &format!(
            "select 'description', comment from duckdb_tables() where schema_name = {s} and table_name = {n} and comment is not null \
             union all select 'column.' || column_name, comment from duckdb_columns() \
             where schema_name = {s} and table_name = {n} and comment is not null",
            s = crate::spec::literal(schema),
            n = crate::spec::literal(name)
        ),
    )?;
    let pairs: Vec<String> = described
        .rows
        .iter()
        .filter_map(|r| {
            Some(format!("{}: {}", crate::spec::literal(r[0].as_deref()?), crate::spec::literal(r[1].as_deref()?)))
        })
        .collect();
    Ok(if pairs.is_empty() { String::new() } else { format!(", kv_metadata {{{}}}", pairs.join(", ")) })
}

fn list(conn: &Connection, schema: &str) -> Result<Vec<String>> {
    let mut stmt = conn
        .prepare("select schema_name || '.' || table_name from duckdb_tables() where schema_name = ? order by 1")
        .map_err(Error::duckdb("listing tables"))?;
    let rows = stmt.query_map([schema], |r| r.get::<_, String>(0)).map_err(Error::duckdb("listing tables"))?;
    rows.collect::<std::result::Result<Vec<_>, _>>().map_err(Error::duckdb("listing tables"))
}
