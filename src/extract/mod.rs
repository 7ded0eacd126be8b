//! Extract: a raw file → its cells as text, each with provenance (file, sheet, cell, sha256).
//!
//! Both readers produce a grid of rows; [`Grid::into_table`] then finds the header row, matches
//! it to the contract, skips the units row and keeps the data rows. Nothing is parsed here: the
//! text is exactly what the analyst typed (xlsx numbers are rendered without a trailing `.0`,
//! dates as `YYYY-MM-DD`).

mod csv;
mod xlsx;

use crate::error::{Error, Location, Result};
use crate::spec::Contract;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// One cell as read.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    /// A spreadsheet error value (`#DIV/0!`, `#REF!`): rejected by validation, never a number.
    Error(String),
}

impl Cell {
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            Cell::Error(_) => false,
        }
    }

    pub fn text(&self) -> &str {
        match self {
            Cell::Empty => "",
            Cell::Text(t) | Cell::Error(t) => t,
        }
    }
}

/// A file's cells for one contract, in contract column order.
#[derive(Debug)]
pub struct RawTable {
    /// Path relative to the project.
    pub file: String,
    pub sheet: Option<String>,
    pub sha256: String,
    pub bytes: u64,
    /// For each contract column, the 0-based column index in the file.
    pub column_index: Vec<u32>,
    pub rows: Vec<RawRow>,
}

#[derive(Debug)]
pub struct RawRow {
    /// 1-based row number in the file (the spreadsheet row; for CSV the record's line).
    pub row: u32,
    pub cells: Vec<Cell>,
}

impl RawTable {
    /// A1-style address of a contract column's cell in a given row.
    pub fn cell_address(&self, column: usize, row: u32) -> String {
        cell_address(self.column_index.get(column).copied().unwrap_or(0), row)
    }

    pub fn location(&self, column: usize, row: u32) -> Location {
        Location {
            file: self.file.clone(),
            sheet: self.sheet.clone(),
            cell: Some(self.cell_address(column, row)),
            line: None,
        }
    }
}

/// `(0, 1)` → `A1`; columns past Z go on as AA, AB, …
pub fn cell_address(col: u32, row: u32) -> String {
    let mut n = col + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), row)
}

/// Rows as read from a file, before the contract is applied.
pub(crate) struct Grid {
    pub file: String,
    pub sheet: Option<String>,
    pub sha256: String,
    pub bytes: u64,
    /// (1-based row number, cells from column A).
    pub rows: Vec<(u32, Vec<Cell>)>,
}

/// Reads the contract's file and returns its data cells.
pub fn extract(contract: &Contract) -> Result<RawTable> {
    let display = contract.file.clone();
    let bytes = std::fs::read(&contract.file_path).map_err(|e| Error::Input {
        location: Location::file(&display),
        rule: "file".into(),
        message: format!("cannot read the file named by {}: {e}", contract.path),
        found: None,
    })?;
    let sha256 = format!("{:x}", Sha256::digest(&bytes));
    let grid = if contract.is_xlsx() {
        xlsx::read(contract, display, sha256, bytes)?
    } else {
        csv::read(contract, display, sha256, bytes)?
    };
    grid.into_table(contract)
}

fn input_error(location: Location, rule: &str, message: String, found: Option<String>) -> Error {
    Error::Input { location, rule: rule.into(), message, found }
}

impl Grid {
    fn location(&self, cell: Option<String>) -> Location {
        Location { file: self.file.clone(), sheet: self.sheet.clone(), cell, line: None }
    }

    pub(crate) fn into_table(self, contract: &Contract) -> Result<RawTable> {
        let header_row = contract.header_row;
        let Some(pos) = self.rows.iter().position(|(r, _)| *r == header_row) else {
            let rule = if self.rows.is_empty() { "empty_file" } else { "header_row" };
            return Err(input_error(
                self.location(None),
                rule,
                format!("no header row: row {header_row} is empty or missing (contract {})", contract.path),
                None,
            ));
        };
        let header = &self.rows[pos].1;
        let declared: Vec<&str> = contract.columns.iter().map(|c| c.header()).collect();
        let mut by_text: HashMap<String, u32> = HashMap::new();
        let mut unexpected: Vec<(String, String)> = Vec::new();
        for (i, cell) in header.iter().enumerate() {
            if cell.is_blank() {
                continue;
            }
            let text = header_text(cell.text());
            let address = cell_address(i as u32, header_row);
            if by_text.insert(text.clone(), i as u32).is_some() {
                return Err(input_error(
                    self.location(Some(address)),
                    "duplicate_header",
                    format!("header `{text}` appears twice in the header row"),
                    Some(text),
                ));
            }
            if !declared.contains(&text.as_str()) {
                unexpected.push((address, text));
            }
        }
        let missing: Vec<&str> = declared.iter().copied().filter(|h| !by_text.contains_key(*h)).collect();
        if let Some(first) = missing.first() {
            let col =
                contract.columns.iter().find(|c| c.header() == *first).map(|c| c.name.as_str()).unwrap_or_default();
            let instead = match unexpected.as_slice() {
                [] => String::new(),
                [(cell, text)] => format!("; found `{text}` in {cell} instead (renamed?)"),
                more => format!(
                    "; found undeclared {}",
                    more.iter().map(|(c, t)| format!("`{t}` ({c})")).collect::<Vec<_>>().join(", ")
                ),
            };
            return Err(input_error(
                self.location(Some(format!("row {header_row}"))),
                "missing_column",
                format!(
                    "column `{first}` (declared as `{col}` in {}) is not in the header row{instead}",
                    contract.path
                ),
                Some(
                    header
                        .iter()
                        .filter(|c| !c.is_blank())
                        .map(|c| header_text(c.text()))
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            ));
        }
        if let Some((cell, text)) = unexpected.into_iter().next() {
            return Err(input_error(
                self.location(Some(cell)),
                "unexpected_column",
                format!("column `{text}` is not declared in {} (declared: {})", contract.path, declared.join(", ")),
                Some(text),
            ));
        }
        let column_index: Vec<u32> = declared.iter().filter_map(|h| by_text.get(*h).copied()).collect();
        let width = header.len();
        let first_data = contract.units_row.unwrap_or(header_row) + 1;
        let last = contract.last_row.unwrap_or(u32::MAX);
        let mut rows = Vec::new();
        for (row, cells) in self.rows.into_iter().skip(pos + 1) {
            if row < first_data || row > last || cells.iter().all(Cell::is_blank) {
                continue;
            }
            if let Some((i, extra)) = cells.iter().enumerate().skip(width).find(|(_, c)| !c.is_blank()) {
                return Err(input_error(
                    Location {
                        file: contract.file.clone(),
                        sheet: contract.sheet.clone(),
                        cell: Some(cell_address(i as u32, row)),
                        line: None,
                    },
                    "ragged_row",
                    format!("row {row} has a value beyond the last header column"),
                    Some(extra.text().to_string()),
                ));
            }
            let picked = column_index.iter().map(|&i| cells.get(i as usize).cloned().unwrap_or(Cell::Empty)).collect();
            rows.push(RawRow { row, cells: picked });
        }
        if rows.is_empty() {
            return Err(input_error(
                Location { file: contract.file.clone(), sheet: contract.sheet.clone(), cell: None, line: None },
                "no_rows",
                format!("no data rows after the header (row {header_row})"),
                None,
            ));
        }
        Ok(RawTable { file: self.file, sheet: self.sheet, sha256: self.sha256, bytes: self.bytes, column_index, rows })
    }
}

/// Header text as compared with the contract: trimmed, BOM and inner line breaks removed.
fn header_text(text: &str) -> String {
    text.trim().trim_start_matches('\u{feff}').replace(['\r', '\n'], "").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::cell_address;

    #[test]
    fn addresses() {
        assert_eq!(cell_address(0, 1), "A1");
        assert_eq!(cell_address(25, 3), "Z3");
        assert_eq!(cell_address(26, 3), "AA3");
        assert_eq!(cell_address(701, 9), "ZZ9");
        assert_eq!(cell_address(702, 9), "AAA9");
    }
}
