//! The lines baimo writes for a person on stderr: a run's summary, its warnings, an error.
//! Under `--log-format json` each is one JSON object shaped like tracing's own JSON lines
//! (`timestamp`, `level`, `fields.message`, `target`), so every line on stderr parses as JSON.

use std::sync::atomic::{AtomicBool, Ordering};

static JSON: AtomicBool = AtomicBool::new(false);

/// Called once by `main` with the `--log-format` asked for.
pub fn set_json(on: bool) {
    JSON.store(on, Ordering::Relaxed);
}

fn line(level: &str, message: &str) {
    if JSON.load(Ordering::Relaxed) {
        eprintln!("{}", json_line(level, message));
    } else {
        eprintln!("{message}");
    }
}

/// One message as one line of JSON.
fn json_line(level: &str, message: &str) -> String {
    serde_json::json!({
        "timestamp": crate::build::publish::now(),
        "level": level,
        "fields": { "message": message },
        "target": "baimo",
    })
    .to_string()
}

/// What was done (`published …`, `up to date …`, `wrote …`).
pub fn info(message: impl AsRef<str>) {
    line("INFO", message.as_ref());
}

/// Something a person should look at; the run went on (`warning: …`).
pub fn warn(message: impl AsRef<str>) {
    line("WARN", message.as_ref());
}

/// Why the run failed (`error: …`, and each `caused by: …`).
pub fn error(message: impl AsRef<str>) {
    line("ERROR", message.as_ref());
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_json_line_is_one_object_with_the_message() {
        // A multi-line message (an error with its SQL) stays one line, and reads back whole.
        let text = super::json_line("ERROR", "error: a \"quoted\"\nline");
        assert!(!text.contains('\n'), "one line: {text}");
        let back: serde_json::Value = serde_json::from_str(&text).expect("json");
        assert_eq!(back["fields"]["message"], "error: a \"quoted\"\nline");
        assert_eq!((back["level"].as_str(), back["target"].as_str()), (Some("ERROR"), Some("baimo")));
        assert!(back["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')), "{text}");
    }
}
