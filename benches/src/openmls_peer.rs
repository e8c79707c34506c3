//! The workloads on OpenMLS 0.9 (RustCrypto provider, basic credentials),
//! configured as a user would, with the same timed regions as the other
//! drivers (see `workload.rs` and `ours.rs`):
//!
//! * Every client has its own `OpenMlsRustCrypto` provider with its default
//!   in-memory storage (OpenMLS keeps group state and key material there).
//!   OpenMLS parallelises with rayon unconditionally: `compare` runs this
//!   driver in a one-thread rayon pool for the main table and a k-thread
//!   pool for the parallel one.
//! * The ratchet tree goes into the Welcome (`use_ratchet_tree_extension`,
//!   as our `ratchet_tree_in_welcome` and mls-rs's default); handshake
//!   messages are PublicMessages (`MIXED_PLAINTEXT` policy), as in our
//!   library's and mls-rs's defaults.
//! * `add_one` is `add_members_without_update`, so that, like ours and
//!   mls-rs, the Add-only commit carries no path (`add_members` would force
//!   one); the KeyPackage is parsed and validated from bytes inside the
//!   region, as for the others.
//! * Persistence: OpenMLS writes its storage provider inside
//!   `stage_commit`, `merge_staged_commit` and `into_group`, so those
//!   writes (to the default in-memory store) are inside its timed regions;
//!   for ours and mls-rs the persistence call is outside. This favours the
//!   other two.
//! * The timed regions: `commit_create` = `self_update` and serialise;
//!   `commit_process` = parse, `process_message`, `merge_staged_commit`;
//!   `add_one` = parse and validate the KeyPackage,
//!   `add_members_without_update`, serialise commit and Welcome;
//!   `join_welcome` = parse, `StagedWelcome::new_from_welcome`,
//!   `into_group`. Making the joiner's KeyPackage, `merge_pending_commit`
//!   of the committer's own commit, `clear_pending_commit` and dropping the
//!   joined group are outside, as for every library.

use std::collections::HashMap;
use std::time::Duration;

use openmls::prelude::tls_codec::{Deserialize as _, Serialize as _};
use openmls::prelude::*;
use openmls_basic_credential::SignatureKeyPair;
use openmls_rust_crypto::OpenMlsRustCrypto;

use crate::workload::{timed, Driver, Shape, APP_MESSAGE};

const CS: Ciphersuite = Ciphersuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;

struct Client {
    provider: OpenMlsRustCrypto,
    signer: SignatureKeyPair,
    cwk: CredentialWithKey,
}

fn client(name: u64) -> Client {
    let provider = OpenMlsRustCrypto::default();
    let signer = SignatureKeyPair::new(CS.signature_algorithm()).expect("signer");
    let cwk = CredentialWithKey {
        credential: BasicCredential::new(name.to_be_bytes().to_vec()).into(),
        signature_key: signer.public().into(),
    };
    Client {
        provider,
        signer,
        cwk,
    }
}

fn key_package(c: &Client) -> KeyPackage {
    KeyPackage::builder()
        .build(CS, &c.provider, &c.signer, c.cwk.clone())
        .expect("key package")
        .key_package()
        .clone()
}

fn join_config() -> MlsGroupJoinConfig {
    MlsGroupJoinConfig::builder()
        .use_ratchet_tree_extension(true)
        .wire_format_policy(MIXED_PLAINTEXT_WIRE_FORMAT_POLICY)
        .build()
}

fn ser(m: &MlsMessageOut) -> Vec<u8> {
    m.tls_serialize_detached().expect("serialize")
}

fn parse(b: &[u8]) -> MlsMessageBodyIn {
    MlsMessageIn::tls_deserialize_exact(b)
        .expect("parse")
        .extract()
}

fn join(c: &Client, welcome: &[u8]) -> MlsGroup {
    let MlsMessageBodyIn::Welcome(w) = parse(welcome) else {
        panic!("not a welcome")
    };
    StagedWelcome::new_from_welcome(&c.provider, &join_config(), w, None)
        .expect("stage welcome")
        .into_group(&c.provider)
        .expect("join")
}

fn process_commit(c: &Client, g: &mut MlsGroup, commit: &[u8]) {
    let m = MlsMessageIn::tls_deserialize_exact(commit)
        .expect("parse")
        .try_into_protocol_message()
        .expect("protocol message");
    let p = g.process_message(&c.provider, m).expect("process");
    match p.into_content() {
        ProcessedMessageContent::StagedCommitMessage(s) => {
            g.merge_staged_commit(&c.provider, *s).expect("merge")
        }
        _ => panic!("not a commit"),
    }
}

/// The OpenMLS driver.
pub struct OpenMls {
    a: Client,
    ga: MlsGroup,
    z: Client,
    gz: MlsGroup,
    next_id: u64,
    commit: Vec<u8>,
    welcome: Vec<u8>,
    joiner: Option<Client>,
    app: Vec<u8>,
}

impl OpenMls {
    /// A group of `n` members in `shape`.
    pub fn setup(n: u32, shape: Shape) -> Self {
        let a = client(0);
        let mut ga = MlsGroup::builder()
            .ciphersuite(CS)
            .use_ratchet_tree_extension(true)
            .with_wire_format_policy(MIXED_PLAINTEXT_WIRE_FORMAT_POLICY)
            .build(&a.provider, &a.signer, a.cwk.clone())
            .expect("create");
        let (z, gz) = match shape {
            Shape::Sparse => {
                let clients: Vec<Client> = (1..n as u64).map(client).collect();
                let kps: Vec<KeyPackage> = clients.iter().map(key_package).collect();
                let (_, welcome, _) = ga.add_members(&a.provider, &a.signer, &kps).expect("add");
                ga.merge_pending_commit(&a.provider).expect("merge");
                let z = clients.into_iter().last().expect("n >= 2");
                let gz = join(&z, &ser(&welcome));
                (z, gz)
            }
            Shape::Full => {
                let mut newest: Option<(Client, MlsGroup)> = None;
                for i in 1..n as u64 {
                    let c = client(i);
                    let kp = key_package(&c);
                    let (who, g) = match newest.as_mut() {
                        Some((c, g)) => (&*c, g),
                        None => (&a, &mut ga),
                    };
                    let bundle = g
                        .commit_builder()
                        .propose_adds(vec![kp])
                        .force_self_update(true)
                        .load_psks(who.provider.storage())
                        .expect("psks")
                        .build(
                            who.provider.rand(),
                            who.provider.crypto(),
                            &who.signer,
                            |_| true,
                        )
                        .expect("build")
                        .stage_commit(&who.provider)
                        .expect("stage");
                    g.merge_pending_commit(&who.provider).expect("merge");
                    let commit = ser(bundle.commit());
                    let welcome = ser(&bundle.to_welcome_msg().expect("welcome"));
                    if newest.is_some() {
                        process_commit(&a, &mut ga, &commit);
                    }
                    let g = join(&c, &welcome);
                    newest = Some((c, g));
                }
                newest.expect("n >= 2")
            }
        };
        OpenMls {
            a,
            ga,
            z,
            gz,
            next_id: n as u64 + 1,
            commit: vec![],
            welcome: vec![],
            joiner: None,
            app: vec![],
        }
    }
}

fn storage_map(c: &Client) -> HashMap<Vec<u8>, Vec<u8>> {
    c.provider.storage().values.read().expect("lock").clone()
}

impl Driver for OpenMls {
    fn commit_create(&mut self) -> Duration {
        let (a, g) = (&self.a, &mut self.ga);
        let (c, t) = timed(|| {
            let b = g
                .self_update(&a.provider, &a.signer, LeafNodeParameters::default())
                .expect("commit");
            ser(b.commit())
        });
        self.commit = c;
        t
    }

    fn commit_process(&mut self) -> Duration {
        self.ga
            .merge_pending_commit(&self.a.provider)
            .expect("merge");
        let (z, g, c) = (&self.z, &mut self.gz, &self.commit);
        timed(|| process_commit(z, g, c)).1
    }

    fn add_one(&mut self) -> Duration {
        self.next_id += 1;
        let j = client(self.next_id);
        let kp = key_package(&j);
        let kp = MlsMessageOut::from(kp)
            .tls_serialize_detached()
            .expect("serialize");
        self.joiner = Some(j);
        let (a, g) = (&self.a, &mut self.ga);
        let (w, t) = timed(|| {
            let MlsMessageBodyIn::KeyPackage(kp) = parse(&kp) else {
                panic!("not a key package")
            };
            let kp = kp
                .validate(a.provider.crypto(), ProtocolVersion::Mls10)
                .expect("valid");
            let (commit, welcome, _) = g
                .add_members_without_update(&a.provider, &a.signer, &[kp])
                .expect("add");
            let _ = ser(&commit);
            ser(&welcome)
        });
        self.welcome = w;
        t
    }

    fn join_welcome(&mut self) -> Duration {
        let j = self.joiner.take().expect("add_one first");
        let w = &self.welcome;
        let t = timed(|| join(&j, w)).1;
        self.ga
            .clear_pending_commit(self.a.provider.storage())
            .expect("clear");
        t
    }

    fn app_encrypt(&mut self) -> Duration {
        let (a, g) = (&self.a, &mut self.ga);
        let (m, t) = timed(|| {
            ser(&g
                .create_message(&a.provider, &a.signer, &APP_MESSAGE)
                .expect("encrypt"))
        });
        self.app = m;
        t
    }

    fn app_decrypt(&mut self) -> Duration {
        let (z, g, m) = (&self.z, &mut self.gz, &self.app);
        timed(|| {
            let MlsMessageBodyIn::PrivateMessage(m) = parse(m) else {
                panic!("not a private message")
            };
            let p = g.process_message(&z.provider, m).expect("decrypt");
            match p.into_content() {
                ProcessedMessageContent::ApplicationMessage(m) => m.into_bytes().len(),
                _ => panic!("not application data"),
            }
        })
        .1
    }

    fn state_bytes(&mut self) -> (usize, usize) {
        let before = storage_map(&self.z);
        self.commit_create();
        self.commit_process();
        let after = storage_map(&self.z);
        let size = before.iter().map(|(k, v)| k.len() + v.len()).sum();
        let delta = after
            .iter()
            .filter(|(k, v)| before.get(*k) != Some(*v))
            .map(|(k, v)| k.len() + v.len())
            .sum();
        (size, delta)
    }
}
