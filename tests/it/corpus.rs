//! The bad-input corpus (tests/fixtures/bad, written by tests/fixtures/make_bad_corpus.py):
//! every case fails with its exit code and a message naming the file, the sheet/cell or line
//! and the rule; nothing panics; the published warehouse stays byte-identical.

use crate::common::{fixture, Project};
use std::collections::BTreeMap;

#[derive(serde::Deserialize)]
struct Cases {
    case: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    name: String,
    files: BTreeMap<String, String>,
    code: i32,
    expect: Vec<String>,
    #[serde(default)]
    #[allow(dead_code)]
    note: String,
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(fixture("bad").join("cases.toml")).expect("cases.toml");
    toml::from_str::<Cases>(&text).expect("cases.toml parses").case
}

#[test]
fn every_bad_input_gets_a_clear_error_and_changes_nothing() {
    let cases = cases();
    assert!(cases.len() >= 50, "only {} cases", cases.len());
    let (mut clear, mut panics, mut changed) = (0, 0, 0);
    let mut failures = Vec::new();
    for case in &cases {
        let p = Project::new("good");
        let first = p.baimo(&["build"]);
        assert_eq!(first.code, 0, "the good fixture must build: {}", first.stderr);
        let before = p.warehouse_sha256();
        for (target, source) in &case.files {
            let to = p.file(target);
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent).expect("mkdir");
            }
            std::fs::copy(fixture("bad").join(source), &to).expect("put the corpus file in place");
        }
        let run = p.baimo(&["build"]);
        let panicked = run.code == 101 || run.stderr.contains("panicked");
        panics += panicked as usize;
        let same = p.warehouse_sha256() == before;
        changed += (!same) as usize;
        let missing: Vec<&String> = case.expect.iter().filter(|e| !run.stderr.contains(e.as_str())).collect();
        // A failed build (exit 1) is in the run log with its reason; a spec error (exit 2) stops
        // before a run starts.
        let logged = case.code != 1
            || p.read("warehouse/runs.jsonl").lines().last().is_some_and(|l| l.contains("\"status\":\"failed\""));
        if run.code == case.code && missing.is_empty() && !panicked && same && logged && p.build_leftovers().is_empty()
        {
            clear += 1;
        } else {
            failures.push(format!(
                "{}: exit {} (want {}), missing {:?}, warehouse {}, failed run logged: {logged}\n{}",
                case.name,
                run.code,
                case.code,
                missing,
                if same { "unchanged" } else { "CHANGED" },
                crate::common::head(&run.stderr, 1500)
            ));
        }
    }
    eprintln!(
        "bad-input corpus: {} inputs tried, {clear} clear errors, {panics} panics, {changed} warehouses changed",
        cases.len()
    );
    assert!(failures.is_empty(), "{} case(s) failed:\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn the_clean_typed_file_passes_so_each_value_case_tests_one_cell() {
    let p = Project::new("good");
    std::fs::copy(fixture("bad").join("typed.toml"), p.file("pipelines/sources/market.toml")).expect("contract");
    std::fs::copy(fixture("bad").join("values/clean.csv"), p.file("raw/market.csv")).expect("csv");
    let run = p.baimo(&["check"]);
    // The fixture's models read columns the typed contract does not have; validation itself
    // must report nothing.
    assert!(!run.stderr.contains("[rule:"), "{}", run.stderr);
}

#[test]
fn a_symlink_out_of_the_project_is_refused() {
    let p = Project::new("good");
    let outside = tempfile::tempdir().expect("tempdir");
    std::fs::write(outside.path().join("secret.csv"), p.read("raw/market.csv")).expect("write");
    std::fs::remove_file(p.file("raw/market.csv")).expect("rm");
    std::os::unix::fs::symlink(outside.path().join("secret.csv"), p.file("raw/market.csv")).expect("symlink");
    let run = p.baimo(&["check"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("pipelines/sources/market.toml") && run.stderr.contains("outside the project"),
        "{}",
        run.stderr
    );
}
