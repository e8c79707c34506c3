//! The multi-RPC flows: KeyPackages, a full commit, external joins,
//! ReInit.

use std::collections::{BTreeSet, HashMap};

use interop_client::proto::*;

use super::driver::{Driver, Rpc};
use super::steps::*;

impl Driver {
    pub(crate) async fn create_key_package(&mut self, actor: &str) -> Result<Vec<u8>, String> {
        let resp = self
            .client(actor)
            .create_key_package(CreateKeyPackageRequest {
                cipher_suite: self.suite,
                identity: actor.as_bytes().to_vec(),
            })
            .await
            .ctx("CreateKeyPackage", actor)?;
        if resp.init_priv.is_empty()
            || resp.encryption_priv.is_empty()
            || resp.signature_priv.is_empty()
        {
            return Err("CreateKeyPackage: missing private keys".into());
        }
        self.tx.insert(actor.to_string(), resp.transaction_id);
        Ok(resp.key_package)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn full_commit(
        &mut self,
        i: usize,
        actor: &str,
        by_ref: Vec<Vec<u8>>,
        by_value: Vec<ProposalDescription>,
        members: &[String],
        joiners: &[String],
        force_path: bool,
        external_tree: bool,
    ) -> Result<(), String> {
        let mut committer = self.client(actor);
        let resp = committer
            .commit(CommitRequest {
                state_id: self.sid(actor)?,
                by_reference: by_ref.clone(),
                by_value,
                force_path,
                external_tree,
            })
            .await
            .ctx("Commit", actor)?;
        if external_tree == resp.ratchet_tree.is_empty() {
            return Err("ratchet_tree must be sent exactly when external_tree".into());
        }
        self.cache[i].insert("welcome", resp.welcome.clone());
        self.cache[i].insert("commit", resp.commit.clone());
        let pending = committer
            .handle_pending_commit(HandlePendingCommitRequest {
                state_id: self.sid(actor)?,
            })
            .await
            .ctx("HandlePendingCommit", actor)?;
        self.state.insert(actor.to_string(), pending.state_id);
        let ea = pending.epoch_authenticator;
        for m in members {
            let r = self
                .client(m)
                .handle_commit(HandleCommitRequest {
                    state_id: self.sid(m)?,
                    proposal: by_ref.clone(),
                    commit: resp.commit.clone(),
                })
                .await
                .ctx("HandleCommit", m)?;
            if r.epoch_authenticator != ea {
                return Err(format!("member {m} disagrees on the epoch authenticator"));
            }
            self.state.insert(m.clone(), r.state_id);
        }
        for j in joiners {
            let transaction_id = *self
                .tx
                .get(j)
                .ok_or_else(|| format!("no transaction for {j}"))?;
            let r = self
                .client(j)
                .join_group(JoinGroupRequest {
                    transaction_id,
                    welcome: resp.welcome.clone(),
                    encrypt_handshake: self.encrypt,
                    identity: j.as_bytes().to_vec(),
                    ratchet_tree: if external_tree {
                        resp.ratchet_tree.clone()
                    } else {
                        Vec::new()
                    },
                })
                .await
                .ctx("JoinGroup", j)?;
            if r.epoch_authenticator != ea {
                return Err(format!("joiner {j} disagrees on the epoch authenticator"));
            }
            self.state.insert(j.clone(), r.state_id);
        }
        self.members = std::iter::once(actor.to_string())
            .chain(members.iter().cloned())
            .chain(joiners.iter().cloned())
            .collect();
        Ok(())
    }

    pub(crate) async fn external_join(&mut self, i: usize, j: &ExtJoin) -> Result<(), String> {
        let gi = self
            .client(&j.actor)
            .group_info(GroupInfoRequest {
                state_id: self.sid(&j.actor)?,
                external_tree: j.external_tree,
            })
            .await
            .ctx("GroupInfo", &j.actor)?;
        if j.external_tree == gi.ratchet_tree.is_empty() {
            return Err("ratchet_tree must be sent exactly when external_tree".into());
        }
        let psks = j
            .psks
            .iter()
            .map(|p| {
                Ok(PreSharedKey {
                    psk_id: self.get(*p, "psk_id")?,
                    psk_secret: self.get(*p, "psk_secret")?,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let resp = self
            .client(&j.joiner)
            .external_join(ExternalJoinRequest {
                group_info: gi.group_info,
                ratchet_tree: gi.ratchet_tree,
                encrypt_handshake: self.encrypt,
                identity: j.joiner.as_bytes().to_vec(),
                remove_prior: j.remove_prior,
                psks,
            })
            .await
            .ctx("ExternalJoin", &j.joiner)?;
        self.state.insert(j.joiner.clone(), resp.state_id);
        self.cache[i].insert("commit", resp.commit.clone());
        for m in j.members.iter().chain([&j.actor]) {
            let r = self
                .client(m)
                .handle_commit(HandleCommitRequest {
                    state_id: self.sid(m)?,
                    proposal: Vec::new(),
                    commit: resp.commit.clone(),
                })
                .await
                .ctx("HandleCommit", m)?;
            if r.epoch_authenticator != resp.epoch_authenticator {
                return Err(format!("member {m} disagrees on the epoch authenticator"));
            }
            self.state.insert(m.clone(), r.state_id);
        }
        self.members = j
            .members
            .iter()
            .chain([&j.actor, &j.joiner])
            .cloned()
            .collect();
        Ok(())
    }

    pub(crate) async fn reinit(&mut self, _i: usize, r: &ReInitStep) -> Result<(), String> {
        let mut not_committer: BTreeSet<&str> = r.members.iter().copied().collect();
        not_committer.insert(r.welcomer);
        let mut not_welcomer: BTreeSet<&str> = r.members.iter().copied().collect();
        not_welcomer.insert(r.committer);
        if let Some(p) = r.proposer {
            not_committer.insert(p);
            not_welcomer.insert(p);
        }
        not_committer.remove(r.committer);
        not_welcomer.remove(r.welcomer);

        let proposal = match (r.proposer, r.external_proposal) {
            (Some(p), _) => {
                let group_id = self.new_group_id(r.change_group_id);
                if r.change_suite {
                    self.change_suite();
                }
                self.client(p)
                    .re_init_proposal(ReInitProposalRequest {
                        state_id: self.sid(p)?,
                        cipher_suite: self.suite,
                        group_id,
                        extensions: Self::extensions(&r.extensions),
                    })
                    .await
                    .ctx("ReInitProposal", p)?
                    .proposal
            }
            (None, Some(index)) => self.get(index, "proposal")?,
            (None, None) => return Err("reinit without a proposal".into()),
        };

        let mut committer = self.client(r.committer);
        let c = committer
            .re_init_commit(CommitRequest {
                state_id: self.sid(r.committer)?,
                by_reference: vec![proposal.clone()],
                ..CommitRequest::default()
            })
            .await
            .ctx("ReInitCommit", r.committer)?;
        let pending = committer
            .handle_pending_re_init_commit(HandlePendingCommitRequest {
                state_id: self.sid(r.committer)?,
            })
            .await
            .ctx("HandlePendingReInitCommit", r.committer)?;
        let ea = pending.epoch_authenticator.clone();
        let mut reinit_ids = HashMap::from([(r.committer, pending.reinit_id)]);
        let mut key_packages = HashMap::from([(r.committer, pending.key_package)]);
        for &m in &not_committer {
            let resp = self
                .client(m)
                .handle_re_init_commit(HandleCommitRequest {
                    state_id: self.sid(m)?,
                    proposal: vec![proposal.clone()],
                    commit: c.commit.clone(),
                })
                .await
                .ctx("HandleReInitCommit", m)?;
            if resp.epoch_authenticator != ea {
                return Err(format!("{m} disagrees on the epoch authenticator"));
            }
            reinit_ids.insert(m, resp.reinit_id);
            key_packages.insert(m, resp.key_package);
        }

        let w = self
            .client(r.welcomer)
            .re_init_welcome(ReInitWelcomeRequest {
                reinit_id: reinit_ids[r.welcomer],
                key_package: not_welcomer
                    .iter()
                    .map(|m| key_packages[m].clone())
                    .collect(),
                force_path: r.force_path,
                external_tree: r.external_tree,
            })
            .await
            .ctx("ReInitWelcome", r.welcomer)?;
        self.state.insert(r.welcomer.to_string(), w.state_id);
        for m in &not_welcomer {
            let resp = self
                .client(m)
                .handle_re_init_welcome(HandleReInitWelcomeRequest {
                    reinit_id: reinit_ids[m],
                    welcome: w.welcome.clone(),
                    ratchet_tree: if r.external_tree {
                        w.ratchet_tree.clone()
                    } else {
                        Vec::new()
                    },
                })
                .await
                .ctx("HandleReInitWelcome", m)?;
            if resp.epoch_authenticator != w.epoch_authenticator {
                return Err(format!(
                    "{m} disagrees on the new group's epoch authenticator"
                ));
            }
            self.state.insert(m.to_string(), resp.state_id);
        }
        self.members = not_committer
            .union(&not_welcomer)
            .map(|s| s.to_string())
            .collect();
        Ok(())
    }
}
