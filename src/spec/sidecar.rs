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
}

impl ColumnTest {
    pub fn name(&self) -> &'static str {
        match self {
            ColumnTest::NotNull => "not_null",
            ColumnTest::Unique => "unique",
            ColumnTest::AcceptedValues { .. } => "accepted_values",
            ColumnTest::Range { .. } => "range",
            ColumnTest::Relationships { .. } => "relationships",
        }
    }

    pub fn severity(&self) -> Severity {
        match self {
            ColumnTest::NotNull | ColumnTest::Unique => Severity::Error,
            ColumnTest::AcceptedValues { severity, .. }
            | ColumnTest::Range { severity, .. }
            | ColumnTest::Relationships { severity, .. } => *severity,
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
        assert!(toml::from_str::<Sidecar>("[[columns]]\nname = \"a\"\ntests = [\"not_nul\"]").is_err());
    }
}
