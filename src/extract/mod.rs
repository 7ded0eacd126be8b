//! Extract: a raw file → its cells as text, each with provenance (file, sheet, cell, sha256).
//!
//! Both readers produce a grid of rows; [`Grid::into_table`] then finds the header row, matches
//! it to the contract, skips the units row and keeps the data rows. Nothing is parsed here: the
//! text is exactly what the analyst typed (xlsx numbers are rendered without a trailing `.0`,
//! dates as `YYYY-MM-DD`).

pub mod csv;
mod xlsx;

use crate::error::{Error, Location, Result};
use crate::spec::Contract;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

/// One cell as read.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    /// Most cells are short: their text is held inline, without an allocation of its own.
    Text(compact_str::CompactString),
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
            Cell::Text(t) => t,
            Cell::Error(t) => t,
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

/// Rows as read from a workbook, before the contract is applied: (1-based row, cells from A).
pub(crate) type Rows = Vec<(u32, Vec<Cell>)>;

/// Rows per batch when a CSV file is streamed.
pub const BATCH_ROWS: usize = 100_000;

/// Reads the contract's whole file into one table (tests, tools, small files).
pub fn extract(contract: &Contract) -> Result<RawTable> {
    let mut batches = Batches::open(contract, usize::MAX)?;
    let mut table = batches.next_batch()?.ok_or_else(|| no_rows(contract))?;
    let (sha256, bytes) = batches.finish()?;
    table.sha256 = sha256;
    table.bytes = bytes;
    Ok(table)
}

/// The data rows of a raw file, batch by batch: a CSV file is streamed (memory bounded by the
/// batch size); a workbook is read whole (calamine) and comes as one batch.
pub struct Batches {
    contract: Contract,
    header: Header,
    source: Source,
    batch_rows: usize,
    rows_seen: usize,
}

enum Source {
    Csv(csv::CsvStream),
    Rows(std::vec::IntoIter<(u32, Vec<Cell>)>, String, u64),
}

/// Where the contract's columns sit in the file.
struct Header {
    column_index: Vec<u32>,
    width: usize,
    first_data: u32,
    last: u32,
}

impl Batches {
    /// Opens the file, reads up to its header row and matches the header to the contract.
    pub fn open(contract: &Contract, batch_rows: usize) -> Result<Batches> {
        let file = contract.file.clone();
        let (mut source, header_cells) = if contract.is_xlsx() {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut open_input(contract)?, &mut bytes).map_err(|e| cannot_read(contract, e))?;
            let sha256 = format!("{:x}", Sha256::digest(&bytes));
            let size = bytes.len() as u64;
            let mut rows = xlsx::read(contract, file.clone(), bytes)?.into_iter();
            let header = rows.by_ref().find(|(r, _)| *r >= contract.header_row);
            let header = match header {
                Some((r, cells)) if r == contract.header_row => Some(cells),
                _ => None,
            };
            (Source::Rows(rows, sha256, size), header)
        } else {
            let mut stream = csv::CsvStream::open(contract)?;
            let mut header = None;
            while let Some((r, cells)) = stream.next_row()? {
                if r == contract.header_row {
                    header = Some(cells);
                    break;
                }
            }
            (Source::Csv(stream), header)
        };
        let Some(header_cells) = header_cells else {
            let empty = match &mut source {
                Source::Csv(s) => s.rows_read() == 0,
                Source::Rows(..) => false,
            };
            let rule = if empty { "empty_file" } else { "header_row" };
            return Err(input_error(
                Location { file, sheet: contract.sheet.clone(), cell: None, line: None },
                rule,
                format!("no header row: row {} is empty or missing (contract {})", contract.header_row, contract.path),
                None,
            ));
        };
        let header = match_header(contract, &header_cells)?;
        Ok(Batches { contract: contract.clone(), header, source, batch_rows: batch_rows.max(1), rows_seen: 0 })
    }

    /// For each contract column, the 0-based column of the file it was found in.
    pub fn column_index(&self) -> &[u32] {
        &self.header.column_index
    }

    /// The next batch of data rows; `None` when the file is done. A file without any data
    /// row is an error (`no_rows`).
    pub fn next_batch(&mut self) -> Result<Option<RawTable>> {
        let mut rows = Vec::new();
        while rows.len() < self.batch_rows {
            let next = match &mut self.source {
                Source::Csv(s) => s.next_row()?,
                Source::Rows(it, _, _) => it.next(),
            };
            let Some((row, cells)) = next else { break };
            if let Some(r) = data_row(&self.contract, &self.header, row, cells)? {
                rows.push(r);
            }
        }
        if rows.is_empty() {
            return if self.rows_seen == 0 { Err(no_rows(&self.contract)) } else { Ok(None) };
        }
        self.rows_seen += rows.len();
        Ok(Some(RawTable {
            file: self.contract.file.clone(),
            sheet: self.contract.sheet.clone(),
            sha256: String::new(),
            bytes: 0,
            column_index: self.header.column_index.clone(),
            rows,
        }))
    }

    /// The file's sha256 and size, once every batch has been read.
    pub fn finish(self) -> Result<(String, u64)> {
        match self.source {
            Source::Csv(s) => s.finish(),
            Source::Rows(_, sha, size) => Ok((sha, size)),
        }
    }
}

/// Opens a file for reading without blocking and refuses anything but a regular file: a FIFO
/// opened for reading would wait for a writer, a device might never end. The error (kind
/// `InvalidInput`) says what the path is.
pub fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Non-blocking, a FIFO opens at once (and is refused below); a regular file ignores it.
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        let kind = file_kind(&meta);
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{kind}, not a regular file: baimo reads only regular files"),
        ));
    }
    Ok(file)
}

/// Opens the contract's file, then checks the file that was opened, not the path before it: a
/// regular file ([`open_regular`]) whose real path (on Linux) still lies inside the project, so a
/// symlink swapped in after the contract's path check is not read.
pub(crate) fn open_input(contract: &Contract) -> Result<std::fs::File> {
    let file = open_regular(&contract.file_path).map_err(|e| match e.kind() {
        std::io::ErrorKind::InvalidInput => {
            input_error(Location::file(&contract.file), "not_a_file", format!("`{}` is {e}", contract.file), None)
        }
        _ => cannot_read(contract, e),
    })?;
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // The root the contract was loaded from, not one counted back from `file` (whose `./`
        // would have made it `/`, and so any file inside).
        let root = contract.root.canonicalize().ok();
        let real = std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())).ok();
        if let (Some(root), Some(real)) = (root, real) {
            if !real.starts_with(&root) {
                return Err(input_error(
                    Location::file(&contract.file),
                    "outside_project",
                    format!("`{}` led to {} when opened, which is outside the project", contract.file, real.display()),
                    None,
                ));
            }
        }
    }
    Ok(file)
}

fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
    }
    if meta.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

fn cannot_read(contract: &Contract, e: std::io::Error) -> Error {
    Error::Input {
        location: Location::file(&contract.file),
        rule: "file".into(),
        message: format!("cannot read the file named by {}: {e}", contract.path),
        found: None,
    }
}

fn no_rows(contract: &Contract) -> Error {
    input_error(
        Location { file: contract.file.clone(), sheet: contract.sheet.clone(), cell: None, line: None },
        "no_rows",
        format!("no data rows after the header (row {})", contract.header_row),
        None,
    )
}

fn input_error(location: Location, rule: &str, message: String, found: Option<String>) -> Error {
    Error::Input { location, rule: rule.into(), message, found }
}

/// Matches the header row to the contract: every declared column present, none twice, no
/// undeclared one.
fn match_header(contract: &Contract, header: &[Cell]) -> Result<Header> {
    let header_row = contract.header_row;
    let location = |cell: Option<String>| Location {
        file: contract.file.clone(),
        sheet: contract.sheet.clone(),
        cell,
        line: None,
    };
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
                location(Some(address)),
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
        let col = contract.columns.iter().find(|c| c.header() == *first).map(|c| c.name.as_str()).unwrap_or_default();
        let instead = match unexpected.as_slice() {
            [] => String::new(),
            [(cell, text)] => format!("; found `{text}` in {cell} instead (renamed?)"),
            more => format!(
                "; found undeclared {}",
                more.iter().map(|(c, t)| format!("`{t}` ({c})")).collect::<Vec<_>>().join(", ")
            ),
        };
        return Err(input_error(
            location(Some(format!("row {header_row}"))),
            "missing_column",
            format!("column `{first}` (declared as `{col}` in {}) is not in the header row{instead}", contract.path),
            Some(header.iter().filter(|c| !c.is_blank()).map(|c| header_text(c.text())).collect::<Vec<_>>().join(", ")),
        ));
    }
    if let Some((cell, text)) = unexpected.into_iter().next() {
        return Err(input_error(
            location(Some(cell)),
            "unexpected_column",
            format!("column `{text}` is not declared in {} (declared: {})", contract.path, declared.join(", ")),
            Some(text),
        ));
    }
    let column_index: Vec<u32> = declared.iter().filter_map(|h| by_text.get(*h).copied()).collect();
    Ok(Header {
        column_index,
        width: header.len(),
        first_data: contract.units_row.unwrap_or(header_row) + 1,
        last: contract.last_row.unwrap_or(u32::MAX),
    })
}

/// One data row picked to the contract's columns; `None` for a row to skip (blank, units,
/// past `last_row`).
fn data_row(contract: &Contract, header: &Header, row: u32, cells: Vec<Cell>) -> Result<Option<RawRow>> {
    if row < header.first_data || row > header.last || cells.iter().all(Cell::is_blank) {
        return Ok(None);
    }
    if let Some((i, extra)) = cells.iter().enumerate().skip(header.width).find(|(_, c)| !c.is_blank()) {
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
    // Each cell is moved out of the file's row, not copied (a copy per cell was a twentieth of a
    // big build); only a file column that two contract columns read is copied for the earlier.
    let mut cells = cells;
    let index = &header.column_index;
    let picked = index
        .iter()
        .enumerate()
        .map(|(k, &i)| match cells.get_mut(i as usize) {
            Some(cell) if index[k + 1..].contains(&i) => cell.clone(),
            Some(cell) => std::mem::replace(cell, Cell::Empty),
            None => Cell::Empty,
        })
        .collect();
    Ok(Some(RawRow { row, cells: picked }))
}

/// Header text as compared with the contract: trimmed, BOM and inner line breaks removed.
fn header_text(text: &str) -> String {
    text.trim().trim_start_matches('\u{feff}').replace(['\r', '\n'], "").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::{cell_address, open_input};
    use crate::spec::Contract;

    /// A raw file swapped for a symlink to outside the project after the contract was loaded is
    /// refused when opened, however the contract spells its path (`./raw/…` once made the
    /// project root `/`, which every file lies inside).
    #[cfg(target_os = "linux")]
    #[test]
    fn a_file_swapped_for_a_link_outside_is_refused_when_opened() {
        let project = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let outside = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = project.path();
        std::fs::create_dir_all(root.join("raw")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::create_dir_all(root.join("pipelines/sources")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(root.join("raw/a.csv"), "id\n1\n").unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(outside.path().join("secret.csv"), "id\n2\n").unwrap_or_else(|e| panic!("{e}"));
        for file in ["raw/a.csv", "./raw/a.csv", "raw/./a.csv"] {
            let toml = root.join("pipelines/sources/a.toml");
            let spec = format!("description = \"a\"\nref = \"r\"\nfile = \"{file}\"\n\n[[columns]]\nname = \"id\"\ntype = \"integer\"\n");
            std::fs::write(&toml, spec).unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(root.join("raw/a.csv"), "id\n1\n").unwrap_or_else(|e| panic!("{e}"));
            let contract = Contract::load(root, &toml).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert!(open_input(&contract).is_ok(), "{file}: the file inside the project opens");
            std::fs::remove_file(root.join("raw/a.csv")).unwrap_or_else(|e| panic!("{e}"));
            std::os::unix::fs::symlink(outside.path().join("secret.csv"), root.join("raw/a.csv"))
                .unwrap_or_else(|e| panic!("{e}"));
            let refused = open_input(&contract).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(refused.contains("outside the project"), "{file}: the swapped link was read ({refused:?})");
            std::fs::remove_file(root.join("raw/a.csv")).unwrap_or_else(|e| panic!("{e}"));
        }
    }

    #[test]
    fn blank_cells_are_empty_or_whitespace_of_any_kind() {
        use super::Cell;
        for blank in ["", " ", "\t\r\n", "\u{0B}", "\u{0C}", "\u{3000}", " \u{00A0} "] {
            assert!(Cell::Text(blank.into()).is_blank(), "{blank:?}");
        }
        for text in ["a", " a", "\u{3000}中", "中", "-", "\u{7F}", "0"] {
            assert!(!Cell::Text(text.into()).is_blank(), "{text:?}");
        }
        assert!(Cell::Empty.is_blank() && !Cell::Error("#DIV/0!".into()).is_blank());
    }

    #[test]
    fn addresses() {
        assert_eq!(cell_address(0, 1), "A1");
        assert_eq!(cell_address(25, 3), "Z3");
        assert_eq!(cell_address(26, 3), "AA3");
        assert_eq!(cell_address(701, 9), "ZZ9");
        assert_eq!(cell_address(702, 9), "AAA9");
    }
}
