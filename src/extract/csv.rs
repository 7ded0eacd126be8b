//! CSV: UTF-8 with or without a BOM, or GBK/GB18030 when the contract declares it.
//! Invalid bytes for the declared encoding and NUL bytes are errors naming the cell.

use super::{cell_address, input_error, Cell, Grid};
use crate::error::{Location, Result};
use crate::spec::{Contract, Encoding};

pub(super) fn read(contract: &Contract, file: String, sha256: String, bytes: Vec<u8>) -> Result<Grid> {
    let size = bytes.len() as u64;
    let loc = |cell: Option<String>| Location { file: file.clone(), sheet: None, cell, line: None };
    let utf8: Vec<u8> = match contract.encoding {
        Encoding::Utf8 => bytes,
        Encoding::Gbk | Encoding::Gb18030 => {
            let (text, _, malformed) = encoding_rs::GB18030.decode(&bytes);
            if malformed {
                return Err(input_error(
                    loc(None),
                    "encoding",
                    "the file is declared GBK/GB18030 but holds bytes that are not".into(),
                    None,
                ));
            }
            text.into_owned().into_bytes()
        }
    };
    let body = utf8.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&utf8);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(body);
    let mut rows = Vec::new();
    let mut record = csv::ByteRecord::new();
    let mut row = 0u32;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize);
                return Err(input_error(Location { line, ..loc(None) }, "csv", format!("malformed CSV: {e}"), None));
            }
        }
        row += 1;
        let mut cells = Vec::with_capacity(record.len());
        for (col, field) in record.iter().enumerate() {
            let address = || Some(cell_address(col as u32, row));
            let text = std::str::from_utf8(field).map_err(|_| {
                input_error(
                    loc(address()),
                    "encoding",
                    format!(
                        "the cell is not valid {}; declare `encoding = \"gbk\"` if the file was saved as GBK",
                        if contract.encoding == Encoding::Utf8 { "UTF-8" } else { "text" }
                    ),
                    Some(String::from_utf8_lossy(field).into_owned()),
                )
            })?;
            if text.contains('\0') {
                return Err(input_error(loc(address()), "nul_byte", "the cell holds a NUL byte".into(), None));
            }
            if text.contains('\u{feff}') && !(row == 1 && col == 0) {
                return Err(input_error(
                    loc(address()),
                    "bom",
                    "a byte-order mark inside the file (two files pasted together?)".into(),
                    Some(text.replace('\u{feff}', "<BOM>")),
                ));
            }
            cells.push(if text.is_empty() { Cell::Empty } else { Cell::Text(text.to_string()) });
        }
        rows.push((row, cells));
    }
    Ok(Grid { file, sheet: None, sha256, bytes: size, rows })
}
