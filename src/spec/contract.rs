//! `pipelines/sources/<name>.toml`: what one raw table must contain.

use super::{check_identifier, read_toml, resolve_in_project};
use crate::error::{Error, Location, Result};
use serde::Deserialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contract {
    /// The staging table's name: the file stem, not a key.
    #[serde(skip)]
    pub name: String,
    /// `pipelines/sources/<name>.toml`, relative to the project.
    #[serde(skip)]
    pub path: String,
    /// The raw file resolved inside the project.
    #[serde(skip)]
    pub file_path: PathBuf,
    /// The project root `file` was resolved against: an opened file must still lie inside it.
    #[serde(skip)]
    pub root: PathBuf,

    pub description: String,
    /// The report section the data comes from.
    #[serde(rename = "ref")]
    pub reference: String,
    pub file: String,
    pub sheet: Option<String>,
    #[serde(default = "one")]
    pub header_row: u32,
    pub units_row: Option<u32>,
    pub last_row: Option<u32>,
    #[serde(default)]
    pub encoding: Encoding,
    #[serde(default)]
    pub primary_key: Vec<String>,
    #[serde(default)]
    pub on_error: OnError,
    #[serde(default)]
    pub max_rejected: MaxRejected,
    /// The most of this source's values a build may change against the published warehouse
    /// (a count or a percentage of its values): a row shift changes almost everything at once.
    pub max_changed: Option<MaxRejected>,
    /// How far a value may move from the same value in the published warehouse: a factor
    /// (default 10); a value that grows or shrinks more fails the build (a 万/亿 slip, a
    /// dropped digit). 0 switches the check off.
    pub max_factor: Option<f64>,
    /// Text and enum cells are stored without surrounding whitespace (the default), and a cell
    /// of whitespace only is empty; `trim = false` keeps them exactly as read. Numbers ignore
    /// whitespace either way.
    #[serde(default = "yes")]
    pub trim: bool,
    /// The cell texts that mean "no value" (NULL, never zero), compared after trimming and
    /// folding full-width forms; replaces the default list (`-`, `--`, `—`, `N/A`, `/`, …).
    /// An empty cell is always missing.
    pub missing: Option<Vec<String>>,
    pub columns: Vec<Column>,
}

fn one() -> u32 {
    1
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    #[default]
    #[serde(rename = "utf-8", alias = "utf8")]
    Utf8,
    Gbk,
    Gb18030,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnError {
    #[default]
    Fail,
    Quarantine,
}

/// A limit written as a count (`3`) or a fraction (`"5%"`): the quarantine limit on rejected
/// rows, and `max_changed` on changed values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MaxRejected {
    Count(u64),
    Fraction(f64),
}

impl Default for MaxRejected {
    fn default() -> Self {
        MaxRejected::Count(0)
    }
}

impl MaxRejected {
    pub fn allows(&self, rejected: usize, total: usize) -> bool {
        match *self {
            MaxRejected::Count(n) => rejected as u64 <= n,
            MaxRejected::Fraction(f) => total == 0 || (rejected as f64) <= f * total as f64,
        }
    }
}

impl std::fmt::Display for MaxRejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MaxRejected::Count(n) => write!(f, "{}", crate::error::count(*n as usize, "row")),
            MaxRejected::Fraction(x) => write!(f, "{}% of rows", x * 100.0),
        }
    }
}

impl<'de> Deserialize<'de> for MaxRejected {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Count(u64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Count(n) => Ok(MaxRejected::Count(n)),
            Raw::Text(t) => {
                let pct = t.trim().strip_suffix('%').and_then(|p| p.trim().parse::<f64>().ok());
                match pct {
                    Some(p) if (0.0..=100.0).contains(&p) => Ok(MaxRejected::Fraction(p / 100.0)),
                    _ => Err(serde::de::Error::custom(format!(
                        "max_rejected and max_changed are a count (3) or a percentage (\"5%\"), found `{t}`"
                    ))),
                }
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    Text,
    Enum,
    Integer,
    Decimal,
    Percent,
    Money,
    Compute,
    Duration,
    Date,
    Range,
    Bound,
}

impl ColumnType {
    /// The type's name as contracts write it (rules of a type are prefixed with it).
    pub fn as_str(self) -> &'static str {
        use ColumnType::*;
        match self {
            Text => "text",
            Enum => "enum",
            Integer => "integer",
            Decimal => "decimal",
            Percent => "percent",
            Money => "money",
            Compute => "compute",
            Duration => "duration",
            Date => "date",
            Range => "range",
            Bound => "bound",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    pub name: String,
    /// The header text in the file; defaults to `name`.
    pub header: Option<String>,
    #[serde(rename = "type")]
    pub kind: ColumnType,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub description: String,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub values: Option<Vec<String>>,
    /// The unit text the cells must carry (`张`), or the staged unit for range/bound (`fraction`).
    pub unit: Option<String>,
    /// Money: the denominator the cells must carry (`张` in `15万元/张`).
    pub per: Option<String>,
    /// Money: `CNY` or `USD` when only one is allowed.
    pub currency: Option<String>,
    /// Duration: the month assumption (default 30 days).
    pub days_per_month: Option<f64>,
    /// `schema.table.column` another table's key this column must match.
    pub references: Option<String>,
    /// The value is ours, not text copied from the report: a count of listed items, the number
    /// a phrase in words states. The verbatim check of transcriptions skips it; its description
    /// says how it was found.
    #[serde(default)]
    pub derived: bool,
    /// Sanity tests on the staged table, as a model sidecar declares them (`sums_to`,
    /// `monotone`, `range`, …), on the column's first staged column: `<name>`, or `<name>_low`
    /// for a range or bound, `<name>_days_low` for a duration.
    #[serde(default)]
    pub tests: Vec<crate::spec::ColumnTest>,
}

impl Column {
    pub fn header(&self) -> &str {
        self.header.as_deref().unwrap_or(&self.name)
    }
}

impl Contract {
    /// Reads and checks `pipelines/sources/<name>.toml`.
    pub fn load(root: &Path, path: &Path) -> Result<Contract> {
        let display = path.strip_prefix(root).unwrap_or(path).display().to_string();
        let mut c: Contract = read_toml(path, &display)?;
        let loc = Location::file(&display);
        c.name = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        c.path = display;
        check_identifier(&c.name, "source name (the file name)", &loc)?;
        c.file_path = resolve_in_project(root, &c.file, &loc)?;
        c.root = root.to_path_buf();
        c.check(&loc).map_err(|e| with_column_line(e, path))?;
        Ok(c)
    }

    pub fn is_xlsx(&self) -> bool {
        let lower = self.file.to_ascii_lowercase();
        lower.ends_with(".xlsx") || lower.ends_with(".xlsm")
    }

    fn check(&self, loc: &Location) -> Result<()> {
        let err = |m: String| Err(Error::spec(loc.clone(), m));
        if self.columns.is_empty() {
            return err("a contract needs at least one [[columns]] entry".into());
        }
        // Workbook formats baimo does not read: said when the contract loads, not as a zip or
        // XML error about the file later.
        let lower = self.file.to_ascii_lowercase();
        if let Some(ext) = [".xls", ".xlsb", ".ods", ".numbers"].iter().find(|e| lower.ends_with(*e)) {
            return err(format!(
                "`{}`: baimo reads CSV and xlsx workbooks, not {ext} files; save it as .xlsx (or export the sheet as CSV)",
                self.file
            ));
        }
        if self.is_xlsx() && self.sheet.is_none() {
            return err(format!("`{}` is a workbook: name its `sheet`", self.file));
        }
        if !self.is_xlsx() && self.sheet.is_some() {
            return err(format!("`sheet` applies to xlsx files only, and `{}` is not one", self.file));
        }
        if self.header_row == 0 {
            return err("header_row counts from 1".into());
        }
        if let Some(u) = self.units_row {
            if u <= self.header_row {
                return err(format!("units_row ({u}) must come after header_row ({})", self.header_row));
            }
        }
        if let Some(l) = self.last_row {
            if l <= self.header_row {
                return err(format!("last_row ({l}) must come after header_row ({})", self.header_row));
            }
        }
        let mut names = HashSet::new();
        let mut headers = HashSet::new();
        for col in &self.columns {
            check_identifier(&col.name, "column name", loc)?;
            if col.name.starts_with('_') {
                return err(format!("column `{}`: names starting with `_` are kept for provenance", col.name));
            }
            if !names.insert(col.name.as_str()) {
                return err(format!("column `{}` is declared twice", col.name));
            }
            if !headers.insert(col.header()) {
                return err(format!("header `{}` is used by two columns", col.header()));
            }
            col.check(loc)?;
        }
        for key in &self.primary_key {
            if !names.contains(key.as_str()) {
                return err(format!("primary_key names `{key}`, which is not a declared column"));
            }
        }
        if self.encoding != Encoding::Utf8 && self.is_xlsx() {
            return err("`encoding` applies to CSV files; xlsx is always UTF-8 inside".into());
        }
        Ok(())
    }
}

impl Column {
    fn check(&self, loc: &Location) -> Result<()> {
        let err = |m: String| Err(Error::spec(loc.clone(), format!("column `{}`: {m}", self.name)));
        use ColumnType::*;
        match (self.kind, &self.values) {
            (Enum, None) => return err("type \"enum\" needs `values = [...]`".into()),
            (Enum, Some(v)) if v.is_empty() => return err("`values` is empty".into()),
            (Enum, Some(_)) => {}
            (_, Some(_)) => return err("`values` applies to type \"enum\" only".into()),
            _ => {}
        }
        let numeric = matches!(self.kind, Integer | Decimal | Percent | Money | Compute | Duration | Range | Bound);
        if (self.min.is_some() || self.max.is_some()) && !numeric {
            return err("`min`/`max` apply to numeric types only".into());
        }
        if let (Some(lo), Some(hi)) = (self.min, self.max) {
            if lo > hi {
                return err(format!("min ({lo}) is above max ({hi})"));
            }
        }
        if (self.per.is_some() || self.currency.is_some()) && self.kind != Money {
            return err("`per` and `currency` apply to type \"money\" only".into());
        }
        if let Some(c) = &self.currency {
            if c != "CNY" && c != "USD" {
                return err(format!("currency must be \"CNY\" or \"USD\", found `{c}`"));
            }
        }
        if self.days_per_month.is_some() && !matches!(self.kind, Duration | Range | Bound) {
            return err("`days_per_month` applies to durations only".into());
        }
        if let Some(d) = self.days_per_month {
            if !(28.0..=31.0).contains(&d) {
                return err(format!("days_per_month must be between 28 and 31, found {d}"));
            }
        }
        if let Some(r) = &self.references {
            let parts: Vec<&str> = r.split('.').collect();
            if parts.len() != 3 {
                return err(format!("references must be `schema.table.column`, found `{r}`"));
            }
            for p in parts {
                check_identifier(p, "referenced name", loc)?;
            }
        }
        Ok(())
    }
}

/// Points a `column `x`: …` error at the line declaring `name = "x"`.
fn with_column_line(e: Error, path: &Path) -> Error {
    let Error::Spec { mut location, message } = e else { return e };
    let column = message.strip_prefix("column `").and_then(|m| m.split('`').next());
    if let (Some(column), Ok(text)) = (column, std::fs::read_to_string(path)) {
        let needle = format!("name = \"{column}\"");
        location.line = text.lines().position(|l| l.trim() == needle).map(|i| i + 1);
    }
    Error::Spec { location, message }
}

/// Loads every contract under `pipelines/sources`, sorted by name.
pub fn load_contracts(root: &Path) -> Result<Vec<Contract>> {
    let dir = root.join("pipelines").join("sources");
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(Error::Io { path: dir, source: e }),
    };
    for entry in entries {
        let path = entry.map_err(Error::io(&dir))?.path();
        if path.extension().and_then(|e| e.to_str()) == Some("toml") {
            out.push(Contract::load(root, &path)?);
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}
