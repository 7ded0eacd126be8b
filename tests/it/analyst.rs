//! The analyst's side: trace, docs, export, completions.

use crate::common::Project;

fn report_built() -> Project {
    let p = Project::report_project();
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    p
}

#[test]
fn trace_names_the_cells_a_mart_row_comes_from() {
    let p = report_built();
    let run = p.baimo(&["trace", "marts.training_run_cost", "--where", "model = 'LLaMA-65B'", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let cells = v["rows"][0]["cells"].as_array().expect("cells");
    let find = |file: &str, column: &str| {
        cells
            .iter()
            .find(|c| c["file"] == file && c["column"] == column)
            .unwrap_or_else(|| panic!("no {file} {column} cell in {cells:?}"))
    };
    // Values are typed: numbers as JSON numbers, NULL as null.
    let values: std::collections::BTreeMap<String, serde_json::Value> = serde_json::from_value(
        v["rows"][0]["values"]
            .as_array()
            .expect("values")
            .iter()
            .map(|p| (p[0].as_str().unwrap().to_string(), p[1].clone()))
            .collect::<serde_json::Map<_, _>>()
            .into(),
    )
    .expect("pairs");
    assert_eq!(values["gpus"], serde_json::json!(2048));
    assert_eq!(values["gpu_hours_low"], serde_json::json!(1032192));
    assert_eq!(values["gpu_memory"], serde_json::json!("80GB"));
    assert_eq!(values["model"], serde_json::json!("LLaMA-65B"));
    // LLaMA-65B is the first data row of the sheet (row 4, under the title and units rows).
    let gpus = find("raw/tables.xlsx", "gpus");
    assert_eq!(
        (gpus["sheet"].as_str(), gpus["cell"].as_str(), gpus["raw"].as_str()),
        (Some("training_runs"), Some("B4"), Some("2048张"))
    );
    assert_eq!(find("raw/tables.xlsx", "duration")["cell"], "D4");
    // The card price and the assumptions it was costed with.
    assert_eq!(find("raw/compute_facts.csv", "value")["raw"], "15万元/张");
    assert!(cells.iter().any(|c| c["file"] == "raw/assumptions.csv" && c["raw"] == "usd_cny"));
    // The lineage reaches the sources, and the model file is named.
    let lineage = v["lineage"].to_string();
    assert!(
        lineage.contains("pipelines/models/marts/training_run_cost.sql") && lineage.contains("staging.training_runs"),
        "{lineage}"
    );

    // An aggregate row is traced through the fact ids it carries.
    let run = p.baimo(&["trace", "marts.market_growth", "--where", "start_value is not null", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let raws: Vec<&str> =
        v["rows"][0]["cells"].as_array().expect("cells").iter().filter_map(|c| c["raw"].as_str()).collect();
    for figure in ["132.3亿元", "突破600亿元", "50.6%"] {
        assert!(raws.contains(&figure), "{figure} not traced: {raws:?}");
    }
    let claims = v["rows"][0]["claims"].to_string();
    assert!(claims.contains("market.llm_cagr"), "{claims}");
}

#[test]
fn trace_attaches_only_the_claims_about_a_row_and_follows_a_claims_inputs() {
    let p = report_built();
    // LLaMA-65B shares the A100 rental assumption with GPT3-175B, whose cost claim is not
    // about LLaMA-65B.
    let run = p.baimo(&["trace", "marts.training_run_cost", "--where", "model = 'LLaMA-65B'", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let claims = serde_json::from_str::<serde_json::Value>(&run.stdout).expect("json")["rows"][0]["claims"].to_string();
    assert!(!claims.contains("cost.gpt3_training_run"), "{claims}");
    let run = p.baimo(&["trace", "marts.training_run_cost", "--where", "model = 'GPT3-175B'", "--format", "json"]);
    let claims = serde_json::from_str::<serde_json::Value>(&run.stdout).expect("json")["rows"][0]["claims"].to_string();
    assert!(claims.contains("cost.gpt3_training_run"), "{claims}");
    // A claim's row reaches the cells of the figures it was computed from.
    let run = p.baimo(&["trace", "meta.claims", "--where", "id = 'market.llm_cagr'", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let raws: Vec<&str> =
        v["rows"][0]["cells"].as_array().expect("cells").iter().filter_map(|c| c["raw"].as_str()).collect();
    for figure in ["132.3亿元", "突破600亿元", "50.6%"] {
        assert!(raws.contains(&figure), "{figure} not traced from the claim: {raws:?}");
    }
    assert!(v["rows"][0]["claims"].to_string().contains("market.llm_cagr"), "the claim itself");
    // CSV: the same cells as rows a spreadsheet opens.
    let run = p.baimo(&["trace", "marts.training_run_cost", "--where", "model = 'LLaMA-65B'", "--format", "csv"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("row,source,file,sheet,cell,column,raw,parsed,report_section,correction\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("1,training_runs,raw/tables.xlsx,training_runs,B4,gpus,2048张,"), "{}", run.stdout);
}

#[test]
fn docs_describe_every_table() {
    let p = report_built();
    let run = p.baimo(&["docs"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let md = p.read("warehouse/docs/index.md");
    let html = p.read("warehouse/docs/index.html");
    let tables = p.csv("select schema_name || '.' || table_name as t from duckdb_tables() where schema_name in ('staging','marts','meta')");
    for t in tables.lines().skip(1) {
        assert!(md.contains(&format!("### {t} ")), "{t} missing from index.md");
        assert!(html.contains(&format!("id=\"{}\"", t.replace('.', "-"))), "{t} missing from index.html");
    }
    // Lineage, the contract's report section, the tests and the claims.
    assert!(
        md.contains("Model `pipelines/models/marts/training_run_cost.sql`. Reads: [staging.assumptions]"),
        "lineage"
    );
    assert!(md.contains("部分大模型消耗卡的数量及训练时长"));
    assert!(md.contains("## Test results") && md.contains("## Claims") && md.contains("gpus.gpt4_class"));
    assert!(html.starts_with("<!doctype html>") && !html.contains("<script"));
}

/// Export's manifest and the data dictionary name the run that made the file they read, from the
/// file's own `meta.runs`: a run log that went on after it (here a newer successful run appended
/// by hand, as when the log describes a file other than the one in place) does not relabel it.
#[test]
fn export_and_docs_name_the_run_that_made_the_file() {
    let p = Project::built("good");
    let made: String = p
        .db()
        .query_row("select id from meta.runs where status = 'success' order by finished_at desc limit 1", [], |r| {
            r.get(0)
        })
        .expect("the run in the file");
    let log = p.read("warehouse/runs.jsonl");
    let newer = log.lines().last().expect("a run logged").replace(&made, "20991231T000000.000Z-1");
    assert!(newer.contains("20991231T000000.000Z-1") && log.ends_with('\n'));
    p.write("warehouse/runs.jsonl", &format!("{log}{newer}\n"));

    let out = p.file("exports");
    let run = p.baimo(&["export", "--format", "csv", "--out", out.to_str().expect("utf-8 path")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let manifest: serde_json::Value = serde_json::from_str(&p.read("exports/manifest.json")).expect("manifest");
    assert_eq!(manifest["run_id"].as_str(), Some(made.as_str()), "{manifest}");
    let tables = manifest["tables"].as_array().expect("tables");
    assert!(!tables.is_empty() && tables.iter().all(|t| t["run_id"].as_str() == Some(made.as_str())), "{manifest}");

    let run = p.baimo(&["docs"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let md = p.read("warehouse/docs/index.md");
    assert!(
        md.contains(&format!("run {made} ")) && !md.contains("20991231T000000.000Z-1"),
        "{}",
        crate::common::head(&md, 5)
    );
}

#[test]
fn export_round_trips_through_duckdb() {
    let p = report_built();
    let out = p.file("exports");
    let run = p.baimo(&["export", "--format", "csv", "--out", out.to_str().expect("utf-8 path")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let manifest: serde_json::Value = serde_json::from_str(&p.read("exports/manifest.json")).expect("manifest");
    let tables = manifest["tables"].as_array().expect("tables");
    let marts = p.csv("select count(*) as n from duckdb_tables() where schema_name = 'marts'");
    assert_eq!(tables.len().to_string(), marts.lines().nth(1).unwrap_or_default(), "every mart");
    assert!(manifest["run_id"].as_str().is_some_and(|r| !r.is_empty()));
    let db = duckdb::Connection::open_in_memory().expect("duckdb");
    for t in tables {
        let file = out.join(t["file"].as_str().expect("file"));
        let table = t["table"].as_str().expect("table");
        let exported: i64 = db
            .query_row(&format!("select count(*) from read_csv('{}')", file.display()), [], |r| r.get(0))
            .expect("read back");
        assert_eq!(exported, t["rows"].as_i64().expect("rows"), "{table}");
    }
    // Same rows, not just the same count: compare one mart cell by cell.
    let back = db
        .query_row(
            &format!(
                "select string_agg(model || ':' || gpus, ',' order by model) from read_csv('{}')",
                out.join("marts/training_run_cost.csv").display()
            ),
            [],
            |r| r.get::<_, String>(0),
        )
        .expect("read back");
    let original: String = p
        .db()
        .query_row(
            "select string_agg(model || ':' || gpus, ',' order by model) from marts.training_run_cost",
            [],
            |r| r.get(0),
        )
        .expect("original");
    assert_eq!(back, original);
}

#[test]
fn parquet_export_reads_back_with_the_same_rows() {
    let p = report_built();
    let out = p.file("exports");
    let run =
        p.baimo(&["export", "marts.training_run_cost", "meta.claims", "--out", out.to_str().expect("utf-8 path")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let db = duckdb::Connection::open_in_memory().expect("duckdb");
    for (table, key) in [("marts/training_run_cost.parquet", "model"), ("meta/claims.parquet", "id")] {
        let sql =
            format!("select string_agg({key}, ',' order by {key}) from read_parquet('{}')", out.join(table).display());
        let back: String = db.query_row(&sql, [], |r| r.get(0)).expect("read back");
        let source = table.trim_end_matches(".parquet").replace('/', ".");
        let original: String = p
            .db()
            .query_row(&format!("select string_agg({key}, ',' order by {key}) from {source}"), [], |r| r.get(0))
            .expect("original");
        assert_eq!(back, original, "{table}");
    }
    // Descriptions travel with the file: the table's and each column's, as key-value metadata.
    let kv: Vec<(String, String)> = {
        let mut stmt = db
            .prepare(&format!(
                "select key::varchar, decode(value) from parquet_kv_metadata('{}') order by key",
                out.join("marts/training_run_cost.parquet").display()
            ))
            .expect("kv");
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).expect("kv").map(|r| r.expect("kv")).collect()
    };
    assert!(kv.contains(&("column.gpus".to_string(), "GPU cards used".to_string())), "{kv:?}");
    assert!(kv.iter().any(|(k, v)| k == "description" && v.starts_with("Cost of each training run")), "{kv:?}");
    // CSV with a byte-order mark, for Excel.
    let run = p.baimo(&[
        "export",
        "marts.training_run_cost",
        "--format",
        "csv",
        "--bom",
        "--out",
        out.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let csv = std::fs::read(out.join("marts/training_run_cost.csv")).expect("csv");
    assert!(csv.starts_with("\u{feff}model,".as_bytes()), "{:?}", &csv[..20]);
    // The manifest lists every file in the folder: both exports' files.
    let manifest: serde_json::Value = serde_json::from_str(&p.read("exports/manifest.json")).expect("manifest");
    let files: Vec<&str> =
        manifest["tables"].as_array().expect("tables").iter().filter_map(|t| t["file"].as_str()).collect();
    assert_eq!(
        files,
        ["marts/training_run_cost.csv", "marts/training_run_cost.parquet", "meta/claims.parquet"],
        "{manifest}"
    );
    assert!(manifest["tables"].as_array().unwrap().iter().all(|t| t["run_id"].is_string()));
    // Types survive: a double stays a double.
    let ty: String = db
        .query_row(
            &format!(
                "select typeof(gpu_hours_high) from read_parquet('{}') limit 1",
                out.join("marts/training_run_cost.parquet").display()
            ),
            [],
            |r| r.get(0),
        )
        .expect("type");
    assert_eq!(ty, "DOUBLE");
}

#[test]
fn xlsx_export_has_a_sheet_per_table_with_typed_cells_and_descriptions() {
    use calamine::{Data, Reader, Xlsx};
    let p = report_built();
    let out = p.file("exports");
    let run = p.baimo(&[
        "export",
        "marts.training_run_cost",
        "meta.claims",
        "--format",
        "xlsx",
        "--out",
        out.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut book: Xlsx<_> = calamine::open_workbook(out.join("warehouse.xlsx")).expect("open the exported workbook");
    assert_eq!(book.sheet_names(), ["marts.training_run_cost", "meta.claims", "columns"]);
    let runs = book.worksheet_range("marts.training_run_cost").expect("sheet");
    let header: Vec<String> = runs.rows().next().expect("header").iter().map(|c| c.to_string()).collect();
    let (model, gpus) = (
        header.iter().position(|h| h == "model").expect("model"),
        header.iter().position(|h| h == "gpus").expect("gpus"),
    );
    let llama = runs.rows().find(|r| r[model] == Data::String("LLaMA-65B".into())).expect("LLaMA-65B row");
    let stored: i64 = p
        .db()
        .query_row("select gpus from marts.training_run_cost where model = 'LLaMA-65B'", [], |r| r.get(0))
        .expect("gpus");
    // A number stays a number, the same one.
    assert_eq!(llama[gpus], Data::Float(stored as f64), "{:?}", llama);
    let rows: i64 = p.db().query_row("select count(*) from meta.claims", [], |r| r.get(0)).expect("claims");
    assert_eq!(book.worksheet_range("meta.claims").expect("claims sheet").height() as i64, rows + 1);
    // Every column's description is listed on the columns sheet.
    let columns = book.worksheet_range("columns").expect("columns sheet");
    assert!(
        columns.rows().any(|r| r[0] == Data::String("marts.training_run_cost".into())
            && r[1] == Data::String("gpus".into())
            && r[3] == Data::String("GPU cards used".into())),
        "{:?}",
        columns.rows().take(5).collect::<Vec<_>>()
    );
    let manifest: serde_json::Value = serde_json::from_str(&p.read("exports/manifest.json")).expect("manifest");
    let sheets: Vec<&str> =
        manifest["tables"].as_array().expect("tables").iter().filter_map(|t| t["sheet"].as_str()).collect();
    assert_eq!(sheets, ["marts.training_run_cost", "meta.claims"]);
}

#[test]
fn an_export_is_a_frictionless_data_package_that_validates() {
    let p = report_built();
    let out = p.file("exports");
    let run = p.baimo(&[
        "export",
        "staging.training_runs",
        "marts.training_run_cost",
        "meta.claims",
        "--format",
        "csv",
        "--out",
        out.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let package: serde_json::Value =
        serde_json::from_str(&p.read("exports/datapackage.json")).expect("datapackage.json");
    let resource = |name: &str| {
        package["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .find(|r| r["title"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no {name} in {package}"))
    };
    let runs = resource("staging.training_runs");
    assert_eq!(runs["schema"]["primaryKey"], serde_json::json!(["model"]), "{runs}");
    let gpus = runs["schema"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .find(|f| f["name"] == "gpus")
        .cloned()
        .expect("gpus field");
    assert_eq!((gpus["type"].as_str(), gpus["baimo:duckdbType"].as_str()), (Some("integer"), Some("BIGINT")), "{gpus}");
    assert!(gpus["description"].as_str().is_some_and(|d| !d.is_empty()), "{gpus}");
    assert!(resource("marts.training_run_cost")["description"]
        .as_str()
        .is_some_and(|d| d.starts_with("Cost of each training run")));
    assert!(package["baimo:runId"].is_string());

    // The validator (tools/frictionless makes its venv; `make test` runs it first) checks every
    // file against its schema: types, keys, row counts and hashes.
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/frictionless");
    let found = std::process::Command::new(&script).arg("--path").output().expect("run tools/frictionless");
    assert!(found.status.success(), "tools/frictionless failed:\n{}", String::from_utf8_lossy(&found.stderr));
    let frictionless = String::from_utf8_lossy(&found.stdout).trim().to_string();
    let check = |expect_valid: bool| {
        let v = std::process::Command::new(&frictionless)
            .args(["validate", "--json", "datapackage.json"])
            .current_dir(&out)
            .output()
            .expect("run frictionless");
        let report: serde_json::Value = serde_json::from_slice(&v.stdout).unwrap_or_else(|e| {
            panic!(
                "frictionless --json: {e}\n{}{}",
                String::from_utf8_lossy(&v.stdout),
                String::from_utf8_lossy(&v.stderr)
            )
        });
        assert_eq!(
            report["valid"].as_bool(),
            Some(expect_valid),
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
        report
    };
    check(true);
    // And the check can fail: a value that is not an integer in an integer column.
    let file = out.join("staging/training_runs.csv");
    let text = std::fs::read_to_string(&file).expect("csv");
    let stored: i64 = p
        .db()
        .query_row("select gpus from staging.training_runs where model = 'LLaMA-65B'", [], |r| r.get(0))
        .expect("gpus");
    let edited: String = text
        .lines()
        .map(|l| if l.starts_with("LLaMA-65B,") { l.replacen(&format!(",{stored},"), ",many,", 1) } else { l.to_string() } + "\n")
        .collect();
    assert_ne!(edited, text);
    std::fs::write(&file, edited).expect("write");
    // The package is refused for the value, not only for the file's changed hash: a type error
    // in field gpus.
    let report = check(false);
    let errors: Vec<&serde_json::Value> = report["tasks"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|t| t["errors"].as_array().into_iter().flatten())
        .collect();
    assert!(
        errors.iter().any(|e| e["type"] == "type-error" && e["fieldName"] == "gpus"),
        "no type error for gpus: {}",
        serde_json::to_string_pretty(&errors).unwrap_or_default()
    );
}

#[test]
fn completions_are_printed_for_each_shell() {
    let p = Project::new("good");
    for shell in ["bash", "zsh", "fish"] {
        let run = p.baimo(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        assert!(run.stdout.contains("baimo") && run.stdout.contains("refresh"), "{shell}");
    }
    // Each verdict completes as one word.
    let bash = p.baimo(&["completions", "bash"]).stdout;
    assert!(bash.contains("\"agrees bound disagrees not-checkable\""), "{}", crate::common::head(&bash, 200));
    // `trace` and `export` complete the project's tables: its sources, models and meta tables.
    let trace = bash.split("baimo__subcmd__trace)").nth(1).expect("a trace section");
    let trace = &trace[..trace.find(";;").unwrap_or(trace.len())];
    for table in ["staging.market", "staging.training_runs", "marts.training_run_cost", "meta.runs"] {
        assert!(trace.contains(table), "trace does not complete {table}:\n{trace}");
    }
}

#[test]
fn claims_take_each_verdict_in_one_word_or_as_the_warehouse_spells_it() {
    let p = report_built();
    let db = p.db();
    for (given, stored) in [
        ("bound", "agrees only as a bound"),
        ("not-checkable", "not checkable"),
        ("not checkable", "not checkable"),
        ("disagrees", "disagrees"),
    ] {
        let run = p.baimo(&["claims", "--status", given, "--format", "csv"]);
        assert_eq!(run.code, 0, "{given}: {}", run.stderr);
        let n: i64 = db.query_row("select count(*) from meta.claims where status = ?", [stored], |r| r.get(0)).unwrap();
        assert!(n > 0, "the report has {stored} claims");
        assert_eq!(run.stdout.lines().count() as i64, n + 1, "{given}");
        assert!(run.stdout.lines().skip(1).all(|l| l.contains(stored)), "{given}");
    }
    assert_eq!(p.baimo(&["claims", "--status", "maybe"]).code, 2);
}

#[test]
fn the_shell_runs_statements_dot_commands_and_survives_errors() {
    let p = report_built();
    // The interactive shell, in a real terminal: an error is printed and the shell goes on.
    let term = crate::common::Terminal::baimo_shell(&p);
    term.line(".tables");
    term.wait_for("marts.training_run_cost", 1);
    term.line("select 40 +");
    term.wait_for("...> ", 1);
    term.line("  2 as answer;");
    term.wait_for("42", 1);
    term.line("select * from nope;");
    term.wait_for("nope does not exist", 1);
    term.line(".mode csv");
    term.line("select model from marts.training_run_cost where gpus = 2048;");
    let screen = term.wait_for("LLaMA-65B", 1);
    assert!(screen.contains("error:") && screen.contains("read-only"), "{screen}");
    term.line(".quit");
    term.wait_for("shell-exited-0", 1);

    // The same lines piped: a script, which stops at its first error and fails.
    let run = p.baimo_stdin(
        &["sql"],
        ".mode csv\nselect 40 +\n  2 as answer;\nselect * from nope;\nselect 'not reached' as x;\n",
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.stdout, "answer\n42\n");
    run.assert_stderr_has(&["nope"]);
}

#[test]
fn the_report_renders_in_headless_chromium() {
    let p = report_built();
    let run = p.baimo(&["report"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html = p.read("warehouse/report/index.html");
    assert_eq!(html.matches("<svg").count(), 5, "five charts");
    assert_eq!(html.matches("Source 来源").count(), 5, "each chart cites its section");
    for label in ["中国大语言模型市场规模", "GPU-hours", "阿里巴巴", "讯飞星火", "Sora"] {
        assert!(html.contains(label), "{label} missing");
    }
    // What each chart plots is said: GPU-hours on a log axis, not a cost; interpolated years
    // dashed; capacity split by status.
    assert!(html.contains("log scale") && html.contains("it is not a cost"), "the training-run chart");
    // The growth chart's stated-CAGR line (vermillion) joins yearly points; drawn solid it is one
    // polyline (and one in the legend), dashed it is many short ones.
    let growth = &html[..html.find("</svg>").expect("the growth chart")];
    let pieces = growth.matches("<polyline").count();
    let vermillion = growth.split("<polyline").filter(|p| p.contains("stroke=\"#D55E00\"")).count();
    assert!(vermillion > 10, "interpolated years are not dashed ({vermillion} of {pieces} polylines)");
    for status in ["built 已建成", "planned 规划", "status not given 状态未知"] {
        assert!(html.contains(status), "the capacity chart has no {status}");
    }
    // The page names the run that built the warehouse it charts.
    let run_id: String = p
        .db()
        .query_row("select id from meta.runs where status = 'success' order by finished_at desc limit 1", [], |r| {
            r.get(0)
        })
        .expect("run");
    assert!(html.contains(&format!("run <code>{run_id}</code>")), "the page does not name run {run_id}");
    let Some(chromium) = crate::common::Chromium::find() else { return };
    let page = format!("file://{}", p.file("warehouse/report/index.html").display());
    let shot = p.file("warehouse/report/screenshot.png");
    let dom = chromium.dom(&page);
    assert_eq!(dom.matches("<figure").count(), 5, "chromium did not load the page: {}", crate::common::head(&dom, 500));
    let size = chromium.screenshot(&page, &shot, 1100, 5200);
    assert!(size > 50_000, "the screenshot is {size} bytes");
    if let Ok(keep) = std::env::var("BAIMO_KEEP_SCREENSHOT") {
        let _ = std::fs::copy(&shot, keep);
    }
}
