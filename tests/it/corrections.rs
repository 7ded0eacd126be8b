//! The corrections register (issue 14 §2): a slip of the report corrected on the record. The
//! staged value is the corrected one, the raw text stays as printed, meta.corrections says where
//! it applied, and a correction whose reason is gone fails the build, naming it.

use crate::common::Project;

const CORRECTION: &str = r#"[[correction]]
id = "market.size.2023.typo"
source = "market"
key = { id = "market.size.2023" }
column = "value"
expect = "132.3亿元"
value = "133.3亿元"
reason = "test: the chart gives 133.3"
status = "open"
"#;

#[test]
fn a_correction_stages_the_corrected_value_and_keeps_the_printed_text() {
    let p = Project::built("good");
    p.write("pipelines/corrections.toml", CORRECTION);
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        p.csv("select value_low::bigint as v, value_raw from staging.market where id = 'market.size.2023'"),
        "v,value_raw\n13330000000,132.3亿元\n"
    );
    assert_eq!(
        p.csv("select id, cell, status, applied from meta.corrections"),
        "id,cell,status,applied\nmarket.size.2023.typo,E2,open,applied\n"
    );
    // The change it made is on the record too.
    run.assert_stderr_has(&["changes: market: 1 value changed"]);
    // Tracing the row shows the cell as printed, the corrected value and the correction.
    let run = p.baimo(&["trace", "staging.market", "--where", "id = 'market.size.2023'", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let cell =
        v["rows"][0]["cells"].as_array().expect("cells").iter().find(|c| c["cell"] == "E2").cloned().expect("E2");
    assert_eq!(cell["raw"], "132.3亿元");
    assert!(cell["parsed"].as_str().unwrap().contains("13330000000"), "{cell}");
    let correction = cell["correction"].as_str().expect("the correction");
    assert!(
        correction.contains("132.3亿元")
            && correction.contains("133.3亿元")
            && correction.contains("market.size.2023.typo"),
        "{correction}"
    );
    let text = p.baimo(&["trace", "staging.market", "--where", "id = 'market.size.2023'"]).stdout;
    assert!(text.contains("correction: raw/market.csv E2: corrected from 132.3亿元 to 133.3亿元"), "{text}");
    // The data dictionary lists the register as it applied.
    let run = p.baimo(&["docs"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let md = p.read("warehouse/docs/index.md");
    assert!(md.contains("## Corrections"), "{md}");
    assert!(md.contains("| market.size.2023.typo | market | E2 | value | 132.3亿元 | 133.3亿元 | test: the chart gives 133.3 | open | applied |"), "{md}");
}

#[test]
fn a_correction_that_outlived_its_reason_fails_the_build() {
    let p = Project::built("good");
    p.write("pipelines/corrections.toml", CORRECTION);
    assert_eq!(p.baimo(&["build"]).code, 0);
    let before = p.warehouse_sha256();
    // The transcription changed: the cell no longer says what the correction expects.
    p.edit("raw/market.csv", "132.3亿元", "134.3亿元");
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    run.assert_stderr_has(&["pipelines/corrections.toml", "market.size.2023.typo", "raw/market.csv E2", "134.3亿元"]);
    assert_eq!(p.warehouse_sha256(), before);
    // The row is gone.
    p.edit("raw/market.csv", "market.size.2023,", "market.size.2022,");
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    run.assert_stderr_has(&["market.size.2023.typo", "has no row with id = market.size.2023"]);
    // A key that is not the primary key, or an unknown column, is refused when the register loads.
    p.write("pipelines/corrections.toml", &CORRECTION.replace("key = { id =", "key = { metric ="));
    let run = p.baimo(&["check"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    run.assert_stderr_has(&["the key must name the primary key"]);
    p.write("pipelines/corrections.toml", &CORRECTION.replace("column = \"value\"", "column = \"valu\""));
    let run = p.baimo(&["check"]);
    run.assert_stderr_has(&["has no column `valu`"]);
}

/// Correcting a 万/亿 slip moves the value ten-thousandfold: the corrected column is exempt from
/// the magnitude check that would otherwise stop it.
#[test]
fn a_correction_of_a_magnitude_slip_is_not_stopped_by_the_magnitude_check() {
    let p = Project::built("good");
    p.write("pipelines/corrections.toml", &CORRECTION.replace("value = \"133.3亿元\"", "value = \"132.3万元\""));
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        p.csv("select value_low::bigint as v from staging.market where id = 'market.size.2023'"),
        "v\n1323000\n"
    );
}
