//! The pages of `baimo serve`. Each page is built as data first (its `.json` twin) and then as
//! HTML from the same values; every value goes through maud, which escapes it.

use super::{App, Ask, Generation, Refusal, Rendered};
use crate::render::{self, TextTable};
use crate::spec::{literal, quote};
use axum::response::Response;
use maud::{html, Markup, PreEscaped, DOCTYPE};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

type Page = Result<Rendered, Refusal>;

/// Rows on a table page unless `_size` says otherwise, and the most it may say.
const PAGE_SIZE: usize = 50;
const MAX_PAGE_SIZE: usize = 1000;
/// The most rows a table download holds.
const MAX_DOWNLOAD: usize = 100_000;
/// Facets: text columns with at most this many distinct values, and how many values each shows.
const FACET_DISTINCT: i64 = 30;
const FACET_VALUES: usize = 12;
const SEARCH_HITS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Html,
    Json,
    Csv,
    Parquet,
    Svg,
}

impl Format {
    /// `/t/marts.x.json` → (`/t/marts.x`, Json).
    pub(crate) fn split(path: &str) -> (&str, Format) {
        for (ext, f) in
            [(".json", Format::Json), (".csv", Format::Csv), (".parquet", Format::Parquet), (".svg", Format::Svg)]
        {
            if let Some(bare) = path.strip_suffix(ext) {
                return (bare, f);
            }
        }
        (path, Format::Html)
    }
}

/// What the pages know of the file's catalog: every table and view with its columns.
pub(crate) struct Catalog {
    pub(crate) tables: Vec<TableInfo>,
}

pub(crate) struct TableInfo {
    pub(crate) schema: String,
    pub(crate) name: String,
    pub(crate) view: bool,
    pub(crate) description: String,
    pub(crate) columns: Vec<ColumnInfo>,
}

pub(crate) struct ColumnInfo {
    pub(crate) name: String,
    pub(crate) kind: String,
    pub(crate) description: String,
    /// The declared unit (meta.column_units).
    pub(crate) unit: Option<crate::spec::staged::Unit>,
}

impl ColumnInfo {
    fn numeric(&self) -> bool {
        let k = self.kind.as_str();
        ["TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "UBIGINT", "UINTEGER"].contains(&k)
            || k.starts_with("DECIMAL")
    }

    fn text(&self) -> bool {
        self.kind == "VARCHAR"
    }
}

impl TableInfo {
    pub(crate) fn qualified(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }

    fn sql_name(&self) -> String {
        format!("{}.{}", quote(&self.schema), quote(&self.name))
    }

    fn column(&self, name: &str) -> Option<&ColumnInfo> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The unit of a value of `column` in `row`, as declared: the row's unit column, or else
    /// the column's one unit.
    fn unit(&self, column: &ColumnInfo, rows: &TextTable, row: &[Option<String>]) -> Option<String> {
        let declared = column.unit.as_ref()?;
        if let Some(u) = declared.column.as_deref().and_then(|u| cell(rows, row, u)) {
            return Some(u);
        }
        declared.single().map(str::to_string)
    }
}

impl Catalog {
    pub(crate) fn read(conn: &duckdb::Connection) -> crate::Result<Catalog> {
        let columns = |units: &str, join: &str| {
            render::query(
                conn,
                &format!(
                    "select schema_name, table_name, column_name, data_type, coalesce(comment, ''), {units} \
                     from duckdb_columns() {join} where schema_name in ('staging', 'marts', 'meta') \
                     order by schema_name, table_name, column_index"
                ),
            )
        };
        // A warehouse built before units were declared has no meta.column_units.
        let columns = columns(
            "u.unit, u.unit_column",
            "left join meta.column_units u using (schema_name, table_name, column_name)",
        )
        .or_else(|_| columns("null, null", ""))?;
        let mut by_table: BTreeMap<(String, String), Vec<ColumnInfo>> = BTreeMap::new();
        for r in columns.rows {
            let [s, t, c, k, d] = [0, 1, 2, 3, 4].map(|i| r[i].clone().unwrap_or_default());
            let unit = (r[5].is_some() || r[6].is_some())
                .then(|| crate::spec::staged::Unit { unit: r[5].clone(), column: r[6].clone() });
            by_table.entry((s, t)).or_default().push(ColumnInfo { name: c, kind: k, description: d, unit });
        }
        let tables = crate::warehouse::relations(conn)?
            .into_iter()
            .map(|[schema, name, kind, description]| {
                let columns = by_table.remove(&(schema.clone(), name.clone())).unwrap_or_default();
                TableInfo { schema, name, view: kind == "view", description, columns }
            })
            .collect();
        Ok(Catalog { tables })
    }

    pub(crate) fn find(&self, qualified: &str) -> Option<&TableInfo> {
        self.tables.iter().find(|t| t.qualified() == qualified)
    }

    fn has(&self, qualified: &str) -> bool {
        self.find(qualified).is_some()
    }
}

/// The SQL page runs whatever it is given and may take its time: never cached.
pub(crate) fn cacheable(ask: &Ask) -> bool {
    ask.path != "/sql"
}

pub(crate) fn render(app: &App, g: &Generation, ask: &Ask) -> Page {
    let path = ask.path.trim_end_matches('/');
    match path {
        "" | "/index" => home(app, g, ask),
        "/claims" => claims(g, ask),
        "/sql" => sql(app, g, ask),
        "/search" => search(g, ask),
        "/docs" => docs(g, ask),
        "/lineage" if ask.format == Format::Svg => {
            Ok(Rendered::new("image/svg+xml", super::lineage::svg(&g.project, &g.catalog).into_bytes()))
        }
        "/runs" => runs(app, g, ask),
        _ => match path.strip_prefix("/t/").map(|rest| rest.split('/').collect::<Vec<_>>()).as_deref() {
            Some([table]) => table_page(app, g, ask, table),
            Some([table, rowid]) => row_page(g, ask, table, rowid),
            _ => Err(Refusal::NotFound(format!("there is no page at {}", ask.path))),
        },
    }
}

/// The page for a request that was refused, in the format asked for.
pub(crate) fn refusal(r: &Refusal, format: Format) -> Rendered {
    match format {
        Format::Json => json_page(&json!({ "error": r.message() })),
        Format::Html => html_page(
            "Not shown",
            "",
            html! { p.refusal { (r.message()) } p { a href="/" { "Back to the report at a glance" } } },
        ),
        _ => Rendered::new("text/plain; charset=utf-8", format!("{}\n", r.message()).into_bytes()),
    }
}

const STYLE: &str = include_str!("assets/style.css");
const SCRIPT: &str = include_str!("assets/app.js");

/// `?v=` for an asset's URL: the first hex digits of its sha256, so a page served by a new
/// baimo asks for the new stylesheet instead of one a browser cached for an hour.
fn asset_version(body: &str) -> String {
    use sha2::{Digest, Sha256};
    format!("{:x}", Sha256::digest(body.as_bytes()))[..12].to_string()
}

static STYLE_URL: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("/-/style.css?v={}", asset_version(STYLE)));
static SCRIPT_URL: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("/-/app.js?v={}", asset_version(SCRIPT)));

/// The compiled-in assets, under `/-/`.
pub(crate) fn asset(path: &str) -> Option<Response> {
    let (body, kind) = match path {
        "/-/style.css" => (STYLE, "text/css; charset=utf-8"),
        "/-/app.js" => (SCRIPT, "text/javascript; charset=utf-8"),
        _ => return None,
    };
    Response::builder()
        .header(axum::http::header::CONTENT_TYPE, kind)
        .header(axum::http::header::CACHE_CONTROL, "public, max-age=3600")
        .body(axum::body::Body::from(body))
        .ok()
}

fn json_page(value: &Value) -> Rendered {
    let mut body = serde_json::to_vec_pretty(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}").into_bytes());
    body.push(b'\n');
    Rendered::new("application/json", body)
}

fn html_page(title: &str, active: &str, body: Markup) -> Rendered {
    let nav = [
        ("/", "At a glance"),
        ("/claims", "Claims"),
        ("/search", "Search"),
        ("/sql", "SQL"),
        ("/docs", "Docs"),
        ("/runs", "Runs"),
    ];
    let page = html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · baimo" }
                link rel="stylesheet" href=(STYLE_URL.as_str());
                script src=(SCRIPT_URL.as_str()) defer {}
            }
            body {
                header {
                    a.brand href="/" { "baimo" }
                    nav { @for (href, label) in nav { a href=(href) class=[(active == href).then_some("active")] { (label) } } }
                    form.search action="/search" { input type="search" name="q" placeholder="Search the report's facts" aria-label="Search"; }
                }
                main { h1 { (title) } (body) }
                footer { "baimo serve · read-only · every number links to the cell it came from" }
            }
        }
    };
    Rendered::new("text/html; charset=utf-8", page.into_string().into_bytes())
}

/// Both twins of a page: JSON for `.json`, otherwise the HTML.
fn page(ask: &Ask, data: Value, title: &str, active: &str, body: impl FnOnce() -> Markup) -> Page {
    match ask.format {
        Format::Json => Ok(json_page(&data)),
        Format::Html => Ok(html_page(title, active, body())),
        other => Err(Refusal::NotFound(format!("{} has no {other:?} form", ask.path))),
    }
}

fn q(g: &Generation, sql: &str) -> Result<TextTable, Refusal> {
    Ok(render::query(&*g.lease()?, sql)?)
}

fn cell(t: &TextTable, row: &[Option<String>], name: &str) -> Option<String> {
    t.headers.iter().position(|h| h == name).and_then(|i| row[i].clone())
}

/// `/t/<table>/<rowid>`, with `#cells` for a number's source cells.
fn row_href(table: &str, rowid: &str) -> String {
    format!("/t/{table}/{rowid}")
}

fn encode(pairs: &[(String, String)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// A value as a typed JSON value: numbers as numbers, NULL as null.
fn typed(v: &Option<String>, numeric: bool) -> Value {
    render::json_value(v.as_deref(), numeric)
}

fn null_or(v: &Option<String>) -> Markup {
    match v {
        None => html! { span.null { "NULL" } },
        Some(t) => html! { (t) },
    }
}

// ---------------------------------------------------------------------------------------------
// Home

fn home(app: &App, g: &Generation, ask: &Ask) -> Page {
    let conn = g.lease()?;
    let headlines = if g.catalog.has("marts.headlines") {
        render::query(&conn, "select * from marts.headlines order by position")?
    } else {
        TextTable::default()
    };
    // Each figure's link: the row of its source table holding it.
    let mut figures = Vec::new();
    for row in &headlines.rows {
        let get = |n: &str| cell(&headlines, row, n);
        let (table, key_column, key) = (get("source_table"), get("key_column"), get("key"));
        let rowid = match (&table, &key_column, &key) {
            (Some(t), Some(c), Some(k)) => rowid_of(&conn, &g.catalog, t, c, k)?,
            _ => None,
        };
        figures.push(json!({
            "label": get("label"),
            "value_raw": get("value_raw"),
            "value": typed(&get("value"), true),
            "value_high": typed(&get("value_high"), true),
            "qualifier": get("qualifier"),
            "unit": get("unit"),
            "source_table": table,
            "key": key,
            "href": match (&table, &rowid) { (Some(t), Some(r)) => Some(format!("{}#cells", row_href(t, r))), _ => None },
        }));
    }
    let claims = if g.catalog.has("meta.claims") {
        render::query(
            &conn,
            "select id, status, stated_raw, recomputed_value, explanation from meta.claims \
             where status in ('disagrees', 'agrees only as a bound') order by status = 'agrees only as a bound', id",
        )?
    } else {
        TextTable::default()
    };
    let verdicts = if g.catalog.has("meta.claims") {
        render::query(&conn, "select status, count(*) as claims from meta.claims group by status order by 2 desc")?
    } else {
        TextTable::default()
    };
    let lost = if g.catalog.has("staging.lost_charts") {
        render::query(&conn, "select rowid, title, ref, note from staging.lost_charts order by rowid")?
    } else {
        TextTable::default()
    };
    let run = render::query(&conn, "select id, finished_at, fingerprint, baimo_version, rows_loaded, rows_rejected from meta.runs where status = 'success' order by finished_at desc limit 1")?;
    let duckdb: String = conn.query_row("select version()", [], |r| r.get(0)).unwrap_or_default();
    drop(conn);
    let run_row = run.rows.first();
    let run_get = |n: &str| run_row.and_then(|r| cell(&run, r, n));
    let run_json = json!({
        "id": run_get("id"), "finished_at": run_get("finished_at"), "fingerprint": run_get("fingerprint"),
        "baimo_version": run_get("baimo_version"), "duckdb_version": duckdb,
        "rows_loaded": typed(&run_get("rows_loaded"), true), "rows_rejected": typed(&run_get("rows_rejected"), true),
        "file": app.paths.published.display().to_string(),
    });
    let data = json!({
        "headlines": figures.clone(),
        "claims_to_read": rows_json(&claims),
        "verdicts": rows_json(&verdicts),
        "lost_charts": rows_json(&lost),
        "run": run_json,
    });
    page(ask, data, "百模大战 2024 — the report at a glance", "/", || {
        html! {
            @if figures.is_empty() {
                p { "This warehouse has no marts.headlines. " a href="/docs" { "Its tables" } " are listed in the docs." }
            }
            section.figures {
                @for f in &figures {
                    div.figure {
                        div.label { (f["label"].as_str().unwrap_or("")) }
                        @let shown = f["value_raw"].as_str().unwrap_or("");
                        @match f["href"].as_str() {
                            Some(h) => { a.value href=(h) title="the cell this figure came from" { (shown) } },
                            None => { span.value { (shown) } },
                        }
                        div.meta {
                            @if let Some(u) = f["unit"].as_str() { span.unit { (u) } }
                            @if let Some(ql) = f["qualifier"].as_str() { @if ql != "=" { " " span.qualifier title="the report's qualifier" { (ql) } } }
                            " · " @if let Some(t) = f["source_table"].as_str() { a href=(format!("/t/{t}")) { (t) } }
                        }
                    }
                }
            }
            @if !verdicts.rows.is_empty() {
                h2 { "The report checked against itself" }
                p.verdicts {
                    @for r in &verdicts.rows {
                        span class=(format!("verdict {}", verdict_class(r[0].as_deref().unwrap_or("")))) { (r[0].as_deref().unwrap_or("")) ": " (r[1].as_deref().unwrap_or("")) }
                        " "
                    }
                    a href="/claims" { "all claims" }
                }
                @if !claims.rows.is_empty() {
                    table {
                        thead { tr { th { "claim" } th { "verdict" } th { "stated" } th { "recomputed" } th { "why" } } }
                        tbody {
                            @for r in &claims.rows {
                                tr {
                                    td { a href=(format!("/claims#{}", r[0].as_deref().unwrap_or(""))) { (r[0].as_deref().unwrap_or("")) } }
                                    td { span class=(format!("verdict {}", verdict_class(r[1].as_deref().unwrap_or("")))) { (r[1].as_deref().unwrap_or("")) } }
                                    td { (null_or(&r[2])) }
                                    td.num { (null_or(&r[3])) }
                                    td { (null_or(&r[4])) }
                                }
                            }
                        }
                    }
                }
            }
            @if !lost.rows.is_empty() {
                h2 { "Charts whose numbers the text lost (" (lost.rows.len()) ")" }
                p { "No values are invented for them; each is listed in raw/lost_charts.csv." }
                details {
                    summary { "Show the " (lost.rows.len()) " charts" }
                    ul.lost { @for r in &lost.rows { li { a href=(row_href("staging.lost_charts", r[0].as_deref().unwrap_or(""))) { (null_or(&r[1])) } " — " (null_or(&r[3])) } } }
                }
            }
            h2 { "The build that made this file" }
            dl.run {
                dt { "run" } dd { a href="/runs" { (run_get("id").unwrap_or_default()) } }
                dt { "finished" } dd { (run_get("finished_at").unwrap_or_default()) }
                dt { "fingerprint" } dd { code { (run_get("fingerprint").unwrap_or_default()) } }
                dt { "baimo" } dd { (run_get("baimo_version").unwrap_or_default()) }
                dt { "DuckDB" } dd { (duckdb) }
                dt { "rows loaded / rejected" } dd { (run_get("rows_loaded").unwrap_or_default()) " / " (run_get("rows_rejected").unwrap_or_default()) }
            }
        }
    })
}

fn verdict_class(status: &str) -> &'static str {
    match status {
        "agrees" => "agrees",
        "disagrees" => "disagrees",
        "agrees only as a bound" => "bound",
        _ => "other",
    }
}

fn rows_json(t: &TextTable) -> Value {
    Value::Array(
        t.rows
            .iter()
            .map(|r| {
                let mut m = serde_json::Map::new();
                for ((h, v), n) in t.headers.iter().zip(r).zip(&t.numeric) {
                    m.insert(h.clone(), typed(v, *n));
                }
                Value::Object(m)
            })
            .collect(),
    )
}

/// The rowid of the row of `table` whose `column` is `key`; the names are checked against the
/// catalog before they reach SQL.
fn rowid_of(
    conn: &duckdb::Connection,
    catalog: &Catalog,
    table: &str,
    column: &str,
    key: &str,
) -> Result<Option<String>, Refusal> {
    let Some(t) = catalog.find(table).filter(|t| !t.view) else { return Ok(None) };
    if t.column(column).is_none() {
        return Ok(None);
    }
    let found = render::query(
        conn,
        &format!("select rowid from {} where {}::varchar = {} limit 1", t.sql_name(), quote(column), literal(key)),
    )?;
    Ok(found.rows.first().and_then(|r| r[0].clone()))
}

// ---------------------------------------------------------------------------------------------
// A table

struct Filter {
    column: String,
    op: Op,
    value: String,
}

#[derive(PartialEq)]
enum Op {
    Eq,
    Contains,
    Null,
}

impl Filter {
    fn sql(&self) -> String {
        let c = quote(&self.column);
        match self.op {
            Op::Eq => format!("{c}::varchar = {}", literal(&self.value)),
            Op::Contains => format!("contains(lower({c}::varchar), lower({}))", literal(&self.value)),
            Op::Null => format!("{c} is null"),
        }
    }

    fn param(&self) -> (String, String) {
        match self.op {
            Op::Eq => (self.column.clone(), self.value.clone()),
            Op::Contains => (format!("{}__contains", self.column), self.value.clone()),
            Op::Null => (format!("{}__null", self.column), "1".into()),
        }
    }

    fn describe(&self) -> String {
        match self.op {
            Op::Eq => format!("{} = {}", self.column, self.value),
            Op::Contains => format!("{} contains {}", self.column, self.value),
            Op::Null => format!("{} is NULL", self.column),
        }
    }
}

/// A table view as the query string describes it.
struct View {
    filters: Vec<Filter>,
    text: Option<String>,
    sort: Option<String>,
    desc: bool,
    page: usize,
    size: usize,
}

impl View {
    fn parse(t: &TableInfo, ask: &Ask) -> Result<View, Refusal> {
        let mut filters = Vec::new();
        let known = |c: &str| -> Result<String, Refusal> {
            t.column(c).map(|c| c.name.clone()).ok_or_else(|| {
                Refusal::BadRequest(format!(
                    "{} has no column `{c}` (its columns: {})",
                    t.qualified(),
                    t.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
                ))
            })
        };
        for (k, v) in &ask.params {
            if k.starts_with('_') {
                continue;
            }
            let (column, op) = if let Some(c) = k.strip_suffix("__contains") {
                (c, Op::Contains)
            } else if let Some(c) = k.strip_suffix("__null") {
                (c, Op::Null)
            } else {
                (k.as_str(), Op::Eq)
            };
            filters.push(Filter { column: known(column)?, op, value: v.clone() });
        }
        // The filter form (no script needed): column, operator, value.
        if let (Some(c), Some(v)) = (ask.param("_filter_column"), ask.param("_filter_value")) {
            let op = if ask.param("_filter_op") == Some("contains") { Op::Contains } else { Op::Eq };
            filters.push(Filter { column: known(c)?, op, value: v.to_string() });
        }
        let sort = ask.param("_sort").map(known).transpose()?;
        let number = |name: &str, default: usize| -> Result<usize, Refusal> {
            match ask.param(name) {
                None => Ok(default),
                Some(v) => v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| Refusal::BadRequest(format!("`{name}={v}`: a positive whole number, please"))),
            }
        };
        Ok(View {
            filters,
            text: ask.param("_q").map(str::to_string),
            sort,
            desc: ask.param("_desc").is_some_and(|v| v != "0"),
            page: number("_page", 1)?,
            size: number("_size", PAGE_SIZE)?.min(MAX_PAGE_SIZE),
        })
    }

    fn where_sql(&self, t: &TableInfo) -> String {
        let mut parts: Vec<String> = self.filters.iter().map(Filter::sql).collect();
        if let Some(text) = &self.text {
            let any: Vec<String> = t
                .columns
                .iter()
                .filter(|c| c.text())
                .map(|c| format!("contains(lower({}), lower({}))", quote(&c.name), literal(text)))
                .collect();
            parts.push(if any.is_empty() { "false".into() } else { format!("({})", any.join(" or ")) });
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!(" where {}", parts.join(" and "))
        }
    }

    fn order_sql(&self, t: &TableInfo) -> String {
        match &self.sort {
            Some(c) => format!(" order by {} {} nulls last", quote(c), if self.desc { "desc" } else { "asc" }),
            None if !t.view => " order by rowid".into(),
            None => String::new(),
        }
    }

    /// The query-string pairs of this view, without paging.
    fn params(&self) -> Vec<(String, String)> {
        let mut p: Vec<(String, String)> = self.filters.iter().map(Filter::param).collect();
        if let Some(t) = &self.text {
            p.push(("_q".into(), t.clone()));
        }
        if let Some(s) = &self.sort {
            p.push(("_sort".into(), s.clone()));
            if self.desc {
                p.push(("_desc".into(), "1".into()));
            }
        }
        if self.size != PAGE_SIZE {
            p.push(("_size".into(), self.size.to_string()));
        }
        p
    }

    fn href(&self, table: &str, ext: &str, extra: &[(String, String)]) -> String {
        let mut p = self.params();
        for (k, v) in extra {
            p.retain(|(pk, _)| pk != k);
            p.push((k.clone(), v.clone()));
        }
        let qs = encode(&p);
        if qs.is_empty() {
            format!("/t/{table}{ext}")
        } else {
            format!("/t/{table}{ext}?{qs}")
        }
    }
}

fn table_page(app: &App, g: &Generation, ask: &Ask, name: &str) -> Page {
    let t = g
        .catalog
        .find(name)
        .ok_or_else(|| Refusal::NotFound(format!("there is no table `{name}` in this warehouse (see /docs)")))?;
    let view = View::parse(t, ask)?;
    let filter = view.where_sql(t);
    let order = view.order_sql(t);
    let rowid = if t.view { "" } else { "rowid as \"_rowid\", " };
    match ask.format {
        Format::Csv | Format::Parquet => return download(app, g, ask.format, t, &filter, &order),
        Format::Json | Format::Html => {}
        Format::Svg => return Err(Refusal::NotFound(format!("{} has no SVG form", ask.path))),
    }
    if ask.param("_download") == Some("json") {
        let rows = q(g, &format!("select * from {}{filter}{order} limit {MAX_DOWNLOAD}", t.sql_name()))?;
        let mut body = Vec::new();
        rows.write(render::Format::Json, &mut body).map_err(|e| Refusal::Failed(e.to_string()))?;
        return Ok(Rendered::new("application/json", body).download(format!("{}.json", t.qualified())));
    }
    let conn = g.lease()?;
    let total: i64 = conn
        .query_row(&format!("select count(*) from {}{filter}", t.sql_name()), [], |r| r.get(0))
        .map_err(|e| Refusal::BadRequest(e.to_string()))?;
    let offset = (view.page - 1) * view.size;
    let rows = render::query(
        &conn,
        &format!("select {rowid}* from {}{filter}{order} limit {} offset {offset}", t.sql_name(), view.size),
    )?;
    // Facets: the text columns with few distinct values among the rows shown by the filters.
    let texts: Vec<&ColumnInfo> = t.columns.iter().filter(|c| c.text() && !c.name.starts_with('_')).collect();
    let mut facets: Vec<(String, Vec<(Option<String>, String)>)> = Vec::new();
    if !texts.is_empty() && total > 0 {
        let counts = render::query(
            &conn,
            &format!(
                "select {} from {}{filter}",
                texts.iter().map(|c| format!("count(distinct {})", quote(&c.name))).collect::<Vec<_>>().join(", "),
                t.sql_name()
            ),
        )?;
        for (c, n) in texts.iter().zip(counts.rows.first().cloned().unwrap_or_default()) {
            let n: i64 = n.and_then(|n| n.parse().ok()).unwrap_or(0);
            // A column whose every row differs (an id) is no facet.
            if !(1..=FACET_DISTINCT).contains(&n) || (n == total && total > 1) || facets.len() >= 6 {
                continue;
            }
            let values = render::query(
                &conn,
                &format!(
                    "select {c}, count(*) from {}{filter} group by 1 order by 2 desc, 1 nulls last limit {FACET_VALUES}",
                    t.sql_name(),
                    c = quote(&c.name)
                ),
            )?;
            facets.push((
                c.name.clone(),
                values.rows.into_iter().map(|r| (r[0].clone(), r[1].clone().unwrap_or_default())).collect(),
            ));
        }
    }
    drop(conn);
    let pages = (total as usize).div_ceil(view.size).max(1);
    let columns: Vec<&ColumnInfo> = t.columns.iter().collect();
    let rowid_at = rows.headers.iter().position(|h| h == "_rowid");
    let data = json!({
        "table": t.qualified(),
        "kind": if t.view { "view" } else { "table" },
        "description": t.description,
        "columns": columns.iter().map(|c| json!({"name": c.name, "type": c.kind, "description": c.description})).collect::<Vec<_>>(),
        "rowids": rowid_at.map(|i| rows.rows.iter().map(|r| typed(&r[i], true)).collect::<Vec<_>>()),
        "rows": rows.rows.iter().map(|r| columns.iter().map(|c| {
            let i = rows.headers.iter().position(|h| h == &c.name);
            i.map(|i| typed(&r[i], c.numeric())).unwrap_or(Value::Null)
        }).collect::<Vec<_>>()).collect::<Vec<_>>(),
        "filters": view.filters.iter().map(Filter::describe).collect::<Vec<_>>(),
        "total": total,
        "page": view.page,
        "pages": pages,
        "size": view.size,
        "facets": facets.iter().map(|(c, vs)| json!({"column": c, "values": vs.iter().map(|(v, n)| json!({"value": v, "count": n.parse::<i64>().unwrap_or(0)})).collect::<Vec<_>>()})).collect::<Vec<_>>(),
        "next": (view.page < pages).then(|| view.href(&t.qualified(), ".json", &[("_page".into(), (view.page + 1).to_string())])),
    });
    let name = t.qualified();
    page(ask, data, &name, "", || {
        html! {
            p.description { (t.description) }
            p.count {
                (total) " rows" @if !view.filters.is_empty() || view.text.is_some() { " where " (view.filters.iter().map(Filter::describe).chain(view.text.iter().map(|x| format!("any text contains {x}"))).collect::<Vec<_>>().join(" and ")) " · " a href=(format!("/t/{name}")) { "clear" } }
                " · download "
                a href=(view.href(&name, ".csv", &[])) { "CSV" } ", "
                a href=(view.href(&name, ".json", &[("_download".into(), "json".into())])) { "JSON" } ", "
                a href=(view.href(&name, ".parquet", &[])) { "Parquet" }
                " · " a href=(view.href(&name, ".json", &[])) { "this page as JSON" }
                " · " a href=(format!("/sql?{}", encode(&[("q".into(), format!("select * from {name}{filter}{order} limit 100"))]))) { "as SQL" }
            }
            form.filter action=(format!("/t/{name}")) {
                @for (k, v) in view.params() { input type="hidden" name=(k) value=(v); }
                select name="_filter_column" aria-label="column" { @for c in &columns { option value=(c.name) { (c.name) } } }
                select name="_filter_op" aria-label="operator" { option value="eq" { "=" } option value="contains" { "contains" } }
                input type="text" name="_filter_value" placeholder="value" aria-label="value";
                button { "Filter" }
                " "
                input type="search" name="_q" value=(view.text.clone().unwrap_or_default()) placeholder="any text contains…" aria-label="text contains";
            }
            @if !facets.is_empty() {
                div.facets {
                    @for (c, values) in &facets {
                        div.facet {
                            h3 { (c) }
                            ul {
                                @for (v, n) in values {
                                    @let param = match v { Some(v) => (c.clone(), v.clone()), None => (format!("{c}__null"), "1".into()) };
                                    li { a href=(view.href(&name, "", &[param, ("_page".into(), "1".into())])) { (null_or(v)) } " " span.n { (n) } }
                                }
                            }
                        }
                    }
                }
            }
            div.scroll {
                table.rows data-sortable="1" {
                    thead {
                        tr {
                            @if rowid_at.is_some() { th { "row" } }
                            @for c in &columns {
                                @let desc = view.sort.as_deref() == Some(c.name.as_str()) && !view.desc;
                                th title=(c.description) class=[c.numeric().then_some("num")] {
                                    a href=(view.href(&name, "", &[("_sort".into(), c.name.clone()), ("_desc".into(), if desc { "1" } else { "0" }.into()), ("_page".into(), "1".into())])) { (c.name) }
                                }
                            }
                        }
                    }
                    tbody {
                        @for r in &rows.rows {
                            @let rid = rowid_at.and_then(|i| r[i].clone());
                            tr {
                                @if let Some(rid) = &rid { td { a href=(row_href(&name, rid)) { (rid) } } }
                                @for c in &columns {
                                    @let v = rows.headers.iter().position(|h| h == &c.name).and_then(|i| r[i].clone());
                                    @let unit = t.unit(c, &rows, r);
                                    td class=[c.numeric().then_some("num")] {
                                        @match (&v, &rid, c.numeric()) {
                                            (Some(v), Some(rid), true) => { a href=(format!("{}#{}", row_href(&name, rid), c.name)) title="where this number comes from" { (v) } @if let Some(u) = &unit { " " span.unit { (u) } } },
                                            _ => (null_or(&v)),
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if pages > 1 {
                p.pager {
                    @if view.page > 1 { a href=(view.href(&name, "", &[("_page".into(), (view.page - 1).to_string())])) { "← previous" } " " }
                    "page " (view.page) " of " (pages)
                    @if view.page < pages { " " a href=(view.href(&name, "", &[("_page".into(), (view.page + 1).to_string())])) { "next →" } }
                }
            }
        }
    })
}

/// The filtered, sorted rows of a table as a CSV or Parquet file.
fn download(app: &App, g: &Generation, format: Format, t: &TableInfo, filter: &str, order: &str) -> Page {
    let select = format!("select * from {}{filter}{order} limit {MAX_DOWNLOAD}", t.sql_name());
    if format == Format::Csv {
        let rows = q(g, &select)?;
        let mut body = Vec::new();
        rows.write(render::Format::Csv, &mut body).map_err(|e| Refusal::Failed(e.to_string()))?;
        return Ok(Rendered::new("text/csv; charset=utf-8", body).download(format!("{}.csv", t.qualified())));
    }
    // Parquet: DuckDB's own writer, on a connection of its own that may write to one temporary
    // folder only; the statement is composed here from catalog names and literals.
    let dir = tempfile::tempdir().map_err(|e| Refusal::Failed(format!("a temporary folder: {e}")))?;
    let conn = crate::warehouse::open_published(&app.root, true)?;
    let dir_path = dir.path().canonicalize().map_err(|e| Refusal::Failed(e.to_string()))?;
    crate::warehouse::confine(&conn, &dir_path)?;
    let file = dir_path.join("view.parquet");
    conn.execute_batch(&format!(
        "copy ({select}) to {} (format parquet, compression zstd)",
        literal(&file.display().to_string())
    ))
    .map_err(|e| Refusal::Failed(format!("writing Parquet: {e}")))?;
    let body = std::fs::read(&file).map_err(|e| Refusal::Failed(format!("reading {}: {e}", file.display())))?;
    Ok(Rendered::new("application/vnd.apache.parquet", body).download(format!("{}.parquet", t.qualified())))
}

// ---------------------------------------------------------------------------------------------
// A row

fn row_page(g: &Generation, ask: &Ask, name: &str, rowid: &str) -> Page {
    let t = g
        .catalog
        .find(name)
        .ok_or_else(|| Refusal::NotFound(format!("there is no table `{name}` in this warehouse (see /docs)")))?;
    if t.view {
        return Err(Refusal::NotFound(format!(
            "{name} is a view: its rows have no address; its table page lists them"
        )));
    }
    let rowid: u64 =
        rowid.parse().map_err(|_| Refusal::NotFound(format!("`{rowid}` is not a row number of {name}")))?;
    let conn = g.lease()?;
    let condition = format!("rowid = {rowid}");
    let values = render::query(&conn, &format!("select * from {} where {condition}", t.sql_name()))?;
    let Some(row) = values.rows.first() else {
        return Err(Refusal::NotFound(format!("{name} has no row {rowid}")));
    };
    let traced = crate::trace::trace(&g.project, &conn, name, Some(&condition), 1)?;
    let cells = traced.rows.first().map(|r| r.cells.as_slice()).unwrap_or_default();
    let claims = traced.rows.first().map(|r| r.claims.clone()).unwrap_or_default();
    drop(conn);
    let downstream = super::lineage::downstream(&g.project, name);
    let columns: Vec<Value> = t
        .columns
        .iter()
        .map(|c| {
            let v = cell(&values, row, &c.name);
            let unit = t.unit(c, &values, row);
            json!({"name": c.name, "type": c.kind, "description": c.description, "value": typed(&v, c.numeric()), "unit": unit})
        })
        .collect();
    let data = json!({
        "table": name,
        "rowid": rowid,
        "columns": columns,
        "source_cells": cells,
        "claims": claims.iter().map(|c| json!({"id": c.first(), "status": c.get(1), "explanation": c.get(2)})).collect::<Vec<_>>(),
        "lineage_up": &traced.lineage,
        "lineage_down": downstream,
    });
    let title = format!("{name}, row {rowid}");
    page(ask, data, &title, "", || {
        html! {
            p { a href=(format!("/t/{name}")) { "← all rows of " (name) } " · " a href=(format!("{}.json", row_href(name, &rowid.to_string()))) { "JSON" } }
            table.record {
                thead { tr { th { "column" } th { "value" } th { "unit" } th { "description" } } }
                tbody {
                    @for c in &t.columns {
                        @let v = cell(&values, row, &c.name);
                        @let unit = t.unit(c, &values, row);
                        // value_low's cells are those of the contract column `value`.
                        @let source_column = cells.iter().map(|x| x.column.as_str()).find(|x| c.name == *x || c.name.strip_prefix(x).is_some_and(|r| r.starts_with('_')));
                        tr id=(c.name) {
                            th { (c.name) }
                            td class=[c.numeric().then_some("num")] {
                                @match (&v, c.numeric()) {
                                    (Some(v), true) => { a href=(source_column.map(|x| format!("#cells-{x}")).unwrap_or_else(|| "#cells".into())) title="the source cells" { (v) } },
                                    _ => (null_or(&v)),
                                }
                            }
                            td { @if let Some(u) = &unit { (u) } }
                            td { (c.description) }
                        }
                    }
                }
            }
            h2 id="cells" { "Source cells" }
            @if cells.is_empty() {
                p { "No source cell is reached through this row's provenance columns or keys: it is an aggregate of the tables in its lineage below." }
            } @else {
                table.cells {
                    thead { tr { th { "file" } th { "sheet" } th { "cell" } th { "column" } th { "raw text" } th { "parsed" } th { "report section" } } }
                    tbody {
                        @for c in cells {
                            tr id=(format!("cells-{}", c.column)) {
                                td { code { (c.file) } } td { (c.sheet.clone().unwrap_or_default()) } td { code.cell { (c.cell) } }
                                td { (c.column) } td.raw { (c.raw) }
                                td { (c.parsed) @if let Some(k) = &c.correction { br; span.correction { (k) } } }
                                td { (c.report_section) }
                            }
                        }
                    }
                }
            }
            @if !claims.is_empty() {
                h2 { "Claims about this row" }
                ul.claims {
                    @for c in &claims {
                        li {
                            a href=(format!("/claims#{}", c.first().cloned().unwrap_or_default())) { (c.first().cloned().unwrap_or_default()) } " "
                            span class=(format!("verdict {}", verdict_class(c.get(1).map(String::as_str).unwrap_or("")))) { (c.get(1).cloned().unwrap_or_default()) }
                            " — " (c.get(2).cloned().unwrap_or_default())
                        }
                    }
                }
            }
            h2 { "Lineage" }
            h3 { "Up to the sources" }
            ul.lineage {
                @for s in &traced.lineage {
                    li style=(format!("margin-left:{}rem", s.depth * 2)) { a href=(format!("/t/{}", s.table)) { (s.table) } " " small { (s.defined_in) "; " (s.detail) } }
                }
            }
            h3 { "Down to the tables that use it" }
            @if downstream.is_empty() { p { "No model reads " (name) "." } }
            @else { ul { @for d in &downstream { li { a href=(format!("/t/{d}")) { (d) } } } } }
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Claims

fn claims(g: &Generation, ask: &Ask) -> Page {
    if !g.catalog.has("meta.claims") {
        return Err(Refusal::NotFound("this warehouse has no meta.claims".into()));
    }
    let conn = g.lease()?;
    let t = render::query(
        &conn,
        "select id, status, statement, stated_raw, stated_value, recomputed_value, gap, explanation, inputs from meta.claims \
         order by case status when 'disagrees' then 0 when 'agrees only as a bound' then 1 when 'not checkable' then 2 else 3 end, id",
    )?;
    // Each input id → the row that holds it (a fact of staging.facts' sources).
    let mut inputs: BTreeSet<String> = BTreeSet::new();
    for r in &t.rows {
        for i in cell(&t, r, "inputs").unwrap_or_default().split(", ").filter(|s| !s.is_empty()) {
            inputs.insert(i.to_string());
        }
    }
    let mut links: BTreeMap<String, String> = BTreeMap::new();
    if g.catalog.has("staging.facts") && !inputs.is_empty() {
        let list: Vec<String> = inputs.iter().map(|i| literal(i)).collect();
        let found =
            render::query(&conn, &format!("select source, id from staging.facts where id in ({})", list.join(", ")))?;
        let mut by_source: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for r in found.rows {
            if let (Some(s), Some(i)) = (r[0].clone(), r[1].clone()) {
                by_source.entry(s).or_default().push(i);
            }
        }
        for (source, ids) in by_source {
            let table = format!("staging.{source}");
            let Some(info) = g.catalog.find(&table) else { continue };
            let list: Vec<String> = ids.iter().map(|i| literal(i)).collect();
            let rows = render::query(
                &conn,
                &format!("select id, rowid from {} where id in ({})", info.sql_name(), list.join(", ")),
            )?;
            for r in rows.rows {
                if let (Some(id), Some(rid)) = (r[0].clone(), r[1].clone()) {
                    links.insert(id, row_href(&table, &rid));
                }
            }
        }
    }
    drop(conn);
    let mut groups: Vec<(String, Vec<&Vec<Option<String>>>)> = Vec::new();
    for r in &t.rows {
        let status = r[1].clone().unwrap_or_default();
        match groups.last_mut() {
            Some((s, rows)) if *s == status => rows.push(r),
            _ => groups.push((status, vec![r])),
        }
    }
    let mut data = rows_json(&t);
    if let Value::Array(items) = &mut data {
        for item in items.iter_mut() {
            let ids: Vec<String> = item["inputs"]
                .as_str()
                .unwrap_or("")
                .split(", ")
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            item["input_links"] = json!(ids.iter().map(|i| json!({"id": i, "href": links.get(i)})).collect::<Vec<_>>());
        }
    }
    page(ask, json!({ "claims": data }), "Claims: the report checked against itself", "/claims", || {
        html! {
            p { "Each stated figure recomputed from the figures it depends on. A bound agrees only as a bound (超过, 近, 以上); a disagreement shows the gap." }
            @for (status, rows) in &groups {
                h2 { span class=(format!("verdict {}", verdict_class(status))) { (status) } " (" (rows.len()) ")" }
                table.claims {
                    thead { tr { th { "claim" } th { "stated" } th.num { "stated value" } th.num { "recomputed" } th.num { "gap" } th { "explanation" } th { "inputs" } } }
                    tbody {
                        @for r in rows {
                            tr id=(r[0].clone().unwrap_or_default()) {
                                td { code { (r[0].clone().unwrap_or_default()) } br; small { (null_or(&r[2])) } }
                                td { (null_or(&r[3])) } td.num { (null_or(&r[4])) } td.num { (null_or(&r[5])) } td.num { (null_or(&r[6])) }
                                td { (null_or(&r[7])) }
                                td.inputs {
                                    @for i in r[8].clone().unwrap_or_default().split(", ").filter(|s| !s.is_empty()) {
                                        @match links.get(i) {
                                            Some(h) => { a href=(format!("{h}#cells")) { (i) } br; },
                                            None => { a href=(format!("/search?{}", encode(&[("q".into(), i.to_string())]))) { (i) } br; },
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    })
}

// ---------------------------------------------------------------------------------------------
// SQL

fn sql(app: &App, g: &Generation, ask: &Ask) -> Page {
    let text = ask.param("q").unwrap_or("").to_string();
    let mut result: Option<Result<(TextTable, bool, f64), Refusal>> = None;
    if !text.trim().is_empty() {
        result = Some(run_sql(app, g, &text));
    }
    if ask.format == Format::Csv {
        let mut body = Vec::new();
        match result {
            Some(Ok((t, _, _))) => {
                t.write(render::Format::Csv, &mut body).map_err(|e| Refusal::Failed(e.to_string()))?
            }
            Some(Err(e)) => return Err(e),
            None => return Err(Refusal::BadRequest("give the query as ?q=…".into())),
        }
        return Ok(Rendered::new("text/csv; charset=utf-8", body).download("query.csv".into()));
    }
    if ask.format == Format::Json && matches!(result, Some(Err(_))) {
        if let Some(Err(e)) = result {
            return Err(e);
        }
    }
    let data = match &result {
        Some(Ok((t, truncated, ms))) => json!({
            "query": text, "columns": t.headers, "rows": t.rows.iter().map(|r| r.iter().zip(&t.numeric).map(|(v, n)| typed(v, *n)).collect::<Vec<_>>()).collect::<Vec<_>>(),
            "truncated": truncated, "max_rows": app.options.max_rows, "ms": ms,
        }),
        Some(Err(e)) => json!({ "query": text, "error": e.message() }),
        None => json!({ "query": text }),
    };
    let status_error = matches!(result, Some(Err(_)));
    let share = format!("/sql?{}", encode(&[("q".into(), text.clone())]));
    let mut rendered = page(ask, data, "SQL", "/sql", || {
        html! {
            form.sql action="/sql" {
                textarea name="q" rows="6" spellcheck="false" aria-label="query" placeholder="select * from marts.market_growth" { (text) }
                button { "Run" }
                " read-only; stopped after " (maud::display(humantime::format_duration(app.options.sql_timeout))) ", at most " (app.options.max_rows) " rows shown"
            }
            @match &result {
                None => p { "Any DuckDB query over the warehouse's tables: " a href="/docs" { "the data dictionary" } " lists them." },
                Some(Err(e)) => pre.refusal { (e.message()) },
                Some(Ok((t, truncated, ms))) => {
                    p.count {
                        (t.rows.len()) " rows" @if *truncated { " (the first " (app.options.max_rows) "; more matched)" } " in " (format!("{ms:.1}")) " ms · "
                        a href=(share) data-copy="1" { "link to this query" } " · download "
                        a href=(format!("/sql.csv?{}", encode(&[("q".into(), text.clone())]))) { "CSV" } ", "
                        a href=(format!("/sql.json?{}", encode(&[("q".into(), text.clone())]))) { "JSON" }
                    }
                    div.scroll { (text_table(t)) }
                }
            }
        }
    })?;
    if status_error {
        // The page explains the refusal; its status says it too.
        if let Some(Err(e)) = result {
            rendered.status = e.status();
        }
    }
    Ok(rendered)
}

fn run_sql(app: &App, g: &Generation, text: &str) -> Result<(TextTable, bool, f64), Refusal> {
    let statements = crate::statements::split(text);
    if statements.len() != 1 {
        return Err(Refusal::BadRequest(format!("one statement at a time, please: found {}", statements.len())));
    }
    let conn = g.lease()?;
    let started = std::time::Instant::now();
    let watchdog = crate::watchdog::Watchdog::start(conn.interrupt_handle(), app.options.sql_timeout);
    let result = render::query_limited(&conn, statements[0], app.options.max_rows);
    let timed_out = watchdog.stop();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    match result {
        Ok((t, truncated)) => Ok((t, truncated, ms)),
        Err(_) if timed_out => Err(Refusal::TooLong(format!(
            "the query ran longer than {} and was stopped (baimo serve --sql-timeout)",
            humantime::format_duration(app.options.sql_timeout)
        ))),
        Err(e) => Err(e.into()),
    }
}

fn text_table(t: &TextTable) -> Markup {
    html! {
        table data-sortable="1" {
            thead { tr { @for (h, n) in t.headers.iter().zip(&t.numeric) { th class=[n.then_some("num")] { (h) } } } }
            tbody { @for r in &t.rows { tr { @for (v, n) in r.iter().zip(&t.numeric) { td class=[n.then_some("num")] { (null_or(v)) } } } } }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Search

/// One query over every staging table's text columns; each hit names its row.
fn search(g: &Generation, ask: &Ask) -> Page {
    let text = ask.param("q").unwrap_or("").trim().to_string();
    let mut hits = TextTable::default();
    if !text.is_empty() {
        let parts: Vec<String> = g
            .catalog
            .tables
            .iter()
            .filter(|t| t.schema == "staging" && !t.view)
            .filter_map(|t| {
                let cols: Vec<String> = t
                    .columns
                    .iter()
                    .filter(|c| c.text() && !matches!(c.name.as_str(), "_file" | "_sheet"))
                    .map(|c| format!("{}::varchar", quote(&c.name)))
                    .collect();
                if cols.is_empty() {
                    return None;
                }
                let section = if t.column("_ref").is_some() {
                    "\"_ref\""
                } else if t.column("ref").is_some() {
                    "\"ref\""
                } else {
                    "null"
                };
                Some(format!(
                    "select {} as tbl, rowid as r, concat_ws(' · ', {}) as text, {section}::varchar as section from {}",
                    literal(&t.qualified()),
                    cols.join(", "),
                    t.sql_name()
                ))
            })
            .collect();
        if !parts.is_empty() {
            hits = q(
                g,
                &format!(
                    "select tbl, r, text, section from ({}) where contains(lower(text), lower({})) order by tbl, r limit {}",
                    parts.join(" union all "),
                    literal(&text),
                    SEARCH_HITS + 1
                ),
            )?;
        }
    }
    let more = hits.rows.len() > SEARCH_HITS;
    hits.rows.truncate(SEARCH_HITS);
    let data = json!({
        "q": text,
        "hits": hits.rows.iter().map(|r| json!({"table": r[0], "rowid": typed(&r[1], true), "text": r[2], "section": r[3], "href": format!("/t/{}/{}", r[0].clone().unwrap_or_default(), r[1].clone().unwrap_or_default())})).collect::<Vec<_>>(),
        "more": more,
    });
    page(ask, data, "Search the report's facts", "/search", || {
        html! {
            form action="/search" { input type="search" name="q" value=(text) autofocus aria-label="search"; " " button { "Search" } }
            @if !text.is_empty() {
                p.count { (hits.rows.len()) @if more { "+" } " rows of the staging tables contain “" (text) "”" }
                table.hits {
                    thead { tr { th { "table" } th { "row" } th { "text" } th { "report section" } } }
                    tbody {
                        @for r in &hits.rows {
                            @let href = format!("/t/{}/{}", r[0].clone().unwrap_or_default(), r[1].clone().unwrap_or_default());
                            tr {
                                td { a href=(format!("/t/{}", r[0].clone().unwrap_or_default())) { (r[0].clone().unwrap_or_default()) } }
                                td { a href=(href) { (r[1].clone().unwrap_or_default()) } }
                                td { (highlight(r[2].as_deref().unwrap_or(""), &text)) }
                                td { (null_or(&r[3])) }
                            }
                        }
                    }
                }
            }
        }
    })
}

/// `text` with each case-insensitive occurrence of `needle` marked; both escaped.
fn highlight(text: &str, needle: &str) -> Markup {
    let lower = text.to_lowercase();
    let n = needle.to_lowercase();
    // Lower-casing can change byte lengths; mark only when it did not.
    if n.is_empty() || lower.len() != text.len() {
        return html! { (text) };
    }
    let mut out = String::new();
    let mut at = 0;
    while let Some(i) = lower[at..].find(&n) {
        let start = at + i;
        let end = start + n.len();
        if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            break;
        }
        let _ = write!(
            out,
            "{}<mark>{}</mark>",
            html! { (&text[at..start]) }.into_string(),
            html! { (&text[start..end]) }.into_string()
        );
        at = end;
    }
    out.push_str(&html! { (&text[at..]) }.into_string());
    PreEscaped(out)
}

// ---------------------------------------------------------------------------------------------
// Docs and runs

fn docs(g: &Generation, ask: &Ask) -> Page {
    if ask.format == Format::Json {
        let tables: Vec<Value> = g
            .catalog
            .tables
            .iter()
            .map(|t| {
                json!({
                    "table": t.qualified(), "kind": if t.view { "view" } else { "table" }, "description": t.description,
                    "columns": t.columns.iter().map(|c| json!({"name": c.name, "type": c.kind, "description": c.description})).collect::<Vec<_>>(),
                    "reads": super::lineage::reads(&g.project, &t.qualified()),
                })
            })
            .collect();
        return Ok(json_page(&json!({ "tables": tables })));
    }
    let mut blocks = crate::dictionary::document(&g.project, &*g.lease()?)?;
    // The page has its own title: the document's is not repeated under it.
    blocks.retain(|b| !matches!(b, crate::dictionary::Block::Heading(1, _, _)));
    let svg = super::lineage::svg(&g.project, &g.catalog);
    page(ask, Value::Null, "Data dictionary", "/docs", || {
        html! {
            h2 { "Lineage" }
            p { "Sources on the left, the models that read them to the right; each box links to its table. " a href="/lineage.svg" { "The graph alone" } }
            div.lineage { (PreEscaped(svg)) }
            div.docs { (PreEscaped(crate::dictionary::html_blocks(&blocks))) }
        }
    })
}

fn runs(app: &App, g: &Generation, ask: &Ask) -> Page {
    let served = q(g, "select id from meta.runs where status = 'success' order by finished_at desc limit 1")?;
    let served = served.rows.first().and_then(|r| r[0].clone()).unwrap_or_default();
    let changes = if g.catalog.has("meta.changes") {
        q(g, "select \"table\", kind, \"key\", \"column\", cell, old, new, \"rows\" from meta.changes order by \"table\", kind, \"key\"")?
    } else {
        TextTable::default()
    };
    // Every run runs.jsonl records (none when it cannot be read), newest first.
    let mut history = crate::build::publish::read_runs(&app.paths).unwrap_or_default();
    history.reverse();
    let data = json!({ "served_run": served, "runs": history, "changes_of_served_run": rows_json(&changes) });
    page(ask, data, "Runs", "/runs", || {
        html! {
            p { "Every build recorded in runs.jsonl, newest first. The one marked ● made the file served now." }
            table.runs {
                thead { tr { th {} th { "run" } th { "trigger" } th { "status" } th { "started" } th.num { "rows loaded" } th.num { "rejected" } th { "changes" } th { "reason" } } }
                tbody {
                    @for r in &history {
                        tr class=[(r.status != "success").then_some("failed")] {
                            td { @if r.id == served { "●" } }
                            td { code { (r.id) } } td { (r.trigger) } td { (r.status) } td { (r.started_at) }
                            td.num { (r.rows_loaded) } td.num { (r.rows_rejected) }
                            td { (r.changes.clone().unwrap_or_default()) }
                            td { (r.reason.as_deref().and_then(|s| s.lines().next()).unwrap_or_default()) }
                        }
                    }
                }
            }
            h2 { "What the served run changed" }
            @if changes.rows.is_empty() { p { "Nothing recorded: the first build, or nothing changed." } }
            @else { div.scroll { (text_table(&changes)) } }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_suffixes_split_off() {
        assert_eq!(Format::split("/t/marts.x.json"), ("/t/marts.x", Format::Json));
        assert_eq!(Format::split("/t/marts.x/3.csv"), ("/t/marts.x/3", Format::Csv));
        assert_eq!(Format::split("/t/marts.x"), ("/t/marts.x", Format::Html));
    }

    #[test]
    fn highlight_escapes_and_marks() {
        let m = highlight("<b>GPT-4</b> and gpt", "gpt").into_string();
        assert_eq!(m, "&lt;b&gt;<mark>GPT</mark>-4&lt;/b&gt; and <mark>gpt</mark>");
        // Chinese text: marked by byte positions that stay on character boundaries.
        assert_eq!(highlight("百模大战", "大战").into_string(), "百模<mark>大战</mark>");
    }

    #[test]
    fn filters_quote_their_values() {
        let f = Filter { column: "a\"b".into(), op: Op::Eq, value: "x' or 1=1 --".into() };
        assert_eq!(f.sql(), "\"a\"\"b\"::varchar = 'x'' or 1=1 --'");
    }
}
