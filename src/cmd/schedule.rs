//! `baimo schedule --every 10m`: refresh in a loop, in the foreground.
//!
//! Each tick is a `refresh`, logged with its outcome. A failed refresh keeps the previous
//! warehouse, is logged with its reasons, and the loop goes on. SIGINT or SIGTERM stop the loop
//! after the refresh in progress (if any) has finished or failed cleanly, so no partial file is
//! left behind.

use super::refresh::{self, Outcome};
use crate::error::{Error, Result};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub fn run(root: &Path, every: Duration, wait: Option<Duration>) -> Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))
        .map_err(|e| Error::Internal(format!("installing the signal handler: {e}")))?;
    tracing::info!("refreshing every {}", humantime::format_duration(every));
    let mut tick = 0u64;
    while !stop.load(Ordering::SeqCst) {
        tick += 1;
        let started = Instant::now();
        match refresh::run(root, false, wait, "schedule") {
            Ok(Outcome::UpToDate(id)) => tracing::info!(tick, "up to date (published run {id})"),
            Ok(Outcome::Built(s)) => tracing::info!(
                tick,
                run = %s.record.id,
                changed = %s.record.changed.join(" "),
                "published: {} rows loaded, {} rejected",
                s.record.rows_loaded,
                s.record.rows_rejected
            ),
            Err(e) => tracing::error!(tick, "refresh failed, the previous warehouse stays published: {e}"),
        }
        while started.elapsed() < every && !stop.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(100).min(every));
        }
    }
    tracing::info!("stopped by a signal");
    Ok(())
}
