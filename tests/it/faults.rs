//! Inputs that are not what they seem (issue 16): a FIFO in raw/, an interval that would spin.
//! Each runs the real binary, and where a build is refused the published file stays
//! byte-identical.

use crate::common::Project;
use std::process::Command;
use std::time::{Duration, Instant};

fn built() -> Project {
    let p = Project::new("good");
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 0, "build failed:\n{}", run.stderr);
    p
}

/// Runs baimo and kills it if it has not finished within `limit`: a hang is a failure, not a
/// test that never ends.
fn baimo_within(p: &Project, args: &[&str], limit: Duration) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_baimo"))
        .arg("-C")
        .arg(p.path())
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn baimo");
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut stderr = String::new();
            if let Some(mut e) = child.stderr.take() {
                std::io::Read::read_to_string(&mut e, &mut stderr).expect("stderr");
            }
            return (status.code().unwrap_or(-1), stderr);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("baimo {args:?} still running after {limit:?}: it hangs");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_in_raw_is_refused_not_waited_on() {
    let p = built();
    let before = p.warehouse_sha256();
    let csv = p.file("raw/market.csv");
    std::fs::remove_file(&csv).expect("remove market.csv");
    let made = Command::new("mkfifo").arg(&csv).status().expect("mkfifo");
    assert!(made.success(), "mkfifo failed");
    for verb in ["check", "build", "refresh"] {
        let (code, stderr) = baimo_within(&p, &[verb], Duration::from_secs(60));
        assert_eq!(code, 1, "{verb}: {stderr}");
        assert!(stderr.contains("raw/market.csv") && stderr.contains("FIFO"), "{verb}: {stderr}");
        assert_eq!(p.warehouse_sha256(), before, "{verb} changed the published warehouse");
    }
}

#[test]
fn schedule_refuses_an_interval_that_would_spin() {
    let p = Project::new("good");
    for every in ["0s", "10ms"] {
        let run = p.baimo(&["schedule", "--every", every]);
        assert_eq!(run.code, 2, "{every}: {}", run.stderr);
        run.assert_stderr_has(&["minimum interval"]);
    }
}
