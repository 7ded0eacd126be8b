//! `make bench`: baimo against references measured in the same run, on the same machine.
//!
//! Scenarios:
//! - a. the report project: full build, and a no-op refresh (median of 20);
//! - b. `baimo gen` projects (BENCH_ROWS, default "1000000"; e.g. "1000000,10000000"): `baimo
//!   build` against DuckDB's own `create table t as select * from read_csv(<same file>)`, run by
//!   the same DuckDB build in this process with its default threads; and the floor under any
//!   loader keeping the same columns: DuckDB itself storing the staged rows baimo produced;
//! - c. the generated xlsx source (100,000 rows): baimo's extract against calamine's bare read.
//!
//! Prints a table and writes bench/RESULTS.md. Not a test: nothing here asserts a speed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

struct Row {
    scenario: String,
    rows: u64,
    mb: f64,
    seconds: f64,
    peak_rss_mb: Option<f64>,
    reference: String,
    ratio: Option<f64>,
}

fn baimo() -> PathBuf {
    let exe = std::env::current_exe().expect("exe");
    exe.parent().and_then(|p| p.parent()).map(|p| p.join("baimo")).expect("target dir")
}

/// Runs baimo under GNU time; returns (seconds, peak RSS in MB).
fn timed(args: &[&str]) -> (f64, Option<f64>) {
    let rss_file = tempfile::NamedTempFile::new().expect("tmp");
    let start = Instant::now();
    let status = if Path::new("/usr/bin/time").exists() {
        Command::new("/usr/bin/time").args(["-f", "%M", "-o"]).arg(rss_file.path()).arg(baimo()).args(args).output()
    } else {
        Command::new(baimo()).args(args).output()
    }
    .expect("run baimo");
    let seconds = start.elapsed().as_secs_f64();
    assert!(
        status.status.success() || args.contains(&"refresh"),
        "baimo {args:?} failed: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let rss = std::fs::read_to_string(rss_file.path())
        .ok()
        .and_then(|s| s.trim().lines().last()?.parse::<f64>().ok())
        .map(|kb| kb / 1024.0);
    (seconds, rss)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir").flatten() {
        let t = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), &t).expect("copy");
        }
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut rows = Vec::new();

    // a. The report project.
    let work = tempfile::tempdir().expect("tmp");
    for sub in ["raw", "pipelines"] {
        copy_dir(&root.join(sub), &work.path().join(sub));
    }
    let dir = work.path().to_str().expect("utf-8");
    let _ = timed(&["-C", dir, "-q", "build"]); // warm the page cache
    let mut builds: Vec<f64> = (0..5).map(|_| timed(&["-C", dir, "-q", "build"]).0).collect();
    builds.sort_by(f64::total_cmp);
    let full = builds[builds.len() / 2];
    let mut noops: Vec<f64> = (0..20).map(|_| timed(&["-C", dir, "-q", "refresh"]).0).collect();
    noops.sort_by(f64::total_cmp);
    let noop = noops[noops.len() / 2];
    let raw_mb = dir_mb(&work.path().join("raw"));
    rows.push(Row {
        scenario: "a. report project: full build (median of 5)".into(),
        rows: 299,
        mb: raw_mb,
        seconds: full,
        peak_rss_mb: None,
        reference: "-".into(),
        ratio: None,
    });
    rows.push(Row {
        scenario: "a. report project: no-op refresh (median of 20)".into(),
        rows: 0,
        mb: raw_mb,
        seconds: noop,
        peak_rss_mb: None,
        reference: format!("full build {full:.3} s"),
        ratio: Some(noop / full),
    });

    // b. Generated projects against DuckDB's read_csv.
    let sizes = std::env::var("BENCH_ROWS").unwrap_or_else(|_| "1000000".into());
    let mut xlsx_project: Option<(tempfile::TempDir, u64)> = None;
    for n in sizes.split(',').filter_map(|s| s.trim().parse::<u64>().ok()) {
        let gen = tempfile::tempdir().expect("tmp");
        let g = gen.path().to_str().expect("utf-8");
        let status = Command::new(baimo()).args(["gen", "--rows", &n.to_string(), "--out", g]).output().expect("gen");
        assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
        let csv = gen.path().join("raw/observations.csv");
        let mb = std::fs::metadata(&csv).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0);
        let (secs, rss) = timed(&["-C", g, "-q", "build"]);
        // The reference: DuckDB loading the same file, same DuckDB build, same process model.
        let db = duckdb::Connection::open_in_memory().expect("duckdb");
        let start = Instant::now();
        db.execute_batch(&format!("create table t as select * from read_csv('{}')", csv.display())).expect("read_csv");
        let reference = start.elapsed().as_secs_f64();
        rows.push(Row {
            scenario: "b. gen: baimo build (validate, normalise, quarantine, provenance, load, models, tests, publish)"
                .into(),
            rows: n,
            mb,
            seconds: secs,
            peak_rss_mb: rss,
            reference: format!("DuckDB read_csv {reference:.3} s"),
            ratio: Some(reference / secs),
        });
        // The floor under any loader that keeps what baimo keeps: DuckDB itself storing the staged
        // rows baimo produced (the stored columns: typed values, raw text, `_row`), from memory.
        let floor = duckdb::Connection::open_in_memory().expect("duckdb");
        let warehouse = gen.path().join("warehouse/baimo.duckdb");
        floor.execute_batch(&format!("attach '{}' as w (read_only)", warehouse.display())).expect("attach");
        let generated: Vec<String> = baimo::spec::staged::PROVENANCE
            .iter()
            .filter(|(name, _, _)| *name != baimo::spec::staged::ROW)
            .map(|(name, _, _)| format!("'{name}'"))
            .collect();
        let stored: Vec<String> = {
            let mut stmt = floor
                .prepare(&format!(
                    "select column_name from duckdb_columns() where database_name = 'w' and schema_name = 'staging' \
                     and table_name = 'observations' and column_name not in ({}) order by column_index",
                    generated.join(", ")
                ))
                .expect("columns");
            let names = stmt.query_map([], |r| r.get::<_, String>(0)).expect("columns");
            names.map(|c| format!("\"{}\"", c.expect("column"))).collect()
        };
        floor
            .execute_batch(&format!(
                "create temp table staged as select {} from w.staging.observations",
                stored.join(", ")
            ))
            .expect("copy");
        let staged: u64 = floor.query_row("select count(*) from staged", [], |r| r.get(0)).expect("count");
        let start = Instant::now();
        floor.execute_batch("create table stored as select * from staged").expect("store");
        let store = start.elapsed().as_secs_f64();
        rows.push(Row {
            scenario: format!("b. floor: DuckDB alone storing the {} staged columns baimo produced", stored.len()),
            rows: staged,
            mb,
            seconds: store,
            peak_rss_mb: None,
            reference: format!("DuckDB read_csv {reference:.3} s"),
            ratio: Some(reference / store),
        });
        if xlsx_project.is_none() {
            xlsx_project = Some((gen, n));
        }
    }

    // c. The xlsx source: baimo's extract against calamine's bare read.
    if let Some((gen, n)) = &xlsx_project {
        let contract = baimo::spec::Contract::load(gen.path(), &gen.path().join("pipelines/sources/registry.toml"))
            .expect("contract");
        let xlsx = gen.path().join("raw/registry.xlsx");
        let start = Instant::now();
        let table = baimo::extract::extract(&contract).expect("extract");
        let ours = start.elapsed().as_secs_f64();
        let start = Instant::now();
        let mut book: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).expect("open");
        let range = calamine::Reader::worksheet_range(&mut book, "registry").expect("range");
        let bare = start.elapsed().as_secs_f64();
        assert!(range.get_size().0 >= table.rows.len());
        rows.push(Row {
            scenario: format!("c. xlsx extract ({} rows, from the {n}-row gen)", table.rows.len()),
            rows: table.rows.len() as u64,
            mb: std::fs::metadata(&xlsx).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0),
            seconds: ours,
            peak_rss_mb: None,
            reference: format!("calamine worksheet_range {bare:.3} s"),
            ratio: Some(ours / bare),
        });
    }

    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .next()
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").parse::<f64>().unwrap_or(0.0) / 1024.0 / 1024.0)
        })
        .unwrap_or(0.0);
    let mut out = format!(
        "# Benchmark results\n\nCommand: `make bench` (BENCH_ROWS={sizes}). Machine: {cores} cores, {mem:.0} GiB. Profile: dev with dependencies at opt-level 2 (the profile tests and `make warehouse` use).\n\n\
         Ratios: for b, DuckDB's time / baimo's time (baimo's throughput as a fraction of read_csv's; 1.0 = as fast); the b floor row is the best ratio a loader keeping the same columns could reach; for c, baimo / calamine (1.0 = no overhead); for the no-op refresh, refresh / full build.\n\n\
         | scenario | rows | MB | wall s | rows/s | MB/s | peak RSS MB | reference (same run) | ratio |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |\n"
    );
    for r in &rows {
        out.push_str(&format!(
            "| {} | {} | {:.1} | {:.3} | {} | {:.1} | {} | {} | {} |\n",
            r.scenario,
            r.rows,
            r.mb,
            r.seconds,
            if r.rows > 0 { format!("{:.0}", r.rows as f64 / r.seconds) } else { "-".into() },
            r.mb / r.seconds,
            r.peak_rss_mb.map(|m| format!("{m:.0}")).unwrap_or_else(|| "-".into()),
            r.reference,
            r.ratio.map(|x| format!("{x:.3}")).unwrap_or_else(|| "-".into()),
        ));
    }
    print!("{out}");
    let results = root.join("bench/RESULTS.md");
    std::fs::create_dir_all(root.join("bench")).expect("bench dir");
    std::fs::write(&results, out).expect("write results");
    eprintln!("wrote {}", results.display());
}

fn dir_mb(dir: &Path) -> f64 {
    std::fs::read_dir(dir)
        .map(|rd| rd.flatten().filter_map(|e| e.metadata().ok()).map(|m| m.len() as f64).sum::<f64>() / 1e6)
        .unwrap_or(0.0)
}
