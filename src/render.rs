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
    /// Each row as `column = value` lines (DuckDB's `.mode line`), for one wide row.
    Line,
}

/// On a terminal, a result longer than this shows its first and last rows (DuckDB's duckbox).
pub const TERMINAL_ROWS: usize = 40;
/// On a terminal, longer text is cut with `…` (numbers never are).
const TERMINAL_CELL: usize = 40;

/// Runs a query and renders every value as text.
pub fn query(conn: &Connection, sql: &str) -> Result<TextTable> {
    Ok(query_limited(conn, sql, usize::MAX)?.0)
}

/// Runs a query and renders its first `max_rows` rows (at least; whole batches are kept) as
/// text; the flag says whether rows were left unread.
pub fn query_limited(conn: &Connection, sql: &str, max_rows: usize) -> Result<(TextTable, bool)> {
    let sql_error = |e: duckdb::Error| Error::Sql { location: Location::file("query"), message: e.to_string() };
    let mut stmt = conn.prepare(sql).map_err(sql_error)?;
    let mut batches: Vec<RecordBatch> = Vec::new();
    let mut truncated = false;
    let mut rows = 0;
    // DuckDB's streaming result, so stopping at `max_rows` stops the query there too (a
    // materialised result would be computed whole first).
    let stream = stmt.stream_arrow([]).map_err(sql_error)?;
    let schema = stream.get_schema();
    for batch in stream {
        if rows >= max_rows {
            truncated = true;
            break;
        }
        let batch = batch.map_err(sql_error)?;
        rows += batch.num_rows();
        batches.push(batch);
    }
    let (headers, numeric) = columns_of(&schema);
    let mut table = TextTable { headers, numeric, rows: Vec::new() };
    let options = FormatOptions::default().with_null("");
    for batch in &batches {
        table.rows.extend(batch_rows(batch, &options)?);
    }
    if table.rows.len() > max_rows {
        table.rows.truncate(max_rows);
        truncated = true;
    }
    Ok((table, truncated))
}

/// A batch's rows, every value rendered as text.
fn batch_rows(batch: &RecordBatch, options: &FormatOptions) -> Result<Vec<Vec<Option<String>>>> {
    let columns: Vec<Vec<Option<String>>> =
        batch.columns().iter().map(|a| render_column(a.as_ref(), options)).collect::<Result<_>>()?;
    Ok((0..batch.num_rows()).map(|r| columns.iter().map(|c| c[r].clone()).collect()).collect())
}

/// A rendered value as JSON: a numeric column's text as the number it spells (exactly that
/// text), NULL as null, the rest (and a number JSON cannot hold, NaN) as strings.
pub fn json_value(text: Option<&str>, numeric: bool) -> serde_json::Value {
    match text {
        None => serde_json::Value::Null,
        Some(t) if numeric => t
            .parse::<serde_json::Number>()
            .map(serde_json::Value::Number)
            .unwrap_or_else(|_| serde_json::Value::String(t.to_string())),
        Some(t) => serde_json::Value::String(t.to_string()),
    }
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
                    t.add_row(row.iter().zip(&self.numeric).map(|(v, &num)| cell(v.as_deref(), num)));
                }
                writeln!(out, "{t}")?;
                writeln!(out, "({} row{})", self.rows.len(), if self.rows.len() == 1 { "" } else { "s" })
            }
            other => {
                let mut w = Pieces::begin(other, &self.headers, &self.numeric, out)?;
                w.rows(&self.rows)?;
                w.end()
            }
        }
    }
}

/// A result written piece by piece in a format that needs no column widths (CSV, JSON,
/// Markdown, line): the header, then rows as they come, then the end. `TextTable::write` and
/// [`stream`] both write through it, so a streamed result reads exactly as a collected one.
pub struct Pieces<'a> {
    format: Format,
    out: &'a mut dyn Write,
    headers: Vec<String>,
    numeric: Vec<bool>,
    /// JSON object keys, quoted once.
    keys: Vec<String>,
    written: usize,
}

impl<'a> Pieces<'a> {
    pub fn begin(
        format: Format,
        headers: &[String],
        numeric: &[bool],
        out: &'a mut dyn Write,
    ) -> std::io::Result<Pieces<'a>> {
        match format {
            Format::Csv => {
                let mut w = csv::Writer::from_writer(&mut *out);
                w.write_record(headers)?;
                w.flush()?;
            }
            Format::Json => write!(out, "[")?,
            Format::Markdown => {
                writeln!(out, "| {} |", headers.join(" | "))?;
                let rule: Vec<&str> = numeric.iter().map(|&n| if n { "---:" } else { "---" }).collect();
                writeln!(out, "| {} |", rule.join(" | "))?;
            }
            Format::Line | Format::Table => {}
        }
        Ok(Pieces {
            format,
            out,
            headers: headers.to_vec(),
            numeric: numeric.to_vec(),
            keys: headers.iter().map(|h| json_string(h)).collect(),
            written: 0,
        })
    }

    pub fn rows(&mut self, rows: &[Vec<Option<String>>]) -> std::io::Result<()> {
        let out = &mut *self.out;
        match self.format {
            Format::Csv => {
                let mut w = csv::Writer::from_writer(&mut *out);
                for row in rows {
                    w.write_record(row.iter().map(|v| v.as_deref().unwrap_or("")))?;
                }
                w.flush()?;
            }
            Format::Json => {
                // Written by hand so the keys keep the SELECT's column order (serde_json's map
                // sorts them); one object per line. Numbers are JSON numbers, NULL is null, and
                // so are NaN and infinities, which JSON cannot hold.
                for (ri, row) in rows.iter().enumerate() {
                    write!(out, "{}\n  {{", if self.written + ri == 0 { "" } else { "," })?;
                    for (ci, ((key, v), &num)) in self.keys.iter().zip(row).zip(&self.numeric).enumerate() {
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
            }
            Format::Markdown => {
                for row in rows {
                    let cells: Vec<String> =
                        row.iter().map(|v| v.as_deref().unwrap_or("").replace('|', "\\|")).collect();
                    writeln!(out, "| {} |", cells.join(" | "))?;
                }
            }
            Format::Line | Format::Table => {
                let width = self.headers.iter().map(|h| h.chars().count()).max().unwrap_or(0);
                for (ri, row) in rows.iter().enumerate() {
                    if self.written + ri > 0 {
                        writeln!(out)?;
                    }
                    for (h, v) in self.headers.iter().zip(row) {
                        writeln!(out, "{h:>width$} = {}", v.as_deref().unwrap_or("NULL"))?;
                    }
                }
            }
        }
        self.written += rows.len();
        Ok(())
    }

    pub fn end(self) -> std::io::Result<()> {
        match self.format {
            Format::Json => writeln!(self.out, "{}]", if self.written == 0 { "" } else { "\n" }),
            _ => Ok(()),
        }
    }
}

/// Column names, and which are numeric, of a result's schema.
fn columns_of(schema: &arrow::datatypes::Schema) -> (Vec<String>, Vec<bool>) {
    (
        schema.fields().iter().map(|f| f.name().clone()).collect(),
        schema.fields().iter().map(|f| f.data_type().is_numeric()).collect(),
    )
}

/// Runs a query and writes its rows in `format` batch by batch as DuckDB produces them, so a
/// result of any size is printed in bounded memory (`baimo sql` piped or with `--format`).
/// `format` must not be [`Format::Table`], which needs every row to size its columns. Returns
/// the rows written.
pub fn stream(conn: &Connection, sql: &str, format: Format, out: &mut dyn Write) -> Result<usize> {
    let sql_error = |e: duckdb::Error| Error::Sql { location: Location::file("query"), message: e.to_string() };
    let mut stmt = conn.prepare(sql).map_err(sql_error)?;
    // DuckDB's streaming result: chunks are produced as they are fetched (query_arrow would
    // materialise the whole result first).
    let batches = stmt.stream_arrow([]).map_err(sql_error)?;
    let (headers, numeric) = columns_of(&batches.get_schema());
    let mut pieces = Pieces::begin(format, &headers, &numeric, out).map_err(Error::io("stdout"))?;
    let options = FormatOptions::default().with_null("");
    let mut rows = 0;
    for batch in batches {
        let chunk = batch_rows(&batch.map_err(sql_error)?, &options)?;
        rows += chunk.len();
        pieces.rows(&chunk).map_err(Error::io("stdout"))?;
    }
    pieces.end().map_err(Error::io("stdout"))?;
    Ok(rows)
}

/// A table cell: NULL reads NULL, as in DuckDB's shell (an empty string stays empty); numbers
/// align right.
fn cell(v: Option<&str>, numeric: bool) -> comfy_table::Cell {
    let c = comfy_table::Cell::new(v.unwrap_or("NULL"));
    if numeric {
        c.set_alignment(comfy_table::CellAlignment::Right)
    } else {
        c
    }
}

impl TextTable {
    /// The table as DuckDB's shell shows it on a terminal `width` columns wide: rows never wrap
    /// (a number or an id is never split across lines); text longer than 40 characters is cut
    /// with `…`; columns that do not fit are elided from the middle, and a result longer than
    /// [`TERMINAL_ROWS`] shows its first and last rows, each said in the footer
    /// ("1000 rows (40 shown)  28 columns (11 shown)").
    pub fn write_terminal(&self, width: usize, out: &mut dyn Write) -> std::io::Result<()> {
        let n = self.rows.len();
        let shown_rows: Vec<Option<&Vec<Option<String>>>> = if n > TERMINAL_ROWS {
            let half = TERMINAL_ROWS / 2;
            self.rows[..half].iter().map(Some).chain([None]).chain(self.rows[n - half..].iter().map(Some)).collect()
        } else {
            self.rows.iter().map(Some).collect()
        };
        let cut = |v: Option<&str>, numeric: bool| -> Option<String> {
            v.map(|t| {
                if numeric || t.chars().count() <= TERMINAL_CELL {
                    t.to_string()
                } else {
                    format!("{}…", t.chars().take(TERMINAL_CELL - 1).collect::<String>())
                }
            })
        };
        // Each column's width as drawn: its widest cell, plus a space either side and a rule.
        let mut probe = comfy_table::Table::new();
        probe.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED).set_header(&self.headers);
        for row in shown_rows.iter().flatten() {
            probe.add_row(
                row.iter().zip(&self.numeric).map(|(v, &num)| cut(v.as_deref(), num).unwrap_or_else(|| "NULL".into())),
            );
        }
        let widths: Vec<usize> = probe.column_max_content_widths().iter().map(|w| *w as usize + 3).collect();
        // Columns from both ends, alternately, while they fit beside an elision column.
        let total: usize = widths.iter().sum::<usize>() + 1;
        let mut keep: Vec<usize> = (0..widths.len()).collect();
        if total > width && widths.len() > 1 {
            let budget = width.saturating_sub(1 + 4);
            let (mut left, mut right) = (0, widths.len());
            let mut used = 0;
            let mut chosen = Vec::new();
            let mut from_left = true;
            while left < right {
                let i = if from_left { left } else { right - 1 };
                if used + widths[i] > budget && !chosen.is_empty() {
                    break;
                }
                used += widths[i];
                chosen.push(i);
                if from_left {
                    left += 1;
                } else {
                    right -= 1;
                }
                from_left = !from_left;
            }
            chosen.sort_unstable();
            keep = chosen;
        }
        let elided = keep.len() < widths.len();
        // Where the `…` column goes: after the last column kept from the left.
        let gap = keep.windows(2).position(|w| w[1] != w[0] + 1).map(|p| p + 1).unwrap_or(keep.len());
        let mut t = comfy_table::Table::new();
        t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(comfy_table::ContentArrangement::Disabled);
        let mut header: Vec<String> = keep.iter().map(|&i| self.headers[i].clone()).collect();
        if elided {
            header.insert(gap, "…".into());
        }
        t.set_header(header);
        for row in &shown_rows {
            let mut cells: Vec<comfy_table::Cell> = match row {
                Some(r) => keep
                    .iter()
                    .map(|&i| cell(cut(r[i].as_deref(), self.numeric[i]).as_deref(), self.numeric[i]))
                    .collect(),
                None => keep.iter().map(|_| comfy_table::Cell::new("·")).collect(),
            };
            if elided {
                cells.insert(gap, comfy_table::Cell::new("…"));
            }
            t.add_row(cells);
        }
        writeln!(out, "{t}")?;
        let mut footer = format!("{n} row{}", if n == 1 { "" } else { "s" });
        if n > TERMINAL_ROWS {
            footer.push_str(&format!(" ({TERMINAL_ROWS} shown)"));
        }
        if elided {
            footer.push_str(&format!("  {} columns ({} shown)", widths.len(), keep.len()));
        }
        writeln!(out, "({footer})")
    }
}

/// The width of the terminal on stdout, if it is one.
pub fn terminal_width() -> Option<usize> {
    // SAFETY: TIOCGWINSZ fills a winsize struct for a terminal; on anything else it fails and
    // the struct is not read.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
    (ok && size.ws_col > 0).then_some(size.ws_col as usize)
}

#[cfg(test)]
mod tests {
    use super::{format_number, TextTable};

    fn wide(columns: usize, rows: usize) -> TextTable {
        TextTable {
            headers: (0..columns).map(|c| format!("column_{c}")).collect(),
            numeric: vec![true; columns],
            rows: (0..rows)
                .map(|r| (0..columns).map(|c| Some(format!("{}", 1_000_000 + r * 100 + c))).collect())
                .collect(),
        }
    }

    fn shown(t: &TextTable, width: usize) -> String {
        let mut out = Vec::new();
        t.write_terminal(width, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn wide_results_elide_middle_columns_and_never_wrap() {
        let text = shown(&wide(28, 3), 100);
        assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
        assert!(text.contains("column_0") && text.contains("column_27"), "both ends kept");
        assert!(!text.contains("column_14"), "the middle elided");
        assert!(text.contains("…"));
        let footer = text.lines().last().unwrap();
        assert!(footer.starts_with("(3 rows  28 columns (") && footer.ends_with(" shown))"), "{footer}");
        // Every number whole on its line.
        assert!(text.contains("1000000") && text.contains("1000227"));
        // Narrow enough to fit: no elision.
        let fits = shown(&wide(3, 2), 100);
        assert!(!fits.contains('…') && fits.ends_with("(2 rows)\n"), "{fits}");
    }

    #[test]
    fn long_results_show_first_and_last_rows() {
        let text = shown(&wide(2, 1000), 100);
        assert!(text.contains("1000000") && text.contains("1099901"), "first and last rows");
        assert!(!text.contains("1050000"), "middle rows elided");
        assert!(text.contains("·"));
        assert!(text.trim_end().ends_with("(1000 rows (40 shown))"), "{}", text.lines().last().unwrap());
    }

    #[test]
    fn line_mode_shows_column_value_pairs() {
        let mut out = Vec::new();
        let t = TextTable {
            headers: vec!["a".into(), "long_name".into()],
            numeric: vec![true, false],
            rows: vec![vec![Some("1".into()), None]],
        };
        t.write(super::Format::Line, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "        a = 1\nlong_name = NULL\n");
    }

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
