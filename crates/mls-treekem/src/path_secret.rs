//! Path secrets and node key pairs (RFC 9420 §7.4).

use mls_crypto::{labeled, CipherSuiteProvider, HpkeKeyPair, Secret};

use crate::TreeError;

/// `DeriveSecret(path_secret, "path")`: the next path secret up (RFC 9420 §7.4).
pub fn next_path_secret<S: CipherSuiteProvider + ?Sized>(
    cs: &S,
    path_secret: &Secret,
) -> Result<Secret, TreeError> {
    Ok(labeled::derive_secret(cs, path_secret.as_bytes(), b"path")?)
}

/// `KEM.DeriveKeyPair(DeriveSecret(path_secret, "node"))` (RFC 9420 §7.4).
///
/// ```
/// use mls_crypto::{CipherSuite, CryptoProvider, Secret};
/// use mls_rustcrypto::RustCrypto;
/// use mls_treekem::node_key_pair;
/// let cs = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
/// let kp = node_key_pair(&cs, &Secret::from(vec![1u8; 32])).unwrap();
/// assert_eq!(kp.public.0.len(), 32);
/// ```
pub fn node_key_pair<S: CipherSuiteProvider + ?Sized>(
    cs: &S,
    path_secret: &Secret,
) -> Result<HpkeKeyPair, TreeError> {
    let node_secret = labeled::derive_secret(cs, path_secret.as_bytes(), b"node")?;
    Ok(cs.hpke_derive_key_pair(node_secret.as_bytes())?)
}
