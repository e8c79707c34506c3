//! The deterministic group behind the stateful fuzz targets. mls-group's
//! hostile-input tests use it too (a dev-dependency on this crate), so the
//! fuzzers, their seed generator and those tests share one setup. Every
//! random choice comes from [`TestRng`]: changing its stream changes the
//! fixture's bytes and makes the committed seeds stale.
//!
//! Four members — alice, bob, carol, dave at leaves 0 to 3 — of a suite-1
//! group at epoch 1, built from a fixed seed. Alice creates the group and
//! adds the others in one commit without path; every member then joins
//! epoch 1 from a Welcome sealed here with a joiner secret chosen here. So
//! this module knows the epoch's secrets (membership key, sender data
//! secret, secret tree) and every signature key, and can re-authenticate
//! a message after mutating it: a signature and membership tag that
//! verify, or a PrivateMessage that decrypts. Mutations then reach the
//! checks behind the cryptography.
//!
//! In that epoch every member holds carol's Update proposal and the
//! external PSK [`PSK_ID`]; the GroupContext lists the external sender
//! [`Fixture::ds`].

use mls_codec::Encode;
use mls_crypto::{
    CipherSuite, CipherSuiteProvider, CipherSuiteProviderExt, CryptoProvider, Rng, Secret,
};
use mls_framing::{
    Add, AuthenticatedContent, ExtensionBody, ExternalSender, ExternalSenders, FramedContent,
    GroupInfo, GroupSecrets, KeyPackage, MlsMessage, Padding, PrivateMessage, Proposal,
    PublicMessage, Sender, Welcome, WireFormat,
};
use mls_group::{
    ClientIdentity, CommitOptions, Group, GroupConfig, GroupError, JoinOptions, KeyPackageBundle,
    KeyPackageOptions,
};
use mls_keyschedule::{EpochSecrets, InMemoryPskStore, JoinerSecret, PskSecret};
use mls_rustcrypto::{RustCrypto, RustCryptoSuite};
pub use mls_test_support::TestRng;
use mls_types::Credential;
use mls_types::GroupContext;

/// The cipher suite provider of the fixture (suite 1).
pub type Suite = RustCryptoSuite;
/// A member's group state.
pub type MemberGroup = Group<Suite>;

/// The seed of every random choice of the setup.
pub const SEED: u64 = 0x6d6c_732d_6675_7a7a;
/// The group id.
pub const GROUP_ID: &[u8] = b"fuzz group";
/// The external PSK every member holds.
pub const PSK_ID: &[u8] = b"fuzz psk";
/// The member that processes hostile messages: bob.
pub const RECEIVER: usize = 1;
/// The member names, by leaf index.
pub const NAMES: [&str; 4] = ["alice", "bob", "carol", "dave"];

/// The suite-1 provider.
pub fn suite() -> Suite {
    RustCrypto
        .cipher_suite_provider(CipherSuite(1))
        .expect("suite 1 is built in")
}

/// The configuration every fixture state is restored with.
pub fn config() -> GroupConfig {
    GroupConfig::default()
}

/// The group, its members' states and secrets (see the module docs).
pub struct Fixture {
    /// The suite-1 provider.
    pub suite: Suite,
    /// The members' identities, by leaf index.
    pub members: Vec<ClientIdentity>,
    /// The members' KeyPackages (the leaves of the tree), by leaf index.
    pub bundles: Vec<KeyPackageBundle>,
    /// Each member's state in epoch 1, by leaf index.
    pub states: Vec<Vec<u8>>,
    /// The GroupContext of epoch 1.
    pub context: GroupContext,
    /// The secrets of epoch 1 (with the encryption secret, for
    /// [`Fixture::secret_tree`]).
    pub epoch_secrets: EpochSecrets,
    /// The joiner secret of epoch 1.
    pub joiner_secret: JoinerSecret,
    /// Epoch 1's GroupInfo as alice's commit made it (not the fork's).
    pub real_group_info: GroupInfo,
    /// Alice's own Welcome for bob, carol and dave (not the fork's).
    pub real_welcome: Welcome,
    /// The Welcome every member joined epoch 1 with.
    pub welcome: Welcome,
    /// Carol's Update proposal, held by every member.
    pub update_proposal: MlsMessage,
    /// Bob's GroupInfo of epoch 1 with the ratchet tree and `external_pub`
    /// (what external joiners and Delivery Services start from).
    pub public_group_info: GroupInfo,
    /// The external sender listed in the GroupContext (index 0).
    pub ds: ClientIdentity,
    /// An outsider who joins by external commit (eve).
    pub joiner: ClientIdentity,
    /// An outsider's KeyPackage, for Adds and new-member proposals (frank).
    pub newcomer: KeyPackageBundle,
    /// The value of the external PSK [`PSK_ID`].
    pub psk: Secret,
}

/// The fixture's clock (Unix seconds), for lifetime checks: every
/// KeyPackage of the fixture is valid then.
pub const NOW: u64 = 1_700_000_000;

/// What the fixture needs from a failed step of its own setup.
fn setup<T, E: core::fmt::Debug>(r: Result<T, E>, what: &str) -> T {
    r.unwrap_or_else(|e| panic!("fixture setup: {what}: {e:?}"))
}

impl Fixture {
    /// Builds the fixture from [`SEED`]: the same bytes on every run.
    pub fn build() -> Fixture {
        let suite = suite();
        let rng = &mut TestRng::new(SEED);
        let identity = |name: &str, rng: &mut TestRng| {
            setup(
                ClientIdentity::generate(&suite, Credential::Basic(name.as_bytes().to_vec()), rng),
                "identity",
            )
        };
        let members: Vec<ClientIdentity> = NAMES.iter().map(|n| identity(n, rng)).collect();
        let ds = identity("delivery service", rng);
        let joiner = identity("eve", rng);
        let frank = identity("frank", rng);
        let bundle = |id: &ClientIdentity, rng: &mut TestRng| {
            setup(
                KeyPackageBundle::create(&suite, id, KeyPackageOptions::default(), rng),
                "key package",
            )
        };
        let bundles: Vec<KeyPackageBundle> = members.iter().map(|m| bundle(m, rng)).collect();
        let newcomer = bundle(&frank, rng);
        let external_senders = setup(
            ExternalSenders(vec![ExternalSender {
                signature_key: ds.signature_key().clone(),
                credential: ds.credential().clone(),
            }])
            .to_extension(),
            "external senders",
        );

        let mut alice = setup(
            Group::create_with_leaf(
                suite.clone(),
                bundles[0].clone(),
                GROUP_ID.to_vec(),
                vec![external_senders],
                config(),
                rng,
            ),
            "create",
        );
        alice.set_time(NOW);
        let adds = bundles[1..]
            .iter()
            .map(|b| {
                Proposal::Add(Add {
                    key_package: b.key_package().clone(),
                })
            })
            .collect();
        let out = setup(alice.commit(adds, &CommitOptions::default(), rng), "adds");
        let real_group_info = out.group_info.expect("a commit with Adds has a GroupInfo");
        let real_welcome = setup(
            out.welcome
                .expect("a commit with Adds has a Welcome")
                .into_welcome(),
            "welcome",
        );

        // The fork: epoch 1 again, from a joiner secret of our choosing.
        let joiner_secret = setup(
            JoinerSecret::new(
                &suite,
                setup(suite.random_secret(suite.kdf_extract_len(), rng), "rng"),
            ),
            "joiner secret",
        );
        let secrets = GroupSecrets {
            joiner_secret: joiner_secret.as_bytes().to_vec(),
            path_secret: None,
            psks: Vec::new(),
        };
        let mut info = real_group_info.clone();
        setup(
            reconfirm(&suite, &mut info, &joiner_secret, &PskSecret::zero(&suite)),
            "confirmation tag",
        );
        setup(info.sign(&suite, &signing_key(&suite, &members[0])), "sign");
        let recipients: Vec<&KeyPackage> = bundles.iter().map(|b| b.key_package()).collect();
        let welcome = setup(
            seal(
                &suite,
                &info,
                &secrets,
                &recipients,
                &PskSecret::zero(&suite),
                rng,
            ),
            "seal",
        );
        let epoch_secrets = setup(
            joiner_secret.epoch_secrets(
                &suite,
                &PskSecret::zero(&suite),
                &setup(info.group_context.to_bytes(), "context"),
            ),
            "epoch secrets",
        );
        let psk = setup(suite.random_secret(suite.kdf_extract_len(), rng), "rng");
        let mut groups: Vec<MemberGroup> = bundles
            .iter()
            .map(|b| {
                let mut g = setup(
                    Group::join(
                        suite.clone(),
                        &welcome,
                        b,
                        JoinOptions {
                            config: config(),
                            ..JoinOptions::default()
                        },
                    ),
                    "join",
                );
                g.insert_external_psk(PSK_ID.to_vec(), psk.clone());
                g
            })
            .collect();
        let update_proposal = setup(groups[2].propose_update(rng), "update");
        for i in [0, 1, 3] {
            setup(groups[i].process_message(&update_proposal), "proposal");
        }
        let public_group_info = setup(groups[RECEIVER].group_info(true, true), "group info");
        let states = groups
            .iter()
            .map(|g| setup(g.to_state_bytes(), "state").to_vec())
            .collect();
        Fixture {
            context: groups[0].context().clone(),
            suite,
            members,
            bundles,
            states,
            epoch_secrets,
            joiner_secret,
            real_group_info,
            real_welcome,
            welcome,
            update_proposal,
            public_group_info,
            ds,
            joiner,
            newcomer,
            psk,
        }
    }

    /// Member `leaf`'s state in epoch 1, restored with [`config`].
    pub fn group(&self, leaf: usize) -> MemberGroup {
        self.group_with(leaf, config())
    }

    /// Member `leaf`'s state in epoch 1, restored with `config`.
    pub fn group_with(&self, leaf: usize, config: GroupConfig) -> MemberGroup {
        let mut g = setup(
            Group::from_state_bytes(self.suite.clone(), &self.states[leaf], self::config(), None),
            "restore",
        );
        g.set_config(config);
        g.set_time(NOW);
        g
    }

    /// A PSK store holding the external PSK.
    pub fn psk_store(&self) -> InMemoryPskStore {
        let mut store = InMemoryPskStore::new();
        store.insert_external(PSK_ID.to_vec(), self.psk.clone());
        store
    }

    /// The identity whose key signs for `sender`: the member at that leaf,
    /// the external sender, eve for `new_member_commit`, frank for
    /// `new_member_proposal`.
    pub fn identity_of(&self, sender: Sender) -> Option<&ClientIdentity> {
        match sender {
            Sender::Member(l) => self.members.get(usize::try_from(l.0).ok()?),
            Sender::External(0) => Some(&self.ds),
            Sender::External(_) => None,
            Sender::NewMemberCommit => Some(&self.joiner),
            Sender::NewMemberProposal => Some(self.newcomer.identity()),
        }
    }

    /// Signs `content` with `signer`'s key for `wire_format`, and sets the
    /// confirmation tag.
    pub fn sign(
        &self,
        signer: &ClientIdentity,
        wire_format: WireFormat,
        content: FramedContent,
        confirmation_tag: Option<Vec<u8>>,
    ) -> Result<AuthenticatedContent, GroupError> {
        let context = self.context_for(&content);
        let context = content.sender.signs_group_context().then_some(&context);
        let mut ac = AuthenticatedContent::sign(
            &self.suite,
            &signing_key(&self.suite, signer),
            wire_format,
            content,
            context,
        )?;
        if let Some(tag) = confirmation_tag {
            ac.set_confirmation_tag(tag)?;
        }
        Ok(ac)
    }

    /// The GroupContext of epoch 1 with the group id and epoch of
    /// `content`: what a sender claiming another group or epoch signs.
    pub fn context_for(&self, content: &FramedContent) -> GroupContext {
        let mut context = self.context.clone();
        context.group_id = content.group_id.clone();
        context.epoch = content.epoch;
        context
    }

    /// `ac` as a PublicMessage with, for a member sender, a valid
    /// membership tag of epoch 1 (over the group id and epoch `ac` claims).
    pub fn frame_public(&self, ac: AuthenticatedContent) -> Result<MlsMessage, GroupError> {
        let context = self.context_for(&ac.content);
        Ok(MlsMessage::from(PublicMessage::protect(
            &self.suite,
            ac,
            Some(self.epoch_secrets.membership_key().as_bytes()),
            Some(&context),
        )?))
    }

    /// A fresh secret tree of epoch 1 (no key consumed).
    pub fn secret_tree(&self) -> Result<mls_keyschedule::SecretTree, GroupError> {
        let mut secrets = self.epoch_secrets.clone();
        Ok(secrets.secret_tree(&self.suite, self.bundles.len() as u32, config().secret_tree)?)
    }

    /// `ac` encrypted as a PrivateMessage of epoch 1 with the first key of
    /// its sender's ratchet.
    pub fn frame_private(&self, ac: &AuthenticatedContent) -> Result<MlsMessage, GroupError> {
        let mut tree = self.secret_tree()?;
        Ok(MlsMessage::from(PrivateMessage::protect(
            &self.suite,
            ac,
            &mut tree,
            self.epoch_secrets.sender_data_secret().as_bytes(),
            Padding::None,
            &mut TestRng::new(SEED),
        )?))
    }

    /// `content` signed by its sender and framed as a PublicMessage that
    /// authenticates (see [`Fixture::frame_public`]).
    pub fn public(
        &self,
        content: FramedContent,
        confirmation_tag: Option<Vec<u8>>,
    ) -> Result<MlsMessage, GroupError> {
        let signer = self
            .identity_of(content.sender)
            .ok_or(GroupError::InvalidArgument("no key for this sender"))?;
        let ac = self.sign(
            signer,
            WireFormat::PUBLIC_MESSAGE,
            content,
            confirmation_tag,
        )?;
        self.frame_public(ac)
    }

    /// `content` signed by its (member) sender and encrypted as a
    /// PrivateMessage that decrypts (see [`Fixture::frame_private`]).
    pub fn private(
        &self,
        content: FramedContent,
        confirmation_tag: Option<Vec<u8>>,
    ) -> Result<MlsMessage, GroupError> {
        let signer = self
            .identity_of(content.sender)
            .ok_or(GroupError::InvalidArgument("no key for this sender"))?;
        let ac = self.sign(
            signer,
            WireFormat::PRIVATE_MESSAGE,
            content,
            confirmation_tag,
        )?;
        self.frame_private(&ac)
    }

    /// A FramedContent of epoch 1 from `sender`.
    pub fn content(&self, sender: Sender, content: mls_framing::Content) -> FramedContent {
        FramedContent {
            group_id: GROUP_ID.to_vec(),
            epoch: self.context.epoch,
            sender,
            authenticated_data: Vec::new(),
            content,
        }
    }

    /// A Welcome of `info` for `recipients`, as a committer would seal it
    /// (see [`seal`]), with a fixed random source.
    pub fn seal(
        &self,
        info: &GroupInfo,
        secrets: &GroupSecrets,
        recipients: &[&KeyPackage],
        psk: &PskSecret,
    ) -> Result<Welcome, GroupError> {
        seal(
            &self.suite,
            info,
            secrets,
            recipients,
            psk,
            &mut TestRng::new(SEED),
        )
    }
}

/// The signing key of `identity`.
pub fn signing_key(
    suite: &Suite,
    identity: &ClientIdentity,
) -> <Suite as CipherSuiteProvider>::SigningKey {
    setup(
        suite.signing_key(identity.signature_private_key()),
        "signing key",
    )
}

/// Sets the GroupInfo's confirmation tag to the one of the epoch that
/// `joiner_secret` and `psk` lead to (the signature must be redone).
pub fn reconfirm(
    suite: &Suite,
    info: &mut GroupInfo,
    joiner_secret: &JoinerSecret,
    psk: &PskSecret,
) -> Result<(), GroupError> {
    let secrets = joiner_secret.epoch_secrets(suite, psk, &info.group_context.to_bytes()?)?;
    info.confirmation_tag =
        secrets.confirmation_tag(suite, &info.group_context.confirmed_transcript_hash)?;
    Ok(())
}

/// A Welcome of `info`: the GroupInfo encrypted with the welcome key of
/// `secrets.joiner_secret` (a fixed one if that has the wrong length, so
/// that the receiver sees the bad secret) and `psk`, and `secrets`
/// encrypted to each of `recipients`.
pub fn seal(
    suite: &Suite,
    info: &GroupInfo,
    secrets: &GroupSecrets,
    recipients: &[&KeyPackage],
    psk: &PskSecret,
    rng: &mut dyn Rng,
) -> Result<Welcome, GroupError> {
    let joiner = JoinerSecret::new(suite, Secret::from(secrets.joiner_secret.clone()))
        .or_else(|_| JoinerSecret::new(suite, Secret::zero(suite.kdf_extract_len())))?;
    Ok(Welcome::seal(
        suite,
        info,
        &joiner,
        psk,
        recipients.iter().map(|kp| (*kp, secrets)),
        rng,
    )?)
}

/// Whether a member refuses with `e` because of a check only a member can
/// make: one that needs the epoch's secrets (the membership tag, the
/// confirmation tag, the path's encryption to us, PSK values, the external
/// init secret; `PublicGroup::UNCHECKED`), or knowing which leaf is its
/// own (a commit in its name that it did not make). A Delivery Service
/// cannot make them.
pub fn needs_secrets(e: &GroupError) -> bool {
    use mls_framing::FramingError;
    use mls_treekem::TreeError as T;
    matches!(
        e,
        GroupError::OwnCommit
            | GroupError::Framing(FramingError::InvalidMembershipTag)
            | GroupError::InvalidConfirmationTag
            | GroupError::MissingPsk
            | GroupError::KeySchedule(_)
            | GroupError::Crypto(_)
            | GroupError::Tree(
                T::Crypto(_)
                    | T::NoDecryptionKey
                    | T::PathKeyMismatch { .. }
                    | T::PrivateKeyMismatch { .. }
            )
    )
}
