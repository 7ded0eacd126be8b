//! A statement's time limit: DuckDB's interrupt, sent from a timer thread (`baimo sql --timeout`,
//! the shell's `.timeout`, `baimo serve`'s SQL page).

use std::time::Duration;

/// Interrupts a statement once it has run for its time limit, unless stopped first.
pub struct Watchdog {
    stop: std::sync::mpsc::Sender<()>,
    thread: std::thread::JoinHandle<bool>,
}

impl Watchdog {
    pub fn start(handle: std::sync::Arc<duckdb::InterruptHandle>, limit: Duration) -> Watchdog {
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || match stopped.recv_timeout(limit) {
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                handle.interrupt();
                true
            }
            _ => false,
        });
        Watchdog { stop, thread }
    }

    /// Whether the limit was reached.
    pub fn stop(self) -> bool {
        let _ = self.stop.send(());
        self.thread.join().unwrap_or(false)
    }
}
