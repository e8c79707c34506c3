//! Live interop tests of `mls-group` against OpenMLS and mls-rs: see `tests/`.
