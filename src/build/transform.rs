//! Transform: the models in dependency order, each rebuilt or carried over as the plan says.

use super::carry;
use super::document::Comments;
use super::plan::Plan;
use super::publish::{RunRecord, Stage};
use crate::error::Result;
use crate::model;
use crate::project::Project;
use duckdb::Connection;
use std::time::Instant;

/// Runs (or carries over) every model, in the caller's transaction, and collects its comments.
pub fn transform(
    conn: &Connection,
    project: &Project,
    plan: &Plan,
    record: &mut RunRecord,
    comments: &mut Comments,
) -> Result<()> {
    let t = Instant::now();
    let mut model_rows = 0;
    for m in &project.models {
        if !plan.rebuild_models.contains(&m.qualified()) && carry::carry_model(conn, m)? {
            record.carried_over.push(m.qualified());
            comments.model(m, "table");
            continue;
        }
        let rows = model::run(conn, m)?;
        comments.model(m, m.kind());
        tracing::info!(model = %m.qualified(), "{}: {rows} rows", m.path);
        model_rows += rows as u64;
    }
    record.stages.push(Stage { stage: "transform".into(), seconds: t.elapsed().as_secs_f64(), rows: model_rows });
    Ok(())
}
