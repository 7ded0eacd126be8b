//! The published warehouse opens in the DuckDB versions analysts have: the DuckDB 1.5 and 2.0
//! Python clients, each in its own venv (`tools/duckdb-clients` makes them; `make test` runs it
//! first), read a mart, a column comment and a macro from the file a real build published.

use crate::common::Project;
use std::path::Path;
use std::process::Command;

fn clients() -> Vec<String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/duckdb-clients");
    let out = Command::new(&script).arg("--path").output().expect("run tools/duckdb-clients");
    assert!(out.status.success(), "tools/duckdb-clients failed:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(String::from).collect()
}

const PROBE: &str = r#"
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
rows = con.execute("select count(*) from marts.training_run_cost").fetchone()[0]
gpus = con.execute("select gpus from marts.training_run_cost where model = 'LLaMA-65B'").fetchone()[0]
macro = con.execute("select round(cagr(100, 200, 4), 6)").fetchone()[0]
comment = con.execute("select comment from duckdb_columns() where schema_name = 'staging' "
                  "and table_name = 'training_runs' and column_name = '_row'").fetchone()[0]
print(duckdb.__version__, rows, gpus, macro, comment, sep="|")
"#;

#[test]
fn duckdb_1_5_and_2_0_clients_open_the_published_file() {
    let p = Project::new("good");
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let pythons = clients();
    assert_eq!(pythons.len(), 2, "{pythons:?}");
    let mut majors = Vec::new();
    for python in &pythons {
        let out = Command::new(python).arg("-c").arg(PROBE).arg(p.warehouse()).output().expect("run python");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{python}:\n{}{}", stdout, String::from_utf8_lossy(&out.stderr));
        let fields: Vec<&str> = stdout.trim().split('|').collect();
        assert_eq!(fields.len(), 5, "{stdout}");
        assert!(fields[1].parse::<i64>().is_ok_and(|n| n > 0), "{stdout}");
        assert_eq!(fields[2], "2048", "{stdout}");
        assert_eq!(fields[3], "0.189207", "{stdout}");
        assert!(fields[4].contains("row"), "the column comment did not survive: {stdout}");
        majors.push(fields[0].split('.').take(2).collect::<Vec<_>>().join("."));
    }
    majors.sort();
    assert_eq!(majors, ["1.5", "2.0"]);
}

#[test]
fn version_names_the_bundled_duckdb() {
    let p = Project::new("good");
    let run = p.baimo(&["--version"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with(&format!("baimo {}", env!("CARGO_PKG_VERSION"))), "{}", run.stdout);
    assert!(run.stdout.contains("(DuckDB v"), "{}", run.stdout);
}
