//! What a build depends on, hashed: every source (its contract and its raw file), every model
//! (its SQL and sidecar), the audits, and baimo's own version. `refresh` compares it with the
//! fingerprint of the published build to decide whether anything needs doing, and which
//! sources and models changed.

use crate::error::{Error, Result};
use crate::project::Project;
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

/// sha256 over each file's length and bytes, in order; a missing file counts as `<missing>`.
/// Files are streamed through the hash, so a refresh of a big source holds a buffer, not the file.
fn hash_files(paths: &[&Path]) -> Result<String> {
    let mut h = Sha256::new();
    for p in paths {
        // Never block on a FIFO or read a device: only regular files are hashed.
        let mut file = match crate::extract::open_regular(p) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                h.update(b"<missing>");
                continue;
            }
            Err(e) => return Err(Error::Io { path: p.to_path_buf(), source: e }),
        };
        // The length first, as the file says it; a file that changes while it is hashed gets a
        // fingerprint of neither version, so the next refresh builds again.
        let hashed = file.metadata().and_then(|m| {
            h.update(m.len().to_le_bytes());
            std::io::copy(&mut file, &mut h)
        });
        hashed.map_err(|e| Error::Io { path: p.to_path_buf(), source: e })?;
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
    parts.insert("corrections".to_string(), hash_files(&[&root.join(crate::spec::corrections::CORRECTIONS_FILE)])?);
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

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    /// Streamed, a file hashes as its length then its bytes did when it was read whole (so a
    /// warehouse published before keeps its fingerprint); a missing file counts as `<missing>`.
    #[test]
    fn files_hash_as_their_length_then_their_bytes() {
        let dir = tempfile::tempdir().expect("tmp");
        let big: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let (a, b, gone) = (dir.path().join("a.csv"), dir.path().join("b.csv"), dir.path().join("gone.csv"));
        std::fs::write(&a, &big).expect("write");
        std::fs::write(&b, "id,value\n1,近万张\n").expect("write");
        let mut expected = Sha256::new();
        for bytes in [&big[..], "id,value\n1,近万张\n".as_bytes()] {
            expected.update((bytes.len() as u64).to_le_bytes());
            expected.update(bytes);
        }
        expected.update(b"<missing>");
        let got = super::hash_files(&[&a, &b, &gone]).expect("hash");
        assert_eq!(got, format!("{:x}", expected.finalize()));
    }
}
