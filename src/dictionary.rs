//! The data dictionary, generated from the contracts, the models and the published warehouse,
//! never written by hand: `baimo docs` writes it as Markdown and HTML, `baimo serve` shows it at
//! /docs.
//!
//! Sections: the build it documents; every schema, table and column with type, description and
//! row count; each model's SQL with its upstream and downstream tables (lineage); each source's
//! contract, file, sheet and report section; the test results and the claims of that build.

use crate::error::Result;
use crate::project::Project;
use crate::render::{self, TextTable};
use std::fmt::Write as _;

/// A document as blocks, rendered to Markdown and to HTML alike.
pub enum Block {
    Heading(u8, String, String),
    Para(String),
    Table(TextTable),
    Code(String),
}

/// The data dictionary of the warehouse open on `conn`, as blocks (`baimo docs` writes them as
/// Markdown and HTML; `baimo serve` shows them at /docs).
pub fn document(project: &Project, conn: &duckdb::Connection) -> Result<Vec<Block>> {
    let mut doc = Vec::new();

    doc.push(Block::Heading(1, "baimo data dictionary".into(), "top".into()));
    let last = crate::build::meta::made_by(conn)?;
    doc.push(Block::Para(match &last {
        Some(r) => format!(
            "Generated from warehouse/baimo.duckdb, run {} (finished {}; {} rows loaded, {} rejected).",
            r.id, r.finished_at, r.rows_loaded, r.rows_rejected
        ),
        None => "Generated from warehouse/baimo.duckdb.".into(),
    }));

    let tables = crate::warehouse::tables(conn)?;
    let mut index = TextTable {
        headers: ["table", "kind", "rows", "description"].map(String::from).to_vec(),
        numeric: vec![false, false, true, false],
        rows: vec![],
    };
    let mut sections = Vec::new();
    for t in &tables {
        let (schema, name, kind, rows, comment) = (&t.schema, &t.name, &t.kind, &t.rows, &t.description);
        let qualified = t.qualified();
        index.rows.push(vec![
            Some(format!("[{qualified}](#{})", anchor(&qualified))),
            Some(kind.clone()),
            Some(rows.clone()),
            Some(comment.clone()),
        ]);

        let mut blocks = vec![Block::Heading(3, qualified.clone(), anchor(&qualified))];
        blocks.push(Block::Para(format!("{kind}, {rows} rows. {comment}")));
        if let Some(m) = project.models.iter().find(|m| m.qualified() == qualified) {
            let downstream: Vec<String> =
                project.models.iter().filter(|d| d.depends_on.contains(&qualified)).map(|d| d.qualified()).collect();
            blocks.push(Block::Para(format!(
                "Model `{}`. Reads: {}. Read by: {}.",
                m.path,
                links(m.depends_on.iter()),
                if downstream.is_empty() { "nothing".into() } else { links(downstream.iter()) }
            )));
            blocks.push(Block::Code(m.sql.clone()));
        }
        let contract = if schema == "staging" { project.contracts.iter().find(|c| &c.name == name) } else { None };
        if let Some(c) = contract {
            let origin = match &c.sheet {
                Some(s) => format!("`{}`, sheet `{s}`", c.file),
                None => format!("`{}`", c.file),
            };
            blocks.push(Block::Para(format!(
                "Source {origin}, contract `{}`, report section: {}. Primary key: {}. On error: {:?}.",
                c.path,
                c.reference,
                if c.primary_key.is_empty() { "none".into() } else { c.primary_key.join(", ") },
                c.on_error
            )));
            let mut contract = TextTable {
                headers: ["column", "header in the file", "type", "required", "rules"].map(String::from).to_vec(),
                numeric: vec![false; 5],
                rows: vec![],
            };
            for col in &c.columns {
                let mut rules = Vec::new();
                if let Some(v) = col.min {
                    rules.push(format!("min {v}"));
                }
                if let Some(v) = col.max {
                    rules.push(format!("max {v}"));
                }
                if let Some(v) = &col.values {
                    rules.push(format!("one of {}", v.join(", ")));
                }
                if let Some(v) = &col.unit {
                    rules.push(format!("unit {v}"));
                }
                if let Some(v) = &col.references {
                    rules.push(format!("references {v}"));
                }
                contract.rows.push(vec![
                    Some(col.name.clone()),
                    Some(col.header().to_string()),
                    Some(col.kind.as_str().to_string()),
                    Some(col.required.to_string()),
                    Some(rules.join("; ")),
                ]);
            }
            blocks.push(Block::Table(contract));
        }
        let cols = render::query(
            conn,
            &format!(
                "select column_name, data_type, coalesce(comment, '') from duckdb_columns() where schema_name = '{}' and table_name = '{}' order by column_index",
                schema.replace('\'', "''"),
                name.replace('\'', "''")
            ),
        )?;
        blocks.push(Block::Table(TextTable {
            headers: ["column", "type", "description"].map(String::from).to_vec(),
            numeric: vec![false; 3],
            rows: cols.rows,
        }));
        sections.push((schema.clone(), blocks));
    }
    doc.push(Block::Heading(2, "Tables".into(), "tables".into()));
    doc.push(Block::Table(index));
    for schema in ["staging", "marts", "meta"] {
        doc.push(Block::Heading(2, format!("Schema {schema}"), format!("schema-{schema}")));
        for (s, blocks) in sections.iter_mut() {
            if s == schema {
                doc.append(blocks);
            }
        }
    }

    doc.push(Block::Heading(2, "Test results".into(), "tests".into()));
    let tests = render::query(conn, "select status, severity, test, declared_in, failing_rows from meta.test_results order by status <> 'pass' desc, test")?;
    let passed = tests.rows.iter().filter(|r| r[0].as_deref() == Some("pass")).count();
    doc.push(Block::Para(format!(
        "{passed} of {} tests passed in the build that made this warehouse.",
        tests.rows.len()
    )));
    doc.push(Block::Table(tests));

    let has_corrections = tables.iter().any(|t| t.schema == "meta" && t.name == "corrections" && t.rows != "0");
    if has_corrections {
        doc.push(Block::Heading(2, "Corrections".into(), "corrections".into()));
        doc.push(Block::Para(
            "The report's slips corrected on the record (pipelines/corrections.toml): the staged value is the corrected one; `<column>_raw` keeps the text as printed.".into(),
        ));
        doc.push(Block::Table(render::query(
            conn,
            "select id, source, cell, \"column\", expect as printed, value as corrected, reason, status, applied \
             from meta.corrections order by id",
        )?));
    }
    let has_claims = tables.iter().any(|t| t.schema == "meta" && t.name == "claims");
    if has_claims {
        doc.push(Block::Heading(2, "Claims".into(), "claims".into()));
        doc.push(Block::Para("The report checked against itself (meta.claims).".into()));
        doc.push(Block::Table(render::query(
            conn,
            "select id, status, stated_raw, recomputed_value, explanation from meta.claims order by status, id",
        )?));
    }

    Ok(doc)
}

fn anchor(name: &str) -> String {
    name.replace('.', "-")
}

fn links<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let v: Vec<String> = names.map(|n| format!("[{n}](#{})", anchor(n))).collect();
    if v.is_empty() {
        "nothing".into()
    } else {
        v.join(", ")
    }
}

pub fn markdown(doc: &[Block]) -> String {
    let mut s = String::new();
    for b in doc {
        match b {
            Block::Heading(level, text, id) => {
                let _ = writeln!(s, "{} {text} <a id=\"{id}\"></a>\n", "#".repeat(*level as usize));
            }
            Block::Para(text) => {
                let _ = writeln!(s, "{text}\n");
            }
            Block::Code(code) => {
                let _ = writeln!(s, "```sql\n{code}\n```\n");
            }
            Block::Table(t) => {
                let mut buf = Vec::new();
                let _ = t.write(render::Format::Markdown, &mut buf);
                s.push_str(&String::from_utf8_lossy(&buf));
                s.push('\n');
            }
        }
    }
    s
}

/// Text escaped for HTML (and SVG) element content and attribute values.
pub fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Markdown links `[text](#id)` and backticks in a paragraph, as HTML.
fn inline(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('[') {
        let Some(mid) = rest[start..].find("](#") else { break };
        let Some(end) = rest[start + mid..].find(')') else { break };
        out.push_str(&code_spans(&esc(&rest[..start])));
        let label = &rest[start + 1..start + mid];
        let target = &rest[start + mid + 3..start + mid + end];
        let _ = write!(out, "<a href=\"#{}\">{}</a>", esc(target), esc(label));
        rest = &rest[start + mid + end + 1..];
    }
    out.push_str(&code_spans(&esc(rest)));
    out
}

fn code_spans(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{part}</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

pub fn html(doc: &[Block]) -> String {
    let mut s = String::from(
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>baimo data dictionary</title>\n<style>\n\
         body{font-family:system-ui,'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#222}\n\
         table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.9rem}td,th{border:1px solid #ccc;padding:.25rem .5rem;vertical-align:top;text-align:left}\n\
         th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}pre{background:#f7f7f7;padding:.75rem;overflow:auto}\n\
         h3{margin-top:2.5rem;border-top:1px solid #eee;padding-top:1rem}\n</style></head><body>\n",
    );
    s.push_str(&html_blocks(doc));
    s.push_str("</body></html>\n");
    s
}

/// The blocks as HTML elements, every text escaped.
pub fn html_blocks(doc: &[Block]) -> String {
    let mut s = String::new();
    for b in doc {
        match b {
            Block::Heading(level, text, id) => {
                let _ = writeln!(s, "<h{level} id=\"{}\">{}</h{level}>", esc(id), esc(text));
            }
            Block::Para(text) => {
                let _ = writeln!(s, "<p>{}</p>", inline(text));
            }
            Block::Code(code) => {
                let _ = writeln!(s, "<pre><code>{}</code></pre>", esc(code));
            }
            Block::Table(t) => {
                s.push_str("<table><thead><tr>");
                for h in &t.headers {
                    let _ = write!(s, "<th>{}</th>", esc(h));
                }
                s.push_str("</tr></thead><tbody>\n");
                for row in &t.rows {
                    s.push_str("<tr>");
                    for (v, num) in row.iter().zip(&t.numeric) {
                        let class = if *num { " class=\"num\"" } else { "" };
                        let _ = write!(s, "<td{class}>{}</td>", inline(v.as_deref().unwrap_or("")));
                    }
                    s.push_str("</tr>\n");
                }
                s.push_str("</tbody></table>\n");
            }
        }
    }
    s
}
