//! `baimo serve`: the published warehouse as a small read-only web application.
//!
//! - One handler takes every request: the token, the route, the page, one log line.
//! - DuckDB work runs on tokio's blocking pool, on a connection leased from the current
//!   *generation*: the published file as it was when a request began. Each request compares the
//!   file's identity (device, inode, size, modification time) with the generation's; a build that
//!   published a new file (an atomic rename) is picked up by the next request, while requests in
//!   flight finish on the generation they hold. The server only ever opens the file read-only,
//!   so it never blocks a build.
//! - Connections are read-only, with external access off, extensions never loaded and the
//!   configuration locked: no query can read or write another file or install anything. No URL
//!   reaches the file system: assets are compiled in.
//! - A generation never changes, so rendered pages (all but the SQL page) are cached per
//!   generation.

mod lineage;
mod pages;

use crate::error::{Error, Result};
use crate::project::{Paths, Project};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use duckdb::Connection;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// `baimo serve`'s settings.
#[derive(Debug, Clone)]
pub struct Options {
    pub host: String,
    pub port: u16,
    /// Required on every request when set (`Authorization: Bearer`, `?_token=` or the cookie
    /// the latter sets).
    pub token: Option<String>,
    /// The SQL page interrupts a query running longer.
    pub sql_timeout: Duration,
    /// The SQL page shows at most this many rows.
    pub max_rows: usize,
}

/// Serves until SIGINT or SIGTERM.
pub fn run(root: &Path, options: Options) -> Result<()> {
    let app = Arc::new(App::open(root, options)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Internal(format!("starting the server's runtime: {e}")))?;
    runtime.block_on(async move {
        let address = format!("{}:{}", app.options.host, app.options.port);
        let listener = tokio::net::TcpListener::bind(&address)
            .await
            .map_err(|e| Error::Usage(format!("cannot listen on {address}: {e}")))?;
        let bound = listener.local_addr().map_err(Error::io("the listening socket"))?;
        // The one line a person (or a test) needs: where to point the browser.
        crate::say::info(format!(
            "baimo serve: http://{bound}/ — {} (read-only{}); Ctrl-C stops",
            app.paths.published.display(),
            if app.options.token.is_some() { ", token required" } else { "" }
        ));
        let router = axum::Router::new().fallback(handle).with_state(app);
        axum::serve(listener, router)
            .with_graceful_shutdown(shutdown())
            .await
            .map_err(|e| Error::Internal(format!("serving: {e}")))
    })?;
    tracing::info!("baimo serve stopped");
    Ok(())
}

/// SIGINT (Ctrl-C) or SIGTERM: stop accepting, finish the requests in flight.
async fn shutdown() {
    let interrupt = tokio::signal::ctrl_c();
    let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("cannot listen for SIGTERM: {e}");
            let _ = interrupt.await;
            return;
        }
    };
    tokio::select! {
        _ = interrupt => {},
        _ = terminate.recv() => {},
    }
}

/// The server's state: settings, and the generation of the published file now served.
pub(crate) struct App {
    root: PathBuf,
    paths: Paths,
    options: Options,
    current: Mutex<Arc<Generation>>,
    /// Held while a new generation is opened, so a publish seen by many requests at once is
    /// opened once.
    opening: Mutex<()>,
    /// The published file that last failed to open, and when: it is tried again after
    /// [`RETRY_FAILED_OPEN`], not by every request (each try loads the project, opens DuckDB
    /// and logs a warning).
    failed: Mutex<Option<(FileId, Instant)>>,
    /// Pages rendered at once, and SQL-page queries run at once.
    page_workers: Arc<tokio::sync::Semaphore>,
    sql_workers: Arc<tokio::sync::Semaphore>,
}

/// How long a published file that failed to open is left alone before it is tried again (a new
/// publish, a different file, is tried at once).
const RETRY_FAILED_OPEN: Duration = Duration::from_secs(10);

/// The identity of a file on disk; a publish (rename) changes the inode, a rewrite the size or
/// modification time.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileId {
    device: u64,
    inode: u64,
    bytes: u64,
    modified: Option<std::time::SystemTime>,
}

impl FileId {
    fn of(path: &Path) -> std::io::Result<FileId> {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path)?;
        Ok(FileId { device: m.dev(), inode: m.ino(), bytes: m.len(), modified: m.modified().ok() })
    }
}

/// One published file, open read-only: connections to lend, the project that built it, what
/// its catalog holds, and the pages rendered from it.
pub(crate) struct Generation {
    id: FileId,
    pub(crate) project: Arc<Project>,
    pub(crate) catalog: pages::Catalog,
    seed: Mutex<Connection>,
    idle: Mutex<Vec<Connection>>,
    cache: Mutex<Cache>,
}

/// The bodies cached per generation, in bytes; past this the cache starts again. The report's
/// pages are a few MB in all; many filtered views of a big table must not fill memory.
const CACHE_BYTES: usize = 64 << 20;
/// A body larger than this (a big download) is rendered each time.
const CACHE_BODY_MAX: usize = 8 << 20;

/// Rendered pages of one generation and their size.
#[derive(Default)]
struct Cache {
    pages: HashMap<String, Arc<Rendered>>,
    bytes: usize,
}

impl App {
    fn open(root: &Path, options: Options) -> Result<App> {
        let paths = Paths::new(root);
        let project = Arc::new(Project::load(root)?);
        let generation = Generation::open(root, &paths, project)?;
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        Ok(App {
            root: root.to_path_buf(),
            paths,
            options,
            current: Mutex::new(Arc::new(generation)),
            opening: Mutex::new(()),
            failed: Mutex::new(None),
            page_workers: Arc::new(tokio::sync::Semaphore::new(2 * cores)),
            sql_workers: Arc::new(tokio::sync::Semaphore::new(cores)),
        })
    }

    /// The current generation, if the published file is still the one it opened (a `stat`,
    /// nothing more).
    fn fresh_generation(&self) -> Option<Arc<Generation>> {
        let current = lock(&self.current).clone();
        (FileId::of(&self.paths.published).ok()? == current.id).then_some(current)
    }

    /// The generation to serve this request from: the current one, or a new one when the
    /// published file changed since it was opened. A file that cannot be opened (being
    /// replaced, removed by `make clean`) leaves the current generation in service.
    fn generation(&self) -> Arc<Generation> {
        let current = lock(&self.current).clone();
        let Ok(id) = FileId::of(&self.paths.published) else { return current };
        if id == current.id {
            return current;
        }
        let _opening = lock(&self.opening);
        let current = lock(&self.current).clone();
        if id == current.id {
            return current;
        }
        if lock(&self.failed).as_ref().is_some_and(|(failed, at)| *failed == id && at.elapsed() < RETRY_FAILED_OPEN) {
            return current;
        }
        // The project may have changed with the file; if it no longer loads, the old one still
        // describes what the old models built.
        let project = match Project::load(&self.root) {
            Ok(p) => Arc::new(p),
            Err(e) => {
                tracing::warn!("serving with the project as it was: {e}");
                current.project.clone()
            }
        };
        match Generation::open(&self.root, &self.paths, project) {
            Ok(next) => {
                let next = Arc::new(next);
                tracing::info!("serving the newly published {}", self.paths.published.display());
                *lock(&self.current) = next.clone();
                *lock(&self.failed) = None;
                next
            }
            Err(e) => {
                tracing::warn!(
                    "still serving the file opened before: {e} (tried again in {} s, or when the file changes)",
                    RETRY_FAILED_OPEN.as_secs()
                );
                *lock(&self.failed) = Some((id, Instant::now()));
                current
            }
        }
    }
}

impl Generation {
    fn open(root: &Path, paths: &Paths, project: Arc<Project>) -> Result<Generation> {
        // The identity is read before the file is opened: if a publish lands in between, the
        // next request sees a different identity and opens the file again.
        let id = FileId::of(&paths.published).map_err(Error::io(&paths.published))?;
        let conn = crate::warehouse::open_read_only(root)?;
        // Requests run side by side, so each query keeps to one thread; then the configuration
        // is locked, so no query can lift the read-only, no-file-access settings.
        conn.execute_batch("set threads = 1; set lock_configuration = true")
            .map_err(Error::duckdb("locking the server connection's configuration"))?;
        let catalog = pages::Catalog::read(&conn)?;
        Ok(Generation {
            id,
            project,
            catalog,
            seed: Mutex::new(conn),
            idle: Mutex::new(Vec::new()),
            cache: Mutex::new(Cache::default()),
        })
    }

    /// A connection to this generation's file, returned to it when dropped.
    pub(crate) fn lease(&self) -> Result<Lease<'_>> {
        let idle = lock(&self.idle).pop();
        let conn = match idle {
            Some(c) => c,
            None => lock(&self.seed).try_clone().map_err(Error::duckdb("opening another connection"))?,
        };
        Ok(Lease { generation: self, conn: Some(conn) })
    }
}

pub(crate) struct Lease<'a> {
    generation: &'a Generation,
    conn: Option<Connection>,
}

impl std::ops::Deref for Lease<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        // Present until drop.
        self.conn.as_ref().unwrap_or_else(|| unreachable!("a lease holds its connection until dropped"))
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Some(c) = self.conn.take() {
            lock(&self.generation.idle).push(c);
        }
    }
}

/// A poisoned lock only means another request panicked; the data behind it is still whole.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What a page becomes on the wire.
pub(crate) struct Rendered {
    status: StatusCode,
    content_type: &'static str,
    body: axum::body::Bytes,
    /// A download's file name.
    attachment: Option<String>,
}

impl Rendered {
    pub(crate) fn new(content_type: &'static str, body: Vec<u8>) -> Rendered {
        Rendered { status: StatusCode::OK, content_type, body: body.into(), attachment: None }
    }

    pub(crate) fn download(mut self, name: String) -> Rendered {
        self.attachment = Some(name);
        self
    }
}

/// A request that cannot be answered with its page.
#[derive(Debug)]
pub(crate) enum Refusal {
    NotFound(String),
    BadRequest(String),
    /// The SQL page's time limit.
    TooLong(String),
    Failed(String),
}

impl From<Error> for Refusal {
    fn from(e: Error) -> Refusal {
        match e {
            Error::Usage(m) => Refusal::BadRequest(m),
            Error::Sql { message, .. } => Refusal::BadRequest(crate::warehouse::explain(&message)),
            other => Refusal::Failed(other.to_string()),
        }
    }
}

impl Refusal {
    fn status(&self) -> StatusCode {
        match self {
            Refusal::NotFound(_) => StatusCode::NOT_FOUND,
            Refusal::BadRequest(_) => StatusCode::BAD_REQUEST,
            Refusal::TooLong(_) => StatusCode::REQUEST_TIMEOUT,
            Refusal::Failed(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub(crate) fn message(&self) -> &str {
        match self {
            Refusal::NotFound(m) | Refusal::BadRequest(m) | Refusal::TooLong(m) | Refusal::Failed(m) => m,
        }
    }
}

/// A request as the pages see it: the path without its format suffix, the format, and the
/// query parameters in order (the token taken out).
pub(crate) struct Ask {
    pub(crate) path: String,
    pub(crate) format: pages::Format,
    pub(crate) params: Vec<(String, String)>,
}

impl Ask {
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    }
}

async fn handle(State(app): State<Arc<App>>, request: Request) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let query = request.uri().query().unwrap_or("").to_string();
    let response = respond(&app, &method, &path, &query, request.headers()).await;
    let status = response.status().as_u16();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(target: "baimo::serve", method = %method, path = %path, status, ms = (ms * 10.0).round() / 10.0, "request");
    response
}

async fn respond(app: &Arc<App>, method: &Method, path: &str, query: &str, headers: &HeaderMap) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return plain(StatusCode::METHOD_NOT_ALLOWED, "baimo serve is read-only: GET only\n");
    }
    let params: Vec<(String, String)> = form_urlencoded_pairs(query);
    let mut set_cookie = None;
    if let Some(token) = &app.options.token {
        let given = bearer(headers)
            .or_else(|| params.iter().find(|(k, _)| k == "_token").map(|(_, v)| v.clone()))
            .or_else(|| cookie(headers, "baimo_token"));
        match given {
            Some(g) if same(g.as_bytes(), token.as_bytes()) => {
                if params.iter().any(|(k, _)| k == "_token") {
                    set_cookie = Some(format!("baimo_token={token}; Path=/; HttpOnly; SameSite=Strict"));
                }
            }
            _ => {
                return plain(
                    StatusCode::UNAUTHORIZED,
                    "this baimo serve needs its token: send `Authorization: Bearer <token>` or open /?_token=<token> once\n",
                )
            }
        }
    }
    if let Some(asset) = pages::asset(path) {
        return asset;
    }
    let (bare, format) = pages::Format::split(path);
    let ask =
        Ask { path: bare.to_string(), format, params: params.into_iter().filter(|(k, _)| k != "_token").collect() };
    let key = format!("{path}?{query}");
    let format = ask.format;
    let cacheable = pages::cacheable(&ask);
    // A page already rendered from the file still published is answered here, without a
    // worker: cheap pages never wait behind expensive ones.
    if cacheable {
        if let Some(hit) = app.fresh_generation().and_then(|g| lock(&g.cache).pages.get(&key).cloned()) {
            return with_cookie(to_response(&hit, method), set_cookie);
        }
    }
    // DuckDB work: a bounded number at a time (the SQL page has its own permits, so a slow
    // query cannot hold up the pages), on tokio's blocking pool.
    let workers = if cacheable { app.page_workers.clone() } else { app.sql_workers.clone() };
    let Ok(permit) = workers.acquire_owned().await else {
        return plain(StatusCode::SERVICE_UNAVAILABLE, "the server is stopping\n");
    };
    let app = app.clone();
    let job = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let generation = app.generation();
        if cacheable {
            if let Some(hit) = lock(&generation.cache).pages.get(&key) {
                return Ok(hit.clone());
            }
        }
        let rendered = Arc::new(pages::render(&app, &generation, &ask).map_err(|r| (r, format))?);
        if cacheable && rendered.body.len() <= CACHE_BODY_MAX {
            let mut cache = lock(&generation.cache);
            if cache.bytes + rendered.body.len() > CACHE_BYTES {
                *cache = Cache::default();
            }
            cache.bytes += rendered.body.len();
            cache.pages.insert(key, rendered.clone());
        }
        Ok::<_, (Refusal, pages::Format)>(rendered)
    });
    let response = match job.await {
        Ok(Ok(r)) => to_response(&r, method),
        Ok(Err((refusal, format))) => {
            let r = pages::refusal(&refusal, format);
            let mut response = to_response(&r, method);
            *response.status_mut() = refusal.status();
            response
        }
        Err(e) => plain(StatusCode::INTERNAL_SERVER_ERROR, &format!("the page failed: {e}\n")),
    };
    with_cookie(response, set_cookie)
}

fn with_cookie(mut response: Response, cookie: Option<String>) -> Response {
    if let Some(c) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().insert(header::SET_COOKIE, c);
    }
    response
}

fn to_response(r: &Rendered, method: &Method) -> Response {
    let body = if method == Method::HEAD { Body::empty() } else { Body::from(r.body.clone()) };
    let mut builder = Response::builder()
        .status(r.status)
        .header(header::CONTENT_TYPE, r.content_type)
        // Pages carry the report's text and users' SQL: nothing on them may run but our script.
        .header(header::CONTENT_SECURITY_POLICY, "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::REFERRER_POLICY, "no-referrer");
    if let Some(name) = &r.attachment {
        builder =
            builder.header(header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", name.replace('"', "")));
    }
    builder
        .body(body)
        .unwrap_or_else(|e| plain(StatusCode::INTERNAL_SERVER_ERROR, &format!("building a response: {e}\n")))
}

fn plain(status: StatusCode, text: &str) -> Response {
    let mut r = Response::new(Body::from(text.to_string()));
    *r.status_mut() = status;
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    r
}

fn form_urlencoded_pairs(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    value.strip_prefix("Bearer ").map(|t| t.trim().to_string())
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

/// Compares in time independent of where the bytes first differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"abcd"));
    }

    #[test]
    fn cookies_are_found_by_name() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; baimo_token=s3cret; b=2"));
        assert_eq!(cookie(&h, "baimo_token").as_deref(), Some("s3cret"));
        assert_eq!(cookie(&h, "nope"), None);
    }
}
