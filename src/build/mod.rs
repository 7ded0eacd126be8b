//! The build engine: extract → validate → load → transform → audit → publish, one file per
//! stage. `build` writes a new file under `warehouse/.build/` and publishes it only when every
//! blocking check passes; `check` runs the very same stages against an in-memory database, so
//! it finds every problem a build would, and publishes nothing.
//!
//! - [`plan`]: which tables are rebuilt and which carried over;
//! - [`ingest`]: sources, extract → validate → load on three threads;
//! - [`carry`]: unchanged tables copied from the published warehouse;
//! - [`transform`]: the models in dependency order;
//! - [`audit`]: every check, before anything is published;
//! - [`document`]: the tables' and columns' comments, written beside the models and the audit;
//! - [`meta`]: the `meta.*` writers;
//! - [`publish`]: the build file, the atomic rename and the run log.

pub mod audit;
pub mod carry;
pub mod diff;
pub mod document;
pub mod ingest;
pub mod meta;
pub mod plan;
pub mod publish;
pub mod transform;

use crate::error::{Error, Result};
use crate::fingerprint;
use crate::load;
use crate::lock;
use crate::project::{Paths, Project};
use crate::validate::Reject;
use audit::Outcome;
use duckdb::Connection;
use plan::Plan;
use publish::{RunRecord, Stage};
use std::path::Path;
use std::time::Instant;

/// What a finished build did.
pub struct Summary {
    pub record: RunRecord,
    pub tests: Vec<Outcome>,
    pub rejects: Vec<Reject>,
    /// What the run changes against the published warehouse (empty when nothing is published).
    pub changes: Vec<diff::Change>,
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
    /// Compare the result with the published warehouse (false when that file is damaged).
    pub compare: bool,
}

impl Options {
    pub fn new(trigger: &str, publish: bool) -> Options {
        Options {
            trigger: trigger.into(),
            publish,
            select: None,
            wait: None,
            changed: Vec::new(),
            fingerprint: None,
            compare: true,
        }
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
        published: None,
        changes: None,
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
        open_build_file(&build_file, &project.settings.storage_version)?
    } else {
        Connection::open_in_memory().map_err(Error::duckdb("opening an in-memory database"))?
    };

    let result = execute(&conn, project, &paths, &plan, &mut record, options);
    record.finished_at = publish::now();
    match result {
        Ok((tests, rejects, changes, finish)) => {
            if options.publish {
                let closed = conn
                    .execute_batch("checkpoint build; use memory; detach build")
                    .map_err(Error::duckdb("checkpointing the build"))
                    .and_then(|_| conn.close().map_err(|(_, e)| Error::duckdb("closing the build")(e)));
                if let Err(e) = closed.and_then(|_| publish::publish(&paths, &build_file)) {
                    publish::discard(&build_file);
                    return Err(fail_run(&paths, record, e));
                }
                record.stages.push(Stage { stage: "publish".into(), seconds: finish.elapsed().as_secs_f64(), rows: 0 });
                record.published = publish::FileCheck::of(&paths.published).ok();
                record.status = "success".into();
                publish::append_run(&paths, &record)?;
            } else {
                record.status = "checked".into();
            }
            let seconds = started.elapsed().as_secs_f64();
            Ok(Summary { record, tests, rejects, changes, seconds })
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

/// Runs `parts`, queries that each give rows of an index `i` and an integer `value`, as
/// `union all` a few parts per statement, and returns every (i, value) ordered by `i`. A build
/// counts its tests and compares its tables this way: DuckDB's optimiser spent more on one
/// union of hundreds of parts than on running them (the report project's 532 checks: audit
/// 0.40 s as one statement, 0.28 s in statements of 16; 8 measured the same, 128 slower).
pub(crate) fn union_by_index(conn: &Connection, parts: &[String], value: &str) -> duckdb::Result<Vec<(i64, i64)>> {
    let mut out = Vec::new();
    for chunk in parts.chunks(16) {
        let sql = format!("select i, {value} from (\n{}\n)", chunk.join("\nunion all\n"));
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?;
        out.extend(rows.collect::<duckdb::Result<Vec<_>>>()?);
    }
    out.sort_unstable();
    Ok(out)
}

/// A new build file in the project's storage format (`storage_version`, so that the DuckDB
/// versions analysts have can open the published file), attached as `build` to an in-memory
/// connection and made the default database: every statement of the build writes to it.
fn open_build_file(build_file: &Path, storage_version: &str) -> Result<Connection> {
    let conn = Connection::open_in_memory().map_err(Error::duckdb("opening DuckDB"))?;
    let path = build_file.display().to_string().replace('\'', "''");
    let version = storage_version.replace('\'', "");
    conn.execute_batch(&format!("attach '{path}' as build (storage_version '{version}'); use build"))
        .map_err(Error::duckdb(format!("creating {} (storage_version {version})", build_file.display())))?;
    Ok(conn)
}

/// Fails the build when a source changed more of its values than its contract's `max_changed`.
fn check_change_limits(conn: &Connection, project: &Project, changes: &[diff::Change]) -> Result<()> {
    let mut over = Vec::new();
    for c in project.contracts.iter() {
        let Some(limit) = c.max_changed else { continue };
        let table = format!("staging.{}", c.name);
        let changed = changes
            .iter()
            .filter(|x| x.table == table && matches!(x.kind.as_str(), "changed" | "added" | "removed"))
            .count();
        if changed == 0 {
            continue;
        }
        let rows: i64 = conn
            .query_row(&format!("select count(*) from staging.{}", crate::spec::quote(&c.name)), [], |r| r.get(0))
            .map_err(Error::duckdb(format!("counting {table}")))?;
        let values = rows as usize * c.columns.len();
        if !limit.allows(changed, values) {
            let limit_text = match limit {
                crate::spec::MaxRejected::Count(n) => format!("{n}"),
                crate::spec::MaxRejected::Fraction(f) => format!("{}%", f * 100.0),
            };
            over.push(format!(
                "  {table}: {changed} of {values} values changed against the published warehouse, over max_changed = {limit_text} in {} (`baimo diff` lists them; a shifted row changes every value below it)",
                c.path
            ));
        }
    }
    if over.is_empty() {
        return Ok(());
    }
    Err(Error::TestsFailed { count: over.len(), details: over.join("\n") })
}

fn attach_published(conn: &Connection, published: &Path) -> duckdb::Result<()> {
    attach_read_only(conn, published, "published")
}

/// Attaches a warehouse file read-only under `alias` (an identifier baimo chooses).
pub fn attach_read_only(conn: &Connection, file: &Path, alias: &str) -> duckdb::Result<()> {
    let path = file.display().to_string().replace('\'', "''");
    conn.execute_batch(&format!("attach '{path}' as {alias} (read_only)"))
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

/// The tests' outcomes, the rejected cells, the changes, and when publishing began.
type Executed = (Vec<Outcome>, Vec<Reject>, Vec<diff::Change>, Instant);

fn execute(
    conn: &Connection,
    project: &Project,
    paths: &Paths,
    plan: &Plan,
    record: &mut RunRecord,
    options: &Options,
) -> Result<Executed> {
    let (publishing, options_compare) = (options.publish, options.compare);
    let t = Instant::now();
    load::register(conn)?;
    // Larger-than-memory work spills to disk instead of growing without bound.
    let limit = std::env::var("BAIMO_MEMORY_LIMIT").unwrap_or_else(|_| "768MB".into());
    conn.execute_batch(&format!("set memory_limit = '{}'", limit.replace('\'', "")))
        .map_err(Error::duckdb(format!("setting memory_limit to {limit}")))?;
    // A build commits a handful of times: the schema; everything it loads; everything it
    // derives; the comments (on a second connection, beside the models and the audit: the
    // sources' and the models' in a commit each); the test
    // results; the changes; the history. Hundreds of separate commits would each cost a WAL sync.
    load::in_transaction(conn, || {
        conn.execute_batch(include_str!("../sql/meta.sql")).map_err(Error::duckdb("creating the meta schema"))?;
        conn.execute_batch(include_str!("../sql/macros.sql")).map_err(Error::duckdb("creating the macros"))
    })?;
    // The published warehouse: tables are carried over from it, and the build is compared with
    // it. Attached now, before file access is closed for the models.
    let attached = match &plan.carry_from {
        Some(published) => {
            attach_published(conn, published)
                .map_err(Error::duckdb(format!("attaching {} to carry tables over", published.display())))?;
            true
        }
        None if options_compare && paths.published.exists() => match attach_published(conn, &paths.published) {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!("cannot compare with the published warehouse ({e}): no meta.changes for this build");
                false
            }
        },
        None => false,
    };

    record.stages.push(Stage { stage: "prepare".into(), seconds: t.elapsed().as_secs_f64(), rows: 0 });
    let mut source_comments = document::Comments::default();
    let all_rejects =
        load::in_transaction(conn, || ingest::load_sources(conn, project, plan, record, &mut source_comments))?;
    // Models and audits read the warehouse only: no file, no attach, no extension (a model is one
    // query, so it cannot turn the setting back on).
    conn.execute_batch("set enable_external_access = false")
        .map_err(Error::duckdb("closing file access before the models run"))?;

    // The comments are written, and the build compared with the published warehouse, on a second
    // connection while this one runs the models and the audit: the sources' comments as soon as
    // their tables are committed, the models' once theirs are, then the comparison. The models
    // and the audit only read the tables the comments alter, so the two overlap on two cores (a
    // comment is a DuckDB statement, ~0.17 ms each; the report project has ~970).
    let current: String = conn
        .query_row("select current_database()", [], |r| r.get(0))
        .map_err(Error::duckdb("naming the build database"))?;
    let writer = document::connection(conn, &current)?;
    let compare = attached.then_some(current);
    let (outcomes, compared, waited) = std::thread::scope(|s| {
        let (models_done, models_written) = std::sync::mpsc::channel::<document::Comments>();
        let beside = s.spawn(move || -> Result<Option<Result<Vec<diff::Change>>>> {
            source_comments.write(&writer)?;
            // None when the models failed: the build fails with their error.
            let Ok(model_comments) = models_written.recv() else { return Ok(None) };
            model_comments.write(&writer)?;
            Ok(compare.map(|current| diff::diff(&writer, &current, project)))
        });
        let mut model_comments = document::Comments::default();
        let transformed =
            load::in_transaction(conn, || transform::transform(conn, project, plan, record, &mut model_comments));
        if transformed.is_ok() {
            // The writer is gone only if it failed, and then says why when joined.
            let _ = models_done.send(model_comments);
        }
        drop(models_done);
        let outcomes =
            transformed.and_then(|()| audit::audit(conn, project, record, attached && options.trigger != "diff"));
        let t = Instant::now();
        let failed = "writing the comments and comparing with the published warehouse failed unexpectedly";
        let compared = beside.join().unwrap_or_else(|_| Err(Error::Internal(failed.into())));
        (outcomes, compared, t)
    });
    // The models' or the audit's error is the build's; the writer's, if it failed too, is said.
    if let (Err(_), Err(e)) = (&outcomes, &compared) {
        tracing::warn!("writing the comments failed as well: {e}");
    }
    let (outcomes, compared) = (outcomes?, compared?);
    // What this build changes against the published warehouse. A comparison that fails (a
    // published file damaged in a way its check missed) costs the change record, not the build.
    let mut changes = Vec::new();
    match compared {
        Some(Ok(found)) => {
            changes = found;
            // `baimo diff` shows what a build would change; only a build is stopped by it.
            if options.trigger != "diff" {
                check_change_limits(conn, project, &changes)?;
            }
            record.changes = Some(diff::summary(&changes));
            load::in_transaction(conn, || meta::write_changes(conn, &record.id, &changes))?;
        }
        Some(Err(e)) => {
            tracing::warn!("could not compare with the published warehouse: {e}");
            record.changes = Some(format!("not compared with the published warehouse: {e}"));
        }
        None => {}
    }
    // Charged the time the build waited for the second connection after the audit, and the rest.
    let stage = if attached { "document & diff" } else { "document" };
    record.stages.push(Stage {
        stage: stage.into(),
        seconds: waited.elapsed().as_secs_f64(),
        rows: changes.len() as u64,
    });

    // The run history up to and including this run: the first step of publishing.
    let publishing_started = Instant::now();
    let mut history = if publishing { publish::read_runs(paths)? } else { Vec::new() };
    let mut this = record.clone();
    this.status = "success".into();
    this.finished_at = publish::now();
    history.push(this);
    load::in_transaction(conn, || meta::write_runs(conn, &history))?;
    if attached {
        conn.execute_batch("detach published").map_err(Error::duckdb("detaching the published warehouse"))?;
    }
    Ok((outcomes, all_rejects, changes, publishing_started))
}
