//! `baimo gen --rows N --out DIR`: a self-contained synthetic project for scale tests and
//! benchmarks. Deterministic for a given `--seed`.
//!
//! - `raw/observations.csv`: N rows of report-shaped, messy values in realistic proportions
//!   (`15万元/张`, `2个月`, `超过300个`, `90-100天`, `50.6%`, full-width digits, blanks), with
//!   `--bad-fraction` of rows carrying a malformed value, handled by quarantine;
//! - `raw/registry.xlsx`: a smaller workbook (N/10 rows, at most 100,000) with a title row and a
//!   units row, written as a minimal xlsx;
//! - contracts for both, two models and an audit.

use crate::error::{Error, Result};
use std::io::Write;
use std::path::Path;

/// xorshift64*: small, fast, deterministic (also drives the mutation tests).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in 0..n.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// True with probability p.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

fn full_width(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_digit() { char::from_u32(c as u32 + 0xFEE0).unwrap_or(c) } else { c }).collect()
}

const GPUS: &[&str] = &["A100", "A800", "H100", "H800", "昇腾910B"];
const STAGES: &[&str] = &["deployed", "pilot", "research"];
const BAD: &[&str] = &["12..5亿元", "%50", "1,2,3", "超过", "数万亿亿", "-5张", "100-90天", "12斤"];

fn observation(rng: &mut Rng, i: u64, bad: bool) -> [String; 8] {
    let gpu = GPUS[rng.below(GPUS.len() as u64) as usize];
    let price = match rng.below(3) {
        0 => format!("{}万元/张", 5 + rng.below(20)),
        1 => format!("{}.{}万元/张", 5 + rng.below(20), rng.below(10)),
        _ => format!("{}元/张", 50_000 + rng.below(200_000)),
    };
    let share = format!("{}.{}%", rng.below(100), rng.below(10));
    let capacity = match rng.below(3) {
        0 => format!("{}P", 10 + rng.below(5000)),
        1 => format!("{}EFLOPS", 1 + rng.below(12)),
        _ => String::new(),
    };
    let duration = match rng.below(4) {
        0 => format!("{}天", 7 + rng.below(90)),
        1 => format!("{}个月", 1 + rng.below(6)),
        2 => {
            let lo = 30 + rng.below(60);
            format!("{lo}-{}天", lo + 1 + rng.below(30))
        }
        _ => "-".into(),
    };
    let count = match rng.below(4) {
        0 => format!("超过{}个", 10 + rng.below(500)),
        1 => format!("近{}张", ["千", "万"][rng.below(2) as usize]),
        2 => format!("{}多家", 10 + rng.below(90)),
        _ => format!("{}个", rng.below(1000)),
    };
    let date = format!("{}.{}", 2022 + rng.below(3), 1 + rng.below(12));
    let mut row = [format!("obs{i:09}"), gpu.to_string(), price, share, capacity, duration, count, date];
    if rng.chance(0.05) {
        row[2] = full_width(&row[2]);
    }
    if bad {
        let col = 2 + rng.below(5) as usize;
        row[col] = BAD[rng.below(BAD.len() as u64) as usize].to_string();
    }
    row
}

pub fn run(out: &Path, rows: u64, seed: u64, bad_fraction: f64) -> Result<()> {
    if !(0.0..=1.0).contains(&bad_fraction) {
        return Err(Error::Usage(format!("--bad-fraction must be between 0 and 1, found {bad_fraction}")));
    }
    let mut rng = Rng(seed.max(1));
    for dir in ["raw", "pipelines/sources", "pipelines/models/marts", "pipelines/audits", "warehouse"] {
        let d = out.join(dir);
        std::fs::create_dir_all(&d).map_err(Error::io(&d))?;
    }
    let path = out.join("raw/observations.csv");
    let file = std::fs::File::create(&path).map_err(Error::io(&path))?;
    let mut w = csv::Writer::from_writer(std::io::BufWriter::with_capacity(1 << 20, file));
    let io = |e: csv::Error| Error::Internal(format!("writing {}: {e}", path.display()));
    w.write_record(["id", "gpu", "price", "share", "capacity", "duration", "count", "date"]).map_err(io)?;
    for i in 0..rows {
        let bad = rng.chance(bad_fraction);
        w.write_record(observation(&mut rng, i, bad)).map_err(io)?;
    }
    w.flush().map_err(|e| Error::Io { path: path.clone(), source: e })?;

    let registry_rows = (rows / 10).clamp(1, 100_000);
    write_registry(&out.join("raw/registry.xlsx"), registry_rows, &mut rng)?;

    let max_bad = ((bad_fraction * 100.0) * 1.5 + 0.5).min(100.0);
    let files: &[(&str, String)] = &[
        ("pipelines/sources/observations.toml", format!(
            r#"description = "Synthetic price and capacity observations (baimo gen)"
ref = "synthetic"
file = "raw/observations.csv"
primary_key = ["id"]
on_error = "quarantine"
max_rejected = "{max_bad:.1}%"

[[columns]]
name = "id"
type = "text"
required = true

[[columns]]
name = "gpu"
type = "text"
required = true

[[columns]]
name = "price"
type = "money"
per = "张"
min = 0

[[columns]]
name = "share"
type = "percent"
min = 0
max = 1

[[columns]]
name = "capacity"
type = "compute"
min = 0

[[columns]]
name = "duration"
type = "duration"
min = 0

[[columns]]
name = "count"
type = "bound"

[[columns]]
name = "date"
type = "date"
"#
        )),
        ("pipelines/sources/registry.toml", r#"description = "Synthetic model registry (baimo gen)"
ref = "synthetic"
file = "raw/registry.xlsx"
sheet = "registry"
header_row = 2
units_row = 3
primary_key = ["model"]

[[columns]]
name = "model"
header = "模型"
type = "text"
required = true

[[columns]]
name = "stage"
header = "阶段"
type = "enum"
values = ["deployed", "pilot", "research"]

[[columns]]
name = "parameters"
header = "参数量"
type = "bound"

[[columns]]
name = "released"
header = "发布时间"
type = "date"
"#
        .into()),
        ("pipelines/models/marts/price_by_gpu.sql", "-- Price and capacity statistics per GPU.\nselect\n    gpu,\n    count(*)                 as observations,\n    avg(price)               as avg_price_cny,\n    median(price)            as median_price_cny,\n    sum(capacity)            as total_pflops,\n    avg(duration_days_high)  as avg_days_high\nfrom staging.observations\ngroup by gpu\n".into()),
        ("pipelines/models/marts/registry_by_stage.sql", "select stage, count(*) as models, share(count(*), sum(count(*)) over ()) as share\nfrom staging.registry\ngroup by stage\n".into()),
        ("pipelines/audits/prices_positive.sql", "select id, price from staging.observations where price <= 0\n".into()),
    ];
    for (rel, text) in files {
        let p = out.join(rel);
        std::fs::write(&p, text).map_err(Error::io(&p))?;
    }
    crate::say::info(format!(
        "wrote a project of {rows} observations and {registry_rows} registry rows to {}",
        out.display()
    ));
    Ok(())
}

/// A minimal xlsx (inline strings, one sheet), enough for any reader: title, header, units, data.
fn write_registry(path: &Path, rows: u64, rng: &mut Rng) -> Result<()> {
    let file = std::fs::File::create(path).map_err(Error::io(path))?;
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let err = |e: zip::result::ZipError| Error::Internal(format!("writing {}: {e}", path.display()));
    let ioerr = |e: std::io::Error| Error::Io { path: path.to_path_buf(), source: e };
    let parts: [(&str, &str); 4] = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="registry" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
    ];
    for (name, text) in parts {
        zip.start_file(name, opts).map_err(err)?;
        zip.write_all(text.as_bytes()).map_err(ioerr)?;
    }
    zip.start_file("xl/worksheets/sheet1.xml", opts).map_err(err)?;
    let cell = |r: u64, c: char, v: &str| format!(r#"<c r="{c}{r}" t="inlineStr"><is><t>{v}</t></is></c>"#);
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    sheet.push_str(&format!(r#"<row r="1">{}</row>"#, cell(1, 'A', "合成模型登记表")));
    sheet.push_str(&format!(
        r#"<row r="2">{}{}{}{}</row>"#,
        cell(2, 'A', "模型"),
        cell(2, 'B', "阶段"),
        cell(2, 'C', "参数量"),
        cell(2, 'D', "发布时间")
    ));
    sheet.push_str(&format!(r#"<row r="3">{}</row>"#, cell(3, 'C', "亿")));
    zip.write_all(sheet.as_bytes()).map_err(ioerr)?;
    for i in 0..rows {
        let r = i + 4;
        let stage = STAGES[rng.below(3) as usize];
        let params = match rng.below(3) {
            0 => format!("{}亿", 1 + rng.below(2000)),
            1 => format!("超过{}亿", 10 + rng.below(1000)),
            _ => format!("近{}亿", 1 + rng.below(100)),
        };
        let date = format!("{}年{}月", 2022 + rng.below(3), 1 + rng.below(12));
        let row = format!(
            r#"<row r="{r}">{}{}{}{}</row>"#,
            cell(r, 'A', &format!("model-{i:07}")),
            cell(r, 'B', stage),
            cell(r, 'C', &params),
            cell(r, 'D', &date)
        );
        zip.write_all(row.as_bytes()).map_err(ioerr)?;
    }
    zip.write_all(b"</sheetData></worksheet>").map_err(ioerr)?;
    zip.finish().map_err(err)?;
    Ok(())
}
