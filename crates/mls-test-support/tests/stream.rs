//! `TestRng` is exactly SplitMix64 with little-endian words: the committed
//! fuzz seeds, the fuzz fixture and every recorded expectation depend on
//! this stream, so it is pinned here.

use mls_crypto::Rng;
use mls_test_support::{FailingRng, TestRng, ZeroRng};

#[test]
fn splitmix64_reference_words() {
    // The published SplitMix64 sequence from state 0.
    let mut rng = TestRng::new(0);
    assert_eq!(rng.next_u64(), 0xe220_a839_7b1d_cdaf);
    assert_eq!(rng.next_u64(), 0x6e78_9e6a_a1b9_65f4);
    assert_eq!(rng.next_u64(), 0x06c4_5d18_8009_454f);
}

#[test]
fn bytes_are_little_endian_words_and_a_partial_word_is_dropped() {
    let mut words = TestRng::new(42);
    let (w0, w1, w2) = (words.next_u64(), words.next_u64(), words.next_u64());

    let mut rng = TestRng::new(42);
    let mut buf = [0u8; 3];
    rng.fill_bytes(&mut buf).unwrap();
    assert_eq!(buf, w0.to_le_bytes()[..3]);
    // The rest of w0 is gone: the next request starts at w1.
    assert_eq!(
        rng.bytes(10),
        [&w1.to_le_bytes()[..], &w2.to_le_bytes()[..2]].concat()
    );
}

#[test]
fn the_seed_alone_determines_the_stream() {
    assert_eq!(TestRng::new(5).bytes(40), TestRng::new(5).bytes(40));
    assert_ne!(TestRng::new(5).bytes(40), TestRng::new(6).bytes(40));
    let mut a = TestRng::new(9);
    a.next_u64();
    let b = a.clone();
    assert_eq!(a, b);
}

#[test]
fn doubles_fail_or_yield_zeros() {
    assert_eq!(
        FailingRng.fill_bytes(&mut [0; 1]),
        Err(mls_crypto::Error::RandomFailure)
    );
    let mut buf = [0xffu8; 9];
    ZeroRng.fill_bytes(&mut buf).unwrap();
    assert_eq!(buf, [0; 9]);
    // Even an empty request fails.
    assert!(FailingRng.fill_bytes(&mut []).is_err());
}
