//! A runner for the official MLS test vectors (the `mls-implementations`
//! interop vectors): one function per file format, one result per case.
//!
//! A *case* is one element of a file's top-level JSON array. Cases carrying a
//! `cipher_suite` are grouped by suite; a case for a suite this build does not
//! support counts as failed, never as skipped.
//!
//! ```no_run
//! let dir = test_vectors::vector_dir();
//! let report = test_vectors::run_file(&dir.join("crypto-basics.json"), None).unwrap();
//! for line in report.lines() {
//!     println!("{line}");
//! }
//! ```

pub mod formats;
mod hexjson;
mod report;

pub use report::{FileReport, SuiteLine};

use std::path::{Path, PathBuf};

/// The official vector files, in the order the runner prints them, with the
/// format that checks each.
pub const OFFICIAL_FILES: &[&str] = &[
    "deserialization.json",
    "crypto-basics.json",
    "tree-math.json",
    "tree-validation.json",
    "tree-operations.json",
    "treekem.json",
    "key-schedule.json",
    "psk_secret.json",
    "secret-tree.json",
    "transcript-hashes.json",
    "messages.json",
    "message-protection.json",
    "welcome.json",
    "passive-client-welcome.json",
    "passive-client-handling-commit.json",
    "passive-client-random.json",
];

/// The directory holding the official vectors: `$MLS_TEST_VECTORS`, else
/// `../shared/mls-test-vectors` next to the workspace root.
pub fn vector_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("MLS_TEST_VECTORS") {
        return PathBuf::from(dir);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/mls-test-vectors")
}

/// Whether we run under CI (`CI=true`), where missing vectors are fatal.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The format name of an official file: its stem (`crypto-basics.json` → `crypto-basics`).
pub fn format_of(path: &Path) -> Option<String> {
    Some(path.file_stem()?.to_str()?.to_owned())
}

/// Why a file could not be run at all.
#[derive(Debug)]
pub enum RunError {
    /// The file could not be read.
    Io(PathBuf, std::io::Error),
    /// The file is not JSON, or its top level is not an array.
    NotAnArray(PathBuf, String),
    /// No checker exists for this format (yet).
    UnknownFormat(String),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Io(p, e) => write!(f, "{}: {e}", p.display()),
            RunError::NotAnArray(p, e) => {
                write!(f, "{}: not a JSON array of cases: {e}", p.display())
            }
            RunError::UnknownFormat(n) => write!(f, "no checker for format `{n}`"),
        }
    }
}

impl std::error::Error for RunError {}

/// Run every case of the file at `path`, in `format` (inferred from the file
/// name when `None`).
pub fn run_file(path: &Path, format: Option<&str>) -> Result<FileReport, RunError> {
    let name = match format {
        Some(f) => f.to_owned(),
        None => {
            format_of(path).ok_or_else(|| RunError::UnknownFormat(path.display().to_string()))?
        }
    };
    let check = formats::checker(&name).ok_or_else(|| RunError::UnknownFormat(name.clone()))?;
    let text = std::fs::read_to_string(path).map_err(|e| RunError::Io(path.to_owned(), e))?;
    run_json(path, &text, check)
}

/// Run `check` over every case of the JSON array in `text`.
pub fn run_json(path: &Path, text: &str, check: formats::Checker) -> Result<FileReport, RunError> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| RunError::NotAnArray(path.to_owned(), e.to_string()))?;
    let cases = value
        .as_array()
        .ok_or_else(|| RunError::NotAnArray(path.to_owned(), "top level is not an array".into()))?;
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let mut report = FileReport::new(file);
    for (index, case) in cases.iter().enumerate() {
        let suite = case.get("cipher_suite").and_then(|v| v.as_u64());
        let outcome = check(case);
        report.record(suite, index, outcome);
    }
    Ok(report)
}
