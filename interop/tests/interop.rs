//! Live interop (issue 7): mixed groups of our `mls-group`, OpenMLS and
//! mls-rs, for cipher suites 1, 2 and 3 and both handshake wire formats.
//! Each scenario is a module; each test in it is one suite and format
//! (`s2_we_create::suite3_private`). After every epoch, every member
//! reports the same epoch, epoch authenticator and exporter output
//! (`Group::check`) and every member's application message, with AAD,
//! reaches every other member intact (`Group::talk`). Run with
//! `--nocapture` to see the epochs.
//!
//! Features a peer lacks:
//! * ReInit: OpenMLS 0.9 has no API to propose or commit a ReInit nor to
//!   create or join the resumed group, so `s6_reinit` (an extra scenario,
//!   not one of issue 7's five) runs between us and mls-rs only.
//! * OpenMLS and mls-rs (RustCrypto providers) support suites 1–3, so every
//!   scenario runs with both peers in every suite.
//!
//! `s7_x509` (issue 17) runs every member with an X.509 credential issued at
//! test time, our member validating the peers' with `mls_as::X509Validator`.

mod common;

use common::{
    assert_gce, banner, client, wire_format, x509_client, Bytes, Client, Format, Group, Impl, Op,
    Received, Setup, WIRE_FORMAT_PUBLIC,
};
use mls_as::{rcgen, Authority, X509Validator};
use mls_crypto::{CipherSuite, CipherSuiteProvider, CryptoProvider, SignaturePublicKey};
use mls_group::{CredentialContext, CredentialError, GroupError};
use mls_rustcrypto::{OsRng, RustCrypto};

const ALL: [Impl; 3] = [Impl::Ours, Impl::OpenMls, Impl::MlsRs];
const PEERS: [Impl; 2] = [Impl::OpenMls, Impl::MlsRs];

/// Runs `scenario` for suites 1–3 and both handshake formats.
macro_rules! matrix {
    ($scenario:ident) => {
        mod $scenario {
            use super::{Format, Setup};
            #[test]
            fn suite1_public() {
                super::$scenario(Setup::new(1, Format::Public));
            }
            #[test]
            fn suite1_private() {
                super::$scenario(Setup::new(1, Format::Private));
            }
            #[test]
            fn suite2_public() {
                super::$scenario(Setup::new(2, Format::Public));
            }
            #[test]
            fn suite2_private() {
                super::$scenario(Setup::new(2, Format::Private));
            }
            #[test]
            fn suite3_public() {
                super::$scenario(Setup::new(3, Format::Public));
            }
            #[test]
            fn suite3_private() {
                super::$scenario(Setup::new(3, Format::Private));
            }
        }
    };
}

matrix!(s1_peer_creates);
matrix!(s2_we_create);
matrix!(s3_external_join);
matrix!(s4_proposals_by_reference);
matrix!(s5_out_of_order);
matrix!(s6_reinit);

/// A fresh client whose name says which implementation and role it has.
fn new_client(kind: Impl, role: &str, setup: Setup) -> Box<dyn Client> {
    client(kind, &format!("{}-{role}", kind.name()), setup)
}

/// Our group with one OpenMLS and one mls-rs member added in one commit.
fn our_three_member_group(setup: Setup, tag: &str) -> Group {
    let me = new_client(Impl::Ours, "creator", setup).create(tag.as_bytes());
    let mut group = Group::new(setup, me);
    let mut o = new_client(Impl::OpenMls, "member", setup);
    let mut r = new_client(Impl::MlsRs, "member", setup);
    let kps = vec![o.key_package(), r.key_package()];
    group.commit(0, Op::Add(kps), vec![o, r]);
    group.settle("we add an OpenMLS and an mls-rs member in one commit");
    group
}

/// Scenario 1: a peer creates a group and adds our client from our
/// KeyPackage; we join from its Welcome, with the ratchet tree in the
/// Welcome's extension and out of band; application messages with AAD
/// both ways; then one commit each way.
fn s1_peer_creates(setup: Setup) {
    for peer in PEERS {
        for tree_in_welcome in [true, false] {
            let setup = Setup {
                tree_in_welcome,
                ..setup
            };
            banner(&format!("1 ({} creates, adds us)", peer.name()), setup);
            let creator = new_client(peer, "creator", setup).create(b"s1");
            let mut group = Group::new(setup, creator);
            group.check("peer creates the group");
            let mut us = new_client(Impl::Ours, "joiner", setup);
            let kp = us.key_package();
            group.commit(0, Op::Add(vec![kp]), vec![us]);
            assert_eq!(group.members.len(), 2);
            assert_eq!(group.members[1].kind(), Impl::Ours);
            group.settle("peer adds us; we join from its Welcome");
            group.commit(1, Op::Empty, vec![]);
            group.settle("we commit");
            group.commit(0, Op::Update, vec![]);
            group.settle("peer commits");
        }
    }
}

/// Scenario 2: we create a group and add one OpenMLS and one mls-rs member
/// in one commit; then each of the three, in turn, commits: an empty commit
/// (with path), an add, a remove, an update, an external PSK, and
/// GroupContextExtensions. Every member processes every commit.
fn s2_we_create(setup: Setup) {
    banner("2 (we create; everyone commits everything)", setup);
    let mut group = our_three_member_group(setup, "s2");
    for committer in ALL {
        let who = committer.name();
        let at = |g: &Group| {
            g.members
                .iter()
                .position(|m| m.kind() == committer)
                .unwrap()
        };

        let i = at(&group);
        group.commit(i, Op::Empty, vec![]);
        group.settle(&format!("{who}: empty commit with path"));

        // The new member is of the next implementation.
        let kind = ALL[(ALL.iter().position(|k| *k == committer).unwrap() + 1) % 3];
        let mut joiner = new_client(kind, &format!("added-by-{who}"), setup);
        let kp = joiner.key_package();
        let i = at(&group);
        group.commit(i, Op::Add(vec![kp]), vec![joiner]);
        group.settle(&format!("{who}: adds a {} member", kind.name()));

        let leaf = group.members.last().unwrap().leaf();
        let i = at(&group);
        group.commit(i, Op::Remove(leaf), vec![]);
        group.settle(&format!("{who}: removes it"));

        let i = at(&group);
        group.commit(i, Op::Update, vec![]);
        group.settle(&format!("{who}: update (commit with path)"));

        let psk_id = format!("psk of {who}").into_bytes();
        group.insert_psk(&psk_id, &[0x5a; 32]);
        let i = at(&group);
        group.commit(i, Op::Psk(psk_id), vec![]);
        group.settle(&format!("{who}: external PSK"));

        let data = format!("set by {who}").into_bytes();
        let i = at(&group);
        group.commit(i, Op::Gce(data.clone()), vec![]);
        assert_gce(&group, &data);
        group.settle(&format!("{who}: GroupContextExtensions"));
    }
}

/// Scenario 3: external joins and resync. (a) We join a peer's group by
/// external commit from its GroupInfo; then we resync, and the peers
/// resync, each with an external commit that removes its prior self.
/// (b) Each peer joins our group by external commit from our GroupInfo
/// (ratchet tree in the GroupInfo, or out of band).
fn s3_external_join(setup: Setup) {
    for peer in PEERS {
        for with_tree in [true, false] {
            let other = if peer == Impl::OpenMls {
                Impl::MlsRs
            } else {
                Impl::OpenMls
            };
            banner(
                &format!(
                    "3a (we join a {} group by external commit, ratchet tree {})",
                    peer.name(),
                    tree_place(with_tree)
                ),
                setup,
            );
            let creator = new_client(peer, "creator", setup).create(b"s3a");
            let mut group = Group::new(setup, creator);
            let mut o = new_client(other, "member", setup);
            let kp = o.key_package();
            group.commit(0, Op::Add(vec![kp]), vec![o]);
            group.settle(&format!(
                "{} creates and adds a {} member",
                peer.name(),
                other.name()
            ));

            let info = group.members[0].group_info(with_tree);
            let tree = (!with_tree).then(|| group.members[0].ratchet_tree());
            let (us, commit) =
                new_client(Impl::Ours, "external", setup).join_external(&info, tree.as_deref());
            assert_eq!(wire_format(&commit), WIRE_FORMAT_PUBLIC);
            group.members.push(us);
            let n = group.members.len() - 1;
            group.fan_out(n, &commit);
            group.settle("we join by external commit");

            // Everyone resyncs: us, then the two peers.
            resync_all(&mut group, &[n, 0, 1]);
        }
    }

    for with_tree in [true, false] {
        banner(
            &format!(
                "3b (peers join our group by external commit, ratchet tree {})",
                tree_place(with_tree)
            ),
            setup,
        );
        let me = new_client(Impl::Ours, "creator", setup).create(b"s3b");
        let mut group = Group::new(setup, me);
        for peer in PEERS {
            let info = group.members[0].group_info(with_tree);
            let tree = (!with_tree).then(|| group.members[0].ratchet_tree());
            let (m, commit) =
                new_client(peer, "external", setup).join_external(&info, tree.as_deref());
            assert_eq!(wire_format(&commit), WIRE_FORMAT_PUBLIC);
            group.members.push(m);
            let n = group.members.len() - 1;
            group.fan_out(n, &commit);
            group.settle(&format!(
                "{} joins our group by external commit",
                peer.name()
            ));
        }
        resync_all(&mut group, &[1, 2, 0]);
        group.commit(0, Op::Empty, vec![]);
        group.settle("we commit");
    }
}

fn tree_place(with_tree: bool) -> &'static str {
    if with_tree {
        "in GroupInfo"
    } else {
        "out of band"
    }
}

/// Each member at `order`, in turn, resyncs from the GroupInfo of the next
/// member: an external commit that removes its prior leaf (RFC 9420
/// §12.4.3.2); everyone else processes it.
fn resync_all(group: &mut Group, order: &[usize]) {
    for &i in order {
        let from = (i + 1) % group.members.len();
        let info = group.members[from].group_info(true);
        let before = group.members.len();
        let old_leaf = group.members[i].leaf();
        let commit = group.members[i].resync(&info);
        assert_eq!(wire_format(&commit), WIRE_FORMAT_PUBLIC);
        group.fan_out(i, &commit);
        for m in &group.members {
            assert_eq!(m.member_count(), before, "{}: roster size", m.name());
        }
        let who = group.members[i].name();
        group.settle(&format!(
            "{who} resyncs from leaf {old_leaf} to leaf {} (external commit removing its prior leaf)",
            group.members[i].leaf()
        ));
    }
}

/// Scenario 4: proposals by reference. In a group of all three, every
/// implementation proposes (Update, Add, Remove, PSK,
/// GroupContextExtensions) and each other implementation commits the
/// proposal by reference.
fn s4_proposals_by_reference(setup: Setup) {
    banner("4 (proposals by reference)", setup);
    let mut group = our_three_member_group(setup, "s4");
    let at = |g: &Group, k: Impl| g.members.iter().position(|m| m.kind() == k).unwrap();
    for proposer in ALL {
        for committer in ALL {
            if proposer == committer {
                continue;
            }
            let step = |what: &str| {
                format!(
                    "{} proposes {what}, {} commits it",
                    proposer.name(),
                    committer.name()
                )
            };
            let propose = |group: &mut Group, op: Op| {
                let p = at(group, proposer);
                let msg = group.members[p].propose(op);
                setup.assert_handshake(&msg, proposer.name());
                for (i, m) in group.members.iter_mut().enumerate() {
                    if i != p {
                        assert_eq!(m.process(&msg), Received::Proposal);
                    }
                }
            };

            propose(&mut group, Op::Update);
            let c = at(&group, committer);
            group.commit(c, Op::Pending, vec![]);
            group.settle(&step("an Update"));

            let mut joiner =
                new_client(proposer, &format!("proposed-by-{}", proposer.name()), setup);
            propose(&mut group, Op::Add(vec![joiner.key_package()]));
            let c = at(&group, committer);
            let out = group.commit(c, Op::Pending, vec![]);
            group.welcome(&out, vec![joiner]);
            group.settle(&step("an Add"));

            let added = group.members.last().unwrap();
            let (leaf, name) = (added.leaf(), added.name());
            propose(&mut group, Op::Remove(leaf));
            let c = at(&group, committer);
            group.commit(c, Op::Pending, vec![]);
            group.drop_member(&name);
            group.settle(&step("a Remove"));

            let psk_id = format!("psk {} {}", proposer.name(), committer.name()).into_bytes();
            group.insert_psk(&psk_id, &[0xa5; 32]);
            propose(&mut group, Op::Psk(psk_id));
            let c = at(&group, committer);
            group.commit(c, Op::Pending, vec![]);
            group.settle(&step("an external PSK"));

            let data = format!("{} via {}", proposer.name(), committer.name()).into_bytes();
            propose(&mut group, Op::Gce(data.clone()));
            let c = at(&group, committer);
            group.commit(c, Op::Pending, vec![]);
            assert_gce(&group, &data);
            group.settle(&step("GroupContextExtensions"));
        }
    }
}

/// Scenario 5: out-of-order application messages within an epoch, and a
/// message from the previous epoch that arrives after the commit.
fn s5_out_of_order(setup: Setup) {
    banner("5 (out-of-order application messages)", setup);
    let mut group = our_three_member_group(setup, "s5");
    for sender in 0..3 {
        let name = group.members[sender].name();
        let msgs: Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> = (1..=4)
            .map(|k| {
                let data = format!("{name} message {k}").into_bytes();
                let aad = format!("aad {k}").into_bytes();
                let msg = group.members[sender].send(&data, &aad);
                (data, aad, msg)
            })
            .collect();
        // Within the epoch: 3, 1, 2 (4 is kept back).
        for (i, m) in group.members.iter_mut().enumerate() {
            if i == sender {
                continue;
            }
            for k in [2, 0, 1] {
                let (data, aad, msg) = &msgs[k];
                assert_eq!(
                    m.process(msg),
                    Received::App {
                        data: data.clone(),
                        aad: aad.clone()
                    },
                    "{} reading {name}'s message {} out of order",
                    m.name(),
                    k + 1
                );
            }
        }
        // The next member commits; message 4 arrives one epoch late.
        let committer = (sender + 1) % 3;
        group.commit(committer, Op::Empty, vec![]);
        for (i, m) in group.members.iter_mut().enumerate() {
            if i == sender {
                continue;
            }
            let (data, aad, msg) = &msgs[3];
            assert_eq!(
                m.process(msg),
                Received::App {
                    data: data.clone(),
                    aad: aad.clone()
                },
                "{} reading {name}'s message 4 one epoch late",
                m.name()
            );
        }
        group.settle(&format!(
            "{name}'s messages read out of order and one epoch late"
        ));
    }
}

/// Extra scenario 6: ReInit (RFC 9420 §11.2, §12.1.5) between us and
/// mls-rs (OpenMLS 0.9 has no ReInit). One implementation commits the
/// ReInit; then one implementation creates the resumed group with the
/// others' new KeyPackages and the `reinit` resumption PSK, and the others
/// join it from the Welcome, checking it against the old group
/// (§12.4.3.1). Every combination of committer and creator.
fn s6_reinit(setup: Setup) {
    let pairs = [
        (Impl::Ours, Impl::Ours),
        (Impl::Ours, Impl::MlsRs),
        (Impl::MlsRs, Impl::Ours),
        (Impl::MlsRs, Impl::MlsRs),
    ];
    for (committer, creator) in pairs {
        banner(
            &format!(
                "6 (ReInit committed by {}, resumed group created by {})",
                committer.name(),
                creator.name()
            ),
            setup,
        );
        let me = new_client(Impl::Ours, "creator", setup).create(b"s6");
        let mut group = Group::new(setup, me);
        let mut r = new_client(Impl::MlsRs, "member", setup);
        let mut o = new_client(Impl::Ours, "member", setup);
        let kps = vec![r.key_package(), o.key_package()];
        group.commit(0, Op::Add(kps), vec![r, o]);
        group.settle("we add an mls-rs member and another of ours");
        let at = |g: &Group, k: Impl| g.members.iter().position(|m| m.kind() == k).unwrap();

        let c = at(&group, committer);
        group.commit(c, Op::ReInit(b"s6 reinitialized".to_vec()), vec![]);
        group.check(&format!("{} commits a ReInit", committer.name()));

        let k = at(&group, creator);
        let kps = (0..group.members.len())
            .filter(|&i| i != k)
            .map(|i| group.members[i].reinit_key_package())
            .collect();
        let (first, welcome) = group.members[k].reinit_create(kps);
        let mut resumed = Group::new(setup, first);
        for i in 0..group.members.len() {
            if i != k {
                let m = group.members[i].reinit_join(&welcome);
                resumed.members.push(m);
            }
        }
        assert_eq!(resumed.members[0].epoch(), 1);
        resumed.settle(&format!(
            "{} creates the resumed group; the others join it",
            creator.name()
        ));
        for i in 0..resumed.members.len() {
            resumed.commit(i, Op::Empty, vec![]);
            let who = resumed.members[i].name();
            resumed.settle(&format!("{who} commits in the resumed group"));
        }
    }
}

/// Scenario 7 (issue 17): X.509 credentials, suite 1 (Ed25519) and suite 2
/// (P-256), handshakes as PublicMessage.
mod s7_x509 {
    use super::{Format, Setup};
    #[test]
    fn suite1_public() {
        super::s7_x509(Setup::new(1, Format::Public));
    }
    #[test]
    fn suite2_public() {
        super::s7_x509(Setup::new(2, Format::Public));
    }
}

/// A test CA made at test time: a root (the trust anchor) and an
/// intermediate that issues the clients' certificates, with keys of the
/// suite's signature scheme.
struct Pki {
    suite: u16,
    root: Authority,
    ca: Authority,
}

impl Pki {
    fn new(suite: u16, name: &str) -> Self {
        let alg = match suite {
            2 => &rcgen::PKCS_ECDSA_P256_SHA256,
            _ => &rcgen::PKCS_ED25519,
        };
        let now = mls_group::unix_time_now();
        let day = 86_400;
        let mut root = Authority::new_root_with(name, alg, now - day, 10 * day).expect("root");
        let ca = root
            .subordinate(&format!("{name} issuing CA"), alg, now - day, 5 * day, None)
            .expect("intermediate");
        Pki { suite, root, ca }
    }

    /// Our validator, trusting this PKI's root.
    fn validator(&self) -> X509Validator {
        X509Validator::new([self.root.root_certificate()]).expect("validator")
    }

    /// The credential's chain (leaf, then the intermediate) for `public`
    /// (MLS encoding) and the identity `mls://example.com/<name>`, valid
    /// from an hour ago for a day.
    fn chain(&mut self, public: &[u8], name: &str) -> Vec<Bytes> {
        let now = mls_group::unix_time_now();
        let leaf = self
            .ca
            .certify(
                CipherSuite(self.suite),
                &SignaturePublicKey(public.to_vec()),
                &format!("mls://example.com/{name}"),
                now - 3600,
                now + 86_400,
            )
            .expect("certificate");
        let mut chain = vec![leaf];
        chain.extend(self.ca.chain().iter().cloned());
        chain
    }

    /// A chain certifying a fresh key, not `_public`.
    fn chain_for_another_key(&mut self, _public: &[u8], name: &str) -> Vec<Bytes> {
        let other = RustCrypto
            .cipher_suite_provider(CipherSuite(self.suite))
            .expect("suite")
            .signature_generate(&mut OsRng)
            .expect("key");
        self.chain(&other.public.0, name)
    }
}

/// Extra scenario 7 (issue 17): members of all three implementations carry
/// X.509 credentials (chains issued at test time by a test CA for each
/// client's own signature key, end-entity first); our member runs
/// `mls_as::X509Validator` (trust anchor: the test root) as its group
/// policy, so it validates every peer credential it meets: the KeyPackages
/// it adds, the ratchet tree of a Welcome, the commits' new leaves. Each
/// implementation in turn creates the group and adds the other two by
/// Welcome; each member commits (with path); application messages both
/// ways; epoch authenticators agree. Then the refusals: a KeyPackage whose
/// certificate is for another key (`KeyMismatch`) or from an unknown CA
/// (`UnknownIssuer`), when we commit it and when a peer does.
fn s7_x509(setup: Setup) {
    let mut pki = Pki::new(setup.suite, "Interop Test Root");
    let validator = pki.validator();
    let x509 = |kind: Impl, role: &str, pki: &mut Pki| {
        let name = format!("{}-{role}", kind.name());
        let issue = &mut |public: &[u8]| pki.chain(public, &name);
        x509_client(kind, &name, setup, issue, &validator)
    };

    for creator in ALL {
        banner(
            &format!("7 (X.509 credentials; {} creates)", creator.name()),
            setup,
        );
        let first = x509(creator, "creator", &mut pki).create(b"s7");
        let mut group = Group::new(setup, first);
        let mut joiners: Vec<Box<dyn Client>> = ALL
            .iter()
            .filter(|&&k| k != creator)
            .map(|&k| x509(k, "member", &mut pki))
            .collect();
        let kps = joiners.iter_mut().map(|c| c.key_package()).collect();
        group.commit(0, Op::Add(kps), joiners);
        group.settle(&format!("{} adds the other two by Welcome", creator.name()));
        for i in 0..group.members.len() {
            group.commit(i, Op::Update, vec![]);
            let who = group.members[i].name();
            group.settle(&format!("{who} commits (path, same credential)"));
        }
    }

    // Refusals. A peer certified for another key, or by another CA.
    let mut stranger_pki = Pki::new(setup.suite, "Unknown Root");
    let bad_clients = |pki: &mut Pki, stranger_pki: &mut Pki| {
        let name = "openmls-wrong-key";
        let wrong_key = x509_client(
            Impl::OpenMls,
            name,
            setup,
            &mut |public: &[u8]| pki.chain_for_another_key(public, name),
            &validator,
        );
        let name = "mls-rs-unknown-ca";
        let unknown_ca = x509_client(
            Impl::MlsRs,
            name,
            setup,
            &mut |public: &[u8]| stranger_pki.chain(public, name),
            &validator,
        );
        [
            (wrong_key, CredentialError::KeyMismatch),
            (unknown_ca, CredentialError::UnknownIssuer),
        ]
    };

    // (a) We commit the Add: refused, our state unchanged.
    banner("7 (X.509: we refuse a bad peer's KeyPackage)", setup);
    let me = x509(Impl::Ours, "creator", &mut pki).create(b"s7 refusals");
    let mut group = Group::new(setup, me);
    for (mut bad, want) in bad_clients(&mut pki, &mut stranger_pki) {
        let kp = bad.key_package();
        let ours = group.members[0].as_ours().expect("our member");
        let before = ours.state();
        let err = ours
            .try_commit(Op::Add(vec![kp]))
            .err()
            .expect("the Add is refused");
        println!("  we refuse {:?}: {err:?}", bad.kind());
        assert_eq!(
            err,
            GroupError::CredentialRejected {
                context: CredentialContext::KeyPackage,
                reason: want
            }
        );
        assert_eq!(ours.state(), before, "our state changed");
    }

    // (b) A peer (no X.509 validation of its own) commits the Add; we
    // refuse its commit, our state unchanged.
    for committer in PEERS {
        banner(
            &format!(
                "7 (X.509: we refuse a commit of {} adding a bad peer)",
                committer.name()
            ),
            setup,
        );
        for (mut bad, want) in bad_clients(&mut pki, &mut stranger_pki) {
            let first = x509(committer, "creator", &mut pki).create(b"s7 refusals");
            let mut group = Group::new(setup, first);
            let mut us = x509(Impl::Ours, "member", &mut pki);
            let kp = us.key_package();
            group.commit(0, Op::Add(vec![kp]), vec![us]);
            group.settle(&format!("{} adds us", committer.name()));
            let kp = bad.key_package();
            let out = group.members[0].commit(Op::Add(vec![kp]));
            let ours = group.members[1].as_ours().expect("our member");
            let before = ours.state();
            let err = ours
                .try_process(&out.commit)
                .expect_err("the commit is refused");
            println!(
                "  we refuse {}'s commit adding {:?}: {err:?}",
                committer.name(),
                bad.kind()
            );
            assert_eq!(
                err,
                GroupError::CredentialRejected {
                    context: CredentialContext::KeyPackage,
                    reason: want
                }
            );
            assert_eq!(ours.state(), before, "our state changed");
        }
    }
}
