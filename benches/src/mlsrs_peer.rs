//! The workloads on mls-rs 0.57 (RustCrypto provider, basic credentials),
//! configured as a user of its defaults would, with the same timed regions
//! as the other drivers (see `workload.rs` and `ours.rs`):
//!
//! * Default crate features (`rayon` included: `compare` runs this driver
//!   in a one-thread rayon pool for the main table and a k-thread pool for
//!   the parallel one), `BasicIdentityProvider`, the default in-memory
//!   group state and KeyPackage storage, `DefaultMlsRules` with the
//!   default `CommitOptions` — which already put the ratchet tree into the
//!   Welcome (`ratchet_tree_extension: true`, as our
//!   `ratchet_tree_in_welcome` and OpenMLS's `use_ratchet_tree_extension`)
//!   and do not force a path. Only the members of the *full* chain set
//!   `path_required` so that their Add commits fill the tree; leaf 0 does
//!   not, so `add_one` is an Add-only commit without path, as for the
//!   other libraries.
//! * Persistence as an application does it: after every merge (the
//!   committer's `apply_pending_commit`, the processor's
//!   `process_incoming_message`) the member calls `write_to_storage`,
//!   outside the timed region (ours takes its changed records there too).
//!   Without it mls-rs keeps every past epoch (10,000 signature keys each at
//!   N = 10,000) in a pending list that only that call trims, and the
//!   members grew by one such epoch per sample.
//! * The timed regions: `commit_create` = `commit(vec![])` and
//!   `to_bytes`; `commit_process` = `MlsMessage::from_bytes` and
//!   `process_incoming_message` (which also merges, and whose returned
//!   description is dropped inside the region); `add_one` = parse the
//!   KeyPackage bytes, `commit_builder().add_member().build()`, serialise
//!   commit and Welcome; `join_welcome` = parse and `join_group`. The
//!   joiner's client and KeyPackage, `apply_pending_commit` of the
//!   committer's own commit (which decodes its stored pending commit: a
//!   whole copy of the new state), `clear_pending_commit`, dropping the
//!   joined group and `write_to_storage` are outside, as for every library.

use std::time::Duration;

use mls_rs::client_builder::MlsConfig;
use mls_rs::group::ReceivedMessage;
use mls_rs::identity::basic::{BasicCredential, BasicIdentityProvider};
use mls_rs::identity::SigningIdentity;
use mls_rs::mls_rules::{CommitOptions, DefaultMlsRules};
use mls_rs::{
    CipherSuite, CipherSuiteProvider, Client, CryptoProvider, Group, GroupStateStorage, MlsMessage,
};
use mls_rs_crypto_rustcrypto::RustCryptoProvider;

use crate::workload::{timed, Driver, Shape, APP_MESSAGE};

const CS: CipherSuite = CipherSuite::CURVE25519_AES128;

fn client(name: u64, path_required: bool) -> Client<impl MlsConfig> {
    let crypto = RustCryptoProvider::default();
    let cs = crypto.cipher_suite_provider(CS).expect("suite 1");
    let (secret, public) = cs.signature_key_generate().expect("signature key");
    let identity = SigningIdentity::new(
        BasicCredential::new(name.to_be_bytes().to_vec()).into_credential(),
        public,
    );
    let rules = DefaultMlsRules::new().with_commit_options(
        CommitOptions::new()
            .with_ratchet_tree_extension(true)
            .with_path_required(path_required),
    );
    Client::builder()
        .identity_provider(BasicIdentityProvider)
        .crypto_provider(crypto)
        .mls_rules(rules)
        .signing_identity(identity, secret, CS)
        .build()
}

/// The mls-rs driver for a group of `n` in `shape`.
pub fn setup(n: u32, shape: Shape) -> Box<dyn Driver> {
    setup_with(n, shape, true)
}

/// [`setup`]; `persist` says whether both members write their state to
/// storage (`Group::write_to_storage`) after every merge, outside the
/// timed region (`setup` does; `bin/peer_probe.rs` compares both).
pub fn setup_with(n: u32, shape: Shape, persist: bool) -> Box<dyn Driver> {
    let a = client(0, false);
    let mut ga = a
        .create_group(Default::default(), Default::default(), None)
        .expect("create");
    let key_package = |c: &Client<_>| {
        c.generate_key_package_message(Default::default(), Default::default(), None)
            .expect("key package")
    };
    let (z, mut gz) = match shape {
        Shape::Sparse => {
            let clients: Vec<_> = (1..n as u64).map(|i| client(i, false)).collect();
            let mut b = ga.commit_builder();
            for c in &clients {
                b = b.add_member(key_package(c)).expect("add");
            }
            let out = b.build().expect("commit");
            ga.apply_pending_commit().expect("merge");
            let z = clients.into_iter().last().expect("n >= 2");
            let (gz, _) = z
                .join_group(None, &out.welcome_messages[0], None)
                .expect("join");
            (z, gz)
        }
        Shape::Full => {
            let mut newest: Option<(_, Group<_>)> = None;
            for i in 1..n as u64 {
                let c = client(i, true);
                let kp = key_package(&c);
                let out = match newest.as_mut() {
                    Some((_, g)) => {
                        let out = g
                            .commit_builder()
                            .add_member(kp)
                            .expect("add")
                            .build()
                            .expect("commit");
                        g.apply_pending_commit().expect("merge");
                        ga.process_incoming_message(out.commit_message.clone())
                            .expect("process");
                        out
                    }
                    None => {
                        // Leaf 0 adds leaf 1 without a path; later
                        // commits set every parent above it.
                        let out = ga
                            .commit_builder()
                            .add_member(kp)
                            .expect("add")
                            .build()
                            .expect("commit");
                        ga.apply_pending_commit().expect("merge");
                        out
                    }
                };
                let (g, _) = c
                    .join_group(None, &out.welcome_messages[0], None)
                    .expect("join");
                newest = Some((c, g));
            }
            newest.expect("n >= 2")
        }
    };
    if persist {
        ga.write_to_storage().expect("write");
        gz.write_to_storage().expect("write");
    }
    let mk: fn(u64) -> Client<_> = |n| client(n, false);
    Box::new(MlsRs {
        persist,
        mk,
        next_id: n as u64 + 1,
        ga,
        z,
        gz,
        commit: vec![],
        welcome: vec![],
        joiner: None,
        app: vec![],
    })
}

struct MlsRs<C: MlsConfig + Clone> {
    persist: bool,
    mk: fn(u64) -> Client<C>,
    ga: Group<C>,
    z: Client<C>,
    gz: Group<C>,
    next_id: u64,
    commit: Vec<u8>,
    welcome: Vec<u8>,
    joiner: Option<Client<C>>,
    app: Vec<u8>,
}

fn state_of<C: MlsConfig + Clone>(c: &Client<C>, g: &mut Group<C>) -> Vec<(u64, Vec<u8>)> {
    g.write_to_storage().expect("write");
    let s = c.group_state_storage();
    let gid = g.group_id().to_vec();
    let mut out = vec![(
        u64::MAX,
        s.state(&gid).expect("state").expect("some").to_vec(),
    )];
    if let Some(max) = s.max_epoch_id(&gid).expect("epochs") {
        for e in 0..=max {
            if let Some(d) = s.epoch(&gid, e).expect("epoch") {
                out.push((e, d.to_vec()));
            }
        }
    }
    out
}

impl<C: MlsConfig + Clone> Driver for MlsRs<C> {
    fn commit_create(&mut self) -> Duration {
        let g = &mut self.ga;
        let (c, t) = timed(|| {
            g.commit(vec![])
                .expect("commit")
                .commit_message
                .to_bytes()
                .expect("serialize")
        });
        self.commit = c;
        t
    }

    fn commit_process(&mut self) -> Duration {
        self.ga.apply_pending_commit().expect("merge");
        if self.persist {
            self.ga.write_to_storage().expect("write");
        }
        let (g, c) = (&mut self.gz, &self.commit);
        let t = timed(|| {
            let m = MlsMessage::from_bytes(c).expect("parse");
            match g.process_incoming_message(m).expect("process") {
                ReceivedMessage::Commit(_) => {}
                _ => panic!("not a commit"),
            }
        })
        .1;
        if self.persist {
            self.gz.write_to_storage().expect("write");
        }
        t
    }

    fn add_one(&mut self) -> Duration {
        self.next_id += 1;
        let j = (self.mk)(self.next_id);
        let kp = j
            .generate_key_package_message(Default::default(), Default::default(), None)
            .expect("key package")
            .to_bytes()
            .expect("serialize");
        self.joiner = Some(j);
        let g = &mut self.ga;
        let (w, t) = timed(|| {
            let kp = MlsMessage::from_bytes(&kp).expect("parse");
            let out = g
                .commit_builder()
                .add_member(kp)
                .expect("add")
                .build()
                .expect("commit");
            let _ = out.commit_message.to_bytes().expect("serialize");
            out.welcome_messages[0].to_bytes().expect("serialize")
        });
        self.welcome = w;
        t
    }

    fn join_welcome(&mut self) -> Duration {
        let j = self.joiner.take().expect("add_one first");
        let w = &self.welcome;
        let t = timed(|| {
            let w = MlsMessage::from_bytes(w).expect("parse");
            j.join_group(None, &w, None).expect("join")
        })
        .1;
        self.ga.clear_pending_commit();
        t
    }

    fn app_encrypt(&mut self) -> Duration {
        let g = &mut self.ga;
        let (m, t) = timed(|| {
            g.encrypt_application_message(&APP_MESSAGE, vec![])
                .expect("encrypt")
                .to_bytes()
                .expect("serialize")
        });
        self.app = m;
        t
    }

    fn app_decrypt(&mut self) -> Duration {
        let (g, m) = (&mut self.gz, &self.app);
        timed(|| {
            let m = MlsMessage::from_bytes(m).expect("parse");
            match g.process_incoming_message(m).expect("decrypt") {
                ReceivedMessage::ApplicationMessage(d) => d.data().len(),
                _ => panic!("not application data"),
            }
        })
        .1
    }

    fn state_bytes(&mut self) -> (usize, usize) {
        let before = state_of(&self.z, &mut self.gz);
        self.commit_create();
        self.commit_process();
        let after = state_of(&self.z, &mut self.gz);
        let size = before.iter().map(|(_, v)| v.len()).sum();
        let delta = after
            .iter()
            .filter(|e| !before.contains(e))
            .map(|(_, v)| v.len())
            .sum();
        (size, delta)
    }
}
