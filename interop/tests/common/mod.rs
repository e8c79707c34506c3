//! One small driver per implementation behind the same two traits, so the
//! scenarios can build mixed groups: [`Client`] (before joining: publishes a
//! KeyPackage, creates, joins by Welcome or by external commit) and
//! [`Member`] (a member's group state). Everything crosses between
//! implementations as encoded `MLSMessage` bytes, as it would on the wire;
//! the out-of-band ratchet tree crosses as the `ratchet_tree` extension
//! body (RFC 9420 §12.4.3.3).

#![allow(dead_code)]

pub mod mlsrs;
pub mod openmls_peer;
pub mod ours;

/// Bytes on the wire.
pub type Bytes = Vec<u8>;

/// The exporter label and context every member uses after every epoch.
pub const EXPORTER_LABEL: &str = "interop exporter";
/// See [`EXPORTER_LABEL`].
pub const EXPORTER_CONTEXT: &[u8] = b"interop context";
/// The application-defined GroupContext extension type used for the
/// GroupContextExtensions scenarios (every leaf lists it in its
/// capabilities, RFC 9420 §12.1.7).
pub const APP_EXT: u16 = 0xff00;

/// The three implementations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Impl {
    /// This workspace's `mls-group`.
    Ours,
    /// `openmls` with `openmls_rust_crypto`.
    OpenMls,
    /// `mls-rs` with `mls-rs-crypto-rustcrypto`.
    MlsRs,
}

impl Impl {
    pub fn name(self) -> &'static str {
        match self {
            Impl::Ours => "ours",
            Impl::OpenMls => "openmls",
            Impl::MlsRs => "mls-rs",
        }
    }
}

/// The handshake wire format the members use for proposals and commits
/// (external commits are always PublicMessages, RFC 9420 §12.4.3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Public,
    Private,
}

/// How a test is run: cipher suite, handshake format, whether Welcomes
/// carry the ratchet tree.
#[derive(Clone, Copy, Debug)]
pub struct Setup {
    pub suite: u16,
    pub format: Format,
    pub tree_in_welcome: bool,
}

impl Setup {
    pub fn new(suite: u16, format: Format) -> Self {
        Setup {
            suite,
            format,
            tree_in_welcome: true,
        }
    }

    /// `msg`, a member's proposal or commit, is framed in the scenario's
    /// handshake wire format.
    pub fn assert_handshake(&self, msg: &[u8], sender: &str) {
        let expected = match self.format {
            Format::Public => WIRE_FORMAT_PUBLIC,
            Format::Private => WIRE_FORMAT_PRIVATE,
        };
        assert_eq!(
            wire_format(msg),
            expected,
            "handshake wire format of {sender}"
        );
    }
}

/// `mls_public_message` (RFC 9420 §6).
pub const WIRE_FORMAT_PUBLIC: u16 = 1;
/// `mls_private_message`.
pub const WIRE_FORMAT_PRIVATE: u16 = 2;

/// The `wire_format` of an encoded `MLSMessage` (after the version).
pub fn wire_format(msg: &[u8]) -> u16 {
    u16::from_be_bytes([msg[2], msg[3]])
}

/// What a member got out of a message.
#[derive(Debug, PartialEq, Eq)]
pub enum Received {
    App { data: Bytes, aad: Bytes },
    Proposal,
    Commit,
}

/// A change to commit (or to propose, for [`Member::propose`]).
#[derive(Clone, Debug)]
pub enum Op {
    /// An empty commit; the path is included (RFC 9420 §12.4: required).
    Empty,
    /// Add the owners of these KeyPackages (encoded `MLSMessage`s); a
    /// proposal takes exactly one.
    Add(Vec<Bytes>),
    /// Remove the member at this leaf.
    Remove(u32),
    /// As a commit: a full commit updating the committer's own leaf
    /// through the path. As a proposal: an Update proposal.
    Update,
    /// A PreSharedKey proposal for this external PSK id (all members hold it).
    Psk(Bytes),
    /// GroupContextExtensions: the context gets exactly two extensions,
    /// `required_capabilities` listing [`APP_EXT`], then [`APP_EXT`] with
    /// this body.
    ///
    /// Why `required_capabilities`: OpenMLS 0.9 rejects a
    /// GroupContextExtensions proposal carrying a non-default extension
    /// type that the proposal's own `required_capabilities` does not list
    /// (`ExtensionNotInRequiredCapabilities`, its check valn1001), even
    /// when every member lists the type in its LeafNode capabilities.
    /// RFC 9420 §12.1.7 and §11.1 do not require that: a
    /// GroupContextExtensions proposal is invalid only if its
    /// `required_capabilities` asks for something a member lacks. OpenMLS
    /// is stricter than the RFC; we send what all three accept.
    Gce(Bytes),
    /// Commit only the proposals received by reference this epoch.
    Pending,
    /// ReInit (RFC 9420 §12.1.5) to this group id, same version and suite.
    ReInit(Bytes),
}

/// What a commit produced.
pub struct CommitOut {
    pub commit: Bytes,
    pub welcome: Option<Bytes>,
}

/// A client that is not (yet) in a group.
pub trait Client {
    fn kind(&self) -> Impl;
    /// A fresh KeyPackage, as an encoded `MLSMessage`; the client keeps
    /// its private keys.
    fn key_package(&mut self) -> Bytes;
    /// Creates a one-member group.
    fn create(self: Box<Self>, group_id: &[u8]) -> Box<dyn Member>;
    /// Joins from a Welcome (an encoded `MLSMessage`), with the ratchet tree
    /// out of band if given.
    fn join(self: Box<Self>, welcome: &[u8], tree: Option<&[u8]>) -> Box<dyn Member>;
    /// Joins by external commit from a GroupInfo (an encoded `MLSMessage`
    /// with `external_pub`, and the ratchet tree unless `tree` is given).
    /// Returns the member and the commit to send.
    fn join_external(
        self: Box<Self>,
        group_info: &[u8],
        tree: Option<&[u8]>,
    ) -> (Box<dyn Member>, Bytes);
}

/// A member's view of a group.
pub trait Member {
    fn kind(&self) -> Impl;
    /// A human name: implementation and identity.
    fn name(&self) -> String;
    fn epoch(&self) -> u64;
    fn leaf(&self) -> u32;
    fn epoch_authenticator(&self) -> Bytes;
    /// `MLS-Exporter(EXPORTER_LABEL, EXPORTER_CONTEXT, 32)`.
    fn exporter(&self) -> Bytes;
    /// Encrypts an application message.
    fn send(&mut self, data: &[u8], aad: &[u8]) -> Bytes;
    /// Processes a message from the group; a commit is merged at once.
    fn process(&mut self, msg: &[u8]) -> Received;
    /// Creates a commit and merges it (the Delivery Service accepted it).
    fn commit(&mut self, op: Op) -> CommitOut;
    /// Sends a proposal (kept for a commit by reference).
    fn propose(&mut self, op: Op) -> Bytes;
    /// A GroupInfo allowing external commits (with the ratchet tree
    /// extension if `with_tree`), as an encoded `MLSMessage`.
    fn group_info(&mut self, with_tree: bool) -> Bytes;
    /// The ratchet tree as the `ratchet_tree` extension body.
    fn ratchet_tree(&self) -> Bytes;
    /// Stores an external PSK.
    fn insert_psk(&mut self, id: &[u8], secret: &[u8]);
    /// Resync (RFC 9420 §12.4.3.2): rejoins by external commit from
    /// `group_info` with the same identity, removing its prior leaf.
    /// Returns the commit to send; `self` is the new state.
    fn resync(&mut self, group_info: &[u8]) -> Bytes;
    /// The GroupContext extensions as (type, body).
    fn context_extensions(&self) -> Vec<(u16, Bytes)>;
    /// Number of members.
    fn member_count(&self) -> usize;
    /// After a committed ReInit (RFC 9420 §11.2): a KeyPackage for the new
    /// group, whose private keys the member keeps.
    fn reinit_key_package(&mut self) -> Bytes;
    /// After a committed ReInit: creates the new group with the other
    /// members' KeyPackages and the `reinit` resumption PSK. Returns the
    /// new member and the Welcome.
    fn reinit_create(&mut self, key_packages: Vec<Bytes>) -> (Box<dyn Member>, Bytes);
    /// After a committed ReInit: joins the new group from its Welcome.
    fn reinit_join(&mut self, welcome: &[u8]) -> Box<dyn Member>;
    /// Our member, to see our errors (`GroupError`) rather than a panic.
    fn as_ours(&mut self) -> Option<&mut ours::OurMember> {
        None
    }
}

/// `required_capabilities` (0x0003) as in [`Op::Gce`].
pub const REQUIRED_CAPABILITIES: u16 = 3;

/// Every member's GroupContext extensions are what [`Op::Gce`]`(data)` set.
pub fn assert_gce(group: &Group, data: &[u8]) {
    for m in &group.members {
        let exts = m.context_extensions();
        let types: Vec<u16> = exts.iter().map(|(t, _)| *t).collect();
        assert_eq!(
            types,
            vec![REQUIRED_CAPABILITIES, APP_EXT],
            "{}: GroupContext extension types",
            m.name()
        );
        assert_eq!(exts[1].1, data, "{}: extension body", m.name());
    }
}

/// A new client of `kind` with a basic credential `name`.
pub fn client(kind: Impl, name: &str, setup: Setup) -> Box<dyn Client> {
    match kind {
        Impl::Ours => Box::new(ours::OurClient::new(name, setup)),
        Impl::OpenMls => Box::new(openmls_peer::OpenMlsClient::new(name, setup)),
        Impl::MlsRs => mlsrs::new_client(name, setup),
    }
}

/// Certifies a client's signature public key (in the MLS encoding: raw
/// Ed25519 bytes, an uncompressed SEC1 point for ECDSA): returns the
/// certificate chain (DER), end-entity first, that becomes the client's
/// RFC 9420 `x509` credential.
pub type Issue<'a> = &'a mut dyn FnMut(&[u8]) -> Vec<Bytes>;

/// A new client of `kind` with an X.509 credential: it makes its own
/// signature key pair and has `issue` certify the public key; its leaves
/// list the basic and x509 credential types. Our client installs
/// `validator` as its group policy (`ValidatorPolicy`), so it validates
/// every credential it meets; the peers accept any x509 credential (what
/// they check is theirs: OpenMLS passes credentials through, the mls-rs
/// driver's identity provider accepts a non-empty chain).
pub fn x509_client(
    kind: Impl,
    name: &str,
    setup: Setup,
    issue: Issue,
    validator: &mls_as::X509Validator,
) -> Box<dyn Client> {
    match kind {
        Impl::Ours => Box::new(ours::OurClient::x509(name, setup, issue, validator.clone())),
        Impl::OpenMls => Box::new(openmls_peer::OpenMlsClient::x509(name, setup, issue)),
        Impl::MlsRs => mlsrs::new_x509_client(name, setup, issue),
    }
}

/// The group as the Delivery Service sees it: the members, in order.
pub struct Group {
    pub setup: Setup,
    pub members: Vec<Box<dyn Member>>,
    /// Application messages sent so far, for unique payloads.
    counter: u32,
}

impl Group {
    pub fn new(setup: Setup, first: Box<dyn Member>) -> Self {
        Group {
            setup,
            members: vec![first],
            counter: 0,
        }
    }

    pub fn index_of(&self, name: &str) -> usize {
        self.members
            .iter()
            .position(|m| m.name() == name)
            .unwrap_or_else(|| panic!("no member {name}"))
    }

    /// `from` sends `msg` (a handshake message); every other member
    /// processes it.
    pub fn fan_out(&mut self, from: usize, msg: &[u8]) {
        for (i, m) in self.members.iter_mut().enumerate() {
            if i != from {
                m.process(msg);
            }
        }
    }

    /// `from` commits `op`; every other member processes the commit; new
    /// members join from the Welcome; removed members are dropped. Returns
    /// the commit output.
    pub fn commit(&mut self, from: usize, op: Op, joiners: Vec<Box<dyn Client>>) -> CommitOut {
        let removed = match &op {
            Op::Remove(leaf) => self
                .members
                .iter()
                .find(|m| m.leaf() == *leaf)
                .map(|m| m.name()),
            _ => None,
        };
        let out = self.members[from].commit(op);
        self.setup
            .assert_handshake(&out.commit, &self.members[from].name());
        self.fan_out(from, &out.commit);
        if let Some(name) = removed {
            self.members.retain(|m| m.name() != name);
        }
        self.welcome(&out, joiners);
        out
    }

    /// New members join from the commit's Welcome (with the tree out of
    /// band if the Welcome does not carry it).
    pub fn welcome(&mut self, out: &CommitOut, joiners: Vec<Box<dyn Client>>) {
        if joiners.is_empty() {
            return;
        }
        let welcome = out.welcome.as_ref().expect("a Welcome for the new members");
        let tree = if self.setup.tree_in_welcome {
            None
        } else {
            Some(self.members[0].ratchet_tree())
        };
        for c in joiners {
            let m = c.join(welcome, tree.as_deref());
            self.members.push(m);
        }
    }

    /// Every member reports the same epoch, epoch authenticator and
    /// exporter output; prints them.
    pub fn check(&self, step: &str) {
        let first = &self.members[0];
        let (epoch, auth, exp) = (first.epoch(), first.epoch_authenticator(), first.exporter());
        println!(
            "  [{step}] epoch {epoch}, {} members, authenticator {}…, exporter {}…",
            self.members.len(),
            hex(&auth),
            hex(&exp)
        );
        for m in &self.members {
            assert_eq!(m.epoch(), epoch, "{step}: epoch of {}", m.name());
            assert_eq!(
                m.epoch_authenticator(),
                auth,
                "{step}: epoch authenticator of {}",
                m.name()
            );
            assert_eq!(m.exporter(), exp, "{step}: exporter of {}", m.name());
            assert_eq!(
                m.member_count(),
                self.members.len(),
                "{step}: roster size of {}",
                m.name()
            );
        }
    }

    /// Every member sends one application message with AAD; every other
    /// member gets it intact.
    pub fn talk(&mut self, step: &str) {
        for from in 0..self.members.len() {
            self.counter += 1;
            let data = format!(
                "{step}: message {} from {}",
                self.counter,
                self.members[from].name()
            )
            .into_bytes();
            let aad = format!("aad {}", self.counter).into_bytes();
            let msg = self.members[from].send(&data, &aad);
            for (i, m) in self.members.iter_mut().enumerate() {
                if i != from {
                    assert_eq!(
                        m.process(&msg),
                        Received::App {
                            data: data.clone(),
                            aad: aad.clone()
                        },
                        "{step}: {} reading {}",
                        m.name(),
                        String::from_utf8_lossy(&data)
                    );
                }
            }
        }
    }

    /// Drops a member that was removed.
    pub fn drop_member(&mut self, name: &str) {
        self.members.retain(|m| m.name() != name);
    }

    /// `check` then `talk`.
    pub fn settle(&mut self, step: &str) {
        self.check(step);
        self.talk(step);
    }

    /// Every member stores the external PSK.
    pub fn insert_psk(&mut self, id: &[u8], secret: &[u8]) {
        for m in self.members.iter_mut() {
            m.insert_psk(id, secret);
        }
    }
}

pub fn hex(b: &[u8]) -> String {
    b.iter().take(6).map(|x| format!("{x:02x}")).collect()
}

/// Prints the test's header.
pub fn banner(scenario: &str, setup: Setup) {
    println!(
        "scenario {scenario} | suite {} | handshake {:?}Message | ratchet tree {}",
        setup.suite,
        setup.format,
        if setup.tree_in_welcome {
            "in Welcome"
        } else {
            "out of band"
        }
    );
}
