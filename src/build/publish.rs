//! Publish: the build-file lifecycle, the atomic rename, and the run log.
//!
//! A build writes `warehouse/.build/<run>.duckdb`, never the published file. Only when every
//! blocking check has passed is the build file checkpointed, closed, fsynced and renamed over
//! `warehouse/baimo.duckdb` in one `rename(2)`, and the directory fsynced. A reader holding the
//! old file keeps its consistent view; the next open sees the new one. A failed build deletes
//! its build file, so the published warehouse stays byte-identical. Every run, failed or not,
//! is appended to `warehouse/runs.jsonl`.

use crate::error::{Error, Result};
use crate::project::Paths;
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

/// Wall time and rows of one stage of a run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stage {
    pub stage: String,
    pub seconds: f64,
    pub rows: u64,
}

/// One input file as read by a run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Input {
    pub source: String,
    pub file: String,
    pub sheet: Option<String>,
    pub sha256: String,
    pub bytes: u64,
}

/// A line of `runs.jsonl` and a row of `meta.runs`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRecord {
    pub id: String,
    pub trigger: String,
    pub started_at: String,
    pub finished_at: String,
    pub status: String,
    pub reason: Option<String>,
    pub baimo_version: String,
    pub rows_read: u64,
    pub rows_loaded: u64,
    pub rows_rejected: u64,
    pub stages: Vec<Stage>,
    pub inputs: Vec<Input>,
    /// What changed since the published build (`source:<name>`, `model:<schema.name>`, …).
    #[serde(default)]
    pub changed: Vec<String>,
    /// Tables copied from the published warehouse instead of rebuilt.
    #[serde(default)]
    pub carried_over: Vec<String>,
    #[serde(default)]
    pub fingerprint: Option<crate::fingerprint::Fingerprint>,
    /// The published file as this run left it, so `refresh` can tell a damaged file from an
    /// up-to-date one without opening DuckDB.
    #[serde(default)]
    pub published: Option<FileCheck>,
    /// What the run changed against the warehouse published before it, in one line.
    #[serde(default)]
    pub changes: Option<String>,
}

/// A cheap check of a file: its size and the sha256 of its first and last 64 KiB (DuckDB's
/// headers sit at the start; a truncated or overwritten file changes the size or those bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileCheck {
    pub bytes: u64,
    pub head_tail_sha256: String,
}

impl FileCheck {
    pub fn of(path: &Path) -> std::io::Result<FileCheck> {
        use sha2::{Digest, Sha256};
        use std::io::{Read, Seek, SeekFrom};
        const SPAN: u64 = 64 * 1024;
        let mut file = File::open(path)?;
        let bytes = file.metadata()?.len();
        let mut hasher = Sha256::new();
        let mut buf = Vec::new();
        Read::by_ref(&mut file).take(SPAN).read_to_end(&mut buf)?;
        hasher.update(&buf);
        if bytes > SPAN {
            buf.clear();
            file.seek(SeekFrom::Start(bytes.saturating_sub(SPAN).max(SPAN)))?;
            file.read_to_end(&mut buf)?;
            hasher.update(&buf);
        }
        Ok(FileCheck { bytes, head_tail_sha256: format!("{:x}", hasher.finalize()) })
    }
}

/// A run id that sorts by time: `20261128T141500Z-12345`.
pub fn new_run_id() -> String {
    format!("{}-{}", chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ"), std::process::id())
}

pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Removes build files left by runs that were killed (called while holding the build lock, so
/// no other build is writing there).
pub fn sweep(paths: &Paths) {
    let Ok(entries) = std::fs::read_dir(&paths.build_dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        tracing::info!("removing a build file left by an interrupted run: {}", p.display());
        if let Err(err) = std::fs::remove_file(&p) {
            tracing::warn!("could not remove {}: {err}", p.display());
        }
    }
}

/// The newest successful run, if the published warehouse exists.
pub fn last_success(paths: &Paths) -> Result<Option<RunRecord>> {
    if !paths.published.exists() {
        return Ok(None);
    }
    Ok(read_runs(paths)?.into_iter().rev().find(|r| r.status == "success"))
}

/// Removes a build file and DuckDB's write-ahead log beside it.
pub fn discard(build: &Path) {
    for p in [build.to_path_buf(), wal_of(build)] {
        if let Err(e) = std::fs::remove_file(&p) {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!("could not remove {}: {e}", p.display());
            }
        }
    }
}

fn wal_of(db: &Path) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(".wal");
    PathBuf::from(s)
}

/// Moves a closed, checkpointed build file over the published warehouse, durably.
pub fn publish(paths: &Paths, build: &Path) -> Result<()> {
    if wal_of(build).exists() {
        return Err(Error::Internal(format!(
            "{} still has a write-ahead log: it was not checkpointed",
            build.display()
        )));
    }
    File::open(build).and_then(|f| f.sync_all()).map_err(Error::io(build))?;
    std::fs::rename(build, &paths.published).map_err(Error::io(&paths.published))?;
    File::open(&paths.dir).and_then(|d| d.sync_all()).map_err(Error::io(&paths.dir))?;
    Ok(())
}

/// Appends a run to `runs.jsonl` (one JSON object per line), durably.
pub fn append_run(paths: &Paths, record: &RunRecord) -> Result<()> {
    std::fs::create_dir_all(&paths.dir).map_err(Error::io(&paths.dir))?;
    let mut line =
        serde_json::to_string(record).map_err(|e| Error::Internal(format!("serialising the run record: {e}")))?;
    line.push('\n');
    let mut f =
        OpenOptions::new().create(true).append(true).open(&paths.runs_log).map_err(Error::io(&paths.runs_log))?;
    f.write_all(line.as_bytes()).and_then(|_| f.sync_data()).map_err(Error::io(&paths.runs_log))
}

/// Every run in `runs.jsonl`, oldest first. A line that does not parse (a torn write) is
/// skipped with a warning rather than failing the next build.
pub fn read_runs(paths: &Paths) -> Result<Vec<RunRecord>> {
    let f = match File::open(&paths.runs_log) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::Io { path: paths.runs_log.clone(), source: e }),
    };
    let mut out = Vec::new();
    for (i, line) in BufReader::new(f).lines().enumerate() {
        let line = line.map_err(Error::io(&paths.runs_log))?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str(&line) {
            Ok(r) => out.push(r),
            Err(e) => tracing::warn!("{} line {}: skipped, not a run record: {e}", paths.runs_log.display(), i + 1),
        }
    }
    Ok(out)
}
