//! The official vectors as tests: every file this build has a checker for
//! must pass every case in every suite.
//!
//! Outside CI a missing vector directory is reported loudly and these tests
//! return early; with `CI=true` it is a failure.

use test_vectors::{formats, in_ci, run_file, vector_dir, FileReport, OFFICIAL_FILES};

/// Runs one official file and prints its per-suite counts; `None` if the
/// vectors are absent outside CI.
fn run_official(name: &str) -> Option<FileReport> {
    let path = vector_dir().join(name);
    if !path.is_file() {
        let msg = format!(
            "official vector {} not found: set MLS_TEST_VECTORS or place shared/ beside the repo",
            path.display()
        );
        assert!(!in_ci(), "{msg}");
        eprintln!("!!!!!!!! SKIPPED: {msg} !!!!!!!!");
        return None;
    }
    let stem = name.trim_end_matches(".json");
    let report = run_file(&path, Some(stem)).unwrap_or_else(|e| panic!("{name}: {e}"));
    for line in report.lines() {
        println!("{line}");
    }
    assert!(
        report.all_passed(),
        "{name}: failures: {:#?}",
        report.failures
    );
    Some(report)
}

/// Asserts `name` ran `per_suite` cases in each of `suites`, all passing.
fn assert_suite_totals(name: &str, suites: &[Option<u64>], per_suite: usize) {
    let Some(report) = run_official(name) else {
        return;
    };
    for suite in suites {
        let line = report
            .line(*suite)
            .unwrap_or_else(|| panic!("{name}: no cases for suite {suite:?}"));
        assert_eq!(
            (line.passed, line.total),
            (per_suite, per_suite),
            "{name} suite {suite:?}"
        );
    }
}

/// Every RFC 9420 cipher suite, 1 to 7.
fn rfc_suites() -> Vec<Option<u64>> {
    (1..=7).map(Some).collect()
}

#[test]
fn deserialization() {
    assert_suite_totals("deserialization.json", &[None], 14);
}

#[test]
fn crypto_basics_every_suite() {
    assert_suite_totals("crypto-basics.json", &rfc_suites(), 1);
}

#[test]
fn every_known_format_names_an_official_file() {
    for (name, _) in formats::FORMATS {
        assert!(
            OFFICIAL_FILES.contains(&format!("{name}.json").as_str()),
            "format {name} has no official file"
        );
    }
}

#[test]
fn tree_math() {
    assert_suite_totals("tree-math.json", &[None], 10);
}

#[test]
fn tree_validation_every_suite() {
    assert_suite_totals("tree-validation.json", &rfc_suites(), 14);
}

#[test]
fn tree_operations() {
    assert_suite_totals("tree-operations.json", &[Some(1)], 5);
}

#[test]
fn treekem_every_suite() {
    assert_suite_totals("treekem.json", &rfc_suites(), 11);
}

#[test]
fn key_schedule_every_suite() {
    assert_suite_totals("key-schedule.json", &rfc_suites(), 1);
}

#[test]
fn psk_secret_every_suite() {
    assert_suite_totals("psk_secret.json", &rfc_suites(), 11);
}

#[test]
fn secret_tree_every_suite() {
    assert_suite_totals("secret-tree.json", &rfc_suites(), 3);
}

#[test]
fn transcript_hashes_every_suite() {
    assert_suite_totals("transcript-hashes.json", &rfc_suites(), 1);
}

#[test]
fn messages() {
    assert_suite_totals("messages.json", &[None], 300);
}

#[test]
fn message_protection_every_suite() {
    assert_suite_totals("message-protection.json", &rfc_suites(), 1);
}

#[test]
fn welcome_every_suite() {
    assert_suite_totals("welcome.json", &rfc_suites(), 1);
}

#[test]
fn passive_client_welcome_every_suite() {
    assert_suite_totals("passive-client-welcome.json", &rfc_suites(), 8);
}

#[test]
fn passive_client_handling_commit_every_suite() {
    assert_suite_totals("passive-client-handling-commit.json", &rfc_suites(), 13);
}

#[test]
fn passive_client_random() {
    assert_suite_totals("passive-client-random.json", &[Some(1)], 1);
}
