//! Inputs that are not what they seem (issue 16): a FIFO in raw/, an interval that would spin.
//! Each runs the real binary, and where a build is refused the published file stays
//! byte-identical.

use crate::common::Project;
use std::process::Command;
use std::time::{Duration, Instant};

fn built() -> Project {
    Project::built("good")
}

/// Runs baimo and kills it if it has not finished within `limit`: a hang is a failure, not a
/// test that never ends.
fn baimo_within(p: &Project, args: &[&str], limit: Duration) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_baimo"))
        .arg("-C")
        .arg(p.path())
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn baimo");
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut stderr = String::new();
            if let Some(mut e) = child.stderr.take() {
                std::io::Read::read_to_string(&mut e, &mut stderr).expect("stderr");
            }
            return (status.code().unwrap_or(-1), stderr);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("baimo {args:?} still running after {limit:?}: it hangs");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_in_raw_is_refused_not_waited_on() {
    let p = built();
    let before = p.warehouse_sha256();
    let csv = p.file("raw/market.csv");
    std::fs::remove_file(&csv).expect("remove market.csv");
    let made = Command::new("mkfifo").arg(&csv).status().expect("mkfifo");
    assert!(made.success(), "mkfifo failed");
    for verb in ["check", "build", "refresh"] {
        let (code, stderr) = baimo_within(&p, &[verb], Duration::from_secs(60));
        assert_eq!(code, 1, "{verb}: {stderr}");
        assert!(stderr.contains("raw/market.csv") && stderr.contains("FIFO"), "{verb}: {stderr}");
        assert_eq!(p.warehouse_sha256(), before, "{verb} changed the published warehouse");
    }
}

#[test]
fn schedule_refuses_an_interval_that_would_spin() {
    let p = Project::new("good");
    for every in ["0s", "10ms"] {
        let run = p.baimo(&["schedule", "--every", every]);
        assert_eq!(run.code, 2, "{every}: {}", run.stderr);
        run.assert_stderr_has(&["minimum interval"]);
    }
}

#[test]
fn export_stays_inside_its_folder() {
    let p = built();
    let out = p.file("exports");
    let out_arg = out.display().to_string();
    // Reading another file is refused.
    let run = p.baimo(&["export", "--query", "select * from read_text('/etc/hostname')", "--out", &out_arg]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.assert_stderr_has(&["file system operations are disabled"]);
    // A query that closes the COPY it is wrapped in cannot write elsewhere.
    let escaped = p.file("escaped.csv");
    let sneaky = format!("select 1 as one) to '{}' (format csv); select (1", escaped.display());
    let run = p.baimo(&["export", "--query", &sneaky, "--out", &out_arg]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(!escaped.exists(), "the export wrote outside --out");
    // An unknown table is a usage error, and no folder is left behind.
    let elsewhere = p.file("nothing-here");
    let run = p.baimo(&["export", "marts.nosuch", "--out", &elsewhere.display().to_string()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    run.assert_stderr_has(&["marts.nosuch", "no such table"]);
    assert!(!elsewhere.exists());
    // A plain query still exports.
    let run = p.baimo(&["export", "--query", "select 1 as one", "--name", "one", "--format", "csv", "--out", &out_arg]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(p.read("exports/query/one.csv"), "one\n1\n");
}

#[cfg(unix)]
#[test]
fn a_model_that_links_outside_the_project_is_refused() {
    let p = built();
    let before = p.warehouse_sha256();
    let outside = tempfile::tempdir().expect("tempdir");
    std::fs::write(outside.path().join("evil.sql"), "select 1 as one\n").expect("write");
    std::os::unix::fs::symlink(outside.path().join("evil.sql"), p.file("pipelines/models/marts/evil.sql"))
        .expect("symlink");
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    run.assert_stderr_has(&["pipelines/models/marts/evil.sql", "outside the project"]);
    assert_eq!(p.warehouse_sha256(), before);
}

#[test]
fn a_damaged_published_warehouse_is_rebuilt_not_up_to_date() {
    let p = built();
    let good = std::fs::read(p.warehouse()).expect("read warehouse");
    let damages: [(&str, Vec<u8>); 3] = [
        ("empty", Vec::new()),
        ("garbage header", {
            let mut g = good.clone();
            g[..64].fill(b'x');
            g
        }),
        ("truncated", good[..good.len() / 2].to_vec()),
    ];
    for (what, bytes) in damages {
        std::fs::write(p.warehouse(), &bytes).expect("damage");
        let run = p.baimo(&["refresh"]);
        assert_eq!(run.code, 0, "{what}: {}", run.stderr);
        assert!(!run.stderr.contains("up to date"), "{what}: {}", run.stderr);
        run.assert_stderr_has(&["damaged", "published warehouse/baimo.duckdb"]);
        let gpus: i64 = p
            .db()
            .query_row("select gpus from marts.training_run_cost where model = 'LLaMA-65B'", [], |r| r.get(0))
            .expect("the rebuilt warehouse opens");
        assert_eq!(gpus, 2048, "{what}");
        // And now it is up to date again.
        let run = p.baimo(&["refresh"]);
        run.assert_stderr_has(&["up to date"]);
    }
}

/// A file rewritten in place while it is read is an error, never a mix of two versions: the
/// size and modification time of the opened file are compared when the last batch is read.
#[test]
fn a_file_that_changes_while_it_is_read_is_refused() {
    let p = Project::new("good");
    let contract = baimo::spec::Contract::load(p.path(), &p.file("pipelines/sources/market.toml")).expect("contract");
    let mut batches = baimo::extract::Batches::open(&contract, 1).expect("open");
    assert!(batches.next_batch().expect("first batch").is_some());
    // Another process appends to the same file (same inode) mid-read.
    let mut f = std::fs::OpenOptions::new().append(true).open(p.file("raw/market.csv")).expect("append");
    std::io::Write::write_all(&mut f, "market.extra,中国语言大模型市场,count,2024,1个,x\n".as_bytes()).expect("write");
    drop(f);
    while let Ok(Some(_)) = batches.next_batch() {}
    let err = batches.finish().expect_err("a changed file must not be accepted");
    let message = err.to_string();
    assert!(message.contains("raw/market.csv") && message.contains("changed while it was read"), "{message}");

    // Unchanged, the same read succeeds.
    let p = Project::new("good");
    let contract = baimo::spec::Contract::load(p.path(), &p.file("pipelines/sources/market.toml")).expect("contract");
    let mut batches = baimo::extract::Batches::open(&contract, 1).expect("open");
    while let Ok(Some(_)) = batches.next_batch() {}
    assert!(batches.finish().is_ok());
}

#[test]
fn a_model_cannot_read_or_write_files_outside_the_project() {
    let p = built();
    let before = p.warehouse_sha256();
    p.write("pipelines/models/marts/leak.sql", "select * from read_text('/etc/hostname')\n");
    let run = p.baimo(&["build"]);
    assert_ne!(run.code, 0, "a model read /etc/hostname:\n{}", run.stderr);
    run.assert_stderr_has(&["pipelines/models/marts/leak.sql"]);
    assert_eq!(p.warehouse_sha256(), before);
    // A second statement in a model file (a COPY out of the project) never runs.
    let target = p.path().parent().expect("parent").join(format!("baimo-leak-{}.csv", std::process::id()));
    p.write(
        "pipelines/models/marts/leak.sql",
        &format!("select 1 as one;\ncopy (select 1) to '{}'\n", target.display()),
    );
    let run = p.baimo(&["build"]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    run.assert_stderr_has(&["pipelines/models/marts/leak.sql"]);
    assert!(!target.exists(), "the model wrote {}", target.display());
    assert_eq!(p.warehouse_sha256(), before);
}

#[test]
fn output_that_cannot_be_written_fails_and_nothing_panics() {
    let p = built();
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full");
    let Ok(full) = full else {
        eprintln!("SKIPPED: no /dev/full on this machine");
        return;
    };
    for args in [vec!["sql", "select * from range(100000)"], vec!["completions", "bash"]] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_baimo"))
            .arg("-C")
            .arg(p.path())
            .args(&args)
            .stdout(full.try_clone().expect("dup"))
            .output()
            .expect("baimo");
        let code = out.status.code().unwrap_or(-1);
        assert!(
            code != 0 && code != 101,
            "{args:?} into /dev/full exited {code}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // A piped script whose statement fails exits non-zero; date 'infinity' prints as DuckDB shows it.
    let run = p.baimo_stdin(&["sql"], "select nosuch from marts.training_run_cost;\n");
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = p.baimo(&["sql", "--format", "csv", "select date 'infinity' as d"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "d\ninfinity\n"), "{}", run.stderr);
}

#[test]
fn piped_statements_stay_out_of_the_shell_history() {
    use std::io::Write;
    let p = built();
    let home = tempfile::tempdir().expect("home");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_baimo"))
        .arg("-C")
        .arg(p.path())
        .arg("sql")
        .env("HOME", home.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("baimo sql");
    child.stdin.take().expect("stdin").write_all(b"select 'secret' as s;\n").expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("secret"));
    assert!(!home.path().join(".cache/baimo/history").exists(), "a piped script went into the history");
}
