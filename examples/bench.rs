//! `make bench`: baimo against references measured in the same run, on the same machine.
//!
//! Scenarios:
//! - a. the report project: full build, and a no-op refresh (median of 20);
//! - b. `baimo gen` projects (BENCH_ROWS, default "1000000"; e.g. "1000000,10000000"): `baimo
//!   build` against DuckDB's own `create table t as select * from read_csv(<same file>)` into a
//!   database file, run by the same DuckDB build in this process with its default threads; and
//!   the floor under any loader keeping the same columns: DuckDB's native `read_parquet` storing
//!   the staged columns baimo produced (written to Parquet once, untimed) into a database file;
//! - c. the generated xlsx source (100,000 rows): baimo's extract against calamine's bare read,
//!   as `baimo gen` writes it (inline strings) and as Excel writes it (shared strings);
//! - d. `baimo serve` on the report project: BENCH_CLIENTS (default 32) keep-alive clients for
//!   BENCH_SERVE_SECONDS (default 20) over a mix of home, table, row, search and SQL pages, and
//!   row pages with the page cache defeated; requests/s, p50/p99 latency and the server's peak
//!   RSS, against the same queries through `baimo sql` one-shot, in the same run.
//!
//! Prints a table and writes bench/RESULTS.md. Not a test: nothing here asserts a speed.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

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
    // The rows the report project's build loaded, as its last run recorded them.
    let loaded = Command::new(baimo())
        .args([
            "-C",
            dir,
            "-q",
            "sql",
            "--format",
            "csv",
            "select rows_loaded from meta.runs order by finished_at desc limit 1",
        ])
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).lines().nth(1).and_then(|l| l.trim().parse::<u64>().ok()))
        .unwrap_or(0);
    rows.push(Row {
        scenario: "a. report project: full build (median of 5)".into(),
        rows: loaded,
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
        // The median of three builds, each from nothing published (a single run varied by 20%).
        let mut runs: Vec<(f64, Option<f64>)> = (0..3)
            .map(|_| {
                let _ = std::fs::remove_dir_all(gen.path().join("warehouse"));
                timed(&["-C", g, "-q", "build"])
            })
            .collect();
        runs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (secs, rss) = runs[1];
        // The reference: DuckDB loading the same file into a database file, as baimo does (its
        // compression and write included), same DuckDB build, its default threads.
        let scratch = tempfile::tempdir().expect("tmp");
        let db = duckdb::Connection::open(scratch.path().join("reference.duckdb")).expect("duckdb");
        let start = Instant::now();
        db.execute_batch(&format!("create table t as select * from read_csv('{}'); checkpoint", csv.display()))
            .expect("read_csv");
        let reference = start.elapsed().as_secs_f64();
        drop(db);
        rows.push(Row {
            scenario:
                "b. gen: baimo build (validate, normalise, quarantine, provenance, load, models, tests, publish; median of 3)"
                    .into(),
            rows: n,
            mb,
            seconds: secs,
            peak_rss_mb: rss,
            reference: format!("DuckDB read_csv {reference:.3} s"),
            ratio: Some(reference / secs),
        });
        // The floor under any loader that keeps what baimo keeps: DuckDB's own native reader
        // storing the staged columns baimo produced (typed values, raw text, `_row`) into a
        // database file, from a Parquet file of exactly those columns written once beforehand.
        let floor = duckdb::Connection::open(scratch.path().join("floor.duckdb")).expect("duckdb");
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
        let parquet = scratch.path().join("staged.parquet");
        floor
            .execute_batch(&format!(
                "copy (select {} from w.staging.observations) to '{}' (format parquet); detach w",
                stored.join(", "),
                parquet.display()
            ))
            .expect("staged columns to parquet");
        let start = Instant::now();
        floor
            .execute_batch(&format!(
                "create table stored as select * from read_parquet('{}'); checkpoint",
                parquet.display()
            ))
            .expect("store");
        let store = start.elapsed().as_secs_f64();
        let staged: u64 = floor.query_row("select count(*) from stored", [], |r| r.get(0)).expect("count");
        rows.push(Row {
            scenario: format!(
                "b. floor: DuckDB's read_parquet storing the {} staged columns baimo produced into a file",
                stored.len()
            ),
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

    // c. The xlsx source: baimo's extract against calamine's bare read, as `baimo gen` writes it
    // (inline strings) and as Excel writes it (a shared-string table, here by rust_xlsxwriter).
    if let Some((gen, n)) = &xlsx_project {
        let inline = gen.path().join("pipelines/sources/registry.toml");
        rows.push(xlsx_extract(gen.path(), &inline, &format!("inline strings, from the {n}-row gen")));
        let shared = shared_string_copy(gen.path());
        rows.push(xlsx_extract(gen.path(), &shared, "shared strings, the same cells as Excel writes them"));
    }

    // d. baimo serve on the report project built in a.
    let serve_rows = serve_bench(dir);

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
    out.push_str(&serve_table(&serve_rows));
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

/// Scenario c for one workbook: baimo's extract of the source `contract` against calamine's bare
/// `worksheet_range` of the same sheet. Alternated, after one untimed read of each (the file in
/// the page cache for both), and the median of five: a single cold-then-warm pair favoured
/// whichever ran second.
fn xlsx_extract(root: &Path, contract: &Path, what: &str) -> Row {
    let contract = baimo::spec::Contract::load(root, contract).expect("contract");
    let (xlsx, sheet) = (contract.file_path.clone(), contract.sheet.clone().expect("a sheet"));
    let baimo_read = || {
        let start = Instant::now();
        let table = baimo::extract::extract(&contract).expect("extract");
        (start.elapsed().as_secs_f64(), table.rows.len())
    };
    let calamine_read = || {
        let start = Instant::now();
        let mut book: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).expect("open");
        let range = calamine::Reader::worksheet_range(&mut book, &sheet).expect("range");
        (start.elapsed().as_secs_f64(), range.get_size().0)
    };
    let (_, read_rows) = baimo_read();
    let (_, range_rows) = calamine_read();
    assert!(range_rows >= read_rows);
    let (mut ours, mut bares): (Vec<f64>, Vec<f64>) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        ours.push(baimo_read().0);
        bares.push(calamine_read().0);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (ours, bare) = (median(&mut ours), median(&mut bares));
    Row {
        scenario: format!("c. xlsx extract, {what} ({read_rows} rows; median of 5, alternated)"),
        rows: read_rows as u64,
        mb: std::fs::metadata(&xlsx).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0),
        seconds: ours,
        peak_rss_mb: None,
        reference: format!("calamine worksheet_range {bare:.3} s"),
        ratio: Some(ours / bare),
    }
}

/// The generated registry workbook written again by rust_xlsxwriter, which stores text in a
/// shared-string table as Excel does (`baimo gen` writes inline strings), with a contract for
/// it outside `pipelines/`; returns the contract's path.
fn shared_string_copy(root: &Path) -> PathBuf {
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(root.join("raw/registry.xlsx")).expect("open");
    let range = calamine::Reader::worksheet_range(&mut book, "registry").expect("range");
    let mut out = rust_xlsxwriter::Workbook::new();
    let sheet = out.add_worksheet().set_name("registry").expect("sheet name");
    let (top, left) = range.start().expect("cells");
    for (r, row) in range.rows().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if let calamine::Data::String(text) = cell {
                sheet.write_string(top + r as u32, (left as usize + c) as u16, text).expect("write");
            }
        }
    }
    out.save(root.join("raw/registry_shared.xlsx")).expect("save");
    let text = std::fs::read_to_string(root.join("pipelines/sources/registry.toml")).expect("contract");
    let text = text.replace("raw/registry.xlsx", "raw/registry_shared.xlsx");
    assert!(text.contains("raw/registry_shared.xlsx"), "the registry contract names its file");
    let path = root.join("registry_shared.toml");
    std::fs::write(&path, text).expect("contract");
    path
}

/// One page kind's results under load.
struct ServeRow {
    page: &'static str,
    requests: usize,
    seconds: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: usize,
    /// The same page's main query through `baimo sql` one-shot: median seconds.
    one_shot: Option<(String, f64)>,
}

fn serve_bench(dir: &str) -> (Vec<ServeRow>, Option<f64>, usize) {
    let clients: usize = std::env::var("BENCH_CLIENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(32);
    let seconds: u64 = std::env::var("BENCH_SERVE_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let mut child = Command::new(baimo())
        .args(["-C", dir, "-q", "serve", "--port", "0"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("baimo serve");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let address = loop {
        let line = lines.next().expect("serve exited").expect("stderr");
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split('/').next().expect("address").to_string();
        }
    };
    // Row pages: the report's market facts, by rowid.
    let mut probe = Client::connect(&address);
    let (_, body) = probe.get("/t/staging.market_facts.json?_size=40");
    let listing: serde_json::Value = serde_json::from_slice(&body).expect("table JSON");
    let rowids: Vec<i64> = listing["rowids"].as_array().expect("rowids").iter().filter_map(|v| v.as_i64()).collect();
    let kinds: Vec<(&'static str, Vec<String>)> = vec![
        ("home", vec!["/".into()]),
        (
            "table",
            vec![
                "/t/staging.market_facts".into(),
                "/t/marts.training_run_cost?_sort=gpus&_desc=1".into(),
                "/t/staging.compute_facts?metric=price".into(),
            ],
        ),
        ("row", rowids.iter().map(|r| format!("/t/staging.market_facts/{r}")).collect()),
        ("row, uncached", vec![]),
        ("search", vec!["/search?q=%E6%99%BA%E8%B0%B1".into(), "/search?q=GPU".into()]),
        ("sql", vec!["/sql?q=select+model%2C+gpus+from+marts.training_run_cost+order+by+gpus+desc".into()]),
    ];
    // The mix each client cycles through: row pages weigh most. Uncached row pages are a
    // second phase of their own, so their cost does not hold up the mix's clients.
    let mut mix: Vec<(usize, String)> = Vec::new();
    for (k, (_, paths)) in kinds.iter().enumerate() {
        for p in paths {
            let weight = if k == 2 { 1 } else { 4 };
            for _ in 0..weight {
                mix.push((k, p.clone()));
            }
        }
    }
    let uncached: Vec<(usize, String)> = rowids
        .iter()
        .enumerate()
        .take(10)
        .map(|(i, r)| (3, format!("/t/staging.market_facts/{r}?_nocache={i}-")))
        .collect();
    let mut samples = load(&address, &mix, clients, seconds);
    samples.extend(load(&address, &uncached, clients, seconds.div_ceil(2)));
    let rss = std::fs::read_to_string(format!("/proc/{}/status", child.id()))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0);
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let _ = child.wait();

    // The baseline: each page's main query through `baimo sql`, a process per query.
    let row_sql = format!("select * from staging.market_facts where rowid = {}", rowids.first().copied().unwrap_or(0));
    let one_shot = |sql: &str| -> f64 {
        let mut t: Vec<f64> = (0..10)
            .map(|_| {
                let s = Instant::now();
                let out = Command::new(baimo())
                    .args(["-C", dir, "-q", "sql", "--format", "csv", sql])
                    .output()
                    .expect("baimo sql");
                assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
                s.elapsed().as_secs_f64()
            })
            .collect();
        t.sort_by(f64::total_cmp);
        t[t.len() / 2]
    };
    let baselines = [
        None,
        Some("select * from staging.market_facts order by rowid limit 50".to_string()),
        Some(row_sql.clone()),
        Some(row_sql),
        Some("select * from staging.market_facts where contains(subject, '智谱')".to_string()),
        Some("select model, gpus from marts.training_run_cost order by gpus desc".to_string()),
    ];
    let mut rows = Vec::new();
    for (k, (page, _)) in kinds.iter().enumerate() {
        let mut ms: Vec<f64> = samples.iter().filter(|s| s.0 == k).map(|s| s.1 * 1000.0).collect();
        if ms.is_empty() {
            continue;
        }
        ms.sort_by(f64::total_cmp);
        let pct = |p: f64| ms[((ms.len() as f64 * p) as usize).min(ms.len() - 1)];
        rows.push(ServeRow {
            page,
            requests: ms.len(),
            seconds: if k == 3 { seconds.div_ceil(2) as f64 } else { seconds as f64 },
            p50_ms: pct(0.50),
            p99_ms: pct(0.99),
            errors: samples.iter().filter(|s| s.0 == k && !s.2).count(),
            one_shot: baselines[k].clone().map(|sql| {
                let t = one_shot(&sql);
                (sql, t)
            }),
        });
    }
    (rows, rss, clients)
}

/// `clients` keep-alive clients cycling through `mix` for `seconds`: (page kind, seconds, ok)
/// per request. A kind-3 path gets a counter appended, a query parameter never seen before.
fn load(address: &str, mix: &[(usize, String)], clients: usize, seconds: u64) -> Vec<(usize, f64, bool)> {
    let counter = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let threads: Vec<_> = (0..clients)
        .map(|c| {
            let (address, mix, counter) = (address.to_string(), mix.to_vec(), counter.clone());
            std::thread::spawn(move || {
                let mut client = Client::connect(&address);
                let mut samples: Vec<(usize, f64, bool)> = Vec::new();
                let mut i = c;
                while Instant::now() < deadline {
                    let (kind, path) = &mix[i % mix.len()];
                    i += 1;
                    let path = if *kind == 3 {
                        format!("{path}{}", counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
                    } else {
                        path.clone()
                    };
                    let started = Instant::now();
                    let (status, _) = client.get(&path);
                    samples.push((*kind, started.elapsed().as_secs_f64(), status == 200));
                }
                samples
            })
        })
        .collect();
    threads.into_iter().flat_map(|t| t.join().expect("client")).collect()
}

fn serve_table((rows, rss, clients): &(Vec<ServeRow>, Option<f64>, usize)) -> String {
    let mixed: Vec<&ServeRow> = rows.iter().filter(|r| r.page != "row, uncached").collect();
    let total: usize = mixed.iter().map(|r| r.requests).sum();
    let seconds = mixed.first().map_or(1.0, |r| r.seconds);
    let mut out = format!(
        "\n## d. baimo serve\n\n{clients} keep-alive clients for {seconds:.0} s over a mix of home, table, row, search and SQL pages of the report project's warehouse \
         (BENCH_CLIENTS, BENCH_SERVE_SECONDS): {total} requests, {:.0} requests/s in all; the server's peak RSS {} MB over both phases. \
         Pages are cached per published file (the SQL page is not); \"row, uncached\" is a second phase of half the time in which every request \
         defeats the cache with a new query parameter, so each renders the row page, its source cells, claims and lineage anew. \
         Reference: the page's main query through `baimo sql` one-shot (a process per query, median of 10), in the same run; \
         ratio = served requests/s of that page ÷ one-shot queries/s.\n\n\
         | page | requests | requests/s | p50 ms | p99 ms | errors | reference (same run) | ratio |\n| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |\n",
        total as f64 / seconds,
        rss.map(|m| format!("{m:.0}")).unwrap_or_else(|| "-".into()),
    );
    for r in rows {
        let rps = r.requests as f64 / r.seconds;
        out.push_str(&format!(
            "| {} | {} | {:.0} | {:.2} | {:.2} | {} | {} | {} |\n",
            r.page,
            r.requests,
            rps,
            r.p50_ms,
            r.p99_ms,
            r.errors,
            r.one_shot.as_ref().map(|(_, t)| format!("baimo sql one-shot {:.3} s", t)).unwrap_or_else(|| "-".into()),
            r.one_shot.as_ref().map(|(_, t)| format!("{:.0}", rps * t)).unwrap_or_else(|| "-".into()),
        ));
    }
    out
}

/// A keep-alive HTTP/1.1 client reading bodies by Content-Length.
struct Client {
    reader: BufReader<std::net::TcpStream>,
    address: String,
}

impl Client {
    fn connect(address: &str) -> Client {
        let stream = std::net::TcpStream::connect(address).expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        Client { reader: BufReader::new(stream), address: address.to_string() }
    }

    fn get(&mut self, path: &str) -> (u16, Vec<u8>) {
        let request = format!("GET {path} HTTP/1.1\r\nHost: {}\r\n\r\n", self.address);
        self.reader.get_mut().write_all(request.as_bytes()).expect("send");
        let mut status = 0;
        let mut length = 0;
        let mut line = String::new();
        loop {
            line.clear();
            self.reader.read_line(&mut line).expect("read");
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if l.starts_with("HTTP/") {
                status = l.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
            } else if let Some((k, v)) = l.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).expect("body");
        (status, body)
    }
}
