//! Killed mid-write, many times: bob's client process follows a group
//! through 400 commits and is killed (SIGKILL) at random moments timed
//! from its progress, so that kills land while it processes and writes. After every kill
//! his store must restore to a whole epoch — the epoch authenticator of
//! that epoch is alice's — and the restarted process continues from there
//! until it has them all.
//!
//! The child process is this test binary itself, re-run with
//! `DOWNSTREAM_CRASH_CHILD` naming the directory: it runs bob's side
//! instead of the parent's.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use downstream_chat::ChatClient;
use mls_group::*;

const CHILD: &str = "DOWNSTREAM_CRASH_CHILD";
const COMMITS: usize = 400;
const BOB_KEY: [u8; 32] = [0xb0; 32];

/// The script alice produced: the Welcome, then every commit with the
/// epoch authenticator of the epoch it leads to.
struct Script {
    welcome: Vec<u8>,
    commits: Vec<(Vec<u8>, Vec<u8>)>,
    /// The epoch bob joins at.
    join_epoch: u64,
    join_authenticator: Vec<u8>,
}

fn put(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

fn take<'a>(input: &mut &'a [u8]) -> &'a [u8] {
    let (len, rest) = input.split_at(4);
    let len = u32::from_be_bytes(len.try_into().unwrap()) as usize;
    let (item, rest) = rest.split_at(len);
    *input = rest;
    item
}

impl Script {
    fn write(&self, path: &Path) {
        let mut out = Vec::new();
        put(&mut out, &self.welcome);
        put(&mut out, &self.join_epoch.to_be_bytes());
        put(&mut out, &self.join_authenticator);
        for (commit, auth) in &self.commits {
            put(&mut out, commit);
            put(&mut out, auth);
        }
        std::fs::write(path, out).unwrap();
    }

    fn read(path: &Path) -> Script {
        let bytes = std::fs::read(path).unwrap();
        let mut input = bytes.as_slice();
        let welcome = take(&mut input).to_vec();
        let join_epoch = u64::from_be_bytes(take(&mut input).try_into().unwrap());
        let join_authenticator = take(&mut input).to_vec();
        let mut commits = Vec::new();
        while !input.is_empty() {
            let commit = take(&mut input).to_vec();
            commits.push((commit, take(&mut input).to_vec()));
        }
        Script {
            welcome,
            commits,
            join_epoch,
            join_authenticator,
        }
    }

    /// Alice's epoch authenticator for `epoch`.
    fn authenticator(&self, epoch: u64) -> &[u8] {
        match epoch.checked_sub(self.join_epoch) {
            Some(0) => &self.join_authenticator,
            Some(i) => &self.commits[i as usize - 1].1,
            None => panic!("epoch {epoch} before the join"),
        }
    }
}

/// Bob's side, in the child process: join if not yet joined, then process
/// the commits from his current epoch on, saving after each.
fn child(dir: &Path) {
    let script = Script::read(&dir.join("script"));
    let mut bob = ChatClient::open(&dir.join("bob.db"), "bob", BOB_KEY).unwrap();
    let group = match bob.groups().first() {
        Some(g) => g.clone(),
        None => bob.join(&script.welcome).unwrap(),
    };
    loop {
        let epoch = bob.group(&group).unwrap().epoch();
        let next = (epoch - script.join_epoch) as usize;
        let Some((commit, _)) = script.commits.get(next) else {
            return;
        };
        bob.receive(&group, commit).unwrap();
        // Saved: tell the parent (which times its kill from these lines).
        println!("saved epoch {}", epoch + 1);
    }
}

/// splitmix64 for the kill delays.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Alice's group with bob added and `COMMITS` commits after it.
fn make_script(dir: &Path) -> Script {
    let mut bob = ChatClient::open(&dir.join("bob.db"), "bob", BOB_KEY).unwrap();
    let kp = bob.publish_key_package().unwrap();
    drop(bob);
    let mut alice = ChatClient::open(&dir.join("alice.db"), "alice", [0xa1; 32]).unwrap();
    alice.create_group(b"g").unwrap();
    let (_, welcome) = alice.add(b"g", &[&kp]).unwrap();
    let group = alice.group(b"g").unwrap();
    let (join_epoch, join_authenticator) = (group.epoch(), group.epoch_authenticator().to_vec());
    // Commits with an UpdatePath each: alice's group in memory only.
    let mut g = Group::load(
        RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap(),
        alice.store_mut(),
        b"g",
        GroupConfig::default(),
        None,
    )
    .unwrap()
    .unwrap();
    let mut commits = Vec::new();
    for _ in 0..COMMITS {
        let out = g
            .commit(
                Vec::new(),
                &CommitOptions {
                    force_path: true,
                    ..CommitOptions::default()
                },
                &mut OsRng,
            )
            .unwrap();
        g.merge_pending_commit().unwrap();
        commits.push((
            out.commit_bytes().unwrap(),
            g.epoch_authenticator().to_vec(),
        ));
    }
    Script {
        welcome,
        commits,
        join_epoch,
        join_authenticator,
    }
}

/// Bob's epoch as his store restores it (`None` before his join landed),
/// checked against alice's authenticator for it.
fn restored_epoch(dir: &Path, script: &Script) -> Option<u64> {
    let bob = ChatClient::open(&dir.join("bob.db"), "bob", BOB_KEY)
        .unwrap_or_else(|e| panic!("bob's store does not restore: {e}"));
    let id = bob.groups().first()?.clone();
    let group = bob.group(&id).unwrap();
    assert_eq!(
        group.epoch_authenticator(),
        script.authenticator(group.epoch()),
        "bob restored a state that is not alice's epoch {}",
        group.epoch()
    );
    Some(group.epoch())
}

#[test]
fn killed_between_writes_the_store_restores_whole_epochs() {
    if let Some(dir) = std::env::var_os(CHILD) {
        child(Path::new(&dir));
        return;
    }
    let dir: PathBuf =
        std::env::temp_dir().join(format!("downstream-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let script = make_script(&dir);
    script.write(&dir.join("script"));
    let last = script.join_epoch + COMMITS as u64;

    let mut seed = std::process::id() as u64;
    let (mut kills, mut runs) = (0, 0);
    let mut seen = Vec::new();
    let mut stalled = 0u32;
    loop {
        runs += 1;
        assert!(runs < 2_000, "no progress after {runs} runs");
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "killed_between_writes_the_store_restores_whole_epochs",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD, &dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Let 0–7 saves through, then kill 0–2 ms later: timed from the
        // child's progress, so the kills land among its writes whatever
        // the machine's speed (a run that makes no progress waits for at
        // least one save).
        let target = next(&mut seed) % 8 + u64::from(stalled > 0);
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut saves = 0;
        while saves < target {
            match lines.next() {
                Some(Ok(line)) if line.starts_with("saved epoch ") => saves += 1,
                Some(_) => {}
                None => break,
            }
        }
        std::thread::sleep(Duration::from_micros(next(&mut seed) % 2_000));
        let finished = child.try_wait().unwrap();
        if finished.is_none() {
            child.kill().unwrap();
            kills += 1;
        }
        let status = child.wait().unwrap();
        let epoch = restored_epoch(&dir, &script);
        stalled = if seen.last() == Some(&epoch) {
            stalled + 1
        } else {
            0
        };
        seen.push(epoch);
        if finished.is_some() {
            assert!(status.success(), "the child failed: {status}");
            if epoch == Some(last) {
                break;
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
    // The kills really landed while bob was working.
    let distinct: std::collections::BTreeSet<_> = seen.iter().flatten().collect();
    assert!(kills >= 30, "only {kills} kills");
    assert!(
        distinct.len() >= 10,
        "kills at only {} epochs",
        distinct.len()
    );
    eprintln!(
        "{kills} kills in {runs} runs, restored at {} epochs",
        distinct.len()
    );
}
