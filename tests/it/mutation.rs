//! Mutation testing of the extractors, in process: thousands of corrupted CSV files and xlsx
//! workbooks go through extract and validate. Each must give rows or an error, never a panic.
//! (cargo-fuzz covers the quantity parser: see fuzz/ and `make fuzz`.)

use crate::common::Project;
use baimo::extract::extract;
use baimo::spec::Contract;
use baimo::validate::validate;
use std::io::{Read, Write};

/// A seeded generator (the one `baimo gen` uses), so a failure reproduces.
struct Rng(baimo::cmd::gen::Rng);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0.below(n as u64) as usize
    }
}

/// Bytes that matter to the formats: separators, quotes, line ends, invalid UTF-8, XML.
const INTERESTING: &[&[u8]] = &[
    b",",
    b"\"",
    b"\n",
    b"\r",
    b"\0",
    b"\xff",
    b"\xe4\xba",
    b"<",
    b">",
    b"&",
    b"</c>",
    b"<v>",
    b"t=\"e\"",
    b"\xef\xbb\xbf",
    b"\xe4\xba\xbf",
    b"9999999999",
    b"-",
    b"%",
    b"r=\"XFD1048576\"",
    b"<row r=\"0\">",
];

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(5) {
            0 if !out.is_empty() => {
                let i = at.min(out.len() - 1);
                out[i] ^= 1 << rng.below(8);
            }
            1 => {
                let piece = INTERESTING[rng.below(INTERESTING.len())];
                out.splice(at..at, piece.iter().copied());
            }
            2 if at < out.len() => {
                let end = (at + rng.below(16)).min(out.len());
                out.drain(at..end);
            }
            3 if at < out.len() => {
                let end = (at + rng.below(32)).min(out.len());
                let copy: Vec<u8> = out[at..end].to_vec();
                out.splice(at..at, copy);
            }
            _ => out.truncate(at),
        }
    }
    out
}

/// Runs extract and validate on whatever is in the project now; true if it panicked.
fn panics(p: &Project, contract: &str) -> bool {
    std::panic::catch_unwind(|| {
        let c = Contract::load(p.path(), &p.file(contract));
        if let Ok(c) = c {
            if let Ok(table) = extract(&c) {
                let _ = validate(&c, &table);
            }
        }
    })
    .is_err()
}

#[test]
fn corrupted_csv_never_panics() {
    let p = Project::new("good");
    let original = std::fs::read(p.file("raw/market.csv")).expect("csv");
    let mut rng = Rng(baimo::cmd::gen::Rng(0x5eed_0001));
    let mut panicked = Vec::new();
    let n = 3000;
    for i in 0..n {
        let bytes = mutate(&mut rng, &original);
        std::fs::write(p.file("raw/market.csv"), &bytes).expect("write");
        if panics(&p, "pipelines/sources/market.toml") {
            panicked.push(format!("case {i}: {:?}", String::from_utf8_lossy(&bytes)));
        }
    }
    eprintln!("csv mutation: {n} inputs, {} panics", panicked.len());
    assert!(panicked.is_empty(), "{}", panicked.join("\n"));
}

/// Rewrites the workbook with its sheet XML mutated (the zip stays valid, so the XML reader
/// and the cell handling are what gets exercised), or the zip bytes themselves mutated.
#[test]
fn corrupted_xlsx_never_panics() {
    let p = Project::new("good");
    let original = std::fs::read(p.file("raw/tables.xlsx")).expect("xlsx");
    let mut parts: Vec<(String, Vec<u8>)> = Vec::new();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&original)).expect("zip");
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).expect("part");
        let mut data = Vec::new();
        f.read_to_end(&mut data).expect("read part");
        parts.push((f.name().map(|n| n.to_string()).unwrap_or_default(), data));
    }
    let mut rng = Rng(baimo::cmd::gen::Rng(0x5eed_0002));
    let mut panicked = Vec::new();
    let n = 1500;
    for i in 0..n {
        let bytes = if i % 5 == 0 {
            mutate(&mut rng, &original)
        } else {
            let mut buf = std::io::Cursor::new(Vec::new());
            {
                let mut w = zip::ZipWriter::new(&mut buf);
                let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
                for (name, data) in &parts {
                    w.start_file(name.as_str(), opts).expect("start");
                    let data = if name.ends_with("sheet1.xml") || (name.ends_with("workbook.xml") && i % 7 == 0) {
                        mutate(&mut rng, data)
                    } else {
                        data.clone()
                    };
                    w.write_all(&data).expect("write part");
                }
                w.finish().expect("finish");
            }
            buf.into_inner()
        };
        std::fs::write(p.file("raw/tables.xlsx"), &bytes).expect("write");
        if panics(&p, "pipelines/sources/training_runs.toml") {
            let keep = p.file(&format!("panic-{i}.xlsx"));
            std::fs::write(&keep, &bytes).expect("keep");
            panicked.push(format!("case {i}: kept as {}", keep.display()));
        }
    }
    eprintln!("xlsx mutation: {n} inputs, {} panics", panicked.len());
    assert!(panicked.is_empty(), "{}", panicked.join("\n"));
}
