//! Decoding hostile input allocates at most a small multiple of its length.
//!
//! This file is its own test binary so that it can install a counting global
//! allocator. Counting is per thread, so the test harness's own allocations
//! on other threads do not interfere.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use mls_codec::{decode_exact, Decode, Encode, Reader};

struct Counting;

thread_local! {
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
    /// Bytes requested by alloc and realloc (the new size), in total.
    static TOTAL: Cell<usize> = const { Cell::new(0) };
    /// Bytes live now and the most live at once.
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn record(allocated: usize, freed: usize) {
    let _ = ACTIVE.try_with(|active| {
        if active.get() {
            TOTAL.with(|t| t.set(t.get() + allocated));
            LIVE.with(|l| {
                let live = l.get() + allocated as isize - freed as isize;
                l.set(live);
                PEAK.with(|p| p.set(p.get().max(live)));
            });
        }
    });
}

// SAFETY: every method delegates to `System` with the caller's arguments.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record(layout.size(), 0);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        record(0, layout.size());
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        record(layout.size(), 0);
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Counted as a fresh allocation of the new size, as if it moved.
        record(new_size, layout.size());
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Decodes `input` as `T` (the value is dropped inside) and returns the
/// total bytes allocated and the peak bytes live during the decode.
fn measure<T: Decode>(input: &[u8]) -> (usize, usize) {
    TOTAL.with(|t| t.set(0));
    LIVE.with(|l| l.set(0));
    PEAK.with(|p| p.set(0));
    ACTIVE.with(|a| a.set(true));
    let mut r = Reader::new(input);
    let result = T::decode(&mut r);
    drop(result);
    ACTIVE.with(|a| a.set(false));
    (TOTAL.with(Cell::get), PEAK.with(Cell::get) as usize)
}

const INPUT_LEN: usize = 1024;
/// The bound asked of the decoder: total bytes allocated per input byte.
const MAX_FACTOR: usize = 64;

/// One `Vec<Vec<u8>>` element of exactly `len` bytes holding a single
/// opaque, if such an element exists.
fn filler(len: usize) -> Option<Vec<u8>> {
    (0..len)
        .map(|n| vec![vec![0u8; n]].to_bytes().unwrap())
        .find(|enc| enc.len() == len)
}

/// `count` copies of `element` inside one vector, preceded by filler
/// elements so that the whole input is exactly `INPUT_LEN` bytes.
fn hostile_vector(element: &[u8], count: usize) -> Vec<u8> {
    let mut body: Vec<u8> = element.repeat(count);
    // The outer prefix takes 2 bytes for bodies of 64..16383 bytes.
    assert!(body.len() <= INPUT_LEN - 2);
    let pad = INPUT_LEN - 2 - body.len();
    if pad > 0 {
        let first = match filler(pad) {
            Some(first) => first,
            None => {
                let mut first = filler(pad - 1).expect("a filler of one byte less");
                first.push(0);
                first
            }
        };
        body.splice(0..0, first);
    }
    let input = body.to_bytes().unwrap();
    assert_eq!(input.len(), INPUT_LEN);
    input
}

#[test]
fn hostile_inputs_allocate_a_bounded_multiple() {
    let mut shapes: Vec<(String, Vec<u8>)> = Vec::new();
    // Many empty middle vectors: the most elements one vector can hold.
    shapes.push(("1022 x []".into(), hostile_vector(&[0], INPUT_LEN - 2)));
    // Middle vectors holding m empty opaques each, for many m.
    for m in 1..=40usize {
        let mut element = vec![m as u8];
        element.extend(vec![0u8; m]);
        let count = (INPUT_LEN - 2) / element.len();
        shapes.push((
            format!("{count} x [{m} x []]"),
            hostile_vector(&element, count),
        ));
    }
    // Counts just past a power of two leave the most slack after doubling.
    for count in [65usize, 129, 257, 513] {
        shapes.push((format!("{count} x [] padded"), hostile_vector(&[0], count)));
        if count * 2 <= INPUT_LEN - 2 {
            shapes.push((
                format!("{count} x [[]] padded"),
                hostile_vector(&[1, 0], count),
            ));
        }
    }
    // One empty element followed by a huge one.
    let mut input = vec![0x43, 0xfe, 0x00, 0x43, 0xfa];
    input.extend(vec![0u8; INPUT_LEN - input.len()]);
    shapes.push(("[] then one big".into(), input));

    let mut worst = (0usize, 0usize, String::new());
    for (name, input) in &shapes {
        assert_eq!(input.len(), INPUT_LEN, "{name}");
        let decoded = decode_exact::<Vec<Vec<Vec<u8>>>>(input);
        assert!(decoded.is_ok(), "{name}: {decoded:?}");
        let (total, peak) = measure::<Vec<Vec<Vec<u8>>>>(input);
        assert!(
            total <= MAX_FACTOR * INPUT_LEN,
            "{name}: {total} bytes allocated for {INPUT_LEN} input bytes"
        );
        assert!(peak <= total);
        if total > worst.0 {
            worst = (total, peak, name.clone());
        }
    }
    println!(
        "worst shape {:?}: {} bytes allocated in total ({:.1}x), {} peak",
        worst.2,
        worst.0,
        worst.0 as f64 / INPUT_LEN as f64,
        worst.1
    );

    // A declared length far beyond the input allocates nothing.
    let mut input = vec![0xbf, 0xff, 0xff, 0xff];
    input.extend(vec![0u8; INPUT_LEN - 4]);
    assert_eq!(measure::<Vec<Vec<Vec<u8>>>>(&input), (0, 0));
    assert_eq!(measure::<Vec<u8>>(&input), (0, 0));

    // Random hostile input stays within the bound too.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..2000 {
        let mut input = Vec::with_capacity(INPUT_LEN);
        for _ in 0..INPUT_LEN {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            // Mostly small bytes, so lengths stay plausible and decoding goes deep.
            input.push(if state.is_multiple_of(4) {
                (state >> 8) as u8
            } else {
                (state >> 8) as u8 % 3
            });
        }
        input[0] = 0x43;
        input[1] = 0xfe;
        let (total, _) = measure::<Vec<Vec<Vec<u8>>>>(&input);
        assert!(total <= MAX_FACTOR * INPUT_LEN, "{total} for {input:02x?}");
    }
}
