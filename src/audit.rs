//! Audit: column tests (from contracts and model sidecars) and SQL audits, run against the
//! build database before anything is published. Results go to `meta.test_results`; a failing
//! test of severity `error` blocks the publish.
//!
//! An audit is `pipelines/audits/<name>.sql`: a query returning the rows that break a rule, so
//! zero rows is a pass. A first line `-- severity: warn` makes it non-blocking.

use crate::error::{Error, Location, Result};
use crate::model::Model;
use crate::render;
use crate::spec::{quote, ColumnTest, ColumnType, Contract, Severity};
use duckdb::Connection;
use std::collections::BTreeMap;
use std::path::Path;

/// One test to run: a query counting failing rows, and one showing a few of them.
#[derive(Debug, Clone)]
pub struct Check {
    pub name: String,
    pub kind: &'static str,
    pub target: String,
    pub column: Option<String>,
    pub severity: Severity,
    /// Selects the failing rows.
    pub failing_sql: String,
    /// For a row-level test, (the quoted table, the condition a failing row meets): such tests
    /// on one table are counted in a single scan.
    pub predicate: Option<(String, String)>,
    /// Where the test was declared.
    pub declared_in: String,
}

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

fn table(schema: &str, name: &str) -> String {
    format!("{}.{}", quote(schema), quote(name))
}

fn column_check(test: &ColumnTest, schema: &str, name: &str, column: &str, declared_in: &str) -> Result<Check> {
    let t = table(schema, name);
    let c = quote(column);
    let (failing_sql, predicate) = match test {
        ColumnTest::NotNull => rows_where(&t, format!("{c} is null")),
        ColumnTest::Unique => {
            (format!("select {c}, count(*) as n from {t} where {c} is not null group by {c} having count(*) > 1"), None)
        }
        ColumnTest::AcceptedValues { values, .. } => {
            let list: Vec<String> = values.iter().map(|v| format!("'{}'", v.replace('\'', "''"))).collect();
            rows_where(&t, format!("{c} is not null and {c}::varchar not in ({})", list.join(", ")))
        }
        ColumnTest::Range { min, max, .. } => {
            let mut conds = Vec::new();
            if let Some(m) = min {
                conds.push(format!("{c} < {m}"));
            }
            if let Some(m) = max {
                conds.push(format!("{c} > {m}"));
            }
            if conds.is_empty() {
                return Err(Error::spec(
                    Location::file(declared_in),
                    format!("range test on `{column}` needs min or max"),
                ));
            }
            rows_where(&t, conds.join(" or "))
        }
        ColumnTest::Relationships { to, .. } => {
            let parts: Vec<&str> = to.split('.').collect();
            let [s2, t2, c2] = parts[..] else {
                return Err(Error::spec(
                    Location::file(declared_in),
                    format!("relationships `to` must be schema.table.column, found `{to}`"),
                ));
            };
            let sql = format!(
                "select * from {t} as child where child.{c} is not null and not exists \
                 (select 1 from {} as parent where parent.{} = child.{c})",
                table(s2, t2),
                quote(c2)
            );
            (sql, None)
        }
    };
    Ok(Check {
        name: format!("{}:{schema}.{name}.{column}", test.name()),
        kind: "column_test",
        target: format!("{schema}.{name}"),
        column: Some(column.to_string()),
        severity: test.severity(),
        failing_sql,
        predicate,
        declared_in: declared_in.to_string(),
    })
}

/// A row-level test: the query selecting its failing rows, and their condition.
fn rows_where(table: &str, condition: String) -> (String, Option<(String, String)>) {
    (format!("select * from {table} where {condition}"), Some((table.to_string(), format!("({condition})"))))
}

/// The checks a contract implies on its staged table: required, primary key, values, ranges,
/// references. Validation already enforced most of them per cell; re-running them on the loaded
/// table proves the warehouse holds what the contract says, and `references` can only be
/// checked here, once every table is loaded.
pub fn contract_checks(contract: &Contract) -> Result<Vec<Check>> {
    let mut out = Vec::new();
    let (s, n, p) = ("staging", contract.name.as_str(), contract.path.as_str());
    for col in &contract.columns {
        let presence = crate::validate::presence_column(col);
        if col.required {
            out.push(column_check(&ColumnTest::NotNull, s, n, &presence, p)?);
        }
        if let Some(values) = &col.values {
            out.push(column_check(
                &ColumnTest::AcceptedValues { values: values.clone(), severity: Severity::Error },
                s,
                n,
                &col.name,
                p,
            )?);
        }
        if let Some(to) = &col.references {
            let target = match col.kind {
                ColumnType::Text | ColumnType::Enum | ColumnType::Integer | ColumnType::Decimal => col.name.clone(),
                _ => presence.clone(),
            };
            out.push(column_check(
                &ColumnTest::Relationships { to: to.clone(), severity: Severity::Error },
                s,
                n,
                &target,
                p,
            )?);
        }
    }
    if !contract.primary_key.is_empty() {
        let cols: Vec<String> = contract.primary_key.iter().map(|k| quote(k)).collect();
        let list = cols.join(", ");
        out.push(Check {
            name: format!("unique:staging.{n}({})", contract.primary_key.join(", ")),
            kind: "column_test",
            target: format!("staging.{n}"),
            column: Some(contract.primary_key.join(", ")),
            severity: Severity::Error,
            failing_sql: format!(
                "select {list}, count(*) as n from {} group by {list} having count(*) > 1",
                table(s, n)
            ),
            predicate: None,
            declared_in: p.to_string(),
        });
    }
    Ok(out)
}

/// The checks a model's sidecar declares.
pub fn model_checks(model: &Model) -> Result<Vec<Check>> {
    let declared = model.path.replace(".sql", ".toml");
    let mut out = Vec::new();
    for col in &model.sidecar.columns {
        for test in &col.tests {
            out.push(column_check(test, &model.schema, &model.name, &col.name, &declared)?);
        }
    }
    Ok(out)
}

/// The SQL audits under `pipelines/audits/`.
pub fn audit_checks(root: &Path) -> Result<Vec<Check>> {
    let dir = root.join("pipelines").join("audits");
    let mut paths = Vec::new();
    match std::fs::read_dir(&dir) {
        Ok(entries) => {
            for e in entries {
                let p = e.map_err(Error::io(&dir))?.path();
                if p.extension().and_then(|x| x.to_str()) == Some("sql") {
                    paths.push(p);
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::Io { path: dir, source: e }),
    }
    paths.sort();
    let mut out = Vec::new();
    for p in paths {
        let rel = p.strip_prefix(root).unwrap_or(&p).display().to_string();
        let sql = std::fs::read_to_string(&p).map_err(Error::io(&p))?;
        let severity = if sql.lines().next().is_some_and(|l| l.replace(' ', "").to_lowercase() == "--severity:warn") {
            Severity::Warn
        } else {
            Severity::Error
        };
        let body = sql.trim().trim_end_matches(';').to_string();
        if body.is_empty() {
            return Err(Error::spec(
                Location::file(&rel),
                "the audit is empty: write a query returning the rows that break the rule",
            ));
        }
        let name = p.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        out.push(Check {
            name: format!("audit:{name}"),
            kind: "audit",
            target: name,
            column: None,
            severity,
            // A newline before the closing parenthesis, so a trailing comment cannot swallow it.
            failing_sql: format!("select * from (\n{body}\n)"),
            predicate: None,
            declared_in: rel,
        });
    }
    Ok(out)
}

/// Runs every check. Each DuckDB statement has a fixed cost and a project has hundreds of
/// checks, so the failing-row counts come from one statement: the row-level tests of a table are
/// counted in one scan (`count(*) filter (where …)`), the others each by their own subquery. If
/// that statement fails, the checks run one by one, so the one that cannot run is named.
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
    let sql = format!("select i, n from (\n{}\n) order by i", parts.join("\nunion all\n"));
    let together = conn
        .prepare(&sql)
        .and_then(|mut stmt| stmt.query_map([], |r| r.get::<_, i64>(1))?.collect::<duckdb::Result<Vec<i64>>>());
    match together {
        Ok(counts) if counts.len() == checks.len() => {
            checks.into_iter().zip(counts).map(|(check, n)| outcome(conn, check, Ok(n))).collect()
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
