//! Work split over scoped threads (`parallel` feature).

use alloc::vec::Vec;
use core::ops::Range;

/// The most threads [`RustCryptoSuite::with_threads`](crate::RustCryptoSuite::with_threads)
/// grants, whatever the machine: a batch never spawns more than this many
/// threads (minus one: the calling thread takes the first range).
pub const MAX_THREADS: usize = 64;

/// The thread count `with_threads(requested)` runs with: at least 1, at
/// most the number of cores the OS reports (`available_parallelism`, 1 if
/// unknown) and [`MAX_THREADS`].
pub(crate) fn cap_threads(requested: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    requested.clamp(1, cores.clamp(1, MAX_THREADS))
}

/// Runs `f` on at most `threads` contiguous ranges covering `0..n` (fewer
/// if `n` is smaller; the ranges differ in length by at most one), the
/// first on the calling thread, and returns the results in range order.
/// A range whose thread cannot be spawned runs on the calling thread
/// instead; a panic in `f` is re-raised on the calling thread.
pub(crate) fn in_ranges<T, F>(n: usize, threads: usize, f: F) -> Vec<T>
where
    T: Send,
    F: Fn(Range<usize>) -> T + Sync,
{
    in_ranges_with(n, threads, f, |_| false)
}

/// [`in_ranges`], where the spawn of the thread for range `i` is treated
/// as failed if `fail(i)` (the tests' way to make spawns fail).
fn in_ranges_with<T, F, X>(n: usize, threads: usize, f: F, fail: X) -> Vec<T>
where
    T: Send,
    F: Fn(Range<usize>) -> T + Sync,
    X: Fn(usize) -> bool,
{
    let ranges = split(n, threads);
    let f = &f;
    std::thread::scope(|scope| {
        // Every range but the first on its own thread, if one can be had.
        let spawned: Vec<_> = ranges
            .iter()
            .enumerate()
            .skip(1)
            .map(|(i, r)| {
                let job = r.clone();
                let handle = if fail(i) {
                    None
                } else {
                    std::thread::Builder::new()
                        .spawn_scoped(scope, move || f(job))
                        .ok()
                };
                (r.clone(), handle)
            })
            .collect();
        let mut out = Vec::with_capacity(ranges.len());
        out.push(f(ranges.first().cloned().unwrap_or(0..0)));
        for (r, handle) in spawned {
            out.push(match handle {
                Some(h) => h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
                None => f(r),
            });
        }
        out
    })
}

/// `0..n` in `min(threads, n)` (at least one) contiguous ranges whose
/// lengths differ by at most one.
fn split(n: usize, threads: usize) -> Vec<Range<usize>> {
    let parts = threads.clamp(1, n.max(1));
    let (base, extra) = (n / parts, n % parts);
    let mut ranges: Vec<Range<usize>> = Vec::with_capacity(parts);
    let mut start = 0;
    for i in 0..parts {
        let end = start + base + usize::from(i < extra);
        ranges.push(start..end);
        start = end;
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_everything_in_order() {
        for n in [0usize, 1, 2, 7, 64, 1000] {
            for threads in [1usize, 2, 3, 64, 10_000] {
                let r = split(n, threads);
                assert_eq!(r.len(), threads.clamp(1, n.max(1)));
                assert_eq!(r.first().unwrap().start, 0);
                assert_eq!(r.last().unwrap().end, n);
                assert!(r.windows(2).all(|w| w[0].end == w[1].start));
                let lens: Vec<usize> = r.iter().map(|x| x.len()).collect();
                assert!(lens.iter().max().unwrap() - lens.iter().min().unwrap() <= 1);
            }
        }
    }

    /// Issue 15, item 18: a spawn that fails runs its range on the calling
    /// thread, with the same results in the same order, and no panic.
    #[test]
    fn item18_failed_spawns_run_on_the_calling_thread() {
        let square_sum = |r: Range<usize>| r.map(|i| i * i).sum::<usize>();
        let want = in_ranges(1000, 4, square_sum);
        assert_eq!(want.iter().sum::<usize>(), (0..1000).map(|i| i * i).sum());
        // Every spawn fails, or every other one.
        assert_eq!(in_ranges_with(1000, 4, square_sum, |_| true), want);
        assert_eq!(in_ranges_with(1000, 4, square_sum, |i| i % 2 == 0), want);
    }

    #[test]
    fn item18_thread_counts_are_capped() {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        assert_eq!(cap_threads(0), 1);
        assert_eq!(cap_threads(1), 1);
        assert_eq!(cap_threads(usize::MAX), cores.clamp(1, MAX_THREADS));
        assert!(cap_threads(1_000_000) <= MAX_THREADS);
    }
}
