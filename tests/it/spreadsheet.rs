//! Reading rules (issue 14 §4): a spreadsheet cell is staged as the spreadsheet shows it, and a
//! contract's `trim` and `missing` settings decide what counts as a value. The workbook is
//! written here with rust_xlsxwriter (number formats as Excel stores them) and read by the
//! real binary.

use crate::common::Project;
use rust_xlsxwriter::{Format, Workbook};

const CELLS_TOML: &str = r#"description = "Spreadsheet cells of every kind"
ref = "test"
file = "raw/cells.xlsx"
sheet = "cells"
primary_key = ["label"]

[[columns]]
name = "label"
type = "text"
required = true

[[columns]]
name = "shown"
type = "text"
"#;

/// (label, the cell's serial number, its number format, what the staged text must be).
const CELLS: &[(&str, f64, &str, &str)] = &[
    ("long_float", 1.0413926851582251, "General", "1.04139268515823"),
    ("noisy_float", 123456789.123456, "General", "123456789.123456"),
    ("tiny", 1e-13, "General", "0.0000000000001"),
    ("whole", 2048.0, "General", "2048"),
    // 255:10:10 as a fraction of days, under a duration format.
    ("duration", (255.0 * 3600.0 + 10.0 * 60.0 + 10.0) / 86400.0, "[h]:mm:ss", "255:10:10"),
    ("time_of_day", 0.42, "h:mm:ss", "10:04:48"),
    ("date", 45352.0, "yyyy-mm-dd", "2024-03-01"),
    ("date_time", 45352.0 + 10.0 / 24.0, "yyyy-mm-dd hh:mm:ss", "2024-03-01 10:00:00"),
];

fn write_workbook(p: &Project) {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("cells").expect("sheet name");
    sheet.write_string(0, 0, "label").expect("header");
    sheet.write_string(0, 1, "shown").expect("header");
    for (i, (label, value, format, _)) in CELLS.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, *label).expect("label");
        sheet.write_number_with_format(row, 1, *value, &Format::new().set_num_format(*format)).expect("cell");
    }
    book.save(p.file("raw/cells.xlsx")).expect("save workbook");
}

#[test]
fn workbook_cells_are_staged_as_the_spreadsheet_shows_them() {
    let p = Project::new("good");
    write_workbook(&p);
    p.write("pipelines/sources/cells.toml", CELLS_TOML);
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let staged = p.csv("select label, shown from staging.cells order by _row");
    for (label, _, format, expected) in CELLS {
        let line = format!("{label},{expected}");
        assert!(staged.lines().any(|l| l == line), "{label} ({format}) should stage as {expected}:\n{staged}");
    }
}

const READING_TOML: &str = r#"description = "Reading rules"
ref = "test"
file = "raw/reading.csv"
primary_key = ["id"]
TRIM
MISSING

[[columns]]
name = "id"
type = "text"
required = true

[[columns]]
name = "label"
type = "text"

[[columns]]
name = "count"
type = "integer"
"#;

fn reading_project(trim: &str, missing: &str, csv: &str) -> Project {
    let p = Project::new("good");
    p.write("pipelines/sources/reading.toml", &READING_TOML.replace("TRIM", trim).replace("MISSING", missing));
    p.write("raw/reading.csv", csv);
    p
}

#[test]
fn by_default_text_is_trimmed_and_dashes_and_na_are_missing() {
    let p = reading_project("", "", "id,label,count\na,  padded  ,N/A\nb,N/A,—\nc,   ,7\n");
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rows = p.csv("select id, coalesce(label, 'NULL') l, coalesce(count::varchar, 'NULL') n, count_raw from staging.reading order by id");
    let body: Vec<&str> = rows.lines().skip(1).collect();
    assert_eq!(body, ["a,padded,NULL,N/A", "b,NULL,NULL,—", "c,NULL,7,7"], "{rows}");
}

#[test]
fn a_contract_sets_its_own_trim_and_missing_texts() {
    let p = reading_project(
        "trim = false",
        r#"missing = ["不详"]"#,
        "id,label,count\na,  padded  ,不详\nb,N/A,3\nc,   ,7\n",
    );
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rows = p.csv("select id, '[' || coalesce(label, 'NULL') || ']' l, coalesce(count::varchar, 'NULL') n from staging.reading order by id");
    let body: Vec<&str> = rows.lines().skip(1).collect();
    // Whitespace kept, `N/A` a value like any other text, `不详` the contract's missing text.
    assert_eq!(body, ["a,[  padded  ],NULL", "b,[N/A],3", "c,[   ],7"], "{rows}");

    // In a numeric column a default missing text the contract's list leaves out is rejected,
    // naming the cell, the rule and the list.
    p.write("raw/reading.csv", "id,label,count\na,x,N/A\n");
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.assert_stderr_has(&["raw/reading.csv", "cell C2", "[rule: missing]", "N/A", "`不详`"]);
}
