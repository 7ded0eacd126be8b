//! The tests a project declares, as SQL: column tests (from contracts and model sidecars) and
//! SQL audits. Turning declarations into checks needs no database; the build's audit stage
//! ([`crate::build::audit`]) runs them.
//!
//! An audit is `pipelines/audits/<name>.sql`: a query returning the rows that break a rule, so
//! zero rows is a pass. A first line `-- severity: warn` makes it non-blocking.

use crate::error::{Error, Location, Result};
use crate::model::Model;
use crate::spec::{quote, ColumnTest, ColumnType, Contract, Severity};
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
    /// For a row-level test, (what it reads: a quoted table, or a join; the condition a failing
    /// row meets): such tests on one table or join are counted in a single scan.
    pub predicate: Option<(String, String)>,
    /// Where the test was declared.
    pub declared_in: String,
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
        ColumnTest::SumsTo { total, tolerance, group_by, .. } => {
            let groups: Vec<String> = group_by.iter().map(|g| quote(g)).collect();
            let (select, group) = if groups.is_empty() {
                (String::new(), String::new())
            } else {
                (format!("{}, ", groups.join(", ")), format!(" group by {}", groups.join(", ")))
            };
            let sql = format!(
                "select {select}sum({c}) as sum, {total} as expected from {t}{group} having abs(sum({c}) - {total}) > {tolerance}"
            );
            (sql, None)
        }
        ColumnTest::Monotone { order_by, partition_by, direction, .. } => {
            let partition = if partition_by.is_empty() {
                String::new()
            } else {
                format!("partition by {} ", partition_by.iter().map(|p| quote(p)).collect::<Vec<_>>().join(", "))
            };
            let falls = match direction {
                crate::spec::Direction::Increasing => "<",
                crate::spec::Direction::Decreasing => ">",
            };
            let sql = format!(
                "select * from (select *, lag({c}) over ({partition}order by {o}) as previous_value from {t}) \
                 where {c} {falls} previous_value",
                o = quote(order_by)
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
        let presence = crate::spec::staged::presence_column(col);
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
    for col in &contract.columns {
        let target =
            crate::spec::staged::staged_columns(col).into_iter().next().map_or(col.name.clone(), |(n, _, _)| n);
        for test in &col.tests {
            out.push(column_check(test, s, n, &target, p)?);
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

/// The default `max_factor`: a value may grow or shrink tenfold between builds.
pub const DEFAULT_MAX_FACTOR: f64 = 10.0;

/// Magnitude checks against the published warehouse (attached as `published`): each numeric
/// value of a source, matched by primary key, stays within the contract's `max_factor` of the
/// value the published warehouse holds. A 万 read as 亿, or a digit dropped, moves a value by a
/// factor of ten thousand or ten. Only what the published table has (`published_columns`) is
/// compared: a column new in this build has nothing to be compared with.
pub fn magnitude_checks(contract: &Contract, published_columns: &[String]) -> Vec<Check> {
    let factor = contract.max_factor.unwrap_or(DEFAULT_MAX_FACTOR);
    if factor <= 0.0 || contract.primary_key.is_empty() {
        return Vec::new();
    }
    let n = contract.name.as_str();
    let keys: Vec<String> = contract
        .primary_key
        .iter()
        .filter_map(|k| contract.columns.iter().find(|c| &c.name == k))
        .map(|c| crate::spec::staged::presence_column(c))
        .collect();
    if keys.len() != contract.primary_key.len() || !keys.iter().all(|k| published_columns.contains(k)) {
        return Vec::new();
    }
    let keys: Vec<String> = keys.iter().map(|k| quote(k)).collect();
    let on: Vec<String> = keys.iter().map(|k| format!("o.{k} = n.{k}")).collect();
    // The published and the new table joined on the key: every value column's check is counted
    // in one pass over it.
    let joined = format!("published.staging.{t} o join staging.{t} n on {on}", t = quote(n), on = on.join(" and "));
    let mut out = Vec::new();
    for col in &contract.columns {
        if matches!(col.kind, ColumnType::Text | ColumnType::Enum | ColumnType::Date) {
            continue;
        }
        let raw_name = format!("{}_raw", col.name);
        for value in crate::spec::staged::value_columns(col) {
            if !published_columns.contains(&value) || !published_columns.contains(&raw_name) {
                continue;
            }
            let v = quote(&value);
            let raw = quote(&raw_name);
            let condition =
                format!("o.{v} <> 0 and n.{v} <> 0 and greatest(abs(n.{v} / o.{v}), abs(o.{v} / n.{v})) > {factor}");
            out.push(Check {
                name: format!("magnitude:staging.{n}.{value}"),
                kind: "magnitude",
                target: format!("staging.{n}"),
                column: Some(value.clone()),
                severity: Severity::Error,
                failing_sql: format!(
                    "select {keys}, o.{raw} as published_raw, n.{raw} as new_raw, o.{v} as published, n.{v} as new \
                     from {joined} where {condition}",
                    keys = keys.iter().map(|k| format!("n.{k}")).collect::<Vec<_>>().join(", "),
                ),
                predicate: Some((joined.clone(), format!("({condition})"))),
                declared_in: contract.path.clone(),
            });
        }
    }
    out
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
