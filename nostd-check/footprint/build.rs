//! Links the binary without the C runtime or libc: `src/main.rs` has its
//! own `_start`, system calls and `mem*` functions. x86_64 Linux only.
fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    if os != "linux" || arch != "x86_64" {
        panic!("the footprint binary is for x86_64 Linux only (raw system calls)");
    }
    // `-no-pie` (after rustc's `-pie`): a static executable at a fixed
    // address, so no relocation is left for the missing C runtime to apply.
    for arg in [
        "-nostartfiles",
        "-nostdlib",
        "-static",
        "-no-pie",
        "-Wl,--gc-sections",
    ] {
        println!("cargo:rustc-link-arg-bins={arg}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
