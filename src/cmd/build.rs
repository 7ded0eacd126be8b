//! `baimo build` and `baimo check`: options in, the engine ([`crate::build`]) runs, the summary
//! goes to stderr (stdout stays free for data).

use crate::build::audit::Outcome;
pub use crate::build::{run, run_project, Options, Summary};

/// The wall time of each stage, as a table on stderr.
pub fn print_timings(summary: &Summary) {
    let mut t = crate::render::TextTable {
        headers: ["stage", "seconds", "rows"].map(String::from).to_vec(),
        numeric: vec![false, true, true],
        rows: Vec::new(),
    };
    for s in &summary.record.stages {
        t.rows.push(vec![Some(s.stage.clone()), Some(format!("{:.3}", s.seconds)), Some(s.rows.to_string())]);
    }
    t.rows.push(vec![Some("total (wall)".into()), Some(format!("{:.3}", summary.seconds)), Some(String::new())]);
    let _ = t.write(crate::render::Format::Table, &mut std::io::stderr().lock());
}

/// Prints what a run did to stderr (stdout stays free for data).
pub fn report(summary: &Summary, published: bool) {
    let r = &summary.record;
    let passed = summary.tests.iter().filter(|o| o.status == "pass").count();
    let warned: Vec<&Outcome> = summary.tests.iter().filter(|o| o.status != "pass").collect();
    for o in &warned {
        crate::say::warn(format!(
            "warning: {} ({}): {}",
            o.check.name,
            o.check.declared_in,
            crate::error::count(o.failing_rows as usize, "failing row")
        ));
    }
    if !summary.rejects.is_empty() {
        crate::say::warn(format!(
            "warning: {} quarantined; see `baimo rejects`",
            crate::error::count(summary.rejects.len(), "cell")
        ));
    }
    if let Some(changes) = &r.changes {
        crate::say::info(format!("changes: {changes}"));
    }
    let total = summary.seconds;
    let what = if published { "published warehouse/baimo.duckdb" } else { "check passed (nothing published)" };
    crate::say::info(format!(
        "{what}: {}, {} loaded, {} rejected; {passed}/{} tests passed; {total:.2}s (run {})",
        crate::error::count(r.inputs.len(), "source"),
        crate::error::count(r.rows_loaded as usize, "row"),
        r.rows_rejected,
        summary.tests.len(),
        r.id
    ));
}
