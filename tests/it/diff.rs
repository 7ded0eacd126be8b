//! `baimo diff` and the change summary of a build (issue 14 §1): a changed cell is named with
//! its file, cell and text before and after; rows added are counted; the detail is kept in the
//! new warehouse as meta.changes and the summary in the run log.

use crate::common::Project;

#[test]
fn a_changed_cell_is_named_with_its_old_and_new_text() {
    let p = Project::built("good");
    p.edit("raw/market.csv", "132.3亿元", "133.3亿元");
    let run = p.baimo(&["diff", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let changes: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let value = changes
        .as_array()
        .expect("array")
        .iter()
        .find(|c| c["kind"] == "changed")
        .unwrap_or_else(|| panic!("no changed value in {changes}"));
    assert_eq!(value["table"], "staging.market");
    assert_eq!(value["cell"], "raw/market.csv E2");
    assert_eq!((value["old"].as_str(), value["new"].as_str()), (Some("132.3亿元"), Some("133.3亿元")));
    run.assert_stderr_has(&["market: 1 value changed (raw/market.csv E2 132.3亿元 → 133.3亿元)", "model"]);
    // diff publishes nothing.
    assert_eq!(p.csv("select value_raw from staging.market where _row = 2"), "value_raw\n132.3亿元\n");

    // The build says the same, and keeps the detail.
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stderr_has(&["changes: market: 1 value changed"]);
    assert_eq!(
        p.csv("select kind, cell, old, new from meta.changes where kind = 'changed'"),
        "kind,cell,old,new\nchanged,raw/market.csv E2,132.3亿元,133.3亿元\n"
    );
    let last = p.read("warehouse/runs.jsonl").lines().last().unwrap_or_default().to_string();
    assert!(last.contains("1 value changed"), "{last}");

    // Nothing changed: it says so.
    let run = p.baimo(&["diff"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stderr_has(&["no change from the published warehouse"]);
}

#[test]
fn rows_added_and_two_files_compared() {
    let p = Project::built("good");
    let old = p.file("old.duckdb");
    std::fs::copy(p.warehouse(), &old).expect("copy");
    let csv = p.read("raw/market.csv");
    let extra = csv.lines().nth(1).expect("a row").replacen("market.size.2023", "market.size.2022", 1);
    p.write("raw/market.csv", &format!("{csv}{extra}\n"));
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stderr_has(&["market: 1 row added"]);
    let run = p.baimo(&["diff", "--format", "csv", &old.display().to_string(), &p.warehouse().display().to_string()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("staging.market,added,id = market.size.2022"), "{}", run.stdout);
}

#[test]
fn max_changed_stops_a_build_that_changes_too_much() {
    let p = Project::built("good");
    p.edit("pipelines/sources/market.toml", "on_error = \"fail\"", "on_error = \"fail\"\nmax_changed = 1");
    let before = p.warehouse_sha256();
    p.edit("raw/market.csv", "132.3亿元", "133.3亿元");
    p.edit("raw/market.csv", "50.6%", "51.6%");
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.assert_stderr_has(&["staging.market: 2 of", "max_changed = 1", "pipelines/sources/market.toml"]);
    assert_eq!(p.warehouse_sha256(), before, "nothing is published");
    p.edit("raw/market.csv", "51.6%", "50.6%");
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 0, "one change is within the limit: {}", run.stderr);
}

/// A 万 read as 亿 (issue 14 §3): a value that moves by more than the contract's max_factor
/// (default 10×) from the published warehouse fails the build, naming both texts.
#[test]
fn a_magnitude_slip_against_the_published_value_fails_the_build() {
    let p = Project::built("good");
    let before = p.warehouse_sha256();
    p.edit("raw/market.csv", "132.3亿元", "132.3万元");
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.assert_stderr_has(&["magnitude:staging.market.value_low", "132.3亿元", "132.3万元"]);
    assert_eq!(p.warehouse_sha256(), before);
    // A contract may widen or switch off the check.
    p.edit("pipelines/sources/market.toml", "on_error = \"fail\"", "on_error = \"fail\"\nmax_factor = 0");
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// A contract that gains a column is a schema change, and the values both builds have are still
/// compared; `baimo diff` lists changes over max_changed instead of failing on them.
#[test]
fn a_new_column_is_a_schema_change_and_diff_reports_what_a_build_would_refuse() {
    let p = Project::built("good");
    p.edit("pipelines/sources/market.toml", "on_error = \"fail\"", "on_error = \"fail\"\nmax_changed = 0");
    p.edit(
        "pipelines/sources/market.toml",
        "[[columns]]\nname = \"id\"",
        "[[columns]]\nname = \"note\"\ntype = \"text\"\n\n[[columns]]\nname = \"id\"",
    );
    let csv = p.read("raw/market.csv").replace("132.3亿元", "133.3亿元");
    let with_note: Vec<String> =
        csv.lines().enumerate().map(|(i, l)| format!("{l},{}", if i == 0 { "note" } else { "n" })).collect();
    p.write("raw/market.csv", &(with_note.join("\n") + "\n"));
    let run = p.baimo(&["diff", "--format", "csv"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("staging.market,column_added,,note"), "{}", run.stdout);
    assert!(
        run.stdout.contains("staging.market,changed,id = market.size.2023,value,raw/market.csv E2,132.3亿元,133.3亿元"),
        "{}",
        run.stdout
    );
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 1, "max_changed = 0 stops the build: {}", run.stderr);
}

/// A model whose sidecar gives it a key (a column tested `unique` and `not_null`) is compared
/// row by row: each value that moved, with the row's key; one without is compared as rows.
#[test]
fn a_keyed_model_shows_each_value_that_moved() {
    let p = Project::new("good");
    p.write("pipelines/models/marts/sizes.sql", "select id, value_low from staging.market\n");
    p.write("pipelines/models/marts/sizes.toml", "[[columns]]\nname = \"id\"\ntests = [\"not_null\", \"unique\"]\n");
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    p.edit("raw/market.csv", "132.3亿元", "133.3亿元");
    let run = p.baimo(&["diff", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let changes: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let of = |table: &str| -> Vec<serde_json::Value> {
        changes.as_array().expect("array").iter().filter(|c| c["table"] == table).cloned().collect()
    };
    let sizes = of("marts.sizes");
    assert_eq!(sizes.len(), 1, "{changes}");
    assert_eq!(
        (sizes[0]["kind"].as_str(), sizes[0]["key"].as_str(), sizes[0]["column"].as_str()),
        (Some("changed"), Some("id = market.size.2023"), Some("value_low"))
    );
    let (old, new) = (sizes[0]["old"].as_str().unwrap_or_default(), sizes[0]["new"].as_str().unwrap_or_default());
    assert_eq!((old.parse::<f64>().ok(), new.parse::<f64>().ok()), (Some(13230000000.0), Some(13330000000.0)));
    // marts.market_growth has no key: its row is replaced.
    let growth: Vec<String> =
        of("marts.market_growth").iter().map(|c| c["kind"].as_str().unwrap_or_default().to_string()).collect();
    assert_eq!(growth, ["rows_added", "rows_removed"], "{changes}");
    run.assert_stderr_has(&["market: 1 value changed", "2 models changed"]);
}
