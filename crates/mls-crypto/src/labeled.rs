//! The labeled MLS operations (RFC 9420 §5.1.2–§5.2, §8, §9).
//!
//! Every label is prefixed with `"MLS 1.0 "` here; callers pass the bare
//! label from the RFC (`"joiner"`, `"LeafNodeTBS"`, ...), except for
//! [`ref_hash`], whose label the RFC uses as given.
//!
//! Example, on the RustCrypto provider: test `labeled_expand_with_label` in
//! `crates/mls-rustcrypto/tests/rustcrypto/trait_examples.rs`.

use alloc::vec::Vec;
use mls_codec::{varint_len, write_varint};

use crate::{
    BatchVerifyError, CipherSuiteProvider, Error, HpkeCiphertext, HpkePrivateKey, HpkePublicKey,
    Rng, Secret, SignatureItem, SignaturePublicKey, Verifier,
};

/// The prefix of every MLS label.
pub const LABEL_PREFIX: &[u8] = b"MLS 1.0 ";

/// `RefHash` label of a KeyPackageRef (RFC 9420 §5.2).
pub const KEY_PACKAGE_REF_LABEL: &[u8] = b"MLS 1.0 KeyPackage Reference";

/// `RefHash` label of a ProposalRef (RFC 9420 §5.2).
pub const PROPOSAL_REF_LABEL: &[u8] = b"MLS 1.0 Proposal Reference";

/// Encode `struct { [prefix] opaque label<V>; opaque second<V>; }` with the
/// label given as a prefix plus a suffix (so `"MLS 1.0 " + Label` is never
/// built separately).
fn encode_labeled(
    out: &mut Vec<u8>,
    prefix: &[u8],
    label: &[u8],
    second: &[u8],
) -> Result<(), Error> {
    let label_len = prefix.len() + label.len();
    out.reserve(varint_len(label_len) + label_len + varint_len(second.len()) + second.len());
    write_varint(label_len, out)?;
    out.extend_from_slice(prefix);
    out.extend_from_slice(label);
    write_varint(second.len(), out)?;
    out.extend_from_slice(second);
    Ok(())
}

/// Everything of `struct { opaque label<V> = "MLS 1.0 " + Label; opaque
/// second<V>; }` before `second`'s bytes: the label with its length and
/// `second`'s length. Followed by `second`, it is the whole encoding, so
/// a large `second` is passed on as a separate part and never copied.
fn labeled_head(label: &[u8], second_len: usize) -> Result<Vec<u8>, Error> {
    let label_len = LABEL_PREFIX.len() + label.len();
    let mut head = Vec::with_capacity(varint_len(label_len) + label_len + varint_len(second_len));
    write_varint(label_len, &mut head)?;
    head.extend_from_slice(LABEL_PREFIX);
    head.extend_from_slice(label);
    write_varint(second_len, &mut head)?;
    Ok(head)
}

/// `ExpandWithLabel(Secret, Label, Context, Length)` (RFC 9420 §8).
pub fn expand_with_label<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    secret: &[u8],
    label: &[u8],
    context: &[u8],
    length: u16,
) -> Result<Secret, Error> {
    let mut info = Vec::new();
    info.extend_from_slice(&length.to_be_bytes());
    encode_labeled(&mut info, LABEL_PREFIX, label, context)?;
    suite.kdf_expand(secret, &info, usize::from(length))
}

/// `DeriveSecret(Secret, Label)` = `ExpandWithLabel(Secret, Label, "", KDF.Nh)` (RFC 9420 §8).
pub fn derive_secret<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    secret: &[u8],
    label: &[u8],
) -> Result<Secret, Error> {
    let nh = u16::try_from(suite.kdf_extract_len()).map_err(|_| Error::InvalidKdfLength)?;
    expand_with_label(suite, secret, label, b"", nh)
}

/// `DeriveTreeSecret(Secret, Label, Generation, Length)` =
/// `ExpandWithLabel(Secret, Label, Generation, Length)` with the generation as
/// a big-endian `uint32` (RFC 9420 §9).
pub fn derive_tree_secret<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    secret: &[u8],
    label: &[u8],
    generation: u32,
    length: u16,
) -> Result<Secret, Error> {
    expand_with_label(suite, secret, label, &generation.to_be_bytes(), length)
}

/// `SignContent` for `label` and `content` (RFC 9420 §5.1.2).
pub fn sign_content(label: &[u8], content: &[u8]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    encode_labeled(&mut out, LABEL_PREFIX, label, content)?;
    Ok(out)
}

/// `SignWithLabel(SignatureKey, Label, Content)` (RFC 9420 §5.1.2): the
/// signature of [`sign_content`], which is given to
/// [`CipherSuiteProvider::sign_parts`] as its head and `content`, not
/// built.
pub fn sign_with_label<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    key: &S::SigningKey,
    label: &[u8],
    content: &[u8],
) -> Result<Vec<u8>, Error> {
    let head = labeled_head(label, content.len())?;
    suite.sign_parts(key, &[&head, content])
}

/// `VerifyWithLabel(VerificationKey, Label, Content, SignatureValue)` (RFC
/// 9420 §5.1.2), through [`CipherSuiteProvider::verify_parts`] as for
/// [`sign_with_label`].
///
/// Example, on the RustCrypto provider: test `labeled_verify_with_label` in
/// `crates/mls-rustcrypto/tests/rustcrypto/trait_examples.rs`.
pub fn verify_with_label<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    public_key: &SignaturePublicKey,
    label: &[u8],
    content: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    verify_with_label_by(suite, public_key, label, content, signature)
}

/// [`verify_with_label`] with any form of the key ([`Verifier`]): a
/// [`SignaturePublicKey`], or one prepared by
/// [`CipherSuiteProvider::verifying_key`] (as a
/// [`VerificationKey`](crate::VerificationKey)), with the same result.
pub fn verify_with_label_by<S: CipherSuiteProvider + ?Sized, K: Verifier<S> + ?Sized>(
    suite: &S,
    key: &K,
    label: &[u8],
    content: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let head = labeled_head(label, content.len())?;
    key.verify_parts_with(suite, &[&head, content], signature)
}

/// `VerifyWithLabel` (RFC 9420 §5.1.2) of many signatures with one label,
/// through [`CipherSuiteProvider::verify_batch`]: each item's `message` is
/// the `Content`, which is wrapped in its `SignContent` here. `Ok` if every
/// signature verifies, else the first failing item with the error
/// [`verify_with_label`] gives for it.
///
/// Example, on the RustCrypto provider: test `labeled_verify_batch_with_label` in
/// `crates/mls-rustcrypto/tests/rustcrypto/trait_examples.rs`.
pub fn verify_batch_with_label<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    label: &[u8],
    items: &[SignatureItem<'_>],
) -> Result<(), BatchVerifyError> {
    let mut contents = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        contents.push(
            sign_content(label, item.message).map_err(|error| BatchVerifyError { index, error })?,
        );
    }
    let labeled: Vec<SignatureItem<'_>> = items
        .iter()
        .zip(&contents)
        .map(|(item, content)| SignatureItem {
            message: content,
            ..*item
        })
        .collect();
    suite.verify_batch(&labeled)
}

/// `EncryptWithLabel(PublicKey, Label, Context, Plaintext)` =
/// `SealBase(PublicKey, EncryptContext, "", Plaintext)` (RFC 9420 §5.1.3).
/// The EncryptContext is given to [`CipherSuiteProvider::hpke_seal_parts`]
/// as its head and `context` (which can be large: a Welcome's encrypted
/// GroupInfo), not built.
///
/// Example, on the RustCrypto provider: test `labeled_encrypt_with_label` in
/// `crates/mls-rustcrypto/tests/rustcrypto/trait_examples.rs`.
pub fn encrypt_with_label<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    public_key: &HpkePublicKey,
    label: &[u8],
    context: &[u8],
    plaintext: &[u8],
    rng: &mut dyn Rng,
) -> Result<HpkeCiphertext, Error> {
    let head = labeled_head(label, context.len())?;
    suite.hpke_seal_parts(public_key, &[&head, context], b"", plaintext, rng)
}

/// `EncryptWithLabel(pk, Label, Context, pt)` for each `(pk, pt)` of
/// `items`, in order, through [`CipherSuiteProvider::hpke_seal_batch_parts`]:
/// the same result as that many [`encrypt_with_label`] calls with `rng`.
///
/// Example, on the RustCrypto provider: test `labeled_encrypt_with_label_batch` in
/// `crates/mls-rustcrypto/tests/rustcrypto/trait_examples.rs`.
pub fn encrypt_with_label_batch<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    label: &[u8],
    context: &[u8],
    items: &[(&HpkePublicKey, &[u8])],
    rng: &mut dyn Rng,
) -> Result<Vec<HpkeCiphertext>, Error> {
    let head = labeled_head(label, context.len())?;
    suite.hpke_seal_batch_parts(&[&head, context], b"", items, rng)
}

/// `DecryptWithLabel(PrivateKey, Label, Context, KEMOutput, Ciphertext)` =
/// `OpenBase(KEMOutput, PrivateKey, EncryptContext, "", Ciphertext)` (RFC 9420 §5.1.3).
/// `public_key` is the recipient's own public key.
pub fn decrypt_with_label<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    private_key: &HpkePrivateKey,
    public_key: &HpkePublicKey,
    label: &[u8],
    context: &[u8],
    ciphertext: &HpkeCiphertext,
) -> Result<Vec<u8>, Error> {
    let head = labeled_head(label, context.len())?;
    suite.hpke_open_parts(private_key, public_key, &[&head, context], b"", ciphertext)
}

/// `RefHash(label, value)` = `Hash(RefHashInput)` (RFC 9420 §5.2). The label
/// is used as given (it already carries "MLS 1.0 "). `value` (a whole
/// KeyPackage or AuthenticatedContent) is hashed as a part of its own, not
/// copied.
pub fn ref_hash<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    label: &[u8],
    value: &[u8],
) -> Result<Vec<u8>, Error> {
    let mut head = Vec::with_capacity(varint_len(label.len()) + label.len() + 4);
    write_varint(label.len(), &mut head)?;
    head.extend_from_slice(label);
    write_varint(value.len(), &mut head)?;
    Ok(suite.hash_parts(&[&head, value]))
}

/// `MakeKeyPackageRef(value)` over the encoded KeyPackage (RFC 9420 §5.2).
pub fn key_package_ref<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    key_package: &[u8],
) -> Result<Vec<u8>, Error> {
    ref_hash(suite, KEY_PACKAGE_REF_LABEL, key_package)
}

/// `MakeProposalRef(value)` over the encoded AuthenticatedContent (RFC 9420 §5.2).
pub fn proposal_ref<S: CipherSuiteProvider + ?Sized>(
    suite: &S,
    authenticated_content: &[u8],
) -> Result<Vec<u8>, Error> {
    ref_hash(suite, PROPOSAL_REF_LABEL, authenticated_content)
}
