//! What a build changes against the published warehouse (attached as `published`): per table,
//! the rows added, removed and changed, and for a source (a staged table) each changed value
//! with its cell and the raw text before and after. Models are compared row for row (their
//! rows have no key); schema changes (tables and columns added, removed or retyped) are listed
//! too. The detail becomes `meta.changes`; a one-line summary goes with the run.

use crate::error::{Error, Result};
use crate::project::Project;
use crate::spec::staged::{presence_column, staged_columns};
use crate::spec::{literal, quote, Column, Contract};
use duckdb::Connection;
use std::collections::HashMap;

/// One row of `meta.changes`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Change {
    /// `staging.<source>` or `<schema>.<model>`.
    pub table: String,
    /// `added`, `removed`, `changed` (a value; of a source, or of a model whose sidecar gives
    /// it a key: a column tested `unique` and `not_null`), `rows_added`, `rows_removed` (rows of
    /// a model without a key), `table_added`, `table_removed`, `column_added`,
    /// `column_removed`, `column_type`.
    pub kind: String,
    /// The row's key (`id = market.llm_size.2023`), for a source or a keyed model.
    pub key: Option<String>,
    pub column: Option<String>,
    /// The cell in the raw file (`raw/market_facts.csv E2`), for a source's value.
    pub cell: Option<String>,
    pub old: Option<String>,
    pub new: Option<String>,
    /// Rows, for `rows_added` and `rows_removed`.
    pub rows: i64,
}

/// Every change from the published warehouse to the database `new` (`build`, or `memory` for
/// `check`), for the project's sources and models.
pub fn diff(conn: &Connection, new: &str, project: &Project) -> Result<Vec<Change>> {
    let mut out = schema_changes(conn, new)?;
    // Tables both sides have (a table added or removed is a schema change, listed above).
    let both: std::collections::HashSet<String> = query_strings(
        conn,
        &format!(
            "select schema_name || '.' || table_name from duckdb_tables() where database_name = 'published' \
             intersect select schema_name || '.' || table_name from duckdb_tables() where database_name = '{new}'"
        ),
        1,
    )?
    .into_iter()
    .filter_map(|r| r[0].clone())
    .collect();
    let sources: Vec<&Contract> =
        project.contracts.iter().filter(|c| both.contains(&format!("staging.{}", c.name))).collect();
    // Most sources are unchanged: one statement counts the differing rows of every source, and
    // only those that differ are compared row by row.
    let published = published_columns(conn)?;
    let counts = differing_rows(conn, new, &sources, &published)?;
    for (contract, n) in sources.iter().zip(counts) {
        if n > 0 {
            let columns = published.get(&contract.name).map(Vec::as_slice).unwrap_or_default();
            out.extend(source_changes(conn, new, contract, columns)?);
        }
    }
    let models: Vec<(&str, &str, Option<&str>)> = project
        .models
        .iter()
        .filter(|m| both.contains(&m.qualified()))
        .map(|m| (m.schema.as_str(), m.name.as_str(), model_key(m)))
        .collect();
    out.extend(model_changes(conn, new, &models)?);
    Ok(out)
}

/// A table's contents in one aggregate: its row count and the sum of its rows' hashes (no hash
/// table, no sort: constant memory, one scan). Equal on both sides means the same rows.
fn fingerprint_sql(table: &str, list: &str) -> String {
    format!("(select count(*)::varchar || ':' || coalesce(sum(hash({list})::hugeint), 0)::varchar from {table})")
}

/// For each source, whether it differs between the two sides (stored columns, `_row` included).
fn differing_rows(
    conn: &Connection,
    new: &str,
    sources: &[&Contract],
    published: &HashMap<String, Vec<String>>,
) -> Result<Vec<i64>> {
    if sources.is_empty() {
        return Ok(Vec::new());
    }
    let parts: Vec<String> = sources
        .iter()
        .enumerate()
        .map(|(i, contract)| {
            // Only what both sides have: a column new in this build is a schema change, above.
            let published = published.get(&contract.name).map(Vec::as_slice).unwrap_or_default();
            let mut cols: Vec<String> = contract
                .columns
                .iter()
                .flat_map(staged_columns)
                .map(|(name, _, _)| name)
                .filter(|name| published.contains(name))
                .map(|name| quote(&name))
                .collect();
            cols.push("_row".into());
            let list = cols.join(", ");
            let t = quote(&contract.name);
            let (o, n) = (format!("published.staging.{t}"), format!("{}.staging.{t}", quote(new)));
            format!(
                "select {i} as i, ({} is distinct from {})::bigint as n",
                fingerprint_sql(&o, &list),
                fingerprint_sql(&n, &list)
            )
        })
        .collect();
    let counts = super::union_by_index(conn, &parts, "n").map_err(Error::duckdb("comparing the sources"))?;
    Ok(counts.into_iter().map(|(_, n)| n).collect())
}

/// The columns of each source's staged table in the published warehouse (a source it has no
/// table for is absent): a comparison covers only what both builds have. One catalog scan for
/// every source (a scan per source was a fifth of a rebuild of the report project).
pub fn published_columns(conn: &Connection) -> Result<HashMap<String, Vec<String>>> {
    let rows = query_strings(
        conn,
        "select table_name, column_name from duckdb_columns() where database_name = 'published' \
         and schema_name = 'staging' order by table_name, column_index",
        2,
    )?;
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for r in rows {
        if let [Some(t), Some(c)] = &r[..] {
            out.entry(t.clone()).or_default().push(c.clone());
        }
    }
    Ok(out)
}

fn query_strings(conn: &Connection, sql: &str, width: usize) -> Result<Vec<Vec<Option<String>>>> {
    let mut stmt = conn.prepare(sql).map_err(Error::duckdb("comparing with the published warehouse"))?;
    let rows = stmt
        .query_map([], |r| (0..width).map(|i| r.get::<_, Option<String>>(i)).collect::<duckdb::Result<Vec<_>>>())
        .map_err(Error::duckdb("comparing with the published warehouse"))?;
    rows.collect::<duckdb::Result<Vec<_>>>().map_err(Error::duckdb("comparing with the published warehouse"))
}

/// Tables and columns added, removed or retyped in staging, marts and meta.
fn schema_changes(conn: &Connection, new: &str) -> Result<Vec<Change>> {
    let sql = format!(
        "with a as (select schema_name || '.' || table_name as t, column_name as c, data_type as ty from duckdb_columns() \
                    where database_name = 'published' and schema_name in ('staging', 'marts')), \
              b as (select schema_name || '.' || table_name as t, column_name as c, data_type as ty from duckdb_columns() \
                    where database_name = '{new}' and schema_name in ('staging', 'marts')), \
              ta as (select distinct t from a), tb as (select distinct t from b) \
         select t, 'table_added', null, null, null from tb where t not in (select t from ta) \
         union all select t, 'table_removed', null, null, null from ta where t not in (select t from tb) \
         union all select b.t, 'column_added', b.c, null, b.ty from b join ta using (t) \
                   where not exists (select 1 from a where a.t = b.t and a.c = b.c) \
         union all select a.t, 'column_removed', a.c, a.ty, null from a join tb using (t) \
                   where not exists (select 1 from b where a.t = b.t and a.c = b.c) \
         union all select a.t, 'column_type', a.c, a.ty, b.ty from a join b using (t, c) where a.ty <> b.ty \
         order by 1, 2, 3"
    );
    Ok(query_strings(conn, &sql, 5)?
        .into_iter()
        .map(|r| Change {
            table: r[0].clone().unwrap_or_default(),
            kind: r[1].clone().unwrap_or_default(),
            key: None,
            column: r[2].clone(),
            cell: None,
            old: r[3].clone(),
            new: r[4].clone(),
            rows: 0,
        })
        .collect())
}

/// Rows added and removed by key, and each changed cell, of one staged table.
fn source_changes(conn: &Connection, new: &str, contract: &Contract, published: &[String]) -> Result<Vec<Change>> {
    let t = quote(&contract.name);
    let key_cols: Vec<&Column> = if contract.primary_key.is_empty() {
        Vec::new()
    } else {
        contract.primary_key.iter().filter_map(|k| contract.columns.iter().find(|c| &c.name == k)).collect()
    };
    // Without a primary key, rows are matched by the file row they came from.
    let keys: Vec<String> = if key_cols.is_empty() {
        vec!["_row".to_string()]
    } else {
        key_cols.iter().map(|c| presence_column(c)).collect()
    };
    let key_names: Vec<String> = if key_cols.is_empty() { vec!["_row".into()] } else { contract.primary_key.clone() };
    let key_text: Vec<String> = keys
        .iter()
        .zip(&key_names)
        .map(|(k, n)| format!("'{n} = ' || coalesce({}.{}::varchar, 'NULL')", "{side}", quote(k)))
        .collect();
    let key_of =
        |side: &str| key_text.iter().map(|k| k.replace("{side}", side)).collect::<Vec<_>>().join(" || ', ' || ");
    let on: Vec<String> = keys.iter().map(|k| format!("o.{0} is not distinct from n.{0}", quote(k))).collect();
    let on = on.join(" and ");
    let old_t = format!("published.staging.{t}");
    let new_t = format!("{}.staging.{t}", quote(new));
    let mut out = Vec::new();
    if !keys.iter().all(|k| published.contains(k)) {
        // The key itself is new: rows cannot be matched (the schema change says so).
        return Ok(out);
    }
    for (kind, from, other, side) in [("added", &new_t, &old_t, "n"), ("removed", &old_t, &new_t, "o")] {
        let (o, n) = if side == "n" { (other, from) } else { (from, other) };
        let missing = if side == "n" { "o" } else { "n" };
        let sql = format!(
            "select {}, {side}._row::varchar from {o} o full join {n} n on {on} \
             where {missing}._row is null and {side}._row is not null order by {side}._row",
            key_of(side)
        );
        for r in query_strings(conn, &sql, 2)? {
            out.push(Change {
                table: format!("staging.{}", contract.name),
                kind: kind.into(),
                key: r[0].clone(),
                column: None,
                cell: r[1].as_ref().map(|row| format!("{} row {row}", contract.file)),
                old: None,
                new: None,
                rows: 1,
            });
        }
    }
    let letters = column_letters(conn, new, &contract.name)?;
    for col in &contract.columns {
        let shared = staged_columns(col).iter().all(|(name, _, _)| published.contains(name));
        if !shared {
            continue;
        }
        // Compared through the cell's raw text where the column is typed.
        let c = quote(&presence_column(col));
        // Staged columns of the same contract column: compared through the raw text, so a
        // changed parse of the same text (a new baimo) shows as its staged value.
        let typed: Vec<String> =
            staged_columns(col).into_iter().map(|(name, _, _)| name).filter(|n| !n.ends_with("_raw")).collect();
        let typed_differs: Vec<String> =
            typed.iter().map(|n| format!("o.{0} is distinct from n.{0}", quote(n))).collect();
        let sql = format!(
            "select {}, n._row::varchar, o.{c}::varchar, n.{c}::varchar from {old_t} o join {new_t} n on {on} \
             where o.{c} is distinct from n.{c} or {} order by n._row",
            key_of("n"),
            typed_differs.join(" or ")
        );
        for r in query_strings(conn, &sql, 4)? {
            let letter = letters.iter().find(|(name, _)| name == &col.name).map(|(_, l)| l.clone()).unwrap_or_default();
            out.push(Change {
                table: format!("staging.{}", contract.name),
                kind: "changed".into(),
                key: r[0].clone(),
                column: Some(col.name.clone()),
                cell: r[1].as_ref().map(|row| {
                    let sheet = contract.sheet.as_ref().map(|s| format!(" sheet {s}")).unwrap_or_default();
                    format!("{}{sheet} {letter}{row}", contract.file)
                }),
                old: r[2].clone(),
                new: r[3].clone(),
                rows: 1,
            });
        }
    }
    Ok(out)
}

/// Where each contract column sits in the file (from `meta.source_columns` of the new build).
fn column_letters(conn: &Connection, new: &str, source: &str) -> Result<Vec<(String, String)>> {
    let mut stmt = conn
        .prepare(&format!("select \"column\", file_column from {}.meta.source_columns where source = ?", quote(new)))
        .map_err(Error::duckdb("reading meta.source_columns"))?;
    let rows = stmt
        .query_map([source], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .map_err(Error::duckdb("reading meta.source_columns"))?;
    rows.collect::<duckdb::Result<Vec<_>>>().map_err(Error::duckdb("reading meta.source_columns"))
}

/// Rows of each model that are new or gone (compared whole, over the columns both versions
/// have): one statement for every model.
/// The column that identifies a model's rows: the first its sidecar tests as both `unique` and
/// `not_null` (`series` of marts.market_growth, `id` of meta.claims).
fn model_key(model: &crate::model::Model) -> Option<&str> {
    use crate::spec::ColumnTest;
    model.sidecar.columns.iter().find_map(|c| {
        let has = |t: fn(&ColumnTest) -> bool| c.tests.iter().any(t);
        (has(|t| matches!(t, ColumnTest::Unique)) && has(|t| matches!(t, ColumnTest::NotNull)))
            .then_some(c.name.as_str())
    })
}

/// A keyed model's changed values, and its rows added and removed by key; `columns` are those
/// both sides have.
fn keyed_model_changes(
    conn: &Connection,
    table: &str,
    old: &str,
    new: &str,
    key: &str,
    columns: &[String],
) -> Result<Vec<Change>> {
    let k = quote(key);
    let mut out = Vec::new();
    let values: Vec<&String> = columns.iter().filter(|c| *c != key).collect();
    if !values.is_empty() {
        let parts: Vec<String> = values
            .iter()
            .map(|name| {
                let c = quote(name);
                format!(
                    "select {} as col, o.{k}::varchar as key, o.{c}::varchar as old, n.{c}::varchar as new \
                     from {old} o join {new} n on o.{k} = n.{k} where o.{c} is distinct from n.{c}",
                    literal(name)
                )
            })
            .collect();
        let sql = format!("select * from ({}) order by key, col", parts.join(" union all "));
        for r in query_strings(conn, &sql, 4)? {
            out.push(Change {
                table: table.to_string(),
                kind: "changed".into(),
                key: Some(format!("{key} = {}", r[1].as_deref().unwrap_or("NULL"))),
                column: r[0].clone(),
                cell: None,
                old: r[2].clone(),
                new: r[3].clone(),
                rows: 1,
            });
        }
    }
    for (kind, a, b) in [("added", new, old), ("removed", old, new)] {
        let sql = format!("select {k}::varchar from {a} where {k} not in (select {k} from {b}) order by 1");
        for r in query_strings(conn, &sql, 1)? {
            out.push(Change {
                table: table.to_string(),
                kind: kind.into(),
                key: Some(format!("{key} = {}", r[0].as_deref().unwrap_or("NULL"))),
                column: None,
                cell: None,
                old: None,
                new: None,
                rows: 1,
            });
        }
    }
    Ok(out)
}

fn model_changes(conn: &Connection, new: &str, models: &[(&str, &str, Option<&str>)]) -> Result<Vec<Change>> {
    // The columns both sides have, by table, in the published order.
    let rows = query_strings(
        conn,
        &format!(
            "select schema_name, table_name, column_name \
             from duckdb_columns() a where database_name = 'published' and schema_name in ('staging', 'marts', 'meta') \
             and exists (select 1 from duckdb_columns() b where b.database_name = '{new}' and b.schema_name = a.schema_name \
                         and b.table_name = a.table_name and b.column_name = a.column_name) \
             order by schema_name, table_name, column_index"
        ),
        3,
    )?;
    let mut shared: HashMap<(String, String), Vec<String>> = HashMap::new();
    for r in rows {
        if let [Some(s), Some(t), Some(c)] = &r[..] {
            shared.entry((s.clone(), t.clone())).or_default().push(c.clone());
        }
    }
    let mut parts = Vec::new();
    let mut names = Vec::new();
    for (schema, name, key) in models {
        let Some(columns) = shared.remove(&(schema.to_string(), name.to_string())) else { continue };
        let list = columns.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ");
        let (s, t) = (quote(schema), quote(name));
        let (o, n) = (format!("published.{s}.{t}"), format!("{}.{s}.{t}", quote(new)));
        let i = names.len();
        parts.push(format!(
            "select {i} as i, ({} is distinct from {}) as differs",
            fingerprint_sql(&o, &list),
            fingerprint_sql(&n, &list)
        ));
        // A key both sides still have.
        let key = key.filter(|k| columns.iter().any(|c| c == k));
        names.push((format!("{schema}.{name}"), o, n, list, columns, key));
    }
    if parts.is_empty() {
        return Ok(Vec::new());
    }
    let differs: Vec<bool> = super::union_by_index(conn, &parts, "differs::bigint")
        .map_err(Error::duckdb("comparing the models"))?
        .into_iter()
        .map(|(_, d)| d != 0)
        .collect();
    let mut out = Vec::new();
    for ((table, o, n, list, columns, key), _) in names.into_iter().zip(differs).filter(|(_, d)| *d) {
        if let Some(key) = key {
            out.extend(keyed_model_changes(conn, &table, &o, &n, key, &columns)?);
            continue;
        }
        let count = |a: &str, b: &str| -> Result<i64> {
            conn.query_row(
                &format!("select count(*) from (select {list} from {a} except all select {list} from {b})"),
                [],
                |r| r.get(0),
            )
            .map_err(Error::duckdb(format!("comparing {table}")))
        };
        let (added, removed) = (count(&n, &o)?, count(&o, &n)?);
        for (kind, rows) in [("rows_added", added), ("rows_removed", removed)] {
            if rows > 0 {
                out.push(Change {
                    table: table.clone(),
                    kind: kind.into(),
                    key: None,
                    column: None,
                    cell: None,
                    old: None,
                    new: None,
                    rows,
                });
            }
        }
    }
    Ok(out)
}

/// One line: what changed, source by source, and how many models moved.
/// `market_facts: 1 value changed (raw/market_facts.csv E2 132.3亿元 → 133.3亿元); 2 models changed`
pub fn summary(changes: &[Change]) -> String {
    if changes.is_empty() {
        return "no change from the published warehouse".into();
    }
    let mut parts = Vec::new();
    let mut tables: Vec<&str> = changes
        .iter()
        .filter(|c| c.table.starts_with("staging.") && matches!(c.kind.as_str(), "added" | "removed" | "changed"))
        .map(|c| c.table.as_str())
        .collect();
    tables.sort();
    tables.dedup();
    for table in tables {
        let of = |kind: &str| changes.iter().filter(|c| c.table == table && c.kind == kind).count();
        let (added, removed, changed) = (of("added"), of("removed"), of("changed"));
        let mut bits = Vec::new();
        if changed > 0 {
            let first = changes.iter().find(|c| c.table == table && c.kind == "changed");
            let example = first
                .map(|c| {
                    format!(
                        " ({} {} → {})",
                        c.cell.as_deref().unwrap_or(""),
                        c.old.as_deref().unwrap_or("NULL"),
                        c.new.as_deref().unwrap_or("NULL")
                    )
                })
                .unwrap_or_default();
            bits.push(format!("{changed} value{} changed{example}", if changed == 1 { "" } else { "s" }));
        }
        if added > 0 {
            bits.push(format!("{added} row{} added", if added == 1 { "" } else { "s" }));
        }
        if removed > 0 {
            bits.push(format!("{removed} row{} removed", if removed == 1 { "" } else { "s" }));
        }
        if !bits.is_empty() {
            parts.push(format!("{}: {}", table.trim_start_matches("staging."), bits.join(", ")));
        }
    }
    let mut models: Vec<&str> = changes
        .iter()
        .filter(|c| {
            !c.table.starts_with("staging.")
                && matches!(c.kind.as_str(), "added" | "removed" | "changed" | "rows_added" | "rows_removed")
        })
        .map(|c| c.table.as_str())
        .collect();
    models.sort();
    models.dedup();
    // The claims are rows of one model: how many of them moved says more than "1 model".
    let mut claims: Vec<&str> =
        changes.iter().filter(|c| c.table == "meta.claims").filter_map(|c| c.key.as_deref()).collect();
    claims.sort();
    claims.dedup();
    if !claims.is_empty() {
        models.retain(|m| *m != "meta.claims");
    }
    if !models.is_empty() {
        parts.push(format!("{} model{} changed", models.len(), if models.len() == 1 { "" } else { "s" }));
    }
    if !claims.is_empty() {
        parts.push(format!("{} claim{} changed", claims.len(), if claims.len() == 1 { "" } else { "s" }));
    }
    let schema = changes.iter().filter(|c| c.kind.starts_with("table_") || c.kind.starts_with("column_")).count();
    if schema > 0 {
        parts.push(format!("{schema} schema change{}", if schema == 1 { "" } else { "s" }));
    }
    parts.join("; ")
}
