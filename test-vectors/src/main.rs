//! `cargo run -p test-vectors --release [-- --file PATH [--format NAME]]`
//!
//! Prints one line per file and suite, `<file> <suite> <passed>/<total>`
//! (`-` for files without a suite), and exits non-zero if any case failed or
//! an official file is missing. Failure reasons go to standard error.

use std::path::PathBuf;
use std::process::ExitCode;

use test_vectors::{formats, run_file, vector_dir, FileReport, OFFICIAL_FILES};

fn usage() -> ExitCode {
    eprintln!("usage: test-vectors [--file PATH [--format NAME]]");
    eprintln!("known formats: {}", known_formats());
    ExitCode::from(2)
}

fn known_formats() -> String {
    formats::FORMATS
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

fn print(report: &FileReport) -> bool {
    for line in report.lines() {
        println!("{line}");
    }
    for (index, suite, reason) in &report.failures {
        let suite = suite.map_or("-".to_string(), |s| s.to_string());
        eprintln!("  case {index} (suite {suite}): {reason}");
    }
    report.all_passed()
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut file: Option<PathBuf> = None;
    let mut format: Option<String> = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--file" => match args.next() {
                Some(p) => file = Some(PathBuf::from(p)),
                None => return usage(),
            },
            "--format" => match args.next() {
                Some(f) => format = Some(f),
                None => return usage(),
            },
            "-h" | "--help" => {
                usage();
                return ExitCode::SUCCESS;
            }
            _ => return usage(),
        }
    }
    if format.is_some() && file.is_none() {
        return usage();
    }

    if let Some(path) = file {
        return match run_file(&path, format.as_deref()) {
            Ok(report) if print(&report) => ExitCode::SUCCESS,
            Ok(_) => ExitCode::FAILURE,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }

    let dir = vector_dir();
    let mut ok = true;
    let mut pending = Vec::new();
    for name in OFFICIAL_FILES {
        let stem = name.trim_end_matches(".json");
        let path = dir.join(name);
        if !formats::is_known(stem) {
            pending.push(*name);
            continue;
        }
        if !path.is_file() {
            println!("{name} missing");
            eprintln!("error: {} not found (set MLS_TEST_VECTORS)", path.display());
            ok = false;
            continue;
        }
        match run_file(&path, Some(stem)) {
            Ok(report) => ok &= print(&report),
            Err(e) => {
                eprintln!("error: {e}");
                ok = false;
            }
        }
    }
    if !pending.is_empty() {
        eprintln!(
            "not yet checked (no checker in this build): {}",
            pending.join(", ")
        );
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
