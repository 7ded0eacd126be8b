//! `baimo serve`: the real server on a free port, against real warehouses, over real sockets.
//! The report project's pages (and their JSON twins), the link from a figure to its cell, a
//! publish during requests, the SQL page's limits and refusals, escaping, the token, and a
//! headless Chromium rendering the pages.

use crate::common::Project;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A running `baimo serve`, stopped with SIGTERM when dropped.
pub struct Server {
    child: Child,
    pub address: String,
    /// What it logged after its address line.
    log: std::sync::Mutex<std::sync::mpsc::Receiver<String>>,
}

impl Server {
    pub fn start(p: &Project, args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_baimo"))
            .arg("-C")
            .arg(p.path())
            .args(["serve", "--port", "0"])
            .args(args)
            .env_remove("RUST_LOG")
            .env_remove("BAIMO_TOKEN")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start baimo serve");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        let address = loop {
            let line = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())).unwrap_or_else(|_| {
                let _ = child.kill();
                panic!("baimo serve printed no address within 60 s")
            });
            if let Some(rest) = line.split("http://").nth(1) {
                break rest.split('/').next().expect("host:port").to_string();
            }
        };
        Server { child, address, log: std::sync::Mutex::new(rx) }
    }

    pub fn get(&self, path: &str) -> Reply {
        get(&self.address, path, &[])
    }

    /// Stops the server with SIGTERM; its exit status.
    pub fn stop(mut self) -> std::process::ExitStatus {
        terminate(&mut self.child)
    }

    /// Log lines written so far.
    pub fn log_lines(&self) -> Vec<String> {
        self.log.lock().expect("log").try_iter().collect()
    }
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(s) = child.try_wait().expect("wait") {
            return s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("baimo serve did not stop within 20 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            terminate(&mut self.child);
        }
    }
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    fn ok(self, path: &str) -> Reply {
        assert_eq!(self.status, 200, "GET {path}: {}", self.text());
        self
    }
}

/// One HTTP/1.1 GET over a fresh connection (`Connection: close`), read to the end.
pub fn get(address: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(60))).expect("timeout");
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read");
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("end of headers");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status: u16 = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).expect("status");
    let headers: BTreeMap<String, String> =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string())).collect();
    let mut body = raw[split + 4..].to_vec();
    if headers.get("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        body = dechunk(&body);
    }
    Reply { status, headers, body }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..end]).trim(), 16).expect("chunk size");
        if size == 0 {
            break;
        }
        out.extend_from_slice(&data[end + 2..end + 2 + size]);
        data = &data[end + 2 + size + 2..];
    }
    out
}

/// Percent-encodes a query parameter.
pub fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The report project, built once and served by one server for the read-only tests here. The
/// server is stopped when the test binary exits (before the project's folder is removed).
fn server() -> &'static Server {
    static S: OnceLock<Server> = OnceLock::new();
    S.get_or_init(|| {
        let s = Server::start(Project::report_built(), &[]);
        let pid = s.child.id() as libc::pid_t;
        crate::common::at_exit(move || stop_pid(pid));
        s
    })
}

/// SIGTERM to a server no one will drop, waited for (SIGKILL after 10 s).
fn stop_pid(pid: libc::pid_t) {
    // SAFETY: kill(2) and waitpid(2) on our own child's pid.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(10);
    while unsafe { libc::waitpid(pid, std::ptr::null_mut(), libc::WNOHANG) } == 0 {
        if Instant::now() > deadline {
            unsafe { libc::kill(pid, libc::SIGKILL) };
            unsafe { libc::waitpid(pid, std::ptr::null_mut(), 0) };
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn home_shows_headline_figures_linked_to_their_cells() {
    let s = server();
    let home = s.get("/").ok("/").text();
    assert!(home.contains("132.3亿元"), "the 2023 market size as printed");
    assert!(home.contains("突破600亿元"), "a bound keeps its qualifier");
    assert!(home.contains("GPT4-1800B"), "the costliest training run, from the mart");
    assert!(home.contains("agrees only as a bound") || home.contains("disagrees"), "the claims to read");
    assert!(home.contains("Charts whose numbers the text lost"));
    // The JSON twin holds the same figures, each with the link to its row.
    let data = s.get("/index.json").ok("/index.json").json();
    let figures = data["headlines"].as_array().expect("headlines");
    assert!(figures.len() >= 10, "{figures:?}");
    let size = figures.iter().find(|f| f["value_raw"] == "132.3亿元").expect("the market size");
    assert_eq!(size["value"].as_f64(), Some(132.3e8));
    assert_eq!(size["unit"], "CNY");
    let href = size["href"].as_str().expect("a link to the figure's row");
    assert!(home.contains(href), "the HTML links the same row: {href}");
    // Following it: the row page shows the cell address, the raw text and the report section.
    let row_path = href.split('#').next().expect("path");
    let row = s.get(row_path).ok(row_path).text();
    assert!(row.contains("raw/market_facts.csv"), "{row}");
    assert!(row.contains("132.3亿元"));
    assert!(row.contains("亿欧智库：市场火热引发众多玩家入局"), "the report section");
    let twin = s.get(&format!("{row_path}.json")).ok(row_path).json();
    let cells = twin["source_cells"].as_array().expect("cells");
    let value = cells.iter().find(|c| c["column"] == "value").expect("the value cell");
    assert_eq!(value["raw"], "132.3亿元");
    let address = value["cell"].as_str().expect("address");
    assert!(address.starts_with('E') && address[1..].parse::<u32>().is_ok(), "column E of the CSV: {address}");
    assert!(row.contains(address), "the HTML shows the cell address {address}");
    assert!(data["run"]["duckdb_version"].as_str().is_some_and(|v| v.starts_with('v')), "{}", data["run"]);
}

#[test]
fn table_pages_filter_sort_facet_page_and_download() {
    let s = server();
    let page = s.get("/t/staging.market_facts.json?metric=share&_sort=value_low&_desc=1&_size=3").ok("table").json();
    let columns: Vec<&str> = page["columns"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    let metric = columns.iter().position(|c| *c == "metric").unwrap();
    let value = columns.iter().position(|c| *c == "value_low").unwrap();
    let rows = page["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r[metric] == "share"), "the filter holds");
    let values: Vec<f64> = rows.iter().map(|r| r[value].as_f64().unwrap()).collect();
    assert!(values.windows(2).all(|w| w[0] >= w[1]), "sorted descending: {values:?}");
    let total = page["total"].as_i64().unwrap();
    assert!(total > 3 && page["pages"].as_i64().unwrap() == (total + 2) / 3);
    assert!(page["next"].as_str().unwrap().contains("_page=2"));
    // Facets: a low-cardinality text column with counts that add up to the filtered total.
    let facets = page["facets"].as_array().unwrap();
    let metric_facet = facets.iter().find(|f| f["column"] == "metric").expect("a metric facet");
    let sum: i64 = metric_facet["values"].as_array().unwrap().iter().map(|v| v["count"].as_i64().unwrap()).sum();
    assert_eq!(sum, total);
    // Text contains, across text columns.
    let found = s.get("/t/staging.market_facts.json?_q=%E6%99%BA%E8%B0%B1").ok("contains").json();
    assert!(found["total"].as_i64().unwrap() >= 1);
    // The HTML: units beside values, numbers linking to their rows, NULL shown as NULL.
    let html = s.get("/t/staging.market_facts?metric=market_size").ok("html").text();
    assert!(html.contains("<span class=\"unit\">CNY</span>"), "units beside values");
    assert!(html.contains("href=\"/t/staging.market_facts/"), "numbers link to rows");
    let nulls = s.get("/t/staging.market_facts").ok("nulls").text();
    assert!(nulls.contains(">NULL<"), "NULL shown as NULL");
    // Downloads of the current view.
    let csv = s.get("/t/staging.market_facts.csv?metric=share").ok("csv");
    assert!(csv.headers["content-disposition"].contains("staging.market_facts.csv"));
    assert_eq!(csv.text().lines().count() as i64, total + 1, "header and every filtered row");
    let json = s.get("/t/staging.market_facts.json?metric=share&_download=json").ok("json").json();
    assert_eq!(json.as_array().unwrap().len() as i64, total);
    let parquet = s.get("/t/staging.market_facts.parquet?metric=share").ok("parquet");
    assert_eq!(&parquet.body[..4], b"PAR1");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("v.parquet");
    std::fs::write(&file, &parquet.body).unwrap();
    let db = duckdb::Connection::open_in_memory().unwrap();
    let n: i64 = db.query_row(&format!("select count(*) from '{}'", file.display()), [], |r| r.get(0)).unwrap();
    assert_eq!(n, total);
    // A column that does not exist is a clear refusal.
    let bad = s.get("/t/staging.market_facts?nosuch=1");
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("has no column `nosuch`"));
    assert_eq!(s.get("/t/staging.nosuch").status, 404);
}

#[test]
fn a_mart_row_traces_to_its_source_cells_and_claims() {
    let s = server();
    let page = s.get("/t/marts.training_run_cost.json?model=LLaMA-65B").ok("mart").json();
    let rowid = page["rowids"][0].as_i64().expect("a rowid");
    let row = s.get(&format!("/t/marts.training_run_cost/{rowid}.json")).ok("row").json();
    let gpu_hours = row["columns"].as_array().unwrap().iter().find(|c| c["name"] == "gpu_hours_low").unwrap();
    assert_eq!(gpu_hours["value"].as_f64(), Some(1_032_192.0));
    let cells = row["source_cells"].as_array().unwrap();
    assert!(
        cells.iter().any(|c| c["file"] == "raw/tables.xlsx" && c["raw"] == "2048张"),
        "the GPU count's cell: {cells:?}"
    );
    assert!(cells.iter().any(|c| c["raw"] == "15万元/张"), "the card price it used");
    let up: Vec<&str> = row["lineage_up"].as_array().unwrap().iter().map(|s| s["table"].as_str().unwrap()).collect();
    assert!(up.contains(&"staging.training_runs"), "{up:?}");
    assert!(row["lineage_down"].as_array().unwrap().iter().any(|d| d == "marts.headlines"));
    let html = s.get(&format!("/t/marts.training_run_cost/{rowid}")).ok("row html").text();
    assert!(html.contains("Source cells") && html.contains("raw/tables.xlsx"));
    assert_eq!(s.get("/t/marts.training_run_cost/999999").status, 404);
    assert_eq!(s.get("/t/marts.training_run_cost/abc").status, 404);
}

#[test]
fn claims_search_docs_and_runs_pages() {
    let s = server();
    let claims = s.get("/claims.json").ok("claims").json();
    let items = claims["claims"].as_array().unwrap();
    assert!(items.len() >= 30);
    let linked = items
        .iter()
        .flat_map(|c| c["input_links"].as_array().unwrap().iter())
        .filter(|l| l["href"].is_string())
        .count();
    assert!(linked > 10, "claim inputs link to their rows");
    let html = s.get("/claims").ok("claims html").text();
    for verdict in ["agrees", "agrees only as a bound"] {
        assert!(html.contains(verdict));
    }
    let hits = s.get(&format!("/search.json?q={}", enc("智谱"))).ok("search").json();
    let hits = hits["hits"].as_array().unwrap();
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|h| h["text"].as_str().unwrap().contains("智谱")));
    let first = hits[0]["href"].as_str().unwrap();
    s.get(first).ok(first);
    let docs = s.get("/docs").ok("docs").text();
    assert!(docs.contains("<svg") && docs.contains("marts.training_run_cost"));
    // One title: the page's, not the document's as well.
    assert_eq!(docs.matches("<h1").count(), 1, "{docs}");
    let svg = s.get("/lineage.svg").ok("svg");
    assert_eq!(svg.headers["content-type"], "image/svg+xml");
    assert!(svg.text().contains("href=\"/t/staging.training_runs\""));
    let dictionary = s.get("/docs.json").ok("docs json").json();
    assert!(dictionary["tables"].as_array().unwrap().iter().any(|t| t["table"] == "marts.headlines"));
    let runs = s.get("/runs.json").ok("runs").json();
    assert_eq!(runs["runs"][0]["status"], "success");
    assert_eq!(runs["runs"][0]["id"], runs["served_run"]);
}

#[test]
fn the_sql_page_runs_queries_within_its_limits() {
    let s = server();
    let ok = s
        .get(&format!(
            "/sql.json?q={}",
            enc("select model, gpus from marts.training_run_cost order by gpus desc limit 2")
        ))
        .ok("sql")
        .json();
    assert_eq!(ok["columns"], serde_json::json!(["model", "gpus"]));
    assert_eq!(ok["rows"].as_array().unwrap().len(), 2);
    let csv = s.get(&format!("/sql.csv?q={}", enc("select 1 as one"))).ok("sql csv").text();
    assert_eq!(csv, "one\n1\n");
    let html = s.get(&format!("/sql?q={}", enc("select 'x' as y"))).ok("sql html").text();
    assert!(html.contains("link to this query"));
    // Refusals, each with a message and a status.
    for (query, needle) in [
        ("copy (select 1) to '/tmp/baimo-serve-escape.csv'", ""),
        ("select * from read_csv('/etc/passwd')", ""),
        ("attach '/tmp/other.duckdb' as other", ""),
        ("install httpfs", ""),
        ("create table marts.x as select 1", "read-only"),
        ("set enable_external_access = true", ""),
        ("select 1; select 2", "one statement at a time"),
    ] {
        let r = s.get(&format!("/sql.json?q={}", enc(query)));
        assert_eq!(r.status, 400, "{query}: {}", r.text());
        let message = r.json()["error"].as_str().unwrap_or_default().to_string();
        assert!(!message.is_empty() && message.contains(needle), "{query}: {message}");
    }
    assert!(!std::path::Path::new("/tmp/baimo-serve-escape.csv").exists());
    // Row limit: the query stops there too (a billion rows, never computed whole: a
    // materialised result would run into the time limit, 408).
    let many = s.get(&format!("/sql.json?q={}", enc("select * from range(1000000000)"))).ok("many").json();
    assert_eq!(many["rows"].as_array().unwrap().len(), 1000);
    assert_eq!(many["truncated"], true);
}

#[test]
fn the_sql_time_limit_interrupts_and_the_server_goes_on() {
    let s = Server::start(Project::report_built(), &["--sql-timeout", "1s"]);
    let started = Instant::now();
    let r = s.get(&format!("/sql.json?q={}", enc("select sum(i) from range(30000000000) t(i)")));
    assert_eq!(r.status, 408, "{}", r.text());
    assert!(r.json()["error"].as_str().unwrap().contains("longer than 1s"));
    assert!(started.elapsed() < Duration::from_secs(20));
    s.get("/").ok("after a timeout");
    assert!(s.stop().success(), "SIGTERM stops it cleanly");
}

#[test]
fn no_url_reaches_the_file_system() {
    let s = server();
    for path in [
        "/../../etc/passwd",
        "/-/../../Cargo.toml",
        "/t/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/-/style.css/../../x",
    ] {
        let r = s.get(path);
        assert!(r.status == 404 || r.status == 400, "{path}: {}", r.status);
        assert!(!r.text().contains("root:"), "{path}");
    }
    assert_eq!(s.get("/-/style.css").status, 200);
    // Pages link the assets by a URL that changes with their content (a browser's cached copy
    // of an older stylesheet is not used after an upgrade).
    let home = s.get("/").text();
    for asset in ["/-/style.css?v=", "/-/app.js?v="] {
        let at = home.find(asset).unwrap_or_else(|| panic!("{asset} not linked: {home}"));
        let version: String = home[at + asset.len()..].chars().take_while(char::is_ascii_hexdigit).collect();
        assert_eq!(version.len(), 12, "{asset}{version}");
        assert_eq!(s.get(&format!("{asset}{version}")).status, 200);
    }
}

#[test]
fn a_publish_during_requests_is_served_without_a_restart() {
    let p = Project::built("good");
    let s = Server::start(&p, &[]);
    let before = s.get("/t/staging.market.json?id=market.size.2023").ok("before").json();
    let address = s.address.clone();
    // Clients hammer the server while a build publishes a changed file.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let (address, stop) = (address.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut failures = Vec::new();
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let r = get(&address, "/t/staging.market.json?id=market.size.2023", &[]);
                    n += 1;
                    if r.status != 200 {
                        failures.push(format!("{} {}", r.status, r.text()));
                    }
                }
                (n, failures)
            })
        })
        .collect();
    p.edit("raw/market.csv", "132.3亿元", "140亿元");
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for c in clients {
        let (n, failures) = c.join().unwrap();
        assert!(n > 0);
        assert!(failures.is_empty(), "requests failed during the publish: {failures:?}");
    }
    let after = s.get("/t/staging.market.json?id=market.size.2023").ok("after").json();
    assert_ne!(before["rows"], after["rows"]);
    assert!(after["rows"].to_string().contains("140亿元"), "{}", after["rows"]);
}

/// A published file that cannot be opened (here bytes that are not a DuckDB file, renamed into
/// place as a publish would be) leaves the file opened before in service, and is tried once,
/// not by every request: one warning for twenty requests.
#[test]
fn a_file_that_cannot_be_opened_is_tried_once_and_the_old_one_served() {
    let p = Project::built("good");
    let s = Server::start(&p, &[]);
    let before = s.get("/t/staging.market.json?id=market.size.2023").ok("before").json();
    p.write("warehouse/next.duckdb", "not a DuckDB file");
    std::fs::rename(p.file("warehouse/next.duckdb"), p.warehouse()).expect("publish the damaged file");
    for i in 0..20 {
        let r = s.get("/t/staging.market.json?id=market.size.2023");
        assert_eq!(r.status, 200, "request {i}: {}", r.text());
        assert_eq!(r.json()["rows"], before["rows"], "request {i} served something else");
    }
    std::thread::sleep(Duration::from_millis(200));
    let warnings: Vec<String> =
        s.log_lines().into_iter().filter(|l| l.contains("still serving the file opened before")).collect();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    // The next publish is a different file: opened at once, not after the wait.
    p.edit("raw/market.csv", "132.3亿元", "140亿元");
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let after = s.get("/t/staging.market.json?id=market.size.2023").ok("after").json();
    assert!(after["rows"].to_string().contains("140亿元"), "{}", after["rows"]);
}

#[test]
fn report_text_comes_back_escaped() {
    let p = Project::new("good");
    p.edit("raw/market.csv", "中国语言大模型市场,market_size,2023", "<script>alert(1)</script>&\"',market_size,2023");
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let s = Server::start(&p, &[]);
    let page = s.get("/t/staging.market").ok("table").text();
    assert!(!page.contains("<script>alert(1)</script>"), "raw HTML from a cell");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let sql = s.get(&format!("/sql?q={}", enc("select '<img src=x onerror=alert(1)>' as \"<b>\""))).ok("sql").text();
    assert!(!sql.contains("<img src=x") && !sql.contains("<b>"));
    assert!(sql.contains("&lt;img src=x onerror=alert(1)&gt;"));
    let csp = s.get("/").headers["content-security-policy"].clone();
    assert!(csp.contains("script-src 'self'"), "{csp}");
}

#[test]
fn a_token_is_required_when_set_and_requests_are_logged() {
    let p = Project::built("good");
    let s = Server::start(&p, &["--log-format", "json", "--token", "s3cret"]);
    assert_eq!(s.get("/").status, 401);
    assert_eq!(get(&s.address, "/", &[("Authorization", "Bearer wrong")]).status, 401);
    assert_eq!(get(&s.address, "/", &[("Authorization", "Bearer s3cret")]).status, 200);
    let first = s.get("/?_token=s3cret");
    assert_eq!(first.status, 200);
    let cookie = first.headers["set-cookie"].split(';').next().unwrap().to_string();
    assert_eq!(
        get(&s.address, "/claims", &[("Cookie", &cookie)]).status,
        404,
        "no meta.claims in this fixture, but past the token"
    );
    std::thread::sleep(Duration::from_millis(200));
    let lines = s.log_lines();
    let logged: Vec<serde_json::Value> = lines.iter().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let request = logged.iter().find(|l| l["fields"]["status"] == 200).unwrap_or_else(|| panic!("{lines:?}"));
    assert_eq!(request["fields"]["method"], "GET");
    assert!(request["fields"]["ms"].is_number());
    assert!(!lines.iter().any(|l| l.contains("s3cret")), "the token is never logged");
}

/// Screenshots go here (BAIMO_SCREENSHOTS, or a folder under the system's temp dir), to be
/// looked at.
fn screenshots() -> std::path::PathBuf {
    let dir = std::env::var_os("BAIMO_SCREENSHOTS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("baimo-serve-screenshots"));
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    dir
}

#[test]
fn pages_render_in_headless_chromium_and_a_figure_leads_to_its_cell() {
    let s = server();
    let Some(chromium) = crate::common::Chromium::find() else { return };
    let base = format!("http://{}", s.address);
    let dom = chromium.dom(&format!("{base}/"));
    assert!(dom.contains("132.3亿元") && dom.contains("突破600亿元"), "{}", crate::common::head(&dom, 800));
    // Follow the first figure's link, as a reader clicking it would.
    let href = dom
        .split("class=\"value\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a figure that links")
        .replace("&amp;", "&");
    let row = chromium.dom(&format!("{base}{href}"));
    assert!(row.contains("Source cells") && row.contains("raw/market_facts.csv"), "{}", crate::common::head(&row, 800));
    assert!(row.contains("132.3亿元"));
    let dir = screenshots();
    for (name, path, height) in [
        ("home", "/".to_string(), 1800),
        ("table", "/t/staging.market_facts?metric=share".to_string(), 1400),
        ("row", href.split('#').next().unwrap_or("/").to_string(), 1400),
        ("claims", "/claims".to_string(), 1600),
    ] {
        let file = dir.join(format!("{name}.png"));
        let size = chromium.screenshot(&format!("{base}{path}"), &file, 1280, height);
        assert!(size > 30_000, "{name}: the screenshot is {size} bytes");
    }
    eprintln!("screenshots in {}", dir.display());
}
