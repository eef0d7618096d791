//! Small utilities of the bottom layer: hex encoding, calendar dates and an ordered parallel
//! map. Nothing here knows about the pipeline.

/// Lower-case hexadecimal of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// `f` applied to every item, the `Some` results in the order of `items`, on up to `threads`
/// threads (one contiguous share of `items` each). Fewer than 256 items a thread, or one thread:
/// all on the calling thread. A panic in `f` is raised again on the calling thread.
pub fn par_filter_map<T: Sync, U: Send>(
    items: &[T],
    threads: usize,
    f: &(dyn Fn(&T) -> Option<U> + Sync),
) -> Vec<U> {
    const MIN_SHARE: usize = 256;
    let n = threads.min(items.len() / MIN_SHARE).max(1);
    if n == 1 {
        return items.iter().filter_map(f).collect();
    }
    let share = items.len().div_ceil(n);
    std::thread::scope(|s| {
        let others: Vec<_> = items
            .chunks(share)
            .skip(1)
            .map(|c| s.spawn(move || c.iter().filter_map(f).collect::<Vec<U>>()))
            .collect();
        let mut out: Vec<U> = items[..share].iter().filter_map(f).collect();
        for h in others {
            out.extend(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        out
    })
}

/// `render` applied to consecutive batches of `batch` items on `threads` worker threads, each
/// result handed to `sink` on the calling thread in the order of the batches, as soon as it and
/// those before it are ready: the calling thread writes while the workers render. At most
/// `4 × threads` batches are rendered ahead of the one being written. The first error of `sink`
/// stops the work and is returned; a panic in `render` is raised again on the calling thread.
/// One thread, or a single batch: all on the calling thread.
pub fn par_batches_in_order<T: Sync, U: Send, E>(
    items: &[T],
    threads: usize,
    batch: usize,
    render: &(dyn Fn(&[T]) -> U + Sync),
    sink: &mut dyn FnMut(U) -> Result<(), E>,
) -> Result<(), E> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
    use std::sync::{Condvar, Mutex};
    let batches: Vec<&[T]> = items.chunks(batch.max(1)).collect();
    if threads <= 1 || batches.len() <= 1 {
        for b in batches {
            sink(render(b))?;
        }
        return Ok(());
    }
    let ahead = 4 * threads;
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    // How many batches were handed to `sink`; workers wait on it to stay `ahead` at most.
    let written = (Mutex::new(0usize), Condvar::new());
    let (tx, rx) = std::sync::mpsc::channel::<(usize, U)>();
    std::thread::scope(|s| {
        let mut workers = Vec::new();
        for _ in 0..threads {
            let tx = tx.clone();
            let (next, stop, written, batches) = (&next, &stop, &written, &batches);
            workers.push(s.spawn(move || {
                // A panic in `render` stops the others (none waits for a batch never sent).
                struct StopOnPanic<'a>(&'a AtomicBool, &'a Condvar);
                impl Drop for StopOnPanic<'_> {
                    fn drop(&mut self) {
                        if std::thread::panicking() {
                            self.0.store(true, SeqCst);
                            self.1.notify_all();
                        }
                    }
                }
                let _guard = StopOnPanic(stop, &written.1);
                loop {
                    let i = next.fetch_add(1, SeqCst);
                    let Some(b) = batches.get(i) else { break };
                    {
                        let mut w = written.0.lock().unwrap_or_else(|e| e.into_inner());
                        while i >= *w + ahead && !stop.load(SeqCst) {
                            w = written.1.wait(w).unwrap_or_else(|e| e.into_inner());
                        }
                    }
                    if stop.load(SeqCst) || tx.send((i, render(b))).is_err() {
                        break;
                    }
                }
            }));
        }
        drop(tx);
        let mut pending: std::collections::BTreeMap<usize, U> = Default::default();
        let mut want = 0usize;
        let mut result = Ok(());
        'recv: for (i, u) in rx.iter() {
            pending.insert(i, u);
            while let Some(u) = pending.remove(&want) {
                if let Err(e) = sink(u) {
                    result = Err(e);
                    break 'recv;
                }
                want += 1;
                *written.0.lock().unwrap_or_else(|e| e.into_inner()) = want;
                written.1.notify_all();
            }
        }
        stop.store(true, SeqCst);
        written.1.notify_all();
        drop(rx);
        for h in workers {
            if let Err(e) = h.join() {
                std::panic::resume_unwind(e);
            }
        }
        result
    })
}

/// True for `YYYY-MM-DD` with a plausible month and day.
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if !(digits(0..4) && digits(5..7) && digits(8..10)) {
        return false;
    }
    let m: u32 = s[5..7].parse().unwrap_or(0);
    let d: u32 = s[8..10].parse().unwrap_or(0);
    (1..=12).contains(&m) && (1..=31).contains(&d)
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (proleptic Gregorian).
pub fn days_from_date(s: &str) -> Option<i64> {
    if !is_date(s) {
        return None;
    }
    let y: i64 = s[0..4].parse().ok()?;
    let m: i64 = s[5..7].parse().ok()?;
    let d: i64 = s[8..10].parse().ok()?;
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// Today, in days since 1970-01-01 (UTC).
pub fn today_days() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| (d.as_secs() / 86_400) as i64)
}

#[cfg(test)]
mod par_tests {
    #[test]
    fn par_filter_map_keeps_the_order_whatever_the_threads() {
        let items: Vec<u32> = (0..10_000).collect();
        let odd_squares = |x: &u32| (x % 2 == 1).then(|| u64::from(*x) * u64::from(*x));
        let expected: Vec<u64> = items.iter().filter_map(odd_squares).collect();
        for threads in [0, 1, 2, 3, 8, 64] {
            assert_eq!(
                super::par_filter_map(&items, threads, &odd_squares),
                expected
            );
        }
        assert!(super::par_filter_map(&items[..0], 4, &odd_squares).is_empty());
    }
}

#[cfg(test)]
mod date_tests {
    use super::{days_from_date, is_date};

    #[test]
    fn civil_days() {
        assert_eq!(days_from_date("1970-01-01"), Some(0));
        assert_eq!(days_from_date("2000-03-01"), Some(11_017));
        assert_eq!(days_from_date("2026-11-28"), Some(20_785));
        assert_eq!(
            days_from_date("2025-01-16").unwrap() - days_from_date("2024-12-31").unwrap(),
            16
        );
        assert_eq!(days_from_date("2026-13-01"), None);
        assert!(is_date("2026-02-30"));
        assert!(!is_date("2026-1-01"));
    }
}

#[cfg(test)]
mod tests {
    use super::par_batches_in_order;

    fn run(n: usize, threads: usize, batch: usize) -> Vec<usize> {
        let items: Vec<usize> = (0..n).collect();
        let mut out = Vec::new();
        par_batches_in_order(
            &items,
            threads,
            batch,
            &|b: &[usize]| b.iter().map(|x| x * 2).collect::<Vec<_>>(),
            &mut |v: Vec<usize>| -> Result<(), ()> {
                out.extend(v);
                Ok(())
            },
        )
        .unwrap();
        out
    }

    #[test]
    fn batches_reach_the_sink_in_order() {
        for (n, threads, batch) in [(0, 2, 3), (1, 2, 3), (10, 1, 3), (1000, 2, 7), (5000, 4, 1)] {
            let want: Vec<usize> = (0..n).map(|x| x * 2).collect();
            assert_eq!(run(n, threads, batch), want, "{n} {threads} {batch}");
        }
    }

    #[test]
    fn an_error_of_the_sink_stops_the_work() {
        let items: Vec<usize> = (0..10_000).collect();
        let mut seen = 0;
        let r = par_batches_in_order(&items, 2, 10, &|b: &[usize]| b[0], &mut |first| {
            seen += 1;
            if first >= 50 { Err(first) } else { Ok(()) }
        });
        assert_eq!(r, Err(50));
        assert_eq!(seen, 6);
    }

    #[test]
    #[should_panic(expected = "batch 7")]
    fn a_panic_in_render_reaches_the_caller() {
        let items: Vec<usize> = (0..1000).collect();
        let _ = par_batches_in_order(
            &items,
            2,
            10,
            &|b: &[usize]| {
                if b[0] == 70 {
                    panic!("batch 7");
                }
                b[0]
            },
            &mut |_| -> Result<(), ()> { Ok(()) },
        );
    }
}
