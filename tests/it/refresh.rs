//! Refresh, the build lock, readers during builds, killed builds and the schedule loop.

use crate::common::Project;
use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn built() -> Project {
    Project::built("good")
}

fn last_run(p: &Project) -> serde_json::Value {
    let log = p.read("warehouse/runs.jsonl");
    serde_json::from_str(log.lines().last().expect("a run")).expect("json")
}

#[test]
fn a_noop_refresh_does_not_touch_the_published_file() {
    let p = built();
    let before = std::fs::metadata(p.warehouse()).expect("meta");
    let runs_before = p.read("warehouse/runs.jsonl").lines().count();
    let run = p.baimo(&["refresh"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("up to date"), "{}", run.stderr);
    let after = std::fs::metadata(p.warehouse()).expect("meta");
    assert_eq!((before.ino(), before.mtime(), before.mtime_nsec()), (after.ino(), after.mtime(), after.mtime_nsec()));
    assert_eq!(p.read("warehouse/runs.jsonl").lines().count(), runs_before, "an up-to-date refresh is not a run");
}

#[test]
fn a_changed_cell_rebuilds_what_depends_on_it_and_carries_the_rest() {
    let p = built();
    let staged_before = p.csv("select * from staging.training_runs order by _row");
    p.edit("raw/market.csv", "132.3亿元", "150亿元");
    let run = p.baimo(&["refresh"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rec = last_run(&p);
    assert_eq!(rec["trigger"], "refresh");
    assert_eq!(rec["changed"], serde_json::json!(["source:market"]));
    let carried: Vec<String> = serde_json::from_value(rec["carried_over"].clone()).expect("carried");
    assert!(
        carried.contains(&"staging.training_runs".to_string())
            && carried.contains(&"marts.training_run_cost".to_string()),
        "{carried:?}"
    );
    assert!(!carried.iter().any(|t| t.contains("market")), "{carried:?}");
    // The new value is visible, and the carried tables are intact.
    assert!(p.csv("select start_value from marts.market_growth").contains("15000000000"));
    assert!(p.csv("select gpu_hours_low from marts.training_run_cost where model = 'LLaMA-65B'").contains("1032192"));
    let files = p.csv("select source from meta.files order by source");
    assert_eq!(files, "source\nmarket\ntraining_runs\n");
    // A carried table keeps every row and its provenance, and its definition: the per-source
    // constants stay generated columns.
    assert_eq!(p.csv("select * from staging.training_runs order by _row"), staged_before);
    assert_eq!(
        p.csv(
            "select sql like '%GENERATED ALWAYS%' as generated from duckdb_tables() where table_name = 'training_runs'"
        ),
        "generated\ntrue\n"
    );
    // --full rebuilds everything.
    let run = p.baimo(&["refresh", "--full"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(last_run(&p)["carried_over"], serde_json::json!([]));
}

#[test]
fn select_rebuilds_only_the_selection_and_downstream() {
    let p = built();
    let run = p.baimo(&["build", "--select", "training_runs"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let carried: Vec<String> = serde_json::from_value(last_run(&p)["carried_over"].clone()).expect("carried");
    assert_eq!(carried, ["staging.market", "marts.market_growth"]);
    let run = p.baimo(&["build", "--select", "nope"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no source or model of that name"), "{}", run.stderr);
}

#[test]
fn a_second_build_fails_clearly_or_waits() {
    let p = built();
    let lock_path = p.file("warehouse/.lock");
    let lock =
        OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&lock_path).expect("lock file");
    lock.try_lock().expect("take the lock");
    (&lock).write_all(b"pid 4242 run test-holder\n").expect("note");

    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("another build is running (pid 4242 run test-holder)"), "{}", run.stderr);

    // --wait: released after 500 ms, the waiting build goes ahead.
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(500));
        lock.unlock().expect("unlock");
    });
    let start = Instant::now();
    let run = p.baimo(&["build", "--wait", "20s"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(start.elapsed() >= Duration::from_millis(400));
    release.join().expect("thread");
}

#[test]
fn readers_never_see_an_error_or_a_half_built_table_during_builds() {
    let p = built();
    let path = p.warehouse();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stop.clone();
    let reader = std::thread::spawn(move || {
        let mut reads = 0u32;
        while !flag.load(std::sync::atomic::Ordering::SeqCst) {
            let config = duckdb::Config::default().access_mode(duckdb::AccessMode::ReadOnly).expect("config");
            let conn =
                duckdb::Connection::open_with_flags(&path, config).expect("a reader could not open the warehouse");
            let (runs, hours): (i64, f64) = conn
                .query_row(
                    "select (select count(*) from marts.training_run_cost), (select sum(gpu_hours_low) from marts.training_run_cost)",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .expect("a reader's query failed");
            assert_eq!(runs, 5, "a reader saw a partial table");
            assert!(hours > 0.0);
            reads += 1;
        }
        reads
    });
    for i in 0..8 {
        let value = if i % 2 == 0 { "150亿元" } else { "132.3亿元" };
        let from = if i % 2 == 0 { "132.3亿元" } else { "150亿元" };
        p.edit("raw/market.csv", from, value);
        let run = p.baimo(&["build"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let reads = reader.join().expect("reader panicked");
    assert!(reads > 0);
    eprintln!("{reads} reads during 8 builds, none failed");
}

/// SIGKILL `baimo build` after each delay; the published warehouse must stay a complete
/// warehouse (the previous one, or the new one if the kill came after the rename) and the next
/// build must go through. `BAIMO_KILLS=200` runs a long loop on the report project, whose
/// build is long enough for the delays to land in every stage.
#[test]
fn a_killed_build_leaves_the_published_warehouse_and_no_lock() {
    let kills: u64 = std::env::var("BAIMO_KILLS").ok().and_then(|v| v.parse().ok()).unwrap_or(0);
    let (p, table, rows) = if kills > 0 {
        let p = Project::report_project();
        assert_eq!(p.baimo(&["build"]).code, 0);
        (p, "marts.training_run_cost", 8)
    } else {
        (built(), "marts.training_run_cost", 5)
    };
    let before = p.warehouse_sha256();
    let good = p.csv(&format!("select * from {table} order by model"));
    // A change, so that a build that gets through publishes a different file.
    if kills > 0 {
        p.edit("raw/assumptions.csv", "7.05", "7.06");
    } else {
        p.edit("raw/market.csv", "132.3亿元", "150亿元");
    }
    let delays: Vec<u64> = if kills > 0 {
        // Spread over a whole build of the report project (~0.6 s here).
        (0..kills).map(|i| (i * 7919) % 900).collect()
    } else {
        vec![0, 5, 10, 20, 40, 80, 120, 200]
    };
    let mut survived = 0;
    for delay_ms in &delays {
        let mut child = Command::new(env!("CARGO_BIN_EXE_baimo"))
            .arg("-C")
            .arg(p.path())
            .arg("build")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(Duration::from_millis(*delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        // Whatever the kill hit, the published file is a complete warehouse.
        let n: i64 = p.db().query_row(&format!("select count(*) from {table}"), [], |r| r.get(0)).expect("opens");
        assert_eq!(n, rows, "after a kill at {delay_ms} ms");
        if p.warehouse_sha256() == before {
            assert_eq!(p.csv(&format!("select * from {table} order by model")), good, "after a kill at {delay_ms} ms");
        }
        survived += 1;
    }
    // No stray lock or build file blocks the next build.
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(p.build_leftovers().is_empty(), "{:?}", p.build_leftovers());
    assert_eq!(survived, delays.len());
    eprintln!("kills survived: {survived} of {}", delays.len());
}

#[test]
fn the_schedule_loop_survives_a_failing_input_and_stops_on_sigterm() {
    let p = built();
    let child = Command::new(env!("CARGO_BIN_EXE_baimo"))
        .arg("-C")
        .arg(p.path())
        .args(["schedule", "--every", "1s"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn schedule");
    let wait_for = |pred: &dyn Fn(&str) -> bool| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if pred(&p.read("warehouse/runs.jsonl")) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    };
    p.edit("raw/market.csv", "132.3亿元", "12..5亿元");
    assert!(wait_for(&|log| log.contains("\"status\":\"failed\"")), "the broken input was not picked up");
    let before = p.warehouse_sha256();
    p.edit("raw/market.csv", "12..5亿元", "150亿元");
    assert!(
        wait_for(&|log| log
            .lines()
            .last()
            .is_some_and(|l| l.contains("\"status\":\"success\"") && l.contains("schedule"))),
        "the fix was not picked up"
    );
    assert_ne!(p.warehouse_sha256(), before);
    let pid = child.id().to_string();
    let status = Command::new("kill").args(["-TERM", &pid]).status().expect("kill");
    assert!(status.success());
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "schedule did not stop cleanly: {}", String::from_utf8_lossy(&out.stderr));
    // A line per tick by default (the failure, the publish), each with its tick number.
    let log = String::from_utf8_lossy(&out.stderr);
    for needle in ["refreshing every 1s", "refresh failed", "published:", "stopped by a signal"] {
        assert!(log.contains(needle), "{needle:?} not logged:\n{log}");
    }
    assert!(log.matches("tick=").count() >= 2, "{log}");
    assert!(p.build_leftovers().is_empty());
}

#[test]
fn runs_lists_failed_and_successful_runs() {
    let p = built();
    p.edit("raw/market.csv", "132.3亿元", "%50");
    assert_eq!(p.baimo(&["build"]).code, 1);
    let run = p.baimo(&["runs", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let runs: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).expect("json");
    let statuses: Vec<&str> = runs.iter().filter_map(|r| r["status"].as_str()).collect();
    // Newest first, as the table lists them.
    assert_eq!(statuses, ["failed", "success"]);
    assert!(runs[0]["reason"].as_str().unwrap_or_default().contains("raw/market.csv"));
    let table = p.baimo(&["runs"]);
    assert!(table.stdout.contains("failed") && table.stdout.contains("success"), "{}", table.stdout);
    // The warehouse holds the history up to itself.
    assert_eq!(p.csv("select count(*) as n from meta.runs"), "n\n1\n");

    // A second good build: both successes and the failure between them, each once, and their
    // times (TIMESTAMPTZ) print as UTC instants.
    p.edit("raw/market.csv", "%50", "132.3亿元");
    assert_eq!(p.baimo(&["build"]).code, 0);
    assert_eq!(
        p.csv("select status, count(*) as n from meta.runs group by 1 order by 1"),
        "status,n\nfailed,1\nsuccess,2\n"
    );
    let times = p.csv("select started_at, finished_at from meta.runs order by started_at limit 1");
    let row = times.lines().nth(1).unwrap_or_default();
    assert!(row.len() > 40 && row.matches('Z').count() == 2 && row.starts_with("20"), "{times}");
}

#[test]
fn many_builds_leave_one_warehouse_and_its_log() {
    let p = built();
    for i in 0..10 {
        let (from, to) = if i % 2 == 0 { ("132.3亿元", "150亿元") } else { ("150亿元", "132.3亿元") };
        p.edit("raw/market.csv", from, to);
        assert_eq!(p.baimo(&["refresh"]).code, 0);
    }
    let mut names: Vec<String> = std::fs::read_dir(p.file("warehouse"))
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, [".build", ".lock", "baimo.duckdb", "runs.jsonl"]);
    assert!(p.build_leftovers().is_empty());
}
