//! The kinds of transcription slip an independent check of raw/ found (issue 11 §2), each
//! tested over the whole published report project so that none can come back: a qualifier
//! dropped, a scale dropped, a different kind of thing in a general column, a date's month lost,
//! one of two figures for the same thing dropped.

use crate::common::Project;
use duckdb::Connection;

fn db() -> Connection {
    Project::report_built().db()
}

/// `(table, column)` of every staged column whose name ends with `suffix`.
fn columns(db: &Connection, suffix: &str) -> Vec<(String, String)> {
    let mut stmt = db
        .prepare("select table_name, column_name from duckdb_columns() where schema_name = 'staging' and column_name like '%' || ? order by 1, 2")
        .expect("columns");
    stmt.query_map([suffix], |r| Ok((r.get(0)?, r.get(1)?))).expect("columns").map(|r| r.expect("row")).collect()
}

/// Rows of `sql` as text, for failure messages.
fn rows(db: &Connection, sql: &str) -> Vec<String> {
    let mut stmt = db.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    stmt.query_map([], |r| r.get::<_, String>(0)).expect("query").map(|r| r.expect("row")).collect()
}

#[test]
fn no_qualifier_is_dropped() {
    let db = db();
    let raws = columns(&db, "_raw");
    // The qualifier a bound column stages (a text column of that name is something else).
    let qualified: Vec<(String, String)> = columns(&db, "_qualifier")
        .into_iter()
        .filter(|(t, c)| raws.contains(&(t.clone(), format!("{}_raw", c.trim_end_matches("_qualifier")))))
        .collect();
    assert!(qualified.len() > 10, "{qualified:?}");
    let mut bad = Vec::new();
    for (table, column) in qualified {
        let stem = column.trim_end_matches("_qualifier");
        // Words that qualify a figure: a cell holding one is never staged as exact.
        bad.extend(rows(
            &db,
            &format!(
                "select '{table}.{stem}: ' || {stem}_raw from staging.{table} \
                 where {column} = '=' and regexp_matches({stem}_raw, '超过|超|突破|以上|近|约|多|余|\\+|不足|不到|逾|左右|数')"
            ),
        ));
    }
    // And no typed figure elsewhere hides one: a qualified figure in a plain number column would
    // have been rejected by the parser, so the only way in is a bound column.
    assert!(bad.is_empty(), "qualifiers staged as exact: {bad:?}");
    // The example the check found: 7,500+个 is more than 7,500.
    assert_eq!(rows(&db, "select value_qualifier from staging.case_facts where id = 'case.appen.ai_projects'"), [">"]);
}

#[test]
fn no_scale_is_dropped() {
    let db = db();
    let mut bad = Vec::new();
    for (table, raw) in columns(&db, "_raw") {
        let stem = raw.trim_end_matches("_raw");
        let typed: Vec<String> = rows(
            &db,
            &format!(
                "select column_name from duckdb_columns() where schema_name = 'staging' and table_name = '{table}' \
                 and column_name in ('{stem}', '{stem}_low') and data_type in ('DOUBLE', 'BIGINT')"
            ),
        );
        let Some(value) = typed.first() else { continue };
        // A figure with 万, 亿 or k (and no denominator after `/`) is at least a thousand.
        bad.extend(rows(
            &db,
            &format!(
                "select '{table}.{stem}: ' || {raw} || ' → ' || {value}::varchar from staging.{table} \
                 where regexp_matches({raw}, '[0-9](\\.[0-9]+)?\\s*(万|亿|k|K)') and {raw} not like '%/%' and abs({value}) < 1000"
            ),
        ));
    }
    assert!(bad.is_empty(), "scales dropped: {bad:?}");
    assert_eq!(
        rows(
            &db,
            "select value_low::bigint::varchar from staging.case_facts where id = 'case.intellifusion.context_window'"
        ),
        ["300000"]
    );
}

#[test]
fn a_different_kind_of_thing_has_its_own_column() {
    let db = db();
    // 本地存储服务器 (storage servers) are not the centre's servers.
    assert_eq!(
        rows(&db, "select storage_servers_raw from staging.compute_centres where storage_servers_raw is not null"),
        ["30000台"]
    );
    assert!(columns(&db, "servers").iter().all(|(t, c)| !(t == "compute_centres" && c == "servers")));
}

#[test]
fn no_month_is_lost() {
    let db = db();
    let mut bad = Vec::new();
    for (table, _) in columns(&db, "month").into_iter().filter(|(_, c)| c == "month") {
        // The printed date names a month: the row keeps it, in the date or in `month`.
        let printed: Vec<String> = rows(
            &db,
            &format!(
                "select column_name from duckdb_columns() where schema_name = 'staging' and table_name = '{table}' \
                 and column_name in ('when_printed', 'date_text')"
            ),
        );
        let Some(printed) = printed.first() else { continue };
        bad.extend(rows(
            &db,
            &format!(
                "select '{table}: ' || {printed} from staging.{table} \
                 where regexp_matches({printed}, '[0-9]月') and month is null and date_precision not in ('month', 'day')"
            ),
        ));
    }
    assert!(bad.is_empty(), "months lost: {bad:?}");
    let insight = rows(
        &db,
        "select count(*)::varchar from staging.events_trends where id like 'evt.insight%' and month is not null",
    );
    assert_ne!(insight, ["0"], "the InsightGPT events keep their months");
}

#[test]
fn both_figures_for_one_thing_are_kept() {
    let db = db();
    // CAICT gives Huawei two grades in one sentence: both rows, and a claim that says so.
    assert_eq!(
        rows(
            &db,
            "select grade from staging.evaluations where evaluation = 'caict' and vendor = '华为' order by grade"
        ),
        ["4+级", "5级"]
    );
    assert_eq!(rows(&db, "select status from meta.claims where id = 'caict.grades.华为'"), ["disagrees"]);
    // Two 2023 market sizes, a floor and a figure.
    assert_eq!(
        rows(&db, "select value_raw from staging.market_facts where id like 'market.llm_size.2023%' order by id"),
        ["132.3亿元", "突破100亿元"]
    );
}
