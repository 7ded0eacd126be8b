//! Any bytes as a CSV file, declared UTF-8 or GBK: extraction gives cells or an error, never a
//! panic.
#![no_main]

include!("harness.rs");

use libfuzzer_sys::fuzz_target;

const COLUMNS: &str = r#"
[[columns]]
name = "id"
type = "text"
required = true

[[columns]]
name = "value"
header = "raw"
type = "bound"

[[columns]]
name = "day"
type = "date"
"#;

fuzz_target!(|data: &[u8]| {
    let utf8 = format!("description = \"fuzz\"\nref = \"fuzz\"\nfile = \"raw/t.csv\"\nprimary_key = [\"id\"]\n{COLUMNS}");
    let gbk = format!("description = \"fuzz\"\nref = \"fuzz\"\nfile = \"raw/t.csv\"\nencoding = \"gbk\"\n{COLUMNS}");
    let dir = project(&[("utf8.toml", &utf8), ("gbk.toml", &gbk)]);
    let contract = if data.first().is_some_and(|b| b % 2 == 1) { "gbk.toml" } else { "utf8.toml" };
    run(dir, "raw/t.csv", contract, data);
});
