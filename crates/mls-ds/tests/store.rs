//! The store contract, checked on the memory store.

#[test]
fn the_memory_store_keeps_the_contract() {
    mls_ds::conformance::check(&mls_ds::MemoryStore::new());
}
