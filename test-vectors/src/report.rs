//! Per-file, per-suite tallies and the one-line output format.

use std::collections::BTreeMap;
use std::fmt;

/// The tally for one file and suite: `<file> <suite> <passed>/<total>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuiteLine {
    /// The file name.
    pub file: String,
    /// The cipher suite, or `None` for files without one (printed `-`).
    pub suite: Option<u64>,
    /// Cases that passed.
    pub passed: usize,
    /// Cases run.
    pub total: usize,
}

impl fmt::Display for SuiteLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.suite {
            Some(s) => write!(f, "{} {} {}/{}", self.file, s, self.passed, self.total),
            None => write!(f, "{} - {}/{}", self.file, self.passed, self.total),
        }
    }
}

/// Every case of one file: tallies per suite and the failures with reasons.
#[derive(Debug, Clone)]
pub struct FileReport {
    file: String,
    tallies: BTreeMap<Option<u64>, (usize, usize)>,
    /// `(case index, suite, reason)` of each failed case.
    pub failures: Vec<(usize, Option<u64>, String)>,
}

impl FileReport {
    pub(crate) fn new(file: String) -> Self {
        FileReport {
            file,
            tallies: BTreeMap::new(),
            failures: Vec::new(),
        }
    }

    pub(crate) fn record(&mut self, suite: Option<u64>, index: usize, outcome: Result<(), String>) {
        let tally = self.tallies.entry(suite).or_insert((0, 0));
        tally.1 += 1;
        match outcome {
            Ok(()) => tally.0 += 1,
            Err(reason) => self.failures.push((index, suite, reason)),
        }
    }

    /// The output lines, one per suite, in suite order.
    pub fn lines(&self) -> Vec<SuiteLine> {
        self.tallies
            .iter()
            .map(|(suite, (passed, total))| SuiteLine {
                file: self.file.clone(),
                suite: *suite,
                passed: *passed,
                total: *total,
            })
            .collect()
    }

    /// Whether every case passed (and there was at least one).
    pub fn all_passed(&self) -> bool {
        !self.tallies.is_empty() && self.failures.is_empty()
    }

    /// The tally of one suite (`None` for files without suites).
    pub fn line(&self, suite: Option<u64>) -> Option<SuiteLine> {
        self.lines().into_iter().find(|l| l.suite == suite)
    }
}
