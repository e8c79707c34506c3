//! Concurrent commits for one epoch (RFC 9750 §5.2.1): exactly one is
//! accepted, the others get `StaleEpoch`, and every client converges —
//! the winner merges its pending commit, the losers clear theirs and
//! process the winner's. Randomised over 1,000 races (seeded), half of
//! them submitted from threads at once through several DS instances
//! sharing one store — on the memory store, SQLite and PostgreSQL.

mod common;

use common::*;
use mls_ds::*;
use mls_group::*;
use mls_test_support::TestRng;

fn run_races(seed: u64, races: usize) {
    let started = std::time::Instant::now();
    let rng = &mut TestRng::new(seed);
    let ds = ds_with(unlimited());
    let names = ["alice", "bob", "carol", "dave"];
    let mut clients: Vec<Client> = names.iter().map(|n| Client::new(n, rng)).collect();
    clients[0].create_group(&ds, None, rng);
    let mut adds = Vec::new();
    for c in clients.iter_mut().skip(1) {
        let kp = c.key_package(rng, false);
        adds.push(Proposal::Add(Add {
            key_package: MlsMessage::from_bytes(&kp)
                .unwrap()
                .into_key_package()
                .unwrap(),
        }));
    }
    let p = clients[0].commit(adds, &CommitOptions::default(), true, rng);
    clients[0].send(&ds, &p).unwrap();
    for c in clients.iter_mut().skip(1) {
        c.join_from_ds(&ds);
    }
    let instances = [instance_of(&ds), instance_of(&ds), instance_of(&ds)];
    let mut stale = 0;
    for race in 0..races {
        let epoch = clients[0].g().epoch();
        // 2 or 3 committers, in random order.
        let k = 2 + (rng.next_u64() % 2) as usize;
        let mut who: Vec<usize> = (0..clients.len()).collect();
        for i in (1..who.len()).rev() {
            let j = (rng.next_u64() % (i as u64 + 1)) as usize;
            who.swap(i, j);
        }
        who.truncate(k);
        // Sometimes one of them proposed an update first (through the DS,
        // everyone has it): commits then include it by reference.
        if rng.next_u64().is_multiple_of(4) {
            let proposer = who[0];
            let m = clients[proposer].g().propose_update(rng).unwrap();
            ds.send_proposal(&clients[proposer].id(), NOW, &msg_bytes(&m))
                .unwrap();
            for (i, c) in clients.iter_mut().enumerate() {
                if i != proposer {
                    c.sync(&ds);
                }
            }
        }
        let pending: Vec<(usize, Pending)> = who
            .iter()
            .map(|&i| {
                let options = CommitOptions {
                    force_path: rng.next_u64().is_multiple_of(2),
                    ..CommitOptions::default()
                };
                (i, clients[i].commit(vec![], &options, true, rng))
            })
            .collect();
        let results: Vec<(usize, Result<CommitAccepted, DsError>)> = if race % 2 == 0 {
            pending
                .iter()
                .map(|(i, p)| (*i, ds.send_commit(&clients[*i].id(), NOW, p.update())))
                .collect()
        } else {
            // From threads at once, each through its own DS instance
            // over the one store: the store's compare-and-swap decides.
            let ids: Vec<ClientId> = pending.iter().map(|(i, _)| clients[*i].id()).collect();
            std::thread::scope(|s| {
                let handles: Vec<_> = pending
                    .iter()
                    .zip(&ids)
                    .enumerate()
                    .map(|(n, ((i, p), id))| {
                        let ds = &instances[n % instances.len()];
                        s.spawn(move || (*i, ds.send_commit(id, NOW, p.update())))
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            })
        };
        let winners: Vec<usize> = results
            .iter()
            .filter(|(_, r)| r.is_ok())
            .map(|(i, _)| *i)
            .collect();
        assert_eq!(winners.len(), 1, "race {race}: {results:?}");
        for (i, r) in &results {
            match r {
                Ok(a) => {
                    assert_eq!(a.epoch, epoch + 1);
                    clients[*i].g().merge_pending_commit().unwrap();
                }
                Err(e) => {
                    assert_eq!(
                        *e,
                        DsError::StaleEpoch { current: epoch + 1 },
                        "race {race}"
                    );
                    stale += 1;
                    clients[*i].g().clear_pending_commit();
                }
            }
        }
        for (i, c) in clients.iter_mut().enumerate() {
            if i != winners[0] {
                c.sync(&ds);
            }
        }
        let all: Vec<&Client> = clients.iter().collect();
        assert_converged(&ds, &all);
    }
    assert!(stale >= races);
    // Threads through separate instances raced in the store itself.
    println!(
        "{races} races on {:?} in {:?}; store conflicts: {}",
        stores::store_kind(),
        started.elapsed(),
        ds.store().conflicts()
    );
}

#[test]
fn concurrent_commits_1000_races_one_wins_every_client_converges() {
    run_races(7, 1000);
}

#[cfg(feature = "sqlite")]
#[test]
fn on_sqlite_1000_races_one_wins_every_client_converges() {
    stores::on(stores::StoreKind::Sqlite, || run_races(7, 1000));
}

#[cfg(feature = "postgres")]
#[test]
fn on_postgres_1000_races_one_wins_every_client_converges() {
    stores::on(stores::StoreKind::Postgres, || run_races(7, 1000));
}
