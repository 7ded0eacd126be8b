//! Ingest: extract → validate → load for each source, on three threads one batch apart, then
//! the keys across the whole table and the quarantine limit.

use super::document::Comments;
use super::plan::Plan;
use super::publish::{Input, RunRecord, Stage};
use super::{carry, meta};
use crate::error::{Error, Result};
use crate::extract;
use crate::load;
use crate::project::Project;
use crate::spec::{quote, staged, Contract};
use crate::validate::{self, Reject};
use duckdb::Connection;
use std::collections::BTreeSet;
use std::time::Instant;

/// Extract, validate and load every source (or carry it over), in the caller's transaction, and
/// record what was read in `meta.files`, `meta.rejects` and `meta.sources`; collects each staged
/// table's comments. Returns the rejected cells.
pub fn load_sources(
    conn: &Connection,
    project: &Project,
    plan: &Plan,
    record: &mut RunRecord,
    comments: &mut Comments,
) -> Result<Vec<Reject>> {
    // Extract, validate and load each source; every source is tried so that one run reports
    // every problem. Reading the file is extract, parsing and checking it is validate; the rest
    // (creating and appending to the table, committing) is load.
    let mut loaded = Loaded { rejects: Vec::new(), files: Vec::new(), problems: Vec::new() };
    // Loaded sources whose keys are not checked yet: counted together, a statement per 16
    // sources instead of one each, before a rollback could drop their tables and at the end.
    let mut pending: Vec<(usize, Ingested)> = Vec::new();
    let (mut t_extract, mut t_validate, mut t_load) = (0.0, 0.0, 0.0);
    for (i, contract) in project.contracts.iter().enumerate() {
        let t = Instant::now();
        if !plan.rebuild_sources.contains(&contract.name) {
            if carry::carry_source(conn, contract, &record.id)? {
                record.carried_over.push(format!("staging.{}", contract.name));
                comments.source(contract);
                t_load += t.elapsed().as_secs_f64();
                continue;
            }
        }
        let (extract_before, validate_before) = (t_extract, t_validate);
        let ingested = ingest(conn, contract, &project.corrections, (&mut t_extract, &mut t_validate));
        t_load += t.elapsed().as_secs_f64() - (t_extract - extract_before) - (t_validate - validate_before);
        match ingested {
            Ok(ingested) => {
                comments.source(contract);
                pending.push((i, ingested));
            }
            Err(e) => {
                loaded.problems.push((i, e));
                // The build fails; the remaining sources are still checked, so that one run
                // reports every problem. A statement that failed aborts the transaction, and
                // rolling it back drops the sources loaded before it: those whose keys are not
                // checked yet are loaded again first, so their repeated keys are reported too.
                if aborted(conn) {
                    restart(conn)?;
                    for (j, _) in std::mem::take(&mut pending) {
                        let timing = (&mut t_extract, &mut t_validate);
                        match ingest(conn, &project.contracts[j], &project.corrections, timing) {
                            Ok(ingested) => pending.push((j, ingested)),
                            Err(e) => {
                                loaded.problems.push((j, e));
                                break;
                            }
                        }
                    }
                }
                flush(conn, project, &mut pending, record, &mut loaded, &mut t_validate)?;
                restart(conn)?;
            }
        }
    }
    flush(conn, project, &mut pending, record, &mut loaded, &mut t_validate)?;
    let Loaded { rejects: all_rejects, files, mut problems } = loaded;
    record.stages.push(Stage { stage: "extract".into(), seconds: t_extract, rows: record.rows_read });
    record.stages.push(Stage { stage: "validate".into(), seconds: t_validate, rows: record.rows_read });
    if !problems.is_empty() {
        problems.sort_by_key(|(i, _)| *i);
        return Err(Error::Many(problems.into_iter().map(|(_, e)| e).collect()));
    }
    let t = Instant::now();
    meta::write_files(conn, &record.id, &files)?;
    meta::write_rejects(conn, &record.id, &all_rejects)?;
    meta::write_sources(conn, &project.contracts)?;
    meta::write_column_units(conn, project)?;
    let corrected: Vec<(String, String)> = files.iter().flat_map(|(_, f)| f.corrected.iter().cloned()).collect();
    meta::write_corrections(conn, &record.id, &project.corrections, &corrected, &record.carried_over)?;
    t_load += t.elapsed().as_secs_f64();
    record.stages.push(Stage { stage: "load".into(), seconds: t_load, rows: record.rows_loaded });
    Ok(all_rejects)
}

/// The sources loaded and checked so far: their rejected cells and files, and the problems
/// found, each with its contract's index (so they are reported in the contracts' order).
struct Loaded<'a> {
    rejects: Vec<Reject>,
    files: Vec<(&'a Contract, Ingested)>,
    problems: Vec<(usize, Error)>,
}

/// Checks the keys of the `pending` sources (one count per source, 16 to a statement), then
/// finishes each: accepted into `loaded` and the run record, or a problem.
fn flush<'a>(
    conn: &Connection,
    project: &'a Project,
    pending: &mut Vec<(usize, Ingested)>,
    record: &mut RunRecord,
    loaded: &mut Loaded<'a>,
    t_validate: &mut f64,
) -> Result<()> {
    let t = Instant::now();
    let parts: Vec<String> = pending
        .iter()
        .filter_map(|(i, _)| {
            validate::repeated_keys_sql(&project.contracts[*i]).map(|q| format!("select {i} as i, n from ({q})"))
        })
        .collect();
    let counted = super::union_by_index(conn, &parts, "n");
    *t_validate += t.elapsed().as_secs_f64();
    let repeated: BTreeSet<i64> = match counted {
        Ok(counts) => counts.into_iter().filter(|(_, n)| *n > 0).map(|(i, _)| i).collect(),
        Err(e) => {
            // The sources stay unchecked, and the build fails with what DuckDB said.
            let at = pending.first().map_or(0, |(i, _)| *i);
            let tables: Vec<String> =
                pending.drain(..).map(|(i, _)| format!("staging.{}", project.contracts[i].name)).collect();
            loaded.problems.push((at, Error::duckdb(format!("checking the primary keys of {}", tables.join(", ")))(e)));
            return restart(conn);
        }
    };
    let mut failed = false;
    for (i, ingested) in pending.drain(..) {
        let contract = &project.contracts[i];
        match finish(conn, contract, &project.corrections, ingested, repeated.contains(&(i as i64)), t_validate) {
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
                loaded.rejects.extend(std::mem::take(&mut ingested.rejects));
                loaded.files.push((contract, ingested));
            }
            Err(e) => {
                failed = true;
                loaded.problems.push((i, e));
            }
        }
    }
    if failed && aborted(conn) {
        restart(conn)?;
    }
    Ok(())
}

/// Whether a statement that failed has aborted the transaction (a problem found by baimo, not by
/// DuckDB, leaves it usable).
fn aborted(conn: &Connection) -> bool {
    conn.execute_batch("select 1").is_err()
}

/// A statement that failed aborts the transaction: roll it back and begin another.
fn restart(conn: &Connection) -> Result<()> {
    conn.execute_batch("rollback; begin transaction").map_err(Error::duckdb("restarting the transaction"))
}

/// Creates a source's staged table. Returns the columns that are stored (the contract's staged
/// columns, then `_row`); the other provenance columns are generated.
pub fn create_staging(conn: &Connection, contract: &Contract) -> Result<Vec<String>> {
    let mut columns: Vec<(String, &'static str)> = Vec::new();
    for col in &contract.columns {
        for (name, ty, _) in staged::staged_columns(col) {
            columns.push((name, ty));
        }
    }
    load::create_table(conn, "staging", &contract.name, &columns, &staged::provenance_ddl(contract))?;
    let mut stored: Vec<String> = columns.into_iter().map(|(name, _)| name).collect();
    stored.push(staged::ROW.into());
    Ok(stored)
}

/// What reading one source produced.
pub struct Ingested {
    pub sha256: String,
    pub bytes: u64,
    pub rows_read: usize,
    pub rows_loaded: usize,
    /// Rows quarantined, repeated keys included (counted by `finish`, 0 until then).
    pub rejected_rows: usize,
    pub rejects: Vec<Reject>,
    /// For each contract column, the file's column it was found in.
    pub column_index: Vec<u32>,
    /// The corrections applied to this source, with the cell each corrected.
    pub corrected: Vec<(String, String)>,
}

/// Extract, validate and load one source, batch by batch (a CSV file is streamed, so memory is
/// bounded by the batch, not the file); [`finish`] then checks its keys across the whole table
/// and applies the quarantine limit. Extract and validate times are added to `timing`.
fn ingest(
    conn: &Connection,
    contract: &Contract,
    corrections: &[crate::spec::corrections::Correction],
    timing: (&mut f64, &mut f64),
) -> Result<Ingested> {
    let (t_extract, t_validate) = timing;
    let t = Instant::now();
    let mut batches = extract::Batches::open(contract, extract::BATCH_ROWS)?;
    *t_extract += t.elapsed().as_secs_f64();
    create_staging(conn, contract)?;
    let progress = crate::progress::rows(&contract.name);
    let (mut rows_read, mut rows_loaded, mut rejects) = (0usize, 0usize, Vec::new());
    let mut corrected: Vec<(String, String)> = Vec::new();
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
            let validated =
                batch.and_then(|b| validate::validate_with(contract, &b, corrections)).map(|v| (v, reading));
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
            corrected.extend(validated.corrected);
        }
        let failed = |what: &str| Error::Internal(format!("{what} {} failed unexpectedly", contract.file));
        validator.join().map_err(|_| failed("validating"))?;
        reader.join().map_err(|_| failed("reading"))
    })?;
    progress.finish_and_clear();
    let column_index = batches.column_index().to_vec();
    let (sha256, bytes) = batches.finish()?;

    Ok(Ingested { sha256, bytes, rows_read, rows_loaded, rejected_rows: 0, rejects, column_index, corrected })
}

/// The rest of a source's checks once it is loaded: its repeated keys (`repeated`: whether the
/// batched count found any) quarantined or failing it, the quarantine limit, and corrections
/// that no longer find their row. The key check's time is added to `t_validate`.
fn finish(
    conn: &Connection,
    contract: &Contract,
    corrections: &[crate::spec::corrections::Correction],
    ingested: Ingested,
    repeated: bool,
    t_validate: &mut f64,
) -> Result<Ingested> {
    let Ingested { sha256, bytes, rows_read, mut rows_loaded, mut rejects, column_index, corrected, .. } = ingested;
    // Keys are compared across every batch, in DuckDB.
    let t = Instant::now();
    let duplicates = if repeated { validate::duplicate_keys(conn, contract, &column_index)? } else { Vec::new() };
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
    // A correction whose row this source no longer has has outlived its reason.
    for c in corrections.iter().filter(|c| c.source == contract.name) {
        if !corrected.iter().any(|(id, _)| id == &c.id) {
            return Err(Error::spec(
                crate::error::Location::file(crate::spec::corrections::CORRECTIONS_FILE),
                format!(
                    "correction `{}`: {} has no row with {}; update or remove the correction",
                    c.id,
                    contract.file,
                    c.key_text()
                ),
            ));
        }
    }
    Ok(Ingested { sha256, bytes, rows_read, rows_loaded, rejected_rows, rejects, column_index, corrected })
}
