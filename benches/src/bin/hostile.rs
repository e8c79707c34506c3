//! What hostile input costs the receiver (issue 15): for each entry point
//! that takes bytes from a peer, the worst input we could build within the
//! library's limits (README "Resource limits"), at several sizes up to
//! the largest the limits allow, and the receiver's time for it.
//!
//! ```sh
//! cargo run -p benches --release --bin hostile            # everything (~10 min)
//! HOSTILE_MAX_KIB=600 cargo run -p benches --release --bin hostile   # up to 512 KiB inputs
//! HOSTILE_SECTION=blank,refs cargo run -p benches --release --bin hostile # some sections (see main)
//! ```
//!
//! It prints one markdown table: entry point, input, encoded size, the
//! receiver's median time (decoding included: it starts from the bytes;
//! the CPU time of the receiving thread, so that
//! other work on a shared machine does not count),
//! the time per KiB, the public-key operations the input forces (the work
//! a receiver cannot avoid: N leaf signatures in a tree of N members are
//! genuine), and the outcome. The target is time linear in the input
//! beyond those operations: compare the time per KiB down a column of
//! sizes. One thread, suite 1 (Ed25519, X25519, SHA-256, AES-128-GCM).
//!
//! Inputs are built with the public API and, where the receiver would
//! stop early, with the fixture's signing keys so that they get past the
//! checks a cheap input would fail: every leaf signature of a tree is
//! real, a tree's hash matches its GroupContext, a Welcome is sealed to
//! the joiner's KeyPackage with a confirmation tag that verifies.

use std::time::{Duration, Instant};

use mls_codec::Encode;
use mls_crypto::{CipherSuiteProvider, CipherSuiteProviderExt};
use mls_framing::{
    Add, ExtensionBody, ExternalPub, GroupContextExtensions, GroupInfo, GroupSecrets, KeyPackage,
    MlsMessage, MlsMessageBody, Proposal, Remove,
};
use mls_fuzz_targets::fixture::{reconfirm, seal};
use mls_group::{
    validate_key_package, ClientIdentity, CommitOptions, ExternalJoinOptions, Group, GroupConfig,
    HandshakeFormat, JoinOptions, KeyPackageBundle, KeyPackageOptions, LifetimeCheck, PublicGroup,
    PublicGroupOptions,
};
use mls_keyschedule::{JoinerSecret, PskSecret};
use mls_rustcrypto::{RustCryptoSigningKey, RustCryptoSuite};
use mls_test_support::TestRng;
use mls_treekem::{LeafNode, LeafNodeSource, Node, RatchetTree};
use mls_types::tree_math::LeafIndex;
use mls_types::{
    Capabilities, Certificate, Credential, CredentialType, Extension, ExtensionType, GroupContext,
    Lifetime, ProposalType, RequiredCapabilities,
};

use benches::{suite, GROUP_ID};

type G = Group<RustCryptoSuite>;

const KIB: usize = 1024;
const MIB: usize = 1024 * KIB;
/// `mls_framing::limits::MAX_MESSAGE_SIZE`, less room for the framing.
const MAX_INPUT: usize = 16 * MIB - 4 * KIB;

/// One measured input.
struct Row {
    entry: &'static str,
    input: String,
    size: usize,
    time: Duration,
    forced: String,
    outcome: String,
}

/// The input sizes aimed at: 64 KiB, 512 KiB, 4 MiB and the largest the
/// limits allow, bounded by `HOSTILE_MAX_KIB`.
fn sizes() -> Vec<usize> {
    let max = std::env::var("HOSTILE_MAX_KIB")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .map_or(usize::MAX, |k| k * KIB);
    [64 * KIB, 512 * KIB, 4 * MIB, MAX_INPUT]
        .into_iter()
        .filter(|s| *s <= max)
        .collect()
}

/// The CPU time this thread has run (`CLOCK_THREAD_CPUTIME_ID`), so that
/// other processes on a shared machine do not count.
fn thread_cpu() -> Option<Duration> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    (rc == 0).then(|| Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

/// A stopwatch of this thread's CPU time, or of wall time where that is
/// not available.
struct Stopwatch(Option<Duration>, Instant);

impl Stopwatch {
    fn start() -> Self {
        Stopwatch(thread_cpu(), Instant::now())
    }
    fn elapsed(&self) -> Duration {
        match (self.0, thread_cpu()) {
            (Some(a), Some(b)) => b.saturating_sub(a),
            _ => self.1.elapsed(),
        }
    }
}

/// The median time of `run` over fresh states from `prepare` (not timed):
/// up to 9 samples within about 3 s, at least 3 (1 above 10 s).
fn measure<T, R>(mut prepare: impl FnMut() -> T, mut run: impl FnMut(T) -> R) -> (Duration, R) {
    let mut samples = Vec::new();
    let budget = Duration::from_secs(3);
    let mut spent = Duration::ZERO;
    let mut last;
    loop {
        let state = prepare();
        let start = Stopwatch::start();
        last = run(state);
        let t = start.elapsed();
        samples.push(t);
        spent += t;
        let enough = samples.len() >= 9
            || (samples.len() >= 3 && spent > budget)
            || (samples.len() == 1 && t > Duration::from_secs(10));
        if enough {
            break;
        }
    }
    samples.sort();
    (samples[samples.len() / 2], last)
}

fn outcome<T, E: std::fmt::Debug>(r: &Result<T, E>) -> String {
    match r {
        Ok(_) => "accepted".into(),
        Err(e) => {
            let s = format!("{e:?}");
            let s = s.replace('|', "/");
            format!("refused: {}", s.chars().take(60).collect::<String>())
        }
    }
}

fn print_row(r: &Row) {
    let kib = r.size as f64 / KIB as f64;
    let ms = r.time.as_secs_f64() * 1e3;
    println!(
        "| {} | {} | {} | {:.1} ms | {:.1} µs | {} | {} |",
        r.entry,
        r.input,
        human(r.size),
        ms,
        ms * 1e3 / kib,
        r.forced,
        r.outcome
    );
}

fn human(n: usize) -> String {
    if n >= MIB {
        format!("{:.2} MiB", n as f64 / MIB as f64)
    } else {
        format!("{:.1} KiB", n as f64 / KIB as f64)
    }
}

/// Every row: measured, printed as it comes.
struct Report {
    rows: Vec<Row>,
}

impl Report {
    fn add(&mut self, row: Row) {
        print_row(&row);
        self.rows.push(row);
    }
}

// ---------------------------------------------------------------------
// Trees built directly: leaves with real keys and signatures.
// ---------------------------------------------------------------------

/// Signed KeyPackage-source leaves (valid in any tree) and their keys,
/// generated on demand and shared by every tree of the run.
struct LeafPool {
    cs: RustCryptoSuite,
    rng: TestRng,
    leaves: Vec<LeafNode>,
    keys: Vec<RustCryptoSigningKey>,
}

impl LeafPool {
    fn ensure(&mut self, n: usize) {
        while self.leaves.len() < n {
            let i = self.leaves.len() as u32;
            let sig = self.cs.signature_generate(&mut self.rng).expect("sig");
            let key = self.cs.signing_key(&sig.private).expect("key");
            let hpke = self.cs.hpke_generate_key_pair(&mut self.rng).expect("hpke");
            let mut leaf = LeafNode {
                encryption_key: hpke.public,
                signature_key: sig.public,
                credential: Credential::Basic(i.to_be_bytes().to_vec()),
                capabilities: Capabilities::default(),
                leaf_node_source: LeafNodeSource::KeyPackage(Lifetime {
                    not_before: 0,
                    not_after: u64::MAX,
                }),
                extensions: vec![],
                signature: vec![],
            };
            leaf.sign(&self.cs, &key, None).expect("sign");
            self.leaves.push(leaf);
            self.keys.push(key);
        }
    }
}

/// A tree whose leaves are `leaves` at the given leaf indices, every
/// other node blank.
fn tree_of(leaves: &[(usize, LeafNode)]) -> RatchetTree {
    let last = leaves.iter().map(|(i, _)| *i).max().expect("a leaf");
    let mut nodes: Vec<Option<Node>> = vec![None; 2 * last + 1];
    for (i, leaf) in leaves {
        nodes[2 * i] = Some(Node::Leaf(leaf.clone()));
    }
    RatchetTree::from_nodes(nodes).expect("tree")
}

/// A GroupInfo of epoch 1 carrying `tree` (and `external_pub`), signed by
/// leaf 0 with `key`; `extensions` in the GroupContext.
fn group_info(
    cs: &RustCryptoSuite,
    tree: &mut RatchetTree,
    key: &RustCryptoSigningKey,
    extensions: Vec<Extension>,
    external_pub: &mls_crypto::HpkePublicKey,
) -> GroupInfo {
    let mut context = GroupContext::new(
        cs.cipher_suite(),
        GROUP_ID.to_vec(),
        1,
        tree.tree_hash(cs).expect("hash"),
        vec![7; 32],
    );
    context.extensions = extensions;
    let mut info = GroupInfo {
        group_context: context,
        extensions: vec![
            Extension::new(
                ExtensionType::RATCHET_TREE,
                tree.to_extension_bytes().expect("tree"),
            ),
            ExternalPub {
                external_pub: external_pub.clone(),
            }
            .to_extension()
            .expect("external_pub"),
        ],
        confirmation_tag: vec![9; 32],
        signer: LeafIndex(0),
        signature: vec![],
    };
    info.sign(cs, key).expect("sign");
    info
}

fn bytes(m: impl Into<MlsMessage>) -> Vec<u8> {
    m.into().to_bytes().expect("encode")
}

fn group_info_of(b: &[u8]) -> GroupInfo {
    match MlsMessage::from_bytes(b).expect("decode").body {
        MlsMessageBody::GroupInfo(gi) => gi,
        _ => unreachable!(),
    }
}

/// How a tree's GroupInfo is spoiled.
#[derive(Clone, Copy, PartialEq)]
enum Spoil {
    None,
    Signature,
    TreeHash,
}

impl Spoil {
    fn apply(self, info: &mut GroupInfo) {
        match self {
            Spoil::None => {}
            Spoil::Signature => info.signature[10] ^= 1,
            Spoil::TreeHash => info.group_context.tree_hash[0] ^= 1,
        }
    }
    fn name(self) -> &'static str {
        match self {
            Spoil::None => "",
            Spoil::Signature => ", bad GroupInfo signature",
            Spoil::TreeHash => ", bad tree hash",
        }
    }
}

/// The ratchet-tree scenarios: the same tree through
/// `PublicGroup::from_group_info`, `Group::join` and `Group::join_external`.
struct TreeInput {
    name: String,
    /// The signed GroupInfo.
    info: GroupInfo,
    /// The joiner whose KeyPackage's leaf is in the tree.
    joiner: KeyPackageBundle,
    members: usize,
    /// Whether the tree is valid (then an external join is timed too).
    valid: bool,
    /// The GroupInfo signer's key (leaf 0).
    key: RustCryptoSigningKey,
}

fn tree_rows(report: &mut Report, input: &TreeInput) {
    let cs = suite();
    let n = input.members;
    for spoil in [Spoil::None, Spoil::Signature, Spoil::TreeHash] {
        let mut info = input.info.clone();
        spoil.apply(&mut info);
        let gi_bytes = bytes(info.clone());
        let sigs = match spoil {
            Spoil::None => format!("{} leaf sig + 1 GroupInfo sig", n),
            Spoil::Signature => "1 GroupInfo sig".into(),
            Spoil::TreeHash => "0".into(),
        };
        let name = format!("{}{}", input.name, spoil.name());
        {
            let (time, r) = measure(
                || (),
                |()| {
                    let gi = group_info_of(&gi_bytes);
                    PublicGroup::from_group_info(cs.clone(), &gi, PublicGroupOptions::default())
                },
            );
            report.add(Row {
                entry: "`PublicGroup::from_group_info`",
                input: name.clone(),
                size: gi_bytes.len(),
                time,
                forced: sigs.clone(),
                outcome: outcome(&r),
            });
        }
        {
            // The Welcome: the GroupInfo sealed to the joiner, with a
            // confirmation tag that verifies (then spoiled as asked).
            let mut rng = TestRng::new(11);
            let joiner_secret = JoinerSecret::new(
                &cs,
                cs.random_secret(cs.kdf_extract_len(), &mut rng)
                    .expect("rng"),
            )
            .expect("joiner");
            // A bad tree hash comes with a confirmation tag and signature
            // that match it, so that the joiner gets to the tree.
            let mut sealed = input.info.clone();
            if spoil == Spoil::TreeHash {
                spoil.apply(&mut sealed);
            }
            reconfirm(&cs, &mut sealed, &joiner_secret, &PskSecret::zero(&cs)).expect("tag");
            sealed.sign(&cs, &input.key).expect("sign");
            if spoil == Spoil::Signature {
                spoil.apply(&mut sealed);
            }
            let secrets = GroupSecrets {
                joiner_secret: joiner_secret.as_bytes().to_vec(),
                path_secret: None,
                psks: vec![],
            };
            let welcome = seal(
                &cs,
                &sealed,
                &secrets,
                &[input.joiner.key_package()],
                &PskSecret::zero(&cs),
                &mut rng,
            )
            .expect("seal");
            let w_bytes = bytes(welcome);
            let (time, r) = measure(
                || (),
                |()| {
                    let w = MlsMessage::from_bytes(&w_bytes)
                        .expect("decode")
                        .into_welcome()
                        .expect("welcome");
                    G::join(
                        cs.clone(),
                        &w,
                        &input.joiner,
                        JoinOptions {
                            config: GroupConfig {
                                lifetimes: LifetimeCheck::WhenTimeSet,
                                ..GroupConfig::default()
                            },
                            ..JoinOptions::default()
                        },
                    )
                },
            );
            report.add(Row {
                entry: "`Group::join` (Welcome)",
                input: name.clone(),
                size: w_bytes.len(),
                time,
                forced: format!("{sigs} + 1 HPKE open"),
                outcome: outcome(&r),
            });
        }
        if input.valid {
            let mut rng = TestRng::new(12);
            let eve = ClientIdentity::generate(&cs, Credential::Basic(b"eve".to_vec()), &mut rng)
                .expect("eve");
            let (time, r) = measure(
                || (eve.clone(), TestRng::new(13)),
                |(eve, mut rng)| {
                    let gi = group_info_of(&gi_bytes);
                    G::join_external(
                        cs.clone(),
                        &gi,
                        eve,
                        ExternalJoinOptions::default(),
                        &mut rng,
                    )
                },
            );
            let hpke = match spoil {
                Spoil::None => format!(" + ~{} HPKE seals (its path) + 1 sig", n),
                _ => String::new(),
            };
            report.add(Row {
                entry: "`Group::join_external`",
                input: name.clone(),
                size: gi_bytes.len(),
                time,
                forced: format!("{sigs}{hpke}"),
                outcome: outcome(&r),
            });
        }
    }
}

fn joiner_bundle(cs: &RustCryptoSuite, rng: &mut TestRng) -> KeyPackageBundle {
    let id = ClientIdentity::generate(cs, Credential::Basic(b"joiner".to_vec()), rng).expect("id");
    KeyPackageBundle::create(cs, &id, KeyPackageOptions::default(), rng).expect("kp")
}

/// Sparse trees of N signed members (no parent node), N chosen so that
/// the GroupInfo has about the target size.
fn sparse_trees(report: &mut Report, pool: &mut LeafPool) {
    let cs = suite();
    let mut rng = TestRng::new(5);
    let joiner = joiner_bundle(&cs, &mut rng);
    let ext_pub = cs.hpke_generate_key_pair(&mut rng).expect("hpke").public;
    pool.ensure(1);
    let leaf_len = pool.leaves[0].encoded_len() + 3;
    for size in sizes() {
        let n = (size - 512) / leaf_len;
        pool.ensure(n);
        let mut leaves: Vec<(usize, LeafNode)> =
            pool.leaves[..n - 1].iter().cloned().enumerate().collect();
        leaves.push((n - 1, joiner.key_package().leaf_node.clone()));
        let mut tree = tree_of(&leaves);
        let key = pool.keys[0].clone();
        let info = group_info(&cs, &mut tree, &pool.keys[0], vec![], &ext_pub);
        eprintln!("sparse tree of {n} members");
        tree_rows(
            report,
            &TreeInput {
                name: format!("tree of {n} signed members, no parent nodes"),
                info,
                joiner: joiner.clone(),
                members: n,
                valid: true,
                key,
            },
        );
    }
}

/// Trees of 2^k leaves, all blank but the first and the last (the
/// joiner): one byte per node, the most nodes per input byte.
fn blank_trees(report: &mut Report, pool: &mut LeafPool) {
    let cs = suite();
    let mut rng = TestRng::new(6);
    let joiner = joiner_bundle(&cs, &mut rng);
    let ext_pub = cs.hpke_generate_key_pair(&mut rng).expect("hpke").public;
    pool.ensure(1);
    let max = sizes().last().copied().unwrap_or(0);
    for log in [15u32, 18] {
        let leaves = 1usize << log;
        if 2 * leaves > max {
            continue;
        }
        let mut tree = tree_of(&[
            (0, pool.leaves[0].clone()),
            (leaves - 1, joiner.key_package().leaf_node.clone()),
        ]);
        let key = pool.keys[0].clone();
        let info = group_info(&cs, &mut tree, &pool.keys[0], vec![], &ext_pub);
        tree_rows(
            report,
            &TreeInput {
                name: format!("tree of 2^{log} leaves, 2 members, all else blank"),
                info,
                joiner: joiner.clone(),
                members: 2,
                valid: true,
                key,
            },
        );
    }
}

/// Trees of 2^k leaves where every parent above level 1 is set and lists
/// every odd leaf below it as unmerged (valid: built by commits of the
/// even leaves after the odd ones left, then re-adding them): N/2 · (k-1)
/// unmerged-leaf entries, the most a valid tree of N leaves has, and the
/// parent-hash check must exclude them from every sibling subtree.
fn unmerged_trees(report: &mut Report) {
    let cs = suite();
    let max = sizes().last().copied().unwrap_or(0);
    let mut rng = TestRng::new(8);
    let joiner = joiner_bundle(&cs, &mut rng);
    let ext_pub = cs.hpke_generate_key_pair(&mut rng).expect("hpke").public;
    for log in [8u32, 11, 14, 16] {
        let n = 1u32 << log;
        // About 170 bytes a leaf, 40 a parent, 4 per unmerged entry.
        let estimate = n as usize * (170 + 40 + 2 * log as usize);
        if estimate > max {
            continue;
        }
        eprintln!("unmerged tree of 2^{log} leaves: building");
        let mut fx = benches::build(n, false);
        let mut removed = Vec::new();
        for leaf in (1..n).step_by(2) {
            removed.push(fx.tree.leaf(LeafIndex(leaf)).expect("leaf").clone());
            fx.tree.remove_leaf(LeafIndex(leaf)).expect("remove");
        }
        for sender in (0..n).step_by(2) {
            let template = fx.tree.leaf(LeafIndex(sender)).expect("member").clone();
            fx.tree
                .prepare_update_path(
                    &cs,
                    LeafIndex(sender),
                    template,
                    &fx.signing_keys[sender as usize],
                    GROUP_ID,
                    &mut rng,
                )
                .expect("commit");
        }
        // The joiner takes the last odd leaf.
        let last = removed.len() - 1;
        removed[last] = joiner.key_package().leaf_node.clone();
        for leaf in removed {
            fx.tree.add_leaf(leaf).expect("add");
        }
        let key = fx.signing_keys[0].clone();
        let info = group_info(&cs, &mut fx.tree, &fx.signing_keys[0], vec![], &ext_pub);
        tree_rows(
            report,
            &TreeInput {
                name: format!(
                    "tree of 2^{log} members, every odd leaf unmerged at every ancestor above level 1"
                ),
                info,
                joiner: joiner.clone(),
                members: n as usize,
                valid: true,
                key,
            },
        );
    }
}

/// A required_capabilities extension with `r` entries (duplicates of
/// types every leaf supports: RFC 9420 forbids no duplicates).
fn big_required(r: usize) -> Extension {
    RequiredCapabilities {
        extension_types: vec![],
        proposal_types: vec![ProposalType::ADD; r / 2],
        credential_types: vec![CredentialType::BASIC; r - r / 2],
    }
    .to_extension()
    .expect("required")
}

/// GroupInfos whose GroupContext carries a required_capabilities of R
/// entries over a tree of leaves listing C capability entries each.
fn required_capability_trees(report: &mut Report, pool: &mut LeafPool) {
    let cs = suite();
    let mut rng = TestRng::new(9);
    let joiner = joiner_bundle(&cs, &mut rng);
    let ext_pub = cs.hpke_generate_key_pair(&mut rng).expect("hpke").public;
    for size in sizes() {
        // Half the input in the required list, half in 256 members' lists
        // (less room for the leaves themselves).
        let room = size - 64 * KIB;
        let r = room / 4;
        let members = 256usize;
        pool.ensure(members);
        let c = room / 4 / members;
        let mut leaves = Vec::new();
        for i in 0..members - 1 {
            let mut leaf = pool.leaves[i].clone();
            leaf.capabilities.proposals = vec![ProposalType(0xff00); c];
            leaf.sign(&cs, &pool.keys[i], None).expect("sign");
            leaves.push((i, leaf));
        }
        leaves.push((members - 1, joiner.key_package().leaf_node.clone()));
        let mut tree = tree_of(&leaves);
        let key = pool.keys[0].clone();
        let info = group_info(
            &cs,
            &mut tree,
            &pool.keys[0],
            vec![big_required(r)],
            &ext_pub,
        );
        let input = TreeInput {
            name: format!(
                "required_capabilities of {r} entries, {members} members listing {c} proposal types each"
            ),
            info,
            joiner: joiner.clone(),
            members,
            valid: true,
            key,
        };
        let mut info = input.info.clone();
        Spoil::None.apply(&mut info);
        let gi_bytes = bytes(info);
        let (time, res) = measure(
            || (),
            |()| {
                let gi = group_info_of(&gi_bytes);
                PublicGroup::from_group_info(cs.clone(), &gi, PublicGroupOptions::default())
            },
        );
        report.add(Row {
            entry: "`PublicGroup::from_group_info`",
            input: input.name.clone(),
            size: gi_bytes.len(),
            time,
            forced: format!("{members} leaf sig + 1 GroupInfo sig"),
            outcome: outcome(&res),
        });
    }
}

// ---------------------------------------------------------------------
// Messages to a live group.
// ---------------------------------------------------------------------

fn config(format: HandshakeFormat) -> GroupConfig {
    GroupConfig {
        handshake_format: format,
        lifetimes: LifetimeCheck::WhenTimeSet,
        ..GroupConfig::default()
    }
}

/// A group of `alice` (the committer), `bob` (the receiver, leaf 1) and
/// `others` more members, and a Delivery Service following it.
struct Live {
    cs: RustCryptoSuite,
    alice: G,
    bob_state: Vec<u8>,
    ds_info: GroupInfo,
    rng: TestRng,
    next: u64,
    format: HandshakeFormat,
}

impl Live {
    fn new(others: usize, format: HandshakeFormat) -> Live {
        let cs = suite();
        let mut rng = TestRng::new(21);
        let id = |name: &[u8], rng: &mut TestRng| {
            ClientIdentity::generate(&cs, Credential::Basic(name.to_vec()), rng).expect("id")
        };
        let a = id(b"alice", &mut rng);
        let mut alice = G::create(
            cs.clone(),
            a,
            GROUP_ID.to_vec(),
            vec![],
            config(format),
            &mut rng,
        )
        .expect("create");
        let b = id(b"bob", &mut rng);
        let bob_kp =
            KeyPackageBundle::create(&cs, &b, KeyPackageOptions::default(), &mut rng).expect("kp");
        let mut adds = vec![Proposal::Add(Add {
            key_package: bob_kp.key_package().clone(),
        })];
        for i in 0..others {
            let o = id(format!("member {i}").as_bytes(), &mut rng);
            let kp = KeyPackageBundle::create(&cs, &o, KeyPackageOptions::default(), &mut rng)
                .expect("kp");
            adds.push(Proposal::Add(Add {
                key_package: kp.key_package().clone(),
            }));
        }
        let out = alice
            .commit(adds, &CommitOptions::default(), &mut rng)
            .expect("commit");
        alice.merge_pending_commit().expect("merge");
        let w = out.welcome.expect("welcome").into_welcome().expect("w");
        let bob = G::join(
            cs.clone(),
            &w,
            &bob_kp,
            JoinOptions {
                config: config(format),
                ..JoinOptions::default()
            },
        )
        .expect("join");
        let ds_info = alice.group_info(true, false).expect("info");
        Live {
            cs,
            alice,
            bob_state: bob.to_state_bytes().expect("state").to_vec(),
            ds_info,
            rng,
            next: 0,
            format,
        }
    }

    fn bob(&self) -> G {
        G::from_state_bytes(self.cs.clone(), &self.bob_state, config(self.format), None)
            .expect("restore")
    }

    fn ds(&self) -> PublicGroup<RustCryptoSuite> {
        PublicGroup::from_group_info(
            self.cs.clone(),
            &self.ds_info,
            PublicGroupOptions::default(),
        )
        .expect("ds")
    }

    fn key_package(&mut self, options: KeyPackageOptions) -> KeyPackage {
        self.next += 1;
        let id = ClientIdentity::generate(
            &self.cs,
            Credential::Basic(format!("new {}", self.next).into_bytes()),
            &mut self.rng,
        )
        .expect("id");
        KeyPackageBundle::create(&self.cs, &id, options, &mut self.rng)
            .expect("kp")
            .key_package()
            .clone()
    }

    /// Alice's commit of `proposals` (not merged), encoded.
    fn commit(&mut self, proposals: Vec<Proposal>, options: &CommitOptions) -> Vec<u8> {
        let out = self
            .alice
            .commit(proposals, options, &mut self.rng)
            .expect("commit");
        self.alice.clear_pending_commit();
        bytes(out.commit)
    }

    /// Times bob's processing of `msg` (a commit is staged, not merged),
    /// and a Delivery Service's if it is a PublicMessage.
    fn rows(&self, report: &mut Report, input: &str, msg: &[u8], forced: &str) {
        let wire = match self.format {
            HandshakeFormat::Public => "PublicMessage",
            HandshakeFormat::Private => "PrivateMessage",
        };
        let (time, r) = measure(
            || self.bob(),
            |mut bob| {
                let m = MlsMessage::from_bytes(msg).expect("decode");
                bob.process_message(&m).map(|_| ())
            },
        );
        report.add(Row {
            entry: if wire == "PublicMessage" {
                "`Group::process_message` (PublicMessage)"
            } else {
                "`Group::process_message` (PrivateMessage)"
            },
            input: input.into(),
            size: msg.len(),
            time,
            forced: forced.into(),
            outcome: outcome(&r),
        });
        if self.format == HandshakeFormat::Public {
            let (time, r) = measure(
                || self.ds(),
                |mut ds| {
                    let m = MlsMessage::from_bytes(msg).expect("decode");
                    ds.process_message(&m).map(|_| ())
                },
            );
            report.add(Row {
                entry: "`PublicGroup::process_message`",
                input: input.into(),
                size: msg.len(),
                time,
                forced: forced.into(),
                outcome: outcome(&r),
            });
        }
    }
}

/// Commits of P Adds by value (two signatures per KeyPackage).
fn commits_of_adds(report: &mut Report, format: HandshakeFormat) {
    let mut live = Live::new(2, format);
    let per_add = live.key_package(KeyPackageOptions::default()).encoded_len() + 3;
    for size in sizes() {
        let p = (size / per_add).min(mls_framing::limits::MAX_PROPOSALS_PER_COMMIT);
        eprintln!("commit of {p} Adds");
        let adds = (0..p)
            .map(|_| {
                Proposal::Add(Add {
                    key_package: live.key_package(KeyPackageOptions::default()),
                })
            })
            .collect();
        let msg = live.commit(adds, &CommitOptions::default());
        live.rows(
            report,
            &format!("commit of {p} Adds by value"),
            &msg,
            &format!("{} sig (2 per KeyPackage + 1)", 2 * p + 1),
        );
        if p == mls_framing::limits::MAX_PROPOSALS_PER_COMMIT {
            break;
        }
    }
}

/// Commits of P proposals by reference (Adds received one by one before).
fn commits_by_reference(report: &mut Report) {
    for size in sizes() {
        let p = (size / 36).min(mls_group::limits::MAX_STORED_PROPOSALS);
        eprintln!("commit of {p} references");
        let mut live = Live::new(2, HandshakeFormat::Public);
        let mut bob = live.bob();
        let mut ds = live.ds();
        for _ in 0..p {
            let kp = live.key_package(KeyPackageOptions::default());
            let m = live
                .alice
                .propose(Proposal::Add(Add { key_package: kp }), &mut live.rng)
                .expect("propose");
            bob.process_message(&m).expect("bob stores");
            ds.process_message(&m).expect("ds stores");
        }
        live.bob_state = bob.to_state_bytes().expect("state").to_vec();
        let msg = live.commit(vec![], &CommitOptions::default());
        let input = format!("commit of {p} Adds by reference (received before)");
        // The store keeps proposals, not verdicts: each referenced Add's
        // KeyPackage is verified again when committed.
        let forced = &format!("{} sig (1 + 2 per referenced KeyPackage)", 2 * p + 1);
        let (time, r) = measure(
            || (),
            |()| {
                let m = MlsMessage::from_bytes(&msg).expect("decode");
                bob.process_message(&m).map(|_| ())
            },
        );
        report.add(Row {
            entry: "`Group::process_message` (PublicMessage)",
            input: input.clone(),
            size: msg.len(),
            time,
            forced: forced.clone(),
            outcome: outcome(&r),
        });
        let (time, r) = measure(
            || (),
            |()| {
                let m = MlsMessage::from_bytes(&msg).expect("decode");
                ds.stage_commit(&m).map(|_| ())
            },
        );
        report.add(Row {
            entry: "`PublicGroup::process_message`",
            input,
            size: msg.len(),
            time,
            forced: forced.clone(),
            outcome: outcome(&r),
        });
        if p == mls_group::limits::MAX_STORED_PROPOSALS {
            break;
        }
    }
}

/// GroupContextExtensions with a required_capabilities of R entries in a
/// group of 1,000 members; accepted (every member supports the types).
fn gce_commits(report: &mut Report) {
    let mut live = Live::new(998, HandshakeFormat::Public);
    for size in sizes() {
        // Less room for the path, encrypted to the 999 others (~80 KiB).
        let r = size.saturating_sub(128 * KIB).max(size / 2) / 2;
        let gce = Proposal::GroupContextExtensions(GroupContextExtensions {
            extensions: vec![big_required(r)],
        });
        let msg = live.commit(vec![gce], &CommitOptions::default());
        live.rows(
            report,
            &format!(
                "GroupContextExtensions: required_capabilities of {r} entries, 1,000 members (its path encrypted to 999)"
            ),
            &msg,
            "2 sig (commit, path leaf) + 1 HPKE open (member)",
        );
    }
}

/// One Add of a KeyPackage listing C capability entries: validated alone
/// and inside a commit.
fn big_key_packages(report: &mut Report) {
    let mut live = Live::new(2, HandshakeFormat::Public);
    for size in sizes() {
        for (what, options) in [
            ("capabilities listing", {
                let c = (size - 512) / 2;
                KeyPackageOptions {
                    capabilities: Capabilities {
                        proposals: vec![ProposalType(0xff00); c],
                        ..Capabilities::default()
                    },
                    ..KeyPackageOptions::default()
                }
            }),
            ("extensions (64 unknown) of", {
                let body = (size - 1024) / 64;
                KeyPackageOptions {
                    capabilities: Capabilities {
                        extensions: (0..64).map(|i| ExtensionType(0xff00 + i)).collect(),
                        ..Capabilities::default()
                    },
                    leaf_extensions: (0..64)
                        .map(|i| Extension::new(ExtensionType(0xff00 + i), vec![0; body]))
                        .collect(),
                    ..KeyPackageOptions::default()
                }
            }),
        ] {
            let kp = live.key_package(options);
            let kp_bytes = bytes(kp.clone());
            let input = format!("KeyPackage with {what} {} entries/bytes", human(size));
            let cs = live.cs.clone();
            let (time, r) = measure(
                || (),
                |()| {
                    let m = MlsMessage::from_bytes(&kp_bytes).expect("decode");
                    let MlsMessageBody::KeyPackage(kp) = m.body else {
                        unreachable!()
                    };
                    validate_key_package(&cs, &kp, Some(1_700_000_000))
                },
            );
            report.add(Row {
                entry: "`validate_key_package`",
                input: input.clone(),
                size: kp_bytes.len(),
                time,
                forced: "2 sig".into(),
                outcome: outcome(&r),
            });
            let msg = live.commit(
                vec![Proposal::Add(Add { key_package: kp })],
                &CommitOptions::default(),
            );
            live.rows(report, &format!("commit: Add of {input}"), &msg, "3 sig");
        }
    }
}

/// X.509 credentials of many empty certificates, in a KeyPackage.
fn x509_key_packages(report: &mut Report) {
    let cs = suite();
    let mut rng = TestRng::new(31);
    for size in sizes() {
        let certs = size - 512;
        let sig = cs.signature_generate(&mut rng).expect("sig");
        let id = ClientIdentity::new(
            Credential::X509(vec![Certificate { cert_data: vec![] }; certs]),
            sig,
        );
        let mut caps = Capabilities::default();
        caps.credentials.push(CredentialType::X509);
        let kp = KeyPackageBundle::create(
            &cs,
            &id,
            KeyPackageOptions {
                capabilities: caps,
                ..KeyPackageOptions::default()
            },
            &mut rng,
        )
        .expect("kp")
        .key_package()
        .clone();
        let kp_bytes = bytes(kp);
        let (time, r) = measure(
            || (),
            |()| {
                let m = MlsMessage::from_bytes(&kp_bytes).expect("decode");
                let MlsMessageBody::KeyPackage(kp) = m.body else {
                    unreachable!()
                };
                validate_key_package(&cs, &kp, Some(1_700_000_000))
            },
        );
        report.add(Row {
            entry: "`validate_key_package`",
            input: format!("KeyPackage with an X.509 chain of {certs} empty certificates"),
            size: kp_bytes.len(),
            time,
            forced: "2 sig".into(),
            outcome: outcome(&r),
        });
    }
}

/// Application messages: large ones, and a far generation, refused and
/// replayed.
fn private_messages(report: &mut Report) {
    let mut live = Live::new(2, HandshakeFormat::Private);
    for size in sizes() {
        let data = vec![0x55u8; size - 512];
        let m = live
            .alice
            .encrypt_application_message(&data, b"", &mut live.rng)
            .expect("app");
        let msg = bytes(m);
        live.rows(
            report,
            &format!("application message of {}", human(data.len())),
            &msg,
            "1 sig",
        );
    }
    // Generation 999 (the default window is 1000), its ciphertext's last
    // byte flipped: the sender data decrypts, the key is derived, the
    // content does not open. Then the same message again.
    for _ in 0..999 {
        live.alice
            .encrypt_application_message(b"", b"", &mut live.rng)
            .expect("app");
    }
    let m = live
        .alice
        .encrypt_application_message(b"far", b"", &mut live.rng)
        .expect("app");
    let mut m = MlsMessage::from_bytes(&bytes(m)).expect("decode");
    if let MlsMessageBody::PrivateMessage(pm) = &mut m.body {
        let last = pm.ciphertext.len() - 1;
        pm.ciphertext[last] ^= 1;
    }
    let msg = bytes(m);
    let (time, r) = measure(
        || live.bob(),
        |mut bob| {
            let m = MlsMessage::from_bytes(&msg).expect("decode");
            bob.process_message(&m).map(|_| ())
        },
    );
    report.add(Row {
        entry: "`Group::process_message` (PrivateMessage)",
        input: "application message at generation 999, ciphertext spoiled (999 ratchet steps)"
            .into(),
        size: msg.len(),
        time,
        forced: "0".into(),
        outcome: outcome(&r),
    });
    let (time, r) = measure(
        || {
            let mut bob = live.bob();
            let m = MlsMessage::from_bytes(&msg).expect("decode");
            let _ = bob.process_message(&m);
            bob
        },
        |mut bob| {
            let m = MlsMessage::from_bytes(&msg).expect("decode");
            bob.process_message(&m).map(|_| ())
        },
    );
    report.add(Row {
        entry: "`Group::process_message` (PrivateMessage)",
        input: "the same, replayed".into(),
        size: msg.len(),
        time,
        forced: "0".into(),
        outcome: outcome(&r),
    });
}

/// After a GroupContextExtensions commit of a required_capabilities of R
/// entries is merged, what one small proposal costs.
fn state_amplification(report: &mut Report) {
    let max = sizes().last().copied().unwrap_or(0);
    let mut live = Live::new(2, HandshakeFormat::Public);
    let r = (max - 256) / 2;
    let gce = Proposal::GroupContextExtensions(GroupContextExtensions {
        extensions: vec![big_required(r)],
    });
    let out = live
        .alice
        .commit(vec![gce], &CommitOptions::default(), &mut live.rng)
        .expect("commit");
    live.alice.merge_pending_commit().expect("merge");
    let mut bob = live.bob();
    match bob.process_message(&out.commit).expect("process") {
        mls_group::ProcessedMessage::Commit(s) => bob.merge_staged_commit(s).expect("merge"),
        _ => unreachable!(),
    }
    live.bob_state = bob.to_state_bytes().expect("state").to_vec();
    live.ds_info = live.alice.group_info(true, false).expect("info");
    let m = live
        .alice
        .propose(Proposal::Remove(Remove { removed: 2 }), &mut live.rng)
        .expect("propose");
    let msg = bytes(m);
    live.rows(
        report,
        &format!("Remove proposal, in a group whose required_capabilities has {r} entries"),
        &msg,
        "1 sig",
    );
}

fn main() {
    let mut report = Report { rows: Vec::new() };
    println!("| entry point | input | size | receiver time | per KiB | forced public-key operations | outcome |");
    println!("|---|---|---:|---:|---:|---|---|");
    let mut pool = LeafPool {
        cs: suite(),
        rng: TestRng::new(1),
        leaves: vec![],
        keys: vec![],
    };
    type Section = (&'static str, Box<dyn Fn(&mut Report, &mut LeafPool)>);
    let sections: Vec<Section> = vec![
        ("sparse", Box::new(sparse_trees)),
        ("blank", Box::new(blank_trees)),
        ("unmerged", Box::new(|r, _| unmerged_trees(r))),
        ("required", Box::new(required_capability_trees)),
        (
            "adds",
            Box::new(|r, _| commits_of_adds(r, HandshakeFormat::Public)),
        ),
        (
            "private adds",
            Box::new(|r, _| commits_of_adds(r, HandshakeFormat::Private)),
        ),
        ("refs", Box::new(|r, _| commits_by_reference(r))),
        ("gce", Box::new(|r, _| gce_commits(r))),
        ("key packages", Box::new(|r, _| big_key_packages(r))),
        ("x509", Box::new(|r, _| x509_key_packages(r))),
        ("private", Box::new(|r, _| private_messages(r))),
        ("amplification", Box::new(|r, _| state_amplification(r))),
    ];
    let only = std::env::var("HOSTILE_SECTION").ok();
    for (name, section) in sections {
        if only
            .as_deref()
            .is_some_and(|o| !o.split(',').any(|o| name.contains(o)))
        {
            continue;
        }
        eprintln!("== {name}");
        let start = Instant::now();
        section(&mut report, &mut pool);
        eprintln!("== {name}: {:.1} s", start.elapsed().as_secs_f64());
    }
}
