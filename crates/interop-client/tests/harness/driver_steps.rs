//! The driver's steps, grouped by what they touch.

use std::collections::{BTreeSet, HashMap};

use interop_client::proto::*;

use super::driver::{Driver, Rpc};
use super::steps::*;

impl Driver {
    /// The steps of group creation, joins, PSKs and commits.
    pub(crate) async fn membership_step(&mut self, i: usize, step: &Step) -> Result<(), String> {
        match step {
            Step::CreateGroup(actor, members) => {
                self.group_id = self.fresh(16);
                let resp = self
                    .client(actor)
                    .create_group(CreateGroupRequest {
                        group_id: self.group_id.clone(),
                        cipher_suite: self.suite,
                        encrypt_handshake: self.encrypt,
                        identity: actor.as_bytes().to_vec(),
                    })
                    .await
                    .ctx("CreateGroup", actor)?;
                self.state.insert(actor.to_string(), resp.state_id);
                self.members = BTreeSet::from([actor.to_string()]);
                // With members: their KeyPackages, Adds, one commit.
                let mut adds = Vec::new();
                for m in members {
                    let kp = self.create_key_package(m).await?;
                    let add = self
                        .client(actor)
                        .add_proposal(AddProposalRequest {
                            state_id: self.sid(actor)?,
                            key_package: kp,
                        })
                        .await
                        .ctx("AddProposal", actor)?;
                    adds.push(add.proposal);
                }
                if !members.is_empty() {
                    let joiners = names(members);
                    self.full_commit(i, actor, adds, Vec::new(), &[], &joiners, false, false)
                        .await?;
                }
            }
            Step::CreateKeyPackage(actor) => {
                let kp = self.create_key_package(actor).await?;
                self.cache[i].insert("key_package", kp);
            }
            Step::ExternalJoin(j) => self.external_join(i, j).await?,
            Step::InstallExternalPsk(clients) => {
                let psk_id = self.fresh(32);
                let psk_secret = self.fresh(32);
                self.cache[i].insert("psk_id", psk_id.clone());
                self.cache[i].insert("psk_secret", psk_secret.clone());
                for c in clients {
                    let id = self
                        .state
                        .get(*c)
                        .or_else(|| self.tx.get(*c))
                        .copied()
                        .ok_or_else(|| format!("{c} has no state or transaction"))?;
                    self.client(c)
                        .store_psk(StorePskRequest {
                            state_or_transaction_id: id,
                            psk_id: psk_id.clone(),
                            psk_secret: psk_secret.clone(),
                        })
                        .await
                        .ctx("StorePSK", c)?;
                }
            }
            Step::FullCommit(c) => {
                let by_ref = c
                    .by_ref
                    .iter()
                    .map(|r| self.get(*r, "proposal"))
                    .collect::<Result<Vec<_>, _>>()?;
                let by_value = c
                    .by_value
                    .iter()
                    .map(|d| self.description(d))
                    .collect::<Result<Vec<_>, _>>()?;
                self.full_commit(
                    i,
                    &c.actor,
                    by_ref,
                    by_value,
                    &c.members,
                    &c.joiners,
                    c.force_path,
                    c.external_tree,
                )
                .await?;
            }
            Step::ReInit(r) => self.reinit(i, r).await?,
            _ => unreachable!("dispatched by Driver::step"),
        }
        Ok(())
    }

    /// The steps of a member proposes.
    pub(crate) async fn proposal_step(&mut self, i: usize, step: &Step) -> Result<(), String> {
        match step {
            Step::AddProposal(actor, kp) => {
                let key_package = self.get(*kp, "key_package")?;
                let p = self
                    .client(actor)
                    .add_proposal(AddProposalRequest {
                        state_id: self.sid(actor)?,
                        key_package,
                    })
                    .await
                    .ctx("AddProposal", actor)?;
                self.cache[i].insert("proposal", p.proposal);
            }
            Step::UpdateProposal(actor) => {
                let p = self
                    .client(actor)
                    .update_proposal(UpdateProposalRequest {
                        state_id: self.sid(actor)?,
                    })
                    .await
                    .ctx("UpdateProposal", actor)?;
                self.cache[i].insert("proposal", p.proposal);
            }
            Step::RemoveProposal(actor, removed) => {
                let p = self
                    .client(actor)
                    .remove_proposal(RemoveProposalRequest {
                        state_id: self.sid(actor)?,
                        removed_id: removed.as_bytes().to_vec(),
                    })
                    .await
                    .ctx("RemoveProposal", actor)?;
                self.cache[i].insert("proposal", p.proposal);
            }
            Step::ExternalPskProposal(actor, psk) => {
                let psk_id = self.get(*psk, "psk_id")?;
                let p = self
                    .client(actor)
                    .external_psk_proposal(ExternalPskProposalRequest {
                        state_id: self.sid(actor)?,
                        psk_id,
                    })
                    .await
                    .ctx("ExternalPSKProposal", actor)?;
                self.cache[i].insert("proposal", p.proposal);
            }
            Step::ResumptionPskProposal(actor, epoch) => {
                let p = self
                    .client(actor)
                    .resumption_psk_proposal(ResumptionPskProposalRequest {
                        state_id: self.sid(actor)?,
                        epoch_id: *epoch,
                    })
                    .await
                    .ctx("ResumptionPSKProposal", actor)?;
                self.cache[i].insert("proposal", p.proposal);
            }
            Step::GceProposal(actor, list) => {
                let p = self
                    .client(actor)
                    .group_context_extensions_proposal(GroupContextExtensionsProposalRequest {
                        state_id: self.sid(actor)?,
                        extensions: Self::extensions(list),
                    })
                    .await
                    .ctx("GroupContextExtensionsProposal", actor)?;
                self.cache[i].insert("proposal", p.proposal);
            }
            _ => unreachable!("dispatched by Driver::step"),
        }
        Ok(())
    }

    /// The steps of application messages and branches.
    pub(crate) async fn application_step(&mut self, i: usize, step: &Step) -> Result<(), String> {
        match step {
            Step::Protect(actor, aad, pt) => {
                let resp = self
                    .client(actor)
                    .protect(ProtectRequest {
                        state_id: self.sid(actor)?,
                        authenticated_data: aad.as_bytes().to_vec(),
                        plaintext: pt.as_bytes().to_vec(),
                    })
                    .await
                    .ctx("Protect", actor)?;
                self.cache[i].insert("ciphertext", resp.ciphertext);
                self.cache[i].insert("authenticated_data", aad.as_bytes().to_vec());
                self.cache[i].insert("plaintext", pt.as_bytes().to_vec());
            }
            Step::Unprotect(actor, ct) => {
                let resp = self
                    .client(actor)
                    .unprotect(UnprotectRequest {
                        state_id: self.sid(actor)?,
                        ciphertext: self.get(*ct, "ciphertext")?,
                    })
                    .await
                    .ctx("Unprotect", actor)?;
                if resp.authenticated_data != self.get(*ct, "authenticated_data")? {
                    return Err("incorrect authenticated data".into());
                }
                if resp.plaintext != self.get(*ct, "plaintext")? {
                    return Err("incorrect plaintext".into());
                }
            }
            Step::Branch {
                actor,
                members,
                extensions,
                force_path,
                external_tree,
            } => {
                let mut txs = HashMap::new();
                let mut kps = Vec::new();
                for m in members {
                    kps.push(self.create_key_package(m).await?);
                    txs.insert(m.to_string(), self.tx[*m]);
                }
                let resp = self
                    .client(actor)
                    .create_branch(CreateBranchRequest {
                        state_id: self.sid(actor)?,
                        group_id: self.fresh(16),
                        extensions: Self::extensions(extensions),
                        key_packages: kps,
                        force_path: *force_path,
                        external_tree: *external_tree,
                    })
                    .await
                    .ctx("CreateBranch", actor)?;
                for m in members {
                    let r = self
                        .client(m)
                        .handle_branch(HandleBranchRequest {
                            state_id: self.sid(m)?,
                            transaction_id: txs[*m],
                            welcome: resp.welcome.clone(),
                            ratchet_tree: if *external_tree {
                                resp.ratchet_tree.clone()
                            } else {
                                Vec::new()
                            },
                        })
                        .await
                        .ctx("HandleBranch", m)?;
                    if r.epoch_authenticator != resp.epoch_authenticator {
                        return Err(format!("{m} disagrees on the branch's epoch authenticator"));
                    }
                    self.state.insert(m.to_string(), r.state_id);
                }
                self.state.insert(actor.to_string(), resp.state_id);
                self.members = std::iter::once(actor)
                    .chain(members)
                    .map(|s| s.to_string())
                    .collect();
            }
            _ => unreachable!("dispatched by Driver::step"),
        }
        Ok(())
    }

    /// The steps of proposers from outside the group.
    pub(crate) async fn external_step(&mut self, i: usize, step: &Step) -> Result<(), String> {
        match step {
            Step::NewMemberAddProposal(actor, joiner) => {
                let gi = self
                    .client(actor)
                    .group_info(GroupInfoRequest {
                        state_id: self.sid(actor)?,
                        external_tree: false,
                    })
                    .await
                    .ctx("GroupInfo", actor)?;
                let resp = self
                    .client(joiner)
                    .new_member_add_proposal(NewMemberAddProposalRequest {
                        group_info: gi.group_info,
                        identity: joiner.as_bytes().to_vec(),
                    })
                    .await
                    .ctx("NewMemberAddProposal", joiner)?;
                if resp.init_priv.is_empty()
                    || resp.encryption_priv.is_empty()
                    || resp.signature_priv.is_empty()
                {
                    return Err("NewMemberAddProposal: missing private keys".into());
                }
                self.tx.insert(joiner.to_string(), resp.transaction_id);
                self.cache[i].insert("proposal", resp.proposal);
            }
            Step::AddExternalSigner(actor, signer) => {
                let s = self
                    .client(signer)
                    .create_external_signer(CreateExternalSignerRequest {
                        cipher_suite: self.suite,
                        identity: signer.as_bytes().to_vec(),
                    })
                    .await
                    .ctx("CreateExternalSigner", signer)?;
                self.signer.insert(signer.to_string(), s.signer_id);
                let p = self
                    .client(actor)
                    .add_external_signer(AddExternalSignerRequest {
                        state_id: self.sid(actor)?,
                        external_sender: s.external_sender,
                    })
                    .await
                    .ctx("AddExternalSigner", actor)?;
                self.cache[i].insert("proposal", p.proposal);
            }
            Step::ExternalSignerProposal(actor, member, desc) => {
                let gi = self
                    .client(member)
                    .group_info(GroupInfoRequest {
                        state_id: self.sid(member)?,
                        external_tree: true,
                    })
                    .await
                    .ctx("GroupInfo", member)?;
                let description = self.description(desc)?;
                let signer_id = *self
                    .signer
                    .get(*actor)
                    .ok_or_else(|| format!("{actor} is no signer"))?;
                let p = self
                    .client(actor)
                    .external_signer_proposal(ExternalSignerProposalRequest {
                        signer_id,
                        signer_index: 0,
                        group_info: gi.group_info,
                        ratchet_tree: gi.ratchet_tree,
                        description: Some(description),
                    })
                    .await
                    .ctx("ExternalSignerProposal", actor)?;
                self.cache[i].insert("proposal", p.proposal);
            }
            _ => unreachable!("dispatched by Driver::step"),
        }
        Ok(())
    }
}
