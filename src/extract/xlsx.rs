//! XLSX through calamine: a named sheet, title rows above the header, merged cells (the
//! top-left value fills the region), formulas as their cached values, dates as `YYYY-MM-DD`,
//! error values kept as errors.

use super::{cell_address, input_error, Cell, Grid};
use crate::error::{Location, Result};
use crate::spec::Contract;
use calamine::{Data, Reader, Xlsx};
use std::io::Cursor;

/// A sheet larger than this many cells is refused rather than allocated.
const MAX_CELLS: u64 = 50_000_000;

pub(super) fn read(contract: &Contract, file: String, sha256: String, bytes: Vec<u8>) -> Result<Grid> {
    let size = bytes.len() as u64;
    let sheet = contract.sheet.clone().unwrap_or_default();
    let loc = |sheet: Option<String>, cell: Option<String>| Location { file: file.clone(), sheet, cell, line: None };
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| {
        input_error(loc(None, None), "xlsx", format!("not a readable xlsx workbook: {e}"), None)
    })?;
    let names = book.sheet_names();
    if !names.iter().any(|n| *n == sheet) {
        return Err(input_error(
            loc(Some(sheet.clone()), None),
            "sheet",
            format!("the workbook has no sheet `{sheet}`"),
            Some(names.join(", ")),
        ));
    }
    let range = book.worksheet_range(&sheet).map_err(|e| {
        input_error(loc(Some(sheet.clone()), None), "xlsx", format!("cannot read the sheet: {e}"), None)
    })?;
    let (height, width) = range.get_size();
    if (height as u64) * (width as u64) > MAX_CELLS {
        return Err(input_error(
            loc(Some(sheet.clone()), None),
            "sheet_size",
            format!("the sheet spans {height} rows × {width} columns, more than {MAX_CELLS} cells"),
            None,
        ));
    }
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let mut rows: Vec<(u32, Vec<Cell>)> = Vec::with_capacity(height);
    for (i, r) in range.rows().enumerate() {
        let mut cells = vec![Cell::Empty; col0 as usize];
        cells.extend(r.iter().map(cell));
        rows.push((row0 + i as u32 + 1, cells));
    }
    // Merged regions: copy the top-left cell into the rest of the region.
    if let Ok(regions) = book.merge_cells_by_sheet_name(&sheet) {
        for dims in regions {
            let (r0, c0) = dims.start;
            let (r1, c1) = dims.end;
            if (r1.saturating_sub(r0) as u64 + 1) * (c1.saturating_sub(c0) as u64 + 1) > MAX_CELLS {
                return Err(input_error(
                    loc(Some(sheet.clone()), Some(cell_address(c0, r0 + 1))),
                    "sheet_size",
                    "a merged region is larger than the sheet may be".into(),
                    None,
                ));
            }
            let value = find(&rows, r0 + 1, c0).cloned().unwrap_or(Cell::Empty);
            for r in r0..=r1 {
                for c in c0..=c1 {
                    if let Some((_, cells)) = rows.iter_mut().find(|(n, _)| *n == r + 1) {
                        if cells.len() <= c as usize {
                            cells.resize(c as usize + 1, Cell::Empty);
                        }
                        cells[c as usize] = value.clone();
                    }
                }
            }
        }
    }
    Ok(Grid { file, sheet: Some(sheet), sha256, bytes: size, rows })
}

fn find(rows: &[(u32, Vec<Cell>)], row: u32, col: u32) -> Option<&Cell> {
    rows.iter().find(|(n, _)| *n == row).and_then(|(_, cells)| cells.get(col as usize))
}

fn cell(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Text(i.to_string()),
        Data::Float(f) => Cell::Text(format_float(*f)),
        Data::Bool(b) => Cell::Text(b.to_string()),
        Data::DateTime(d) => match d.as_datetime() {
            Some(dt) if dt.time() == chrono::NaiveTime::MIN => Cell::Text(dt.date().to_string()),
            Some(dt) => Cell::Text(dt.to_string()),
            None => Cell::Error(format!("unreadable date {}", d.as_f64())),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Error(e.to_string()),
    }
}

/// Floats as a person typed them: `2048` not `2048.0`, `0.506` not `0.5060000000000001`.
fn format_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        let s = format!("{f:.12}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn floats_render_as_typed() {
        assert_eq!(super::format_float(2048.0), "2048");
        assert_eq!(super::format_float(0.1 + 0.2), "0.3");
        assert_eq!(super::format_float(-1.5), "-1.5");
    }
}
