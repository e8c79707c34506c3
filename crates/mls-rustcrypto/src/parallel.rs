//! Work split over scoped threads (`parallel` feature).

use alloc::vec::Vec;
use core::ops::Range;

/// Runs `f` on `threads` contiguous ranges covering `0..n` (fewer if `n`
/// is smaller), the first on the calling thread, and returns the results
/// in range order. A panic in `f` is re-raised on the calling thread.
pub(crate) fn in_ranges<T, F>(n: usize, threads: usize, f: F) -> Vec<T>
where
    T: Send,
    F: Fn(Range<usize>) -> T + Sync,
{
    let parts = threads.clamp(1, n.max(1));
    let (base, extra) = (n / parts, n % parts);
    let mut ranges: Vec<Range<usize>> = Vec::with_capacity(parts);
    let mut start = 0;
    for i in 0..parts {
        let end = start + base + usize::from(i < extra);
        ranges.push(start..end);
        start = end;
    }
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = ranges
            .iter()
            .skip(1)
            .map(|r| {
                let r = r.clone();
                scope.spawn(move || f(r))
            })
            .collect();
        let mut out = Vec::with_capacity(parts);
        out.push(f(ranges.first().cloned().unwrap_or(0..0)));
        for h in handles {
            out.push(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        }
        out
    })
}
