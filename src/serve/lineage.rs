//! The lineage graph: sources (staging tables) on the left, each model one column right of the
//! deepest table it reads. Drawn on the server as SVG; every box links to its table page.

use super::pages::Catalog;
use crate::project::Project;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;

const COLUMN: usize = 270;
const BOX_W: usize = 240;
const ROW: usize = 24;
const BOX_H: usize = 18;
const MARGIN: usize = 10;

/// The tables `table`'s model reads directly (none for a source).
pub(crate) fn reads(project: &Project, table: &str) -> Vec<String> {
    project
        .models
        .iter()
        .find(|m| m.qualified() == table)
        .map(|m| m.depends_on.iter().cloned().collect())
        .unwrap_or_default()
}

/// Every model that reads `table`, directly or through other models, nearest first.
pub(crate) fn downstream(project: &Project, table: &str) -> Vec<String> {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    let mut queue = VecDeque::from([table.to_string()]);
    while let Some(t) = queue.pop_front() {
        for m in project.models.iter().filter(|m| m.depends_on.contains(&t)) {
            let q = m.qualified();
            if seen.insert(q.clone()) {
                out.push(q.clone());
                queue.push_back(q);
            }
        }
    }
    out
}

/// The graph of the project's sources and models, as an SVG document.
pub(crate) fn svg(project: &Project, catalog: &Catalog) -> String {
    // Columns: sources at 0; a model one right of the deepest table it reads (models come in
    // dependency order, so each one's inputs are placed before it).
    let mut layer: BTreeMap<String, usize> = BTreeMap::new();
    for c in &project.contracts {
        layer.insert(format!("staging.{}", c.name), 0);
    }
    let mut edges: Vec<(String, String)> = Vec::new();
    for m in &project.models {
        let q = m.qualified();
        let depth = m.depends_on.iter().map(|d| layer.get(d).copied().unwrap_or(0) + 1).max().unwrap_or(1);
        layer.insert(q.clone(), depth);
        for d in &m.depends_on {
            layer.entry(d.clone()).or_insert(0);
            edges.push((d.clone(), q.clone()));
        }
    }
    let mut columns: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (t, l) in &layer {
        columns.entry(*l).or_default().push(t.clone());
    }
    let mut at: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (l, tables) in &columns {
        for (i, t) in tables.iter().enumerate() {
            at.insert(t.clone(), (MARGIN + l * COLUMN, MARGIN + i * ROW));
        }
    }
    let width = MARGIN * 2 + columns.keys().max().map_or(0, |l| l * COLUMN) + BOX_W;
    let height = MARGIN * 2 + columns.values().map(Vec::len).max().unwrap_or(0) * ROW;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" \
         font-family=\"system-ui, 'Noto Sans CJK SC', sans-serif\" font-size=\"11\" role=\"img\" aria-label=\"lineage of the warehouse's tables\">"
    );
    s.push_str("<g fill=\"none\" stroke=\"#9aa7b8\" stroke-width=\"1\">");
    for (from, to) in &edges {
        let (Some(&(x1, y1)), Some(&(x2, y2))) = (at.get(from), at.get(to)) else { continue };
        let (x1, y1, x2, y2) = (x1 + BOX_W, y1 + BOX_H / 2, x2, y2 + BOX_H / 2);
        let mid = (x1 + x2) / 2;
        let _ = write!(s, "<path d=\"M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}\"/>");
    }
    s.push_str("</g>");
    for (t, &(x, y)) in &at {
        let fill = match t.split('.').next() {
            Some("staging") => "#e8f0fb",
            Some("marts") => "#e9f6ec",
            _ => "#f6efe4",
        };
        let stroke = if catalog.find(t).is_some() { "#5b6b82" } else { "#c0392b" };
        let _ = write!(
            s,
            "<a href=\"/t/{t}\"><title>{t}</title><rect x=\"{x}\" y=\"{y}\" width=\"{BOX_W}\" height=\"{BOX_H}\" rx=\"3\" fill=\"{fill}\" stroke=\"{stroke}\"/>\
             <text x=\"{}\" y=\"{}\" fill=\"#1d2733\">{t}</text></a>",
            x + 6,
            y + 13,
            t = crate::dictionary::esc(t)
        );
    }
    s.push_str("</svg>");
    s
}
