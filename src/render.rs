//! Query results as text: a terminal table, CSV or JSON. Used by `sql`, `ls` and the audit
//! samples, so every verb prints values the same way.

use crate::error::{Error, Location, Result};
use arrow::array::{Array, Float32Array, Float64Array, RecordBatch};
use arrow::datatypes::DataType;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use duckdb::Connection;
use std::io::Write;

/// A result set rendered to strings, with which columns are numeric (for alignment and JSON).
#[derive(Debug, Default)]
pub struct TextTable {
    pub headers: Vec<String>,
    pub numeric: Vec<bool>,
    pub rows: Vec<Vec<Option<String>>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum Format {
    /// A table sized to the terminal.
    #[default]
    Table,
    Csv,
    /// One JSON array of objects.
    Json,
    /// A Markdown table.
    Markdown,
}

/// Runs a query and renders every value as text.
pub fn query(conn: &Connection, sql: &str) -> Result<TextTable> {
    let mut stmt =
        conn.prepare(sql).map_err(|e| Error::Sql { location: Location::file("query"), message: e.to_string() })?;
    let batches: Vec<RecordBatch> = stmt
        .query_arrow([])
        .map_err(|e| Error::Sql { location: Location::file("query"), message: e.to_string() })?
        .collect();
    let schema = stmt.schema();
    let mut table = TextTable {
        headers: schema.fields().iter().map(|f| f.name().clone()).collect(),
        numeric: schema.fields().iter().map(|f| f.data_type().is_numeric()).collect(),
        rows: Vec::new(),
    };
    let options = FormatOptions::default().with_null("");
    for batch in &batches {
        let mut columns: Vec<Vec<Option<String>>> = Vec::with_capacity(batch.num_columns());
        for array in batch.columns() {
            columns.push(render_column(array.as_ref(), &options)?);
        }
        for r in 0..batch.num_rows() {
            table.rows.push(columns.iter().map(|c| c[r].clone()).collect());
        }
    }
    Ok(table)
}

fn render_column(array: &dyn Array, options: &FormatOptions) -> Result<Vec<Option<String>>> {
    let n = array.len();
    let mut out = Vec::with_capacity(n);
    match array.data_type() {
        DataType::Float64 | DataType::Float32 => {
            for i in 0..n {
                if array.is_null(i) {
                    out.push(None);
                    continue;
                }
                let v = match array.as_any().downcast_ref::<Float64Array>() {
                    Some(a) => a.value(i),
                    None => {
                        array.as_any().downcast_ref::<Float32Array>().map(|a| a.value(i) as f64).unwrap_or(f64::NAN)
                    }
                };
                out.push(Some(format_number(v)));
            }
        }
        DataType::Timestamp(unit, Some(tz)) if !tz.starts_with(['+', '-']) => {
            // DuckDB hands TIMESTAMPTZ over in zone `UTC`, which arrow-rs can only format with
            // its time-zone database; the same instants, labelled by offset, format without it.
            let utc = DataType::Timestamp(*unit, Some("+00:00".into()));
            let data = array
                .to_data()
                .into_builder()
                .data_type(utc)
                .build()
                .map_err(|e| Error::Internal(format!("formatting a timestamp: {e}")))?;
            return render_column(arrow::array::make_array(data).as_ref(), options);
        }
        _ => {
            let f = ArrayFormatter::try_new(array, options)
                .map_err(|e| Error::Internal(format!("formatting a result: {e}")))?;
            // Logical nulls: an all-NULL column (`select null`) has no null buffer.
            let nulls = array.logical_nulls();
            for i in 0..n {
                if nulls.as_ref().is_some_and(|b| b.is_null(i)) {
                    out.push(None);
                    continue;
                }
                let text = match f.value(i).try_to_string() {
                    Ok(text) => text,
                    Err(e) => match infinite_date(array, i) {
                        Some(text) => text.to_string(),
                        None => {
                            return Err(Error::Internal(format!(
                                "a {} value in row {} cannot be shown: {e}",
                                array.data_type(),
                                i + 1
                            )))
                        }
                    },
                };
                out.push(Some(text));
            }
        }
    }
    Ok(out)
}

fn json_string(text: &str) -> String {
    serde_json::Value::String(text.to_string()).to_string()
}

/// DuckDB's `date 'infinity'` and `'-infinity'` reach Arrow as the extreme day numbers, which
/// no calendar formats: shown as DuckDB shows them.
fn infinite_date(array: &dyn Array, i: usize) -> Option<&'static str> {
    let days = array.as_any().downcast_ref::<arrow::array::Date32Array>()?.value(i);
    match days {
        i32::MAX => Some("infinity"),
        d if d <= -i32::MAX => Some("-infinity"),
        _ => None,
    }
}

pub use crate::quantity::format_number;

impl TextTable {
    pub fn write(&self, format: Format, out: &mut dyn Write) -> std::io::Result<()> {
        match format {
            Format::Table => {
                let mut t = comfy_table::Table::new();
                t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
                    .set_content_arrangement(comfy_table::ContentArrangement::Dynamic)
                    .set_header(&self.headers);
                for row in &self.rows {
                    let cells = row.iter().zip(&self.numeric).map(|(v, &num)| {
                        // NULL reads NULL, as in DuckDB's shell (an empty string stays empty).
                        let c = comfy_table::Cell::new(v.as_deref().unwrap_or("NULL"));
                        if num {
                            c.set_alignment(comfy_table::CellAlignment::Right)
                        } else {
                            c
                        }
                    });
                    t.add_row(cells);
                }
                writeln!(out, "{t}")?;
                writeln!(out, "({} row{})", self.rows.len(), if self.rows.len() == 1 { "" } else { "s" })
            }
            Format::Csv => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(&self.headers)?;
                for row in &self.rows {
                    w.write_record(row.iter().map(|v| v.as_deref().unwrap_or("")))?;
                }
                w.flush()
            }
            Format::Json => {
                // Written by hand so the keys keep the SELECT's column order (serde_json's map
                // sorts them); one object per line. Numbers are JSON numbers, NULL is null, and
                // so are NaN and infinities, which JSON cannot hold.
                let keys: Vec<String> = self.headers.iter().map(|h| json_string(h)).collect();
                write!(out, "[")?;
                for (ri, row) in self.rows.iter().enumerate() {
                    write!(out, "{}\n  {{", if ri == 0 { "" } else { "," })?;
                    for (ci, ((key, v), &num)) in keys.iter().zip(row).zip(&self.numeric).enumerate() {
                        let value = match v {
                            None => "null".to_string(),
                            Some(s) if num => match s.parse::<f64>() {
                                Ok(f) if f.is_finite() => s.clone(),
                                _ => "null".to_string(),
                            },
                            Some(s) => json_string(s),
                        };
                        write!(out, "{}{key}: {value}", if ci == 0 { "" } else { ", " })?;
                    }
                    write!(out, "}}")?;
                }
                writeln!(out, "{}]", if self.rows.is_empty() { "" } else { "\n" })
            }
            Format::Markdown => {
                writeln!(out, "| {} |", self.headers.join(" | "))?;
                let rule: Vec<&str> = self.numeric.iter().map(|&n| if n { "---:" } else { "---" }).collect();
                writeln!(out, "| {} |", rule.join(" | "))?;
                for row in &self.rows {
                    let cells: Vec<String> =
                        row.iter().map(|v| v.as_deref().unwrap_or("").replace('|', "\\|")).collect();
                    writeln!(out, "| {} |", cells.join(" | "))?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::format_number;

    #[test]
    fn numbers_read_well() {
        assert_eq!(format_number(1032192.0), "1032192");
        assert_eq!(format_number(0.1 + 0.2), "0.3");
        assert_eq!(format_number(0.506), "0.506");
        assert_eq!(format_number(-2.5), "-2.5");
        assert_eq!(format_number(f64::NAN), "NaN");
        assert_eq!(format_number(8316518.399999999), "8316518.4");
        assert_eq!(format_number(0.459310984677), "0.459310984677");
        assert_eq!(format_number(1.5e-7), "0.00000015");
    }
}
