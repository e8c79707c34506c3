//! A 1 KiB hostile input cannot make the message decoders (MLSMessage,
//! Welcome, GroupInfo, the ratchet tree) allocate more than a small bound.
//!
//! Its own test binary, so that it can install a counting global allocator
//! (as `mls-codec`'s `tests/alloc_bound.rs` does for the codec itself).
//! Counting is per thread: the harness's other threads do not interfere.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use mls_codec::decode_exact;
use mls_framing::{GroupInfo, MlsMessage, Welcome};
use mls_treekem::RatchetTree;

struct Counting;

thread_local! {
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
    static TOTAL: Cell<usize> = const { Cell::new(0) };
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn record(allocated: usize, freed: usize) {
    let _ = ACTIVE.try_with(|active| {
        if active.get() {
            TOTAL.with(|t| t.set(t.get() + allocated));
            LIVE.with(|l| {
                let live = l.get() + allocated as isize - freed as isize;
                l.set(live);
                PEAK.with(|p| p.set(p.get().max(live)));
            });
        }
    });
}

// SAFETY: every method delegates to `System` with the caller's arguments.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record(layout.size(), 0);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        record(0, layout.size());
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        record(layout.size(), 0);
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Counted as a fresh allocation of the new size, as if it moved.
        record(new_size, layout.size());
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f` and returns the total bytes allocated and the peak bytes live
/// during it (whatever `f` returns is dropped inside).
fn measure<R>(f: impl FnOnce() -> R) -> (usize, usize) {
    TOTAL.with(|t| t.set(0));
    LIVE.with(|l| l.set(0));
    PEAK.with(|p| p.set(0));
    ACTIVE.with(|a| a.set(true));
    drop(f());
    ACTIVE.with(|a| a.set(false));
    (TOTAL.with(Cell::get), PEAK.with(Cell::get).max(0) as usize)
}

const INPUT_LEN: usize = 1024;

/// The bounds, in bytes allocated in total for the 1 KiB input. The
/// MLSMessage bound is the larger because of a commit of two-byte proposal
/// references: a `ProposalOrRef` takes 352 bytes in memory (its `Add`
/// variant holds a whole KeyPackage inline), so 510 of them take 175 KiB
/// even allocated once at the exact size (`mls_codec::decode_vec_limited`).
/// Boxing the `Proposal` of `ProposalOrRef` would bring it under the other
/// bound; that is an API change left to the group layer's schedule.
const MAX_TOTAL_MLS_MESSAGE: usize = 192 * INPUT_LEN;
const MAX_TOTAL_OTHER: usize = 64 * INPUT_LEN;

fn varint(n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    mls_codec::write_varint(n, &mut out).unwrap();
    out
}

/// Where the padding opaque goes relative to the vector of elements.
#[derive(Clone, Copy)]
enum Pad {
    /// `head, pad<V>, mid, elements<V>, tail`
    Before,
    /// `head, elements<V>, mid, pad<V>, tail`
    After,
}

/// A valid encoding of exactly `INPUT_LEN` bytes: as many `element`s as fit
/// in one vector, and an opaque field (`pad`) that absorbs the rest.
fn shape(head: &[u8], pad: Pad, mid: &[u8], element: &[u8], tail: &[u8]) -> Vec<u8> {
    let fixed = head.len() + mid.len() + tail.len();
    for count in (0..INPUT_LEN / element.len()).rev() {
        let body = element.repeat(count);
        let vector = [varint(body.len()), body].concat();
        let Some(left) = INPUT_LEN.checked_sub(fixed + vector.len()) else {
            continue;
        };
        // A one-byte length prefix holds up to 63.
        if left == 0 || left > 64 {
            continue;
        }
        let padding = [varint(left - 1), vec![0u8; left - 1]].concat();
        let out = match pad {
            Pad::Before => [head, &padding, mid, &vector, tail].concat(),
            Pad::After => [head, &vector, mid, &padding, tail].concat(),
        };
        assert_eq!(out.len(), INPUT_LEN);
        return out;
    }
    panic!("no shape fits");
}

/// Decodes its input; whether that worked.
type Decoder = fn(&[u8]) -> bool;

struct Case {
    name: String,
    input: Vec<u8>,
    run: Decoder,
    max_total: usize,
}

fn mls_message(bytes: &[u8]) -> bool {
    MlsMessage::from_bytes(bytes).is_ok()
}
fn welcome(bytes: &[u8]) -> bool {
    decode_exact::<Welcome>(bytes).is_ok()
}
fn group_info(bytes: &[u8]) -> bool {
    decode_exact::<GroupInfo>(bytes).is_ok()
}
fn ratchet_tree(bytes: &[u8]) -> bool {
    RatchetTree::from_extension_bytes(bytes).is_ok()
}

/// A PublicMessage commit from member 0 whose proposals vector holds
/// `element`s, then no path and an empty signature, confirmation tag and
/// membership tag; the authenticated data absorbs the rest.
fn commit_of(element: &[u8]) -> Vec<u8> {
    let mut head = vec![0, 1, 0, 1]; // mls10, mls_public_message
    head.push(0); // group_id<V>
    head.extend([0; 8]); // epoch
    head.extend([1, 0, 0, 0, 0]); // sender member 0
    shape(&head, Pad::Before, &[3], element, &[0, 0, 0, 0])
}

/// A present leaf node: empty keys, a basic credential with an empty
/// identity, empty capabilities, source update, no extensions, empty
/// signature.
const MINIMAL_LEAF: [u8; 15] = [1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 2, 0, 0];
/// A present parent node: a two-byte key (keys must be unique), empty
/// parent hash and unmerged leaves.
fn minimal_parent(i: usize) -> [u8; 7] {
    [1, 2, 2, (i >> 8) as u8, i as u8, 0, 0]
}

/// A tree of `pair`s (a node at an even and one at an odd index) ending in
/// one leaf whose signature absorbs the rest: exactly `INPUT_LEN` bytes.
/// `pair(i)` must always have the same length.
fn tree_of(pair: impl Fn(usize) -> Vec<u8>) -> Vec<u8> {
    let pair_len = pair(0).len();
    // Two bytes of vector length prefix.
    let room = INPUT_LEN - 2 - MINIMAL_LEAF.len();
    let pairs = (room.saturating_sub(63)).div_ceil(pair_len);
    let signature = room - pairs * pair_len;
    let mut body: Vec<u8> = (0..pairs).flat_map(pair).collect();
    body.extend(&MINIMAL_LEAF[..MINIMAL_LEAF.len() - 1]);
    body.extend(varint(signature));
    body.extend(vec![0u8; signature]);
    let tree = [varint(body.len()), body].concat();
    assert_eq!(tree.len(), INPUT_LEN);
    tree
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut add = |name: &str, input: Vec<u8>, run: Decoder, max_total: usize| {
        assert_eq!(input.len(), INPUT_LEN, "{name}");
        cases.push(Case {
            name: name.into(),
            input,
            run,
            max_total,
        });
    };
    // Commits with as many proposals as fit.
    let m = MAX_TOTAL_MLS_MESSAGE;
    add(
        "commit of empty proposal refs",
        commit_of(&[2, 0]),
        mls_message,
        m,
    );
    add(
        "commit of Remove proposals",
        commit_of(&[1, 0, 3, 0, 0, 0, 1]),
        mls_message,
        m,
    );
    add(
        "commit of external PSK proposals",
        commit_of(&[1, 0, 4, 1, 0, 0]),
        mls_message,
        m,
    );
    // Welcomes with as many empty EncryptedGroupSecrets as fit.
    let secret = [0u8, 0, 0];
    add(
        "welcome of empty secrets",
        shape(&[0, 1], Pad::After, &[], &secret, &[]),
        welcome,
        MAX_TOTAL_OTHER,
    );
    add(
        "MLSMessage welcome of empty secrets",
        shape(&[0, 1, 0, 3, 0, 1], Pad::After, &[], &secret, &[]),
        mls_message,
        m,
    );
    // GroupInfos with as many empty extensions as fit.
    let mut gc = vec![0, 1, 0, 1, 0]; // version, suite, group_id<V>
    gc.extend([0; 8]); // epoch
    gc.extend([0, 0, 0]); // tree_hash, confirmed_transcript_hash, extensions
    let gi = shape(&gc, Pad::After, &[], &[0, 9, 0], &[0, 0, 0, 0, 0]);
    add(
        "group info of empty extensions",
        gi,
        group_info,
        MAX_TOTAL_OTHER,
    );
    let gc = [&[0, 1, 0, 4][..], &gc].concat();
    let gi = shape(&gc, Pad::After, &[], &[0, 9, 0], &[0, 0, 0, 0, 0]);
    add(
        "MLSMessage group info of empty extensions",
        gi,
        mls_message,
        m,
    );
    // Ratchet trees: blanks and one leaf; blank leaves and minimal parents.
    add(
        "tree of blanks and one leaf",
        tree_of(|_| vec![0, 0]),
        ratchet_tree,
        MAX_TOTAL_OTHER,
    );
    let parents = tree_of(|i| [&[0][..], &minimal_parent(i)].concat());
    add(
        "tree of minimal parents",
        parents,
        ratchet_tree,
        MAX_TOTAL_OTHER,
    );
    cases
}

#[test]
fn hostile_1kib_inputs_allocate_a_small_bound() {
    let mut report = Vec::new();
    for case in cases() {
        // The shapes must be accepted or get deep into decoding, so that the
        // bound means something: check they decode (trailing zeros aside).
        let (total, peak) = measure(|| (case.run)(&case.input));
        report.push(format!(
            "{:40} total {:7} ({:5.1}x) peak {:7}",
            case.name,
            total,
            total as f64 / INPUT_LEN as f64,
            peak
        ));
        assert!(
            total <= case.max_total,
            "{}: {total} bytes allocated for a {INPUT_LEN}-byte input",
            case.name
        );
    }
    eprintln!("{}", report.join("\n"));
}

#[test]
fn hostile_shapes_decode() {
    for case in cases() {
        // Each shape is a valid encoding, so the bound is measured on a
        // full decode rather than an early failure.
        let ok = (case.run)(&case.input);
        eprintln!("{}: {}", case.name, if ok { "decodes" } else { "refused" });
        if case.name == "MLSMessage group info of empty extensions" {
            // Decodes, then fails the extension-count limit.
            assert!(matches!(
                MlsMessage::from_bytes(&case.input),
                Err(mls_framing::FramingError::LimitExceeded {
                    limit: mls_framing::Limit::Extensions,
                    ..
                })
            ));
            continue;
        }
        assert!(ok, "{} does not decode", case.name);
    }
}

#[test]
fn random_1kib_inputs_allocate_a_small_bound() {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let headers: [(&[u8], Decoder, usize); 6] = [
        (&[0, 1, 0, 1], mls_message, MAX_TOTAL_MLS_MESSAGE),
        (&[0, 1, 0, 2], mls_message, MAX_TOTAL_MLS_MESSAGE),
        (&[0, 1, 0, 3], mls_message, MAX_TOTAL_MLS_MESSAGE),
        (&[0, 1, 0, 1], welcome, MAX_TOTAL_OTHER),
        (&[0, 1, 0, 1], group_info, MAX_TOTAL_OTHER),
        (&[0x43, 0xfe], ratchet_tree, MAX_TOTAL_OTHER),
    ];
    let mut worst = 0;
    for round in 0..3000 {
        let (header, run, max_total) = headers[round % headers.len()];
        let mut input = header.to_vec();
        while input.len() < INPUT_LEN {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            // Mostly small bytes, so that lengths stay plausible and
            // decoding goes deep.
            input.push(if state.is_multiple_of(4) {
                (state >> 8) as u8
            } else {
                (state >> 8) as u8 % 3
            });
        }
        let (total, _) = measure(|| run(&input));
        worst = worst.max(total);
        assert!(total <= max_total, "{total} for {input:02x?}");
    }
    eprintln!("random inputs: at most {worst} bytes allocated");
}

// ---------------------------------------------------------------------
// The largest inputs the limits allow, decoded and taken through the
// whole import or join path: peak heap per input byte.
// ---------------------------------------------------------------------

mod large {
    use super::measure;
    use mls_codec::Encode;
    use mls_crypto::{CipherSuiteProvider, HpkePublicKey, SignaturePublicKey};
    use mls_framing::{GroupInfo, GroupSecrets, MlsMessage, ProposalOrRef, ProposalRef};
    use mls_fuzz_targets::fixture::{reconfirm, seal, signing_key, suite, Suite, TestRng};
    use mls_group::{
        ClientIdentity, Group, GroupConfig, JoinOptions, KeyPackageBundle, KeyPackageOptions,
        LifetimeCheck, PublicGroup, PublicGroupOptions,
    };
    use mls_keyschedule::{JoinerSecret, PskSecret};
    use mls_treekem::{LeafNode, LeafNodeSource, Node, ParentNode, RatchetTree};
    use mls_types::tree_math::LeafIndex;
    use mls_types::{Capabilities, Credential, Extension, ExtensionType, GroupContext};

    /// `mls_framing::limits::MAX_MESSAGE_SIZE`.
    const MAX_MESSAGE: usize = mls_framing::limits::MAX_MESSAGE_SIZE;

    /// The signer (leaf 0) and the joiner (the last leaf) of every tree.
    struct Parties {
        suite: Suite,
        signer: KeyPackageBundle,
        joiner: KeyPackageBundle,
    }

    fn parties() -> Parties {
        let suite = suite();
        let rng = &mut TestRng::new(77);
        let bundle = |name: &[u8], rng: &mut TestRng| {
            let id = ClientIdentity::generate(&suite, Credential::Basic(name.to_vec()), rng)
                .expect("identity");
            KeyPackageBundle::create(&suite, &id, KeyPackageOptions::default(), rng).expect("kp")
        };
        Parties {
            signer: bundle(b"signer", rng),
            joiner: bundle(b"joiner", rng),
            suite,
        }
    }

    /// A leaf with unique made-up keys and an empty signature: the tree's
    /// import reaches the leaf signatures (and fails there), after every
    /// structure is built.
    fn fake_leaf(i: u32) -> LeafNode {
        let mut key = [0u8; 32];
        key[..4].copy_from_slice(&i.to_be_bytes());
        key[31] = 0x40;
        let mut enc = key;
        enc[30] = 0x11;
        LeafNode {
            encryption_key: HpkePublicKey(enc.to_vec()),
            signature_key: SignaturePublicKey(key.to_vec()),
            credential: Credential::Basic(i.to_be_bytes().to_vec()),
            capabilities: Capabilities::default(),
            leaf_node_source: LeafNodeSource::Update,
            extensions: Vec::new(),
            signature: vec![0; 64],
        }
    }

    /// A tree of `nodes` (array order; padded), the signer's leaf first and
    /// the joiner's last.
    fn tree(p: &Parties, mut nodes: Vec<Option<Node>>) -> RatchetTree {
        nodes[0] = Some(Node::Leaf(p.signer.key_package().leaf_node.clone()));
        let last = nodes.len() - 1;
        assert_eq!(last % 2, 0);
        nodes[last] = Some(Node::Leaf(p.joiner.key_package().leaf_node.clone()));
        RatchetTree::from_nodes(nodes).expect("tree")
    }

    /// The GroupInfo carrying `tree`, its hash in the GroupContext, signed
    /// by leaf 0, with the confirmation tag of `joiner_secret`; and the
    /// Welcome sealing it to the joiner.
    fn messages(p: &Parties, tree: &mut RatchetTree) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
        let cs = &p.suite;
        let tree_bytes = tree.to_extension_bytes().expect("tree");
        let context = GroupContext::new(
            cs.cipher_suite(),
            b"large".to_vec(),
            1,
            tree.tree_hash(cs).expect("hash"),
            vec![1; 32],
        );
        let mut info = GroupInfo {
            group_context: context,
            extensions: vec![Extension::new(
                ExtensionType::RATCHET_TREE,
                tree_bytes.clone(),
            )],
            confirmation_tag: Vec::new(),
            signer: LeafIndex(0),
            signature: Vec::new(),
        };
        let rng = &mut TestRng::new(78);
        let joiner_secret = JoinerSecret::new(
            cs,
            mls_crypto::CipherSuiteProviderExt::random_secret(cs, cs.kdf_extract_len(), rng)
                .expect("rng"),
        )
        .expect("joiner secret");
        reconfirm(cs, &mut info, &joiner_secret, &PskSecret::zero(cs)).expect("tag");
        info.sign(cs, &signing_key(cs, p.signer.identity()))
            .expect("sign");
        let secrets = GroupSecrets {
            joiner_secret: joiner_secret.as_bytes().to_vec(),
            path_secret: None,
            psks: Vec::new(),
        };
        let welcome = seal(
            cs,
            &info,
            &secrets,
            &[p.joiner.key_package()],
            &PskSecret::zero(cs),
            rng,
        )
        .expect("seal");
        let gi = MlsMessage::from(info).to_bytes().expect("encode");
        let w = MlsMessage::from(welcome).to_bytes().expect("encode");
        (tree_bytes, gi, w)
    }

    fn join(p: &Parties, welcome: &[u8]) -> Result<(), mls_group::GroupError> {
        let w = MlsMessage::from_bytes(welcome)?.into_welcome()?;
        Group::join(
            p.suite.clone(),
            &w,
            &p.joiner,
            JoinOptions {
                config: GroupConfig {
                    lifetimes: LifetimeCheck::WhenTimeSet,
                    ..GroupConfig::default()
                },
                ..JoinOptions::default()
            },
        )
        .map(drop)
    }

    fn import(p: &Parties, group_info: &[u8]) -> Result<(), mls_group::GroupError> {
        let m = MlsMessage::from_bytes(group_info)?;
        let mls_framing::MlsMessageBody::GroupInfo(info) = m.body else {
            return Err(mls_group::GroupError::InvalidArgument("not a GroupInfo"));
        };
        PublicGroup::from_group_info(p.suite.clone(), &info, PublicGroupOptions::default())
            .map(drop)
    }

    /// One input through one path: its peak heap must stay under
    /// `max_ratio` times its length. Each bound is about 1.4 times the
    /// peak measured when it was set (README "Resource limits", Memory),
    /// so that a regression of 2x in memory per input byte fails.
    struct Large {
        name: &'static str,
        len: usize,
        peak: usize,
        max_ratio: f64,
        accepted: bool,
    }

    fn check(cases: &[Large]) {
        let mut report = Vec::new();
        for c in cases {
            report.push(format!(
                "{:58} {:>9} bytes  peak {:>10} ({:5.1}x, bound {:4.0}x) {}",
                c.name,
                c.len,
                c.peak,
                c.peak as f64 / c.len as f64,
                c.max_ratio,
                if c.accepted { "accepted" } else { "refused" }
            ));
        }
        eprintln!("{}", report.join("\n"));
        for c in cases {
            assert!(
                (c.peak as f64) <= c.max_ratio * c.len as f64,
                "{}: peak {} for {} input bytes",
                c.name,
                c.peak,
                c.len
            );
        }
    }

    fn case(
        name: &'static str,
        input: &[u8],
        max_ratio: f64,
        run: impl FnOnce(&[u8]) -> bool,
    ) -> Large {
        let mut accepted = false;
        let (_, peak) = measure(|| accepted = run(input));
        Large {
            name,
            len: input.len(),
            peak,
            max_ratio,
            accepted,
        }
    }

    /// The most nodes per input byte: 2^18 leaves (the limit), two of them
    /// members, every other node blank (one byte each). A valid group, so
    /// the import and the join go all the way.
    #[test]
    fn largest_tree_of_blanks() {
        let p = parties();
        let leaves = mls_treekem::limits::MAX_TREE_LEAVES as usize;
        let mut tree = tree(&p, vec![None; 2 * leaves - 1]);
        let (tree_bytes, gi, w) = messages(&p, &mut tree);
        drop(tree);
        check(&[
            case(
                "2^18-leaf tree of blanks: decode the tree",
                &tree_bytes,
                44.0,
                |b| RatchetTree::from_extension_bytes(b).is_ok(),
            ),
            case(
                "2^18-leaf tree of blanks: GroupInfo import",
                &gi,
                90.0,
                |b| import(&p, b).is_ok(),
            ),
            case(
                "2^18-leaf tree of blanks: join from the Welcome",
                &w,
                90.0,
                |b| join(&p, b).is_ok(),
            ),
        ]);
    }

    /// The most present nodes per byte: a minimal parent (a 3-byte key)
    /// above every pair of leaves, leaves blank but the two members.
    /// Refused at the parents' keys (not X25519 keys), after the tree and
    /// its hashes are built.
    #[test]
    fn largest_tree_of_minimal_parents() {
        let p = parties();
        let leaves = mls_treekem::limits::MAX_TREE_LEAVES as usize;
        let mut nodes = vec![None; 2 * leaves - 1];
        for (i, node) in nodes.iter_mut().enumerate().skip(1).step_by(2) {
            *node = Some(Node::Parent(ParentNode {
                encryption_key: HpkePublicKey(vec![(i >> 16) as u8, (i >> 8) as u8, i as u8]),
                parent_hash: Vec::new(),
                unmerged_leaves: Vec::new(),
            }));
        }
        let mut tree = tree(&p, nodes);
        let (tree_bytes, gi, w) = messages(&p, &mut tree);
        drop(tree);
        check(&[
            case(
                "2^18 minimal parents: decode the tree",
                &tree_bytes,
                60.0,
                |b| RatchetTree::from_extension_bytes(b).is_ok(),
            ),
            case("2^18 minimal parents: GroupInfo import", &gi, 80.0, |b| {
                import(&p, b).is_ok()
            }),
            case(
                "2^18 minimal parents: join from the Welcome",
                &w,
                80.0,
                |b| join(&p, b).is_ok(),
            ),
        ]);
    }

    /// A 16 MiB message (the limit) of as many leaves as fit, their
    /// signatures bad: refused at the leaf signatures, once everything
    /// the import builds is built.
    #[test]
    fn largest_message_of_leaves() {
        let p = parties();
        let per_leaf = fake_leaf(0).encoded_len() + 3;
        let n = (MAX_MESSAGE - 4096) / per_leaf;
        let mut nodes = vec![None; 2 * n - 1];
        for (i, node) in nodes.iter_mut().enumerate().step_by(2) {
            *node = Some(Node::Leaf(fake_leaf(i as u32 / 2)));
        }
        let mut tree = tree(&p, nodes);
        let (tree_bytes, gi, w) = messages(&p, &mut tree);
        drop(tree);
        assert!(
            w.len() <= MAX_MESSAGE && gi.len() <= MAX_MESSAGE,
            "{}",
            w.len()
        );
        assert!(w.len() > MAX_MESSAGE - 64 * 1024, "{}", w.len());
        check(&[
            case(
                "16 MiB of leaves: decode the MLSMessage (Welcome)",
                &w,
                1.5,
                |b| MlsMessage::from_bytes(b).is_ok(),
            ),
            case("16 MiB of leaves: decode the tree", &tree_bytes, 6.0, |b| {
                RatchetTree::from_extension_bytes(b).is_ok()
            }),
            case("16 MiB of leaves: GroupInfo import", &gi, 14.0, |b| {
                import(&p, b).is_ok()
            }),
            case("16 MiB of leaves: join from the Welcome", &w, 14.0, |b| {
                join(&p, b).is_ok()
            }),
        ]);
    }

    /// The most proposals a commit may hold (16,384), each an empty
    /// reference: the most elements per byte an MLSMessage decodes.
    #[test]
    fn largest_commit_of_references() {
        let commit = mls_framing::Commit {
            proposals: vec![
                ProposalOrRef::Reference(ProposalRef(Vec::new()));
                mls_framing::limits::MAX_PROPOSALS_PER_COMMIT
            ],
            path: None,
        };
        let mut msg = vec![0, 1, 0, 1]; // mls10, mls_public_message
        msg.push(0); // group_id<V>
        msg.extend([0; 8]); // epoch
        msg.extend([1, 0, 0, 0, 0]); // sender member 0
        msg.push(0); // authenticated_data<V>
        msg.push(3); // commit
        commit.encode(&mut msg).expect("encode");
        msg.extend([0, 0, 0]); // signature, confirmation tag, membership tag
        check(&[case(
            "16,384 proposal references: decode the MLSMessage",
            &msg,
            256.0,
            |b| MlsMessage::from_bytes(b).is_ok(),
        )]);
    }
}

/// An X.509 credential of empty certificates, one byte each on the wire
/// and a 24-byte `Vec` each in memory, in a 16 MiB KeyPackage message (or
/// a leaf of a tree: the same decoding): refused after
/// `MAX_CERTIFICATES_PER_CHAIN` certificates, with no more memory than
/// that many (it cost 24x the input, 384 MiB, before the limit).
#[test]
fn largest_x509_chain_of_empty_certificates() {
    use mls_types::Credential;
    let count = mls_framing::limits::MAX_MESSAGE_SIZE - 64;
    let mut input = vec![0, 2]; // credential type x509
    input.extend(varint(count));
    input.resize(input.len() + count, 0);
    let (_, peak) = measure(|| decode_exact::<Credential>(&input).is_ok());
    eprintln!(
        "X.509 chain of {count} empty certificates: {} bytes, peak {peak}",
        input.len()
    );
    assert_eq!(
        decode_exact::<Credential>(&input),
        Err(mls_codec::Error::TooManyElements {
            max: mls_types::limits::MAX_CERTIFICATES_PER_CHAIN
        })
    );
    assert!(peak <= 64 * 1024, "peak {peak}");
}
