//! The `baimo sql` session: statements and dot-commands on the published warehouse, read-only.
//!
//! One [`Session`] serves three ways in: the interactive shell (line editing and history with
//! rustyline, history in `~/.cache/baimo/history`; statements span lines until a `;`; an error
//! is printed and the shell goes on), a script (a query argument, `-f`, or stdin when it is not
//! a terminal: every statement runs in order and the first error stops it with a non-zero exit),
//! and dot-commands in either (`baimo sql ".schema meta.claims"`).

use crate::error::{Error, Location, Result};
use crate::render::{self, Format, TextTable};
use crate::spec::staged::Unit;
use crate::warehouse::open_read_only;
use crate::watchdog::Watchdog;
use rustyline::error::ReadlineError;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

const HELP: &str = "\
Statements end with `;` and may span lines. The warehouse is read-only: change it through raw/
and pipelines/, then `baimo build`.
  .tables              every table and view, with row counts and descriptions (as `baimo ls`)
  .schema <table>      columns of a table (schema.table) with types and descriptions
  .mode [<m>]          output: table, csv, json, markdown or line; without <m>, the current one
  .yi on|off           show money columns (declared in CNY or USD) in 亿 (100 million)
  .wan on|off          show money columns in 万 (10 thousand)
  .percent on|off      table mode shows shares (declared as fractions) as percent; on by default
  .timeout <t>|off     stop a statement that runs longer than <t> (e.g. 10s, 2m)
Ctrl-C stops the running statement and keeps the shell.
  .help                this text
  .quit                leave (also Ctrl-D)
Tab completes dot-commands, keywords, schemas, schema.table names and columns.";

/// A writer that puts a blank line before its first byte when `gap` says so.
struct Separated<W: Write> {
    out: W,
    gap: bool,
    wrote: bool,
}

impl<W: Write> Write for Separated<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if !self.wrote && !buf.is_empty() {
            if self.gap {
                self.out.write_all(b"\n")?;
            }
            self.wrote = true;
        }
        self.out.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// Tab completion: dot-commands at the start of a line; otherwise SQL keywords, schemas,
/// `schema.table` names and column names, read from the warehouse when the shell starts.
struct Completion {
    words: Vec<String>,
}

const DOT_COMMANDS: &[&str] =
    &[".tables", ".schema", ".mode", ".yi", ".wan", ".percent", ".timeout", ".help", ".quit", ".exit"];
const KEYWORDS: &[&str] = &[
    "select",
    "from",
    "where",
    "group",
    "by",
    "order",
    "having",
    "limit",
    "offset",
    "join",
    "left",
    "inner",
    "on",
    "using",
    "with",
    "as",
    "and",
    "or",
    "not",
    "null",
    "is",
    "in",
    "between",
    "like",
    "ilike",
    "case",
    "when",
    "then",
    "else",
    "end",
    "distinct",
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "union",
    "all",
    "desc",
    "asc",
    "describe",
    "summarize",
    "qualify",
    "over",
    "partition",
];

impl Completion {
    fn read(conn: &duckdb::Connection) -> Completion {
        let mut words: Vec<String> = KEYWORDS.iter().map(|k| k.to_string()).collect();
        // A warehouse that cannot be listed still completes keywords.
        if let Ok(t) = render::query(
            conn,
            "select distinct schema_name from duckdb_columns() where schema_name in ('staging', 'marts', 'meta') \
             union select distinct schema_name || '.' || table_name from duckdb_columns() where schema_name in ('staging', 'marts', 'meta') \
             union select distinct column_name from duckdb_columns() where schema_name in ('staging', 'marts', 'meta')",
        ) {
            words.extend(t.rows.into_iter().filter_map(|r| r.into_iter().next().flatten()));
        }
        words.sort();
        words.dedup();
        Completion { words }
    }

    /// The start of the word before `pos` and the words it may become.
    fn candidates(&self, line: &str, pos: usize) -> (usize, Vec<String>) {
        let before = &line[..pos];
        if before.trim_start().starts_with('.') && !before.trim_start().contains(' ') {
            let start = before.len() - before.trim_start().len();
            let typed = before.trim_start();
            return (start, DOT_COMMANDS.iter().filter(|c| c.starts_with(typed)).map(|c| c.to_string()).collect());
        }
        // After the last character that cannot be part of a name (a full-width `，` is three
        // bytes: the word starts after all of them).
        let start = before
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '.'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let typed = &before[start..];
        if typed.is_empty() {
            return (start, Vec::new());
        }
        let lower = typed.to_lowercase();
        let found = self.words.iter().filter(|w| w.to_lowercase().starts_with(&lower) && w.len() > typed.len());
        (start, found.cloned().collect())
    }
}

impl rustyline::completion::Completer for Completion {
    type Candidate = String;
    fn complete(&self, line: &str, pos: usize, _: &rustyline::Context<'_>) -> rustyline::Result<(usize, Vec<String>)> {
        Ok(self.candidates(line, pos))
    }
}

impl rustyline::hint::Hinter for Completion {
    type Hint = String;
}
impl rustyline::highlight::Highlighter for Completion {}
impl rustyline::validate::Validator for Completion {}
impl rustyline::Helper for Completion {}

const MODES: &[(&str, Format)] = &[
    ("table", Format::Table),
    ("csv", Format::Csv),
    ("json", Format::Json),
    ("markdown", Format::Markdown),
    ("line", Format::Line),
];

/// `.yi` / `.wan`: money columns shown in 亿 or 万 of their currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scale {
    Units,
    Wan,
    Yi,
}

pub struct Session {
    conn: duckdb::Connection,
    mode: Format,
    scale: Scale,
    /// Table mode shows fraction columns as percent.
    percent: bool,
    /// The declared units of the warehouse's columns, by column name (meta.column_units).
    units: std::collections::BTreeMap<String, Vec<Unit>>,
    /// A statement running longer is interrupted (DuckDB's interrupt).
    timeout: Option<Duration>,
    /// Results printed so far (a blank line separates two, except in JSON).
    printed: usize,
}

impl Session {
    pub fn open(root: &Path, mode: Format, timeout: Option<Duration>) -> Result<Session> {
        let conn = open_read_only(root)?;
        let units = declared_units(&conn);
        Ok(Session { conn, mode, scale: Scale::Units, percent: true, units, timeout, printed: 0 })
    }

    /// Runs a script: dot-commands (a line starting with `.` outside a statement) and SQL
    /// statements, in order; the first error stops it.
    pub fn run_script(&mut self, script: &str) -> Result<()> {
        let mut sql = String::new();
        let mut ran = 0;
        for line in script.lines() {
            if sql.trim().is_empty() && line.trim_start().starts_with('.') {
                ran += 1;
                if !self.dot(line.trim())? {
                    return Ok(());
                }
                continue;
            }
            sql.push_str(line);
            sql.push('\n');
            // A statement ends at a `;` outside quotes and comments: run what is complete.
            if crate::statements::is_complete(&sql) {
                ran += self.run_statements(&std::mem::take(&mut sql))?;
            }
        }
        ran += self.run_statements(&sql)?;
        if ran == 0 {
            return Err(Error::Usage("no SQL statement to run: the query is empty or only comments".into()));
        }
        Ok(())
    }

    fn run_statements(&mut self, sql: &str) -> Result<usize> {
        let statements = crate::statements::split(sql);
        for statement in &statements {
            self.execute(statement)?;
        }
        Ok(statements.len())
    }

    fn execute(&mut self, sql: &str) -> Result<()> {
        let watchdog = self.timeout.map(|limit| Watchdog::start(self.conn.interrupt_handle(), limit));
        // CSV, JSON, Markdown and line output stream batch by batch (a result of any size in
        // bounded memory); a table needs every row to size its columns.
        let streamed = self.mode != Format::Table && self.scale == Scale::Units;
        let result = if streamed {
            let mut out = self.output();
            let streamed = render::stream(&self.conn, sql, self.mode, &mut out)
                .and_then(|_| out.flush().map_err(Error::io("stdout")));
            if out.wrote {
                self.printed += 1;
            }
            streamed.map(|_| None)
        } else {
            render::query(&self.conn, sql).map(Some)
        };
        let timed_out = watchdog.is_some_and(Watchdog::stop);
        let table = result.map_err(|e| match e {
            Error::Sql { .. } if timed_out => Error::Usage(format!(
                "the statement ran longer than {} and was stopped (--timeout, .timeout)",
                humantime::format_duration(self.timeout.unwrap_or_default())
            )),
            Error::Sql { message, .. } if message.contains("Interrupt") => {
                Error::Sql { location: Location::file("query"), message: "interrupted".into() }
            }
            Error::Sql { message, .. } => {
                Error::Sql { location: Location::file("query"), message: crate::warehouse::explain(&message) }
            }
            other => other,
        })?;
        match table {
            Some(t) => self.print(t),
            None => Ok(()),
        }
    }

    fn print(&mut self, mut table: TextTable) -> Result<()> {
        self.apply_units(&mut table);
        let mut out = self.output();
        // On a terminal, a table fits it (first and last rows, middle columns elided); piped,
        // or in another mode, every row and column is printed.
        let written = match (self.mode, render::terminal_width()) {
            (Format::Table, Some(width)) => table.write_terminal(width, &mut out),
            _ => table.write(self.mode, &mut out),
        };
        let written = written.and_then(|_| out.flush()).map_err(Error::io("stdout"));
        if out.wrote {
            self.printed += 1;
        }
        written
    }

    /// Money columns in 万 or 亿 (`.wan`, `.yi`) and, in table mode, shares as percent, by
    /// each result column's declared unit. A result column is matched by name to the columns
    /// of the warehouse that declare a unit; it is converted only when every one of them
    /// agrees (a name that is money in one table and a count in another is left alone). The
    /// digits are shifted, not multiplied: `133300000000` is `1333` 亿 exactly.
    fn apply_units(&self, table: &mut TextTable) {
        let (places, scale) = match self.scale {
            Scale::Units => (0, ""),
            Scale::Wan => (-4, "万"),
            Scale::Yi => (-8, "亿"),
        };
        let percent = self.percent && self.mode == Format::Table;
        for (i, header) in table.headers.iter_mut().enumerate() {
            let Some(declared) = self.units.get(header.as_str()).filter(|_| table.numeric[i]) else { continue };
            let (shift, label) = if places != 0 && declared.iter().all(Unit::is_money) {
                let currency = declared[0].single();
                let same = declared.iter().all(|u| u.single() == currency);
                let label = match currency {
                    Some(c) if same => format!("{scale} {c}"),
                    _ => scale.to_string(),
                };
                (places, label)
            } else if percent && declared.iter().all(Unit::is_fraction) {
                (2, "%".to_string())
            } else {
                continue;
            };
            *header = format!("{header} ({label})");
            for row in table.rows.iter_mut() {
                if let Some(v) = row[i].as_deref().and_then(|v| crate::quantity::shift_decimal(v, shift)) {
                    row[i] = Some(v);
                }
            }
        }
    }

    /// Stdout for the next result: a blank line between two results (except in JSON) is
    /// written with its first byte, so a statement that fails before printing leaves none.
    fn output(&self) -> Separated<std::io::StdoutLock<'static>> {
        Separated { out: std::io::stdout().lock(), gap: self.printed > 0 && self.mode != Format::Json, wrote: false }
    }

    /// Runs a dot-command; false to leave.
    fn dot(&mut self, command: &str) -> Result<bool> {
        let mut words = command.split_whitespace();
        let name = words.next().unwrap_or_default();
        let arg = words.next();
        match (name, arg) {
            (".quit" | ".exit", _) => return Ok(false),
            (".help", _) => eprintln!("{HELP}"),
            (".tables", _) => {
                let listing = super::ls::listing(&self.conn)?;
                self.print(listing)?;
            }
            (".schema", Some(table)) => {
                let Some((s, t)) = table.split_once('.') else {
                    return Err(Error::Usage(format!("`.schema {table}`: name the table as schema.table")));
                };
                let columns = render::query(
                    &self.conn,
                    &format!(
                        "select column_name, data_type, comment as description from duckdb_columns() \
                         where schema_name = '{}' and table_name = '{}' order by column_index",
                        s.replace('\'', "''"),
                        t.replace('\'', "''")
                    ),
                )?;
                if columns.rows.is_empty() {
                    return Err(Error::Usage(format!(
                        "`.schema {table}`: there is no table {table} (`.tables` lists them)"
                    )));
                }
                self.print(columns)?;
            }
            (".schema", None) => {
                return Err(Error::Usage("`.schema` needs a table: `.schema marts.market_growth`".into()))
            }
            (".mode", None) => {
                let current = MODES.iter().find(|(_, f)| *f == self.mode).map_or("table", |(n, _)| n);
                println!("{current}");
            }
            (".mode", Some(m)) => match MODES.iter().find(|(n, _)| *n == m) {
                Some((_, f)) => self.mode = *f,
                None => {
                    let modes: Vec<&str> = MODES.iter().map(|(n, _)| *n).collect();
                    return Err(Error::Usage(format!("unknown mode `{m}` ({})", modes.join(", "))));
                }
            },
            (".yi", Some(v @ ("on" | "off"))) => self.scale = if v == "on" { Scale::Yi } else { Scale::Units },
            (".wan", Some(v @ ("on" | "off"))) => self.scale = if v == "on" { Scale::Wan } else { Scale::Units },
            (".percent", Some(v @ ("on" | "off"))) => self.percent = v == "on",
            (".timeout", Some("off")) => self.timeout = None,
            (".timeout", Some(t)) => match crate::cli::statement_timeout(t) {
                Ok(d) => self.timeout = Some(d),
                Err(e) => return Err(Error::Usage(format!("`.timeout {t}`: {e}"))),
            },
            _ => return Err(Error::Usage(format!("unknown command `{command}`; `.help` lists them"))),
        }
        Ok(true)
    }
}

/// The declared units of the warehouse's columns by column name; none for a warehouse built
/// before `meta.column_units` (nothing is converted then).
fn declared_units(conn: &duckdb::Connection) -> std::collections::BTreeMap<String, Vec<Unit>> {
    let mut units: std::collections::BTreeMap<String, Vec<Unit>> = Default::default();
    for (_, column, unit) in crate::build::meta::read_column_units(conn) {
        units.entry(column).or_default().push(unit);
    }
    units
}

/// The interactive shell.
pub fn run(root: &Path, format: Format, timeout: Option<Duration>) -> Result<()> {
    let mut session = Session::open(root, format, timeout)?;
    // Ctrl-C while a statement runs interrupts it (at the prompt the line editor reads it as a
    // key and clears the line); the shell goes on either way.
    let handle = session.conn.interrupt_handle();
    ctrlc::set_handler(move || handle.interrupt())
        .map_err(|e| Error::Internal(format!("installing the Ctrl-C handler: {e}")))?;
    // ctrlc (built with `termination` for `baimo schedule`) also takes SIGTERM and SIGHUP; a
    // shell asked to terminate, or whose terminal went away, must end, not just stop a query.
    // SAFETY: restoring the default disposition of two signals; no handler of ours is involved.
    unsafe {
        libc::signal(libc::SIGTERM, libc::SIG_DFL);
        libc::signal(libc::SIGHUP, libc::SIG_DFL);
    }
    let mut editor: rustyline::Editor<Completion, rustyline::history::DefaultHistory> =
        rustyline::Editor::new().map_err(|e| Error::Internal(format!("starting the shell: {e}")))?;
    editor.set_helper(Some(Completion::read(&session.conn)));
    let history = std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache").join("baimo").join("history"));
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    eprintln!(
        "baimo sql: the published warehouse, read-only (change it through raw/ and pipelines/, then \
         `baimo build`). `.help` for commands, `.quit` to leave."
    );
    let mut buffer = String::new();
    loop {
        let prompt = if buffer.is_empty() { "baimo> " } else { "   ...> " };
        let line = match editor.readline(prompt) {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => {
                buffer.clear();
                continue;
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(Error::Internal(format!("reading input: {e}"))),
        };
        let trimmed = line.trim();
        if buffer.is_empty() && trimmed.starts_with('.') {
            let _ = editor.add_history_entry(trimmed);
            match session.dot(trimmed) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => eprintln!("error: {e}"),
            }
            continue;
        }
        if trimmed.is_empty() && buffer.is_empty() {
            continue;
        }
        buffer.push_str(&line);
        buffer.push('\n');
        if crate::statements::is_complete(&buffer) {
            let statements = std::mem::take(&mut buffer);
            let _ = editor.add_history_entry(statements.trim());
            if let Err(e) = session.run_statements(&statements) {
                eprintln!("error: {e}");
            }
        }
    }
    if let Some(h) = &history {
        if let Some(dir) = h.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = editor.save_history(h);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Completion;

    #[test]
    fn tab_completes_dot_commands_tables_and_columns() {
        let c = Completion {
            words: vec!["marts".into(), "marts.training_run_cost".into(), "gpus".into(), "select".into()],
        };
        assert_eq!(c.candidates(".sch", 4), (0, vec![".schema".to_string()]));
        assert_eq!(c.candidates("select * from marts.tr", 22), (14, vec!["marts.training_run_cost".to_string()]));
        assert_eq!(c.candidates("SEL", 3), (0, vec!["select".to_string()]));
        assert_eq!(c.candidates("select gp", 9).1, vec!["gpus".to_string()]);
        assert!(c.candidates("select ", 7).1.is_empty());
        // A multi-byte character before the word: no slicing inside it.
        let line = "select '，'，gp";
        assert_eq!(c.candidates(line, line.len()), (line.len() - 2, vec!["gpus".to_string()]));
    }
}
