//! `message-protection.json`: PublicMessage (RFC 9420 §6.2) and
//! PrivateMessage (§6.3) in both directions, for a proposal, a commit and
//! application data sent by leaf 1 of a two-member group.

use mls_codec::{decode_exact, Encode};
use mls_crypto::{CipherSuiteProvider, Secret, SignaturePrivateKey, SignaturePublicKey};
use mls_framing::{
    AuthenticatedContent, Commit, Content, FramedContent, FramingError, MlsMessage, Padding,
    PrivateMessage, Proposal, PublicMessage, Sender, WireFormat,
};
use mls_keyschedule::{SecretTree, SecretTreeConfig};
use mls_rustcrypto::RustCryptoSuite;
use mls_test_support::TestRng;
use mls_types::tree_math::LeafIndex;
use mls_types::GroupContext;
use serde_json::Value;

use super::key_schedule::suite_of;
use crate::hexjson::{bytes, private_key, uint};

/// What one case provides.
struct Case {
    suite: RustCryptoSuite,
    context: GroupContext,
    signing_key: <RustCryptoSuite as CipherSuiteProvider>::SigningKey,
    signature_pub: SignaturePublicKey,
    encryption_secret: Vec<u8>,
    sender_data_secret: Vec<u8>,
    membership_key: Vec<u8>,
}

const SENDER: LeafIndex = LeafIndex(1);

impl Case {
    fn tree(&self) -> Result<SecretTree, String> {
        SecretTree::new(
            &self.suite,
            Secret::from(self.encryption_secret.clone()),
            2,
            SecretTreeConfig::default(),
        )
        .map_err(|e| format!("secret tree: {e}"))
    }

    fn framed(&self, content: Content) -> FramedContent {
        FramedContent {
            group_id: self.context.group_id.clone(),
            epoch: self.context.epoch,
            sender: Sender::Member(SENDER),
            authenticated_data: Vec::new(),
            content,
        }
    }

    /// Signs `content` for `wire_format`, with a confirmation tag for commits.
    fn sign(
        &self,
        wire_format: WireFormat,
        content: Content,
    ) -> Result<AuthenticatedContent, FramingError> {
        let is_commit = matches!(content, Content::Commit(_));
        let mut ac = AuthenticatedContent::sign(
            &self.suite,
            &self.signing_key,
            wire_format,
            self.framed(content),
            Some(&self.context),
        )?;
        if is_commit {
            ac.set_confirmation_tag(vec![0xc7; self.suite.hash_len()])?;
        }
        Ok(ac)
    }

    /// Unprotects the PublicMessage in `msg`.
    fn open_public(&self, msg: &[u8]) -> Result<Content, String> {
        let pm = MlsMessage::from_bytes(msg)
            .and_then(MlsMessage::into_public_message)
            .map_err(|e| format!("decode: {e}"))?;
        let ac = pm
            .unprotect(
                &self.suite,
                Some(&self.membership_key),
                Some(&self.context),
                &self.signature_pub,
            )
            .map_err(|e| format!("unprotect: {e}"))?;
        Ok(ac.content.content)
    }

    /// Unprotects the PrivateMessage in `msg` with a fresh secret tree.
    fn open_private(&self, msg: &[u8], tree: &mut SecretTree) -> Result<Content, String> {
        let pm = MlsMessage::from_bytes(msg)
            .and_then(MlsMessage::into_private_message)
            .map_err(|e| format!("decode: {e}"))?;
        let ac = pm
            .unprotect(
                &self.suite,
                tree,
                &self.sender_data_secret,
                &self.context,
                |leaf| (leaf == SENDER).then(|| self.signature_pub.clone()),
            )
            .map_err(|e| format!("unprotect: {e}"))?;
        Ok(ac.content.content)
    }

    /// Protects `content` as a PublicMessage and unprotects the encoding.
    fn public_roundtrip(&self, content: Content) -> Result<Content, FramingError> {
        let ac = self.sign(WireFormat::PUBLIC_MESSAGE, content)?;
        let pm = PublicMessage::protect(
            &self.suite,
            ac,
            Some(&self.membership_key),
            Some(&self.context),
        )?;
        let bytes = MlsMessage::from(pm).to_bytes()?;
        let pm = MlsMessage::from_bytes(&bytes)?.into_public_message()?;
        let ac = pm.unprotect(
            &self.suite,
            Some(&self.membership_key),
            Some(&self.context),
            &self.signature_pub,
        )?;
        Ok(ac.content.content)
    }

    /// Protects `content` as a PrivateMessage and unprotects the encoding.
    fn private_roundtrip(&self, content: Content) -> Result<Content, String> {
        let ac = self
            .sign(WireFormat::PRIVATE_MESSAGE, content)
            .map_err(|e| format!("sign: {e}"))?;
        let mut rng = TestRng::new(2);
        let pm = PrivateMessage::protect(
            &self.suite,
            &ac,
            &mut self.tree()?,
            &self.sender_data_secret,
            Padding::PadTo(32),
            &mut rng,
        )
        .map_err(|e| format!("protect: {e}"))?;
        let bytes = MlsMessage::from(pm)
            .to_bytes()
            .map_err(|e| format!("encode: {e}"))?;
        self.open_private(&bytes, &mut self.tree()?)
    }
}

fn same(what: &str, got: &Content, want: &Content) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!(
            "{what}: content differs: got {got:?}, want {want:?}"
        ))
    }
}

/// Both directions for each of proposal, commit and application data.
pub fn check(case: &Value) -> Result<(), String> {
    let suite = suite_of(case)?;
    let context = GroupContext::new(
        suite.cipher_suite(),
        bytes(case, "group_id")?,
        uint(case, "epoch")?,
        bytes(case, "tree_hash")?,
        bytes(case, "confirmed_transcript_hash")?,
    );
    let signature_pub = bytes(case, "signature_pub")?;
    let signature_priv = private_key(suite.cipher_suite(), case, "signature_priv")?;
    let signing_key = suite
        .signing_key(&SignaturePrivateKey::from_bytes(signature_priv))
        .map_err(|e| format!("signature_priv: {e}"))?;
    let c = Case {
        context,
        signing_key,
        signature_pub: SignaturePublicKey(signature_pub),
        encryption_secret: bytes(case, "encryption_secret")?,
        sender_data_secret: bytes(case, "sender_data_secret")?,
        membership_key: bytes(case, "membership_key")?,
        suite,
    };

    let proposal: Proposal =
        decode_exact(&bytes(case, "proposal")?).map_err(|e| format!("proposal: {e}"))?;
    let commit: Commit =
        decode_exact(&bytes(case, "commit")?).map_err(|e| format!("commit: {e}"))?;
    let application = Content::Application(bytes(case, "application")?);

    for (name, content) in [
        ("proposal", Content::Proposal(proposal)),
        ("commit", Content::Commit(commit)),
    ] {
        let at = |step: &str, e: String| format!("{name} {step}: {e}");
        let got = c
            .open_public(&bytes(case, &format!("{name}_pub"))?)
            .map_err(|e| at("pub", e))?;
        same(&format!("{name}_pub"), &got, &content)?;
        let got = c
            .public_roundtrip(content.clone())
            .map_err(|e| at("public round trip", e.to_string()))?;
        same(&format!("{name} public round trip"), &got, &content)?;
        let got = c
            .open_private(&bytes(case, &format!("{name}_priv"))?, &mut c.tree()?)
            .map_err(|e| at("priv", e))?;
        same(&format!("{name}_priv"), &got, &content)?;
        let got = c
            .private_roundtrip(content.clone())
            .map_err(|e| at("private round trip", e))?;
        same(&format!("{name} private round trip"), &got, &content)?;
    }

    match c.public_roundtrip(application.clone()) {
        Err(FramingError::ApplicationInPublicMessage) => {}
        other => {
            return Err(format!(
                "application as PublicMessage: want ApplicationInPublicMessage, got {other:?}"
            ))
        }
    }
    let got = c
        .open_private(&bytes(case, "application_priv")?, &mut c.tree()?)
        .map_err(|e| format!("application_priv: {e}"))?;
    same("application_priv", &got, &application)?;
    let got = c
        .private_roundtrip(application.clone())
        .map_err(|e| format!("application private round trip: {e}"))?;
    same("application private round trip", &got, &application)
}
