//! `baimo sql` without a query: an interactive shell on the published warehouse, read-only.
//!
//! Line editing and history (rustyline; history in `~/.cache/baimo/history`), statements that
//! span lines until a `;`, and dot-commands: `.tables`, `.schema <table>`, `.mode
//! table|csv|json|markdown`, `.yi on|off` (CNY columns shown in 亿), `.help`, `.quit`. An error
//! is printed and the shell goes on. On a pipe it reads statements from stdin the same way.

use super::sql::open_read_only;
use crate::error::{Error, Result};
use crate::render::{self, Format, TextTable};
use rustyline::error::ReadlineError;
use std::io::Write;
use std::path::Path;

const HELP: &str = "\
Statements end with `;` and may span lines. The warehouse is read-only.
  .tables              list tables with row counts and descriptions
  .schema <table>      columns of a table (schema.table) with types and descriptions
  .mode <m>            output: table, csv, json or markdown
  .yi on|off           show columns whose name holds `cny` in 亿 (100 million)
  .help                this text
  .quit                leave (also Ctrl-D)";

struct Session {
    conn: duckdb::Connection,
    mode: Format,
    yi: bool,
}

pub fn run(root: &Path) -> Result<()> {
    let conn = open_read_only(root)?;
    let mut session = Session { conn, mode: Format::Table, yi: false };
    let mut editor =
        rustyline::DefaultEditor::new().map_err(|e| Error::Internal(format!("starting the shell: {e}")))?;
    let history = std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache").join("baimo").join("history"));
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    eprintln!("baimo sql: the published warehouse, read-only. `.help` for commands, `.quit` to leave.");
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
            if !session.dot(trimmed) {
                break;
            }
            continue;
        }
        if trimmed.is_empty() && buffer.is_empty() {
            continue;
        }
        buffer.push_str(&line);
        buffer.push('\n');
        if trimmed.ends_with(';') {
            let statement = std::mem::take(&mut buffer);
            let _ = editor.add_history_entry(statement.trim());
            session.execute(statement.trim());
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

impl Session {
    fn print(&self, mut table: TextTable) {
        if self.yi {
            for (i, h) in table.headers.iter_mut().enumerate() {
                if h.contains("cny") && table.numeric[i] {
                    *h = format!("{h} (亿)");
                    for row in table.rows.iter_mut() {
                        if let Some(v) = row[i].as_ref().and_then(|v| v.parse::<f64>().ok()) {
                            row[i] = Some(format!("{:.4}", v / 1e8));
                        }
                    }
                }
            }
        }
        let mut out = std::io::stdout().lock();
        let _ = table.write(self.mode, &mut out);
        let _ = out.flush();
    }

    fn execute(&self, sql: &str) {
        match render::query(&self.conn, sql) {
            Ok(t) => self.print(t),
            Err(e) => eprintln!("error: {e}"),
        }
    }

    /// Runs a dot-command; false to leave the shell.
    fn dot(&mut self, command: &str) -> bool {
        let mut words = command.split_whitespace();
        let name = words.next().unwrap_or_default();
        let arg = words.next();
        match (name, arg) {
            (".quit" | ".exit", _) => return false,
            (".help", _) => eprintln!("{HELP}"),
            (".tables", _) => self.execute(
                "select schema_name || '.' || table_name as \"table\", estimated_size as rows, comment as description \
                 from duckdb_tables() where schema_name in ('staging', 'marts', 'meta') order by 1",
            ),
            (".schema", Some(table)) => match table.split_once('.') {
                Some((s, t)) => self.execute(&format!(
                    "select column_name, data_type, comment as description from duckdb_columns() \
                     where schema_name = '{}' and table_name = '{}' order by column_index",
                    s.replace('\'', "''"),
                    t.replace('\'', "''")
                )),
                None => eprintln!("error: name the table as schema.table"),
            },
            (".mode", Some(m)) => match m {
                "table" => self.mode = Format::Table,
                "csv" => self.mode = Format::Csv,
                "json" => self.mode = Format::Json,
                "markdown" => self.mode = Format::Markdown,
                other => eprintln!("error: unknown mode `{other}` (table, csv, json, markdown)"),
            },
            (".yi", Some(v)) => self.yi = v == "on",
            _ => eprintln!("error: unknown command `{command}`; `.help` lists them"),
        }
        true
    }
}
