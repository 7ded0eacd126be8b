// Shared by the extractor targets (each `include!`s it, so the modules sit at the crate root
// where their `crate::…` paths expect them): baimo's parsing modules, included by path, and a
// scratch project a target writes its input into.

#[path = "../../src/error.rs"]
#[allow(dead_code)]
pub mod error;
#[path = "../../src/extract/mod.rs"]
#[allow(dead_code)]
pub mod extract;
#[path = "../../src/spec/mod.rs"]
#[allow(dead_code)]
pub mod spec;


/// A project folder with the given contract files, created once per process.
pub fn project(contracts: &[(&str, &str)]) -> &'static std::path::PathBuf {
    static DIR: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("baimo-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("raw")).expect("scratch dir");
        std::fs::create_dir_all(dir.join("pipelines/sources")).expect("scratch dir");
        for (name, text) in contracts {
            std::fs::write(dir.join("pipelines/sources").join(name), text).expect("contract");
        }
        dir
    })
}

/// Writes the input as the raw file and extracts it under the named contract. Any result is
/// fine; a panic is the bug the fuzzer looks for.
pub fn run(dir: &std::path::Path, raw: &str, contract: &str, data: &[u8]) {
    std::fs::write(dir.join(raw), data).expect("write input");
    let path = dir.join("pipelines/sources").join(contract);
    if let Ok(c) = spec::Contract::load(dir, &path) {
        let _ = extract::extract(&c);
    }
}
