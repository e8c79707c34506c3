//! Conversions between the harness' bytes and `mls-group`'s types, and
//! the helpers every RPC shares.

use mls_group::codec::decode_exact;
use mls_group::*;
use tonic::Status;

use crate::proto;

pub(crate) fn mls_err(e: GroupError) -> Status {
    Status::aborted(format!("{e:?}"))
}

pub(crate) fn framing_err(
    what: &str,
) -> impl FnOnce(mls_group::framing::FramingError) -> Status + '_ {
    move |e| Status::invalid_argument(format!("{what}: {e:?}"))
}

pub(crate) fn suite(cipher_suite: u32) -> Result<Suite, Status> {
    u16::try_from(cipher_suite)
        .ok()
        .and_then(|cs| RustCrypto.cipher_suite_provider(CipherSuite(cs)))
        .ok_or_else(|| Status::invalid_argument(format!("unsupported cipher suite {cipher_suite}")))
}

pub(crate) fn config(encrypt: bool) -> GroupConfig {
    GroupConfig {
        handshake_format: if encrypt {
            HandshakeFormat::Private
        } else {
            HandshakeFormat::Public
        },
        ..GroupConfig::default()
    }
}

pub(crate) fn rng() -> OsRng {
    OsRng
}

pub(crate) fn new_identity(suite: &Suite, identity: &[u8]) -> Result<ClientIdentity, Status> {
    ClientIdentity::generate(suite, Credential::Basic(identity.to_vec()), &mut rng())
        .map_err(mls_err)
}

pub(crate) fn new_bundle(
    suite: &Suite,
    identity: &ClientIdentity,
) -> Result<KeyPackageBundle, Status> {
    KeyPackageBundle::create(suite, identity, KeyPackageOptions::default(), &mut rng())
        .map_err(mls_err)
}

pub(crate) fn message(bytes: &[u8]) -> Result<MlsMessage, Status> {
    MlsMessage::from_bytes(bytes).map_err(framing_err("MLSMessage"))
}

pub(crate) fn message_bytes(msg: impl Into<MlsMessage>) -> Result<Vec<u8>, Status> {
    msg.into()
        .to_bytes()
        .map_err(|e| Status::internal(format!("encoding: {e:?}")))
}

pub(crate) fn welcome(bytes: &[u8]) -> Result<Welcome, Status> {
    message(bytes)?
        .into_welcome()
        .map_err(framing_err("Welcome"))
}

pub(crate) fn group_info(bytes: &[u8]) -> Result<GroupInfo, Status> {
    message(bytes)?
        .into_group_info()
        .map_err(framing_err("GroupInfo"))
}

/// A KeyPackage as an `MLSMessage` (what this client sends) or bare.
pub(crate) fn key_package(bytes: &[u8]) -> Result<KeyPackage, Status> {
    match MlsMessage::from_bytes(bytes) {
        Ok(msg) => msg.into_key_package().map_err(framing_err("KeyPackage")),
        Err(e) => {
            decode_exact(bytes).map_err(|_| Status::invalid_argument(format!("KeyPackage: {e:?}")))
        }
    }
}

/// An optional ratchet tree (the `ratchet_tree` extension's body).
pub(crate) fn ratchet_tree(bytes: &[u8]) -> Result<Option<RatchetTree>, Status> {
    if bytes.is_empty() {
        return Ok(None);
    }
    RatchetTree::from_extension_bytes(bytes)
        .map(Some)
        .map_err(|e| Status::invalid_argument(format!("ratchet tree: {e:?}")))
}

pub(crate) fn tree_bytes(tree: &RatchetTree) -> Result<Vec<u8>, Status> {
    tree.to_extension_bytes()
        .map_err(|e| Status::internal(format!("ratchet tree: {e:?}")))
}

pub(crate) fn extensions(list: &[proto::Extension]) -> Result<Vec<mls_group::Extension>, Status> {
    list.iter()
        .map(|e| {
            let t = u16::try_from(e.extension_type)
                .map_err(|_| Status::invalid_argument("extension type is not a uint16"))?;
            Ok(mls_group::Extension::new(
                ExtensionType(t),
                e.extension_data.clone(),
            ))
        })
        .collect()
}

/// The private keys of a KeyPackage bundle, as the harness reports them.
pub(crate) struct PrivateKeys {
    pub(crate) init: Vec<u8>,
    pub(crate) encryption: Vec<u8>,
    pub(crate) signature: Vec<u8>,
}

/// The bundle's private keys, as the harness reports them.
pub(crate) fn private_keys(bundle: &KeyPackageBundle) -> PrivateKeys {
    PrivateKeys {
        init: bundle.init_private_key().as_bytes().to_vec(),
        encryption: bundle.encryption_private_key().as_bytes().to_vec(),
        signature: bundle
            .identity()
            .signature_private_key()
            .as_bytes()
            .to_vec(),
    }
}

pub(crate) fn leaf_of(members: &[Member], identity: &[u8]) -> Result<LeafIndex, Status> {
    let wanted = Credential::Basic(identity.to_vec());
    members
        .iter()
        .find(|m| m.credential == wanted)
        .map(|m| m.index)
        .ok_or_else(|| {
            Status::invalid_argument(format!("no member {:?}", String::from_utf8_lossy(identity)))
        })
}
pub(crate) type Suite = RustCryptoSuite;

#[cfg(test)]
mod tests {
    use super::*;

    /// The reported private keys are the bundle's: the bundle rebuilt from
    /// them passes `from_parts`' key checks.
    #[test]
    fn reported_private_keys_match_the_key_package() {
        for cs in [1, 2, 3, 5, 7] {
            let suite = suite(cs).unwrap();
            let identity = new_identity(&suite, b"bob").unwrap();
            let bundle = new_bundle(&suite, &identity).unwrap();
            let keys = private_keys(&bundle);
            let from_key = ClientIdentity::from_private_key(
                &suite,
                Credential::Basic(b"bob".to_vec()),
                mls_group::crypto::SignaturePrivateKey::from_bytes(keys.signature),
            )
            .unwrap();
            KeyPackageBundle::from_parts(
                &suite,
                bundle.key_package().clone(),
                mls_group::crypto::HpkePrivateKey::from_bytes(keys.init),
                mls_group::crypto::HpkePrivateKey::from_bytes(keys.encryption),
                from_key,
            )
            .unwrap();
        }
    }

    #[test]
    fn every_suite_of_the_provider_is_offered() {
        let offered = RustCrypto.supported_cipher_suites();
        assert_eq!(offered.len(), 7);
        for cs in offered {
            assert!(suite(u32::from(cs.0)).is_ok());
        }
        assert!(suite(0x1_0001).is_err());
    }
}
