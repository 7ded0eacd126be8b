//! The command line. Doc comments are the help text.

use crate::render::Format;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

/// baimo turns transcriptions of the 2024 百模大战 report into a tested DuckDB warehouse.
///
/// Raw tables under raw/ are checked against the contracts in pipelines/sources, loaded into
/// staging.*, transformed by the SQL models in pipelines/models into marts.*, tested, and only
/// then published as warehouse/baimo.duckdb.
#[derive(Debug, Parser)]
#[command(name = "baimo", version, propagate_version = true)]
pub struct Cli {
    /// The project root (the folder holding pipelines/ and raw/).
    #[arg(short = 'C', long, global = true, default_value = ".", env = "BAIMO_PROJECT")]
    pub project: PathBuf,

    /// More logging (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Only errors on stderr.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Log lines as text or as JSON objects (for schedulers and log collectors).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

/// The shortest `schedule --every`: a refresh that finds nothing to do still reads every input,
/// so anything shorter only spins.
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);

/// `--every`: a duration of at least [`MIN_INTERVAL`].
fn interval(text: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(text).map_err(|e| e.to_string())?;
    if d < MIN_INTERVAL {
        return Err(format!(
            "`{text}` is shorter than the minimum interval of {}",
            humantime::format_duration(MIN_INTERVAL)
        ));
    }
    Ok(d)
}

/// `--timeout` and `.timeout`: a positive duration.
pub fn statement_timeout(text: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(text).map_err(|e| e.to_string())?;
    if d.is_zero() {
        return Err("a timeout must be longer than 0s".into());
    }
    Ok(d)
}

/// `claims --status`: one word per verdict, so shell completion offers each whole; the
/// warehouse's own spellings (with spaces) are aliases. [`verdict`] maps a value back.
fn verdicts() -> clap::builder::PossibleValuesParser {
    use clap::builder::PossibleValue;
    clap::builder::PossibleValuesParser::new([
        PossibleValue::new("agrees"),
        PossibleValue::new("bound").alias("agrees only as a bound").alias("agrees-only-as-a-bound"),
        PossibleValue::new("disagrees"),
        PossibleValue::new("not-checkable").alias("not checkable"),
    ])
}

/// The verdict in `meta.claims.status` that a `--status` value names.
pub fn verdict(status: &str) -> &str {
    match status {
        "bound" => "agrees only as a bound",
        "not-checkable" => "not checkable",
        other => other,
    }
}

/// `baimo --version`: baimo's version and the DuckDB it bundles (which decides what the
/// warehouse file can hold; `pipelines/warehouse.toml` decides which DuckDB versions open it).
pub fn version() -> String {
    // SAFETY: DuckDB returns a pointer to a static, NUL-terminated version string.
    let duckdb = unsafe { std::ffi::CStr::from_ptr(duckdb::ffi::duckdb_library_version()) };
    format!("{} (DuckDB {})", env!("CARGO_PKG_VERSION"), duckdb.to_string_lossy())
}

/// The command with `tables` offered as the values of `trace`'s table and `export`'s tables,
/// for the completion scripts (`baimo completions`; the names are those of the project the
/// script was made in).
pub fn with_table_names(command: clap::Command, tables: &[String]) -> clap::Command {
    if tables.is_empty() {
        return command;
    }
    // clap keeps the names for the life of the process (a completion script is made and the
    // process exits).
    let names: Vec<&'static str> = tables.iter().map(|t| &*Box::leak(t.clone().into_boxed_str())).collect();
    let values = clap::builder::PossibleValuesParser::new(names);
    command
        .mut_subcommand("trace", |c| c.mut_arg("table", |a| a.value_parser(values.clone())))
        .mut_subcommand("export", |c| c.mut_arg("tables", |a| a.value_parser(values.clone())))
}

/// Parses the command line, with [`version`] as the version text.
pub fn parse() -> Cli {
    use clap::{CommandFactory, FromArgMatches};
    // clap takes the text for the life of the process.
    let text: &'static str = Box::leak(version().into_boxed_str());
    let matches = Cli::command().version(text).get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the warehouse and publish it only if every blocking test passes.
    ///
    /// Example:
    ///   baimo build
    ///   baimo -C path/to/project build -v
    ///
    /// A failed build leaves warehouse/baimo.duckdb exactly as it was, prints every reason and
    /// exits 1. Every run is appended to warehouse/runs.jsonl.
    ///
    /// With --select, only the named sources and models (and everything downstream of them) are
    /// rebuilt; the rest is copied from the published warehouse, and the whole is tested and
    /// published as usual:
    ///   baimo build --select training_runs,marts.market_growth
    #[command(verbatim_doc_comment)]
    Build {
        /// Sources or models to rebuild (comma-separated or repeated).
        #[arg(long, value_delimiter = ',')]
        select: Option<Vec<String>>,
        /// Wait up to this long for a running build (e.g. 30s, 5m) instead of failing at once.
        #[arg(long, value_parser = humantime::parse_duration)]
        wait: Option<Duration>,
        /// Print the wall time of each stage (also kept in meta.runs and runs.jsonl).
        #[arg(long)]
        timings: bool,
    },

    /// Rebuild only if an input changed (raw files, pipelines, baimo's version).
    ///
    /// Example:
    ///   baimo refresh            # "up to date" in milliseconds when nothing changed
    ///   baimo refresh --full     # rebuild everything
    #[command(verbatim_doc_comment)]
    Refresh {
        /// Rebuild every source and model.
        #[arg(long)]
        full: bool,
        /// Wait up to this long for a running build instead of failing at once.
        #[arg(long, value_parser = humantime::parse_duration)]
        wait: Option<Duration>,
    },

    /// Refresh on an interval, in the foreground, until SIGINT or SIGTERM.
    ///
    /// Example:
    ///   baimo schedule --every 10m --log-format json
    #[command(verbatim_doc_comment)]
    Schedule {
        /// Time between refreshes (e.g. 30s, 10m, 1h; at least 1s).
        #[arg(long, value_parser = interval)]
        every: Duration,
        /// How long a refresh waits for a build started elsewhere.
        #[arg(long, value_parser = humantime::parse_duration)]
        wait: Option<Duration>,
    },

    /// List recent runs from warehouse/runs.jsonl, failed ones included.
    ///
    /// Example:
    ///   baimo runs
    ///   baimo runs --limit 100 --format json
    #[command(verbatim_doc_comment)]
    Runs {
        /// How many of the most recent runs.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },

    /// Run every stage of a build in memory and print every problem; publish nothing.
    ///
    /// Example:
    ///   baimo check
    #[command(verbatim_doc_comment)]
    Check,

    /// Query the published warehouse, read-only; without a query, an interactive shell.
    ///
    /// Examples:
    ///   baimo sql                 # shell: .tables, .schema marts.market_growth, .mode csv, .help
    ///   baimo sql "select * from marts.training_run_cost order by gpu_hours_high desc"
    ///   baimo sql --format csv "select * from meta.rejects" > rejects.csv
    ///   baimo sql -f query.sql --format json
    #[command(verbatim_doc_comment)]
    Sql {
        /// The SQL to run (or use --file).
        query: Option<String>,
        /// Read the SQL from a file.
        #[arg(short, long, conflicts_with = "query")]
        file: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Stop a statement that runs longer than this (e.g. 10s, 2m); the shell's `.timeout`.
        #[arg(long, value_parser = statement_timeout)]
        timeout: Option<Duration>,
    },

    /// Show what a build would change against the published warehouse, or what changed between
    /// two warehouse files: each changed value with its cell and its text before and after, rows
    /// added and removed per source and model, and schema changes.
    ///
    /// Examples:
    ///   baimo diff                                   # what `baimo build` would change now
    ///   baimo diff --format json
    ///   baimo diff old.duckdb warehouse/baimo.duckdb # between two files
    #[command(verbatim_doc_comment)]
    Diff {
        /// OLD and NEW warehouse files (default: the published warehouse and what a build would make).
        files: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },

    /// List the report's claims, recomputed from its other figures (meta.claims): those that
    /// disagree first, then those that agree only as a bound.
    ///
    /// Example:
    ///   baimo claims
    ///   baimo claims --status disagrees --format json
    #[command(verbatim_doc_comment)]
    Claims {
        /// Only claims with this verdict (bound: agrees only as a bound). The verdicts as the
        /// warehouse spells them ("not checkable") are accepted too.
        #[arg(long, value_parser = verdicts())]
        status: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },

    /// List the cells quarantined by the last build (meta.rejects), grouped by rule: each rule
    /// with its count and its first few cells; --all lists every cell.
    ///
    /// Example:
    ///   baimo rejects
    ///   baimo rejects --all --format csv > rejects.csv
    #[command(verbatim_doc_comment)]
    Rejects {
        /// Every rejected cell, not only the first few of each rule.
        #[arg(long)]
        all: bool,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },

    /// Export tables (all marts by default) or a query to Parquet, CSV or one xlsx workbook,
    /// with manifest.json and a Frictionless datapackage.json (types, descriptions, keys, units).
    ///
    /// Examples:
    ///   baimo export --out exports/
    ///   baimo export marts.training_run_cost meta.claims --format csv --out exports/
    ///   baimo export --format xlsx --out exports/      # exports/warehouse.xlsx
    ///   baimo export --query "select * from marts.market_growth" --name growth --out exports/
    ///
    /// Read the files back with pandas.read_parquet("exports/marts/training_run_cost.parquet"),
    /// polars.read_parquet(...), spark.read.parquet(...) or DuckDB's read_parquet(...); check
    /// them with `frictionless validate exports/datapackage.json`.
    #[command(verbatim_doc_comment)]
    Export {
        /// Tables as schema.table (default: every table in marts).
        tables: Vec<String>,
        /// Export the result of this query instead.
        #[arg(long, conflicts_with = "tables")]
        query: Option<String>,
        /// File name for --query.
        #[arg(long, default_value = "query")]
        name: String,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
        #[arg(long, value_enum, default_value_t = ExportFormat::Parquet)]
        format: ExportFormat,
        /// CSV: begin each file with a UTF-8 byte-order mark (Excel then reads Chinese text
        /// correctly).
        #[arg(long)]
        bom: bool,
    },

    /// Show where a row's numbers come from: the model, the tables down to the sources, the
    /// source cells (file, sheet, cell, raw text, report section) and the claims naming it.
    ///
    /// Examples:
    ///   baimo trace marts.training_run_cost --where "model = 'LLaMA-65B'"
    ///   baimo trace marts.market_growth --format json
    #[command(verbatim_doc_comment)]
    Trace {
        /// The table, as schema.table.
        table: String,
        /// A SQL condition selecting the rows to trace.
        #[arg(long = "where")]
        condition: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },

    /// Browse the published warehouse in a web browser: the report at a glance, tables with
    /// filters and facets, every number linked to the cell and words it came from, claims,
    /// SQL, search, docs and runs. Read-only; a newly published build is served without a
    /// restart. Each page has a .json twin.
    ///
    /// Examples:
    ///   baimo serve                       # http://127.0.0.1:8080/
    ///   baimo serve --port 0              # any free port (printed on stderr)
    ///   BAIMO_TOKEN=s3cret baimo serve --host 0.0.0.0
    #[command(verbatim_doc_comment)]
    Serve {
        /// The port to listen on (0: any free port).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// The address to listen on; only this machine unless you say otherwise.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// Require this token on every request (Authorization: Bearer, or ?_token= once).
        #[arg(long, env = "BAIMO_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// Stop a query of the SQL page that runs longer (e.g. 10s, 2m).
        #[arg(long, default_value = "10s", value_parser = statement_timeout)]
        sql_timeout: Duration,
        /// The most rows the SQL page shows.
        #[arg(long, default_value_t = 1000)]
        max_rows: usize,
    },

    /// Write the data dictionary (Markdown and HTML) to warehouse/docs/.
    ///
    /// Example:
    ///   baimo docs && open warehouse/docs/index.html
    #[command(verbatim_doc_comment)]
    Docs {
        /// Output folder (default warehouse/docs).
        #[arg(long)]
        out: Option<PathBuf>,
    },

    /// Write an HTML report with charts of the key marts to warehouse/report/index.html.
    ///
    /// Example:
    ///   baimo report && chromium warehouse/report/index.html
    #[command(verbatim_doc_comment)]
    Report,

    /// Write a synthetic project (a large messy CSV source, a smaller xlsx source, contracts and
    /// models) for scale tests and benchmarks. Deterministic for a given --seed.
    ///
    /// Example:
    ///   baimo gen --rows 1000000 --out /tmp/big && baimo -C /tmp/big build --timings
    #[command(verbatim_doc_comment)]
    Gen {
        /// Rows of the CSV source.
        #[arg(long)]
        rows: u64,
        /// Folder to write the project to.
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Fraction of CSV rows with a malformed value (quarantined).
        #[arg(long, default_value_t = 0.01)]
        bad_fraction: f64,
    },

    /// Print a shell completion script.
    ///
    /// Example:
    ///   baimo completions bash > /etc/bash_completion.d/baimo
    ///   baimo completions zsh > "${fpath[1]}/_baimo"
    #[command(verbatim_doc_comment)]
    Completions { shell: clap_complete::Shell },

    /// List the warehouse's tables with row counts and descriptions.
    ///
    /// Example:
    ///   baimo ls
    ///   baimo ls --format json
    #[command(verbatim_doc_comment)]
    Ls {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

/// What `baimo export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// Parquet, zstd-compressed, with the warehouse's column types.
    Parquet,
    /// CSV with a header row, UTF-8.
    Csv,
    /// One xlsx workbook: a sheet per table, a `columns` sheet of descriptions.
    Xlsx,
}
