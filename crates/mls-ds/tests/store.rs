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
    use mls_ds::{ClientId, SqliteStore, Store, Transaction};

    #[test]
    fn a_reopened_database_keeps_its_data_and_schema() {
        let dir = TempDir::new("sqlite-reopen");
        let path = dir.0.join("ds.sqlite");
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), 2);
        mls_ds::conformance::check(&store);
        drop(store);
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), 2);
        let mut tx = store.begin().unwrap();
        assert!(tx.group(b"conformance").unwrap().is_some());
        tx.commit(Vec::<Write>::new()).unwrap();
    }

    /// A database of schema 1 (each Welcome stored per joiner) is
    /// migrated: its Welcomes are stored once, each joiner still reads
    /// its own, and its KeyPackages are claimed through the new indexes.
    #[test]
    fn a_schema_1_database_is_migrated() {
        let dir = TempDir::new("sqlite-v1");
        let path = dir.0.join("ds.sqlite");
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../src/sql/sqlite/001_schema.sql"))
            .unwrap();
        conn.execute_batch(
            "CREATE TABLE ds_schema_version (version INTEGER PRIMARY KEY); \
             INSERT INTO ds_schema_version (version) VALUES (1);",
        )
        .unwrap();
        // Every u64 as the store writes it (v − 2⁶³).
        let enc = |v: u64| (v ^ (1 << 63)) as i64;
        for (client, epoch, welcome) in [("a", 5, &[1u8, 2][..]), ("b", 5, &[1, 2]), ("a", 6, &[3])]
        {
            conn.execute(
                "INSERT INTO ds_welcomes VALUES (?, ?, ?, ?)",
                rusqlite::params![client.as_bytes(), b"g", enc(epoch), welcome],
            )
            .unwrap();
        }
        conn.execute(
            "INSERT INTO ds_key_packages VALUES (?, ?, 1, 1, ?, ?, 0, ?, ?)",
            rusqlite::params![b"r", b"a", enc(0), enc(u64::MAX), b"kp", enc(0)],
        )
        .unwrap();
        drop(conn);
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), 2);
        let (a, b) = (ClientId::from("a"), ClientId::from("b"));
        let mut tx = store.begin().unwrap();
        let of_a: Vec<(u64, Vec<u8>)> = tx
            .welcomes(&a, 10)
            .unwrap()
            .into_iter()
            .map(|w| (w.epoch, w.welcome))
            .collect();
        assert_eq!(of_a, [(5, vec![1, 2]), (6, vec![3])]);
        assert_eq!(tx.welcomes(&b, 10).unwrap()[0].welcome, vec![1, 2]);
        assert_eq!(tx.oldest_key_packages(&a, 1, 0, 5).unwrap().len(), 1);
        tx.commit(vec![Write::DeleteWelcome {
            client: a.clone(),
            group_id: b"g".to_vec(),
            epoch: 5,
        }])
        .unwrap();
        // b still waits for it.
        let mut tx = store.begin().unwrap();
        assert_eq!(tx.welcomes(&b, 10).unwrap()[0].welcome, vec![1, 2]);
        let n: i64 = rusqlite::Connection::open(&path)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM ds_welcome_messages", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 2, "one row per (group, epoch)");
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = TempDir::new("sqlite-newer");
        let path = dir.0.join("ds.sqlite");
        drop(SqliteStore::open(&path).unwrap());
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute("INSERT INTO ds_schema_version (version) VALUES (3)", [])
            .unwrap();
        drop(conn);
        let e = SqliteStore::open(&path).err().expect("refused");
        assert!(e.to_string().contains("newer"), "{e}");
    }
}

#[cfg(feature = "postgres")]
mod postgres_schema {
    use super::common::pg;
    use mls_ds::store::Write;
    use mls_ds::{ClientId, PostgresStore, Store, Transaction};

    /// A database of schema 1 (each Welcome stored per joiner) is
    /// migrated: each Welcome stored once, each joiner still reads its own.
    #[test]
    fn a_schema_1_database_is_migrated() {
        let Some(cluster) = pg::cluster() else { return };
        let params = cluster.new_database();
        let mut admin = postgres::Client::connect(&params, postgres::NoTls).unwrap();
        admin
            .batch_execute(include_str!("../src/sql/postgres/001_schema.sql"))
            .unwrap();
        admin
            .batch_execute(
                "CREATE TABLE ds_schema_version (version BIGINT PRIMARY KEY); \
                 INSERT INTO ds_schema_version (version) VALUES (1);",
            )
            .unwrap();
        // Every u64 as the store writes it (v − 2⁶³).
        let enc = |v: u64| (v ^ (1 << 63)) as i64;
        for (client, epoch, welcome) in [("a", 5, &[1u8, 2][..]), ("b", 5, &[1, 2]), ("a", 6, &[3])]
        {
            admin
                .execute(
                    "INSERT INTO ds_welcomes VALUES ($1, $2, $3, $4)",
                    &[&client.as_bytes(), &b"g".as_slice(), &enc(epoch), &welcome],
                )
                .unwrap();
        }
        drop(admin);
        let store = PostgresStore::connect(&params).unwrap();
        assert_eq!(store.schema_version().unwrap(), 2);
        let (a, b) = (ClientId::from("a"), ClientId::from("b"));
        let mut tx = store.begin().unwrap();
        let of_a: Vec<(u64, Vec<u8>)> = tx
            .welcomes(&a, 10)
            .unwrap()
            .into_iter()
            .map(|w| (w.epoch, w.welcome))
            .collect();
        assert_eq!(of_a, [(5, vec![1, 2]), (6, vec![3])]);
        tx.commit(vec![Write::DeleteWelcome {
            client: a.clone(),
            group_id: b"g".to_vec(),
            epoch: 5,
        }])
        .unwrap();
        // b still waits for it; the last acknowledgement deletes it.
        let mut tx = store.begin().unwrap();
        assert_eq!(tx.welcomes(&b, 10).unwrap()[0].welcome, vec![1, 2]);
        tx.commit(vec![Write::DeleteWelcome {
            client: b.clone(),
            group_id: b"g".to_vec(),
            epoch: 5,
        }])
        .unwrap();
        let mut admin = postgres::Client::connect(&params, postgres::NoTls).unwrap();
        let n: i64 = admin
            .query_one("SELECT COUNT(*) FROM ds_welcome_messages", &[])
            .unwrap()
            .get(0);
        assert_eq!(n, 1, "epoch 6's, once");
    }

    #[test]
    fn a_reconnected_database_keeps_its_data_and_a_newer_schema_is_refused() {
        let Some(cluster) = pg::cluster() else { return };
        let params = cluster.new_database();
        let store = PostgresStore::connect(&params).unwrap();
        assert_eq!(store.schema_version().unwrap(), 2);
        mls_ds::conformance::check(&store);
        drop(store);
        // Two instances starting together migrate once.
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| PostgresStore::connect(&params).unwrap());
            let b = s.spawn(|| PostgresStore::connect(&params).unwrap());
            (a.join().unwrap(), b.join().unwrap())
        });
        assert_eq!(a.schema_version().unwrap(), 2);
        assert!(b.begin().unwrap().group(b"conformance").unwrap().is_some());
        drop((a, b));
        let mut admin = postgres::Client::connect(&params, postgres::NoTls).unwrap();
        admin
            .batch_execute("INSERT INTO ds_schema_version (version) VALUES (3)")
            .unwrap();
        drop(admin);
        let e = PostgresStore::connect(&params).err().expect("refused");
        assert!(e.to_string().contains("newer"), "{e}");
    }
}
