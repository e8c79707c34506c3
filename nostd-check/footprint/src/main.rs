//! The embedded footprint of the `no_std` crates (issue 16): see
//! Cargo.toml and README.md, "Embedded footprint".
//!
//! A `#![no_std]` `#![no_main]` x86_64 Linux binary: its own `_start`, raw
//! `write`/`exit_group` system calls, `mem*` functions and a global
//! allocator (size classes over a static arena) that counts the bytes
//! requested: live, peak, allocations. Suite 1 from `mls-rustcrypto`, a
//! deterministic RNG, a fixed time.
//!
//! For each N (default 2, 16, 256; or the arguments) it creates a group,
//! adds N−1 members in one commit with a Welcome, has one of them join
//! from the Welcome's bytes, commit with a path (received by the creator),
//! encrypt an application message (decrypted by the creator), and prints,
//! per operation: the peak heap above the heap in use when it started,
//! the number of allocations, the heap it left held (its result and the
//! state it grew), the deepest stack it used, and its CPU time.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec;
use alloc::vec::Vec;
use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::fmt::{self, Write};
use core::panic::PanicInfo;

use mls_crypto::{CipherSuite, CryptoProvider, Error as CryptoError, Rng};
use mls_group::{
    ClientIdentity, CommitOptions, Credential, Encode, Group, GroupConfig, JoinOptions, KeyPackage,
    KeyPackageBundle, KeyPackageOptions, MlsMessage, ProcessedMessage,
};
use mls_rustcrypto::{RustCrypto, RustCryptoSuite};

type G = Group<RustCryptoSuite>;

/// The fixed time of every lifetime check.
const NOW: u64 = 1_700_000_000;
/// Bytes of application data encrypted.
const MESSAGE_LEN: usize = 100;

// ---------------------------------------------------------------------------
// Entry, system calls, output.

core::arch::global_asm!(
    ".globl _start",
    "_start:",
    "xor ebp, ebp",
    "mov rdi, rsp",
    "and rsp, -16",
    "call {entry}",
    "ud2",
    entry = sym entry,
);

fn sys_write(fd: usize, bytes: &[u8]) {
    let mut rest = bytes;
    while !rest.is_empty() {
        let n: isize;
        // SAFETY: write(2) reads `rest.len()` bytes at `rest.as_ptr()`.
        unsafe {
            core::arch::asm!(
                "syscall",
                inlateout("rax") 1isize => n,
                in("rdi") fd,
                in("rsi") rest.as_ptr(),
                in("rdx") rest.len(),
                lateout("rcx") _,
                lateout("r11") _,
                options(nostack),
            );
        }
        if n <= 0 {
            return;
        }
        rest = &rest[n as usize..];
    }
}

/// CLOCK_PROCESS_CPUTIME_ID in nanoseconds (clock_gettime(2) as a system
/// call): CPU time, steadier than wall-clock time on a shared machine.
fn now_ns() -> u64 {
    let mut ts = [0i64; 2];
    // SAFETY: clock_gettime(2) writes a `struct timespec` (two i64) at `ts`.
    unsafe {
        core::arch::asm!(
            "syscall",
            inlateout("rax") 228isize => _,
            in("rdi") 2usize,
            in("rsi") ts.as_mut_ptr(),
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
    ts[0] as u64 * 1_000_000_000 + ts[1] as u64
}

fn sys_exit(code: i32) -> ! {
    // SAFETY: exit_group(2) does not return.
    unsafe {
        core::arch::asm!(
            "syscall",
            in("rax") 231usize,
            in("rdi") code as isize,
            options(noreturn, nostack),
        );
    }
}

struct Fd(usize);

impl Write for Fd {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        sys_write(self.0, s.as_bytes());
        Ok(())
    }
}

macro_rules! out {
    ($($arg:tt)*) => { let _ = writeln!(Fd(1), $($arg)*); };
}

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    let _ = writeln!(Fd(2), "footprint: {info}");
    sys_exit(101)
}

/// The C string at `p`, if valid UTF-8.
///
/// # Safety
/// `p` points to a NUL-terminated string that lives for the program.
unsafe fn c_str(p: *const u8) -> &'static str {
    let mut len = 0;
    // Volatile, or the loop becomes a call to `strlen` (no libc here).
    while core::ptr::read_volatile(p.add(len)) != 0 {
        len += 1;
    }
    core::str::from_utf8(core::slice::from_raw_parts(p, len)).unwrap_or("")
}

/// Called by `_start` with the initial stack pointer (argc, argv...).
unsafe extern "C" fn entry(sp: *const usize) -> ! {
    let argc = *sp;
    let argv = sp.add(1) as *const *const u8;
    let mut sizes = Vec::new();
    for i in 1..argc {
        let arg = c_str(*argv.add(i));
        match arg.parse::<u32>() {
            Ok(n) if n >= 2 => sizes.push(n),
            _ => {
                let _ = writeln!(Fd(2), "usage: footprint [N ≥ 2]...");
                sys_exit(2)
            }
        }
    }
    if sizes.is_empty() {
        sizes = vec![2, 16, 256];
    }
    main(&sizes);
    sys_exit(0)
}

// ---------------------------------------------------------------------------
// mem* functions (no libc). Plain byte loops through volatile-free raw
// pointers would be turned back into calls to themselves, so x86 string
// instructions do the work.

#[no_mangle]
unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    core::arch::asm!(
        "rep movsb",
        inout("rcx") n => _,
        inout("rdi") dest => _,
        inout("rsi") src => _,
        options(nostack, preserves_flags),
    );
    dest
}

#[no_mangle]
unsafe extern "C" fn memmove(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if (dest as usize).wrapping_sub(src as usize) >= n {
        // No harmful overlap for a forward copy.
        return memcpy(dest, src, n);
    }
    // Backward copy.
    core::arch::asm!(
        "std",
        "rep movsb",
        "cld",
        inout("rcx") n => _,
        inout("rdi") dest.add(n).wrapping_sub(1) => _,
        inout("rsi") src.add(n).wrapping_sub(1) => _,
        options(nostack),
    );
    dest
}

#[no_mangle]
unsafe extern "C" fn memset(dest: *mut u8, c: i32, n: usize) -> *mut u8 {
    core::arch::asm!(
        "rep stosb",
        inout("rcx") n => _,
        inout("rdi") dest => _,
        in("al") c as u8,
        options(nostack, preserves_flags),
    );
    dest
}

#[no_mangle]
unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    while i < n {
        let (x, y) = (
            core::ptr::read_volatile(a.add(i)),
            core::ptr::read_volatile(b.add(i)),
        );
        if x != y {
            return x as i32 - y as i32;
        }
        i += 1;
    }
    0
}

#[no_mangle]
unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    memcmp(a, b, n)
}

// ---------------------------------------------------------------------------
// The counting allocator.

/// Size of the static arena (in .bss: only touched pages are memory).
const ARENA: usize = 1 << 30;
const CLASSES: usize = 31;

struct State {
    /// Next free byte of the arena.
    bump: usize,
    /// Free blocks of each power-of-two size class, linked through their
    /// first word.
    free: [usize; CLASSES],
    live: usize,
    peak: usize,
    allocations: usize,
}

#[repr(C, align(4096))]
struct Arena([u8; ARENA]);

struct Counting {
    arena: UnsafeCell<Arena>,
    state: UnsafeCell<State>,
}

// SAFETY: the program has one thread.
unsafe impl Sync for Counting {}

#[global_allocator]
static HEAP: Counting = Counting {
    arena: UnsafeCell::new(Arena([0; ARENA])),
    state: UnsafeCell::new(State {
        bump: 0,
        free: [0; CLASSES],
        live: 0,
        peak: 0,
        allocations: 0,
    }),
};

/// The size class of a request: blocks of 2^class bytes, at least 16.
fn class_of(layout: Layout) -> usize {
    let size = layout.size().max(layout.align()).max(16);
    size.next_power_of_two().trailing_zeros() as usize
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() > 4096 {
            return core::ptr::null_mut();
        }
        let st = &mut *self.state.get();
        let class = class_of(layout);
        if class >= CLASSES {
            return core::ptr::null_mut();
        }
        let block = if st.free[class] != 0 {
            let block = st.free[class];
            st.free[class] = *(block as *const usize);
            block
        } else {
            let size = 1usize << class;
            let align = size.min(4096);
            let start = (st.bump + align - 1) & !(align - 1);
            if start + size > ARENA {
                return core::ptr::null_mut();
            }
            st.bump = start + size;
            self.arena.get() as usize + start
        };
        st.live += layout.size();
        st.peak = st.peak.max(st.live);
        st.allocations += 1;
        block as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let st = &mut *self.state.get();
        let class = class_of(layout);
        *(ptr as *mut usize) = st.free[class];
        st.free[class] = ptr as usize;
        st.live -= layout.size();
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = Layout::from_size_align_unchecked(new_size, layout.align());
        if class_of(new) == class_of(layout) {
            // In place, as most allocators would.
            let st = &mut *self.state.get();
            st.live = st.live - layout.size() + new_size;
            st.peak = st.peak.max(st.live);
            return ptr;
        }
        let moved = self.alloc(new);
        if !moved.is_null() {
            memcpy(moved, ptr, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        moved
    }
}

fn heap() -> &'static mut State {
    // SAFETY: one thread, and no allocation runs while this is borrowed.
    unsafe { &mut *HEAP.state.get() }
}

// ---------------------------------------------------------------------------
// Stack depth: paint below the current stack pointer, run, find the
// deepest word that changed.

const PAINT: usize = 4 << 20;
const PATTERN: u64 = 0x5a5a_a5a5_5a5a_a5a5;
/// Left unpainted just below the measuring frame (for `paint` itself).
const GAP: usize = 4096;

fn stack_pointer() -> usize {
    let sp: usize;
    // SAFETY: reads rsp.
    unsafe { core::arch::asm!("mov {}, rsp", out(reg) sp, options(nomem, nostack)) };
    sp
}

#[inline(never)]
fn paint(top: usize) {
    let mut p = (top - GAP) & !7;
    while p > top - PAINT {
        p -= 8;
        // SAFETY: the main thread's stack (8 MiB by default) below our frame.
        unsafe { core::ptr::write_volatile(p as *mut u64, PATTERN) };
    }
}

#[inline(never)]
fn deepest(top: usize) -> usize {
    let mut p = ((top - PAINT) + 7) & !7;
    while p < top - GAP {
        // SAFETY: painted by `paint`.
        if unsafe { core::ptr::read_volatile(p as *const u64) } != PATTERN {
            break;
        }
        p += 8;
    }
    top - p
}

// ---------------------------------------------------------------------------
// Measurement.

struct Measured {
    peak: usize,
    allocations: usize,
    held: isize,
    stack: usize,
    micros: u64,
}

#[inline(never)]
fn measure<T>(f: impl FnOnce() -> T) -> (T, Measured) {
    let top = stack_pointer();
    paint(top);
    let st = heap();
    let start = st.live;
    st.peak = start;
    let allocations = st.allocations;
    let t0 = now_ns();
    let value = core::hint::black_box(f());
    let micros = (now_ns() - t0) / 1000;
    let stack = deepest(top);
    let st = heap();
    let m = Measured {
        peak: st.peak - start,
        allocations: st.allocations - allocations,
        held: st.live as isize - start as isize,
        stack,
        micros,
    };
    (value, m)
}

fn must<T, E: fmt::Debug>(r: Result<T, E>, what: &str) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{what}: {e:?}"),
    }
}

/// SplitMix64: deterministic and predictable; never for real keys.
struct DetRng(u64);

impl Rng for DetRng {
    fn fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), CryptoError> {
        for chunk in dest.chunks_mut(8) {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
        Ok(())
    }
}

fn row(n: u32, op: &str, m: &Measured) {
    out!(
        "| {n} | {op} | {} | {} | {} | {} | {} |",
        m.peak,
        m.allocations,
        m.held,
        m.stack,
        m.micros
    );
}

fn main(sizes: &[u32]) {
    out!("suite 1 (MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519), default GroupConfig");
    out!("bytes; peak heap above the heap in use when the operation started;");
    out!("held: heap still held after it (its result, the state it grew)");
    out!("");
    out!("| N | operation | peak heap | allocations | held after | stack | CPU time (µs) |");
    out!("|---:|---|---:|---:|---:|---:|---:|");
    for &n in sizes {
        run(n);
    }
    out!("");
    let st = heap();
    out!("arena used: {} bytes; live at exit: {}", st.bump, st.live);
}

fn run(n: u32) {
    let rng = &mut DetRng(u64::from(n));
    let suite = RustCrypto
        .cipher_suite_provider(CipherSuite(1))
        .expect("suite 1");
    let config = GroupConfig::default();
    let who = |name: u32, rng: &mut DetRng| {
        let mut id = Vec::from(&b"member-"[..]);
        id.extend_from_slice(&name.to_be_bytes());
        must(
            ClientIdentity::generate(&suite, Credential::Basic(id), rng),
            "identity",
        )
    };

    // Not measured: the other members' KeyPackages; member 1 keeps its
    // bundle and joins.
    let joiner = must(
        KeyPackageBundle::create(&suite, &who(1, rng), KeyPackageOptions::default(), rng),
        "key package",
    );
    let mut key_packages: Vec<KeyPackage> = vec![joiner.key_package().clone()];
    for i in 2..n {
        let bundle = must(
            KeyPackageBundle::create(&suite, &who(i, rng), KeyPackageOptions::default(), rng),
            "key package",
        );
        key_packages.push(bundle.key_package().clone());
    }
    let creator = who(0, rng);

    let (mut alice, m) = measure(|| {
        let mut g = must(
            G::create(
                suite.clone(),
                creator,
                b"footprint".to_vec(),
                vec![],
                config,
                rng,
            ),
            "create",
        );
        g.set_time(NOW);
        g
    });
    row(n, "create (empty group)", &m);

    let (welcome, m) = measure(|| {
        let out = must(alice.add_members(key_packages, rng), "add");
        must(alice.merge_pending_commit(), "merge add");
        must(out.welcome_bytes(), "welcome").expect("a Welcome")
    });
    row(n, "add N−1 (commit + Welcome)", &m);

    let (mut bob, m) = measure(|| {
        let welcome = must(
            must(MlsMessage::from_bytes(&welcome), "decode welcome").into_welcome(),
            "a Welcome",
        );
        let options = JoinOptions {
            now: Some(NOW),
            config,
            ..JoinOptions::default()
        };
        must(G::join(suite.clone(), &welcome, &joiner, options), "join")
    });
    row(n, "join (from the Welcome's bytes)", &m);
    drop(welcome);
    drop(joiner);

    let (commit, m) = measure(|| {
        let options = CommitOptions {
            force_path: true,
            ..CommitOptions::default()
        };
        let out = must(bob.commit(vec![], &options, rng), "commit");
        must(bob.merge_pending_commit(), "merge own commit");
        must(out.commit_bytes(), "commit bytes")
    });
    row(n, "commit with path", &m);

    let ((), m) = measure(
        || match must(alice.process_bytes(&commit), "process commit") {
            ProcessedMessage::Commit(staged) => must(alice.merge_staged_commit(staged), "merge"),
            _ => panic!("not a commit"),
        },
    );
    row(n, "process commit", &m);
    drop(commit);
    assert_eq!(alice.epoch_authenticator(), bob.epoch_authenticator());

    let (message, m) = measure(|| {
        let data = [0x42u8; MESSAGE_LEN];
        let msg = must(bob.encrypt_application_message(&data, b"", rng), "encrypt");
        must(msg.to_bytes(), "message bytes")
    });
    row(n, "encrypt 100 B", &m);

    let (data, m) = measure(|| match must(alice.process_bytes(&message), "decrypt") {
        ProcessedMessage::Application { data, .. } => data,
        _ => panic!("not an application message"),
    });
    row(n, "decrypt 100 B", &m);
    assert_eq!(data.len(), MESSAGE_LEN);
}
