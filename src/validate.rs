//! Validate and normalise: a [`RawTable`] under its [`Contract`] → a typed polars frame with
//! provenance, plus the rejected cells.
//!
//! Two passes. Each cell's text is parsed by [`crate::quantity`] into the column's staged shape
//! (a cell that does not parse is a reject). The contract's rules (required, min/max, enum
//! values) then run as polars expressions over the typed frame, and the primary key is checked
//! for duplicates. Every reject names the file, sheet, cell, column, rule and raw text. Under
//! `on_error = "fail"` any reject fails the source; under `"quarantine"` the rejected rows are
//! dropped while they stay within `max_rejected`.

use crate::error::{clip, Error, Result};
use crate::extract::{Cell, RawTable};
use crate::quantity::{self, ParseOptions, Qualifier, Quantity, Unit};
use crate::spec::{Column, ColumnType, Contract, OnError};
use polars::prelude::*;
use rayon::prelude::*;
use std::collections::BTreeSet;

/// A cell that broke a rule; becomes a row of `meta.rejects`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Reject {
    pub source: String,
    pub file: String,
    pub sheet: Option<String>,
    pub cell: String,
    pub row: u32,
    pub column: String,
    pub raw: String,
    pub rule: String,
    pub message: String,
}

impl std::fmt::Display for Reject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(s) = &self.sheet {
            write!(f, ", sheet `{s}`")?;
        }
        write!(
            f,
            ", cell {} (column `{}`): {} [rule: {}] (found `{}`)",
            self.cell,
            self.column,
            self.message,
            self.rule,
            clip(&self.raw, 200)
        )
    }
}

/// A validated source: the frame to load and what was rejected.
pub struct Validated {
    pub frame: DataFrame,
    pub rejects: Vec<Reject>,
    pub rows_read: usize,
}

/// The staged columns one contract column becomes, in order.
pub fn staged_columns(col: &Column) -> Vec<(String, &'static str, String)> {
    let n = &col.name;
    let d = if col.description.is_empty() { col.name.clone() } else { col.description.clone() };
    let raw = (format!("{n}_raw"), "VARCHAR", format!("The cell's text as transcribed: {d}"));
    use ColumnType::*;
    match col.kind {
        Text | Enum => vec![(n.clone(), "VARCHAR", d)],
        Integer => vec![(n.clone(), "BIGINT", d), raw],
        Decimal => vec![(n.clone(), "DOUBLE", d), raw],
        Percent => vec![(n.clone(), "DOUBLE", format!("{d} (a fraction: 50.6% is 0.506)")), raw],
        Compute => vec![(n.clone(), "DOUBLE", format!("{d} (PFLOPS)")), raw],
        Money => vec![
            (n.clone(), "DOUBLE", format!("{d} (in units of the currency, magnitudes applied)")),
            (format!("{n}_currency"), "VARCHAR", "CNY or USD".into()),
            (format!("{n}_per"), "VARCHAR", "The denominator after `/` (张, 月, 万tokens)".into()),
            raw,
        ],
        Duration => {
            let m = col.days_per_month.unwrap_or(30.0);
            vec![
                (format!("{n}_days_low"), "DOUBLE", format!("{d}: low end in days (a month = {m} days)")),
                (format!("{n}_days_high"), "DOUBLE", format!("{d}: high end in days (a month = {m} days)")),
                raw,
            ]
        }
        Date => vec![
            (n.clone(), "DATE", format!("{d} (first day of the period given)")),
            (format!("{n}_precision"), "VARCHAR", "year, month or day: how much of the date the report gives".into()),
            raw,
        ],
        Range | Bound => {
            let mut v = vec![
                (format!("{n}_low"), "DOUBLE", format!("{d}: low end (or the value) in `{n}_unit`")),
                (format!("{n}_high"), "DOUBLE", format!("{d}: high end (or the value) in `{n}_unit`")),
            ];
            if col.kind == Bound {
                v.push((
                    format!("{n}_qualifier"),
                    "VARCHAR",
                    "= exact, > more than, >= at least, < less than, <= at most, ~ about, order: order of magnitude"
                        .into(),
                ));
            }
            v.push((
                format!("{n}_unit"),
                "VARCHAR",
                "Canonical unit: CNY, USD, fraction, PFLOPS, days, seconds, count, tokens, times, points, number"
                    .into(),
            ));
            v.push(raw);
            v
        }
    }
}

/// The one provenance column stored per row; the others in [`PROVENANCE`] are the same on every
/// row of a source and are generated (see [`provenance_ddl`]).
pub const ROW: &str = "_row";

/// The provenance columns every staged row carries.
pub const PROVENANCE: &[(&str, &str, &str)] = &[
    ("_file", "VARCHAR", "Raw file the row was read from, relative to the project"),
    ("_sheet", "VARCHAR", "Sheet of the workbook (NULL for CSV)"),
    (ROW, "INTEGER", "1-based row of the file (the spreadsheet row number)"),
    ("_ref", "VARCHAR", "Report section the data comes from"),
];

/// The provenance columns of a source's staged table, as DDL. `_row` is stored; the others are
/// one value for the whole source, so they are virtual generated columns: computed when read,
/// never written per row (writing three constant strings per row was a fifth of the load).
pub fn provenance_ddl(contract: &Contract) -> Vec<String> {
    let text = |v: Option<&str>| match v {
        Some(v) => format!("'{}'", v.replace('\'', "''")),
        None => "NULL::VARCHAR".into(),
    };
    let value = |name: &str| match name {
        "_file" => Some(text(Some(&contract.file))),
        "_sheet" => Some(text(contract.sheet.as_deref())),
        "_ref" => Some(text(Some(&contract.reference))),
        _ => None,
    };
    PROVENANCE
        .iter()
        .map(|(name, ty, _)| match value(name) {
            Some(v) => format!("{} {ty} generated always as ({v}) virtual", crate::spec::quote(name)),
            None => format!("{} {ty}", crate::spec::quote(name)),
        })
        .collect()
}

/// Typed buffers for one contract column; text goes straight into polars string builders.
enum Buffer {
    Text(Str),
    Int { value: Vec<Option<i64>>, raw: Str },
    Float { value: Vec<Option<f64>>, raw: Str },
    Money { value: Vec<Option<f64>>, currency: Str, per: Str, raw: Str },
    Days { low: Vec<Option<f64>>, high: Vec<Option<f64>>, raw: Str },
    Date { value: Vec<Option<i32>>, precision: Str, raw: Str },
    Span { low: Vec<Option<f64>>, high: Vec<Option<f64>>, qualifier: Option<Str>, unit: Str, raw: Str },
}

type Str = StringChunkedBuilder;

/// What one cell parsed to.
enum Parsed<'a> {
    Missing,
    Text(&'a str),
    Int(i64),
    Float(f64),
    Money(f64, &'static str, Option<String>),
    Days(f64, f64),
    Date(i32, &'static str),
    Span(Quantity),
}

type CellResult<'a> = std::result::Result<Parsed<'a>, (String, String)>;

fn fail<'a>(rule: &str, message: impl Into<String>) -> CellResult<'a> {
    Err((rule.to_string(), message.into()))
}

/// Parses one cell's text for a column: the value or (rule, message).
fn parse_cell<'a>(col: &Column, text: &'a str) -> CellResult<'a> {
    use ColumnType::*;
    let opts = ParseOptions { days_per_month: col.days_per_month.unwrap_or(30.0) };
    let kind = col.kind;
    // Numeric types see missing cells inside parse_quantity, which normalises the text once.
    if matches!(kind, Text | Enum | Date) && quantity::is_missing(text) {
        return Ok(Parsed::Missing);
    }
    match kind {
        Text | Enum => return Ok(Parsed::Text(text.trim())),
        Date => {
            return quantity::parse_date(text)
                .map(|d| {
                    let days = (d.date - chrono::NaiveDate::default()).num_days() as i32;
                    Parsed::Date(days, d.precision.as_str())
                })
                .or_else(|e| fail(&format!("date/{}", e.rule), e.message))
        }
        _ => {}
    }
    let type_name = kind.as_str();
    let q = match quantity::parse_quantity(text, opts) {
        Ok(Some(q)) => q,
        Ok(None) => return Ok(Parsed::Missing),
        Err(e) => return fail(&format!("{type_name}/{}", e.rule), e.message),
    };
    if matches!(kind, Range | Bound) {
        if kind == Range && q.qualifier != Qualifier::Exact {
            return fail(
                "range/qualifier",
                format!(
                    "`{text}` carries a qualifier ({}); declare the column as type = \"bound\"",
                    q.qualifier.as_str()
                ),
            );
        }
        if let Some(u) = &col.unit {
            if q.unit.as_str() != u && q.unit_text != u.as_str() {
                return fail("unit", format!("expected unit `{u}`, found `{}` ({})", q.unit_text, q.unit.as_str()));
            }
        }
        return Ok(Parsed::Span(q));
    }
    if kind == Duration {
        if q.unit != Unit::Days {
            return fail("duration/unit", format!("`{text}` is not a duration in 天, 周, 个月 or 年"));
        }
        if q.qualifier != Qualifier::Exact {
            return fail("duration/qualifier", format!("`{text}` is a bound; durations must be a value or a range"));
        }
        let (lo, hi) = (q.low.unwrap_or(0.0), q.high.unwrap_or(0.0));
        if lo < 0.0 {
            return fail("duration/negative", format!("`{text}` is a negative duration"));
        }
        return Ok(Parsed::Days(lo, hi));
    }
    let Some(v) = q.point() else {
        let what = if q.is_range { "a range" } else { "a bound" };
        let wanted = if q.is_range { "range" } else { "bound" };
        return fail(
            &format!("{type_name}/not_a_value"),
            format!("`{text}` is {what}, not a single value; declare the column as type = \"{wanted}\""),
        );
    };
    let unit_ok = |expected: &[Unit]| expected.contains(&q.unit);
    match kind {
        Integer | Decimal => {
            if let Some(u) = &col.unit {
                if !q.unit_text.is_empty() && q.unit_text != u.as_str() {
                    return fail(&format!("{type_name}/unit"), format!("expected unit `{u}`, found `{}`", q.unit_text));
                }
            } else if !unit_ok(&[Unit::Number]) {
                return fail(
                    &format!("{type_name}/unit"),
                    format!("unexpected unit `{}`; declare `unit = \"{}\"`", q.unit_text, q.unit_text),
                );
            }
            if kind == Integer {
                if v.fract() != 0.0 || v.abs() > 9.0e15 {
                    return fail("integer/not_whole", format!("`{text}` is not a whole number"));
                }
                Ok(Parsed::Int(v as i64))
            } else {
                Ok(Parsed::Float(v))
            }
        }
        Percent if unit_ok(&[Unit::Fraction]) => Ok(Parsed::Float(v)),
        Percent => fail("percent/unit", format!("`{text}` is not a percentage (expected a `%`)")),
        Compute if unit_ok(&[Unit::Pflops]) => Ok(Parsed::Float(v)),
        Compute => fail("compute/unit", format!("`{text}` is not compute capacity (P, PFLOPS, E, EFLOPS)")),
        Money => {
            let currency = match q.unit {
                Unit::Cny => "CNY",
                Unit::Usd => "USD",
                _ => return fail("money/unit", format!("`{text}` is not an amount in 元 or 美元")),
            };
            if let Some(c) = &col.currency {
                if c != currency {
                    return fail("money/currency", format!("expected {c}, found {currency}"));
                }
            }
            if col.per.is_some() && q.per != col.per {
                return fail(
                    "money/per",
                    format!(
                        "expected a price per `{}`, found `{}`",
                        col.per.as_deref().unwrap_or(""),
                        q.per.as_deref().unwrap_or("(none)")
                    ),
                );
            }
            Ok(Parsed::Money(v, currency, q.per))
        }
        _ => fail("type", format!("`{text}` cannot be read as {type_name}")),
    }
}

impl Buffer {
    fn new(col: &Column, n: usize) -> Buffer {
        use ColumnType::*;
        let names: Vec<String> = staged_columns(col).into_iter().map(|(name, _, _)| name).collect();
        let s = |i: usize| Str::new(PlSmallStr::from(names[i].as_str()), n);
        fn v<T>(n: usize) -> Vec<T> {
            Vec::with_capacity(n)
        }
        match col.kind {
            Text | Enum => Buffer::Text(s(0)),
            Integer => Buffer::Int { value: v(n), raw: s(1) },
            Decimal | Percent | Compute => Buffer::Float { value: v(n), raw: s(1) },
            Money => Buffer::Money { value: v(n), currency: s(1), per: s(2), raw: s(3) },
            Duration => Buffer::Days { low: v(n), high: v(n), raw: s(2) },
            Date => Buffer::Date { value: v(n), precision: s(1), raw: s(2) },
            Range => Buffer::Span { low: v(n), high: v(n), qualifier: None, unit: s(2), raw: s(3) },
            Bound => Buffer::Span { low: v(n), high: v(n), qualifier: Some(s(2)), unit: s(3), raw: s(4) },
        }
    }

    /// Appends a parsed cell (a reject or a missing cell appends NULLs).
    fn push(&mut self, parsed: Option<Parsed<'_>>, raw_text: Option<&str>) {
        match (self, parsed) {
            (Buffer::Text(t), Some(Parsed::Text(s))) => t.append_value(s),
            (Buffer::Text(t), _) => t.append_null(),
            (Buffer::Int { value, raw }, p) => {
                value.push(if let Some(Parsed::Int(i)) = p { Some(i) } else { None });
                raw.append_option(raw_text);
            }
            (Buffer::Float { value, raw }, p) => {
                value.push(if let Some(Parsed::Float(f)) = p { Some(f) } else { None });
                raw.append_option(raw_text);
            }
            (Buffer::Money { value, currency, per, raw }, p) => {
                let (v, c, d) = match p {
                    Some(Parsed::Money(v, c, d)) => (Some(v), Some(c), d),
                    _ => (None, None, None),
                };
                value.push(v);
                currency.append_option(c);
                per.append_option(d);
                raw.append_option(raw_text);
            }
            (Buffer::Days { low, high, raw }, p) => {
                let (l, h) = if let Some(Parsed::Days(l, h)) = p { (Some(l), Some(h)) } else { (None, None) };
                low.push(l);
                high.push(h);
                raw.append_option(raw_text);
            }
            (Buffer::Date { value, precision, raw }, p) => {
                let (d, pr) = if let Some(Parsed::Date(d, p)) = p { (Some(d), Some(p)) } else { (None, None) };
                value.push(d);
                precision.append_option(pr);
                raw.append_option(raw_text);
            }
            (Buffer::Span { low, high, qualifier, unit, raw }, p) => {
                let q = if let Some(Parsed::Span(q)) = p { Some(q) } else { None };
                low.push(q.as_ref().and_then(|q| q.low));
                high.push(q.as_ref().and_then(|q| q.high));
                if let Some(qs) = qualifier {
                    qs.append_option(q.as_ref().map(|q| q.qualifier.as_str()));
                }
                unit.append_option(q.as_ref().map(|q| q.unit.as_str()));
                raw.append_option(raw_text);
            }
        }
    }

    fn into_columns(self, col: &Column) -> Result<Vec<polars::prelude::Column>> {
        let names: Vec<String> = staged_columns(col).into_iter().map(|(n, _, _)| n).collect();
        let s = |i: usize| PlSmallStr::from(names[i].as_str());
        let t = |b: Str| b.finish().into_series();
        let series: Vec<Series> = match self {
            Buffer::Text(b) => vec![t(b)],
            Buffer::Int { value, raw } => vec![Series::new(s(0), value), t(raw)],
            Buffer::Float { value, raw } => vec![Series::new(s(0), value), t(raw)],
            Buffer::Money { value, currency, per, raw } => vec![Series::new(s(0), value), t(currency), t(per), t(raw)],
            Buffer::Days { low, high, raw } => vec![Series::new(s(0), low), Series::new(s(1), high), t(raw)],
            Buffer::Date { value, precision, raw } => vec![
                Series::new(s(0), value).cast(&DataType::Date).map_err(Error::polars("date column"))?,
                t(precision),
                t(raw),
            ],
            Buffer::Span { low, high, qualifier, unit, raw } => {
                let mut v = vec![Series::new(s(0), low), Series::new(s(1), high)];
                if let Some(q) = qualifier {
                    v.push(t(q));
                }
                v.push(t(unit));
                v.push(t(raw));
                v
            }
        };
        Ok(series.into_iter().map(|s| s.into_column()).collect())
    }
}

/// The staged column whose values a rule applies to, per contract column.
fn value_columns(col: &Column) -> Vec<String> {
    use ColumnType::*;
    match col.kind {
        Duration => vec![format!("{}_days_low", col.name), format!("{}_days_high", col.name)],
        Range | Bound => vec![format!("{}_low", col.name), format!("{}_high", col.name)],
        _ => vec![col.name.clone()],
    }
}

/// The staged column that is NULL exactly when the cell was empty.
pub fn presence_column(col: &Column) -> String {
    match col.kind {
        ColumnType::Text | ColumnType::Enum => col.name.clone(),
        _ => format!("{}_raw", col.name),
    }
}

pub fn validate(contract: &Contract, table: &RawTable) -> Result<Validated> {
    let n = table.rows.len();
    let reject_at = |ci: usize, row: u32, raw: &str, rule: String, message: String| Reject {
        source: contract.name.clone(),
        file: table.file.clone(),
        sheet: table.sheet.clone(),
        cell: table.cell_address(ci, row),
        row,
        column: contract.columns[ci].name.clone(),
        raw: raw.to_string(),
        rule,
        message: clip(&message, 300),
    };

    // Pass 1: parse every cell in Rust, the columns in parallel (rayon, as polars does).
    let parsed: Vec<Result<(Vec<polars::prelude::Column>, Vec<Reject>)>> = contract
        .columns
        .par_iter()
        .enumerate()
        .map(|(ci, col)| {
            let mut buf = Buffer::new(col, n);
            let mut found = Vec::new();
            for r in &table.rows {
                let cell = &r.cells[ci];
                let blank = cell.is_blank();
                let parsed = match cell {
                    Cell::Error(e) => {
                        let message = format!("the cell holds the spreadsheet error {e}");
                        found.push(reject_at(ci, r.row, e, "formula_error".into(), message));
                        None
                    }
                    _ if blank => Some(Parsed::Missing),
                    c => match parse_cell(col, c.text()) {
                        Ok(p) => Some(p),
                        Err((rule, message)) => {
                            found.push(reject_at(ci, r.row, c.text(), rule, message));
                            None
                        }
                    },
                };
                let raw = if blank { None } else { Some(cell.text()) };
                buf.push(parsed, raw);
            }
            Ok((buf.into_columns(col)?, found))
        })
        .collect();
    let mut columns = Vec::new();
    let mut rejects = Vec::new();
    for p in parsed {
        let (cols, found) = p?;
        columns.extend(cols);
        rejects.extend(found);
    }
    let mut reject = |ci: usize, row: u32, raw: &str, rule: String, message: String| {
        rejects.push(reject_at(ci, row, raw, rule, message));
    };
    // `_file`, `_sheet` and `_ref` are the same on every row of a source: the staged table
    // declares them as constants (see `provenance_ddl`), so only `_row` is carried per row.
    let rows: Vec<i32> = table.rows.iter().map(|r| r.row as i32).collect();
    columns.push(Series::new(ROW.into(), rows).into_column());
    let frame = DataFrame::new(n, columns).map_err(Error::polars(format!("building {}", contract.name)))?;

    // Pass 2: the contract's rules as polars expressions, one boolean mask each.
    let mut checks: Vec<(usize, String, String, Expr)> = Vec::new();
    for (ci, col) in contract.columns.iter().enumerate() {
        if col.required {
            checks.push((
                ci,
                "required".into(),
                "the cell is empty but the column is required".into(),
                col_expr(&presence_column(col)).is_null(),
            ));
        }
        for vc in value_columns(col) {
            if let Some(min) = col.min {
                checks.push((ci, "min".into(), format!("below the minimum {min}"), col_expr(&vc).lt(lit(min))));
            }
            if let Some(max) = col.max {
                checks.push((ci, "max".into(), format!("above the maximum {max}"), col_expr(&vc).gt(lit(max))));
            }
        }
        if let Some(values) = &col.values {
            let allowed = Series::new("allowed".into(), values.clone());
            checks.push((
                ci,
                "accepted_values".into(),
                format!("not one of: {}", values.join(", ")),
                col_expr(&col.name)
                    .is_in(lit(allowed).implode(true), false)
                    .not()
                    .and(col_expr(&col.name).is_not_null()),
            ));
        }
    }
    if !checks.is_empty() {
        let exprs: Vec<Expr> = checks
            .iter()
            .enumerate()
            .map(|(i, (_, _, _, e))| e.clone().fill_null(lit(false)).alias(format!("check_{i}")))
            .collect();
        let masks = frame
            .clone()
            .lazy()
            .select(exprs)
            .collect()
            .map_err(Error::polars(format!("checking {}", contract.name)))?;
        for (i, (ci, rule, message, _)) in checks.iter().enumerate() {
            let mask = masks.columns()[i].bool().map_err(Error::polars("check mask"))?.clone();
            for (ri, hit) in mask.iter().enumerate() {
                if hit == Some(true) {
                    let r = &table.rows[ri];
                    reject(*ci, r.row, r.cells[*ci].text(), rule.clone(), message.clone());
                }
            }
        }
    }

    let mut rejects = rejects;
    rejects.sort_by(|a, b| (a.row, &a.cell).cmp(&(b.row, &b.cell)));
    let bad_rows: BTreeSet<u32> = rejects.iter().map(|r| r.row).collect();
    // Under `fail` any reject fails the source; under `quarantine` the caller checks the limit
    // once every batch (and the keys across batches) have been seen.
    if !rejects.is_empty() && contract.on_error == OnError::Fail {
        return Err(rejected_error(contract, &rejects, None));
    }
    let frame = if bad_rows.is_empty() {
        frame
    } else {
        let keep: BooleanChunked = table.rows.iter().map(|r| !bad_rows.contains(&r.row)).collect();
        frame.filter(&keep).map_err(Error::polars("dropping quarantined rows"))?
    };
    Ok(Validated { frame, rejects, rows_read: n })
}

/// The error listing a source's rejected cells; `over` = (rejected rows, all rows) when the
/// quarantine limit was passed.
pub fn rejected_error(contract: &Contract, rejects: &[Reject], over: Option<(usize, usize)>) -> Error {
    let mut details: Vec<String> = rejects.iter().take(50).map(|r| format!("  {r}")).collect();
    if rejects.len() > 50 {
        details.push(format!("  … and {} more", rejects.len() - 50));
    }
    if let Some((bad, total)) = over {
        details.push(format!(
            "  {bad} of {total} rows rejected, over the quarantine limit max_rejected = {} in {}",
            contract.max_rejected, contract.path
        ));
    }
    Error::Rejected { source_name: contract.name.clone(), count: rejects.len(), details: details.join("\n") }
}

/// Rows of a loaded staging table whose primary key an earlier row already has: checked in
/// DuckDB once every batch is loaded, so a key is compared across the whole file without
/// holding the keys in memory here.
pub fn duplicate_keys(conn: &duckdb::Connection, contract: &Contract, column_index: &[u32]) -> Result<Vec<Reject>> {
    if contract.primary_key.is_empty() {
        return Ok(Vec::new());
    }
    let cols: Vec<&Column> =
        contract.primary_key.iter().filter_map(|k| contract.columns.iter().find(|c| &c.name == k)).collect();
    let keys: Vec<String> = cols.iter().map(|c| crate::spec::quote(&presence_column(c))).collect();
    let list = keys.join(", ");
    let text: Vec<String> = keys.iter().map(|k| format!("coalesce({k}::varchar, '')")).collect();
    let sql = format!(
        "select _row, key, first_row from (select _row, concat_ws(' / ', {}) as key, \
         min(_row) over (partition by {list}) as first_row from staging.{}) where _row > first_row order by _row",
        text.join(", "),
        crate::spec::quote(&contract.name)
    );
    // Most sources have no duplicate: an aggregate says so more cheaply than the window query
    // that names the rows.
    let any = format!(
        "select count(*) from (select 1 from staging.{} group by {list} having count(*) > 1)",
        crate::spec::quote(&contract.name)
    );
    let groups: i64 = conn.query_row(&any, [], |r| r.get(0)).map_err(Error::duckdb("checking primary keys"))?;
    if groups == 0 {
        return Ok(Vec::new());
    }
    let first = contract.columns.iter().position(|c| c.name == contract.primary_key[0]).unwrap_or(0);
    let letter = crate::extract::cell_address(column_index.get(first).copied().unwrap_or(0), 1);
    let letter = letter.trim_end_matches('1');
    let mut stmt = conn.prepare(&sql).map_err(Error::duckdb("checking primary keys"))?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, i32>(0)?, r.get::<_, String>(1)?, r.get::<_, i32>(2)?)))
        .map_err(Error::duckdb("checking primary keys"))?;
    let mut out = Vec::new();
    for row in rows {
        let (row, key, first_row) = row.map_err(Error::duckdb("checking primary keys"))?;
        out.push(Reject {
            source: contract.name.clone(),
            file: contract.file.clone(),
            sheet: contract.sheet.clone(),
            cell: format!("{letter}{row}"),
            row: row as u32,
            column: contract.primary_key[0].clone(),
            raw: key,
            rule: "primary_key".into(),
            message: format!(
                "duplicate primary key ({}), first seen in row {first_row}",
                contract.primary_key.join(", ")
            ),
        });
    }
    Ok(out)
}

fn col_expr(name: &str) -> Expr {
    col(PlSmallStr::from(name))
}
