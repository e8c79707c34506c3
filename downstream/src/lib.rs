//! A small chat client, written as an application outside this repository
//! would write it: it depends only on `mls-group` and uses only its public
//! API. Messages cross the "network" as bytes; every change is saved in an
//! encrypted SQLite database before the client reports success, so a
//! client can be dropped (or killed) at any moment and reopened.
//!
//! The tests in `tests/` drive three such clients through the life of a
//! group (RFC 9750 §3: create, add by KeyPackage, Welcome, messages,
//! removal), restart them between every step that matters, and damage
//! their stores.

use std::collections::BTreeMap;
use std::path::Path;

use mls_group::*;

/// Errors: the library's, the storage's, or the application's own.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

type Suite = RustCryptoSuite;
type Store = Encrypted<SqliteStorage, Suite>;

/// The identity record's id in the store.
const IDENTITY: &[u8] = b"self";

/// What a received message meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A chat message from `from`.
    Message {
        /// The sender's name (its basic credential).
        from: String,
        /// The text.
        text: String,
    },
    /// A commit was merged: the group is at `epoch` with `members`.
    Epoch {
        /// The new epoch.
        epoch: u64,
        /// The members' names.
        members: Vec<String>,
    },
    /// A commit removed us: the group is inactive.
    Removed,
}

/// One person's client: an identity, its groups, and its store.
pub struct ChatClient {
    name: String,
    suite: Suite,
    store: Store,
    identity: ClientIdentity,
    groups: BTreeMap<Vec<u8>, Group<Suite>>,
}

fn name_of(credential: &Credential) -> String {
    match credential {
        Credential::Basic(id) => String::from_utf8_lossy(id).into_owned(),
        other => format!("{:?}", other.credential_type()),
    }
}

impl ChatClient {
    /// Opens `name`'s client with its database `path` encrypted under
    /// `key`: the identity and every group come back from the store; a
    /// new store gets a new identity.
    pub fn open(path: &Path, name: &str, key: [u8; 32]) -> Result<Self, Error> {
        let suite = RustCrypto
            .cipher_suite_provider(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)
            .ok_or("suite 1 is missing")?;
        let mut store = Encrypted::new(
            SqliteStorage::open(path)?,
            suite.clone(),
            Secret::from(key.to_vec()),
            Box::new(OsRng),
        );
        let identity = match store.read_item(ItemKind::Identity, IDENTITY)? {
            Some(bytes) => ClientIdentity::from_bytes(&suite, &bytes)?,
            None => {
                let credential = Credential::Basic(name.as_bytes().to_vec());
                let identity = ClientIdentity::generate(&suite, credential, &mut OsRng)?;
                store.write_item(ItemKind::Identity, IDENTITY, Some(&identity.to_bytes()?))?;
                identity
            }
        };
        let mut groups = BTreeMap::new();
        for id in store.group_ids()? {
            let mut group = Group::load(suite.clone(), &store, &id, GroupConfig::default(), None)?
                .ok_or("a listed group has no records")?;
            group.set_time(unix_time_now());
            groups.insert(id, group);
        }
        Ok(ChatClient {
            name: name.to_string(),
            suite,
            store,
            identity,
            groups,
        })
    }

    /// This client's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A fresh KeyPackage to publish, as `MLSMessage` bytes; its private
    /// part is stored first, so a restart before the Welcome loses nothing.
    pub fn publish_key_package(&mut self) -> Result<Vec<u8>, Error> {
        let bundle = KeyPackageBundle::create(
            &self.suite,
            &self.identity,
            KeyPackageOptions::default(),
            &mut OsRng,
        )?;
        bundle.save(&self.suite, &mut self.store)?;
        Ok(bundle.to_message_bytes()?)
    }

    /// The ids of our groups.
    pub fn groups(&self) -> Vec<Vec<u8>> {
        self.groups.keys().cloned().collect()
    }

    /// The group `id`.
    pub fn group(&self, id: &[u8]) -> Result<&Group<Suite>, Error> {
        Ok(self.groups.get(id).ok_or("no such group")?)
    }

    fn group_mut(&mut self, id: &[u8]) -> Result<&mut Group<Suite>, Error> {
        let group = self.groups.get_mut(id).ok_or("no such group")?;
        group.set_time(unix_time_now());
        Ok(group)
    }

    fn save(&mut self, id: &[u8]) -> Result<(), Error> {
        let group = self.groups.get_mut(id).ok_or("no such group")?;
        group.save(&mut self.store)?;
        Ok(())
    }

    /// Creates the group `id` with us alone.
    pub fn create_group(&mut self, id: &[u8]) -> Result<(), Error> {
        let mut group = Group::create(
            self.suite.clone(),
            self.identity.clone(),
            id.to_vec(),
            Vec::new(),
            GroupConfig::default(),
            &mut OsRng,
        )?;
        group.set_time(unix_time_now());
        self.groups.insert(id.to_vec(), group);
        self.save(id)
    }

    /// Adds the owners of `key_packages` (published bytes): returns the
    /// commit for the members and the Welcome for the new ones.
    pub fn add(&mut self, id: &[u8], key_packages: &[&[u8]]) -> Result<(Vec<u8>, Vec<u8>), Error> {
        let kps = key_packages
            .iter()
            .map(|b| key_package_from_bytes(b))
            .collect::<Result<Vec<_>, _>>()?;
        let group = self.group_mut(id)?;
        let out = group.add_members(kps, &mut OsRng)?;
        group.merge_pending_commit()?;
        let welcome = out.welcome_bytes()?.ok_or("no Welcome")?;
        let commit = out.commit_bytes()?;
        self.save(id)?;
        Ok((commit, welcome))
    }

    /// Removes the member called `name`: returns the commit.
    pub fn remove(&mut self, id: &[u8], name: &str) -> Result<Vec<u8>, Error> {
        let group = self.group_mut(id)?;
        let out =
            group.remove_members_with(&Credential::Basic(name.as_bytes().to_vec()), &mut OsRng)?;
        group.merge_pending_commit()?;
        let commit = out.commit_bytes()?;
        self.save(id)?;
        Ok(commit)
    }

    /// Joins from a Welcome (bytes), with the KeyPackage bundle it names
    /// from the store; returns the group id.
    pub fn join(&mut self, welcome: &[u8]) -> Result<Vec<u8>, Error> {
        let welcome = MlsMessage::from_bytes(welcome)?.into_welcome()?;
        let bundle = KeyPackageBundle::load_for_welcome(&self.suite, &self.store, &welcome)?
            .ok_or("the Welcome is for none of our KeyPackages")?;
        let options = JoinOptions {
            now: Some(unix_time_now()),
            ..JoinOptions::default()
        };
        let mut group = Group::join(self.suite.clone(), &welcome, &bundle, options)?;
        group.set_time(unix_time_now());
        let id = group.group_id().to_vec();
        self.groups.insert(id.clone(), group);
        self.save(&id)?;
        bundle.forget_after_join(&self.suite, &mut self.store)?;
        Ok(id)
    }

    /// Encrypts `text` for the group.
    pub fn send(&mut self, id: &[u8], text: &str) -> Result<Vec<u8>, Error> {
        let group = self.group_mut(id)?;
        let msg = group.encrypt_application_message(text.as_bytes(), b"", &mut OsRng)?;
        let bytes = msg.to_bytes()?;
        self.save(id)?;
        Ok(bytes)
    }

    /// Processes a message received for the group; a commit is merged.
    pub fn receive(&mut self, id: &[u8], bytes: &[u8]) -> Result<Event, Error> {
        let group = self.group_mut(id)?;
        let event = match group.process_bytes(bytes)? {
            ProcessedMessage::Application { sender, data, .. } => {
                let from = group
                    .member(sender)
                    .map(|m| name_of(&m.credential))
                    .unwrap_or_default();
                Event::Message {
                    from,
                    text: String::from_utf8(data)?,
                }
            }
            ProcessedMessage::Commit(staged) => {
                let removed = staged.removes_us();
                group.merge_staged_commit(staged)?;
                if removed {
                    Event::Removed
                } else {
                    Event::Epoch {
                        epoch: group.epoch(),
                        members: group
                            .members()
                            .iter()
                            .map(|m| name_of(&m.credential))
                            .collect(),
                    }
                }
            }
            ProcessedMessage::Proposal(_) => Event::Epoch {
                epoch: group.epoch(),
                members: group
                    .members()
                    .iter()
                    .map(|m| name_of(&m.credential))
                    .collect(),
            },
        };
        self.save(id)?;
        Ok(event)
    }

    /// The store, for tests that damage it.
    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }
}

fn key_package_from_bytes(bytes: &[u8]) -> Result<KeyPackage, Error> {
    Ok(MlsMessage::from_bytes(bytes)?.into_key_package()?)
}
