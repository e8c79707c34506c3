//! A randomised 200-epoch run (seeded): adds through the KeyPackage
//! directory, removes, updates, proposals committed by others, self
//! removals, external joins and application messages. After every
//! operation the DS's view matches the members' (epoch, GroupContext,
//! tree hash), the GroupInfo it serves verifies, and a new client can
//! build an external join from it.

mod common;

use common::*;
use mls_ds::*;
use mls_group::*;
use mls_test_support::TestRng;

struct Run {
    ds: Ds,
    members: Vec<Client>,
    next: usize,
}

impl Run {
    fn fresh(&mut self, rng: &mut TestRng) -> Client {
        self.next += 1;
        Client::new(&format!("client{}", self.next), rng)
    }

    fn pick(&self, rng: &mut TestRng) -> usize {
        (rng.next_u64() % self.members.len() as u64) as usize
    }

    fn pick_other(&self, not: usize, rng: &mut TestRng) -> usize {
        loop {
            let i = self.pick(rng);
            if i != not {
                return i;
            }
        }
    }

    fn sync_all_but(&mut self, skip: Option<usize>) {
        for (i, c) in self.members.iter_mut().enumerate() {
            if Some(i) != skip {
                c.sync(&self.ds);
            }
        }
    }

    fn check(&mut self, rng: &mut TestRng) {
        let all: Vec<&Client> = self.members.iter().collect();
        assert_converged(&self.ds, &all);
        // A joiner can build an external commit from what the DS serves.
        let joiner = self.fresh(rng);
        let served = self.ds.group_info(&joiner.id(), GROUP, NOW).unwrap();
        let info = MlsMessage::from_bytes(&served.group_info)
            .unwrap()
            .into_group_info()
            .unwrap();
        Group::join_external(
            suite(),
            &info,
            joiner.identity.clone(),
            ExternalJoinOptions {
                ratchet_tree: Some(
                    RatchetTree::from_extension_bytes(&served.ratchet_tree).unwrap(),
                ),
                ..ExternalJoinOptions::default()
            },
            rng,
        )
        .unwrap();
    }

    /// `committer` commits `proposals` (plus whatever is stored); the
    /// others follow.
    fn commit(
        &mut self,
        committer: usize,
        proposals: Vec<Proposal>,
        rng: &mut TestRng,
    ) -> CommitAccepted {
        let options = CommitOptions {
            force_path: rng.next_u64().is_multiple_of(2),
            ..CommitOptions::default()
        };
        let p = self.members[committer].commit(proposals, &options, true, rng);
        let accepted = self.members[committer].send(&self.ds, &p).unwrap();
        self.sync_all_but(Some(committer));
        self.members
            .retain(|c| c.group.as_ref().unwrap().status() != GroupStatus::Removed);
        accepted
    }
}

#[test]
fn the_ds_view_matches_the_members_for_200_epochs() {
    let rng = &mut TestRng::new(200);
    let ds = ds_with(unlimited());
    let mut founder = Client::new("client0", rng);
    founder.create_group(&ds, None, rng);
    let mut run = Run {
        ds,
        members: vec![founder],
        next: 0,
    };
    let mut ops = [0usize; 7];
    while run.members[0].group.as_ref().unwrap().epoch() < 200 {
        let n = run.members.len();
        let op = (rng.next_u64() % 7) as usize;
        match op {
            // Add 1–2 clients with KeyPackages from the directory.
            0 if n < 8 => {
                let mut joiners: Vec<Client> = (0..1 + rng.next_u64() % 2)
                    .map(|_| run.fresh(rng))
                    .collect();
                let mut queries = Vec::new();
                for j in &mut joiners {
                    let kps = vec![j.key_package(rng, false), j.key_package(rng, true)];
                    run.ds.upload_key_packages(&j.id(), NOW, &kps).unwrap();
                    queries.push(KeyPackageQuery {
                        client: j.id(),
                        cipher_suite: CipherSuite(1),
                    });
                }
                let committer = run.pick(rng);
                let served = run
                    .ds
                    .fetch_key_packages(&run.members[committer].id(), NOW, &queries)
                    .unwrap();
                let adds = served
                    .key_packages
                    .iter()
                    .map(|s| {
                        Proposal::Add(Add {
                            key_package: MlsMessage::from_bytes(s.key_package.as_ref().unwrap())
                                .unwrap()
                                .into_key_package()
                                .unwrap(),
                        })
                    })
                    .collect();
                let accepted = run.commit(committer, adds, rng);
                assert_eq!(accepted.welcomed.len(), joiners.len());
                for mut j in joiners {
                    j.join_from_ds(&run.ds);
                    run.members.push(j);
                }
            }
            // A member removes another.
            1 if n > 2 => {
                let committer = run.pick(rng);
                let victim = run.pick_other(committer, rng);
                let leaf = run.members[victim].g().own_leaf();
                let accepted = run.commit(
                    committer,
                    vec![Proposal::Remove(Remove { removed: leaf.0 })],
                    rng,
                );
                assert_eq!(accepted.removed.len(), 1);
            }
            // An update (a commit with a path).
            2 => {
                let committer = run.pick(rng);
                let p = run.members[committer].commit(
                    vec![],
                    &CommitOptions {
                        force_path: true,
                        ..CommitOptions::default()
                    },
                    true,
                    rng,
                );
                run.members[committer].send(&run.ds, &p).unwrap();
                run.sync_all_but(Some(committer));
            }
            // An update proposal through the DS, committed by another.
            3 if n > 1 => {
                let proposer = run.pick(rng);
                let m = run.members[proposer].g().propose_update(rng).unwrap();
                run.ds
                    .send_proposal(&run.members[proposer].id(), NOW, &msg_bytes(&m))
                    .unwrap();
                let committer = run.pick_other(proposer, rng);
                run.members[committer].sync(&run.ds);
                run.commit(committer, vec![], rng);
                // The proposer processes the commit covering its proposal.
            }
            // A member leaves: its own Remove proposal, committed by another.
            4 if n > 2 => {
                let leaver = run.pick(rng);
                let leaf = run.members[leaver].g().own_leaf();
                let m = run.members[leaver].g().propose_remove(leaf, rng).unwrap();
                run.ds
                    .send_proposal(&run.members[leaver].id(), NOW, &msg_bytes(&m))
                    .unwrap();
                let committer = run.pick_other(leaver, rng);
                run.members[committer].sync(&run.ds);
                let accepted = run.commit(committer, vec![], rng);
                assert_eq!(accepted.removed.len(), 1);
            }
            // A new client joins by external commit.
            5 if n < 8 => {
                let mut j = run.fresh(rng);
                j.join_external(&run.ds, rng).unwrap();
                run.sync_all_but(None);
                run.members.push(j);
            }
            // Application messages; everyone reads them.
            6 => {
                let sender = run.pick(rng);
                let text = format!("message {}", rng.next_u64());
                let m = run.members[sender]
                    .g()
                    .encrypt_application_message(text.as_bytes(), b"", rng)
                    .unwrap();
                run.ds
                    .send_application(&run.members[sender].id(), NOW, &msg_bytes(&m))
                    .unwrap();
                for (i, c) in run.members.iter_mut().enumerate() {
                    let got = c.sync(&run.ds);
                    if i != sender {
                        assert_eq!(got, vec![text.as_bytes().to_vec()]);
                    }
                }
            }
            _ => continue,
        }
        ops[op] += 1;
        run.check(rng);
    }
    println!("operations (add, remove, update, proposal, leave, external, app): {ops:?}");
    assert!(ops.iter().all(|&k| k > 0), "{ops:?}");
}
