//! Parse arguments, start tracing, run the verb, map errors to exit codes: nothing else.

use baimo::cli::{Cli, Command, LogFormat};
use baimo::cmd;
use baimo::cmd::build::Options;
use std::io::IsTerminal;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = baimo::cli::parse();
    init_tracing(&cli);
    let root = cli.project.clone();
    // -q: only errors on stderr, so no run summary either.
    let quiet = cli.quiet;
    let result = match cli.command {
        Command::Build { select, wait, timings } => {
            let options = Options { select, wait, ..Options::new("build", true) };
            cmd::build::run(&root, &options).map(|s| {
                if timings {
                    cmd::build::print_timings(&s);
                }
                if !quiet {
                    cmd::build::report(&s, true)
                }
            })
        }
        Command::Check => cmd::build::run(&root, &Options::new("check", false)).map(|s| {
            if !quiet {
                cmd::build::report(&s, false)
            }
        }),
        Command::Refresh { full, wait } => cmd::refresh::run(&root, full, wait, "refresh").map(|o| {
            if !quiet {
                cmd::refresh::report(&o)
            }
        }),
        Command::Schedule { every, wait } => cmd::schedule::run(&root, every, wait),
        Command::Runs { limit, format } => cmd::runs::run(&root, limit, format),
        Command::Sql { query, file, format, timeout } => cmd::sql::run(&root, query, file.as_deref(), format, timeout),
        Command::Diff { files, format } => cmd::diff::run(&root, &files, format),
        Command::Claims { status, format } => {
            cmd::sql::claims(&root, status.as_deref().map(baimo::cli::verdict), format)
        }
        Command::Rejects { all, format } => cmd::sql::rejects(&root, all, format),
        Command::Ls { format } => cmd::ls::run(&root, format),
        Command::Export { tables, query, name, out, format, bom } => {
            cmd::export::run(&root, &cmd::export::Request { tables, query, name, out, format, bom })
        }
        Command::Trace { table, condition, format } => cmd::trace::run(&root, &table, condition.as_deref(), format),
        Command::Serve { port, host, token, sql_timeout, max_rows } => {
            baimo::serve::run(&root, baimo::serve::Options { host, port, token, sql_timeout, max_rows })
        }
        Command::Docs { out } => cmd::docs::run(&root, out.as_deref()),
        Command::Report => cmd::report::run(&root),
        Command::Gen { rows, out, seed, bad_fraction } => cmd::gen::run(&out, rows, seed, bad_fraction),
        Command::Completions { shell } => {
            // Generated into memory, then written: clap_complete panics on a failing writer.
            let mut script = Vec::new();
            let command = baimo::cli::with_table_names(<Cli as clap::CommandFactory>::command(), &table_names(&root));
            clap_complete::generate(shell, &mut command.clone(), "baimo", &mut script);
            std::io::Write::write_all(&mut std::io::stdout().lock(), &script)
                .and_then(|_| std::io::Write::flush(&mut std::io::stdout()))
                .map_err(baimo::Error::io("stdout"))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // `baimo sql … | head`: the reader left; that is not an error.
        Err(e) if broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let message = e.to_string();
            baimo::say::error(format!("error: {message}"));
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                let cause = s.to_string();
                // DuckDB's C API attaches a bare code to every message ("Error code 1: Unknown
                // error code"): it tells a person nothing the message did not.
                if !message.contains(&cause) && !cause.ends_with("Unknown error code") {
                    baimo::say::error(format!("  caused by: {cause}"));
                }
                source = s.source();
            }
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

/// Whether an error is, at bottom, stdout's reader having gone (`| head`): the CSV and JSON
/// writers wrap the pipe's error in their own, so the whole chain is looked at.
fn broken_pipe(e: &baimo::Error) -> bool {
    fn pipe(io: &std::io::Error) -> bool {
        io.kind() == std::io::ErrorKind::BrokenPipe
            // csv's error turned into an io::Error (kind Other) holds the pipe's own inside.
            || io.get_ref().and_then(|inner| inner.downcast_ref::<csv::Error>()).is_some_and(|c| match c.kind() {
                csv::ErrorKind::Io(io) => pipe(io),
                _ => false,
            })
    }
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.downcast_ref::<std::io::Error>().is_some_and(pipe) {
            return true;
        }
        cause = c.source();
    }
    false
}

fn init_tracing(cli: &Cli) {
    // A server logs one line per request unless told to be quiet.
    let serving = matches!(cli.command, Command::Serve { .. });
    // A schedule logs one line per tick (up to date, published, or failed) unless told not to.
    let scheduling = matches!(cli.command, Command::Schedule { .. });
    let default = if cli.quiet {
        "error"
    } else {
        match cli.verbose {
            0 if serving => "warn,baimo::serve=info",
            0 if scheduling => "warn,baimo::cmd::schedule=info",
            0 => "warn",
            1 => "info",
            _ => "debug",
        }
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false);
    baimo::say::set_json(cli.log_format == LogFormat::Json);
    match cli.log_format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).without_time().init(),
    }
}

/// The tables a project has, for completing `trace` and `export` arguments: its sources and
/// models as the pipelines declare them, and the meta tables every warehouse has. Outside a
/// project (or in one that does not load) there are none, and completion offers no names.
fn table_names(root: &std::path::Path) -> Vec<String> {
    let Ok(project) = baimo::project::Project::load(root) else { return Vec::new() };
    let mut names: Vec<String> = project.contracts.iter().map(|c| format!("staging.{}", c.name)).collect();
    names.extend(project.models.iter().map(|m| m.qualified()));
    names.extend(baimo::build::meta::tables().iter().map(|t| format!("meta.{t}")));
    names.sort();
    names.dedup();
    names
}
