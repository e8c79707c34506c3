//! ReInit (§11.2) and branching (§11.3) end to end with resumption PSKs.

use crate::common;

use common::*;
use mls_crypto::CipherSuite;
use mls_group::*;
use mls_keyschedule::ResumptionPskUsage;
use mls_rustcrypto::OsRng;

#[test]
fn reinit_to_another_suite() {
    let mut g = group_of(1, &["a", "b", "c"], HandshakeFormat::Public);
    let reinit = g[1].reinit_proposal(b"new group".to_vec(), CipherSuite(3), Vec::new());
    let out = g[1]
        .commit(vec![reinit], &CommitOptions::default(), &mut OsRng)
        .unwrap();
    g[1].merge_pending_commit().unwrap();
    for i in [0, 2] {
        let ProcessedMessage::Commit(st) = g[i].process_message(&out.commit).unwrap() else {
            panic!()
        };
        assert!(st.reinit().is_some());
        g[i].merge_staged_commit(st).unwrap();
    }
    for m in &g {
        assert!(!m.is_active());
    }
    assert_eq!(
        g[0].encrypt_application_message(b"x", b"", &mut OsRng)
            .unwrap_err(),
        GroupError::GroupInactive
    );
    let infos: Vec<ResumptionInfo> = g.iter().map(|m| m.resumption_info()).collect();
    let s3 = suite(3);
    let kp_b = key_package(&s3, "b");
    let kp_c = key_package(&s3, "c");
    let (new_a, out) = Group::create_resumed(
        s3.clone(),
        key_package(&s3, "a"),
        &infos[0],
        ResumeOptions {
            usage: ResumptionPskUsage::REINIT,
            branch_group_id: Vec::new(),
            extensions: Vec::new(),
            key_packages: vec![kp_b.key_package().clone(), kp_c.key_package().clone()],
            config: GroupConfig::default(),
            now: Some(unix_time_now()),
            force_path: false,
        },
        &mut OsRng,
    )
    .unwrap();
    assert_eq!(new_a.epoch(), 1);
    let welcome = out.welcome.unwrap().into_welcome().unwrap();
    let join = |kp: &KeyPackageBundle, info: &ResumptionInfo| {
        Group::join(
            s3.clone(),
            &welcome,
            kp,
            JoinOptions {
                resumption: Some(info),
                ..JoinOptions::default()
            },
        )
    };
    let new_b = join(&kp_b, &infos[1]).unwrap();
    let new_c = join(&kp_c, &infos[2]).unwrap();
    assert_agree(&[&new_a, &new_b, &new_c]);
    assert_eq!(new_a.group_id(), b"new group");
    // Without the resumed group the Welcome is refused.
    assert!(matches!(
        Group::join(s3.clone(), &welcome, &kp_b, JoinOptions::default()),
        Err(GroupError::MissingPsk) | Err(GroupError::InvalidWelcome(_))
    ));
}

#[test]
fn branch_with_a_subset() {
    let g = group_of(2, &["a", "b", "c"], HandshakeFormat::Private);
    let s = suite(2);
    let info = g[0].resumption_info();
    let kp_b = key_package(&s, "b");
    let (new_a, out) = Group::create_resumed(
        s.clone(),
        key_package(&s, "a"),
        &info,
        ResumeOptions {
            usage: ResumptionPskUsage::BRANCH,
            branch_group_id: b"side".to_vec(),
            extensions: Vec::new(),
            key_packages: vec![kp_b.key_package().clone()],
            config: GroupConfig::default(),
            now: Some(unix_time_now()),
            force_path: false,
        },
        &mut OsRng,
    )
    .unwrap();
    let welcome = out.welcome.unwrap().into_welcome().unwrap();
    let b_info = g[1].resumption_info();
    let new_b = Group::join(
        s.clone(),
        &welcome,
        &kp_b,
        JoinOptions {
            resumption: Some(&b_info),
            ..JoinOptions::default()
        },
    )
    .unwrap();
    assert_agree(&[&new_a, &new_b]);

    // A branch that adds an outsider is refused by the joiner.
    let kp_b2 = key_package(&s, "b");
    let kp_x = key_package(&s, "mallory");
    let (_, out) = Group::create_resumed(
        s.clone(),
        key_package(&s, "a"),
        &info,
        ResumeOptions {
            usage: ResumptionPskUsage::BRANCH,
            branch_group_id: b"side2".to_vec(),
            extensions: Vec::new(),
            key_packages: vec![kp_b2.key_package().clone(), kp_x.key_package().clone()],
            config: GroupConfig::default(),
            now: Some(unix_time_now()),
            force_path: false,
        },
        &mut OsRng,
    )
    .unwrap();
    let welcome = out.welcome.unwrap().into_welcome().unwrap();
    assert!(matches!(
        Group::join(
            s,
            &welcome,
            &kp_b2,
            JoinOptions {
                resumption: Some(&b_info),
                ..JoinOptions::default()
            },
        ),
        Err(GroupError::InvalidWelcome(_))
    ));
}
