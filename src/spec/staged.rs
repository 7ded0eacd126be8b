//! The shape a contract becomes in staging: each column's staged columns with their types and
//! descriptions, the provenance columns, and which staged column a rule or a key reads. Used by
//! validate, load, carry-over and audit alike.

use super::{quote, Column, ColumnType, Contract};

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
            Some(v) => format!("{} {ty} generated always as ({v}) virtual", quote(name)),
            None => format!("{} {ty}", quote(name)),
        })
        .collect()
}

/// The staged column whose values a rule applies to, per contract column.
pub fn value_columns(col: &Column) -> Vec<String> {
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

/// What a numeric column's values are measured in, as declared: by a contract column's type,
/// or by a model sidecar's `unit` / `unit_column`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// One unit for every value (`CNY`, `fraction`, `days`); `currency` when money's currency
    /// is named row by row in `column`.
    pub unit: Option<String>,
    /// The column of the same table that gives each row's unit (`price_currency`, `value_unit`).
    pub column: Option<String>,
}

impl Unit {
    fn fixed(unit: &str) -> Unit {
        Unit { unit: Some(unit.into()), column: None }
    }

    fn per_row(column: String) -> Unit {
        Unit { unit: None, column: Some(column) }
    }

    /// The one unit every value of the column is in; none when each row names its own (money
    /// whose currency is `currency`, named row by row, included).
    pub fn single(&self) -> Option<&str> {
        self.unit.as_deref().filter(|u| *u != "currency")
    }

    /// Money: a currency, one for the column or one per row.
    pub fn is_money(&self) -> bool {
        matches!(self.unit.as_deref(), Some("CNY" | "USD" | "currency"))
    }

    /// A share: a fraction (50.6% is 0.506).
    pub fn is_fraction(&self) -> bool {
        self.unit.as_deref() == Some("fraction")
    }
}

/// The declared unit of each staged column a contract column becomes that has one.
pub fn staged_units(col: &Column) -> Vec<(String, Unit)> {
    let n = &col.name;
    use ColumnType::*;
    match col.kind {
        Text | Enum | Date => vec![],
        Integer | Decimal => col.unit.iter().map(|u| (n.clone(), Unit::fixed(u))).collect(),
        Percent => vec![(n.clone(), Unit::fixed("fraction"))],
        Compute => vec![(n.clone(), Unit::fixed("PFLOPS"))],
        Money => match &col.currency {
            Some(c) => vec![(n.clone(), Unit::fixed(c))],
            None => vec![(n.clone(), Unit { unit: Some("currency".into()), column: Some(format!("{n}_currency")) })],
        },
        Duration => ["low", "high"].map(|end| (format!("{n}_days_{end}"), Unit::fixed("days"))).into(),
        Range | Bound => ["low", "high"].map(|end| (format!("{n}_{end}"), Unit::per_row(format!("{n}_unit")))).into(),
    }
}
