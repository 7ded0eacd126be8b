//! The one error type. Every variant carries what a person needs to fix the problem: the file,
//! and where it applies the sheet, cell or line, the rule and the text that was found.

use std::fmt;
use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A library's error, boxed, so this module names no library type and the parsing modules
/// (error, spec, extract, quantity) build without DuckDB or polars: the fuzz targets use them.
pub type BoxedError = Box<dyn std::error::Error + Send + Sync>;

/// Text quoted in a message, cut to `max` characters so a runaway cell cannot flood a terminal.
/// Control characters (NUL, ESC, a BOM, line breaks) are shown escaped (`\u{0}`, `\n`), so a
/// message never writes raw control bytes to a terminal.
pub fn clip(text: &str, max: usize) -> String {
    let mut chars = text.chars();
    let head: String = chars
        .by_ref()
        .take(max)
        .flat_map(|c| {
            let escape = c.is_control() || c == '\u{feff}';
            let shown: Vec<char> = if escape { c.escape_default().collect() } else { vec![c] };
            shown
        })
        .collect();
    match chars.count() {
        0 => head,
        rest => format!("{head}… ({rest} more characters)"),
    }
}

/// `n` and the noun, plural unless `n` is one: "1 source", "3 sources".
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Where in an input a problem sits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// Path relative to the project (`raw/tables.xlsx`).
    pub file: String,
    pub sheet: Option<String>,
    /// A1-style cell (`C5`), for CSV too: it is what a spreadsheet shows.
    pub cell: Option<String>,
    /// A line in a text file (SQL, TOML).
    pub line: Option<usize>,
}

impl Location {
    pub fn file(file: impl Into<String>) -> Self {
        Location { file: file.into(), ..Default::default() }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(sheet) = &self.sheet {
            write!(f, ", sheet `{sheet}`")?;
        }
        if let Some(cell) = &self.cell {
            write!(f, ", cell {cell}")?;
        }
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A declaration under pipelines/ is wrong: fix the contract or model.
    #[error("{location}: {message}")]
    Spec { location: Location, message: String },

    /// An input file breaks a rule of its contract.
    #[error("{location}: {message} [rule: {rule}]{}", found.as_ref().map(|t| format!(" (found `{}`)", clip(t, 200))).unwrap_or_default())]
    Input { location: Location, rule: String, message: String, found: Option<String> },

    /// Validation found rejected cells in a contract with `on_error = "fail"` or over its limit.
    #[error("{} in {source_name}:\n{details}", self::count(*.count, "rejected cell"))]
    Rejected { source_name: String, count: usize, details: String },

    /// Blocking tests or audits failed; nothing was published.
    #[error("{} failed, nothing was published:\n{details}", self::count(*.count, "blocking test"))]
    TestsFailed { count: usize, details: String },

    /// A SQL model or audit failed to run.
    #[error("{location}: {message}")]
    Sql { location: Location, message: String },

    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },

    #[error("DuckDB: {context}: {source}")]
    Duckdb { context: String, source: BoxedError },

    #[error("polars: {context}: {source}")]
    Polars { context: String, source: BoxedError },

    /// Several problems found in one run (every source is checked before giving up).
    #[error("{}:\n{}", count(.0.len(), "problem"), .0.iter().map(|e| format!("- {e}")).collect::<Vec<_>>().join("\n"))]
    Many(Vec<Error>),

    /// Another build holds the lock.
    #[error("{0}")]
    Busy(String),

    /// Nothing published yet, the wrong directory, a refused command.
    #[error("{0}")]
    Usage(String),

    /// A fault inside baimo or a library it uses (not caused by an input).
    #[error("{0}")]
    Internal(String),
}

/// Whether DuckDB refused a statement before running it: it does not parse, or names a table,
/// column or function that does not exist. Such a statement is to be fixed, whatever the data.
pub fn is_bind_error(message: &str) -> bool {
    ["Parser Error", "Binder Error", "Catalog Error", "syntax error"].iter().any(|k| message.contains(k))
}

impl Error {
    /// 2 for a usage or spec error (fix the declaration or the command: a contract, a model that
    /// does not parse or names an unknown table or column, a query with a typo), 1 for a failed
    /// run (bad input, a failed test, a model that fails on the data), 3 for the lock.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Spec { .. } | Error::Usage(_) => 2,
            Error::Sql { message, .. } if is_bind_error(message) => 2,
            Error::Busy(_) => 3,
            Error::Many(errors) => errors.iter().map(Error::exit_code).max().unwrap_or(1),
            _ => 1,
        }
    }

    pub fn spec(location: Location, message: impl Into<String>) -> Self {
        Error::Spec { location, message: message.into() }
    }

    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { path, source }
    }

    /// For `map_err` on a DuckDB call: `conn.execute(…).map_err(Error::duckdb("what was done"))`.
    pub fn duckdb<E: std::error::Error + Send + Sync + 'static>(context: impl Into<String>) -> impl FnOnce(E) -> Error {
        let context = context.into();
        move |source| Error::Duckdb { context, source: Box::new(source) }
    }

    /// For `map_err` on a polars call.
    pub fn polars<E: std::error::Error + Send + Sync + 'static>(context: impl Into<String>) -> impl FnOnce(E) -> Error {
        let context = context.into();
        move |source| Error::Polars { context, source: Box::new(source) }
    }
}

#[cfg(test)]
mod count_tests {
    use super::count;

    #[test]
    fn counts_read_right() {
        assert_eq!(count(1, "source"), "1 source");
        assert_eq!(count(0, "source"), "0 sources");
        assert_eq!(count(55, "source"), "55 sources");
    }
}
