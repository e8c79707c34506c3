//! The seed corpora of the stateful targets (`mls_fuzz_targets::seeds`).
//!
//! `cargo test -p mls-fuzz-targets --test stateful_seeds -- --ignored`
//! (re)writes them into `fuzz/corpus/<target>/`; the other tests check
//! that the committed seeds still do what their names say against the
//! current fixture, so that a change in how the setup draws its
//! randomness (which makes every seed stale) does not go unnoticed.

use std::path::PathBuf;

use mls_fuzz_targets::seeds::{seeds, Seed};
use mls_fuzz_targets::stateful::{
    external_commit_outcome, group_process_outcome, welcome_join_outcome, Outcome,
};

const STATEFUL: [&str; 3] = ["group_process", "welcome_join", "external_commit"];

fn corpus_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target)
}

fn outcome(target: &str, data: &[u8]) -> Outcome {
    match target {
        "group_process" => group_process_outcome(data),
        "welcome_join" => welcome_join_outcome(data),
        "external_commit" => external_commit_outcome(data),
        other => panic!("not a stateful target: {other}"),
    }
}

/// `Err` with a description if `seed` does not do what its name says.
fn check(seed: &Seed) -> Result<(), String> {
    match (seed.accepted(), outcome(seed.target, &seed.data)) {
        (true, Outcome::Accepted(_)) | (false, Outcome::Rejected(_)) => Ok(()),
        (_, got) => Err(format!("{}/{}: {got:?}", seed.target, seed.name)),
    }
}

#[test]
fn generated_seeds_do_what_their_names_say() {
    let all = seeds();
    let wrong: Vec<String> = all.iter().filter_map(|s| check(s).err()).collect();
    assert!(wrong.is_empty(), "seeds behave unexpectedly: {wrong:#?}");
    for target in STATEFUL {
        let n = all.iter().filter(|s| s.target == target).count();
        assert!((4..=40).contains(&n), "{target}: {n} seeds");
    }
}

#[test]
fn committed_seeds_are_live() {
    let mut checked = 0;
    for target in STATEFUL {
        let dir = corpus_dir(target);
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let mut wrong = Vec::new();
        for entry in entries {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if !(name.starts_with("ok-") || name.starts_with("err-")) {
                continue;
            }
            let seed = Seed {
                target,
                name,
                data: std::fs::read(&path).unwrap(),
            };
            if let Err(e) = check(&seed) {
                wrong.push(e);
            }
            checked += 1;
        }
        assert!(
            wrong.is_empty(),
            "stale seeds (regenerate: cargo test -p mls-fuzz-targets --test stateful_seeds -- --ignored): {wrong:#?}"
        );
    }
    assert!(checked > 0, "no committed seeds");
    eprintln!("{checked} committed seeds checked");
}

/// Replaces the `ok-*` / `err-*` files of each stateful corpus with the
/// freshly generated seeds (other corpus files are left alone).
#[test]
#[ignore = "writes fuzz/corpus; run by hand to regenerate the seeds"]
fn write_seed_corpora() {
    let all = seeds();
    for s in &all {
        check(s).unwrap();
    }
    for target in STATEFUL {
        let dir = corpus_dir(target);
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with("ok-") || name.starts_with("err-") {
                std::fs::remove_file(&path).unwrap();
            }
        }
        for s in all.iter().filter(|s| s.target == target) {
            std::fs::write(dir.join(&s.name), &s.data).unwrap();
        }
    }
    eprintln!("{} seeds written", all.len());
}
