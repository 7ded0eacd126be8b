//! The real binary on fixture projects: what a build publishes, and what a failed one leaves.

use crate::common::{assert_golden, Project};

/// A contract for a CSV of `id` (text, the key) and `share` (a percentage) that fails on any
/// bad cell.
fn id_share_contract(description: &str, file: &str) -> String {
    format!(
        "description = \"{description}\"\nref = \"test\"\nfile = \"{file}\"\nprimary_key = [\"id\"]\n\
         on_error = \"fail\"\n\n[[columns]]\nname = \"id\"\ntype = \"text\"\n\n[[columns]]\nname = \"share\"\ntype = \"percent\"\n"
    )
}

fn built() -> Project {
    Project::built("good")
}

/// A `baimo gen` project of `rows` rows in a temporary directory.
fn generated(rows: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().to_str().expect("utf-8 path");
    let rows = rows.to_string();
    let gen = std::process::Command::new(env!("CARGO_BIN_EXE_baimo"))
        .args(["gen", "--rows", rows.as_str(), "--out", out])
        .output()
        .expect("gen");
    assert!(gen.status.success(), "{}", String::from_utf8_lossy(&gen.stderr));
    dir
}

#[test]
fn good_project_publishes_the_expected_tables() {
    let p = built();
    assert!(p.build_leftovers().is_empty(), "build files left: {:?}", p.build_leftovers());
    assert_golden(
        "training_run_cost.csv",
        &p.csv("select model, gpus, gpu_hours_low, gpu_hours_high from marts.training_run_cost order by model"),
    );
    assert_golden(
        "staging_market.csv",
        &p.csv("select id, value_low, value_high, value_qualifier, value_unit, value_raw, _file, _sheet, _row from staging.market order by _row"),
    );

    let db = p.db();
    let schemas: Vec<String> = db
        .prepare("select schema_name from duckdb_schemas() where schema_name in ('staging','marts','meta') order by 1")
        .and_then(|mut s| s.query_map([], |r| r.get(0)).and_then(|rows| rows.collect()))
        .expect("schemas");
    assert_eq!(schemas, ["marts", "meta", "staging"]);

    // LLaMA-65B: 2048 GPUs × 21 days × 24 h.
    let hours: f64 = db
        .query_row("select gpu_hours_low from marts.training_run_cost where model = 'LLaMA-65B'", [], |r| r.get(0))
        .expect("llama");
    assert_eq!(hours, 1_032_192.0);

    // The macros ship with the warehouse.
    let cagr: f64 = db.query_row("select cagr(100, 200, 4)", [], |r| r.get(0)).expect("cagr macro");
    assert!((cagr - (2f64.powf(0.25) - 1.0)).abs() < 1e-12);
    let share: f64 = db.query_row("select share(1, 4)", [], |r| r.get(0)).expect("share macro");
    assert_eq!(share, 0.25);

    // Provenance: every staged row names its file, sheet and row; the xlsx cell text is kept.
    let (file, sheet, row, raw): (String, String, i32, String) = db
        .query_row(
            "select _file, _sheet, _row, duration_raw from staging.training_runs where model = 'GLM-130B'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .expect("provenance");
    assert_eq!((file.as_str(), sheet.as_str(), row, raw.as_str()), ("raw/tables.xlsx", "training_runs", 6, "2个月"));

    // The run is recorded, with the input's hash.
    let (status, inputs): (String, String) =
        db.query_row("select status, inputs from meta.runs", [], |r| Ok((r.get(0)?, r.get(1)?))).expect("meta.runs");
    assert_eq!(status, "success");
    assert!(inputs.contains("raw/market.csv") && inputs.contains("sha256"), "{inputs}");
    let files: i64 =
        db.query_row("select count(*) from meta.files where length(sha256) = 64", [], |r| r.get(0)).expect("files");
    assert_eq!(files, 2);
    let passed: i64 =
        db.query_row("select count(*) from meta.test_results where status = 'pass'", [], |r| r.get(0)).expect("tests");
    let all: i64 = db.query_row("select count(*) from meta.test_results", [], |r| r.get(0)).expect("tests");
    assert!(all >= 5 && passed == all, "{passed}/{all} tests passed");

    // Tables and columns carry descriptions.
    let comment: String = db
        .query_row(
            "select comment from duckdb_tables() where schema_name = 'marts' and table_name = 'training_run_cost'",
            [],
            |r| r.get(0),
        )
        .expect("comment");
    assert_eq!(comment, "GPU-hours per training run");
    let described: i64 = db
        .query_row("select count(*) from duckdb_columns() where schema_name = 'staging' and table_name = 'training_runs' and comment is not null", [], |r| r.get(0))
        .expect("column comments");
    assert!(described >= 8, "{described} staged columns described");
}

#[test]
fn a_broken_csv_cell_fails_and_leaves_the_warehouse_byte_identical() {
    let p = built();
    let before = p.warehouse_sha256();
    p.edit("raw/market.csv", "132.3亿元", "12..5亿元");
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.assert_stderr_has(&["raw/market.csv", "cell E2", "column `value`", "bound/number", "12..5亿元"]);
    assert_eq!(p.warehouse_sha256(), before, "the published warehouse changed");
    assert!(p.build_leftovers().is_empty(), "build files left: {:?}", p.build_leftovers());
    let log = p.read("warehouse/runs.jsonl");
    let last = log.lines().last().unwrap_or_default();
    assert!(last.contains("\"status\":\"failed\"") && last.contains("12..5"), "{last}");
}

#[test]
fn a_broken_xlsx_cell_names_the_sheet_and_cell() {
    let p = Project::new("good");
    // A contract rule instead of a parse error: GPT4-1800B's 25000 is above this max.
    p.edit("pipelines/sources/training_runs.toml", "min = 1", "min = 1\nmax = 10000");
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 1);
    run.assert_stderr_has(&["raw/tables.xlsx", "sheet `training_runs`", "cell B8", "[rule: max]", "25000"]);
    assert!(p.warehouse_sha256().is_none(), "nothing should have been published");
}

#[test]
fn quarantine_publishes_good_rows_and_records_the_bad_ones() {
    let p = Project::new("good");
    p.edit("pipelines/sources/market.toml", "on_error = \"fail\"", "on_error = \"quarantine\"\nmax_rejected = 1");
    p.edit("raw/market.csv", "不足80个", "不足若干个");
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("quarantined"), "{}", run.stderr);
    let db = p.db();
    let kept: i64 = db.query_row("select count(*) from staging.market", [], |r| r.get(0)).expect("count");
    assert_eq!(kept, 3);
    let (cell, raw, rule): (String, String, String) = db
        .query_row("select cell, raw, rule from meta.rejects", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("reject");
    assert_eq!((cell.as_str(), raw.as_str(), rule.as_str()), ("E5", "不足若干个", "bound/number"));

    // Over the limit, the build fails.
    p.edit("raw/market.csv", "50.6%", "%50.6");
    let before = p.warehouse_sha256();
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("over the quarantine limit"), "{}", run.stderr);
    assert_eq!(p.warehouse_sha256(), before);
}

#[test]
fn a_model_cycle_is_reported_with_its_files() {
    let p = Project::new("good");
    p.write("pipelines/models/marts/a.sql", "select * from marts.b");
    p.write("pipelines/models/marts/b.sql", "select * from marts.a");
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    run.assert_stderr_has(&[
        "dependency cycle",
        "marts.a → marts.b → marts.a",
        "pipelines/models/marts/a.sql",
        "pipelines/models/marts/b.sql",
    ]);
}

#[test]
fn an_unknown_table_and_a_syntax_error_name_the_file_and_line() {
    let p = Project::new("good");
    p.write("pipelines/models/marts/bad.sql", "select *\nfrom staging.nope");
    let run = p.baimo(&["check"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("pipelines/models/marts/bad.sql, line 2") && run.stderr.contains("staging.nope"),
        "{}",
        run.stderr
    );

    // SQL that does not parse is a model to fix: a spec error, 2.
    p.write("pipelines/models/marts/bad.sql", "select model\n  from staging.training_runs\n where gpus >> > 1");
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("pipelines/models/marts/bad.sql, line 3"), "{}", run.stderr);
}

#[test]
fn a_failing_audit_blocks_publishing() {
    let p = built();
    let before = p.warehouse_sha256();
    p.write(
        "pipelines/audits/no_h100.sql",
        "-- no H100 runs allowed (to make it fail)\nselect model from staging.training_runs where gpu = 'H100'",
    );
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 1);
    run.assert_stderr_has(&["audit:no_h100", "pipelines/audits/no_h100.sql", "1 failing row", "Inflection"]);
    assert_eq!(p.warehouse_sha256(), before);

    // The same audit as a warning publishes, and says so.
    p.write(
        "pipelines/audits/no_h100.sql",
        "-- severity: warn\nselect model from staging.training_runs where gpu = 'H100'",
    );
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("warning: audit:no_h100"), "{}", run.stderr);
}

#[test]
fn an_audit_that_cannot_run_is_named_and_the_other_tests_still_count() {
    let p = built();
    let before = p.warehouse_sha256();
    p.write("pipelines/audits/typo.sql", "select * from staging.no_such_table");
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 1);
    run.assert_stderr_has(&["audit:typo", "pipelines/audits/typo.sql", "could not run", "no_such_table"]);
    // Only the broken audit blocks: the checks batched with it were counted one by one.
    assert_eq!(run.stderr.matches("could not run").count(), 1, "{}", run.stderr);
    assert_eq!(p.warehouse_sha256(), before);
}

#[test]
fn row_level_tests_on_one_table_each_count_their_own_failing_rows() {
    let p = built();
    // Three row-level tests on one table are counted in one scan; each must keep its own count.
    p.write(
        "pipelines/models/marts/training_run_cost.toml",
        r#"description = "GPU-hours per training run"

[[columns]]
name = "model"
tests = ["not_null", "unique"]

[[columns]]
name = "gpus"
tests = ["not_null", { range = { max = 1000, severity = "warn" } }]

[[columns]]
name = "gpu_hours_low"
tests = [{ range = { min = 1000000, severity = "warn" } }]
"#,
    );
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let counted = p.csv(
        "select column_name, failing_rows from meta.test_results \
         where target = 'marts.training_run_cost' and test like 'range:%' order by column_name",
    );
    let expected = p.csv(
        "select 'gpu_hours_low' as column_name, count(*) filter (where gpu_hours_low < 1000000) as failing_rows \
         from marts.training_run_cost union all \
         select 'gpus', count(*) filter (where gpus > 1000) from marts.training_run_cost order by column_name",
    );
    assert_eq!(counted, expected);
    // The data makes both counts non-zero and different, so a mix-up would show.
    let rows: Vec<&str> = expected.lines().skip(1).collect();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| !r.ends_with(",0")), "{expected}");
    assert_ne!(rows[0].split(',').nth(1), rows[1].split(',').nth(1), "{expected}");
}

#[test]
fn every_failing_source_is_reported_in_one_run() {
    let p = built();
    let before = p.warehouse_sha256();
    // Sources load in one transaction; the first failure must not hide the ones after it.
    p.edit("raw/market.csv", "132.3亿元", "%50");
    p.write("pipelines/sources/zeta.toml", &id_share_contract("a second source", "raw/zeta.csv"));
    p.write("raw/zeta.csv", "id,share\na,50%\na,60%\nb,七成\n");
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.assert_stderr_has(&["raw/market.csv", "`%50`", "raw/zeta.csv", "B4", "七成"]);
    assert_eq!(p.warehouse_sha256(), before);
    assert!(p.build_leftovers().is_empty());
}

#[test]
fn repeated_keys_are_reported_beside_a_later_sources_failure() {
    // Keys are checked for several sources at once after they load: a source failing after
    // them must not hide their repeated keys.
    let p = built();
    let before = p.warehouse_sha256();
    p.write("pipelines/sources/aaa.toml", &id_share_contract("a source with a repeated key", "raw/aaa.csv"));
    p.write("raw/aaa.csv", "id,share\na,50%\nb,10%\na,60%\n");
    p.edit("raw/market.csv", "132.3亿元", "%50");
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.assert_stderr_has(&[
        "raw/aaa.csv",
        "A4",
        "duplicate primary key (id), first seen in row 2",
        "raw/market.csv",
        "`%50`",
    ]);
    assert_eq!(p.warehouse_sha256(), before);
}

#[test]
fn repeated_keys_are_reported_when_a_later_insert_aborts_the_transaction() {
    // A 2MB DuckDB memory limit makes the insert of a generated 400,000-row source fail, which
    // aborts the transaction; the small source loaded before it is loaded again so that its
    // repeated key is still reported.
    let dir = generated(400_000);
    let out = dir.path().to_str().expect("utf-8 path");
    let baimo = env!("CARGO_BIN_EXE_baimo");
    let contract = id_share_contract("a source with a repeated key", "raw/aaa.csv");
    std::fs::write(dir.path().join("pipelines/sources/aaa.toml"), contract).expect("contract");
    std::fs::write(dir.path().join("raw/aaa.csv"), "id,share\na,50%\nb,10%\na,60%\n").expect("csv");
    let run = std::process::Command::new(baimo)
        .args(["-C", out, "build"])
        .env("BAIMO_MEMORY_LIMIT", "2MB")
        .env_remove("RUST_LOG")
        .output()
        .expect("build");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    for needle in ["staging.observations", "raw/aaa.csv", "A4", "duplicate primary key (id)"] {
        assert!(stderr.contains(needle), "stderr lacks {needle:?}:\n{stderr}");
    }
    assert!(!dir.path().join("warehouse/baimo.duckdb").exists(), "nothing may be published");
}

#[test]
fn a_bad_cell_in_a_later_batch_fails_the_build_and_names_its_cell() {
    let p = built();
    let before = p.warehouse_sha256();
    // Past the first 100,000-row batch, so the reader, validator and loader threads are all
    // busy when the error comes, and have to stop cleanly.
    let mut csv = String::from("id,share\n");
    for i in 0..150_000 {
        let share = if i == 140_000 { "七成".to_string() } else { format!("{}%", i % 100) };
        csv.push_str(&format!("r{i},{share}\n"));
    }
    p.write("raw/big.csv", &csv);
    p.write("pipelines/sources/big.toml", &id_share_contract("many rows", "raw/big.csv"));
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.assert_stderr_has(&["raw/big.csv", "B140002", "七成"]);
    assert_eq!(p.warehouse_sha256(), before);
    assert!(p.build_leftovers().is_empty());

    // Fixed, every row of every batch arrives once.
    p.write("raw/big.csv", &csv.replace("七成", "70%"));
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        p.csv("select count(*) as n, count(distinct _row) as r, min(_row) as lo, max(_row) as hi from staging.big"),
        "n,r,lo,hi\n150000,150000,2,150001\n"
    );
}

#[test]
fn a_load_that_fails_mid_file_ends_the_build_instead_of_hanging() {
    // 400,000 rows are four batches; a 2MB DuckDB memory limit makes the first insert fail
    // while the reader and validator threads still have batches to hand over.
    let dir = generated(400_000);
    let out = dir.path().to_str().expect("utf-8 path");
    let baimo = env!("CARGO_BIN_EXE_baimo");
    let mut child = std::process::Command::new(baimo)
        .args(["-C", out, "build"])
        .env("BAIMO_MEMORY_LIMIT", "2MB")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > std::time::Duration::from_secs(120) {
            let _ = child.kill();
            panic!("the build hung after its load failed");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr).expect("read");
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("staging.observations"), "{stderr}");
    assert!(!dir.path().join("warehouse/baimo.duckdb").exists(), "nothing may be published");
}

#[test]
fn contract_mistakes_are_spec_errors_naming_the_file() {
    let p = Project::new("good");
    p.edit("pipelines/sources/market.toml", "primary_key", "primary_keys");
    let run = p.baimo(&["check"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("pipelines/sources/market.toml, line 4") && run.stderr.contains("primary_keys"),
        "{}",
        run.stderr
    );

    let p = Project::new("good");
    p.edit("pipelines/sources/market.toml", "type = \"bound\"", "type = \"quantity\"");
    let run = p.baimo(&["check"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("pipelines/sources/market.toml") && run.stderr.contains("quantity"), "{}", run.stderr);

    let p = Project::new("good");
    p.edit("pipelines/sources/market.toml", "raw/market.csv", "../outside.csv");
    let run = p.baimo(&["check"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("inside the project"), "{}", run.stderr);
}

#[test]
fn file_shape_problems_name_the_file_and_column() {
    let p = Project::new("good");
    p.edit("raw/market.csv", "id,subject,metric,period,raw,ref", "id,subject,metric,period,value,ref");
    let run = p.baimo(&["check"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("raw/market.csv")
            && run.stderr.contains("column `raw`")
            && run.stderr.contains("missing_column"),
        "{}",
        run.stderr
    );

    let p = Project::new("good");
    p.edit("pipelines/sources/training_runs.toml", "sheet = \"training_runs\"", "sheet = \"runs\"");
    let run = p.baimo(&["check"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("no sheet `runs`") && run.stderr.contains("training_runs"), "{}", run.stderr);
}

#[test]
fn gbk_csv_is_read_when_declared_and_refused_when_not() {
    let p = Project::new("good");
    let text = p.read("raw/market.csv");
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    std::fs::write(p.file("raw/market.csv"), &gbk).expect("write gbk");
    let run = p.baimo(&["check"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("not valid UTF-8") && run.stderr.contains("[rule: encoding]"), "{}", run.stderr);

    p.edit("pipelines/sources/market.toml", "primary_key", "encoding = \"gbk\"\nprimary_key");
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(p.csv("select value_raw from staging.market where id = 'market.size.2023'").contains("132.3亿元"));
}

#[test]
fn sql_is_read_only_and_ls_lists_tables() {
    let p = built();
    let before = p.warehouse_sha256();
    for statement in [
        "drop table marts.training_run_cost",
        "insert into staging.market (id) values ('x')",
        "attach 'other.duckdb' as o",
    ] {
        let run = p.baimo(&["sql", statement]);
        assert_ne!(run.code, 0, "{statement} was allowed");
        assert!(
            run.stderr.contains("read-only") || run.stderr.contains("cannot attach"),
            "{statement}: {}",
            run.stderr
        );
    }
    assert_eq!(p.warehouse_sha256(), before);

    let run = p.baimo(&["sql", "--format", "json", "select 1 as one, 'a' as letter"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(v, serde_json::json!([{"one": 1, "letter": "a"}]));

    let run = p.baimo(&["ls", "--format", "csv"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("marts.training_run_cost,table,5,GPU-hours per training run"), "{}", run.stdout);
    assert!(run.stdout.contains("staging.market,table,4,"), "{}", run.stdout);
}

#[test]
fn help_shows_examples_for_each_verb() {
    let p = Project::new("good");
    for verb in ["build", "check", "sql", "ls"] {
        let run = p.baimo(&[verb, "--help"]);
        assert_eq!(run.code, 0);
        assert!(run.stdout.contains("Example"), "{verb} --help has no example:\n{}", run.stdout);
    }
}

#[test]
fn shares_that_do_not_sum_to_their_total_and_a_series_that_falls_are_caught() {
    let p = built();
    let before = p.warehouse_sha256();
    p.write(
        "pipelines/models/marts/series.sql",
        "select * from (values ('a', 2021, 10, 0.5), ('a', 2022, 20, 0.3), ('a', 2023, 15, 0.1), ('b', 2021, 1, 1.0)) t(part, year, n, share)",
    );
    let sidecar = |severity: &str| {
        format!(
            r#"description = "A series"

[[columns]]
name = "n"
tests = [{{ monotone = {{ order_by = "year", partition_by = ["part"], severity = "{severity}" }} }}]

[[columns]]
name = "share"
tests = [{{ sums_to = {{ total = 1, group_by = ["part"], severity = "{severity}" }} }}]
"#
        )
    };
    p.write("pipelines/models/marts/series.toml", &sidecar("error"));
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.assert_stderr_has(&["monotone:marts.series.n", "sums_to:marts.series.share"]);
    assert_eq!(p.warehouse_sha256(), before, "a blocking test publishes nothing");
    // As warnings they are recorded with their failing rows, and the build publishes.
    p.write("pipelines/models/marts/series.toml", &sidecar("warn"));
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let results =
        p.csv("select test, status, failing_rows from meta.test_results where target = 'marts.series' order by test");
    // One fall (2022 → 2023 in part a); one group off its total (a: 0.9; b sums to 1).
    assert_eq!(
        results, "test,status,failing_rows\nmonotone:marts.series.n,fail,1\nsums_to:marts.series.share,fail,1\n",
        "{results}"
    );
}

#[test]
fn a_contract_declares_sanity_rules_on_its_staged_table() {
    let p = built();
    // The market's bound values summed per metric are nowhere near 1: as a warning, recorded.
    p.edit(
        "pipelines/sources/market.toml",
        "description = \"The figure as stated\"",
        "description = \"The figure as stated\"\ntests = [{ sums_to = { total = 1, group_by = [\"metric\"], severity = \"warn\" } }]",
    );
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stderr_has(&["sums_to:staging.market.value_low"]);
    // Every metric with a value is off (none sums to 1); `count` holds only 不足80个, an upper
    // bound with no low end, so it has nothing to sum and is not counted as failing.
    let metrics: i64 = p
        .db()
        .query_row("select count(distinct metric) filter (where value_low is not null) from staging.market", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(metrics, 3);
    let (status, failing): (String, i64) = p
        .db()
        .query_row(
            "select status, failing_rows from meta.test_results where test = 'sums_to:staging.market.value_low'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((status.as_str(), failing), ("fail", metrics), "every metric with values is off 1");
}
