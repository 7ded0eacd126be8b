//! Audit: every check of the project run against the build database before anything is
//! published. Results go to `meta.test_results`; a failing check of severity `error` blocks the
//! publish.

use super::meta;
use super::publish::{RunRecord, Stage};
use crate::checks::{self, Check};
use crate::error::{Error, Result};
use crate::load;
use crate::project::Project;
use crate::render;
use crate::spec::Severity;
use duckdb::Connection;
use std::collections::BTreeMap;
use std::time::Instant;

#[derive(Debug, Clone)]
pub struct Outcome {
    pub check: Check,
    /// `pass`, `fail` or `error` (the query itself failed).
    pub status: &'static str,
    pub failing_rows: i64,
    pub sample: String,
}

impl Outcome {
    pub fn blocks(&self) -> bool {
        self.status != "pass" && self.check.severity == Severity::Error
    }
}

/// The audit stage: the contracts' and sidecars' column tests and the SQL audits, counted, their
/// outcomes written to `meta.test_results` (in their own transaction), and an error when a
/// blocking test fails. Read-only queries, outside any transaction (in one, a query that fails
/// would abort it).
pub fn audit(conn: &Connection, project: &Project, record: &mut RunRecord, published: bool) -> Result<Vec<Outcome>> {
    let t = Instant::now();
    let mut all = Vec::new();
    let published_columns = if published { super::diff::published_columns(conn)? } else { Default::default() };
    for c in &project.contracts {
        all.extend(checks::contract_checks(c)?);
        // Against the published warehouse, where it holds this source (with the same columns).
        if published {
            // A corrected column is exempt: fixing a 万/亿 slip is exactly such a move.
            let corrected: Vec<&str> =
                project.corrections.iter().filter(|k| k.source == c.name).map(|k| k.column.as_str()).collect();
            let published = published_columns.get(&c.name).map(Vec::as_slice).unwrap_or_default();
            all.extend(checks::magnitude_checks(c, published).into_iter().filter(|check| {
                let column = check.column.as_deref().unwrap_or_default();
                !corrected.iter().any(|k| column == *k || column.starts_with(&format!("{k}_")))
            }));
        }
    }
    for m in &project.models {
        all.extend(checks::model_checks(m)?);
    }
    all.extend(project.audits.iter().cloned());
    let outcomes = run_all(conn, all);
    load::in_transaction(conn, || meta::write_test_results(conn, &record.id, &outcomes))?;
    record.stages.push(Stage {
        stage: "audit".into(),
        seconds: t.elapsed().as_secs_f64(),
        rows: outcomes.len() as u64,
    });
    let blocking: Vec<&Outcome> = outcomes.iter().filter(|o| o.blocks()).collect();
    if !blocking.is_empty() {
        return Err(tests_failed(&blocking));
    }
    Ok(outcomes)
}

/// The error for tests that block publishing, each with a sample of its failing rows.
fn tests_failed(blocking: &[&Outcome]) -> Error {
    let details: Vec<String> = blocking
        .iter()
        .map(|o| {
            let what = if o.status == "error" {
                "could not run".to_string()
            } else {
                crate::error::count(o.failing_rows as usize, "failing row")
            };
            let sample = if o.sample.is_empty() {
                String::new()
            } else {
                format!("\n      {}", o.sample.replace('\n', "\n      "))
            };
            format!("  {} ({}): {what}{sample}", o.check.name, o.check.declared_in)
        })
        .collect();
    Error::TestsFailed { count: blocking.len(), details: details.join("\n") }
}

/// Runs every check. Each DuckDB statement has a fixed cost and a project has hundreds of
/// checks, so the failing-row counts come from a few statements ([`super::union_by_index`], 16
/// parts each): the row-level tests of a table (or of the join of a published and a new table
/// that the magnitude checks read) are counted in one scan (`count(*) filter (where …)`), the
/// others each by their own subquery. If any of them fails, the checks run one by one, so the
/// one that cannot run is named.
pub fn run_all(conn: &Connection, checks: Vec<Check>) -> Vec<Outcome> {
    if checks.is_empty() {
        return Vec::new();
    }
    let mut by_table: BTreeMap<&str, Vec<(usize, &str)>> = BTreeMap::new();
    let mut parts = Vec::new();
    for (i, c) in checks.iter().enumerate() {
        match &c.predicate {
            Some((table, condition)) => by_table.entry(table.as_str()).or_default().push((i, condition)),
            None => parts.push(format!("select {i} as i, count(*) as n from ({}\n)", c.failing_sql)),
        }
    }
    for (target, tests) in &by_table {
        let ids: Vec<String> = tests.iter().map(|(i, _)| i.to_string()).collect();
        let counts: Vec<String> = tests.iter().map(|(_, p)| format!("count(*) filter (where {p})")).collect();
        parts.push(format!(
            "select unnest([{}]) as i, unnest([{}]) as n from {target}",
            ids.join(", "),
            counts.join(", ")
        ));
    }
    match super::union_by_index(conn, &parts, "n") {
        Ok(counts) if counts.len() == checks.len() && counts.iter().enumerate().all(|(k, (i, _))| *i == k as i64) => {
            checks.into_iter().zip(counts).map(|(check, (_, n))| outcome(conn, check, Ok(n))).collect()
        }
        _ => checks.into_iter().map(|c| run(conn, c)).collect(),
    }
}

/// Runs one check: how many rows fail, and a few of them as text.
fn run(conn: &Connection, check: Check) -> Outcome {
    let count_sql = format!("select count(*) from ({}\n)", check.failing_sql);
    let count = conn.query_row(&count_sql, [], |r| r.get::<_, i64>(0));
    outcome(conn, check, count)
}

fn outcome(conn: &Connection, check: Check, count: duckdb::Result<i64>) -> Outcome {
    match count {
        Ok(0) => Outcome { check, status: "pass", failing_rows: 0, sample: String::new() },
        Ok(n) => {
            let sample = render::query(conn, &format!("{}\nlimit 5", check.failing_sql))
                .map(|t| {
                    let mut buf = Vec::new();
                    let _ = t.write(render::Format::Csv, &mut buf);
                    String::from_utf8_lossy(&buf).trim_end().to_string()
                })
                .unwrap_or_default();
            Outcome { check, status: "fail", failing_rows: n, sample }
        }
        Err(e) => Outcome { check, status: "error", failing_rows: -1, sample: e.to_string() },
    }
}
