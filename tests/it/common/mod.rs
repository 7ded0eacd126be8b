//! Shared helpers for the integration tests: a temp copy of a fixture project, the real binary,
//! and a real DuckDB connection to what it published.
#![allow(dead_code)]

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, Once, OnceLock};

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

/// What the statics of the test binary hold (a shared project's folder, a server) is never
/// dropped, so it would outlive every `make test`. Work registered here runs, last registered
/// first, when the binary exits: libc's `atexit`, which both ways out of the test harness (a
/// return from main and `std::process::exit`) run.
pub fn at_exit(job: impl FnOnce() + Send + 'static) {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        // SAFETY: registers a plain `extern "C" fn()` that does not unwind.
        unsafe { libc::atexit(run_at_exit) };
    });
    AT_EXIT.lock().unwrap_or_else(|e| e.into_inner()).push(Box::new(job));
}

type Job = Box<dyn FnOnce() + Send>;
static AT_EXIT: Mutex<Vec<Job>> = Mutex::new(Vec::new());

extern "C" fn run_at_exit() {
    let jobs = std::mem::take(&mut *AT_EXIT.lock().unwrap_or_else(|e| e.into_inner()));
    for job in jobs.into_iter().rev() {
        // A panic must not unwind into libc.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
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

    /// A temp copy of `tests/fixtures/<name>`, built and published.
    pub fn built(name: &str) -> Project {
        let p = Project::new(name);
        let run = p.baimo(&["build"]);
        assert_eq!(run.code, 0, "build failed:\n{}", run.stderr);
        p
    }

    /// The report project built once, shared by the tests that only read it (its warehouse, its
    /// server). Removed when the test binary exits: a static is never dropped.
    pub fn report_built() -> &'static Project {
        static P: OnceLock<Project> = OnceLock::new();
        P.get_or_init(|| {
            let p = Project::report_project();
            let run = p.baimo(&["build"]);
            assert_eq!(run.code, 0, "the report project does not build:\n{}", run.stderr);
            let path = p.path().to_path_buf();
            at_exit(move || {
                let _ = std::fs::remove_dir_all(&path);
            });
            p
        })
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

    /// Runs baimo with `input` on its stdin (a pipe, not a terminal).
    pub fn baimo_stdin(&self, args: &[&str], input: &str) -> Run {
        use std::io::Write;
        let mut child = Command::new(env!("CARGO_BIN_EXE_baimo"))
            .arg("-C")
            .arg(self.path())
            .args(args)
            .env_remove("RUST_LOG")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run baimo");
        child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write stdin");
        Run::from(child.wait_with_output().expect("wait for baimo"))
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

/// A real terminal for interactive tests: the program runs in a detached tmux session (a
/// pseudo-terminal), keys are typed with `send-keys`, and the screen is read with
/// `capture-pane`. The session is killed when this is dropped.
pub struct Terminal {
    name: String,
}

impl Terminal {
    /// Starts `command` (a shell command line) in a new 200×50 terminal.
    pub fn start(command: &str) -> Terminal {
        let name = format!("baimo-test-{}-{}", std::process::id(), next_id());
        let ok = Command::new("tmux")
            .args(["new-session", "-d", "-x", "200", "-y", "50", "-s", &name, command])
            .status()
            .expect("run tmux (tools/install-deps installs it)");
        assert!(ok.success(), "tmux new-session failed");
        Terminal { name }
    }

    /// `baimo sql` on `p` in a new terminal (history kept inside the project), returned once it
    /// shows its first prompt; when the shell leaves, the terminal shows `shell-exited-<code>`.
    pub fn baimo_shell(p: &Project) -> Terminal {
        let dir = p.path().display();
        let command =
            format!("HOME={dir} {} -C {dir} sql; echo shell-exited-$?; sleep 30", env!("CARGO_BIN_EXE_baimo"));
        let term = Terminal::start(&command);
        term.wait_for("baimo> ", 1);
        term
    }

    /// Types `keys` (tmux key names such as `Enter` and `C-c` are separate arguments).
    pub fn send(&self, keys: &[&str]) {
        let ok = Command::new("tmux").args(["send-keys", "-t", &self.name]).args(keys).status().expect("tmux");
        assert!(ok.success(), "tmux send-keys failed");
    }

    /// Types a line and Enter. A `;` is sent by its code: tmux reads a trailing `;` in an
    /// argument as its own command separator.
    pub fn line(&self, text: &str) {
        for (i, part) in text.split(';').enumerate() {
            if i > 0 {
                self.send(&["-H", "3b"]);
            }
            if !part.is_empty() {
                self.send(&["-l", part]);
            }
        }
        self.send(&["Enter"]);
    }

    /// The screen, with its scrollback.
    pub fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-J", "-S", "-1000", "-t", &self.name])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until the screen holds `needle` `count` times; panics with the screen after 20 s.
    pub fn wait_for(&self, needle: &str, count: usize) -> String {
        let started = std::time::Instant::now();
        loop {
            let screen = self.screen();
            if screen.matches(needle).count() >= count {
                return screen;
            }
            assert!(started.elapsed().as_secs() < 20, "waited 20 s for {count}× {needle:?}; the screen:\n{screen}");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// Whether the program in the terminal is still running.
    pub fn alive(&self) -> bool {
        Command::new("tmux").args(["has-session", "-t", &self.name]).status().is_ok_and(|s| s.success())
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["kill-session", "-t", &self.name]).status();
    }
}

fn next_id() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    N.fetch_add(1, Ordering::SeqCst)
}

/// Headless Chromium, started as the machine allows it (root: no sandbox; no network beyond
/// localhost: no background connections), each time with a fresh profile.
pub struct Chromium {
    binary: &'static str,
    profile: tempfile::TempDir,
}

impl Chromium {
    /// None, with a note, where the machine has no Chromium; CI must have it.
    pub fn find() -> Option<Chromium> {
        let binary = ["chromium", "chromium-browser", "google-chrome"]
            .into_iter()
            .find(|c| Command::new("which").arg(c).output().map(|o| o.status.success()).unwrap_or(false));
        let Some(binary) = binary else {
            assert!(std::env::var_os("CI").is_none(), "CI must have chromium (.ci/run installs it)");
            eprintln!("SKIPPED: the headless-Chromium half of this test (no chromium on this machine)");
            return None;
        };
        Some(Chromium { binary, profile: tempfile::tempdir().expect("profile") })
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(self.binary)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ])
            .arg(format!("--user-data-dir={}", self.profile.path().display()))
            .args(args)
            .output()
            .expect("run chromium")
    }

    /// The page's DOM after its scripts ran.
    pub fn dom(&self, url: &str) -> String {
        String::from_utf8_lossy(&self.run(&["--dump-dom", url]).stdout).into_owned()
    }

    /// A PNG of the page at `width`×`height`; its size in bytes.
    pub fn screenshot(&self, url: &str, file: &Path, width: u32, height: u32) -> u64 {
        let out =
            self.run(&[&format!("--screenshot={}", file.display()), &format!("--window-size={width},{height}"), url]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        std::fs::metadata(file).map(|m| m.len()).unwrap_or(0)
    }
}
