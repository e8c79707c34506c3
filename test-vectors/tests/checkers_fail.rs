//! The checkers are not vacuous: wrong expectations make them fail.

use std::path::Path;

use serde_json::{json, Value};
use test_vectors::{formats, run_json, vector_dir};

fn check(format: &str, case: &Value) -> Result<(), String> {
    formats::checker(format).expect("known format")(case)
}

#[test]
fn deserialization_rejects_wrong_headers() {
    assert!(check(
        "deserialization",
        &json!({"vlbytes_header": "25", "length": 37})
    )
    .is_ok());
    // Wrong length.
    assert!(check(
        "deserialization",
        &json!({"vlbytes_header": "25", "length": 38})
    )
    .is_err());
    // Non-minimal encoding of 37.
    assert!(check(
        "deserialization",
        &json!({"vlbytes_header": "4025", "length": 37})
    )
    .is_err());
    // Reserved 0b11 prefix.
    assert!(check(
        "deserialization",
        &json!({"vlbytes_header": "c0000000", "length": 0})
    )
    .is_err());
    // Trailing byte after the header.
    assert!(check(
        "deserialization",
        &json!({"vlbytes_header": "2500", "length": 37})
    )
    .is_err());
}

#[test]
fn tallies_count_failures_per_suite() {
    let text = r#"[{"vlbytes_header": "00", "length": 0}, {"vlbytes_header": "00", "length": 1}]"#;
    let report = run_json(
        Path::new("x.json"),
        text,
        formats::checker("deserialization").unwrap(),
    )
    .unwrap();
    let line = report.line(None).unwrap();
    assert_eq!((line.passed, line.total), (1, 2));
    assert_eq!(line.to_string(), "x.json - 1/2");
    assert!(!report.all_passed());
}

#[test]
fn unsupported_suite_counts_as_failed() {
    let text = r#"[{"cipher_suite": 43690}]"#;
    let report = run_json(
        Path::new("c.json"),
        text,
        formats::checker("crypto-basics").unwrap(),
    )
    .unwrap();
    let line = report.line(Some(43690)).unwrap();
    assert_eq!((line.passed, line.total), (0, 1));
}

/// Flip one byte of each expected output in a real crypto-basics case: every
/// sub-check must notice.
#[test]
fn crypto_basics_detects_each_wrong_output() {
    let Some(cases) = official_cases("crypto-basics.json") else {
        return;
    };
    for case in &cases {
        assert!(check("crypto-basics", case).is_ok());
        for (section, field) in [
            ("ref_hash", "out"),
            ("expand_with_label", "out"),
            ("derive_secret", "out"),
            ("derive_tree_secret", "out"),
            ("sign_with_label", "signature"),
            ("sign_with_label", "content"),
            ("encrypt_with_label", "ciphertext"),
            ("encrypt_with_label", "plaintext"),
        ] {
            let mut bad = case.clone();
            let hex = bad[section][field].as_str().unwrap().to_owned();
            let mut bytes = hex::decode(hex).unwrap();
            if bytes.is_empty() {
                bytes.push(0);
            } else {
                bytes[0] ^= 1;
            }
            bad[section][field] = Value::String(hex::encode(bytes));
            assert!(
                check("crypto-basics", &bad).is_err(),
                "suite {}: {section}.{field} altered but accepted",
                case["cipher_suite"]
            );
        }
    }
}

/// The cases of an official file, or `None` (reported) when absent outside CI.
fn official_cases(name: &str) -> Option<Vec<Value>> {
    let path = vector_dir().join(name);
    let Ok(text) = std::fs::read_to_string(&path) else {
        assert!(!test_vectors::in_ci(), "{} missing in CI", path.display());
        eprintln!("!!!!!!!! SKIPPED: {} not found !!!!!!!!", path.display());
        return None;
    };
    Some(serde_json::from_str(&text).unwrap())
}

/// `case` with hex field `field` changed by `edit`.
fn edited(case: &Value, field: &str, edit: impl Fn(&mut Vec<u8>)) -> Value {
    let mut bad = case.clone();
    let mut bytes = hex::decode(bad[field].as_str().unwrap()).unwrap();
    edit(&mut bytes);
    bad[field] = Value::String(hex::encode(bytes));
    bad
}

fn flip_last(bytes: &mut [u8]) {
    if let Some(b) = bytes.last_mut() {
        *b ^= 1;
    }
}

/// A trailing or missing byte in any field of a messages.json case fails.
#[test]
fn messages_detects_malformed_fields() {
    let Some(cases) = official_cases("messages.json") else {
        return;
    };
    let case = &cases[0];
    assert!(check("messages", case).is_ok());
    for field in case.as_object().unwrap().keys() {
        let longer = edited(case, field, |b| b.push(0));
        assert!(
            check("messages", &longer).is_err(),
            "{field} + 1 byte accepted"
        );
        let shorter = edited(case, field, |b| {
            b.pop();
        });
        assert!(
            check("messages", &shorter).is_err(),
            "{field} - 1 byte accepted"
        );
    }
}

/// Every altered message or expected value of message-protection.json fails.
#[test]
fn message_protection_detects_each_altered_field() {
    let Some(cases) = official_cases("message-protection.json") else {
        return;
    };
    for case in cases.iter().take(2) {
        assert!(check("message-protection", case).is_ok());
        for field in [
            "proposal",
            "proposal_pub",
            "proposal_priv",
            "commit",
            "commit_pub",
            "commit_priv",
            "application",
            "application_priv",
            "signature_pub",
            "membership_key",
            "sender_data_secret",
            "encryption_secret",
            "tree_hash",
        ] {
            let bad = edited(case, field, |b| flip_last(b));
            assert!(
                check("message-protection", &bad).is_err(),
                "suite {}: {field} altered but accepted",
                case["cipher_suite"]
            );
        }
    }
}

/// Every altered input of welcome.json fails.
#[test]
fn welcome_detects_each_altered_field() {
    let Some(cases) = official_cases("welcome.json") else {
        return;
    };
    for case in cases.iter().take(2) {
        assert!(check("welcome", case).is_ok());
        for field in ["init_priv", "signer_pub", "key_package", "welcome"] {
            let bad = edited(case, field, |b| flip_last(b));
            assert!(
                check("welcome", &bad).is_err(),
                "suite {}: {field} altered but accepted",
                case["cipher_suite"]
            );
        }
    }
}

/// The first case of an official file for `suite`, or `None` (loudly) if
/// the file is absent outside CI.
fn first_case(name: &str, suite: Option<u64>) -> Option<Value> {
    official_cases(name)?
        .into_iter()
        .find(|c| c.get("cipher_suite").and_then(Value::as_u64) == suite)
}

/// Flips the last byte of hex field `key`.
fn flip_hex(case: &mut Value, key: &str) {
    *case = edited(case, key, |b| flip_last(b));
}

#[test]
fn tree_checkers_detect_wrong_outputs() {
    if let Some(case) = first_case("tree-math.json", None) {
        assert!(check("tree-math", &case).is_ok());
        let mut bad = case.clone();
        bad["root"] = json!(bad["root"].as_u64().unwrap() + 1);
        assert!(check("tree-math", &bad).is_err());
    }
    if let Some(case) = first_case("tree-validation.json", Some(1)) {
        assert!(check("tree-validation", &case).is_ok());
        let mut bad = case.clone();
        bad["tree_hashes"][0] = json!("00");
        assert!(check("tree-validation", &bad).is_err());
        let mut bad = case.clone();
        bad["group_id"] = json!("00");
        assert!(
            check("tree-validation", &bad).is_err(),
            "leaf signatures bind the group id"
        );
    }
    if let Some(case) = first_case("tree-operations.json", Some(1)) {
        assert!(check("tree-operations", &case).is_ok());
        for key in ["tree_hash_after", "tree_after", "tree_hash_before"] {
            let mut bad = case.clone();
            flip_hex(&mut bad, key);
            assert!(check("tree-operations", &bad).is_err(), "{key}");
        }
    }
    if let Some(case) = first_case("treekem.json", Some(1)) {
        assert!(check("treekem", &case).is_ok());
        let mut bad = case.clone();
        flip_hex(&mut bad["update_paths"][0], "commit_secret");
        assert!(check("treekem", &bad).is_err());
        let mut bad = case.clone();
        flip_hex(&mut bad["update_paths"][0], "tree_hash_after");
        assert!(check("treekem", &bad).is_err());
    }
}
