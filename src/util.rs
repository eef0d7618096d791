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
