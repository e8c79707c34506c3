//! The suites' AEADs: AES-128-GCM, AES-256-GCM and ChaCha20-Poly1305.

use aead::{Aead, AeadInOut, KeyInit, Nonce, Payload};
use alloc::vec::Vec;
// The AEAD states (round keys, GHASH key, ChaCha20 state) must be cleared
// on drop: the `zeroize` features of aes-gcm and chacha20poly1305 (workspace
// Cargo.toml) provide this bound, so the crate does not build without them.
use zeroize::ZeroizeOnDrop;

#[cfg(any(
    feature = "suite-1",
    feature = "suite-2",
    feature = "suite-4",
    feature = "suite-5",
    feature = "suite-7"
))]
use aes_gcm::aead;
#[cfg(not(any(
    feature = "suite-1",
    feature = "suite-2",
    feature = "suite-4",
    feature = "suite-5",
    feature = "suite-7"
)))]
use chacha20poly1305::aead;

use mls_crypto::Error;

/// The tag length of every suite AEAD.
const TAG_LEN: usize = 16;

/// An AEAD algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AeadAlg {
    #[cfg(any(feature = "suite-1", feature = "suite-2"))]
    Aes128Gcm,
    #[cfg(any(feature = "suite-4", feature = "suite-5", feature = "suite-7"))]
    Aes256Gcm,
    #[cfg(any(feature = "suite-3", feature = "suite-6"))]
    ChaCha20Poly1305,
}

impl AeadAlg {
    /// `Nk`.
    pub(crate) fn key_len(self) -> usize {
        match self {
            #[cfg(any(feature = "suite-1", feature = "suite-2"))]
            AeadAlg::Aes128Gcm => 16,
            #[cfg(any(feature = "suite-4", feature = "suite-5", feature = "suite-7"))]
            AeadAlg::Aes256Gcm => 32,
            #[cfg(any(feature = "suite-3", feature = "suite-6"))]
            AeadAlg::ChaCha20Poly1305 => 32,
        }
    }

    /// `Nn` (12 for every suite AEAD).
    pub(crate) fn nonce_len(self) -> usize {
        12
    }

    /// Seal: ciphertext followed by the tag.
    pub(crate) fn seal(
        self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, Error> {
        match self {
            #[cfg(any(feature = "suite-1", feature = "suite-2"))]
            AeadAlg::Aes128Gcm => seal::<aes_gcm::Aes128Gcm>(key, nonce, aad, plaintext),
            #[cfg(any(feature = "suite-4", feature = "suite-5", feature = "suite-7"))]
            AeadAlg::Aes256Gcm => seal::<aes_gcm::Aes256Gcm>(key, nonce, aad, plaintext),
            #[cfg(any(feature = "suite-3", feature = "suite-6"))]
            AeadAlg::ChaCha20Poly1305 => {
                seal::<chacha20poly1305::ChaCha20Poly1305>(key, nonce, aad, plaintext)
            }
        }
    }

    /// Seal in place: `buffer` holds the plaintext and receives the
    /// ciphertext followed by the tag. Unchanged on error.
    pub(crate) fn seal_in_place(
        self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        buffer: &mut Vec<u8>,
    ) -> Result<(), Error> {
        match self {
            #[cfg(any(feature = "suite-1", feature = "suite-2"))]
            AeadAlg::Aes128Gcm => seal_in_place::<aes_gcm::Aes128Gcm>(key, nonce, aad, buffer),
            #[cfg(any(feature = "suite-4", feature = "suite-5", feature = "suite-7"))]
            AeadAlg::Aes256Gcm => seal_in_place::<aes_gcm::Aes256Gcm>(key, nonce, aad, buffer),
            #[cfg(any(feature = "suite-3", feature = "suite-6"))]
            AeadAlg::ChaCha20Poly1305 => {
                seal_in_place::<chacha20poly1305::ChaCha20Poly1305>(key, nonce, aad, buffer)
            }
        }
    }

    /// Open ciphertext-with-tag.
    pub(crate) fn open(
        self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, Error> {
        match self {
            #[cfg(any(feature = "suite-1", feature = "suite-2"))]
            AeadAlg::Aes128Gcm => open::<aes_gcm::Aes128Gcm>(key, nonce, aad, ciphertext),
            #[cfg(any(feature = "suite-4", feature = "suite-5", feature = "suite-7"))]
            AeadAlg::Aes256Gcm => open::<aes_gcm::Aes256Gcm>(key, nonce, aad, ciphertext),
            #[cfg(any(feature = "suite-3", feature = "suite-6"))]
            AeadAlg::ChaCha20Poly1305 => {
                open::<chacha20poly1305::ChaCha20Poly1305>(key, nonce, aad, ciphertext)
            }
        }
    }
}

fn cipher<A: KeyInit + Aead + ZeroizeOnDrop>(key: &[u8], nonce: &[u8]) -> Result<(A, Nonce<A>), Error> {
    let cipher = A::new_from_slice(key).map_err(|_| Error::InvalidAeadKeyOrNonce)?;
    let nonce = Nonce::<A>::try_from(nonce).map_err(|_| Error::InvalidAeadKeyOrNonce)?;
    Ok((cipher, nonce))
}

fn seal<A: KeyInit + Aead + ZeroizeOnDrop>(
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, Error> {
    let (cipher, nonce) = cipher::<A>(key, nonce)?;
    // The only failure left is a plaintext beyond the AEAD's limit
    // (2^36 bytes for GCM, 2^38 for ChaCha20-Poly1305).
    cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| Error::InvalidAeadKeyOrNonce)
}

fn seal_in_place<A: KeyInit + AeadInOut + ZeroizeOnDrop>(
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    buffer: &mut Vec<u8>,
) -> Result<(), Error> {
    let (cipher, nonce) = cipher::<A>(key, nonce)?;
    // Encrypting the whole buffer first, then appending the tag: the only
    // failure (a plaintext beyond the AEAD's limit) comes before any byte
    // is changed.
    cipher
        .encrypt_in_place(&nonce, aad, buffer)
        .map_err(|_| Error::InvalidAeadKeyOrNonce)
}

fn open<A: KeyInit + Aead + ZeroizeOnDrop>(
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>, Error> {
    let (cipher, nonce) = cipher::<A>(key, nonce)?;
    if ciphertext.len() < TAG_LEN {
        return Err(Error::AeadOpenFailed);
    }
    cipher
        .decrypt(
            &nonce,
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map_err(|_| Error::AeadOpenFailed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 15, item 16: every AEAD type used here is zeroized on drop
    /// (a compile-time check: it does not build without the features).
    #[test]
    fn item16_aead_states_are_zeroized_on_drop() {
        fn zeroized_on_drop<T: ZeroizeOnDrop>() {}
        #[cfg(any(feature = "suite-1", feature = "suite-2"))]
        zeroized_on_drop::<aes_gcm::Aes128Gcm>();
        #[cfg(any(feature = "suite-4", feature = "suite-5", feature = "suite-7"))]
        zeroized_on_drop::<aes_gcm::Aes256Gcm>();
        #[cfg(any(feature = "suite-3", feature = "suite-6"))]
        zeroized_on_drop::<chacha20poly1305::ChaCha20Poly1305>();
        // And sealing still works.
        for alg in [
            #[cfg(any(feature = "suite-1", feature = "suite-2"))]
            AeadAlg::Aes128Gcm,
            #[cfg(any(feature = "suite-4", feature = "suite-5", feature = "suite-7"))]
            AeadAlg::Aes256Gcm,
            #[cfg(any(feature = "suite-3", feature = "suite-6"))]
            AeadAlg::ChaCha20Poly1305,
        ] {
            let key = alloc::vec![7u8; alg.key_len()];
            let ct = alg.seal(&key, &[1; 12], b"aad", b"pt").unwrap();
            assert_eq!(alg.open(&key, &[1; 12], b"aad", &ct).unwrap(), b"pt");
        }
    }
}
