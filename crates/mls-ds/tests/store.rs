//! The store contract, checked on every store; the SQL stores' schema
//! migrations and durability across reopening.

#[macro_use]
mod common;

use common::stores::AnyStore;

fn keeps_the_contract() {
    mls_ds::conformance::check(&AnyStore::new());
}

on_every_store!(keeps_the_contract);

#[cfg(feature = "sqlite")]
mod sqlite_schema {
    use super::common::stores::TempDir;
    use mls_ds::store::Write;
    use mls_ds::{SqliteStore, Store, Transaction};

    #[test]
    fn a_reopened_database_keeps_its_data_and_schema() {
        let dir = TempDir::new("sqlite-reopen");
        let path = dir.0.join("ds.sqlite");
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), 1);
        mls_ds::conformance::check(&store);
        drop(store);
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), 1);
        let mut tx = store.begin().unwrap();
        assert!(tx.group(b"conformance").unwrap().is_some());
        tx.commit(Vec::<Write>::new()).unwrap();
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = TempDir::new("sqlite-newer");
        let path = dir.0.join("ds.sqlite");
        drop(SqliteStore::open(&path).unwrap());
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute("INSERT INTO ds_schema_version (version) VALUES (2)", [])
            .unwrap();
        drop(conn);
        let e = SqliteStore::open(&path).err().expect("refused");
        assert!(e.to_string().contains("newer"), "{e}");
    }
}

#[cfg(feature = "postgres")]
mod postgres_schema {
    use super::common::pg;
    use mls_ds::{PostgresStore, Store, Transaction};

    #[test]
    fn a_reconnected_database_keeps_its_data_and_a_newer_schema_is_refused() {
        let Some(cluster) = pg::cluster() else { return };
        let params = cluster.new_database();
        let store = PostgresStore::connect(&params).unwrap();
        assert_eq!(store.schema_version().unwrap(), 1);
        mls_ds::conformance::check(&store);
        drop(store);
        // Two instances starting together migrate once.
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| PostgresStore::connect(&params).unwrap());
            let b = s.spawn(|| PostgresStore::connect(&params).unwrap());
            (a.join().unwrap(), b.join().unwrap())
        });
        assert_eq!(a.schema_version().unwrap(), 1);
        assert!(b.begin().unwrap().group(b"conformance").unwrap().is_some());
        drop((a, b));
        let mut admin = postgres::Client::connect(&params, postgres::NoTls).unwrap();
        admin
            .batch_execute("INSERT INTO ds_schema_version (version) VALUES (2)")
            .unwrap();
        drop(admin);
        let e = PostgresStore::connect(&params).err().expect("refused");
        assert!(e.to_string().contains("newer"), "{e}");
    }
}
