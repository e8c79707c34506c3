//! The KeyPackage directory (RFC 9750 §5.1).

#[macro_use]
mod common;

use common::*;
use mls_ds::*;
use mls_group::*;
use mls_test_support::TestRng;

fn query(client: &Client) -> KeyPackageQuery {
    KeyPackageQuery {
        client: client.id(),
        cipher_suite: CipherSuite(1),
    }
}

fn fetch_one(ds: &Ds, who: &Client) -> ServedKeyPackage {
    ds.fetch_key_packages(&id("requester"), NOW, &[query(who)])
        .unwrap()
        .key_packages
        .remove(0)
}

fn only_the_owner_uploads_its_key_packages() {
    let rng = &mut TestRng::new(10);
    let ds = ds();
    let mut bob = Client::new("bob", rng);
    let kp = bob.key_package(rng, false);
    assert_eq!(
        ds.upload_key_packages(&id("mallory"), NOW, std::slice::from_ref(&kp))
            .unwrap_err(),
        DsError::NotOwner
    );
    let up = ds.upload_key_packages(&bob.id(), NOW, &[kp]).unwrap();
    assert_eq!(up.references.len(), 1);
    assert_eq!(up.stock[0].regular, 1);
}

fn a_custom_directory_maps_credentials_to_clients() {
    let rng = &mut TestRng::new(11);
    // Device ids: "bob/phone" belongs to client "bob".
    let directory = |c: &Credential| match c {
        Credential::Basic(id) => id
            .split(|b| *b == b'/')
            .next()
            .map(|user| ClientId(user.to_vec())),
        _ => None,
    };
    let ds = ds_with(DsConfig {
        directory: std::sync::Arc::new(directory),
        ..DsConfig::default()
    });
    let mut phone = Client::new("bob/phone", rng);
    let kp = phone.key_package(rng, false);
    ds.upload_key_packages(&id("bob"), NOW, &[kp]).unwrap();
}

fn key_packages_are_validated_on_upload() {
    let rng = &mut TestRng::new(12);
    let ds = ds();
    let mut bob = Client::new("bob", rng);
    let kp = bob.key_package(rng, false);
    let mut msg = MlsMessage::from_bytes(&kp).unwrap();
    if let MlsMessageBody::KeyPackage(k) = &mut msg.body {
        k.signature[0] ^= 1;
    }
    let err = ds
        .upload_key_packages(&bob.id(), NOW, &[msg_bytes(&msg)])
        .unwrap_err();
    assert!(matches!(err, DsError::InvalidKeyPackage(_)), "{err:?}");
    assert_eq!(err.fault(), DsFault::Sender);
    // Expired, not yet valid, too long: refused.
    for (nb, na) in [
        (NOW - 10 * DAY, NOW - DAY),
        (NOW + DAY, NOW + 10 * DAY),
        (NOW - DAY, NOW + 365 * DAY),
    ] {
        let kp = bob.key_package_with(rng, false, nb, na);
        assert!(matches!(
            ds.upload_key_packages(&bob.id(), NOW, &[kp]),
            Err(DsError::KeyPackageLifetime(_))
        ));
    }
    // The lifetime bound is a knob.
    let long = ds_with(DsConfig {
        limits: Limits {
            max_key_package_lifetime: 400 * DAY,
            ..Limits::default()
        },
        ..DsConfig::default()
    });
    let kp = bob.key_package_with(rng, false, NOW - DAY, NOW + 365 * DAY);
    long.upload_key_packages(&bob.id(), NOW, &[kp]).unwrap();
}

fn each_key_package_is_served_once_then_the_last_resort_forever() {
    let rng = &mut TestRng::new(13);
    let ds = ds();
    let mut bob = Client::new("bob", rng);
    let kps = vec![
        bob.key_package(rng, false),
        bob.key_package(rng, false),
        bob.key_package(rng, true),
    ];
    ds.upload_key_packages(&bob.id(), NOW, &kps).unwrap();
    // One per query, even two queries for bob in one request.
    let both = ds
        .fetch_key_packages(&id("alice"), NOW, &[query(&bob), query(&bob)])
        .unwrap();
    let a = both.key_packages[0].key_package.clone().unwrap();
    let b = both.key_packages[1].key_package.clone().unwrap();
    assert_ne!(a, b);
    assert!(!both.key_packages[0].last_resort && !both.key_packages[1].last_resort);
    assert!(kps[..2].contains(&a) && kps[..2].contains(&b));
    // Regular ones exhausted: the last resort, again and again.
    for _ in 0..3 {
        let s = fetch_one(&ds, &bob);
        assert!(s.last_resort);
        assert_eq!(s.key_package.as_ref(), Some(&kps[2]));
    }
    // A client without KeyPackages of that suite: none.
    let carol = Client::new("carol", rng);
    assert_eq!(fetch_one(&ds, &carol).key_package, None);
    // A new last-resort KeyPackage replaces the old one.
    let new_lr = bob.key_package(rng, true);
    ds.upload_key_packages(&bob.id(), NOW, std::slice::from_ref(&new_lr))
        .unwrap();
    assert_eq!(fetch_one(&ds, &bob).key_package, Some(new_lr));
}

fn expired_key_packages_are_never_served() {
    let rng = &mut TestRng::new(14);
    let ds = ds();
    let mut bob = Client::new("bob", rng);
    let short = bob.key_package_with(rng, false, NOW - DAY, NOW + DAY);
    let long = bob.key_package_with(rng, false, NOW - DAY, NOW + 20 * DAY);
    ds.upload_key_packages(&bob.id(), NOW, &[short, long.clone()])
        .unwrap();
    let later = NOW + 2 * DAY;
    let s = ds
        .fetch_key_packages(&id("alice"), later, &[query(&bob)])
        .unwrap();
    assert_eq!(s.key_packages[0].key_package, Some(long));
    let s = ds
        .fetch_key_packages(&id("alice"), later, &[query(&bob)])
        .unwrap();
    assert_eq!(s.key_packages[0].key_package, None);
}

fn delete_and_replace_by_reference_owner_only() {
    let rng = &mut TestRng::new(15);
    let ds = ds();
    let mut bob = Client::new("bob", rng);
    let kps = vec![bob.key_package(rng, false), bob.key_package(rng, true)];
    let refs = ds
        .upload_key_packages(&bob.id(), NOW, &kps)
        .unwrap()
        .references;
    assert_eq!(
        ds.delete_key_package(&id("mallory"), NOW, &refs[0])
            .unwrap_err(),
        DsError::NotOwner
    );
    ds.delete_key_package(&bob.id(), NOW, &refs[0]).unwrap();
    assert_eq!(
        ds.delete_key_package(&bob.id(), NOW, &refs[0]).unwrap_err(),
        DsError::UnknownKeyPackage
    );
    // Now only the last resort is left.
    assert!(fetch_one(&ds, &bob).last_resort);
    let fresh = bob.key_package(rng, false);
    assert_eq!(
        ds.replace_key_package(&id("mallory"), NOW, &refs[1], &fresh)
            .unwrap_err(),
        DsError::NotOwner
    );
    ds.replace_key_package(&bob.id(), NOW, &refs[1], &fresh)
        .unwrap();
    let s = fetch_one(&ds, &bob);
    assert_eq!((s.key_package, s.last_resort), (Some(fresh), false));
    assert_eq!(fetch_one(&ds, &bob).key_package, None);
}

fn the_owner_is_told_when_its_stock_runs_low() {
    let rng = &mut TestRng::new(16);
    let ds = ds_with(DsConfig {
        limits: Limits {
            key_package_low_stock: 2,
            ..Limits::default()
        },
        ..DsConfig::default()
    });
    let mut bob = Client::new("bob", rng);
    let kps: Vec<Vec<u8>> = (0..3).map(|_| bob.key_package(rng, false)).collect();
    let up = ds.upload_key_packages(&bob.id(), NOW, &kps).unwrap();
    assert!(!up.stock[0].low);
    // 3 → 2: not low yet.
    let s = ds
        .fetch_key_packages(&id("alice"), NOW, &[query(&bob)])
        .unwrap();
    assert!(s.low_stock.is_empty());
    // 2 → 1: low, said once.
    let s = ds
        .fetch_key_packages(&id("alice"), NOW, &[query(&bob)])
        .unwrap();
    assert_eq!(s.low_stock.len(), 1);
    assert_eq!(s.low_stock[0].0, bob.id());
    assert_eq!(s.low_stock[0].1.regular, 1);
    assert!(ds.key_package_stock(&bob.id(), NOW).unwrap()[0].low);
    let s = ds
        .fetch_key_packages(&id("alice"), NOW, &[query(&bob)])
        .unwrap();
    assert!(s.low_stock.is_empty());
}

fn too_many_key_packages_are_refused() {
    let rng = &mut TestRng::new(17);
    let ds = ds_with(DsConfig {
        limits: Limits {
            max_key_packages_per_client: 2,
            ..Limits::default()
        },
        ..DsConfig::default()
    });
    let mut bob = Client::new("bob", rng);
    let kps: Vec<Vec<u8>> = (0..2).map(|_| bob.key_package(rng, false)).collect();
    ds.upload_key_packages(&bob.id(), NOW, &kps).unwrap();
    let one_more = bob.key_package(rng, false);
    assert!(matches!(
        ds.upload_key_packages(&bob.id(), NOW, &[one_more]),
        Err(DsError::LimitExceeded(_))
    ));
}

fn two_engines_on_one_store_never_serve_a_key_package_twice() {
    let rng = &mut TestRng::new(18);
    let a = ds();
    let b = instance_of(&a);
    let mut bob = Client::new("bob", rng);
    let kps: Vec<Vec<u8>> = (0..20).map(|_| bob.key_package(rng, false)).collect();
    a.upload_key_packages(&bob.id(), NOW, &kps).unwrap();
    let served: Vec<Vec<u8>> = std::thread::scope(|s| {
        let ha = s.spawn(|| {
            (0..10)
                .map(|i| {
                    a.fetch_key_packages(&id(&format!("a{i}")), NOW, &[query(&bob)])
                        .unwrap()
                        .key_packages[0]
                        .key_package
                        .clone()
                        .unwrap()
                })
                .collect::<Vec<_>>()
        });
        let hb = s.spawn(|| {
            (0..10)
                .map(|i| {
                    b.fetch_key_packages(&id(&format!("b{i}")), NOW, &[query(&bob)])
                        .unwrap()
                        .key_packages[0]
                        .key_package
                        .clone()
                        .unwrap()
                })
                .collect::<Vec<_>>()
        });
        let mut v = ha.join().unwrap();
        v.extend(hb.join().unwrap());
        v
    });
    let mut unique = served.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 20);
}

// Each test on the memory store, SQLite and PostgreSQL.
on_every_store!(
    only_the_owner_uploads_its_key_packages,
    a_custom_directory_maps_credentials_to_clients,
    key_packages_are_validated_on_upload,
    each_key_package_is_served_once_then_the_last_resort_forever,
    expired_key_packages_are_never_served,
    delete_and_replace_by_reference_owner_only,
    the_owner_is_told_when_its_stock_runs_low,
    too_many_key_packages_are_refused,
    two_engines_on_one_store_never_serve_a_key_package_twice,
);
