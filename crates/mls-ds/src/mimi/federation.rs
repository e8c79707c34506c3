//! The guest side of federation (draft §6.2, §10): a `DSFanoutRequest`
//! from a hub is checked — version, every recipient ours, one valid token
//! per recipient, the sender the group's hub, the hub not blocked — and
//! its message enqueued for each recipient.

use mls_codec::{decode_exact, Encode};
use mls_group::{CryptoProvider, MlsMessageBody};

use crate::ids::ClientId;
use crate::mimi::wire::{
    DsFanoutError, DsFanoutErrorCode, DsFanoutRequest, DsFanoutResponse, DsFanoutResponseBody,
    DsProtocolVersion,
};
use crate::mimi::{domain_of, DomainName, InboxItem, MimiDs, MimiStore};
use crate::store::Store;

/// Why a `DSFanoutRequest` was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FanoutRefused {
    /// The code.
    pub code: DsFanoutErrorCode,
    /// Why.
    pub reason: &'static str,
}

fn refuse(code: DsFanoutErrorCode, reason: &'static str) -> FanoutRefused {
    FanoutRefused { code, reason }
}

impl<St: Store, C: CryptoProvider, M: MimiStore> MimiDs<St, C, M> {
    /// Handles an encoded `DSFanoutRequest` from the hub `from` (the
    /// domain its mTLS certificate authenticates); returns the encoded
    /// `DSFanoutResponse`.
    pub fn receive_fanout(&self, from: &DomainName, request: &[u8], now: u64) -> Vec<u8> {
        let body = match decode_exact::<DsFanoutRequest>(request) {
            Err(_) => Err(refuse(
                DsFanoutErrorCode::MALFORMED,
                "not a DSFanoutRequest",
            )),
            Ok(req) => self.accept_fanout(from, &req, now).map(|_| ()),
        };
        let response_body = match body {
            Ok(()) => DsFanoutResponseBody::Ok,
            Err(e) => DsFanoutResponseBody::Error(DsFanoutError {
                code: e.code,
                reason: e.reason.as_bytes().to_vec(),
            }),
        };
        DsFanoutResponse {
            protocol_version: DsProtocolVersion::MIMI_DS_05,
            response_body,
        }
        .to_bytes()
        .unwrap_or_default()
    }

    /// Checks a `DSFanoutRequest` from the hub `from` and enqueues its
    /// message for each recipient; returns the inbox positions. All or
    /// nothing: one bad recipient or token refuses the whole request.
    pub fn accept_fanout(
        &self,
        from: &DomainName,
        req: &DsFanoutRequest,
        now: u64,
    ) -> Result<Vec<u64>, FanoutRefused> {
        if self.config.blocked_domains.contains(from) {
            return Err(refuse(DsFanoutErrorCode::BLOCKED, "this hub is blocked"));
        }
        if req.protocol_version != DsProtocolVersion::MIMI_DS_05 {
            return Err(refuse(
                DsFanoutErrorCode::UNSUPPORTED_VERSION,
                "unsupported DS protocol version",
            ));
        }
        if req.recipient_ids.is_empty() {
            return Err(refuse(DsFanoutErrorCode::MALFORMED, "no recipient"));
        }
        if req.recipient_ids.len() != req.fanout_auth_tokens.len() {
            return Err(refuse(
                DsFanoutErrorCode::TOKEN_COUNT,
                "one token per recipient",
            ));
        }
        // The hub of a group is the domain of its group id; a Welcome
        // names no group in the clear and is authorized by the tokens.
        let group_id = match &req.mls_message.body {
            MlsMessageBody::PublicMessage(m) => Some(&m.content.group_id),
            MlsMessageBody::PrivateMessage(m) => Some(&m.group_id),
            MlsMessageBody::Welcome(_) => None,
            _ => {
                return Err(refuse(
                    DsFanoutErrorCode::MALFORMED,
                    "only handshake, application and Welcome messages are fanned out",
                ))
            }
        };
        if let Some(g) = group_id {
            if domain_of(g).as_ref() != Some(from) {
                return Err(refuse(
                    DsFanoutErrorCode::WRONG_HUB,
                    "the sender is not the group's hub",
                ));
            }
        }
        let mut recipients = Vec::with_capacity(req.recipient_ids.len());
        for (id, token) in req.recipient_ids.iter().zip(&req.fanout_auth_tokens) {
            let client = ClientId(id.clone());
            if !self.is_native(&client) {
                return Err(refuse(
                    DsFanoutErrorCode::NOT_OUR_CLIENT,
                    "a recipient is not a client of this DS",
                ));
            }
            match self.check_fanout_token(&client, token, now) {
                Ok(true) => recipients.push(client),
                Ok(false) => {
                    return Err(refuse(
                        DsFanoutErrorCode::INVALID_TOKEN,
                        "a token is not valid for its recipient",
                    ))
                }
                Err(_) => return Err(refuse(DsFanoutErrorCode::SERVER_ERROR, "token check")),
            }
        }
        let message = req
            .mls_message
            .to_bytes()
            .map_err(|_| refuse(DsFanoutErrorCode::MALFORMED, "message"))?;
        let mut seqs = Vec::with_capacity(recipients.len());
        for c in &recipients {
            seqs.push(
                self.store
                    .enqueue(c, from, &message)
                    .map_err(|_| refuse(DsFanoutErrorCode::SERVER_ERROR, "store"))?,
            );
        }
        Ok(seqs)
    }

    /// The messages other hubs fanned out to a local client, oldest first.
    pub fn fetch_inbox(&self, client: &ClientId, limit: usize) -> Vec<InboxItem> {
        self.store.inbox(client, limit).unwrap_or_default()
    }

    /// Acknowledges a local client's inbox below `up_to`.
    pub fn ack_inbox(&self, client: &ClientId, up_to: u64) -> Result<(), super::MimiError> {
        Ok(self.store.ack_inbox(client, up_to)?)
    }
}
