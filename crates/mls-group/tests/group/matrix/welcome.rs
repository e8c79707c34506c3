//! Rows: Welcomes, to dave joining.

use super::*;

fn joiner_secrets() -> GroupSecrets {
    GroupSecrets {
        joiner_secret: fx().joiner_secret.as_bytes().to_vec(),
        path_secret: None,
        psks: Vec::new(),
    }
}

/// `info` after `edit`, with a confirmation tag of the fixture's joiner
/// secret and signed by alice.
fn signed(mut info: GroupInfo, edit: impl FnOnce(&mut GroupInfo)) -> GroupInfo {
    let fx = fx();
    edit(&mut info);
    reconfirm(
        &fx.suite,
        &mut info,
        &fx.joiner_secret,
        &PskSecret::zero(&fx.suite),
    )
    .expect("confirmation tag");
    info.sign(&fx.suite, &signing_key(&fx.suite, &fx.members[0]))
        .expect("sign");
    info
}

/// A Welcome of `info` for dave with `secrets`.
fn sealed(info: &GroupInfo, secrets: &GroupSecrets) -> Welcome {
    let fx = fx();
    fx.seal(
        info,
        secrets,
        &[fx.bundles[3].key_package()],
        &PskSecret::zero(&fx.suite),
    )
    .expect("seal")
}

fn dave(w: Welcome) -> Result<Refusal, String> {
    dave_refuses(&w).map(Refusal::Group)
}

/// Epoch-2 GroupInfo (signed by alice) after alice commits `proposals`.
fn info_after(proposals: Vec<Proposal>) -> GroupInfo {
    let mut alice = fx().group(0);
    let options = mls_group::CommitOptions {
        force_path: true,
        include_stored_proposals: false,
        ..mls_group::CommitOptions::default()
    };
    alice
        .commit(proposals, &options, &mut TestRng::new(40))
        .expect("commit");
    alice.merge_pending_commit().expect("merge");
    alice.group_info(true, false).expect("group info")
}

pub(crate) fn welcome_rows() -> Vec<Row> {
    let k = "Welcome";
    let real = || fx().real_group_info.clone();
    vec![
        row(
            k,
            "for another KeyPackage",
            move || {
                let fx = fx();
                let w = fx
                    .seal(
                        &real(),
                        &joiner_secrets(),
                        &[fx.newcomer.key_package()],
                        &PskSecret::zero(&fx.suite),
                    )
                    .expect("seal");
                dave(w)
            },
            is(G::WelcomeNotForUs),
        ),
        row(
            k,
            "tampered GroupInfo ciphertext",
            || {
                // The group secrets are bound to the encrypted GroupInfo.
                let mut w = fx().real_welcome.clone();
                w.encrypted_group_info[5] ^= 1;
                dave(w)
            },
            framing(F::GroupSecretsDecryptionFailed),
        ),
        row(
            k,
            "GroupInfo under another joiner secret",
            move || {
                let fx = fx();
                let other =
                    JoinerSecret::new(&fx.suite, Secret::from(vec![9; nh()])).expect("secret");
                let secrets = joiner_secrets();
                let w = Welcome::seal(
                    &fx.suite,
                    &real(),
                    &other,
                    &PskSecret::zero(&fx.suite),
                    [(fx.bundles[3].key_package(), &secrets)],
                    &mut TestRng::new(1),
                )
                .expect("seal");
                dave(w)
            },
            framing(F::GroupInfoDecryptionFailed),
        ),
        row(
            k,
            "tampered group secrets",
            || {
                let mut w = fx().real_welcome.clone();
                let ours = w.secrets.len() - 1;
                flip(
                    &mut w.secrets[ours].encrypted_group_secrets.ciphertext,
                    2,
                    2,
                );
                dave(w)
            },
            framing(F::GroupSecretsDecryptionFailed),
        ),
        row(
            k,
            "other cipher suite",
            || {
                let mut w = fx().real_welcome.clone();
                w.cipher_suite = CipherSuite(2);
                dave(w)
            },
            is(G::UnsupportedCipherSuite(2)),
        ),
        // Issue 15 item 6 (§13.4): a joiner must support every GroupContext
        // extension; dave's leaf lists no non-default one.
        row(
            k,
            "GroupContext extension the joiner does not support",
            move || {
                let info = signed(real(), |i| {
                    i.group_context
                        .extensions
                        .push(mls_types::Extension::new(ExtensionType(0xff42), vec![]))
                });
                dave(sealed(&info, &joiner_secrets()))
            },
            is(G::InvalidWelcome(
                "the joiner does not support a GroupContext extension",
            )),
        ),
        row(
            k,
            "tampered GroupInfo (not re-signed)",
            move || {
                let mut info = signed(real(), |_| {});
                info.group_context.extensions.clear();
                dave(sealed(&info, &joiner_secrets()))
            },
            // The key schedule binds the GroupContext too, and is checked
            // first: cheaper than the signature (issue 15 item 5).
            is(G::InvalidConfirmationTag),
        ),
        row(
            k,
            "GroupInfo signed by a member other than its signer",
            move || {
                let mut info = signed(real(), |_| {});
                info.signer = LeafIndex(2);
                dave(sealed(&info, &joiner_secrets()))
            },
            framing(F::InvalidSignature),
        ),
        row(
            k,
            "bad confirmation tag",
            move || {
                let fx = fx();
                let mut info = signed(real(), |_| {});
                flip(&mut info.confirmation_tag, 0, 0);
                info.sign(&fx.suite, &signing_key(&fx.suite, &fx.members[0]))
                    .expect("sign");
                dave(sealed(&info, &joiner_secrets()))
            },
            is(G::InvalidConfirmationTag),
        ),
        row(
            k,
            "tree hash mismatch",
            move || {
                let info = signed(real(), |i| flip(&mut i.group_context.tree_hash, 0, 0));
                dave(sealed(&info, &joiner_secrets()))
            },
            tree(TreeError::TreeHashMismatch),
        ),
        row(
            k,
            "no ratchet tree",
            move || {
                let info = signed(real(), |i| {
                    i.extensions
                        .retain(|e| e.extension_type != ExtensionType::RATCHET_TREE)
                });
                dave(sealed(&info, &joiner_secrets()))
            },
            is(G::MissingRatchetTree),
        ),
        row(
            k,
            "ratchet tree listed twice",
            move || {
                let info = signed(real(), |i| {
                    let tree = i.extensions[0].clone();
                    i.extensions.push(tree);
                });
                dave(sealed(&info, &joiner_secrets()))
            },
            framing(F::DuplicateExtension(ExtensionType::RATCHET_TREE)),
        ),
        row(
            k,
            "our leaf not in the tree",
            || {
                let info = signed(
                    info_after(vec![Proposal::Remove(Remove { removed: 3 })]),
                    |_| {},
                );
                dave(sealed(&info, &joiner_secrets()))
            },
            is(G::InvalidWelcome("our leaf is not in the tree")),
        ),
        row(
            k,
            "signer is a blank leaf",
            || {
                let fx = fx();
                let mut info = signed(
                    info_after(vec![Proposal::Remove(Remove { removed: 1 })]),
                    |_| {},
                );
                info.signer = LeafIndex(1);
                info.sign(&fx.suite, &signing_key(&fx.suite, &fx.members[0]))
                    .expect("sign");
                dave(sealed(&info, &joiner_secrets()))
            },
            is(G::InvalidWelcome("GroupInfo signer is blank")),
        ),
        row(
            k,
            "GroupInfo of another cipher suite",
            move || {
                let info = signed(real(), |i| i.group_context.cipher_suite = CipherSuite(3));
                dave(sealed(&info, &joiner_secrets()))
            },
            is(G::InvalidWelcome("GroupInfo cipher suite")),
        ),
        row(
            k,
            "unknown PSK",
            move || {
                let mut secrets = joiner_secrets();
                let Proposal::PreSharedKey(p) = psk_proposal(b"no such psk", 2) else {
                    unreachable!()
                };
                secrets.psks.push(p.psk);
                dave(sealed(&real(), &secrets))
            },
            is(G::MissingPsk),
        ),
        row(
            k,
            "joiner secret of the wrong length",
            move || {
                let mut secrets = joiner_secrets();
                secrets.joiner_secret.truncate(5);
                dave(sealed(&real(), &secrets))
            },
            is(G::KeySchedule(
                mls_keyschedule::Error::InvalidSecretLength {
                    expected: nh(),
                    got: 5,
                },
            )),
        ),
        row(
            k,
            "wrong path secret",
            || {
                let info = signed(info_after(Vec::new()), |_| {});
                let mut secrets = joiner_secrets();
                secrets.path_secret = Some(PathSecret {
                    path_secret: vec![3; nh()],
                });
                dave(sealed(&info, &secrets))
            },
            // Dave (leaf 3) and alice (leaf 0) meet at the root, node 3.
            tree(TreeError::PrivateKeyMismatch { node: 3 }),
        ),
        row(
            k,
            "truncated",
            || {
                let bytes = MlsMessage::from(fx().real_welcome.clone())
                    .to_bytes()
                    .expect("encode");
                match MlsMessage::from_bytes(&bytes[..bytes.len() - 1]) {
                    Err(e) => Ok(Refusal::Decode(e)),
                    Ok(_) => Err("decoded".into()),
                }
            },
            undecodable(),
        ),
    ]
}
