//! Project settings: `pipelines/warehouse.toml`, optional. Every key has a default, so a project
//! without the file builds the same warehouse as one with the defaults written out.
//!
//! ```toml
//! # The DuckDB storage format the published file is written in: the oldest DuckDB that opens
//! # it. v1.5.0 is read by DuckDB 1.5 and every later version (2.0 included).
//! storage_version = "v1.5.0"
//! ```

use super::read_toml;
use crate::error::{Error, Location, Result};
use std::path::Path;

/// Where the settings live, relative to the project root.
pub const SETTINGS_FILE: &str = "pipelines/warehouse.toml";

/// The default storage format: DuckDB 1.5 and 2.0 clients both open it.
pub const DEFAULT_STORAGE_VERSION: &str = "v1.5.0";

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// DuckDB's `STORAGE_VERSION` for the published file (`v1.5.0`: DuckDB 1.5 and later read it).
    pub storage_version: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { storage_version: DEFAULT_STORAGE_VERSION.into() }
    }
}

impl Settings {
    /// Reads `pipelines/warehouse.toml`, or the defaults when there is none.
    pub fn load(root: &Path) -> Result<Settings> {
        let path = root.join(SETTINGS_FILE);
        if !path.exists() {
            return Ok(Settings::default());
        }
        let settings: Settings = read_toml(&path, SETTINGS_FILE)?;
        let v = settings.storage_version.strip_prefix('v').unwrap_or("");
        let parts: Vec<&str> = v.split('.').collect();
        if parts.len() != 3 || parts.iter().any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
            return Err(Error::spec(
                Location::file(SETTINGS_FILE),
                format!(
                    "storage_version `{}` must be a DuckDB version such as `{DEFAULT_STORAGE_VERSION}`",
                    settings.storage_version
                ),
            ));
        }
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_without_a_file_and_checked_with_one() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(Settings::load(dir.path()).ok(), Some(Settings::default()));
        std::fs::create_dir_all(dir.path().join("pipelines")).unwrap_or_else(|e| panic!("{e}"));
        let file = dir.path().join(SETTINGS_FILE);
        std::fs::write(&file, "storage_version = \"v2.0.0\"\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(Settings::load(dir.path()).ok().map(|s| s.storage_version), Some("v2.0.0".into()));
        for bad in ["storage_version = \"latest\"\n", "storage_version = \"v1.5\"\n", "storage = \"v1.5.0\"\n"] {
            std::fs::write(&file, bad).unwrap_or_else(|e| panic!("{e}"));
            assert!(Settings::load(dir.path()).is_err(), "{bad}");
        }
    }
}
