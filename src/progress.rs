//! Progress of a scan: counters the workers add to (files read, bytes read, bytes hashed), and a
//! line on stderr that shows them for a person at a terminal once the scan has taken more than a
//! second. The command layer decides whether to draw (never in CI logs or piped output).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// Counters shared by the workers of one scan.
#[derive(Debug, Default)]
pub struct Progress {
    pub files: AtomicU64,
    pub bytes: AtomicU64,
    pub hashed: AtomicU64,
}

impl Progress {
    pub fn file(&self, bytes: u64) {
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    pub fn hashed(&self, bytes: u64) {
        self.hashed.fetch_add(bytes, Ordering::Relaxed);
    }

    /// `12,345 files, 1.2 GiB read, 3.4 GiB hashed`.
    pub fn line(&self) -> String {
        let files = self.files.load(Ordering::Relaxed);
        let bytes = self.bytes.load(Ordering::Relaxed);
        let hashed = self.hashed.load(Ordering::Relaxed);
        let mut s = format!("{files} files, {} read", indicatif::HumanBytes(bytes));
        if hashed > 0 {
            s.push_str(&format!(", {} hashed", indicatif::HumanBytes(hashed)));
        }
        s
    }
}

/// Draws `progress` on stderr from one second after it starts until it is dropped.
pub struct Display {
    done: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Display {
    pub fn start(progress: Arc<Progress>) -> Display {
        let done = Arc::new(AtomicBool::new(false));
        let flag = done.clone();
        let started = std::time::Instant::now();
        let thread = std::thread::spawn(move || {
            let tick = Duration::from_millis(100);
            // Nothing for scans that end within a second.
            for _ in 0..10 {
                if flag.load(Ordering::Relaxed) {
                    return;
                }
                std::thread::sleep(tick);
            }
            let bar = indicatif::ProgressBar::with_draw_target(
                None,
                indicatif::ProgressDrawTarget::stderr_with_hz(10),
            )
            .with_elapsed(started.elapsed());
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} scanning: {msg} ({elapsed})")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            while !flag.load(Ordering::Relaxed) {
                bar.set_message(progress.line());
                bar.tick();
                std::thread::sleep(tick);
            }
            bar.finish_and_clear();
        });
        Display {
            done,
            thread: Some(thread),
        }
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_line() {
        let p = Progress::default();
        p.file(1024);
        p.file(1024);
        assert_eq!(p.line(), "2 files, 2.00 KiB read");
        p.hashed(3 << 30);
        assert_eq!(p.line(), "2 files, 2.00 KiB read, 3.00 GiB hashed");
    }
}
