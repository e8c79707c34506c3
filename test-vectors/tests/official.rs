//! The official vectors as tests: every file this build has a checker for
//! must pass every case in every suite.
//!
//! Outside CI a missing vector directory is reported loudly and these tests
//! return early; with `CI=true` it is a failure.

use test_vectors::{formats, in_ci, run_file, vector_dir, OFFICIAL_FILES};

/// Runs one official file, printing its per-suite counts. Returns false if
/// the vectors are absent outside CI.
fn run_official(name: &str) -> bool {
    let dir = vector_dir();
    let path = dir.join(name);
    if !path.is_file() {
        let msg = format!(
            "official vector {} not found: set MLS_TEST_VECTORS or place shared/ beside the repo",
            path.display()
        );
        assert!(!in_ci(), "{msg}");
        eprintln!("!!!!!!!! SKIPPED: {msg} !!!!!!!!");
        return false;
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
    true
}

#[test]
fn deserialization() {
    if run_official("deserialization.json") {
        let report = run_file(&vector_dir().join("deserialization.json"), None).unwrap();
        assert_eq!(report.line(None).unwrap().total, 14);
    }
}

#[test]
fn crypto_basics_every_suite() {
    if run_official("crypto-basics.json") {
        let report = run_file(&vector_dir().join("crypto-basics.json"), None).unwrap();
        for suite in 1..=7 {
            let line = report.line(Some(suite)).expect("a case per RFC suite");
            assert_eq!((line.passed, line.total), (1, 1), "suite {suite}");
        }
    }
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
