//! Declarations under `pipelines/`: source contracts and model sidecars, read with serde
//! (`deny_unknown_fields`, so a misspelt key is an error) and then checked as a whole.

mod contract;
pub mod corrections;
mod settings;
mod sidecar;
pub mod staged;

pub use contract::{load_contracts, Column, ColumnType, Contract, Encoding, MaxRejected, OnError};
pub use settings::{Settings, DEFAULT_STORAGE_VERSION, SETTINGS_FILE};
pub use sidecar::{ColumnTest, Direction, Materialized, ModelColumn, Severity, Sidecar};

use crate::error::{Error, Location, Result};
use std::path::{Component, Path, PathBuf};

/// A SQL identifier taken from a declaration: lowercase snake_case, so that it never needs
/// quoting to be read and can always be quoted safely.
pub fn check_identifier(name: &str, what: &str, location: &Location) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(Error::spec(
            location.clone(),
            format!("{what} `{name}` must be lowercase snake_case (a-z, 0-9, _; at most 63 characters)"),
        ))
    }
}

/// Quotes an identifier for SQL. Names are checked by [`check_identifier`] first; quoting is the
/// second line of defence.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A SQL string literal (`'it''s'`).
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Resolves a path written in a declaration against the project root, refusing anything that
/// leaves the project: absolute paths, `..`, and symlinks that point outside.
pub fn resolve_in_project(root: &Path, written: &str, location: &Location) -> Result<PathBuf> {
    let rel = Path::new(written);
    let escapes = rel.is_absolute()
        || rel.components().any(|c| matches!(c, Component::ParentDir | Component::RootDir | Component::Prefix(_)));
    if escapes || written.is_empty() {
        return Err(Error::spec(
            location.clone(),
            format!("file `{written}` must be a relative path inside the project (no `..`, not absolute)"),
        ));
    }
    let path = root.join(rel);
    // A symlink may still lead outside: compare canonical paths when the file exists.
    if let (Ok(real), Ok(real_root)) = (path.canonicalize(), root.canonicalize()) {
        if !real.starts_with(&real_root) {
            return Err(Error::spec(
                location.clone(),
                format!("file `{written}` resolves to {} which is outside the project", real.display()),
            ));
        }
    }
    Ok(path)
}

/// Reads a TOML declaration; a syntax error or unknown key names the file and line.
pub fn read_toml<T: serde::de::DeserializeOwned>(path: &Path, display: &str) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(Error::io(path))?;
    toml::from_str(&text).map_err(|e| {
        let line = e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        Error::spec(Location { line, ..Location::file(display) }, e.message().trim().to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        let loc = Location::file("x.toml");
        assert!(check_identifier("training_runs", "table", &loc).is_ok());
        for bad in ["", "Model", "a-b", "1abc", "x;drop table y", "a\"b", &"a".repeat(64)] {
            assert!(check_identifier(bad, "table", &loc).is_err(), "{bad}");
        }
        assert_eq!(quote("a\"b"), "\"a\"\"b\"");
    }

    #[test]
    fn paths_stay_inside_the_project() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let loc = Location::file("x.toml");
        assert!(resolve_in_project(dir.path(), "raw/a.csv", &loc).is_ok());
        for bad in ["../a.csv", "/etc/passwd", "raw/../../a.csv", ""] {
            assert!(resolve_in_project(dir.path(), bad, &loc).is_err(), "{bad}");
        }
        #[cfg(unix)]
        {
            let outside = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(outside.path().join("secret.csv"), "a\n1\n").unwrap_or_else(|e| panic!("{e}"));
            std::os::unix::fs::symlink(outside.path().join("secret.csv"), dir.path().join("link.csv"))
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(resolve_in_project(dir.path(), "link.csv", &loc).is_err());
        }
    }
}
