//! `datapackage.json` beside an export: a Frictionless Data Package (v1) describing every file
//! in the folder, so that `frictionless validate` (and any tool reading Table Schema) checks
//! the files against their types, keys and references.
//!
//! Each table is a resource with its description, `bytes` and `hash` (sha256), and a schema:
//! fields with the Table Schema type of each DuckDB type, the description and the DuckDB type
//! (`baimo:duckdbType`), and the unit as a custom property — `baimo:unit` where the column's
//! name says it (`rental_usd_low`), `baimo:unitColumn` where a sibling column holds it row by
//! row (`value_unit` beside `value_low`). Primary and foreign keys come from the contracts
//! (`primary_key`, `references`) and the model sidecars (`unique`, `relationships`); a foreign
//! key is written only when the table it refers to is in the package.

use super::{Exported, Manifest};
use crate::project::Project;
use crate::spec::staged::Unit;
use crate::spec::{ColumnTest, Severity};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Keys declared for each table: its primary key, its unique columns and its references
/// (column → table.column). Only what a build enforces as an error is declared, since a
/// package's keys are checked by validators: a `warn` test does not become a key.
#[derive(Default)]
pub struct Keys {
    primary: BTreeMap<String, Vec<String>>,
    unique: BTreeMap<String, Vec<String>>,
    foreign: BTreeMap<String, Vec<(String, String, String)>>,
}

impl Keys {
    /// The keys the project declares; none when the project does not load (the package is then
    /// still written, without keys).
    pub fn of(project: Option<&Project>) -> Keys {
        let mut keys = Keys::default();
        let Some(project) = project else { return keys };
        for c in &project.contracts {
            let table = format!("staging.{}", c.name);
            // A contract's key is checked on the cells as written (`<name>_raw` for a parsed
            // column), and a key column may be empty unless it is required: the staged key is
            // declared only when every part of it is a required column, on those columns.
            let parts: Option<Vec<String>> = c
                .primary_key
                .iter()
                .map(|k| {
                    c.columns
                        .iter()
                        .find(|col| col.name == *k && col.required)
                        .map(crate::spec::staged::presence_column)
                })
                .collect();
            if let Some(parts) = parts.filter(|p| !p.is_empty()) {
                keys.primary.insert(table.clone(), parts);
            }
            for col in c.columns.iter().filter(|col| col.references.is_some()) {
                if let Some((to_table, to_column)) = col.references.as_deref().and_then(|r| r.rsplit_once('.')) {
                    keys.foreign.entry(table.clone()).or_default().push((
                        col.name.clone(),
                        to_table.into(),
                        to_column.into(),
                    ));
                }
            }
        }
        for m in &project.models {
            let table = m.qualified();
            for col in &m.sidecar.columns {
                let not_null = col.tests.iter().any(|t| matches!(t, ColumnTest::NotNull));
                for test in &col.tests {
                    match test {
                        // unique and not_null together are a key; unique alone allows NULLs.
                        ColumnTest::Unique if not_null && !keys.primary.contains_key(&table) => {
                            keys.primary.insert(table.clone(), vec![col.name.clone()]);
                        }
                        ColumnTest::Unique => keys.unique.entry(table.clone()).or_default().push(col.name.clone()),
                        ColumnTest::Relationships { to, severity: Severity::Error } => {
                            if let Some((to_table, to_column)) = to.rsplit_once('.') {
                                keys.foreign.entry(table.clone()).or_default().push((
                                    col.name.clone(),
                                    to_table.into(),
                                    to_column.into(),
                                ));
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        keys
    }
}

/// The resource name Frictionless accepts (lower case, `a-z0-9._-`) for a table or query.
fn resource_name(e: &Exported) -> String {
    let base = e.table.replace("query:", "query.");
    let suffix = std::path::Path::new(&e.file).extension().and_then(|x| x.to_str()).unwrap_or_default().to_string();
    let name: String = format!("{base}.{suffix}")
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' })
        .collect();
    name
}

/// The Table Schema type (and format) a DuckDB type is validated as; `textual` for a file that
/// holds every value as text (CSV, and the workbook's cells for lists and structs).
fn field_type(duckdb: &str, textual: bool) -> (&'static str, Option<&'static str>) {
    let t = duckdb.to_ascii_uppercase();
    match t.as_str() {
        "TINYINT" | "SMALLINT" | "INTEGER" | "BIGINT" | "HUGEINT" | "UTINYINT" | "USMALLINT" | "UINTEGER"
        | "UBIGINT" => ("integer", None),
        "FLOAT" | "DOUBLE" => ("number", None),
        _ if t.starts_with("DECIMAL") => ("number", None),
        "BOOLEAN" => ("boolean", None),
        "DATE" => ("date", None),
        // DuckDB writes `2026-12-02 10:00:00`, not the `T…Z` form Table Schema assumes.
        _ if t.starts_with("TIMESTAMP") => ("datetime", Some("any")),
        "TIME" => ("time", Some("any")),
        // DuckDB writes a list as text `[a, b]`, not JSON; a map is a list of pairs in Parquet.
        _ if t.ends_with(']') && !textual => ("array", None),
        _ if t.starts_with("MAP") && !textual => ("array", None),
        _ if t.starts_with("STRUCT") && !textual => ("object", None),
        _ => ("string", None),
    }
}

/// The declared unit of a column's values: the exported column that gives it row by row, or
/// the column's one unit.
fn unit(declared: Option<&Unit>, columns: &[(String, String)]) -> Option<(&'static str, String)> {
    let declared = declared?;
    if let Some(sibling) = declared.column.as_ref().filter(|u| columns.iter().any(|(c, _)| c == *u)) {
        return Some(("baimo:unitColumn", sibling.clone()));
    }
    declared.single().map(|u| ("baimo:unit", u.to_string()))
}

/// The package for a manifest: every file in the folder, with the descriptions the warehouse
/// gives (`descriptions`: table → (table description, column → description)) and the units
/// it declares (`units`: table → column → unit).
pub fn package(
    manifest: &Manifest,
    descriptions: &BTreeMap<String, (String, BTreeMap<String, String>)>,
    units: &BTreeMap<String, BTreeMap<String, Unit>>,
    keys: &Keys,
    bom: bool,
) -> Value {
    let resources_by_table: BTreeMap<&str, String> =
        manifest.tables.iter().map(|e| (e.table.as_str(), resource_name(e))).collect();
    let resources: Vec<Value> = manifest
        .tables
        .iter()
        .map(|e| {
            let format = std::path::Path::new(&e.file).extension().and_then(|x| x.to_str()).unwrap_or_default();
            let csv = format == "csv";
            let textual = format != "parquet";
            let (description, column_docs) = descriptions.get(&e.table).cloned().unwrap_or_default();
            let fields: Vec<Value> = e
                .columns
                .iter()
                .map(|(name, duckdb)| {
                    let (ty, fmt) = field_type(duckdb, textual);
                    let mut field = Map::new();
                    field.insert("name".into(), json!(name));
                    field.insert("type".into(), json!(ty));
                    if let Some(f) = fmt {
                        field.insert("format".into(), json!(f));
                    }
                    if let Some(d) = column_docs.get(name) {
                        field.insert("description".into(), json!(d));
                    }
                    if keys.unique.get(&e.table).is_some_and(|u| u.contains(name)) {
                        field.insert("constraints".into(), json!({"unique": true}));
                    }
                    field.insert("baimo:duckdbType".into(), json!(duckdb));
                    if let Some((key, value)) = unit(units.get(&e.table).and_then(|u| u.get(name)), &e.columns) {
                        field.insert(key.into(), json!(value));
                    }
                    Value::Object(field)
                })
                .collect();
            let mut schema = Map::new();
            schema.insert("fields".into(), Value::Array(fields));
            schema.insert("missingValues".into(), json!([""]));
            let has = |c: &str| e.columns.iter().any(|(n, _)| n == c);
            if let Some(pk) = keys.primary.get(&e.table).filter(|pk| pk.iter().all(|c| has(c))) {
                schema.insert("primaryKey".into(), json!(pk));
            }
            let foreign: Vec<Value> = keys
                .foreign
                .get(&e.table)
                .into_iter()
                .flatten()
                .filter(|(column, _, _)| has(column))
                .filter_map(|(column, to_table, to_column)| {
                    let resource = resources_by_table.get(to_table.as_str())?;
                    Some(json!({"fields": [column], "reference": {"resource": resource, "fields": [to_column]}}))
                })
                .collect();
            if !foreign.is_empty() {
                schema.insert("foreignKeys".into(), Value::Array(foreign));
            }
            let mut resource = Map::new();
            resource.insert("name".into(), json!(resource_name(e)));
            resource.insert("path".into(), json!(e.file));
            resource.insert("profile".into(), json!("tabular-data-resource"));
            resource.insert("title".into(), json!(e.table));
            if !description.is_empty() {
                resource.insert("description".into(), json!(description));
            }
            resource.insert("format".into(), json!(format));
            let mediatype = match format {
                "csv" => "text/csv",
                "parquet" => "application/vnd.apache.parquet",
                _ => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            };
            resource.insert("mediatype".into(), json!(mediatype));
            if csv {
                resource.insert("encoding".into(), json!(if bom { "utf-8-sig" } else { "utf-8" }));
                resource.insert("dialect".into(), json!({"header": true, "delimiter": ","}));
            }
            if let Some(sheet) = &e.sheet {
                resource.insert("dialect".into(), json!({"excel": {"sheet": sheet}}));
            }
            resource.insert("schema".into(), Value::Object(schema));
            resource.insert("bytes".into(), json!(e.bytes));
            resource.insert("hash".into(), json!(format!("sha256:{}", e.sha256)));
            if let Some(run) = &e.run_id {
                resource.insert("baimo:runId".into(), json!(run));
            }
            Value::Object(resource)
        })
        .collect();
    json!({
        "profile": "tabular-data-package",
        "name": "baimo-warehouse",
        "title": "baimo warehouse export",
        "created": manifest.exported_at,
        "baimo:runId": manifest.run_id,
        "baimo:fingerprint": manifest.fingerprint,
        "resources": resources,
    })
}

#[cfg(test)]
mod tests {
    use super::{field_type, unit, Unit};

    #[test]
    fn duckdb_types_map_to_table_schema_types() {
        assert_eq!(field_type("BIGINT", true), ("integer", None));
        assert_eq!(field_type("DECIMAL(18,3)", true), ("number", None));
        assert_eq!(field_type("TIMESTAMP WITH TIME ZONE", true), ("datetime", Some("any")));
        assert_eq!(field_type("VARCHAR[]", true), ("string", None));
        assert_eq!(field_type("VARCHAR[]", false), ("array", None));
    }

    #[test]
    fn units_are_the_declared_ones() {
        let columns = vec![("value_low".to_string(), "DOUBLE".to_string()), ("value_unit".into(), "VARCHAR".into())];
        let per_row = Unit { unit: None, column: Some("value_unit".into()) };
        assert_eq!(unit(Some(&per_row), &columns), Some(("baimo:unitColumn", "value_unit".into())));
        // The unit column was not exported: nothing to point at.
        assert_eq!(unit(Some(&per_row), &columns[..1]), None);
        let usd = Unit { unit: Some("USD".into()), column: None };
        assert_eq!(unit(Some(&usd), &[]), Some(("baimo:unit", "USD".into())));
        let money = Unit { unit: Some("currency".into()), column: Some("price_currency".into()) };
        assert_eq!(unit(Some(&money), &[]), None);
        // A name is not a declaration.
        assert_eq!(unit(None, &columns), None);
    }
}
