//! The hub side of federation (draft §6.2, §10): for each accepted
//! message, one `DSFanoutRequest` per guest domain, with that domain's
//! recipients only and their tokens; and fan-out tokens (draft §4.6),
//! issued and checked by the DS whose clients they are.

use std::collections::BTreeMap;

use mls_codec::{decode_exact, Decode, Encode};
use mls_group::{CipherSuiteProvider, CryptoProvider, MlsMessage};

use crate::error::DsError;
use crate::ids::ClientId;
use crate::mimi::wire::{DsFanoutRequest, DsProtocolVersion, FanoutAuthToken};
use crate::mimi::{domain_of, DomainName, MimiDs, MimiError, MimiStore};
use crate::store::{Store, Transaction};

/// One `DSFanoutRequest` for one guest DS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fanout {
    /// The guest DS's domain (send it there).
    pub domain: DomainName,
    /// The request.
    pub request: DsFanoutRequest,
}

impl Fanout {
    /// The encoded request.
    pub fn to_bytes(&self) -> Result<Vec<u8>, MimiError> {
        self.request
            .to_bytes()
            .map_err(|_| MimiError::Malformed("fan-out too large"))
    }
}

/// The token's inside (ours; the draft leaves the scheme open): its end
/// of validity and a MAC over the client id and that end, keyed with the
/// issuing DS's secret.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
struct TokenContent {
    not_after: u64,
    mac: Vec<u8>,
}

#[derive(Encode)]
struct TokenTbs<'a> {
    label: &'a [u8],
    client: &'a [u8],
    not_after: u64,
}

const TOKEN_LABEL: &[u8] = b"MIMI DS FanoutAuthToken";

pub(crate) struct Recipients {
    pub by_domain: BTreeMap<DomainName, Vec<(ClientId, FanoutAuthToken)>>,
    pub undeliverable: Vec<ClientId>,
}

impl<St: Store, C: CryptoProvider, M: MimiStore> MimiDs<St, C, M> {
    fn token_mac(&self, client: &ClientId, not_after: u64) -> Result<Vec<u8>, MimiError> {
        let suite = self.ds.suite(self.config.default_suite.0)?;
        let tbs = TokenTbs {
            label: TOKEN_LABEL,
            client: &client.0,
            not_after,
        }
        .to_bytes()
        .map_err(|_| MimiError::Malformed("client id"))?;
        suite
            .mac(&self.config.token_key, &tbs)
            .map_err(|_| MimiError::Ds(DsError::Internal("token MAC")))
    }

    /// Issues a fan-out token to one of this DS's clients (it puts it in
    /// its KeyPackages' `fanout_auth` extension), valid until `not_after`
    /// (default: now + [`super::MimiConfig::token_lifetime`]).
    pub fn issue_fanout_token(
        &self,
        client: &ClientId,
        now: u64,
        not_after: Option<u64>,
    ) -> Result<FanoutAuthToken, MimiError> {
        if !self.is_native(client) {
            return Err(MimiError::NotNative);
        }
        let not_after = not_after.unwrap_or(now.saturating_add(self.config.token_lifetime));
        let content = TokenContent {
            not_after,
            mac: self.token_mac(client, not_after)?,
        };
        Ok(FanoutAuthToken {
            token: content
                .to_bytes()
                .map_err(|_| MimiError::Malformed("token"))?,
        })
    }

    /// Whether `token` is one this DS issued to `client`, valid at `now`.
    pub fn check_fanout_token(
        &self,
        client: &ClientId,
        token: &FanoutAuthToken,
        now: u64,
    ) -> Result<bool, MimiError> {
        let Ok(content) = decode_exact::<TokenContent>(&token.token) else {
            return Ok(false);
        };
        if content.not_after < now {
            return Ok(false);
        }
        let mac = self.token_mac(client, content.not_after)?;
        Ok(mac.len() == content.mac.len()
            && mac
                .iter()
                .zip(&content.mac)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0)
    }

    /// The guest recipients of message `seq` of a group (its members when
    /// it was accepted, the sender excepted), by domain, with their tokens.
    pub(crate) fn guest_recipients(
        &self,
        group_id: &[u8],
        seq: u64,
        sender: Option<&ClientId>,
    ) -> Result<Recipients, MimiError> {
        let mut tx = self.ds.store.begin()?;
        let members = tx.members(group_id)?;
        let clients: Vec<ClientId> = members
            .into_iter()
            .filter(|m| m.from_seq <= seq && m.until_seq.is_none_or(|u| seq <= u))
            .filter(|m| self.ds.config.echo_to_sender || Some(&m.client) != sender)
            .map(|m| m.client)
            .collect();
        self.with_tokens(group_id, clients)
    }

    pub(crate) fn with_tokens(
        &self,
        group_id: &[u8],
        clients: Vec<ClientId>,
    ) -> Result<Recipients, MimiError> {
        let tokens = self.store.tokens(group_id)?;
        let mut out = Recipients {
            by_domain: BTreeMap::new(),
            undeliverable: Vec::new(),
        };
        for c in clients {
            let Some(domain) = domain_of(&c.0) else {
                continue;
            };
            if domain == self.config.domain {
                continue; // local: read from the engine's log
            }
            match tokens.get(&c) {
                Some(t) => out
                    .by_domain
                    .entry(domain)
                    .or_default()
                    .push((c, t.clone())),
                None => out.undeliverable.push(c),
            }
        }
        Ok(out)
    }

    /// One `DSFanoutRequest` per domain of `recipients`, carrying `message`.
    pub(crate) fn fanout_requests(recipients: Recipients, message: &MlsMessage) -> Vec<Fanout> {
        recipients
            .by_domain
            .into_iter()
            .map(|(domain, list)| {
                let (ids, tokens): (Vec<Vec<u8>>, Vec<FanoutAuthToken>) =
                    list.into_iter().map(|(c, t)| (c.0, t)).unzip();
                Fanout {
                    domain,
                    request: DsFanoutRequest {
                        protocol_version: DsProtocolVersion::MIMI_DS_05,
                        recipient_ids: ids,
                        fanout_auth_tokens: tokens,
                        mls_message: message.clone(),
                    },
                }
            })
            .collect()
    }

    /// The fan-out of message `seq` of a group, read back from the log.
    pub(crate) fn fanout_of_logged(
        &self,
        group_id: &[u8],
        seq: u64,
        sender: Option<&ClientId>,
        out: &mut super::Outcome,
    ) -> Result<(), MimiError> {
        let mut tx = self.ds.store.begin()?;
        let Some(record) = tx.messages(group_id, seq, 1)?.into_iter().next() else {
            return Ok(());
        };
        drop(tx);
        let msg = MlsMessage::from_bytes(&record.message)
            .map_err(|_| MimiError::Ds(DsError::Internal("logged message")))?;
        let r = self.guest_recipients(group_id, seq, sender)?;
        out.undeliverable.extend(r.undeliverable.iter().cloned());
        out.fanout.extend(Self::fanout_requests(r, &msg));
        Ok(())
    }
}
