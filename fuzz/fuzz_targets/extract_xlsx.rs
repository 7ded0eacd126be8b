//! Any bytes as an xlsx workbook (seeded with real workbooks): extraction gives cells or an
//! error, never a panic, and never allocates past its limits.
#![no_main]

include!("harness.rs");

use libfuzzer_sys::fuzz_target;

const CONTRACT: &str = r#"description = "fuzz"
ref = "fuzz"
file = "raw/t.xlsx"
sheet = "training_runs"
header_row = 2
units_row = 3

[[columns]]
name = "model"
header = "模型"
type = "text"

[[columns]]
name = "gpus"
header = "消耗卡数量"
type = "integer"
unit = "张"

[[columns]]
name = "gpu"
header = "卡型号"
type = "text"

[[columns]]
name = "duration"
header = "训练时长"
type = "duration"
"#;

fuzz_target!(|data: &[u8]| {
    let dir = project(&[("t.toml", CONTRACT)]);
    run(dir, "raw/t.xlsx", "t.toml", data);
});
