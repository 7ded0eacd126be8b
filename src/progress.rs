//! Progress on a terminal, nothing when stderr is piped (schedulers, CI, `2> log`).

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

/// A spinner counting the rows of one source; hidden when stderr is not a terminal.
pub fn rows(source: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg}: {human_pos} rows ({per_sec})") {
        bar.set_style(style);
    }
    bar.set_message(source.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}
