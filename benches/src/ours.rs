//! The workloads on our library (`mls-group`), configured as an
//! application would, with the same timed regions as the peers' drivers
//! (see `workload.rs`):
//!
//! * Groups put the ratchet tree into the Welcome (`ratchet_tree_in_welcome`,
//!   as mls-rs's default and OpenMLS's `use_ratchet_tree_extension`);
//!   handshakes are PublicMessages (the default); basic credentials; no
//!   clock, so KeyPackage lifetimes are not compared (`WhenTimeSet`).
//! * Persistence as an application does it: after every merge (the
//!   committer's untimed merge, the processor's timed one) the driver takes
//!   the member's changed records (`take_state_changes`) into a key-value
//!   map, outside the timed region — mls-rs's `write_to_storage` is
//!   likewise called outside it, while OpenMLS writes its storage provider
//!   inside its `merge`, which cannot be separated.
//! * The timed regions: `commit_create` = build the commit and serialise
//!   it; `commit_process` = parse the bytes, process, merge; `add_one` =
//!   parse the KeyPackage bytes, build the Add commit and its Welcome,
//!   serialise both; `join_welcome` = parse the Welcome bytes and join;
//!   `app_encrypt` = encrypt and serialise; `app_decrypt` = parse and
//!   decrypt. Making the joiner's KeyPackage, merging the committer's own
//!   commit, dropping the joined group and the persistence write are not
//!   timed, for every library.
//! * One thread: the suite is built with `with_threads(1)`
//!   (`setup_with_threads` for the parallel table), and `compare` runs this
//!   driver inside the same one-thread rayon pool as the peers, so all
//!   three run on the same kind of thread.

use std::collections::HashMap;
use std::time::Duration;

use mls_codec::Encode;
use mls_framing::{Add, MlsMessage, Proposal};
use mls_group::{
    ClientIdentity, CommitOptions, Group, GroupConfig, JoinOptions, KeyPackageBundle,
    KeyPackageOptions, ProcessedMessage, StateChange, StateKey,
};
use mls_rustcrypto::RustCryptoSuite;
use mls_test_support::TestRng;
use mls_types::Credential;

use crate::workload::{timed, Driver, Shape, APP_MESSAGE};
use crate::{suite, GROUP_ID};

type G = Group<RustCryptoSuite>;

/// Our driver: leaf 0 and the last leaf of one group.
pub struct Ours {
    /// The suite of every group and join (possibly with several threads).
    cs: RustCryptoSuite,
    committer: G,
    processor: G,
    rng: TestRng,
    next_id: u64,
    commit: Vec<u8>,
    welcome: Vec<u8>,
    joiner: Option<KeyPackageBundle>,
    app: Vec<u8>,
    /// Size of the last Welcome, for the floor's per-byte terms.
    pub welcome_len: usize,
    /// Size of the last commit.
    pub commit_len: usize,
    /// The processor's stored records (key → value length), kept as an
    /// application's key-value store would from `take_state_changes`.
    store: HashMap<[u8; StateKey::ENCODED_LEN], usize>,
}

fn bytes(m: &MlsMessage) -> Vec<u8> {
    m.to_bytes().expect("encode")
}

/// The benchmark groups have no clock: KeyPackage lifetimes are checked
/// only when a time is set (a comparison of two integers per KeyPackage,
/// nothing a workload would show).
fn config() -> GroupConfig {
    GroupConfig {
        ratchet_tree_in_welcome: true,
        lifetimes: mls_group::LifetimeCheck::WhenTimeSet,
        ..GroupConfig::default()
    }
}

fn welcome_of(b: &[u8]) -> mls_framing::Welcome {
    MlsMessage::from_bytes(b)
        .expect("welcome")
        .into_welcome()
        .expect("welcome")
}

impl Ours {
    fn bundle(&mut self) -> KeyPackageBundle {
        let cs = self.cs.clone();
        self.next_id += 1;
        let id = ClientIdentity::generate(
            &cs,
            Credential::Basic(self.next_id.to_be_bytes().to_vec()),
            &mut self.rng,
        )
        .expect("identity");
        KeyPackageBundle::create(&cs, &id, KeyPackageOptions::default(), &mut self.rng)
            .expect("key package")
    }

    /// A group of `n` members in `shape`.
    pub fn setup(n: u32, shape: Shape) -> Self {
        Self::setup_with_threads(n, shape, 1)
    }

    /// [`setup`](Self::setup) with a suite that runs batch signature
    /// verification and batch HPKE seals on `threads` threads (the
    /// `parallel` feature of `mls-rustcrypto`); results are identical.
    pub fn setup_with_threads(n: u32, shape: Shape, threads: usize) -> Self {
        let cs = suite().with_threads(threads);
        let mut rng = TestRng::new(3);
        let alice = ClientIdentity::generate(&cs, Credential::Basic(b"0".to_vec()), &mut rng)
            .expect("identity");
        let committer = Group::create(
            cs.clone(),
            alice,
            GROUP_ID.to_vec(),
            vec![],
            config(),
            &mut rng,
        )
        .expect("create");
        let mut me = Ours {
            cs,
            processor: placeholder(),
            committer,
            rng,
            next_id: 0,
            commit: vec![],
            welcome: vec![],
            joiner: None,
            app: vec![],
            welcome_len: 0,
            commit_len: 0,
            store: HashMap::new(),
        };
        match shape {
            Shape::Sparse => {
                let bundles: Vec<_> = (1..n).map(|_| me.bundle()).collect();
                let adds = bundles
                    .iter()
                    .map(|b| {
                        Proposal::Add(Add {
                            key_package: b.key_package().clone(),
                        })
                    })
                    .collect();
                let out = me
                    .committer
                    .commit(adds, &CommitOptions::default(), &mut me.rng)
                    .expect("commit");
                me.committer.merge_pending_commit().expect("merge");
                let w = out.welcome.expect("welcome").into_welcome().expect("w");
                let last = bundles.last().expect("n >= 2");
                me.processor = Group::join(
                    me.cs.clone(),
                    &w,
                    last,
                    JoinOptions {
                        config: config(),
                        ..JoinOptions::default()
                    },
                )
                .expect("join");
            }
            Shape::Full => {
                // The newest member adds the next one with a path.
                let mut newest: Option<G> = None;
                for _ in 1..n {
                    let b = me.bundle();
                    let add = Proposal::Add(Add {
                        key_package: b.key_package().clone(),
                    });
                    let opts = CommitOptions {
                        force_path: true,
                        ..CommitOptions::default()
                    };
                    let adder = newest.as_mut().unwrap_or(&mut me.committer);
                    let out = adder.commit(vec![add], &opts, &mut me.rng).expect("commit");
                    adder.merge_pending_commit().expect("merge");
                    if newest.is_some() {
                        match me.committer.process_message(&out.commit).expect("process") {
                            ProcessedMessage::Commit(s) => {
                                me.committer.merge_staged_commit(s).expect("merge")
                            }
                            _ => unreachable!(),
                        }
                    }
                    let w = out.welcome.expect("welcome").into_welcome().expect("w");
                    newest = Some(
                        Group::join(
                            me.cs.clone(),
                            &w,
                            &b,
                            JoinOptions {
                                config: config(),
                                ..JoinOptions::default()
                            },
                        )
                        .expect("join"),
                    );
                }
                me.processor = newest.expect("n >= 2");
            }
        }
        me.committer.take_state_changes().expect("state");
        me.save_processor();
        me
    }

    /// Takes the processor's changed records into `store`; returns the
    /// bytes written (keys included).
    fn save_processor(&mut self) -> usize {
        let changes = self.processor.take_state_changes().expect("state");
        for c in &changes {
            let k = c.key.to_bytes();
            match &c.value {
                Some(v) => self.store.insert(k, v.len()),
                None => self.store.remove(&k),
            };
        }
        record_bytes(&changes)
    }
}

// `Group` has no cheap empty value; the processor is set before use.
fn placeholder() -> G {
    let cs = suite();
    let mut rng = TestRng::new(4);
    let id = ClientIdentity::generate(&cs, Credential::Basic(b"p".to_vec()), &mut rng).unwrap();
    Group::create(cs, id, b"p".to_vec(), vec![], config(), &mut rng).unwrap()
}

impl Driver for Ours {
    fn commit_create(&mut self) -> Duration {
        let opts = CommitOptions {
            force_path: true,
            ..CommitOptions::default()
        };
        let (c, t) = timed(|| {
            let out = self
                .committer
                .commit(vec![], &opts, &mut self.rng)
                .expect("commit");
            bytes(&out.commit)
        });
        self.commit_len = c.len();
        self.commit = c;
        t
    }

    fn commit_process(&mut self) -> Duration {
        self.committer.merge_pending_commit().expect("merge");
        self.committer.take_state_changes().expect("state");
        let p = &mut self.processor;
        let c = &self.commit;
        let t = timed(|| {
            let m = MlsMessage::from_bytes(c).expect("parse");
            match p.process_message(&m).expect("process") {
                ProcessedMessage::Commit(s) => p.merge_staged_commit(s).expect("merge"),
                _ => unreachable!(),
            }
        })
        .1;
        self.save_processor();
        t
    }

    fn add_one(&mut self) -> Duration {
        let b = self.bundle();
        let kp = bytes(&MlsMessage::from(b.key_package().clone()));
        self.joiner = Some(b);
        let g = &mut self.committer;
        let rng = &mut self.rng;
        let (w, t) = timed(|| {
            let kp = MlsMessage::from_bytes(&kp)
                .expect("parse")
                .into_key_package()
                .expect("kp");
            let add = Proposal::Add(Add { key_package: kp });
            let out = g
                .commit(vec![add], &CommitOptions::default(), rng)
                .expect("commit");
            let _ = bytes(&out.commit);
            bytes(&out.welcome.expect("welcome"))
        });
        self.welcome_len = w.len();
        self.welcome = w;
        t
    }

    fn join_welcome(&mut self) -> Duration {
        let b = self.joiner.take().expect("add_one first");
        let w = &self.welcome;
        let cs = &self.cs;
        let (g, t) = timed(|| {
            Group::join(
                cs.clone(),
                &welcome_of(w),
                &b,
                JoinOptions {
                    config: config(),
                    ..JoinOptions::default()
                },
            )
            .expect("join")
        });
        drop(g);
        self.committer.clear_pending_commit();
        self.committer.take_state_changes().expect("state");
        t
    }

    fn app_encrypt(&mut self) -> Duration {
        let g = &mut self.committer;
        let rng = &mut self.rng;
        let (m, t) = timed(|| {
            bytes(
                &g.encrypt_application_message(&APP_MESSAGE, b"", rng)
                    .expect("encrypt"),
            )
        });
        self.app = m;
        t
    }

    fn app_decrypt(&mut self) -> Duration {
        let p = &mut self.processor;
        let m = &self.app;
        timed(|| {
            let m = MlsMessage::from_bytes(m).expect("parse");
            match p.process_message(&m).expect("decrypt") {
                ProcessedMessage::Application { data, .. } => data.len(),
                _ => unreachable!(),
            }
        })
        .1
    }

    fn state_bytes(&mut self) -> (usize, usize) {
        // The stored records (keys included): the state's size. Then the
        // records written when the processor merges one more commit made by
        // another member (`commit_process` saves them).
        let size = self.store.values().map(|v| StateKey::ENCODED_LEN + v).sum();
        self.commit_create();
        self.committer.merge_pending_commit().expect("merge");
        self.committer.take_state_changes().expect("state");
        let m = MlsMessage::from_bytes(&self.commit).expect("parse");
        match self.processor.process_message(&m).expect("process") {
            ProcessedMessage::Commit(s) => self.processor.merge_staged_commit(s).expect("merge"),
            _ => unreachable!(),
        }
        let delta = self.save_processor();
        (size, delta)
    }

    fn message_sizes(&self) -> Option<(usize, usize)> {
        Some((self.commit_len, self.welcome_len))
    }
}

/// The bytes a key-value store writes for `changes`: each value (none for
/// a deletion) plus its key.
pub fn record_bytes(changes: &[StateChange]) -> usize {
    changes
        .iter()
        .map(|c| StateKey::ENCODED_LEN + c.value.as_ref().map_or(0, |v| v.len()))
        .sum()
}
