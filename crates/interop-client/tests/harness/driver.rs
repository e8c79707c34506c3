//! The driver: the runner's RPC sequence for each step.

use std::collections::{BTreeSet, HashMap};

use super::random::SplitMix;
use super::steps::*;
use super::Client;
use interop_client::proto::*;

pub(crate) trait Rpc<T> {
    fn ctx(self, what: &str, actor: &str) -> Result<T, String>;
}

impl<T> Rpc<T> for Result<tonic::Response<T>, tonic::Status> {
    fn ctx(self, what: &str, actor: &str) -> Result<T, String> {
        self.map(|r| r.into_inner())
            .map_err(|s| format!("{what} at {actor}: {:?} {}", s.code(), s.message()))
    }
}

pub(crate) type Cache = HashMap<&'static str, Vec<u8>>;

pub(crate) struct Driver {
    pub(crate) clients: Vec<Client>,
    pub(crate) variant: usize,
    pub(crate) suite: u32,
    pub(crate) encrypt: bool,
    pub(crate) state: HashMap<String, u32>,
    pub(crate) tx: HashMap<String, u32>,
    pub(crate) signer: HashMap<String, u32>,
    pub(crate) cache: Vec<Cache>,
    /// The actors in the group now (the scripts name every member that
    /// processes a commit).
    pub(crate) members: BTreeSet<String>,
    pub(crate) group_id: Vec<u8>,
    pub(crate) counter: u64,
}

impl Driver {
    pub(crate) fn new(clients: &[Client], suite: u32, encrypt: bool, variant: usize) -> Self {
        Driver {
            clients: clients.to_vec(),
            variant,
            suite,
            encrypt,
            state: HashMap::new(),
            tx: HashMap::new(),
            signer: HashMap::new(),
            cache: Vec::new(),
            members: BTreeSet::new(),
            group_id: Vec::new(),
            counter: u64::from(suite) << 32 | u64::from(encrypt) << 16 | variant as u64,
        }
    }

    /// Which client plays `actor`.
    pub(crate) fn client(&self, actor: &str) -> Client {
        let sum: usize = actor.bytes().map(usize::from).sum();
        self.clients[(sum + self.variant) % self.clients.len()].clone()
    }

    pub(crate) fn sid(&self, actor: &str) -> Result<u32, String> {
        self.state
            .get(actor)
            .copied()
            .ok_or_else(|| format!("{actor} has no state"))
    }

    pub(crate) fn get(&self, index: usize, key: &str) -> Result<Vec<u8>, String> {
        self.cache
            .get(index)
            .and_then(|c| c.get(key))
            .cloned()
            .ok_or_else(|| format!("no {key} at step {index}"))
    }

    pub(crate) fn fresh(&mut self, n: usize) -> Vec<u8> {
        let mut rng = SplitMix(self.counter);
        self.counter = self.counter.wrapping_add(0x1234_5678_9abc);
        (0..n).map(|_| rng.next() as u8).collect()
    }

    pub(crate) async fn run(&mut self, script: &[Step]) -> Result<(), String> {
        for (i, step) in script.iter().enumerate() {
            self.cache.push(Cache::new());
            self.step(i, step)
                .await
                .map_err(|e| format!("step {i} {step:?}: {e}"))?;
            self.check_agreement()
                .await
                .map_err(|e| format!("after step {i} {step:?}: {e}"))?;
        }
        // The runner frees every state at the end of a script.
        for (actor, id) in std::mem::take(&mut self.state) {
            self.client(&actor)
                .free(FreeRequest { state_id: id })
                .await
                .ctx("Free", &actor)?;
        }
        Ok(())
    }

    /// Every current member reports the same state authenticator and the
    /// same exported secret.
    pub(crate) async fn check_agreement(&mut self) -> Result<(), String> {
        let mut seen: Option<(String, Vec<u8>, Vec<u8>)> = None;
        for actor in self.members.clone() {
            let state_id = self.sid(&actor)?;
            let mut c = self.client(&actor);
            let auth = c
                .state_auth(StateAuthRequest { state_id })
                .await
                .ctx("StateAuth", &actor)?
                .state_auth_secret;
            let export = c
                .export(ExportRequest {
                    state_id,
                    label: "interop check".into(),
                    context: b"context".to_vec(),
                    key_length: 32,
                })
                .await
                .ctx("Export", &actor)?
                .exported_secret;
            if auth.is_empty() || export.len() != 32 {
                return Err(format!("{actor}: empty state auth or short export"));
            }
            match &seen {
                None => seen = Some((actor, auth, export)),
                Some((first, a, e)) => {
                    if *a != auth || *e != export {
                        return Err(format!("{actor} and {first} disagree"));
                    }
                }
            }
        }
        Ok(())
    }

    pub(crate) fn extensions(list: &[(u32, Vec<u8>)]) -> Vec<Extension> {
        list.iter()
            .map(|(t, d)| Extension {
                extension_type: *t,
                extension_data: d.clone(),
            })
            .collect()
    }

    /// Another suite both clients support (ours support all of 1–7; the
    /// test stays within 1–3).
    pub(crate) fn change_suite(&mut self) {
        self.suite = self.suite % 3 + 1;
    }

    pub(crate) fn new_group_id(&self, change: bool) -> Vec<u8> {
        let mut id = self.group_id.clone();
        if change {
            id.extend_from_slice(b"++");
        }
        id
    }

    pub(crate) fn description(&mut self, d: &Desc) -> Result<ProposalDescription, String> {
        let mut p = ProposalDescription::default();
        match d {
            Desc::Add(i) => {
                p.proposal_type = b"add".to_vec();
                p.key_package = self.get(*i, "key_package")?;
            }
            Desc::Remove(who) => {
                p.proposal_type = b"remove".to_vec();
                p.removed_id = who.as_bytes().to_vec();
            }
            Desc::ExternalPsk(i) => {
                p.proposal_type = b"externalPSK".to_vec();
                p.psk_id = self.get(*i, "psk_id")?;
            }
            Desc::ResumptionPsk(e) => {
                p.proposal_type = b"resumptionPSK".to_vec();
                p.epoch_id = *e;
            }
            Desc::Gce(list) => {
                p.proposal_type = b"groupContextExtensions".to_vec();
                p.extensions = Self::extensions(list);
            }
            Desc::ReInit {
                change_group_id,
                change_suite,
                extensions,
            } => {
                p.proposal_type = b"reinit".to_vec();
                p.extensions = Self::extensions(extensions);
                if *change_suite {
                    self.change_suite();
                }
                p.cipher_suite = self.suite;
                p.group_id = self.new_group_id(*change_group_id);
            }
        }
        Ok(p)
    }

    pub(crate) async fn step(&mut self, i: usize, step: &Step) -> Result<(), String> {
        match step {
            Step::CreateGroup { .. }
            | Step::CreateKeyPackage { .. }
            | Step::ExternalJoin { .. }
            | Step::InstallExternalPsk { .. }
            | Step::FullCommit { .. }
            | Step::ReInit { .. } => self.membership_step(i, step).await,
            Step::AddProposal { .. }
            | Step::UpdateProposal { .. }
            | Step::RemoveProposal { .. }
            | Step::ExternalPskProposal { .. }
            | Step::ResumptionPskProposal { .. }
            | Step::GceProposal { .. } => self.proposal_step(i, step).await,
            Step::Protect { .. } | Step::Unprotect { .. } | Step::Branch { .. } => {
                self.application_step(i, step).await
            }
            Step::NewMemberAddProposal { .. }
            | Step::AddExternalSigner { .. }
            | Step::ExternalSignerProposal { .. } => self.external_step(i, step).await,
        }
    }
}
