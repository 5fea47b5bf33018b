//! Events to the merchant: one SQLite-backed Durable Object per merchant and mode
//! (`EVENTS`, named `{merchant}/{mode}`) keeps the events that voucher objects forward
//! from their outboxes, and answers the events API:
//!
//! - `GET /v1/events?type=&voucher=&limit=&starting_after=` (newest first),
//!   `GET /v1/events/{id}`, `GET /v1/events/{id}/deliveries`, `POST /v1/events/{id}/retry`
//! - `/v1/webhook_endpoints`: create, list, get, delete, enable, rotate_secret
//!
//! and delivers every event to each enabled endpoint that subscribes to its type, from
//! its alarm, on the retry schedule of `vale_shared::event`.
//!
//! A voucher object writes each event into its own outbox in the same transaction as the
//! change that causes it, with an id derived from the change, then forwards it here (the
//! alarm retries until it is taken); this object keeps each id once. So one change is one
//! event, however many notifications reported it and however often it was forwarded.

use crate::config::Mode;
use crate::http::error::{ApiError, ApiResult};
use crate::objects::shell::{Client, Protocol};
use serde::{Deserialize, Serialize};
use vale_shared::event::EventType;
use vale_shared::id::WebhookEndpointId;
use vale_shared::{EventId, MerchantId};
use worker::Env;

/// An event as forwarded from an outbox.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Forwarded {
    /// `evt_…`, derived from the change.
    pub id: EventId,
    /// What happened.
    #[serde(rename = "type")]
    pub kind: EventType,
    /// When the change happened (Unix ms).
    pub created_ms: i64,
    /// The object it is about, as the API renders it (JSON).
    pub data: String,
    /// The marketplace seller it is about (`acct_…`, issue #23): its account, its
    /// payout, or a voucher (and its refunds) wholly that seller's; `None`: the
    /// merchant's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

impl Forwarded {
    /// An outbox row (the voucher's or the seller ledger's) read back as the event it
    /// keeps; an id or type that does not read is a defect of the row (`500`).
    pub fn from_row(
        event_id: &str,
        kind: &str,
        created_ms: i64,
        data: String,
        account: Option<String>,
    ) -> ApiResult<Forwarded> {
        Ok(Forwarded {
            id: event_id
                .parse()
                .map_err(|_| ApiError::internal("outbox: bad event id"))?,
            kind: kind
                .parse()
                .map_err(|_| ApiError::internal("outbox: bad event type"))?,
            created_ms,
            data,
            account,
        })
    }
}

/// Commands the events object takes.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Command {
    /// Keeps these events (each id once).
    Record {
        /// Live or test.
        livemode: bool,
        /// The events.
        events: Vec<Forwarded>,
    },
    /// A page of events, newest first.
    List {
        /// Only this type.
        kind: Option<EventType>,
        /// 1 to 100.
        limit: u32,
        /// The last id of the previous page.
        starting_after: Option<EventId>,
    },
    /// The events about one voucher (its own and its refunds'), newest first.
    AboutVoucher {
        /// `vch_…`.
        voucher: String,
        /// Only this type.
        kind: Option<EventType>,
        /// 1 to 100.
        limit: u32,
        /// The last id of the previous page.
        starting_after: Option<EventId>,
    },
    /// Where one event went: a delivery per endpoint it was meant for.
    Deliveries {
        /// Its id.
        id: EventId,
    },
    /// One event.
    Get {
        /// Its id.
        id: EventId,
    },
    /// Delivers an event again to every enabled endpoint that subscribes to its type.
    Retry {
        /// Its id.
        id: EventId,
    },
    /// Adds an endpoint.
    CreateEndpoint {
        /// Its id.
        id: WebhookEndpointId,
        /// Where to deliver (checked by the Worker).
        url: String,
        /// The types it takes; `None`: all.
        events: Option<Vec<EventType>>,
        /// Its signing secret, `whsec_…`.
        secret: String,
        /// Live or test.
        livemode: bool,
    },
    /// Every endpoint, newest first.
    ListEndpoints,
    /// One endpoint.
    GetEndpoint {
        /// Its id.
        id: WebhookEndpointId,
    },
    /// Removes an endpoint (and its pending deliveries).
    DeleteEndpoint {
        /// Its id.
        id: WebhookEndpointId,
    },
    /// Turns a disabled endpoint back on.
    EnableEndpoint {
        /// Its id.
        id: WebhookEndpointId,
    },
    /// Signs with `secret` from now on, and for 24 h with the old one too.
    RotateSecret {
        /// Its id.
        id: WebhookEndpointId,
        /// The new secret.
        secret: String,
    },
    /// Test mode only (the sandbox): moves one endpoint's time `seconds` ahead, as if
    /// that much time had passed for it: its pending deliveries fall due that much
    /// sooner and its failing streak is that much older.
    SandboxAdvanceEndpoint {
        /// Its id.
        id: WebhookEndpointId,
        /// How far.
        seconds: i64,
    },
    /// Delivers whatever is due (the cron's sweep after a restart).
    Wake,
}

impl Protocol for Command {
    const BINDING: &'static str = "EVENTS";
}

/// The events object of a merchant and mode.
pub type EventsClient = Client<Command>;

impl EventsClient {
    /// The events of `merchant` in `mode`.
    pub fn of(env: &Env, merchant: &MerchantId, mode: Mode) -> ApiResult<Self> {
        let name = format!(
            "{merchant}/{}",
            if mode.livemode() { "live" } else { "test" }
        );
        Client::named(env, &name)
    }
}
