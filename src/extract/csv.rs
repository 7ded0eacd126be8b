//! CSV: UTF-8 with or without a BOM, or GBK/GB18030 when the contract declares it.
//! Invalid bytes for the declared encoding and NUL bytes are errors naming the cell.
//!
//! A UTF-8 file is streamed record by record (and hashed as it streams), so memory does not
//! grow with the file; a GBK/GB18030 file is decoded whole first.

use super::{cell_address, input_error, Cell};
use crate::error::{Location, Result};
use crate::spec::{Contract, Encoding};
use sha2::{Digest, Sha256};
use std::io::Read;

/// Hashes and counts the bytes read through it.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
    /// How many `"` have been read: odd at the end means a quote is still open (a doubled `""`
    /// inside a quoted field counts two).
    quotes: u64,
    /// Whether a read has returned the end of the file.
    eof: bool,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        self.eof |= n == 0 && !buf.is_empty();
        self.quotes += buf[..n].iter().filter(|&&b| b == b'"').count() as u64;
        Ok(n)
    }
}

/// A CSV file read one record at a time.
pub struct CsvStream {
    reader: csv::Reader<Hashing<Box<dyn Read + Send>>>,
    record: csv::ByteRecord,
    row: u32,
    file: String,
    utf8: bool,
    /// For a decoded (GBK) file, the hash of the original bytes.
    decoded: Option<(String, u64)>,
    /// The opened file, its size and modification time when opened: a file rewritten in place
    /// while it is read would give rows of two versions.
    snapshot: Option<(std::fs::File, u64, Option<std::time::SystemTime>)>,
}

/// What a file that is not UTF-8 or GBK text announces in its first bytes.
fn not_text(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        Some("the file is UTF-16 (its first bytes are a UTF-16 byte-order mark): save it as UTF-8")
    } else if head.starts_with(b"PK\x03\x04") {
        Some("the file is a zip archive, not CSV text: an xlsx workbook renamed? Name it .xlsx and give the contract a sheet")
    } else {
        None
    }
}

impl CsvStream {
    pub fn open(contract: &Contract) -> Result<CsvStream> {
        let file = contract.file.clone();
        let open = super::open_input(contract)?;
        let snapshot = open.try_clone().ok().and_then(|f| {
            let meta = f.metadata().ok()?;
            Some((f, meta.len(), meta.modified().ok()))
        });
        let (input, decoded, utf8): (Box<dyn Read + Send>, _, _) = match contract.encoding {
            Encoding::Utf8 => {
                let mut reader = std::io::BufReader::with_capacity(1 << 20, open);
                let head = std::io::BufRead::fill_buf(&mut reader).map_err(|e| super::cannot_read(contract, e))?;
                if let Some(what) = not_text(head) {
                    return Err(input_error(Location::file(&file), "encoding", what.into(), None));
                }
                (Box::new(reader), None, true)
            }
            Encoding::Gbk | Encoding::Gb18030 => {
                let mut bytes = Vec::new();
                std::io::BufReader::new(open).read_to_end(&mut bytes).map_err(|e| super::cannot_read(contract, e))?;
                let sha = format!("{:x}", Sha256::digest(&bytes));
                let size = bytes.len() as u64;
                let (text, _, malformed) = encoding_rs::GB18030.decode(&bytes);
                if malformed {
                    return Err(input_error(
                        Location::file(&file),
                        "encoding",
                        "the file is declared GBK/GB18030 but holds bytes that are not".into(),
                        None,
                    ));
                }
                (Box::new(std::io::Cursor::new(text.into_owned().into_bytes())), Some((sha, size)), false)
            }
        };
        let hashing = Hashing { inner: input, hasher: Sha256::new(), bytes: 0, quotes: 0, eof: false };
        let reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(hashing);
        Ok(CsvStream { reader, record: csv::ByteRecord::new(), row: 0, file, utf8, decoded, snapshot })
    }

    pub fn rows_read(&self) -> u32 {
        self.row
    }

    /// The next record as (1-based row, cells), or `None` at the end of the file.
    pub fn next_row(&mut self) -> Result<Option<(u32, Vec<Cell>)>> {
        let loc =
            |cell: Option<String>, line: Option<usize>| Location { file: self.file.clone(), sheet: None, cell, line };
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => return Ok(None),
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize);
                return Err(input_error(loc(None, line), "csv", format!("malformed CSV: {e}"), None));
            }
        }
        self.row += 1;
        let row = self.row;
        // A quote that never closes swallows the rest of the file into one cell, and the CSV
        // reader takes that as a last, long record: rows would vanish without an error. The last
        // record spans lines while the file does not end with the closing quote.
        // (Only a record that needed the end of the file to finish has read it.)
        if self.reader.get_ref().eof && self.record.iter().any(|f| f.contains(&b'\n')) {
            let open_quote = self.reader.get_ref().quotes % 2 == 1;
            if open_quote {
                let line = self.record.position().map(|p| p.line() as usize);
                return Err(input_error(
                    loc(None, line),
                    "unterminated_quote",
                    format!(
                        "a quoted field opened on line {} never closes: the rest of the file would be one cell",
                        line.unwrap_or(0)
                    ),
                    None,
                ));
            }
        }
        let mut cells = Vec::with_capacity(self.record.len());
        for (col, field) in self.record.iter().enumerate() {
            // A byte-order mark opens the file; anywhere else it is two files pasted together.
            let field =
                if row == 1 && col == 0 { field.strip_prefix("\u{feff}".as_bytes()).unwrap_or(field) } else { field };
            let address = || Some(cell_address(col as u32, row));
            let text = std::str::from_utf8(field).map_err(|_| {
                input_error(
                    loc(address(), None),
                    "encoding",
                    format!(
                        "the cell is not valid {}; declare `encoding = \"gbk\"` if the file was saved as GBK",
                        if self.utf8 { "UTF-8" } else { "text" }
                    ),
                    Some(String::from_utf8_lossy(field).into_owned()),
                )
            })?;
            if text.contains('\0') {
                return Err(input_error(loc(address(), None), "nul_byte", "the cell holds a NUL byte".into(), None));
            }
            if text.contains('\u{feff}') {
                return Err(input_error(
                    loc(address(), None),
                    "bom",
                    "a byte-order mark inside the file (two files pasted together?)".into(),
                    Some(text.replace('\u{feff}', "<BOM>")),
                ));
            }
            cells.push(if text.is_empty() { Cell::Empty } else { Cell::Text(text.into()) });
        }
        Ok(Some((row, cells)))
    }

    /// The sha256 and size of what was read, which is the file as stored on disk: a file that
    /// changed while it was read (its size or modification time moved, or fewer bytes were read
    /// than it holds) is an error, never a mix of two versions.
    pub fn finish(mut self) -> Result<(String, u64)> {
        if let Some(d) = self.decoded.take() {
            return Ok(d);
        }
        let snapshot = self.snapshot.take();
        let file = self.file.clone();
        // Read what the CSV reader has not asked for yet (nothing, once it reached the end).
        let hashing = self.reader.into_inner();
        let Hashing { mut inner, mut hasher, mut bytes, .. } = hashing;
        let mut rest = Vec::new();
        if inner.read_to_end(&mut rest).is_ok() {
            hasher.update(&rest);
            bytes += rest.len() as u64;
        }
        if let Some((handle, len, modified)) = snapshot {
            let now = handle.metadata().ok();
            let changed = now.as_ref().is_none_or(|m| m.len() != len || m.modified().ok() != modified) || bytes != len;
            if changed {
                return Err(input_error(
                    Location::file(&file),
                    "changed_while_read",
                    format!(
                        "the file changed while it was read ({len} bytes when opened, {} read, {} now): build again once it is written",
                        bytes,
                        now.map_or("unknown".to_string(), |m| m.len().to_string())
                    ),
                    None,
                ));
            }
        }
        Ok((format!("{:x}", hasher.finalize()), bytes))
    }
}
