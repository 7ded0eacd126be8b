//! One cell's text → its column's staged values (through [`crate::quantity`]), and the typed
//! buffers a batch's cells are collected in (text straight into polars string builders).

use crate::error::{Error, Result};
use crate::quantity::{self, ParseOptions, Qualifier, Quantity, Unit};
use crate::spec::staged::staged_columns;
use crate::spec::{Column, ColumnType, Contract};
use polars::prelude::*;

/// How a contract reads a cell's text before its column's type does: `trim` and `missing`.
pub(super) struct Reading {
    trim: bool,
    /// The contract's own missing texts, normalised as cells are; `None`: the default list.
    missing: Option<Vec<String>>,
}

impl Reading {
    pub(super) fn of(contract: &Contract) -> Reading {
        let missing =
            contract.missing.as_ref().map(|m| m.iter().map(|t| quantity::normalise(t).into_owned()).collect());
        Reading { trim: contract.trim, missing }
    }

    /// Whether a cell of this column counts as empty before it is parsed.
    pub(super) fn blank(&self, col: &Column, cell: &crate::extract::Cell) -> bool {
        let keeps_whitespace = !self.trim && matches!(col.kind, ColumnType::Text | ColumnType::Enum);
        if keeps_whitespace {
            cell.text().is_empty() && !matches!(cell, crate::extract::Cell::Error(_))
        } else {
            cell.is_blank()
        }
    }

    fn is_missing(&self, text: &str) -> bool {
        match &self.missing {
            None => quantity::is_missing(text),
            Some(list) => {
                let t = quantity::normalise(text);
                t.is_empty() || list.iter().any(|m| *m == *t)
            }
        }
    }
}

/// Typed buffers for one contract column; text goes straight into polars string builders.
pub(super) enum Buffer {
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
pub(super) enum Parsed<'a> {
    Missing,
    Text(&'a str),
    Int(i64),
    Float(f64),
    Money(f64, &'static str, Option<String>),
    Days(f64, f64),
    Date(i32, &'static str),
    Span(Quantity),
}

pub(super) type CellResult<'a> = std::result::Result<Parsed<'a>, (String, String)>;

fn fail<'a>(rule: &str, message: impl Into<String>) -> CellResult<'a> {
    Err((rule.to_string(), message.into()))
}

/// Parses one cell's text for a column: the value or (rule, message).
pub(super) fn parse_cell<'a>(col: &Column, reading: &Reading, text: &'a str) -> CellResult<'a> {
    use ColumnType::*;
    let opts = ParseOptions { days_per_month: col.days_per_month.unwrap_or(30.0) };
    let kind = col.kind;
    // Kept as read, a cell of spaces is a value (missing texts are compared trimmed).
    if !reading.trim && matches!(kind, Text | Enum) && !text.is_empty() && text.trim().is_empty() {
        return Ok(Parsed::Text(text));
    }
    // With the default list, numeric types see missing cells inside parse_quantity, which
    // normalises the text once; a contract's own list is checked here for every type.
    if (matches!(kind, Text | Enum | Date) || reading.missing.is_some()) && reading.is_missing(text) {
        return Ok(Parsed::Missing);
    }
    // A default missing text the contract's list leaves out is a value: text, or not a number.
    if let Some(list) = reading.missing.as_ref().filter(|_| !matches!(kind, Text | Enum)) {
        if quantity::is_missing(text) {
            let listed = if list.is_empty() {
                "`missing = []` counts only an empty cell as missing".to_string()
            } else {
                format!("`missing` list is {}", list.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", "))
            };
            return fail("missing", format!("`{}` is not a value, and this contract's {listed}", text.trim()));
        }
    }
    match kind {
        Text | Enum => return Ok(Parsed::Text(if reading.trim { text.trim() } else { text })),
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
                // Beyond 2^53 a double no longer holds every whole number: the value could not be
                // stored exactly, which is a range problem, not a fraction.
                if v.abs() >= 9_007_199_254_740_992.0 {
                    return fail(
                        "integer/out_of_range",
                        format!("`{text}` is out of range: whole numbers are stored exactly only below 2^53 (9,007,199,254,740,992)"),
                    );
                }
                if v.fract() != 0.0 {
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
    pub(super) fn new(col: &Column, n: usize) -> Buffer {
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
    pub(super) fn push(&mut self, parsed: Option<Parsed<'_>>, raw_text: Option<&str>) {
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

    pub(super) fn into_columns(self, col: &Column) -> Result<Vec<polars::prelude::Column>> {
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
