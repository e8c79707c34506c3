//! Request authentication (draft §6.1): `ClientSignature` by the sender's
//! leaf in the group, and our `client_credential` for requests about no
//! group the sender is in. Both are `SignWithLabel` (RFC 9420 §5.1.2)
//! over the TBS structure, with their own labels.

use mls_codec::Encode;
use mls_group::crypto::labeled::{sign_with_label, verify_with_label};
use mls_group::{CipherSuiteProvider, ClientIdentity, SignaturePublicKey};

use crate::mimi::wire::{
    ClientCredentialTbs, ClientSignatureTbs, DsAuthData, DsProtocolVersion, DsRequest,
    DsRequestBody,
};
use crate::mimi::MimiError;

/// The label of `ClientSignature`.
pub const CLIENT_SIGNATURE_LABEL: &[u8] = b"MIMI DS ClientSignature";
/// The label of `client_credential`.
pub const CLIENT_CREDENTIAL_LABEL: &[u8] = b"MIMI DS ClientCredential";

/// A request signed by the member at `sender_index` (client side).
pub fn sign_as_member<S: CipherSuiteProvider>(
    suite: &S,
    identity: &ClientIdentity,
    version: DsProtocolVersion,
    body: DsRequestBody,
    sender_index: u32,
) -> Result<DsRequest, MimiError> {
    let tbs = ClientSignatureTbs {
        protocol_version: version,
        request_body: body,
        sender_index,
    };
    let signature = sign(suite, identity, CLIENT_SIGNATURE_LABEL, &tbs)?;
    Ok(DsRequest {
        version,
        request_body: tbs.request_body,
        authentication_data: DsAuthData::ClientSignature {
            sender_index,
            signature,
        },
    })
}

/// A request signed with a client's credential and key (client side).
pub fn sign_with_credential<S: CipherSuiteProvider>(
    suite: &S,
    identity: &ClientIdentity,
    version: DsProtocolVersion,
    body: DsRequestBody,
) -> Result<DsRequest, MimiError> {
    let tbs = ClientCredentialTbs {
        protocol_version: version,
        request_body: body,
        credential: identity.credential().clone(),
        signature_key: identity.signature_key().clone(),
    };
    let signature = sign(suite, identity, CLIENT_CREDENTIAL_LABEL, &tbs)?;
    Ok(DsRequest {
        version,
        request_body: tbs.request_body,
        authentication_data: DsAuthData::ClientCredential {
            credential: tbs.credential,
            signature_key: tbs.signature_key,
            signature,
        },
    })
}

fn sign<S: CipherSuiteProvider, T: Encode>(
    suite: &S,
    identity: &ClientIdentity,
    label: &[u8],
    tbs: &T,
) -> Result<Vec<u8>, MimiError> {
    let key = suite
        .signing_key(identity.signature_private_key())
        .map_err(|_| MimiError::Authentication("signing key"))?;
    let content = tbs
        .to_bytes()
        .map_err(|_| MimiError::Malformed("request too large"))?;
    sign_with_label(suite, &key, label, &content)
        .map_err(|_| MimiError::Authentication("signing failed"))
}

/// Verifies a `ClientSignature` with the key of leaf `sender_index`.
pub(crate) fn verify_member<S: CipherSuiteProvider>(
    suite: &S,
    key: &SignaturePublicKey,
    req: &DsRequest,
    sender_index: u32,
    signature: &[u8],
) -> Result<(), MimiError> {
    let tbs = ClientSignatureTbs {
        protocol_version: req.version,
        request_body: req.request_body.clone(),
        sender_index,
    };
    verify(suite, key, CLIENT_SIGNATURE_LABEL, &tbs, signature)
}

/// Verifies a `client_credential` signature.
pub(crate) fn verify_credential<S: CipherSuiteProvider>(
    suite: &S,
    req: &DsRequest,
) -> Result<(), MimiError> {
    let DsAuthData::ClientCredential {
        credential,
        signature_key,
        signature,
    } = &req.authentication_data
    else {
        return Err(MimiError::Authentication(
            "this operation takes a client_credential",
        ));
    };
    let tbs = ClientCredentialTbs {
        protocol_version: req.version,
        request_body: req.request_body.clone(),
        credential: credential.clone(),
        signature_key: signature_key.clone(),
    };
    verify(
        suite,
        signature_key,
        CLIENT_CREDENTIAL_LABEL,
        &tbs,
        signature,
    )
}

fn verify<S: CipherSuiteProvider, T: Encode>(
    suite: &S,
    key: &SignaturePublicKey,
    label: &[u8],
    tbs: &T,
    signature: &[u8],
) -> Result<(), MimiError> {
    let content = tbs
        .to_bytes()
        .map_err(|_| MimiError::Malformed("request too large"))?;
    verify_with_label(suite, key, label, &content, signature)
        .map_err(|_| MimiError::Authentication("bad signature"))
}
