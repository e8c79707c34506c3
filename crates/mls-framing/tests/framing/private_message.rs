//! PrivateMessage (RFC 9420 §6.3): round trips, the reuse guard, padding,
//! and tampering, which must never consume the ratchet key.

use crate::common;

use common::*;
use mls_codec::Encode;
use mls_crypto::{CipherSuiteProvider, CipherSuiteProviderExt, SignaturePublicKey};
use mls_framing::*;
use mls_keyschedule::{sender_data_key_nonce, RatchetType, SecretTree};
use mls_rustcrypto::RustCryptoSuite;
use mls_test_support::TestRng;
use mls_types::tree_math::LeafIndex;
use mls_types::GroupContext;

const SENDER: LeafIndex = LeafIndex(1);

struct Fixture {
    suite: RustCryptoSuite,
    gc: GroupContext,
    key: Key,
    public: SignaturePublicKey,
}

impl Fixture {
    fn new(cs: u16) -> Self {
        let suite = suite(cs);
        let gc = context(&suite);
        let (key, public) = signer(&suite, u64::from(cs) + 100);
        Fixture {
            suite,
            gc,
            key,
            public,
        }
    }

    fn sign(&self, content: Content) -> AuthenticatedContent {
        let commit = matches!(content, Content::Commit(_));
        let mut ac = AuthenticatedContent::sign(
            &self.suite,
            &self.key,
            WireFormat::PRIVATE_MESSAGE,
            framed(&self.gc, Sender::Member(SENDER), content),
            Some(&self.gc),
        )
        .unwrap();
        if commit {
            ac.set_confirmation_tag(vec![0x33; self.suite.hash_len()])
                .unwrap();
        }
        ac
    }

    fn protect(
        &self,
        ac: &AuthenticatedContent,
        tree: &mut SecretTree,
        padding: Padding,
    ) -> PrivateMessage {
        PrivateMessage::protect(
            &self.suite,
            ac,
            tree,
            &SENDER_DATA_SECRET,
            padding,
            &mut TestRng::new(42),
        )
        .unwrap()
    }

    fn open(
        &self,
        pm: &PrivateMessage,
        tree: &mut SecretTree,
    ) -> Result<AuthenticatedContent, FramingError> {
        self.open_with_key(pm, tree, &self.public)
    }

    fn open_with_key(
        &self,
        pm: &PrivateMessage,
        tree: &mut SecretTree,
        public: &SignaturePublicKey,
    ) -> Result<AuthenticatedContent, FramingError> {
        pm.unprotect(&self.suite, tree, &SENDER_DATA_SECRET, &self.gc, |leaf| {
            (leaf == SENDER).then(|| public.clone())
        })
    }
}

#[test]
fn every_content_type_every_suite() {
    for cs in 1..=7 {
        let f = Fixture::new(cs);
        let (_, _, kp) = key_package(&f.suite, 1);
        let mut sender = secret_tree(&f.suite);
        let mut receiver = secret_tree(&f.suite);
        for content in [
            Content::Application(b"application data".to_vec()),
            remove(2),
            Content::Commit(commit_with_path(&kp)),
        ] {
            let ac = f.sign(content);
            let pm = f.protect(&ac, &mut sender, Padding::None);
            let bytes = MlsMessage::from(pm).to_bytes().unwrap();
            let pm = MlsMessage::from_bytes(&bytes)
                .unwrap()
                .into_private_message()
                .unwrap();
            assert_eq!(f.open(&pm, &mut receiver).unwrap(), ac, "suite {cs}");
            // Each key decrypts once.
            assert!(matches!(
                f.open(&pm, &mut receiver),
                Err(FramingError::KeySchedule(
                    mls_keyschedule::Error::KeyConsumed { .. }
                ))
            ));
        }
    }
}

#[test]
fn reuse_guard_is_xored_into_the_nonce() {
    let f = Fixture::new(1);
    let ac = f.sign(Content::Application(b"guarded".to_vec()));
    // The reuse guard is the first four bytes drawn from the random source.
    let guard = TestRng::new(7).bytes(4);
    let pm = PrivateMessage::protect(
        &f.suite,
        &ac,
        &mut secret_tree(&f.suite),
        &SENDER_DATA_SECRET,
        Padding::None,
        &mut TestRng::new(7),
    )
    .unwrap();
    let sd = pm
        .decrypt_sender_data(&f.suite, &SENDER_DATA_SECRET)
        .unwrap();
    assert_eq!(sd.reuse_guard[..], guard[..]);
    assert_eq!((sd.leaf_index, sd.generation), (SENDER, 0));

    let key = secret_tree(&f.suite)
        .key(&f.suite, SENDER, RatchetType::Application, 0)
        .unwrap();
    let aad = PrivateContentAAD {
        group_id: &pm.group_id,
        epoch: pm.epoch,
        content_type: pm.content_type,
        authenticated_data: &pm.authenticated_data,
    }
    .to_bytes()
    .unwrap();
    // The raw ratchet nonce does not open it; the guarded one does.
    assert!(f
        .suite
        .aead_open(
            key.key.as_bytes(),
            key.nonce.as_bytes(),
            &aad,
            &pm.ciphertext
        )
        .is_err());
    let nonce = apply_reuse_guard(key.nonce.as_bytes(), sd.reuse_guard);
    let guarded: Vec<u8> = key.nonce.as_bytes()[..4]
        .iter()
        .zip(&guard)
        .map(|(n, g)| n ^ g)
        .collect();
    assert_eq!(nonce.as_bytes()[..4], guarded[..]);
    assert_eq!(nonce.as_bytes()[4..], key.nonce.as_bytes()[4..]);
    assert!(f
        .suite
        .aead_open(key.key.as_bytes(), nonce.as_bytes(), &aad, &pm.ciphertext)
        .is_ok());
}

#[test]
fn padding_policies() {
    let f = Fixture::new(1);
    let mut sender = secret_tree(&f.suite);
    let mut receiver = secret_tree(&f.suite);
    let tag = 16; // AES-GCM
    for (padding, check) in [
        (
            Padding::PadTo(64),
            (|n: usize| n.is_multiple_of(64)) as fn(usize) -> bool,
        ),
        (Padding::Custom(|_| 100), |n| n > 100),
        (Padding::None, |n| n < 100),
    ] {
        let ac = f.sign(Content::Application(b"short".to_vec()));
        let pm = f.protect(&ac, &mut sender, padding);
        assert!(
            check(pm.ciphertext.len() - tag),
            "{padding:?}: {}",
            pm.ciphertext.len()
        );
        assert_eq!(f.open(&pm, &mut receiver).unwrap(), ac);
    }
}

/// Encrypts `plaintext` as the sender's next handshake message by hand.
fn seal_raw(f: &Fixture, tree: &mut SecretTree, plaintext: &[u8]) -> PrivateMessage {
    let key = tree
        .next_key(&f.suite, SENDER, RatchetType::Handshake)
        .unwrap();
    let guard = [9, 9, 9, 9];
    let content_type = ContentType::Proposal;
    let aad = PrivateContentAAD {
        group_id: &f.gc.group_id,
        epoch: f.gc.epoch,
        content_type,
        authenticated_data: b"authenticated",
    }
    .to_bytes()
    .unwrap();
    let nonce = apply_reuse_guard(key.nonce.as_bytes(), guard);
    let ciphertext = f
        .suite
        .aead_seal(key.key.as_bytes(), nonce.as_bytes(), &aad, plaintext)
        .unwrap();
    let sender_data = SenderData {
        leaf_index: SENDER,
        generation: key.generation,
        reuse_guard: guard,
    }
    .to_bytes()
    .unwrap();
    let kn = sender_data_key_nonce(&f.suite, &SENDER_DATA_SECRET, &ciphertext).unwrap();
    let sd_aad = SenderDataAAD {
        group_id: &f.gc.group_id,
        epoch: f.gc.epoch,
        content_type,
    }
    .to_bytes()
    .unwrap();
    PrivateMessage {
        group_id: f.gc.group_id.clone(),
        epoch: f.gc.epoch,
        content_type,
        authenticated_data: b"authenticated".to_vec(),
        encrypted_sender_data: f
            .suite
            .aead_seal(
                kn.key.as_bytes(),
                kn.nonce.as_bytes(),
                &sd_aad,
                &sender_data,
            )
            .unwrap(),
        ciphertext,
    }
}

#[test]
fn non_zero_padding_is_rejected() {
    let f = Fixture::new(1);
    let ac = f.sign(remove(0));
    let pmc = PrivateMessageContent {
        content: ac.content.content.clone(),
        auth: ac.auth.clone(),
        padding: 8,
    };
    let mut sender = secret_tree(&f.suite);
    let mut receiver = secret_tree(&f.suite);

    // Zero padding made by hand opens.
    let good = seal_raw(&f, &mut sender, &pmc.to_plaintext().unwrap());
    assert_eq!(f.open(&good, &mut receiver).unwrap(), ac);

    let mut plaintext = pmc.to_plaintext().unwrap();
    *plaintext.last_mut().unwrap() = 1;
    let bad = seal_raw(&f, &mut sender, &plaintext);
    assert_eq!(
        f.open(&bad, &mut receiver),
        Err(FramingError::NonZeroPadding)
    );
    assert_eq!(
        PrivateMessageContent::from_plaintext(ContentType::Proposal, &plaintext),
        Err(FramingError::NonZeroPadding)
    );
}

#[test]
fn tampering_never_consumes_the_key() {
    let f = Fixture::new(1);
    let ac = f.sign(Content::Application(vec![0x61; 40]));
    let pm = f.protect(&ac, &mut secret_tree(&f.suite), Padding::PadTo(64));
    let mut receiver = secret_tree(&f.suite);

    let mut bad = pm.clone();
    *bad.ciphertext.last_mut().unwrap() ^= 1;
    assert_eq!(
        f.open(&bad, &mut receiver),
        Err(FramingError::ContentDecryptionFailed)
    );

    let mut bad = pm.clone();
    bad.authenticated_data.push(0);
    assert_eq!(
        f.open(&bad, &mut receiver),
        Err(FramingError::ContentDecryptionFailed)
    );

    let mut bad = pm.clone();
    bad.encrypted_sender_data[0] ^= 1;
    assert_eq!(
        f.open(&bad, &mut receiver),
        Err(FramingError::SenderDataDecryptionFailed)
    );

    let (_, other) = signer(&f.suite, 999);
    assert_eq!(
        f.open_with_key(&pm, &mut receiver, &other),
        Err(FramingError::InvalidSignature)
    );

    assert_eq!(
        pm.unprotect(&f.suite, &mut receiver, &SENDER_DATA_SECRET, &f.gc, |_| {
            None::<mls_crypto::SignaturePublicKey>
        }),
        Err(FramingError::UnknownSender(SENDER.0))
    );

    let mut later = f.gc.clone();
    later.epoch += 1;
    assert_eq!(
        pm.unprotect(&f.suite, &mut receiver, &SENDER_DATA_SECRET, &later, |_| {
            Some(f.public.clone())
        }),
        Err(FramingError::EpochMismatch {
            expected: later.epoch,
            got: f.gc.epoch
        })
    );

    // After all that, the genuine message still opens.
    assert_eq!(f.open(&pm, &mut receiver).unwrap(), ac);
}

#[test]
fn protect_refuses_what_cannot_be_sent() {
    let f = Fixture::new(1);
    let mut tree = secret_tree(&f.suite);
    let mut ac = f.sign(remove(0));
    ac.wire_format = WireFormat::PUBLIC_MESSAGE;
    assert_eq!(
        PrivateMessage::protect(
            &f.suite,
            &ac,
            &mut tree,
            &SENDER_DATA_SECRET,
            Padding::None,
            &mut TestRng::new(1)
        ),
        Err(FramingError::WrongWireFormat {
            expected: WireFormat::PRIVATE_MESSAGE,
            got: WireFormat::PUBLIC_MESSAGE
        })
    );
    let (_, _, kp) = key_package(&f.suite, 2);
    let mut commit = f.sign(Content::Commit(commit_with_path(&kp)));
    commit.auth.confirmation_tag = None;
    assert_eq!(
        PrivateMessage::protect(
            &f.suite,
            &commit,
            &mut tree,
            &SENDER_DATA_SECRET,
            Padding::None,
            &mut TestRng::new(1)
        ),
        Err(FramingError::MissingConfirmationTag)
    );
}

/// Issue 15, item 4: a PrivateMessage whose sender data claims a
/// generation far ahead, with a garbage ciphertext, made the receiver
/// derive ~1000 ratchet steps, undo them, and do it all again for each
/// replay of the same bytes. The replays now cost the sender data's key
/// and nonce only, and leave the tree's state as it was.
#[test]
fn item4_forged_private_message_replays_cost_no_ratchet_work() {
    let f = Fixture::new(1);
    let counting = mls_test_support::CountingSuite::new(f.suite.clone());
    let mut receiver = secret_tree(&f.suite);
    let before = receiver.to_state_bytes().unwrap();
    let ciphertext = vec![0x6e; 80];
    let content_type = ContentType::Application;
    let sender_data = SenderData {
        leaf_index: SENDER,
        generation: 1000,
        reuse_guard: [1, 2, 3, 4],
    }
    .to_bytes()
    .unwrap();
    let kn = sender_data_key_nonce(&f.suite, &SENDER_DATA_SECRET, &ciphertext).unwrap();
    let sd_aad = SenderDataAAD {
        group_id: &f.gc.group_id,
        epoch: f.gc.epoch,
        content_type,
    }
    .to_bytes()
    .unwrap();
    let forged = PrivateMessage {
        group_id: f.gc.group_id.clone(),
        epoch: f.gc.epoch,
        content_type,
        authenticated_data: Vec::new(),
        encrypted_sender_data: f
            .suite
            .aead_seal(
                kn.key.as_bytes(),
                kn.nonce.as_bytes(),
                &sd_aad,
                &sender_data,
            )
            .unwrap(),
        ciphertext,
    };
    let open = |tree: &mut SecretTree| {
        forged.unprotect(&counting, tree, &SENDER_DATA_SECRET, &f.gc, |_| {
            Some(f.public.clone())
        })
    };
    assert_eq!(
        open(&mut receiver),
        Err(FramingError::ContentDecryptionFailed)
    );
    let first = counting.take_counts();
    assert!(first.kdf_expand > 1000, "{first:?}");
    const REPLAYS: u64 = 200;
    for _ in 0..REPLAYS {
        assert_eq!(
            open(&mut receiver),
            Err(FramingError::ContentDecryptionFailed)
        );
    }
    let replays = counting.take_counts();
    // The sender data's key and nonce, and one AEAD open, per replay.
    assert!(replays.kdf_expand <= 2 * REPLAYS, "{replays:?}");
    assert_eq!(replays.aead_open, 2 * REPLAYS);
    assert_eq!(receiver.to_state_bytes().unwrap(), before);
}
