//! `pipelines/models/<schema>/<name>.toml`: the optional sidecar of a SQL model.
//!
//! ```toml
//! description = "GPU-days and GPU-hours per training run"
//! materialized = "table"          # or "view"
//! depends_on = ["staging.training_runs"]   # only for what the SQL scan cannot see
//!
//! [[columns]]
//! name = "model"
//! description = "Model as the report names it"
//! tests = ["not_null", "unique"]
//!
//! [[columns]]
//! name = "gpus"
//! tests = [{ range = { min = 1 } }, { relationships = { to = "staging.training_runs.gpus" } }]
//!
//! [[columns]]
//! name = "rental_usd_low"
//! unit = "USD"                    # or unit_column = "value_unit": each row names its unit
//! ```

use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sidecar {
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub materialized: Materialized,
    #[serde(default)]
    pub depends_on: Vec<String>,
    #[serde(default)]
    pub columns: Vec<ModelColumn>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Materialized {
    #[default]
    Table,
    View,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelColumn {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// What the values are measured in (`CNY`, `USD`, `fraction`, `days`, `GPU-hours`).
    pub unit: Option<String>,
    /// The column of the same model that gives each row's unit (`value_unit`).
    pub unit_column: Option<String>,
    #[serde(default)]
    pub tests: Vec<ColumnTest>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A failure blocks publishing.
    #[default]
    Error,
    /// A failure is recorded and reported, and the build publishes.
    Warn,
}

/// A column test, written as a bare name or a table with its arguments.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ColumnTest {
    NotNull,
    Unique,
    AcceptedValues {
        values: Vec<String>,
        #[serde(default)]
        severity: Severity,
    },
    Range {
        min: Option<f64>,
        max: Option<f64>,
        #[serde(default)]
        severity: Severity,
    },
    /// Every non-null value occurs in `to` (`schema.table.column`).
    Relationships {
        to: String,
        #[serde(default)]
        severity: Severity,
    },
    /// The column sums to `total` within `tolerance` (absolute), in each group of `group_by`
    /// (parts to a stated total; shares to 1).
    SumsTo {
        total: f64,
        #[serde(default = "default_tolerance")]
        tolerance: f64,
        #[serde(default)]
        group_by: Vec<String>,
        #[serde(default)]
        severity: Severity,
    },
    /// Ordered by `order_by` (within each group of `partition_by`), the column never falls
    /// (`increasing`, the default) or never rises (`decreasing`): a cumulative count, a year.
    Monotone {
        order_by: String,
        #[serde(default)]
        partition_by: Vec<String>,
        #[serde(default)]
        direction: Direction,
        #[serde(default)]
        severity: Severity,
    },
}

/// The default `sums_to` tolerance: rounding in the report's own figures.
fn default_tolerance() -> f64 {
    0.001
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    #[default]
    Increasing,
    Decreasing,
}

impl ColumnTest {
    pub fn name(&self) -> &'static str {
        match self {
            ColumnTest::NotNull => "not_null",
            ColumnTest::Unique => "unique",
            ColumnTest::AcceptedValues { .. } => "accepted_values",
            ColumnTest::Range { .. } => "range",
            ColumnTest::Relationships { .. } => "relationships",
            ColumnTest::SumsTo { .. } => "sums_to",
            ColumnTest::Monotone { .. } => "monotone",
        }
    }

    pub fn severity(&self) -> Severity {
        match self {
            ColumnTest::NotNull | ColumnTest::Unique => Severity::Error,
            ColumnTest::AcceptedValues { severity, .. }
            | ColumnTest::Range { severity, .. }
            | ColumnTest::Relationships { severity, .. }
            | ColumnTest::SumsTo { severity, .. }
            | ColumnTest::Monotone { severity, .. } => *severity,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tests_parse_in_both_spellings() {
        let s: Sidecar = toml::from_str(
            r#"
description = "x"
[[columns]]
name = "a"
tests = ["not_null", "unique", { range = { min = 1 } }, { accepted_values = { values = ["x"], severity = "warn" } }]
"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let t = &s.columns[0].tests;
        assert_eq!(t[0], ColumnTest::NotNull);
        assert_eq!(t[2].name(), "range");
        assert_eq!(t[3].severity(), Severity::Warn);
        assert!(toml::from_str::<Sidecar>("descripton = \"typo\"").is_err());
        let s: Sidecar = toml::from_str(
            "[[columns]]\nname = \"share\"\ntests = [{ sums_to = { total = 1, group_by = [\"rule\"] } }, { monotone = { order_by = \"year\", direction = \"decreasing\" } }]",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            s.columns[0].tests[0],
            ColumnTest::SumsTo {
                total: 1.0,
                tolerance: 0.001,
                group_by: vec!["rule".into()],
                severity: Severity::Error
            }
        );
        assert_eq!(s.columns[0].tests[1].name(), "monotone");
        assert!(toml::from_str::<Sidecar>("[[columns]]\nname = \"a\"\ntests = [\"not_nul\"]").is_err());
    }
}

impl ModelColumn {
    /// The unit the sidecar declares, if any.
    pub fn declared_unit(&self) -> Option<crate::spec::staged::Unit> {
        (self.unit.is_some() || self.unit_column.is_some())
            .then(|| crate::spec::staged::Unit { unit: self.unit.clone(), column: self.unit_column.clone() })
    }
}
