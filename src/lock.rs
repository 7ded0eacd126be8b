//! One build at a time: an advisory lock on `warehouse/.lock`.
//!
//! The lock is the operating system's (`flock` through `std::fs::File::try_lock`), so a process
//! that dies — even by SIGKILL — releases it: a stale lock cannot block forever. The file holds
//! the holder's pid and run id, so a second build can say who it is waiting for.

use crate::error::{Error, Result};
use crate::project::Paths;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::time::{Duration, Instant};

/// Held while a build runs; dropping it releases the lock.
pub struct BuildLock {
    file: File,
}

impl Drop for BuildLock {
    fn drop(&mut self) {
        // Leave the file (another process may already be waiting on it); clear the holder.
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

/// Takes the build lock, waiting up to `wait` for a running build to finish.
pub fn acquire(paths: &Paths, run_id: &str, wait: Option<Duration>) -> Result<BuildLock> {
    std::fs::create_dir_all(&paths.dir).map_err(Error::io(&paths.dir))?;
    let path = paths.dir.join(".lock");
    let mut file =
        OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(Error::io(&path))?;
    let deadline = wait.map(|w| Instant::now() + w);
    let mut announced = false;
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) => {
                let holder = holder(&mut file);
                match deadline {
                    Some(d) if Instant::now() < d => {
                        if !announced {
                            tracing::info!("waiting for the running build ({holder}) to finish");
                            announced = true;
                        }
                        std::thread::sleep(Duration::from_millis(100));
                    }
                    _ => {
                        return Err(Error::Busy(format!(
                            "another build is running ({holder}); wait for it, or pass --wait 5m to queue behind it"
                        )))
                    }
                }
            }
            Err(TryLockError::Error(e)) => return Err(Error::Io { path, source: e }),
        }
    }
    let note = format!("pid {} run {run_id}\n", std::process::id());
    file.set_len(0)
        .and_then(|_| file.seek(SeekFrom::Start(0)))
        .and_then(|_| file.write_all(note.as_bytes()))
        .map_err(Error::io(&path))?;
    Ok(BuildLock { file })
}

fn holder(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.seek(SeekFrom::Start(0)).and_then(|_| file.read_to_string(&mut text));
    let text = text.trim();
    if text.is_empty() {
        "holder unknown".to_string()
    } else {
        text.to_string()
    }
}
