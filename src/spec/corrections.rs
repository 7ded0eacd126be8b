//! `pipelines/corrections.toml`: the report's known slips, corrected on the record. The raw file
//! keeps the text as printed; a correction names the source, the row (by its primary key), the
//! column, the text the report prints (`expect`), the corrected text, the reason and a status.
//! A build stages the corrected value and keeps the printed text in `<column>_raw`; when the cell
//! no longer says `expect`, or no row has the key, the build fails naming the entry: a
//! correction never outlives its reason silently.
//!
//! ```toml
//! [[correction]]
//! id = "market.llm_size.2023.typo"
//! source = "market_facts"
//! key = { id = "market.llm_size.2023" }
//! column = "value"
//! expect = "132.3亿元"
//! value = "133.3亿元"
//! reason = "The chart beside the text gives 133.3"
//! status = "open"          # open, reported, acknowledged or fixed_upstream
//! ```

use super::{read_toml, Contract};
use crate::error::{Error, Location, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// Where the register lives, relative to the project root.
pub const CORRECTIONS_FILE: &str = "pipelines/corrections.toml";

#[derive(Debug, Clone, serde::Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Open,
    Reported,
    Acknowledged,
    FixedUpstream,
}

impl Status {
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Reported => "reported",
            Status::Acknowledged => "acknowledged",
            Status::FixedUpstream => "fixed_upstream",
        }
    }
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Correction {
    pub id: String,
    pub source: String,
    /// The row's primary key, column by column.
    pub key: BTreeMap<String, String>,
    pub column: String,
    /// The text the report prints, as the raw file holds it.
    pub expect: String,
    /// The corrected text, read as the column's type reads a cell.
    pub value: String,
    pub reason: String,
    pub status: Status,
}

impl Correction {
    /// `id = market.llm_size.2023`, for messages and meta.corrections.
    pub fn key_text(&self) -> String {
        self.key.iter().map(|(k, v)| format!("{k} = {v}")).collect::<Vec<_>>().join(", ")
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Register {
    #[serde(default)]
    correction: Vec<Correction>,
}

/// The register, checked against the contracts: each entry names a source, one of its columns,
/// and exactly its primary key; ids are unique.
pub fn load(root: &Path, contracts: &[Contract]) -> Result<Vec<Correction>> {
    let path = root.join(CORRECTIONS_FILE);
    if !path.exists() {
        return Ok(Vec::new());
    }
    let register: Register = read_toml(&path, CORRECTIONS_FILE)?;
    let loc = Location::file(CORRECTIONS_FILE);
    let mut seen = std::collections::HashSet::new();
    for c in &register.correction {
        let at = |message: String| Error::spec(loc.clone(), format!("correction `{}`: {message}", c.id));
        if !seen.insert(c.id.clone()) {
            return Err(at("the id is used twice".into()));
        }
        let Some(contract) = contracts.iter().find(|k| k.name == c.source) else {
            return Err(at(format!("no source `{}` (pipelines/sources/{}.toml)", c.source, c.source)));
        };
        if !contract.columns.iter().any(|col| col.name == c.column) {
            return Err(at(format!("source `{}` has no column `{}`", c.source, c.column)));
        }
        let mut key: Vec<&String> = c.key.keys().collect();
        let mut wanted: Vec<&String> = contract.primary_key.iter().collect();
        key.sort();
        wanted.sort();
        if contract.primary_key.is_empty() || key != wanted {
            return Err(at(format!(
                "the key must name the primary key of `{}` ({}), found {}",
                c.source,
                contract.primary_key.join(", "),
                c.key.keys().cloned().collect::<Vec<_>>().join(", ")
            )));
        }
    }
    Ok(register.correction)
}
