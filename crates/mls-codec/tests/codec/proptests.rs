//! Property tests: arbitrary input never panics, accepted input is canonical,
//! and generated values round-trip.

use crate::common;

use common::*;
use mls_codec::{decode_exact, Decode, Encode, Reader, VarInt, VARINT_MAX};
use proptest::prelude::*;

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..max)
}

fn credential() -> impl Strategy<Value = Credential> {
    prop_oneof![
        bytes(80).prop_map(|identity| Credential::Basic { identity }),
        prop::collection::vec(
            bytes(20).prop_map(|cert_data| Certificate { cert_data }),
            0..4
        )
        .prop_map(Credential::X509),
        Just(Credential::Empty),
    ]
}

prop_compose! {
    fn leaf()(
        encryption_key in bytes(70),
        credential in credential(),
        parent_hash in prop::option::of(bytes(40)),
        extensions in prop::collection::vec(bytes(10), 0..5),
        nonce in any::<[u8; 12]>(),
        lifetime in prop::option::of((any::<u64>(), any::<u64>())),
        epoch in any::<u64>(),
        credential_type in any::<u16>(),
    ) -> LeafLike {
        LeafLike {
            encryption_key,
            credential,
            parent_hash,
            extensions,
            nonce,
            lifetime: lifetime.map(|(not_before, not_after)| Lifetime { not_before, not_after }),
            epoch,
            credential_type: CredentialType(credential_type),
        }
    }
}

/// Decoding `input` as `T` must not panic; if it succeeds, re-encoding must
/// give back exactly the bytes consumed (the encoding is canonical).
fn decode_is_canonical<T: Encode + Decode>(input: &[u8]) -> Result<(), TestCaseError> {
    let mut r = Reader::new(input);
    if let Ok(value) = T::decode(&mut r) {
        let consumed = &input[..r.position()];
        prop_assert_eq!(value.encoded_len(), consumed.len());
        prop_assert_eq!(value.to_bytes().unwrap(), consumed);
    }
    Ok(())
}

fn all_types(input: &[u8]) -> Result<(), TestCaseError> {
    decode_is_canonical::<LeafLike>(input)?;
    decode_is_canonical::<Vec<LeafLike>>(input)?;
    decode_is_canonical::<Credential>(input)?;
    decode_is_canonical::<Vec<Credential>>(input)?;
    decode_is_canonical::<Option<Vec<Vec<u8>>>>(input)?;
    decode_is_canonical::<Vec<Vec<Vec<u8>>>>(input)?;
    decode_is_canonical::<Vec<Wrapper<Small>>>(input)?;
    decode_is_canonical::<Vec<Option<u16>>>(input)?;
    decode_is_canonical::<Vec<VarInt>>(input)?;
    decode_is_canonical::<Vec<[u8; 3]>>(input)?;
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(input in bytes(300)) {
        all_types(&input)?;
    }

    /// Random bytes rarely get past the first tag; mutating valid
    /// encodings reaches the deeper decoders.
    #[test]
    fn mutated_encodings_never_panic(
        value in prop::collection::vec(leaf(), 1..3),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut input = value.to_bytes().unwrap();
        for (at, byte) in edits {
            let i = at.index(input.len());
            input[i] = byte;
        }
        all_types(&input)?;
        all_types(&input[..cut.index(input.len() + 1)])?;
    }

    #[test]
    fn leaves_round_trip(value in leaf()) {
        let bytes = value.to_bytes().unwrap();
        prop_assert_eq!(bytes.len(), value.encoded_len());
        prop_assert_eq!(decode_exact::<LeafLike>(&bytes).unwrap(), value);
    }

    #[test]
    fn nested_vectors_round_trip(
        value in prop::collection::vec(prop::collection::vec(bytes(70), 0..4), 0..4),
        opt in prop::option::of(bytes(100)),
    ) {
        let bytes = value.to_bytes().unwrap();
        prop_assert_eq!(bytes.len(), value.encoded_len());
        prop_assert_eq!(decode_exact::<Vec<Vec<Vec<u8>>>>(&bytes).unwrap(), value);
        prop_assert_eq!(decode_exact::<Option<Vec<u8>>>(&opt.to_bytes().unwrap()).unwrap(), opt);
    }

    #[test]
    fn varints_round_trip(v in 0..=VARINT_MAX) {
        let bytes = VarInt(v).to_bytes().unwrap();
        prop_assert_eq!(bytes.len(), VarInt(v).encoded_len());
        prop_assert_eq!(decode_exact::<VarInt>(&bytes).unwrap(), VarInt(v));
    }

    #[test]
    fn integers_round_trip(a in any::<u8>(), b in any::<u16>(), c in any::<u32>(), d in any::<u64>()) {
        prop_assert_eq!(decode_exact::<u8>(&a.to_bytes().unwrap()).unwrap(), a);
        prop_assert_eq!(decode_exact::<u16>(&b.to_bytes().unwrap()).unwrap(), b);
        prop_assert_eq!(decode_exact::<u32>(&c.to_bytes().unwrap()).unwrap(), c);
        prop_assert_eq!(decode_exact::<u64>(&d.to_bytes().unwrap()).unwrap(), d);
    }
}
