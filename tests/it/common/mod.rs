//! Shared helpers for the integration tests: a temp copy of a fixture project, the real binary,
//! and a real DuckDB connection to what it published.
#![allow(dead_code)]

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Project {
    pub dir: tempfile::TempDir,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts that stderr holds every one of `needles`, naming the first one missing.
    pub fn assert_stderr_has(&self, needles: &[&str]) {
        for needle in needles {
            assert!(self.stderr.contains(needle), "stderr lacks {needle:?}:\n{}", self.stderr);
        }
    }

    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("fixtures").join(name)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create fixture dir");
    for entry in std::fs::read_dir(from).expect("read fixture dir") {
        let entry = entry.expect("fixture entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy fixture file");
        }
    }
}

impl Project {
    /// A temp copy of `tests/fixtures/<name>`.
    pub fn new(name: &str) -> Project {
        let dir = tempfile::tempdir().expect("tempdir");
        copy_dir(&fixture(name), dir.path());
        Project { dir }
    }

    /// A temp copy of the real project's raw/ and pipelines/.
    pub fn report_project() -> Project {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        for sub in ["raw", "pipelines"] {
            copy_dir(&root.join(sub), &dir.path().join(sub));
        }
        Project { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.file(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(p, text).expect("write");
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.file(rel)).expect("read")
    }

    /// Replaces text in a project file; the text must be there.
    pub fn edit(&self, rel: &str, from: &str, to: &str) {
        let s = self.read(rel);
        assert!(s.contains(from), "{rel} does not contain {from:?}");
        self.write(rel, &s.replacen(from, to, 1));
    }

    pub fn baimo(&self, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_baimo"))
            .arg("-C")
            .arg(self.path())
            .args(args)
            .env_remove("RUST_LOG")
            .output()
            .expect("run baimo");
        Run::from(out)
    }

    pub fn warehouse(&self) -> PathBuf {
        self.file("warehouse/baimo.duckdb")
    }

    pub fn warehouse_sha256(&self) -> Option<String> {
        std::fs::read(self.warehouse()).ok().map(|b| format!("{:x}", Sha256::digest(b)))
    }

    /// A read-only connection to the published warehouse.
    pub fn db(&self) -> duckdb::Connection {
        let config = duckdb::Config::default().access_mode(duckdb::AccessMode::ReadOnly).expect("config");
        duckdb::Connection::open_with_flags(self.warehouse(), config).expect("open warehouse")
    }

    /// `baimo sql --format csv`, which must succeed.
    pub fn csv(&self, sql: &str) -> String {
        let run = self.baimo(&["sql", "--format", "csv", sql]);
        assert_eq!(run.code, 0, "query failed: {sql}\n{}", run.stderr);
        run.stdout
    }

    /// Files left in warehouse/.build (a failed or finished build leaves none).
    pub fn build_leftovers(&self) -> Vec<String> {
        match std::fs::read_dir(self.file("warehouse/.build")) {
            Ok(rd) => rd.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect(),
            Err(_) => Vec::new(),
        }
    }
}

/// Compares with a golden file; `BAIMO_BLESS=1` rewrites it.
pub fn assert_golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("golden").join(name);
    if std::env::var_os("BAIMO_BLESS").is_some() {
        std::fs::write(&path, actual).expect("bless golden");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing golden file {}; run with BAIMO_BLESS=1", path.display()));
    assert_eq!(actual, expected, "output differs from {}", path.display());
}

/// The first `n` characters of a text, for failure messages.
pub fn head(text: &str, n: usize) -> String {
    text.chars().take(n).collect()
}
