//! A `no_std` link check: see Cargo.toml.
#![no_std]

extern crate alloc;
extern crate mls_codec;
extern crate mls_crypto;
extern crate mls_framing;
extern crate mls_group;
extern crate mls_keyschedule;
extern crate mls_rustcrypto;
extern crate mls_treekem;
extern crate mls_types;

use core::alloc::{GlobalAlloc, Layout};
use core::panic::PanicInfo;

/// Never called: this library exists to be linked, not run.
struct NoAlloc;

unsafe impl GlobalAlloc for NoAlloc {
    unsafe fn alloc(&self, _layout: Layout) -> *mut u8 {
        core::ptr::null_mut()
    }
    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}

#[global_allocator]
static ALLOCATOR: NoAlloc = NoAlloc;

#[panic_handler]
fn panic(_info: &PanicInfo) -> ! {
    loop {}
}

/// Uses every crate so that each is linked.
#[no_mangle]
pub extern "C" fn nostd_check_touch(suite: u16) -> usize {
    use mls_codec::Encode;
    use mls_crypto::CryptoProvider;
    let cs = mls_crypto::CipherSuite(suite);
    let mut total = cs.encoded_len();
    total += mls_types::tree_math::root(8).0 as usize;
    total += mls_framing::WireFormat::PRIVATE_MESSAGE.encoded_len();
    if let Some(p) = mls_rustcrypto::RustCrypto.cipher_suite_provider(cs) {
        use mls_crypto::CipherSuiteProviderExt;
        total += p.hash(b"no_std").len();
        let config = mls_keyschedule::SecretTreeConfig::default();
        total += config.max_forward_distance as usize;
    }
    total
}
