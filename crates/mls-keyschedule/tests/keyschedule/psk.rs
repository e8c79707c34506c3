//! Pre-shared keys (RFC 9420 §8.4).

use mls_codec::{decode_exact, Encode};
use mls_crypto::{CipherSuite, CryptoProvider, Secret};
use mls_keyschedule::{
    Error, InMemoryPskStore, PreSharedKeyID, Psk, PskLabel, PskSecret, PskStore, ResumptionPskUsage,
};
use mls_rustcrypto::{RustCrypto, RustCryptoSuite};
use mls_test_support::TestRng;

fn suite(id: u16) -> RustCryptoSuite {
    RustCrypto.cipher_suite_provider(CipherSuite(id)).unwrap()
}

fn resumption(epoch: u64) -> Psk {
    Psk::Resumption {
        usage: ResumptionPskUsage::APPLICATION,
        psk_group_id: b"g".to_vec(),
        psk_epoch: epoch,
    }
}

#[test]
fn pre_shared_key_id_wire_format() {
    let id = PreSharedKeyID {
        psk: resumption(0x0102),
        psk_nonce: vec![0xee],
    };
    let bytes = id.to_bytes().unwrap();
    assert_eq!(bytes, [2, 1, 1, b'g', 0, 0, 0, 0, 0, 0, 1, 2, 1, 0xee]);
    assert_eq!(decode_exact::<PreSharedKeyID>(&bytes).unwrap(), id);
    // Unknown usages survive; unknown PSK types do not decode.
    let mut other = bytes.clone();
    other[1] = 0x7f;
    assert!(decode_exact::<PreSharedKeyID>(&other).is_ok());
    other[0] = 3;
    assert!(decode_exact::<PreSharedKeyID>(&other).is_err());
    let label = PskLabel {
        id: &id,
        index: 1,
        count: 2,
    }
    .to_bytes()
    .unwrap();
    assert_eq!(&label[bytes.len()..], [0, 1, 0, 2]);
}

#[test]
fn resumption_and_external_psks_from_a_store() {
    let s = suite(1);
    let mut rng = TestRng::new(0);
    let mut store = InMemoryPskStore::new();
    store.insert_external(b"ext".to_vec(), Secret::from(vec![1; 32]));
    store.insert_resumption(b"g".to_vec(), 5, Secret::from(vec![2; 32]));
    let ext = PreSharedKeyID::new(
        &s,
        Psk::External {
            psk_id: b"ext".to_vec(),
        },
        &mut rng,
    )
    .unwrap();
    let res = PreSharedKeyID::new(&s, resumption(5), &mut rng).unwrap();
    assert!(ext.nonce_is_valid(&s) && res.nonce_is_valid(&s));

    let both = PskSecret::compute(&s, &[ext.clone(), res.clone()], &store).unwrap();
    let swapped = PskSecret::compute(&s, &[res.clone(), ext.clone()], &store).unwrap();
    let one = PskSecret::compute(&s, std::slice::from_ref(&ext), &store).unwrap();
    assert_ne!(both, swapped);
    assert_ne!(both, one);
    assert_ne!(one, PskSecret::zero(&s));
    let values = PskSecret::from_values(
        &s,
        &[
            (ext.clone(), Secret::from(vec![1; 32])),
            (res.clone(), Secret::from(vec![2; 32])),
        ],
    )
    .unwrap();
    assert_eq!(values, both);

    // Missing values and bad nonces are typed errors.
    let missing = PreSharedKeyID::new(&s, resumption(6), &mut rng).unwrap();
    assert_eq!(
        PskSecret::compute(&s, &[ext.clone(), missing], &store),
        Err(Error::MissingPsk { index: 1 })
    );
    let short = PreSharedKeyID {
        psk_nonce: vec![0; 31],
        ..ext.clone()
    };
    assert_eq!(
        PskSecret::compute(&s, &[short], &store),
        Err(Error::InvalidPskNonceLength { index: 0, got: 31 })
    );

    store.prune_resumption(b"g", 6);
    assert!(store.resumption_psk(b"g", 5).is_none());
    assert!(store.remove_external(b"ext").is_some());
    assert!(store.psk(&ext).is_none());
}

#[test]
fn too_many_psks_is_an_error() {
    let s = suite(1);
    let id = PreSharedKeyID {
        psk: Psk::External { psk_id: vec![] },
        psk_nonce: vec![0; 32],
    };
    let ids = vec![id; usize::from(u16::MAX) + 1];
    assert_eq!(
        PskSecret::compute(&s, &ids, &InMemoryPskStore::new()),
        Err(Error::TooManyPsks { count: ids.len() })
    );
}
