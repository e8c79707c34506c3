//! Replays the committed fuzz corpora (`fuzz/corpus/<target>/`) and the
//! regression inputs (`fuzz/regressions/<target>/`, inputs that once
//! crashed or misbehaved; `cargo fuzz cmin` never touches them) through
//! the fuzz target bodies on stable, so that `cargo test` checks every
//! input the fuzzers found interesting. A missing or empty corpus
//! directory fails the test.

use std::path::PathBuf;

fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

fn corpus_dir(target: &str) -> PathBuf {
    fuzz_dir().join("corpus").join(target)
}

fn files_in(dir: &std::path::Path) -> Vec<PathBuf> {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{} missing: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    files.sort();
    files
}

#[test]
fn every_target_has_a_fuzz_binary_and_a_corpus() {
    let targets = fuzz_dir().join("fuzz_targets");
    for (name, _) in mls_fuzz_targets::TARGETS {
        let bin = targets.join(format!("{name}.rs"));
        assert!(bin.is_file(), "missing fuzz target {}", bin.display());
    }
}

#[test]
fn replay_corpora() {
    let mut total = 0usize;
    for (name, body) in mls_fuzz_targets::TARGETS {
        let dir = corpus_dir(name);
        let mut files = files_in(&dir);
        assert!(!files.is_empty(), "corpus {} is empty", dir.display());
        let regressions = fuzz_dir().join("regressions").join(name);
        if regressions.is_dir() {
            files.extend(files_in(&regressions));
        }
        for file in &files {
            let data = std::fs::read(file).unwrap();
            let outcome = std::panic::catch_unwind(|| body(&data));
            assert!(
                outcome.is_ok(),
                "fuzz target {name} panicked on {}",
                file.display()
            );
        }
        eprintln!("{name}: {} inputs replayed", files.len());
        total += files.len();
    }
    eprintln!("{total} inputs in all");
}
