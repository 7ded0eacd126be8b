//! `baimo build` and `baimo check`: extract → validate → load → transform → audit → publish.
//!
//! `build` writes a new file under `warehouse/.build/` and publishes it only when every blocking
//! check passes. `check` runs the very same stages against an in-memory database, so it finds
//! every problem a build would, and publishes nothing.

use crate::audit::{self, Check, Outcome};
use crate::error::{Error, Result};
use crate::extract;
use crate::fingerprint;
use crate::load;
use crate::lock;
use crate::model::{self, Model};
use crate::publish::{self, Input, Paths, RunRecord, Stage};
use crate::spec::{load_contracts, quote, Contract, Materialized, Severity};
use crate::validate::{self, Reject, PROVENANCE};
use duckdb::{params, Connection};
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Instant;

/// The tables every build makes in `meta` (src/sql/meta.sql); models may read them.
pub const META_TABLES: &[&str] = &[
    "meta.runs",
    "meta.files",
    "meta.sources",
    "meta.source_columns",
    "meta.rejects",
    "meta.test_results",
    "meta.columns",
];

/// Everything under `pipelines/`, read and checked before any file is opened for writing.
pub struct Project {
    pub contracts: Vec<Contract>,
    /// Models in dependency order.
    pub models: Vec<Model>,
    pub audits: Vec<Check>,
}

impl Project {
    pub fn load(root: &Path) -> Result<Project> {
        if !root.join("pipelines").is_dir() {
            return Err(Error::Usage(format!(
                "{} has no pipelines/ folder: run baimo from a project root or pass --project",
                root.display()
            )));
        }
        let contracts = load_contracts(root)?;
        let models = model::discover(root)?;
        let mut available: BTreeSet<String> = contracts.iter().map(|c| format!("staging.{}", c.name)).collect();
        available.extend(META_TABLES.iter().map(|t| t.to_string()));
        let order = model::order(&models, &available)?;
        let models = order.into_iter().map(|i| models[i].clone()).collect();
        let audits = audit::audit_checks(root)?;
        Ok(Project { contracts, models, audits })
    }
}

/// What a finished build did.
pub struct Summary {
    pub record: RunRecord,
    pub tests: Vec<Outcome>,
    pub rejects: Vec<Reject>,
    /// Wall time of the whole run, from taking the lock to publishing.
    pub seconds: f64,
}

/// How a run is asked for.
#[derive(Debug, Clone)]
pub struct Options {
    /// `build`, `refresh`, `schedule` or `check`: recorded in the run log.
    pub trigger: String,
    /// Publish the result (false for `check`, which runs in memory).
    pub publish: bool,
    /// Rebuild only these sources and models (and what depends on them); carry the rest over
    /// from the published warehouse. `None` rebuilds everything.
    pub select: Option<Vec<String>>,
    /// Wait this long for a running build instead of failing at once.
    pub wait: Option<std::time::Duration>,
    /// What changed since the published build (for the run log).
    pub changed: Vec<String>,
    /// The inputs' fingerprint, when the caller has already computed it.
    pub fingerprint: Option<fingerprint::Fingerprint>,
}

impl Options {
    pub fn new(trigger: &str, publish: bool) -> Options {
        Options { trigger: trigger.into(), publish, select: None, wait: None, changed: Vec::new(), fingerprint: None }
    }
}

/// Which tables a run rebuilds; the others are copied from the published warehouse.
struct Plan {
    rebuild_sources: BTreeSet<String>,
    rebuild_models: BTreeSet<String>,
    carry_from: Option<std::path::PathBuf>,
}

impl Plan {
    fn everything(project: &Project) -> Plan {
        Plan {
            rebuild_sources: project.contracts.iter().map(|c| c.name.clone()).collect(),
            rebuild_models: project.models.iter().map(Model::qualified).collect(),
            carry_from: None,
        }
    }

    /// The selected sources and models, everything downstream of them, and whatever the
    /// published warehouse lacks.
    fn select(project: &Project, selectors: &[String], published: &Path) -> Result<Plan> {
        let mut plan = Plan {
            rebuild_sources: BTreeSet::new(),
            rebuild_models: BTreeSet::new(),
            carry_from: Some(published.to_path_buf()),
        };
        let mut rebuilt_tables: BTreeSet<String> = BTreeSet::new();
        for sel in selectors {
            let bare = sel.strip_prefix("staging.").unwrap_or(sel);
            if let Some(c) = project.contracts.iter().find(|c| c.name == bare) {
                plan.rebuild_sources.insert(c.name.clone());
                rebuilt_tables.insert(format!("staging.{}", c.name));
            } else if let Some(m) = project.models.iter().find(|m| m.qualified() == *sel || m.name == *sel) {
                plan.rebuild_models.insert(m.qualified());
                rebuilt_tables.insert(m.qualified());
            } else {
                let mut known: Vec<String> = project.contracts.iter().map(|c| c.name.clone()).collect();
                known.extend(project.models.iter().map(Model::qualified));
                return Err(Error::Usage(format!(
                    "--select {sel}: no source or model of that name (known: {})",
                    known.join(", ")
                )));
            }
        }
        // Models are in dependency order, so one pass finds everything downstream.
        for m in &project.models {
            if m.depends_on.iter().any(|d| rebuilt_tables.contains(d)) || m.sidecar.materialized == Materialized::View {
                plan.rebuild_models.insert(m.qualified());
                rebuilt_tables.insert(m.qualified());
            }
        }
        Ok(plan)
    }
}

/// Runs the pipeline. With `publish`, the result replaces `warehouse/baimo.duckdb`; without,
/// it runs in memory (`baimo check`).
pub fn run(root: &Path, options: &Options) -> Result<Summary> {
    let project = Project::load(root)?;
    run_project(root, &project, options)
}

pub fn run_project(root: &Path, project: &Project, options: &Options) -> Result<Summary> {
    let started = Instant::now();
    let paths = Paths::new(root);
    let run_id = publish::new_run_id();
    let _lock = if options.publish { Some(lock::acquire(&paths, &run_id, options.wait)?) } else { None };
    if options.publish {
        publish::sweep(&paths);
    }
    let fingerprint = match &options.fingerprint {
        Some(f) => f.clone(),
        None => fingerprint::compute(root, project)?,
    };
    let mut record = RunRecord {
        id: run_id.clone(),
        trigger: options.trigger.clone(),
        started_at: publish::now(),
        finished_at: String::new(),
        status: "running".into(),
        reason: None,
        baimo_version: env!("CARGO_PKG_VERSION").to_string(),
        rows_read: 0,
        rows_loaded: 0,
        rows_rejected: 0,
        stages: Vec::new(),
        inputs: Vec::new(),
        changed: options.changed.clone(),
        carried_over: Vec::new(),
        fingerprint: Some(fingerprint),
    };
    let plan = match &options.select {
        Some(sel) if options.publish && paths.published.exists() => Plan::select(project, sel, &paths.published)?,
        Some(_) if options.publish => {
            tracing::info!("nothing published yet: building everything");
            Plan::everything(project)
        }
        _ => Plan::everything(project),
    };

    let build_file = paths.build_file(&run_id);
    let conn = if options.publish {
        std::fs::create_dir_all(&paths.build_dir).map_err(Error::io(&paths.build_dir))?;
        Connection::open(&build_file).map_err(Error::duckdb(format!("creating {}", build_file.display())))?
    } else {
        Connection::open_in_memory().map_err(Error::duckdb("opening an in-memory database"))?
    };

    let result = execute(&conn, project, &paths, &plan, &mut record, options.publish);
    record.finished_at = publish::now();
    match result {
        Ok((tests, rejects, finish)) => {
            if options.publish {
                let closed = conn
                    .execute_batch("checkpoint")
                    .map_err(Error::duckdb("checkpointing the build"))
                    .and_then(|_| conn.close().map_err(|(_, e)| Error::duckdb("closing the build")(e)));
                if let Err(e) = closed.and_then(|_| publish::publish(&paths, &build_file)) {
                    publish::discard(&build_file);
                    return Err(fail_run(&paths, record, e));
                }
                record.stages.push(Stage { stage: "publish".into(), seconds: finish.elapsed().as_secs_f64(), rows: 0 });
                record.status = "success".into();
                publish::append_run(&paths, &record)?;
            } else {
                record.status = "checked".into();
            }
            let seconds = started.elapsed().as_secs_f64();
            Ok(Summary { record, tests, rejects, seconds })
        }
        Err(e) => {
            drop(conn);
            if options.publish {
                publish::discard(&build_file);
                return Err(fail_run(&paths, record, e));
            }
            Err(e)
        }
    }
}

/// Records a failed run in the log and hands the error back.
fn fail_run(paths: &Paths, mut record: RunRecord, e: Error) -> Error {
    record.status = "failed".into();
    record.reason = Some(e.to_string());
    record.finished_at = publish::now();
    if let Err(log) = publish::append_run(paths, &record) {
        tracing::warn!("could not record the failed run: {log}");
    }
    e
}

/// The tests' outcomes, the rejected cells, and when publishing began.
type Executed = (Vec<Outcome>, Vec<Reject>, Instant);

fn execute(
    conn: &Connection,
    project: &Project,
    paths: &Paths,
    plan: &Plan,
    record: &mut RunRecord,
    publishing: bool,
) -> Result<Executed> {
    let t = Instant::now();
    load::register(conn)?;
    // Larger-than-memory work spills to disk instead of growing without bound.
    let limit = std::env::var("BAIMO_MEMORY_LIMIT").unwrap_or_else(|_| "768MB".into());
    conn.execute_batch(&format!("set memory_limit = '{}'", limit.replace('\'', "")))
        .map_err(Error::duckdb(format!("setting memory_limit to {limit}")))?;
    // A build commits four times: the schema; everything it loads and derives; the test
    // results; the history. Hundreds of separate commits would each cost a WAL sync.
    load::in_transaction(conn, || {
        conn.execute_batch(include_str!("../sql/meta.sql")).map_err(Error::duckdb("creating the meta schema"))?;
        conn.execute_batch(include_str!("../sql/macros.sql")).map_err(Error::duckdb("creating the macros"))
    })?;
    if let Some(published) = &plan.carry_from {
        let path = published.display().to_string().replace('\'', "''");
        conn.execute_batch(&format!("attach '{path}' as published (read_only)"))
            .map_err(Error::duckdb(format!("attaching {} to carry tables over", published.display())))?;
    }

    record.stages.push(Stage { stage: "prepare".into(), seconds: t.elapsed().as_secs_f64(), rows: 0 });
    let all_rejects = load::in_transaction(conn, || load_and_transform(conn, project, plan, record))?;

    // Audit: read-only queries, outside any transaction (in one, a query that fails would
    // abort it).
    let t = Instant::now();
    let mut checks = Vec::new();
    for c in &project.contracts {
        checks.extend(audit::contract_checks(c)?);
    }
    for m in &project.models {
        checks.extend(audit::model_checks(m)?);
    }
    checks.extend(project.audits.iter().cloned());
    let outcomes = audit::run_all(conn, checks);
    load::in_transaction(conn, || write_test_results(conn, &record.id, &outcomes))?;
    record.stages.push(Stage {
        stage: "audit".into(),
        seconds: t.elapsed().as_secs_f64(),
        rows: outcomes.len() as u64,
    });
    let blocking: Vec<&Outcome> = outcomes.iter().filter(|o| o.blocks()).collect();
    if !blocking.is_empty() {
        return Err(tests_failed(&blocking));
    }

    // The run history up to and including this run: the first step of publishing.
    let publishing_started = Instant::now();
    let mut history = if publishing { publish::read_runs(paths)? } else { Vec::new() };
    let mut this = record.clone();
    this.status = "success".into();
    this.finished_at = publish::now();
    history.push(this);
    load::in_transaction(conn, || write_runs(conn, &history))?;
    if plan.carry_from.is_some() {
        conn.execute_batch("detach published").map_err(Error::duckdb("detaching the published warehouse"))?;
    }
    Ok((outcomes, all_rejects, publishing_started))
}

/// Extract, validate and load every source, then run the models, in the caller's transaction.
/// Returns the rejected cells.
fn load_and_transform(
    conn: &Connection,
    project: &Project,
    plan: &Plan,
    record: &mut RunRecord,
) -> Result<Vec<Reject>> {
    // Extract, validate and load each source; every source is tried so that one run reports
    // every problem. Reading the file is extract, parsing and checking it is validate; the rest
    // (creating and appending to the table, documenting it, committing) is load.
    let mut problems = Vec::new();
    let mut all_rejects = Vec::new();
    let mut files = Vec::new();
    let (mut t_extract, mut t_validate, mut t_load) = (0.0, 0.0, 0.0);
    for contract in &project.contracts {
        let t = Instant::now();
        if !plan.rebuild_sources.contains(&contract.name) {
            if carry_source(conn, contract, &record.id)? {
                record.carried_over.push(format!("staging.{}", contract.name));
                t_load += t.elapsed().as_secs_f64();
                continue;
            }
        }
        let (extract_before, validate_before) = (t_extract, t_validate);
        let ingested = ingest(conn, contract, (&mut t_extract, &mut t_validate));
        t_load += t.elapsed().as_secs_f64() - (t_extract - extract_before) - (t_validate - validate_before);
        match ingested {
            Ok(mut ingested) => {
                tracing::info!(
                    source = %contract.name,
                    "{}: {} rows read, {} loaded, {} quarantined",
                    contract.file,
                    ingested.rows_read,
                    ingested.rows_loaded,
                    ingested.rejected_rows
                );
                record.inputs.push(Input {
                    source: contract.name.clone(),
                    file: contract.file.clone(),
                    sheet: contract.sheet.clone(),
                    sha256: ingested.sha256.clone(),
                    bytes: ingested.bytes,
                });
                record.rows_read += ingested.rows_read as u64;
                record.rows_loaded += ingested.rows_loaded as u64;
                record.rows_rejected += ingested.rejected_rows as u64;
                all_rejects.extend(std::mem::take(&mut ingested.rejects));
                files.push((contract, ingested));
            }
            Err(e) => {
                problems.push(e);
                // A statement that failed aborts the transaction. The build fails anyway; a
                // fresh transaction lets the remaining sources be checked and reported too.
                conn.execute_batch("rollback; begin transaction")
                    .map_err(Error::duckdb("restarting the transaction"))?;
            }
        }
    }
    record.stages.push(Stage { stage: "extract".into(), seconds: t_extract, rows: record.rows_read });
    record.stages.push(Stage { stage: "validate".into(), seconds: t_validate, rows: record.rows_read });
    if !problems.is_empty() {
        return Err(Error::Many(problems));
    }
    let t = Instant::now();
    write_files(conn, &record.id, &files)?;
    write_rejects(conn, &record.id, &all_rejects)?;
    write_sources(conn, &project.contracts)?;
    t_load += t.elapsed().as_secs_f64();
    record.stages.push(Stage { stage: "load".into(), seconds: t_load, rows: record.rows_loaded });

    // Transform.
    let t = Instant::now();
    let mut model_rows = 0;
    for m in &project.models {
        if !plan.rebuild_models.contains(&m.qualified()) && carry_model(conn, m)? {
            record.carried_over.push(m.qualified());
            continue;
        }
        let rows = model::run(conn, m)?;
        tracing::info!(model = %m.qualified(), "{}: {rows} rows", m.path);
        model_rows += rows as u64;
    }
    record.stages.push(Stage { stage: "transform".into(), seconds: t.elapsed().as_secs_f64(), rows: model_rows });
    Ok(all_rejects)
}

/// The error for tests that block publishing, each with a sample of its failing rows.
fn tests_failed(blocking: &[&Outcome]) -> Error {
    let details: Vec<String> = blocking
        .iter()
        .map(|o| {
            let what = if o.status == "error" {
                "could not run".to_string()
            } else {
                format!("{} failing row(s)", o.failing_rows)
            };
            let sample = if o.sample.is_empty() {
                String::new()
            } else {
                format!("\n      {}", o.sample.replace('\n', "\n      "))
            };
            format!("  {} ({}): {what}{sample}", o.check.name, o.check.declared_in)
        })
        .collect();
    Error::TestsFailed { count: blocking.len(), details: details.join("\n") }
}

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
fn carry_source(conn: &Connection, contract: &Contract, run_id: &str) -> Result<bool> {
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
    document_source(conn, contract)?;
    tracing::info!(source = %contract.name, "unchanged: carried over from the published warehouse");
    Ok(true)
}

/// Copies an unchanged model's table from the published warehouse.
fn carry_model(conn: &Connection, m: &Model) -> Result<bool> {
    if !published_has(conn, &m.schema, &m.name)? {
        return Ok(false);
    }
    let (s, t) = (quote(&m.schema), quote(&m.name));
    conn.execute_batch(&format!("create table {s}.{t} as select * from published.{s}.{t}"))
        .map_err(Error::duckdb(format!("carrying {} over", m.qualified())))?;
    model::document(conn, m, "table")?;
    tracing::info!(model = %m.qualified(), "unchanged: carried over from the published warehouse");
    Ok(true)
}

/// `meta.files` and `meta.source_columns`: what each source's file was and where its columns sat.
fn write_files(conn: &Connection, run_id: &str, files: &[(&Contract, Ingested)]) -> Result<()> {
    let mut app = conn.appender_to_db("files", "meta").map_err(Error::duckdb("meta.files"))?;
    for (c, f) in files {
        app.append_row(params![
            run_id,
            c.name,
            c.file,
            c.sheet,
            f.sha256,
            f.bytes as i64,
            f.rows_read as i64,
            f.rows_loaded as i64,
            f.rejected_rows as i64
        ])
        .map_err(Error::duckdb("recording meta.files"))?;
    }
    app.flush().map_err(Error::duckdb("recording meta.files"))?;
    let mut app = conn.appender_to_db("source_columns", "meta").map_err(Error::duckdb("meta.source_columns"))?;
    for (c, f) in files {
        for (col, index) in c.columns.iter().zip(&f.column_index) {
            let letter = extract::cell_address(*index, 1).trim_end_matches('1').to_string();
            app.append_row(params![c.name, col.name, col.header(), col.kind.as_str(), letter])
                .map_err(Error::duckdb("recording meta.source_columns"))?;
        }
    }
    app.flush().map_err(Error::duckdb("recording meta.source_columns"))
}

/// Creates a source's staged table. Returns the columns that are stored (the contract's staged
/// columns, then `_row`); the other provenance columns are generated.
fn create_staging(conn: &Connection, contract: &Contract) -> Result<Vec<String>> {
    let mut columns: Vec<(String, &'static str)> = Vec::new();
    for col in &contract.columns {
        for (name, ty, _) in validate::staged_columns(col) {
            columns.push((name, ty));
        }
    }
    load::create_table(conn, "staging", &contract.name, &columns, &validate::provenance_ddl(contract))?;
    let mut stored: Vec<String> = columns.into_iter().map(|(name, _)| name).collect();
    stored.push(validate::ROW.into());
    Ok(stored)
}

/// What reading one source produced.
struct Ingested {
    sha256: String,
    bytes: u64,
    rows_read: usize,
    rows_loaded: usize,
    rejected_rows: usize,
    rejects: Vec<Reject>,
    /// For each contract column, the file's column it was found in.
    column_index: Vec<u32>,
}

/// Extract, validate and load one source, batch by batch (a CSV file is streamed, so memory is
/// bounded by the batch, not the file), then check its keys across the whole table and apply
/// the quarantine limit. Extract and validate times are added to `timing`.
fn ingest(conn: &Connection, contract: &Contract, timing: (&mut f64, &mut f64)) -> Result<Ingested> {
    let (t_extract, t_validate) = timing;
    let t = Instant::now();
    let mut batches = extract::Batches::open(contract, extract::BATCH_ROWS)?;
    *t_extract += t.elapsed().as_secs_f64();
    create_staging(conn, contract)?;
    let progress = crate::progress::rows(&contract.name);
    let (mut rows_read, mut rows_loaded, mut rejects) = (0usize, 0usize, Vec::new());
    // Three threads, one batch apart: a reader, a validator, and this one, which loads (the
    // DuckDB connection stays on one thread). At most five batches are in memory at once. The
    // stages overlap, so each is charged the time the next one waited for it: extract is the
    // validator's wait for the reader, validate the loader's wait for the validator (less that),
    // load the rest; the stages still add up to the wall time.
    let (raw_sender, raw_receiver) = std::sync::mpsc::sync_channel::<Result<extract::RawTable>>(1);
    let (valid_sender, valid_receiver) = std::sync::mpsc::sync_channel::<Result<(validate::Validated, f64)>>(1);
    let batches = std::thread::scope(|scope| -> Result<extract::Batches> {
        // Owned here, so a load that fails drops it on the way out: the validator's next send
        // then fails and it stops, instead of waiting forever while the scope waits for it.
        let valid_receiver = valid_receiver;
        let reader = scope.spawn(move || {
            loop {
                let next = batches.next_batch();
                let more = matches!(next, Ok(Some(_)));
                let next = match next {
                    Ok(Some(batch)) => Ok(batch),
                    Ok(None) => break,
                    Err(e) => Err(e),
                };
                // The receiver is gone when validating or loading failed: stop reading.
                if raw_sender.send(next).is_err() || !more {
                    break;
                }
            }
            batches
        });
        let validator = scope.spawn(move || loop {
            let t = Instant::now();
            let Ok(batch) = raw_receiver.recv() else { break };
            let reading = t.elapsed().as_secs_f64();
            let validated = batch.and_then(|b| validate::validate(contract, &b)).map(|v| (v, reading));
            let failed = validated.is_err();
            if valid_sender.send(validated).is_err() || failed {
                break;
            }
        });
        loop {
            let t = Instant::now();
            let Ok(next) = valid_receiver.recv() else { break };
            let waited = t.elapsed().as_secs_f64();
            let (mut validated, reading) = next?;
            *t_extract += reading.min(waited);
            *t_validate += (waited - reading).max(0.0);
            rows_loaded += load::append_frame(conn, "staging", &contract.name, &mut validated.frame)?;
            rows_read += validated.rows_read;
            progress.inc(validated.rows_read as u64);
            rejects.extend(validated.rejects);
        }
        let failed = |what: &str| Error::Internal(format!("{what} {} failed unexpectedly", contract.file));
        validator.join().map_err(|_| failed("validating"))?;
        reader.join().map_err(|_| failed("reading"))
    })?;
    progress.finish_and_clear();
    let column_index = batches.column_index().to_vec();
    let (sha256, bytes) = batches.finish();

    // Keys are compared across every batch, in DuckDB.
    let t = Instant::now();
    let duplicates = validate::duplicate_keys(conn, contract, &column_index)?;
    if !duplicates.is_empty() {
        if contract.on_error == crate::spec::OnError::Fail {
            return Err(validate::rejected_error(contract, &duplicates, None));
        }
        let rows: Vec<String> = duplicates.iter().map(|r| r.row.to_string()).collect();
        let deleted = conn
            .execute(&format!("delete from staging.{} where _row in ({})", quote(&contract.name), rows.join(", ")), [])
            .map_err(Error::duckdb("quarantining duplicate keys"))?;
        rows_loaded -= deleted;
        rejects.extend(duplicates);
    }
    *t_validate += t.elapsed().as_secs_f64();
    rejects.sort_by(|a, b| (a.row, &a.cell).cmp(&(b.row, &b.cell)));
    let rejected_rows = rejects.iter().map(|r| r.row).collect::<BTreeSet<_>>().len();
    if rejected_rows > 0 && !contract.max_rejected.allows(rejected_rows, rows_read) {
        return Err(validate::rejected_error(contract, &rejects, Some((rejected_rows, rows_read))));
    }
    document_source(conn, contract)?;
    Ok(Ingested { sha256, bytes, rows_read, rows_loaded, rejected_rows, rejects, column_index })
}

/// `COMMENT ON` the staged table and each of its columns.
fn document_source(conn: &Connection, contract: &Contract) -> Result<()> {
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
        for (name, _, doc) in validate::staged_columns(col) {
            docs.push((format!("column {target}.{}", quote(&name)), doc));
        }
    }
    for (name, _, doc) in PROVENANCE {
        docs.push((format!("column {target}.{}", quote(name)), doc.to_string()));
    }
    model::comment(conn, &target, &docs)
}

fn write_rejects(conn: &Connection, run_id: &str, rejects: &[Reject]) -> Result<()> {
    let mut app = conn.appender_to_db("rejects", "meta").map_err(Error::duckdb("meta.rejects"))?;
    for r in rejects {
        app.append_row(params![
            run_id,
            r.source,
            r.file,
            r.sheet,
            r.cell,
            r.row as i32,
            r.column,
            r.raw,
            r.rule,
            r.message
        ])
        .map_err(Error::duckdb("meta.rejects"))?;
    }
    app.flush().map_err(Error::duckdb("meta.rejects"))
}

fn write_sources(conn: &Connection, contracts: &[Contract]) -> Result<()> {
    let mut app = conn.appender_to_db("sources", "meta").map_err(Error::duckdb("meta.sources"))?;
    for c in contracts {
        let on_error = format!("{:?}", c.on_error).to_lowercase();
        app.append_row(params![c.name, c.description, c.reference, c.file, c.sheet, c.path, on_error])
            .map_err(Error::duckdb("meta.sources"))?;
    }
    app.flush().map_err(Error::duckdb("meta.sources"))
}

fn write_test_results(conn: &Connection, run_id: &str, outcomes: &[Outcome]) -> Result<()> {
    let mut app = conn.appender_to_db("test_results", "meta").map_err(Error::duckdb("meta.test_results"))?;
    for o in outcomes {
        let c = &o.check;
        let severity = if c.severity == Severity::Warn { "warn" } else { "error" };
        app.append_row(params![
            run_id,
            c.name,
            c.kind,
            c.target,
            c.column,
            severity,
            o.status,
            o.failing_rows,
            o.sample,
            c.declared_in,
            c.failing_sql
        ])
        .map_err(Error::duckdb("meta.test_results"))?;
    }
    app.flush().map_err(Error::duckdb("meta.test_results"))
}

fn write_runs(conn: &Connection, runs: &[RunRecord]) -> Result<()> {
    // A run logged twice (a retried append) keeps its last record.
    let mut last: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, r) in runs.iter().enumerate() {
        last.insert(r.id.as_str(), i);
    }
    let mut app = conn.appender_to_db("runs", "meta").map_err(Error::duckdb("meta.runs"))?;
    for (_, r) in runs.iter().enumerate().filter(|(i, r)| last.get(r.id.as_str()) == Some(i)) {
        let fingerprint = r.fingerprint.as_ref().map(|f| f.total.clone());
        let finished = Some(r.finished_at.as_str()).filter(|f| !f.is_empty());
        app.append_row(params![
            r.id,
            r.trigger,
            r.started_at,
            finished,
            r.status,
            r.reason,
            r.baimo_version,
            r.rows_read as i64,
            r.rows_loaded as i64,
            r.rows_rejected as i64,
            to_json(&r.stages),
            to_json(&r.inputs),
            r.changed.join(" "),
            r.carried_over.join(" "),
            fingerprint
        ])
        .map_err(Error::duckdb("recording meta.runs"))?;
    }
    app.flush().map_err(Error::duckdb("recording meta.runs"))
}

/// The wall time of each stage, as a table on stderr.
pub fn print_timings(summary: &Summary) {
    let mut t = crate::render::TextTable {
        headers: ["stage", "seconds", "rows"].map(String::from).to_vec(),
        numeric: vec![false, true, true],
        rows: Vec::new(),
    };
    for s in &summary.record.stages {
        t.rows.push(vec![Some(s.stage.clone()), Some(format!("{:.3}", s.seconds)), Some(s.rows.to_string())]);
    }
    t.rows.push(vec![Some("total (wall)".into()), Some(format!("{:.3}", summary.seconds)), None]);
    let _ = t.write(crate::render::Format::Table, &mut std::io::stderr().lock());
}

/// Prints what a run did to stderr (stdout stays free for data).
pub fn report(summary: &Summary, published: bool) {
    let r = &summary.record;
    let passed = summary.tests.iter().filter(|o| o.status == "pass").count();
    let warned: Vec<&Outcome> = summary.tests.iter().filter(|o| o.status != "pass").collect();
    for o in &warned {
        eprintln!("warning: {} ({}): {} failing row(s)", o.check.name, o.check.declared_in, o.failing_rows);
    }
    if !summary.rejects.is_empty() {
        eprintln!(
            "warning: {} cell(s) quarantined; see `baimo sql \"select * from meta.rejects\"`",
            summary.rejects.len()
        );
    }
    let total = summary.seconds;
    let what = if published { "published warehouse/baimo.duckdb" } else { "check passed (nothing published)" };
    eprintln!(
        "{what}: {} sources, {} rows loaded, {} rejected; {passed}/{} tests passed; {total:.2}s (run {})",
        r.inputs.len(),
        r.rows_loaded,
        r.rows_rejected,
        summary.tests.len(),
        r.id
    );
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}
