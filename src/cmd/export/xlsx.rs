//! `baimo export --format xlsx`: one workbook, a sheet per table (numbers as numbers, NULL as an
//! empty cell, each described column's description in a note on its header), and a `columns`
//! sheet listing every exported column with its type and description.

use crate::error::{Error, Result};
use crate::spec::quote;
use duckdb::types::ValueRef;
use duckdb::Connection;
use rust_xlsxwriter::{Format, Note, Workbook, Worksheet, XlsxError};

/// Excel's limits: rows per sheet (one is the header), characters per cell and per sheet name.
const MAX_ROWS: usize = 1_048_575;
const MAX_CELL_CHARS: usize = 32_767;
const MAX_SHEET_NAME: usize = 31;
/// Column widths are fitted to the contents on sheets up to this many rows (fitting reads
/// every cell again).
const AUTOFIT_ROWS: usize = 20_000;

/// One table (or query) to write: its name in messages and the manifest, its SQL, and the
/// description of each column that has one.
pub struct Sheet<'a> {
    pub table: &'a str,
    pub sql: &'a str,
    pub descriptions: Vec<(String, String)>,
}

/// What was written for one sheet.
pub struct Written {
    pub sheet: String,
    pub rows: i64,
    /// The columns written: (name, DuckDB type).
    pub columns: Vec<(String, String)>,
}

/// Writes every sheet into one workbook and returns its bytes.
pub fn workbook(conn: &Connection, sheets: &[Sheet]) -> Result<(Vec<u8>, Vec<Written>)> {
    let xlsx = |what: String| move |e: XlsxError| Error::Internal(format!("writing the workbook ({what}): {e}"));
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let mut written = Vec::new();
    let mut listing: Vec<[String; 4]> = Vec::new();
    for s in sheets {
        let name = sheet_name(s.table, written.iter().map(|w: &Written| w.sheet.as_str()));
        let columns = super::describe(conn, s.sql)?;
        // Numbers and booleans stay typed; everything else (dates, lists, structs) is written as
        // DuckDB's text for it, which is what `baimo sql` shows.
        let select: Vec<String> = columns
            .iter()
            .map(|(c, ty)| {
                let c = quote(c);
                if ty.starts_with("DECIMAL") {
                    format!("cast({c} as double)")
                } else if is_number(ty) || ty == "BOOLEAN" {
                    c
                } else {
                    format!("cast({c} as varchar)")
                }
            })
            .collect();
        let sql = format!("select {} from ({})", select.join(", "), s.sql);
        let sheet = book.add_worksheet();
        sheet.set_name(&name).map_err(xlsx(format!("sheet {name}")))?;
        for (ci, (column, ty)) in columns.iter().enumerate() {
            let col = ci as u16;
            sheet.write_string_with_format(0, col, column, &bold).map_err(xlsx(format!("{} header", s.table)))?;
            let description = s.descriptions.iter().find(|(c, _)| c == column).map(|(_, d)| d.clone());
            if let Some(d) = &description {
                sheet
                    .insert_note(0, col, &Note::new(d).add_author_prefix(false))
                    .map_err(xlsx(format!("{} note", s.table)))?;
            }
            listing.push([s.table.to_string(), column.clone(), ty.clone(), description.unwrap_or_default()]);
        }
        sheet.set_freeze_panes(1, 0).map_err(xlsx(format!("{} panes", s.table)))?;
        let mut stmt = conn.prepare(&sql).map_err(Error::duckdb(format!("exporting {}", s.table)))?;
        let mut rows = stmt.query([]).map_err(Error::duckdb(format!("exporting {}", s.table)))?;
        let mut count = 0usize;
        while let Some(row) = rows.next().map_err(Error::duckdb(format!("exporting {}", s.table)))? {
            count += 1;
            if count > MAX_ROWS {
                return Err(Error::Usage(format!(
                    "`{}` has more than {MAX_ROWS} rows, more than an xlsx sheet holds: export it as Parquet or CSV",
                    s.table
                )));
            }
            for ci in 0..columns.len() {
                let value = row.get_ref(ci).map_err(Error::duckdb(format!("exporting {}", s.table)))?;
                write_value(sheet, count as u32, ci as u16, value).map_err(|e| {
                    Error::Usage(format!("`{}`, row {count}, column `{}`: {e}", s.table, columns[ci].0))
                })?;
            }
        }
        if count <= AUTOFIT_ROWS {
            sheet.set_autofit_max_width(480).autofit();
        }
        written.push(Written { sheet: name, rows: count as i64, columns });
    }
    let sheet = book.add_worksheet();
    let name = sheet_name("columns", written.iter().map(|w| w.sheet.as_str()));
    sheet.set_name(&name).map_err(xlsx("columns sheet".into()))?;
    for (ci, head) in ["table", "column", "type", "description"].iter().enumerate() {
        sheet.write_string_with_format(0, ci as u16, *head, &bold).map_err(xlsx("columns sheet".into()))?;
    }
    for (ri, line) in listing.iter().enumerate() {
        for (ci, text) in line.iter().enumerate() {
            sheet.write_string(ri as u32 + 1, ci as u16, text).map_err(xlsx("columns sheet".into()))?;
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(xlsx("columns sheet".into()))?;
    sheet.set_autofit_max_width(480).autofit();
    let bytes = book.save_to_buffer().map_err(xlsx("saving".into()))?;
    Ok((bytes, written))
}

fn is_number(ty: &str) -> bool {
    [
        "TINYINT",
        "SMALLINT",
        "INTEGER",
        "BIGINT",
        "HUGEINT",
        "UTINYINT",
        "USMALLINT",
        "UINTEGER",
        "UBIGINT",
        "FLOAT",
        "DOUBLE",
    ]
    .contains(&ty)
}

/// One value into its cell. A whole number beyond 2^53 (which a double cannot hold exactly)
/// and a NaN or infinity are written as text, never as a rounded or broken number.
fn write_value(sheet: &mut Worksheet, row: u32, col: u16, value: ValueRef<'_>) -> std::result::Result<(), String> {
    const EXACT: i128 = 1 << 53;
    let whole = |i: i128, sheet: &mut Worksheet| {
        if i.abs() <= EXACT {
            sheet.write_number(row, col, i as f64).map(|_| ())
        } else {
            sheet.write_string(row, col, i.to_string()).map(|_| ())
        }
    };
    let result = match value {
        ValueRef::Null => Ok(()),
        ValueRef::Boolean(b) => sheet.write_boolean(row, col, b).map(|_| ()),
        ValueRef::TinyInt(i) => whole(i.into(), sheet),
        ValueRef::SmallInt(i) => whole(i.into(), sheet),
        ValueRef::Int(i) => whole(i.into(), sheet),
        ValueRef::BigInt(i) => whole(i.into(), sheet),
        ValueRef::HugeInt(i) => whole(i, sheet),
        ValueRef::UTinyInt(i) => whole(i.into(), sheet),
        ValueRef::USmallInt(i) => whole(i.into(), sheet),
        ValueRef::UInt(i) => whole(i.into(), sheet),
        ValueRef::UBigInt(i) => whole(i.into(), sheet),
        ValueRef::Float(f) => float(sheet, row, col, f.into()),
        ValueRef::Double(f) => float(sheet, row, col, f),
        ValueRef::Text(t) => {
            let text = String::from_utf8_lossy(t);
            if text.chars().count() > MAX_CELL_CHARS {
                return Err(format!("a value of more than {MAX_CELL_CHARS} characters, more than an xlsx cell holds"));
            }
            sheet.write_string(row, col, text).map(|_| ())
        }
        // Every other type was cast to text in the query.
        other => sheet.write_string(row, col, format!("{other:?}")).map(|_| ()),
    };
    result.map_err(|e| e.to_string())
}

fn float(sheet: &mut Worksheet, row: u32, col: u16, f: f64) -> std::result::Result<(), XlsxError> {
    if f.is_finite() {
        sheet.write_number(row, col, f).map(|_| ())
    } else {
        sheet.write_string(row, col, f.to_string()).map(|_| ())
    }
}

/// A sheet name Excel accepts (at most 31 characters, none of `[]:*?/\`), unique in the book.
fn sheet_name<'a>(table: &str, taken: impl Iterator<Item = &'a str> + Clone) -> String {
    let clean: String = table.chars().map(|c| if "[]:*?/\\".contains(c) { '_' } else { c }).collect();
    let fits = |s: &str, n: usize| s.chars().take(n).collect::<String>();
    let mut name = fits(&clean, MAX_SHEET_NAME);
    let mut i = 2;
    while taken.clone().any(|t| t.eq_ignore_ascii_case(&name)) {
        let suffix = format!("~{i}");
        name = format!("{}{suffix}", fits(&clean, MAX_SHEET_NAME - suffix.len()));
        i += 1;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::sheet_name;

    #[test]
    fn sheet_names_fit_excel_and_stay_unique() {
        assert_eq!(sheet_name("marts.training_run_cost", [].into_iter()), "marts.training_run_cost");
        let long = "staging.a_very_long_table_name_indeed_more";
        let first = sheet_name(long, [].into_iter());
        assert_eq!(first.chars().count(), 31);
        let second = sheet_name(long, [first.as_str()].into_iter());
        assert!(second.ends_with("~2") && second.chars().count() == 31, "{second}");
        assert_eq!(sheet_name("a/b:c", [].into_iter()), "a_b_c");
    }
}
