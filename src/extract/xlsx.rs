//! XLSX through calamine: a named sheet, title rows above the header, merged cells (the
//! top-left value fills the region), formulas as their cached values, dates as `YYYY-MM-DD`,
//! error values kept as errors.

use super::{cell_address, input_error, Cell, Rows};
use crate::error::{Location, Result};
use crate::spec::Contract;
use calamine::{Data, DataRef, Reader, Xlsx};
use std::io::Cursor;

/// A sheet with more cells than this is refused.
const MAX_CELLS: u64 = 50_000_000;
/// Excel's own limit is 16,384 columns (XFD).
const MAX_COLUMNS: u32 = 16_384;
/// No part of a workbook may decompress to more than this, nor all parts together to more
/// than `MAX_TOTAL`: a zip bomb is refused before calamine inflates it.
const MAX_PART: u64 = 256 * 1024 * 1024;
const MAX_TOTAL: u64 = 1024 * 1024 * 1024;

/// The magic number of an OLE compound file: what Excel 97–2003 workbooks are, and what Excel
/// wraps a password-protected xlsx in (an `EncryptedPackage` stream inside).
const OLE_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// An OLE file is not a zip: say what it is instead of "invalid Zip archive".
fn refuse_ole(bytes: &[u8], loc: &Location) -> Result<()> {
    if !bytes.starts_with(&OLE_MAGIC) {
        return Ok(());
    }
    let encrypted = matches!(Xlsx::new(Cursor::new(bytes)), Err(calamine::XlsxError::Password));
    let message = if encrypted {
        "the workbook is password-protected (encrypted); baimo cannot read it: save a copy without a password"
    } else {
        "the file is an Excel 97–2003 (.xls) workbook named as xlsx; save it as .xlsx"
    };
    Err(input_error(loc.clone(), if encrypted { "xlsx_password" } else { "xlsx" }, message.into(), None))
}

/// Checks the declared sizes of the workbook's parts before anything is decompressed.
fn check_sizes(bytes: &[u8], loc: &Location) -> Result<()> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| input_error(loc.clone(), "xlsx", format!("not a readable xlsx workbook: {e}"), None))?;
    let mut total = 0u64;
    for i in 0..archive.len() {
        let part = archive
            .by_index_raw(i)
            .map_err(|e| input_error(loc.clone(), "xlsx", format!("not a readable xlsx workbook: {e}"), None))?;
        total = total.saturating_add(part.size());
        if part.size() > MAX_PART || total > MAX_TOTAL {
            return Err(input_error(
                loc.clone(),
                "xlsx_size",
                format!(
                    "part `{}` decompresses to {} MiB ({} MiB so far); the limit is {} MiB per part and {} MiB in all",
                    part.name().unwrap_or_default(),
                    part.size() >> 20,
                    total >> 20,
                    MAX_PART >> 20,
                    MAX_TOTAL >> 20
                ),
                None,
            ));
        }
    }
    Ok(())
}

/// What one pass over the workbook's XML parts tells before calamine reads it.
struct Scan {
    /// Whether any part mentions merged cells (`<mergeCell …>`): decompressing is far cheaper
    /// than calamine's second XML pass for them; when in doubt, the answer is yes.
    merged: bool,
    /// A shared-string cell (`t="s"`) whose value is not an index into the shared-string table.
    /// calamine reads `-1`, `abc` or `1.5` as string 0, which would stage the header's text (or
    /// any other string) in its place.
    bad_shared_string: Option<BadSharedString>,
    /// A part that does not decompress (a bad checksum, a truncated stream): (part, why).
    damaged: Option<(String, String)>,
    /// A range (`ref="D1:A1"` of a `<mergeCell>`, the `<dimension>`, a shared formula) whose end
    /// is above or left of its start. calamine subtracts the corners: a panic in our builds, a
    /// wrapped-around size otherwise.
    reversed: Option<Reversed>,
}

struct Reversed {
    /// The worksheet part, and the sheet the workbook names it, as for a bad shared string.
    part: String,
    sheet: Option<String>,
    /// The element (`mergeCell`) and its `ref` as written.
    element: String,
    range: String,
}

struct BadSharedString {
    /// The worksheet part (`xl/worksheets/sheet2.xml`) and the sheet the workbook names it, when
    /// its relationships say.
    part: String,
    sheet: Option<String>,
    /// The cell reference (`B4`), the value found and the shared-string table's size.
    reference: String,
    value: String,
    strings: usize,
}

impl Scan {
    fn unsure() -> Scan {
        Scan { merged: true, bad_shared_string: None, damaged: None, reversed: None }
    }
}

fn scan(bytes: &[u8]) -> Scan {
    use memchr::memmem;
    use std::io::Read;
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else { return Scan::unsure() };
    // The shared strings first, so each sheet's cells are checked as the sheet is read (no
    // copy of any sheet's XML is kept).
    let strings_part = (0..archive.len()).find(|&i| {
        archive.name_for_index(i).and_then(Result::ok).is_some_and(|n| n.to_lowercase().ends_with("sharedstrings.xml"))
    });
    let mut order: Vec<usize> = strings_part.into_iter().collect();
    order.extend((0..archive.len()).filter(|i| Some(*i) != strings_part));
    let mut merged = false;
    let mut strings = 0usize;
    let mut bad_shared_string = None;
    let mut damaged = None;
    let mut reversed = None;
    let mut xml = Vec::new();
    for i in order {
        let Ok(mut part) = archive.by_index(i) else { return Scan::unsure() };
        // A worksheet may live at any path the workbook's relationships give, so every XML part
        // is looked at except the styles, which hold no cells.
        let Ok(name) = part.name().map(|n| n.to_string()) else { return Scan::unsure() };
        let lower = name.to_lowercase();
        if !lower.ends_with(".xml") || lower.ends_with("styles.xml") {
            continue;
        }
        xml.clear();
        xml.reserve(part.size().min(MAX_PART) as usize);
        if let Err(e) = part.read_to_end(&mut xml) {
            damaged.get_or_insert((name, e.to_string()));
            continue;
        }
        if Some(i) == strings_part {
            strings = count_elements(&String::from_utf8_lossy(&xml), "si");
            continue;
        }
        merged |= memmem::find(&xml, b"mergeCell").is_some();
        if reversed.is_none() {
            reversed = reversed_range(&xml).map(|(element, range)| Reversed {
                part: name.clone(),
                sheet: None,
                element,
                range,
            });
        }
        let shared = memmem::find(&xml, b"t=\"s\"").is_some() || memmem::find(&xml, b"t='s'").is_some();
        if bad_shared_string.is_none() && shared {
            let text = String::from_utf8_lossy(&xml);
            bad_shared_string = shared_string_cells(&text)
                .find(|(_, value)| !value.trim().parse::<usize>().is_ok_and(|i| i < strings))
                .map(|(tag, value)| BadSharedString {
                    part: name.clone(),
                    sheet: None,
                    reference: attribute(tag, "r").unwrap_or_default().to_string(),
                    value: value.to_string(),
                    strings,
                });
        }
    }
    if let Some(bad) = &mut bad_shared_string {
        bad.sheet = sheet_of_part(&mut archive, &bad.part);
    }
    if let Some(bad) = &mut reversed {
        bad.sheet = sheet_of_part(&mut archive, &bad.part);
    }
    Scan { merged, bad_shared_string, damaged, reversed }
}

/// The first tag in a part's XML with a `ref` range whose end lies above or left of its start:
/// (the tag's name, the range). Found by memchr's search for `ref=`, so a sheet without ranges
/// costs one pass.
fn reversed_range(xml: &[u8]) -> Option<(String, String)> {
    memchr::memmem::find_iter(xml, b"ref=").find_map(|at| {
        // An attribute (whitespace before it, which `sqref=` lacks) inside a tag: the last `<`
        // before it opens the tag, and no `>` lies between.
        if !xml.get(at.checked_sub(1)?).is_some_and(u8::is_ascii_whitespace) {
            return None;
        }
        let open = memchr::memrchr(b'<', &xml[..at])?;
        if memchr::memchr(b'>', &xml[open..at]).is_some() {
            return None;
        }
        let close = at + memchr::memchr(b'>', &xml[at..])?;
        let tag = std::str::from_utf8(&xml[open + 1..close]).ok()?;
        let range = attribute(tag, "ref")?;
        let (start, end) = range.split_once(':')?;
        let ((r0, c0), (r1, c1)) = (position(start)?, position(end)?);
        (r1 < r0 || c1 < c0).then(|| {
            let element = local_name(tag).split(|c: char| c.is_ascii_whitespace()).next().unwrap_or_default();
            (element.to_string(), range.to_string())
        })
    })
}

/// A cell reference's (row, column), both 1-based: `B4` → (4, 2). None when it is not one.
fn position(reference: &str) -> Option<(u64, u64)> {
    let digits = reference.find(|c: char| c.is_ascii_digit())?;
    let (letters, number) = reference.split_at(digits);
    if letters.is_empty() || letters.len() > 3 || !letters.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let column = letters.bytes().fold(0u64, |n, b| n * 26 + u64::from(b - b'A' + 1));
    Some((number.parse().ok()?, column))
}

/// The name the workbook gives the worksheet stored in `part`: `<sheet name=… r:id=…>` in the
/// workbook part, and that id's `Target` in the workbook's relationships (relative to the
/// workbook's folder, or absolute from the package root). None when either is missing.
fn sheet_of_part(archive: &mut zip::ZipArchive<Cursor<&[u8]>>, part: &str) -> Option<String> {
    use std::io::Read;
    let mut read = |name: &str| -> Option<String> {
        let index = archive.index_for_name(name)?;
        let mut text = String::new();
        archive.by_index(index).ok()?.read_to_string(&mut text).ok()?;
        Some(text)
    };
    let workbook_part = "xl/workbook.xml";
    let (workbook, rels) = (read(workbook_part)?, read("xl/_rels/workbook.xml.rels")?);
    let folder = workbook_part.rsplit_once('/').map_or("", |(dir, _)| dir);
    let id = tags(&rels, "Relationship").find_map(|tag| {
        let target = attribute(tag, "Target")?;
        let full = match target.strip_prefix('/') {
            Some(absolute) => absolute.to_string(),
            None => format!("{folder}/{target}"),
        };
        full.eq_ignore_ascii_case(part).then(|| attribute(tag, "Id")).flatten()
    })?;
    let name = tags(&workbook, "sheet").find_map(|tag| {
        let sheet_id = attribute(tag, "r:id").or_else(|| {
            // The relationships namespace under another prefix: any `…:id` attribute.
            tag.split_whitespace().find_map(|a| a.split_once(":id=").map(|(_, v)| v.trim_matches(['"', '\'', '/'])))
        })?;
        (sheet_id == id).then(|| attribute(tag, "name").map(unescape)).flatten()
    });
    name
}

/// The text of each `<name …>` tag (any namespace prefix), without its brackets.
fn tags<'a>(xml: &'a str, name: &'a str) -> impl Iterator<Item = &'a str> {
    xml.split('<').filter_map(move |chunk| {
        let tag = chunk.split('>').next()?;
        let local = local_name(tag);
        local.strip_prefix(name).filter(|rest| rest.starts_with(|c: char| c.is_ascii_whitespace())).map(|_| tag)
    })
}

/// An attribute value as the workbook means it: XML's five named entities replaced.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

/// A tag (or the text from a tag's start on) without its namespace prefix: `x:c r="A1"` →
/// `c r="A1"`. A colon after a space, `/` or `>` is not a prefix's. Only the tag's name is
/// searched: looking for the first colon in the rest of the text made counting a big
/// shared-string table quadratic (100,000 strings: 38 s).
fn local_name(tag: &str) -> &str {
    match tag.find([':', ' ', '>', '/']) {
        Some(i) if tag.as_bytes()[i] == b':' => &tag[i + 1..],
        _ => tag,
    }
}

/// How many `<name>` elements (any namespace prefix) the XML holds.
fn count_elements(xml: &str, name: &str) -> usize {
    xml.match_indices('<')
        .filter(|(i, _)| {
            local_name(&xml[i + 1..]).strip_prefix(name).is_some_and(|rest| rest.starts_with([' ', '>', '/']))
        })
        .count()
}

/// Each shared-string cell of a worksheet's XML: its tag's text (`c r="B4" t="s"`, for
/// [`attribute`] to read the reference from when the cell is reported) and its `<v>` text, in
/// the order of the sheet. Driven by the `t="s"` attributes themselves (found with memchr's
/// SIMD search), so a sheet of numbers or inline strings costs one pass and no tag parsing.
fn shared_string_cells(xml: &str) -> impl Iterator<Item = (&str, &str)> {
    use memchr::memmem;
    let bytes = xml.as_bytes();
    let mut double = memmem::find_iter(bytes, b"t=\"s\"").peekable();
    let mut single = memmem::find_iter(bytes, b"t='s'").peekable();
    let hits = std::iter::from_fn(move || match (double.peek(), single.peek()) {
        (Some(d), Some(s)) if s < d => single.next(),
        (Some(_), _) => double.next(),
        (None, _) => single.next(),
    });
    hits.filter_map(move |at| {
        // The attribute `t`, not the end of another's name (`fmt="s"`), inside a tag: the last
        // `<` before it opens the tag (XML allows no `<` in an attribute value) and no `>` lies
        // between.
        if !bytes.get(at.checked_sub(1)?).is_some_and(u8::is_ascii_whitespace) {
            return None;
        }
        let open = memchr::memrchr(b'<', &bytes[..at])?;
        if memchr::memchr(b'>', &bytes[open..at]).is_some() {
            return None;
        }
        let end = at + memchr::memchr(b'>', &bytes[at..])?;
        let tag = &xml[open + 1..end];
        let local = local_name(tag);
        let is_cell = local.strip_prefix('c').is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_whitespace()));
        if !is_cell || tag.ends_with('/') {
            return None;
        }
        let body = &xml[end + 1..];
        let close = body.find("</").map(|i| &body[..i]);
        // The value: the text of the first child (`<v>…</v>`), whatever its prefix.
        let value = body
            .find('>')
            .filter(|i| {
                body[..*i].trim_start_matches('<').trim_start_matches(|c: char| c != 'v' && c != '>').starts_with('v')
            })
            .and_then(|i| body[i + 1..].find('<').map(|j| &body[i + 1..i + 1 + j]))
            .or(close)
            .unwrap_or_default();
        Some((tag, value))
    })
}

/// The value of attribute `name` in a tag's text (`c r="B4" t="s"`, `r` → `B4`), either quote;
/// a name that only ends in `name` (`fmt="s"` for `t`) is not it. Nothing is allocated.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    if name.is_empty() {
        return None;
    }
    let bytes = tag.as_bytes();
    let mut from = 0;
    while let Some(at) = memchr::memmem::find(&bytes[from..], name.as_bytes()).map(|i| i + from) {
        let end = at + name.len();
        let named = at > 0 && bytes[at - 1].is_ascii_whitespace() && bytes.get(end) == Some(&b'=');
        if let (true, Some(&quote)) = (named, bytes.get(end + 1)) {
            if quote == b'"' || quote == b'\'' {
                let value = &tag[end + 2..];
                return memchr::memchr(quote, value.as_bytes()).map(|close| &value[..close]);
            }
        }
        from = end;
    }
    None
}

/// Reads the workbook. calamine is a third-party parser: should it panic on a malformed file
/// (it has: an overflowing cell reference), the panic becomes an input error here instead of a
/// crash — no input may make baimo panic.
pub(super) fn read(contract: &Contract, file: String, bytes: Vec<u8>) -> Result<Rows> {
    let location = Location { file: file.clone(), sheet: contract.sheet.clone(), cell: None, line: None };
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_workbook(contract, file, bytes)));
    std::panic::set_hook(previous);
    match result {
        Ok(r) => r,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown failure".into());
            Err(input_error(
                location,
                "xlsx",
                format!("the workbook is malformed: the xlsx reader failed ({what})"),
                None,
            ))
        }
    }
}

fn read_workbook(contract: &Contract, file: String, bytes: Vec<u8>) -> Result<Rows> {
    let sheet = contract.sheet.clone().unwrap_or_default();
    let loc = |sheet: Option<String>, cell: Option<String>| Location { file: file.clone(), sheet, cell, line: None };
    refuse_ole(&bytes, &loc(None, None))?;
    check_sizes(&bytes, &loc(None, None))?;
    // The scan for damage runs on a second thread while calamine reads the sheet: each
    // inflates the sheet's XML on its own, and the scan's findings are waited for (and win over
    // whatever calamine made of the damaged part) before any cell is handed on.
    let (scanned, read) = std::thread::scope(|s| {
        let scanning = s.spawn(|| scan(&bytes));
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_cells(&sheet, &bytes, &loc)));
        (scanning.join().unwrap_or_else(|_| Scan::unsure()), read)
    });
    if let Some((part, why)) = scanned.damaged {
        return Err(input_error(
            loc(None, None),
            "xlsx_damaged",
            format!("the workbook is damaged: part {part} cannot be read ({why})"),
            None,
        ));
    }
    if let Some(BadSharedString { part, sheet: found_in, reference, value, strings }) = scanned.bad_shared_string {
        // The sheet the cell is in, which need not be the contract's (the workbook is damaged
        // either way); the part alone when the workbook does not say which sheet it is.
        return Err(input_error(
            loc(found_in, Some(reference)),
            "xlsx_shared_string",
            format!(
                "the cell refers to shared string `{value}` (in part {part}), which is not an index into the workbook's {}: the workbook is damaged",
                crate::error::count(strings, "shared string")
            ),
            Some(value),
        ));
    }
    if let Some(Reversed { part, sheet: found_in, element, range }) = scanned.reversed {
        let start = range.split(':').next().unwrap_or_default().to_string();
        return Err(reversed_range_error(loc(found_in, Some(start)), &format!("<{element}> (in part {part})"), range));
    }
    // A panic of calamine's goes on to `read`, which turns it into an input error.
    let (mut book, mut rows) = read.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
    // Merged regions: copy the top-left cell into the rest of the region. calamine finds them
    // by parsing the sheet's XML a second time, so that is skipped when no sheet has any.
    let regions = if scanned.merged { book.merge_cells_by_sheet_name(&sheet).ok() } else { None };
    if let Some(regions) = regions {
        for dims in regions {
            let (r0, c0) = dims.start;
            let (r1, c1) = dims.end;
            // The scan refuses these first; should calamine read a range it did not, no merge
            // is skipped without a word.
            if r1 < r0 || c1 < c0 {
                let (start, end) = (cell_address(c0, r0 + 1), cell_address(c1, r1 + 1));
                return Err(reversed_range_error(
                    loc(Some(sheet.clone()), Some(start.clone())),
                    "a merged region",
                    format!("{start}:{end}"),
                ));
            }
            if (r1.saturating_sub(r0) as u64 + 1) * (c1.saturating_sub(c0) as u64 + 1) > MAX_CELLS || c1 >= MAX_COLUMNS
            {
                return Err(input_error(
                    loc(Some(sheet.clone()), Some(cell_address(c0, r0 + 1))),
                    "sheet_size",
                    "a merged region is larger than a sheet may be".into(),
                    None,
                ));
            }
            let first = rows.partition_point(|(r, _)| *r < r0 + 1);
            let value = rows
                .get(first)
                .filter(|(r, _)| *r == r0 + 1)
                .and_then(|(_, cells)| cells.get(c0 as usize))
                .cloned()
                .unwrap_or(Cell::Empty);
            // Only rows that hold cells: a merge over empty rows does not invent rows.
            let end = rows.partition_point(|(r, _)| *r <= r1 + 1);
            for (_, cells) in &mut rows[first..end] {
                if cells.len() <= c1 as usize {
                    cells.resize(c1 as usize + 1, Cell::Empty);
                }
                for c in c0..=c1 {
                    cells[c as usize] = value.clone();
                }
            }
        }
    }
    Ok(rows)
}

fn reversed_range_error(location: Location, what: &str, range: String) -> crate::error::Error {
    input_error(
        location,
        "xlsx_range",
        format!("the range `{range}` of {what} ends above or left of where it starts: the workbook is damaged"),
        Some(range),
    )
}

/// The workbook opened by calamine and the sheet's non-empty cells by row number (1-based).
/// Cells are streamed one by one and kept sparse: a far-away cell or a lying `<dimension>`
/// cannot make us allocate the whole rectangle.
fn read_cells<'b>(
    sheet: &str,
    bytes: &'b [u8],
    loc: &dyn Fn(Option<String>, Option<String>) -> Location,
) -> Result<(Xlsx<Cursor<&'b [u8]>>, Rows)> {
    let unreadable = |e: &dyn std::fmt::Display| {
        input_error(loc(Some(sheet.to_string()), None), "xlsx", format!("cannot read the sheet: {e}"), None)
    };
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes))
        .map_err(|e| input_error(loc(None, None), "xlsx", format!("not a readable xlsx workbook: {e}"), None))?;
    let names = book.sheet_names();
    if !names.iter().any(|n| n == sheet) {
        return Err(input_error(
            loc(Some(sheet.to_string()), None),
            "sheet",
            format!("the workbook has no sheet `{sheet}`"),
            Some(names.join(", ")),
        ));
    }
    let mut rows: Rows = Vec::new();
    {
        let mut reader = book.worksheet_cells_reader(sheet).map_err(|e| unreadable(&e))?;
        let mut count = 0u64;
        // The row being filled: cells come in row order, so a row is filed once, when it is done.
        let mut current: Option<(u32, Vec<Cell>)> = None;
        while let Some(c) = reader.next_cell().map_err(|e| unreadable(&e))? {
            let (r, col) = c.get_position();
            let value = cell_ref(c.get_value());
            if value == Cell::Empty {
                continue;
            }
            count += 1;
            if count > MAX_CELLS || col >= MAX_COLUMNS {
                return Err(input_error(
                    loc(Some(sheet.to_string()), Some(cell_address(col, r + 1))),
                    "sheet_size",
                    format!("the sheet holds more than {MAX_CELLS} cells or a column past {MAX_COLUMNS}"),
                    None,
                ));
            }
            if current.as_ref().is_none_or(|(n, _)| *n != r + 1) {
                rows.extend(current.take());
                current = Some((r + 1, Vec::new()));
            }
            let Some((_, row)) = current.as_mut() else { continue };
            if row.len() <= col as usize {
                row.resize(col as usize + 1, Cell::Empty);
            }
            row[col as usize] = value;
        }
        rows.extend(current);
    }
    Ok((book, settle(rows)))
}

/// The rows in row order, each number once: a sheet's rows come in order, so this is usually a
/// check; a sheet whose rows are out of order is sorted (stably, and once, so a hostile order
/// costs n log n), and a row the sheet's XML gives twice keeps both halves (the later cell wins
/// where both have one, as when each cell was filed on its own).
fn settle(mut rows: Rows) -> Rows {
    if rows.windows(2).all(|w| w[0].0 < w[1].0) {
        return rows;
    }
    rows.sort_by_key(|(n, _)| *n);
    let mut settled: Rows = Vec::with_capacity(rows.len());
    for (n, cells) in rows {
        match settled.last_mut() {
            Some((last, row)) if *last == n => {
                if row.len() < cells.len() {
                    row.resize(cells.len(), Cell::Empty);
                }
                for (i, c) in cells.into_iter().enumerate() {
                    if c != Cell::Empty {
                        row[i] = c;
                    }
                }
            }
            _ => settled.push((n, cells)),
        }
    }
    settled
}

/// A streamed cell's value: text read straight from calamine's borrowed or owned string (no
/// copy into a `Data` first); the rarer kinds through [`cell`].
fn cell_ref(value: &DataRef) -> Cell {
    match value {
        DataRef::Empty => Cell::Empty,
        DataRef::SharedString(s) => Cell::Text((*s).into()),
        DataRef::String(s) => Cell::Text(s.as_str().into()),
        DataRef::Int(i) => Cell::Text(compact_str::ToCompactString::to_compact_string(i)),
        other => cell(&Data::from(other.clone())),
    }
}

fn cell(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.as_str().into()),
        Data::Int(i) => Cell::Text(i.to_string().into()),
        Data::Float(f) => Cell::Text(crate::quantity::format_number(*f).into()),
        Data::Bool(b) => Cell::Text(b.to_string().into()),
        // A duration (`[h]:mm:ss`) reads as the cell shows it, hours past 24 and all.
        Data::DateTime(d) if d.is_duration() => Cell::Text(clock((d.as_f64() * MS_PER_DAY).round() as i64).into()),
        // A serial below 1 under a date format is a time of day (Excel has no date before 1900).
        Data::DateTime(d) if (0.0..1.0).contains(&d.as_f64()) => {
            Cell::Text(clock((d.as_f64() * MS_PER_DAY).round() as i64).into())
        }
        Data::DateTime(d) => match d.as_datetime() {
            Some(dt) => Cell::Text(date_time(dt).into()),
            None => Cell::Error(format!("unreadable date {}", d.as_f64())),
        },
        // ISO text (strict OOXML): spelled as the serials above are.
        Data::DateTimeIso(s) => Cell::Text(
            chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                .map_or_else(|_| s.replacen('T', " ", 1), date_time)
                .into(),
        ),
        Data::DurationIso(s) => Cell::Text(iso_duration_ms(s).map_or_else(|| s.clone(), clock).into()),
        Data::Error(e) => Cell::Error(e.to_string()),
    }
}

const MS_PER_DAY: f64 = 86_400_000.0;

/// A date-time as the cell shows it: the date alone at midnight, else date and time with a space.
fn date_time(dt: chrono::NaiveDateTime) -> String {
    if dt.time() == chrono::NaiveTime::MIN {
        dt.date().to_string()
    } else {
        dt.to_string()
    }
}

/// Milliseconds as a clock shows them: `255:10:10`, `10:04:48`, `0:00:01.500`.
fn clock(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let ms = ms.unsigned_abs();
    let (h, m, s, milli) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    let fraction = if milli == 0 { String::new() } else { format!(".{milli:03}") };
    format!("{sign}{h}:{m:02}:{s:02}{fraction}")
}

/// An ISO 8601 duration of hours, minutes and seconds (`PT255H10M10S`, `PT1.5S`) in
/// milliseconds; `None` for anything else (a duration in days or months stays as written).
fn iso_duration_ms(text: &str) -> Option<i64> {
    let mut rest = text.strip_prefix("PT")?;
    let mut ms = 0f64;
    while !rest.is_empty() {
        let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let n: f64 = rest[..end].parse().ok()?;
        ms += n * match rest[end..].chars().next()? {
            'H' => 3_600_000.0,
            'M' => 60_000.0,
            'S' => 1000.0,
            _ => return None,
        };
        rest = &rest[end + 1..];
    }
    Some(ms.round() as i64)
}

#[cfg(test)]
mod tests {
    use super::{
        attribute, clock, count_elements, iso_duration_ms, local_name, position, reversed_range, settle,
        shared_string_cells,
    };
    use crate::extract::Cell;
    use crate::quantity::format_number;

    #[test]
    fn shared_string_cells_are_found_with_their_values() {
        let xml = r#"<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>x</t></is></c><c r="C1" t="s"><v>-1</v></c><c r="D1" s="2"/><x:c r="E1" t="s"><x:v>abc</x:v></x:c><c r="F1" fmt="s"><v>-2</v></c><c r="G1" t="inlineStr"><is><t>a t="s"</t></is></c><c r="H1" t='s'><v>7</v></c></row></sheetData>"#;
        assert_eq!(
            shared_string_cells(xml).map(|(tag, v)| (attribute(tag, "r").unwrap_or_default(), v)).collect::<Vec<_>>(),
            [("A1", "0"), ("C1", "-1"), ("E1", "abc"), ("H1", "7")]
        );
        assert_eq!(count_elements("<sst><si><t>a</t></si><si><t>b</t></si><x:si/></sst>", "si"), 3);
        assert_eq!(count_elements("<sst xmlns:x=\"u\"><si><t>a:b</t></si><x:si><t>c</t></x:si></sst>", "si"), 2);
        assert_eq!(local_name("x:c r=\"A1\""), "c r=\"A1\"");
        assert_eq!(local_name("c r=\"A1\" x:t=\"s\""), "c r=\"A1\" x:t=\"s\"");
        assert_eq!(local_name("si><t>a:b</t>"), "si><t>a:b</t>");
        assert_eq!(local_name("/x:si>"), "/x:si>");
    }

    #[test]
    fn durations_and_times_read_as_a_clock_shows_them() {
        assert_eq!(clock(((255.0 * 3600.0 + 10.0 * 60.0 + 10.0) * 1000.0) as i64), "255:10:10");
        assert_eq!(clock(36_288_000), "10:04:48");
        assert_eq!(clock(1500), "0:00:01.500");
        assert_eq!(clock(-60_000), "-0:01:00");
        assert_eq!(iso_duration_ms("PT255H10M10S").map(clock).as_deref(), Some("255:10:10"));
        assert_eq!(iso_duration_ms("PT1.5S"), Some(1500));
        assert_eq!(iso_duration_ms("P1D"), None);
    }

    #[test]
    fn attributes_are_read_by_their_whole_name_in_either_quote() {
        let tag = r#"c fmt="x" r="B4" t='s'"#;
        assert_eq!(attribute(tag, "r"), Some("B4"));
        assert_eq!(attribute(tag, "t"), Some("s"));
        assert_eq!(attribute(tag, "fmt"), Some("x"));
        assert_eq!(attribute("c\tr=\"C9\"", "r"), Some("C9"));
        assert_eq!(attribute(r#"c xr="A1" r=B2"#, "r"), None);
        assert_eq!(attribute(r#"sheet name="a &amp; b" r:id="rId2""#, "r:id"), Some("rId2"));
        assert_eq!(attribute(r#"c r="A1"#, "r"), None);
        assert_eq!(attribute(tag, ""), None);
    }

    #[test]
    fn ranges_ending_above_or_left_of_their_start_are_found_by_their_ref() {
        let sheet = |body: &str| format!("<worksheet><dimension ref=\"A1:D8\"/><sheetData/>{body}</worksheet>");
        assert_eq!(reversed_range(sheet("<mergeCells><mergeCell ref=\"A1:D1\"/></mergeCells>").as_bytes()), None);
        assert_eq!(
            reversed_range(sheet("<x:mergeCell ref='D1:A1'/>").as_bytes()),
            Some(("mergeCell".into(), "D1:A1".into()))
        );
        assert_eq!(
            reversed_range(b"<worksheet><dimension ref=\"B8:B1\"/></worksheet>"),
            Some(("dimension".into(), "B8:B1".into()))
        );
        // `sqref` is another attribute; a `ref=` in a cell's text is not in a tag; one cell is
        // no range; AA comes after Z.
        assert_eq!(reversed_range(sheet("<selection sqref=\"D1:A1\"/>").as_bytes()), None);
        assert_eq!(reversed_range(sheet("<c><is><t> ref=\"D1:A1\"</t></is></c>").as_bytes()), None);
        assert_eq!(reversed_range(sheet("<mergeCell ref=\"D1\"/><mergeCell ref=\"Z1:AA2\"/>").as_bytes()), None);
        assert_eq!(position("AA10"), Some((10, 27)));
        assert_eq!(position("10"), None);
    }

    #[test]
    fn rows_out_of_order_or_given_twice_are_settled_in_order_once_each() {
        let text = |t: &str| Cell::Text(t.into());
        let in_order = vec![(1, vec![text("a")]), (3, vec![text("b")])];
        assert_eq!(settle(in_order.clone()), in_order);
        let rows = vec![
            (4, vec![text("d")]),
            (2, vec![text("x"), Cell::Empty, text("z")]),
            (1, vec![text("a")]),
            (2, vec![text("y")]),
        ];
        assert_eq!(
            settle(rows),
            [(1, vec![text("a")]), (2, vec![text("y"), Cell::Empty, text("z")]), (4, vec![text("d")])]
        );
        // Reversed, as a hostile sheet could be: sorted once.
        let reversed: Vec<(u32, Vec<Cell>)> = (0..200_000u32).rev().map(|n| (n, vec![Cell::Empty])).collect();
        assert!(settle(reversed).iter().enumerate().all(|(i, (n, _))| *n == i as u32));
    }

    /// A number cell reads as the spreadsheet shows it: 15 significant digits, never a fixed
    /// number of decimals (which dropped digits and turned 1e-13 into 0).
    #[test]
    fn floats_render_as_a_spreadsheet_shows_them() {
        assert_eq!(format_number(2048.0), "2048");
        assert_eq!(format_number(0.1 + 0.2), "0.3");
        assert_eq!(format_number(-1.5), "-1.5");
        assert_eq!(format_number(1.0413926851582251), "1.04139268515823");
        assert_eq!(format_number(123456789.123456), "123456789.123456");
        assert_eq!(format_number(1e-13), "0.0000000000001");
        assert_eq!(format_number(2.5e-30), "0.0000000000000000000000000000025");
    }
}
