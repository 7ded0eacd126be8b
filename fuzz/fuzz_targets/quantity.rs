//! Any text into the report-shaped value parsers: they return a value or an error, never panic,
//! and a parsed quantity is internally consistent.
#![no_main]

#[path = "../../src/quantity/mod.rs"]
#[allow(dead_code)]
mod quantity;

use libfuzzer_sys::fuzz_target;
use quantity::{parse_date, parse_quantity, ParseOptions, Qualifier};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for days in [30.0, 30.4375] {
        if let Ok(Some(q)) = parse_quantity(text, ParseOptions { days_per_month: days }) {
            if let (Some(lo), Some(hi)) = (q.low, q.high) {
                assert!(lo <= hi || lo.is_nan() || hi.is_nan(), "{text:?}: low {lo} above high {hi}");
            }
            match q.qualifier {
                Qualifier::Gt | Qualifier::Ge => assert!(q.high.is_none(), "{text:?}"),
                Qualifier::Lt | Qualifier::Le => assert!(q.low.is_none(), "{text:?}"),
                _ => {}
            }
        }
    }
    let _ = parse_date(text);
    let _ = quantity::normalise(text);
    let _ = quantity::is_missing(text);
});
