//! What a build depends on, hashed: every source (its contract and its raw file), every model
//! (its SQL and sidecar), the audits, and baimo's own version. `refresh` compares it with the
//! fingerprint of the published build to decide whether anything needs doing, and which
//! sources and models changed.

use crate::project::Project;
use crate::error::{Error, Result};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Fingerprint {
    /// sha256 over all parts.
    pub total: String,
    /// `source:<name>`, `model:<schema.name>`, `audits`, `baimo` → sha256.
    pub parts: BTreeMap<String, String>,
}

fn hash_files(paths: &[&Path]) -> Result<String> {
    let mut h = Sha256::new();
    for p in paths {
        // Never block on a FIFO or read a device: only regular files are hashed.
        let read = crate::extract::open_regular(p).and_then(|mut file| {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut file, &mut bytes).map(|_| bytes)
        });
        match read {
            Ok(bytes) => {
                h.update((bytes.len() as u64).to_le_bytes());
                h.update(&bytes);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => h.update(b"<missing>"),
            Err(e) => return Err(Error::Io { path: p.to_path_buf(), source: e }),
        }
    }
    Ok(format!("{:x}", h.finalize()))
}

pub fn compute(root: &Path, project: &Project) -> Result<Fingerprint> {
    let mut parts = BTreeMap::new();
    parts.insert("baimo".to_string(), env!("CARGO_PKG_VERSION").to_string());
    for c in &project.contracts {
        let contract = root.join(&c.path);
        parts.insert(format!("source:{}", c.name), hash_files(&[&contract, &c.file_path])?);
    }
    for m in &project.models {
        let sql = root.join(&m.path);
        let sidecar = sql.with_extension("toml");
        parts.insert(format!("model:{}", m.qualified()), hash_files(&[&sql, &sidecar])?);
    }
    let audits: Vec<&Path> = project.audits.iter().map(|a| Path::new(&a.declared_in)).collect();
    let audit_paths: Vec<std::path::PathBuf> = audits.iter().map(|p| root.join(p)).collect();
    let refs: Vec<&Path> = audit_paths.iter().map(|p| p.as_path()).collect();
    parts.insert("audits".to_string(), hash_files(&refs)?);
    parts.insert("settings".to_string(), hash_files(&[&root.join(crate::spec::SETTINGS_FILE)])?);
    parts.insert(
        "corrections".to_string(),
        hash_files(&[&root.join(crate::spec::corrections::CORRECTIONS_FILE)])?,
    );
    let mut h = Sha256::new();
    for (k, v) in &parts {
        h.update(k.as_bytes());
        h.update([0]);
        h.update(v.as_bytes());
        h.update([0]);
    }
    Ok(Fingerprint { total: format!("{:x}", h.finalize()), parts })
}

impl Fingerprint {
    /// The parts that differ from `before` (added, removed or changed), by name.
    pub fn changed_since(&self, before: &Fingerprint) -> Vec<String> {
        let mut out: Vec<String> =
            self.parts.iter().filter(|(k, v)| before.parts.get(*k) != Some(v)).map(|(k, _)| k.clone()).collect();
        out.extend(before.parts.keys().filter(|k| !self.parts.contains_key(*k)).cloned());
        out
    }
}
