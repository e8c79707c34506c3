//! `GroupInfo` and `GroupInfoTBS` (RFC 9420 §12.4.3).

use alloc::vec::Vec;
use mls_codec::{Decode, Encode};
use mls_crypto::{labeled, CipherSuiteProvider, SignaturePublicKey};
use mls_keyschedule::EpochSecrets;
use mls_types::GroupContext;
use mls_types::{tree_math::LeafIndex, Extension};

use crate::FramingError;

/// The signature label of a GroupInfo (RFC 9420 §12.4.3).
const GROUP_INFO_TBS_LABEL: &[u8] = b"GroupInfoTBS";

/// Room left after an encoded GroupInfoTBS for the signature and, in a
/// Welcome, the AEAD tag. Only a capacity hint: more costs one
/// reallocation.
const SIGNATURE_AND_TAG_ROOM: usize = 256;

/// `struct GroupInfo` (RFC 9420 §12.4.3): the group's state for joiners,
/// signed by the member at leaf `signer`.
///
/// ```
/// # use mls_test_support::framing::*;
/// # use mls_crypto::CryptoProvider;
/// # use mls_rustcrypto::RustCrypto;
/// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// let (key, public) = signer(&suite, 1);
/// let mut gi = GroupInfo {
///     group_context: group_context(CipherSuite(1)),
///     extensions: vec![],
///     confirmation_tag: vec![1; 32],
///     signer: LeafIndex(0),
///     signature: vec![],
/// };
/// gi.sign(&suite, &key).unwrap();
/// gi.verify_signature(&suite, &public).unwrap();
/// gi.confirmation_tag[0] ^= 1;
/// assert_eq!(gi.verify_signature(&suite, &public), Err(FramingError::InvalidSignature));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Encode, Decode)]
pub struct GroupInfo {
    /// `GroupContext group_context`
    pub group_context: GroupContext,
    /// `Extension extensions<V>`
    pub extensions: Vec<Extension>,
    /// `MAC confirmation_tag`
    pub confirmation_tag: Vec<u8>,
    /// `uint32 signer`
    pub signer: LeafIndex,
    /// `opaque signature<V>`: SignWithLabel(., "GroupInfoTBS", GroupInfoTBS).
    pub signature: Vec<u8>,
}

/// `struct GroupInfoTBS` (RFC 9420 §12.4.3): every GroupInfo field but the signature.
#[derive(Debug, Clone, Copy, Encode)]
pub struct GroupInfoTBS<'a> {
    /// `GroupContext group_context`
    pub group_context: &'a GroupContext,
    /// `Extension extensions<V>`
    pub extensions: &'a [Extension],
    /// `MAC confirmation_tag`
    pub confirmation_tag: &'a [u8],
    /// `uint32 signer`
    pub signer: LeafIndex,
}

impl GroupInfo {
    /// The GroupInfoTBS view of this GroupInfo.
    pub fn tbs(&self) -> GroupInfoTBS<'_> {
        GroupInfoTBS {
            group_context: &self.group_context,
            extensions: &self.extensions,
            confirmation_tag: &self.confirmation_tag,
            signer: self.signer,
        }
    }

    /// Sets `signature` to SignWithLabel(key, "GroupInfoTBS", GroupInfoTBS).
    pub fn sign<S: CipherSuiteProvider + ?Sized>(
        &mut self,
        suite: &S,
        key: &S::SigningKey,
    ) -> Result<(), FramingError> {
        let tbs = self.tbs().to_bytes()?;
        self.signature = labeled::sign_with_label(suite, key, GROUP_INFO_TBS_LABEL, &tbs)?;
        Ok(())
    }

    /// [`sign`](Self::sign), returning the encoded GroupInfo: the
    /// GroupInfoTBS is encoded once, signed, and the signature appended
    /// to it, with room left for an AEAD tag, ready for
    /// [`crate::Welcome::seal_encoded`]. A GroupInfo carrying the ratchet
    /// tree is large; this never copies it.
    ///
    /// ```
    /// # use mls_test_support::framing::*;
    /// # use mls_crypto::CryptoProvider;
    /// # use mls_rustcrypto::RustCrypto;
    /// use mls_codec::Encode;
    /// let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
    /// let (key, public) = signer(&suite, 1);
    /// let mut gi = GroupInfo {
    ///     group_context: group_context(CipherSuite(1)),
    ///     extensions: vec![],
    ///     confirmation_tag: vec![1; 32],
    ///     signer: LeafIndex(0),
    ///     signature: vec![],
    /// };
    /// let bytes = gi.sign_encoded(&suite, &key).unwrap();
    /// assert_eq!(bytes, gi.to_bytes().unwrap());
    /// gi.verify_signature(&suite, &public).unwrap();
    /// ```
    pub fn sign_encoded<S: CipherSuiteProvider + ?Sized>(
        &mut self,
        suite: &S,
        key: &S::SigningKey,
    ) -> Result<Vec<u8>, FramingError> {
        let tbs = self.tbs();
        let mut out = Vec::new();
        // Only a hint, as in `Encode::to_bytes`.
        let _ = out.try_reserve_exact(tbs.encoded_len().saturating_add(SIGNATURE_AND_TAG_ROOM));
        tbs.encode(&mut out)?;
        let signature = labeled::sign_with_label(suite, key, GROUP_INFO_TBS_LABEL, &out)?;
        signature.encode(&mut out)?;
        self.signature = signature;
        Ok(out)
    }

    /// Verifies `signature` with the signature key of the leaf `signer`.
    pub fn verify_signature<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
        signer_key: &SignaturePublicKey,
    ) -> Result<(), FramingError> {
        let tbs = self.tbs().to_bytes()?;
        labeled::verify_with_label(
            suite,
            signer_key,
            GROUP_INFO_TBS_LABEL,
            &tbs,
            &self.signature,
        )
        .map_err(|_| FramingError::InvalidSignature)
    }

    /// Verifies `confirmation_tag` = MAC(confirmation_key,
    /// confirmed_transcript_hash) with the epoch's secrets (RFC 9420 §12.4.3.1).
    pub fn verify_confirmation_tag<S: CipherSuiteProvider + ?Sized>(
        &self,
        suite: &S,
        epoch_secrets: &EpochSecrets,
    ) -> Result<(), FramingError> {
        epoch_secrets
            .verify_confirmation_tag(
                suite,
                &self.group_context.confirmed_transcript_hash,
                &self.confirmation_tag,
            )
            .map_err(|e| match e {
                mls_keyschedule::Error::ConfirmationTagMismatch => {
                    FramingError::InvalidConfirmationTag
                }
                other => FramingError::KeySchedule(other),
            })
    }
}
