//! The per-merchant index: one SQLite-backed Durable Object per merchant (`LEDGER`, named
//! by the merchant id) holding what must be looked up across vouchers:
//!
//! - idempotency records of `POST /v1/vouchers` (kept 48 h);
//! - the payment code → voucher id map, unique per network (the notification routes find
//!   vouchers through it);
//! - a copy of each voucher's listing row (reference, status, JSON), written by the
//!   voucher's own object after every change, so a filtered, paginated listing is one
//!   query here.
//!
//! The voucher object is the source of truth; rows here carry its `version` and an older
//! version never overwrites a newer one.

mod object;

pub use object::Ledger;

use crate::error::ApiResult;
use crate::rpc;
use serde::{Deserialize, Serialize};
use vale_shared::{MerchantId, Network, VoucherId};
use worker::{Env, Stub};

/// How long a create that holds an `Idempotency-Key` keeps it locked against a concurrent
/// retry (`409`); after that, a retry resumes the same voucher.
pub const IDEMPOTENCY_LOCK_MS: i64 = 30_000;
/// How long idempotency records are kept (the contract promises at least 24 h).
pub const IDEMPOTENCY_KEEP_MS: i64 = 48 * 3_600_000;

/// An idempotency key and what the request said.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdempotencyKey {
    /// The client's key.
    pub key: String,
    /// SHA-256 (hex) of the request, to tell a replay from a reuse.
    pub request_hash: String,
}

/// The voucher's row in the listing.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListingRow {
    /// `vch_…`.
    pub id: VoucherId,
    /// The voucher object's version of this row.
    pub version: i64,
    /// Live or test.
    pub livemode: bool,
    /// The network.
    pub network: Network,
    /// Its payment code.
    pub payment_code: String,
    /// The merchant's reference.
    pub reference: String,
    /// The status name.
    pub status: String,
    /// RFC 3339.
    pub created_at: String,
    /// The whole voucher as the API shows it.
    pub json: String,
}

/// A listing request, already validated.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListQuery {
    /// Live or test keys' vouchers.
    pub livemode: bool,
    /// Only this reference.
    pub reference: Option<String>,
    /// Only this status.
    pub status: Option<String>,
    /// 1 to 100.
    pub limit: u32,
    /// The cursor: the last id of the previous page.
    pub starting_after: Option<VoucherId>,
}

/// Commands the ledger takes.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Command {
    /// Starts a create: checks the idempotency key and reserves a payment code.
    Begin {
        /// Live or test.
        livemode: bool,
        /// The request's key, if it sent one.
        idempotency: Option<IdempotencyKey>,
        /// The id the new voucher will take.
        voucher_id: VoucherId,
        /// Its network.
        network: Network,
        /// Payment codes to try, in order; the first free one is taken.
        candidates: Vec<String>,
        /// The Worker's clock.
        now_ms: i64,
    },
    /// Stores the response of a finished create.
    Complete {
        /// Live or test.
        livemode: bool,
        /// The key.
        key: String,
        /// HTTP status.
        status: u16,
        /// Response body.
        body: String,
    },
    /// Unlocks a create that failed, so a retry resumes it at once.
    Release {
        /// Live or test.
        livemode: bool,
        /// The key.
        key: String,
    },
    /// Writes a voucher's listing row (if newer).
    Upsert {
        /// The row.
        row: ListingRow,
    },
    /// Finds a voucher by payment code.
    Lookup {
        /// The network.
        network: Network,
        /// The code.
        payment_code: String,
    },
    /// Lists vouchers, newest first.
    List(ListQuery),
}

/// What `Begin` decided.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Begun {
    /// Go on and create this voucher with this code (a new one, or one resumed).
    Proceed {
        /// The voucher id to create.
        voucher_id: VoucherId,
        /// The reserved payment code.
        payment_code: String,
    },
    /// The key's request already finished: answer this again.
    Replay {
        /// HTTP status.
        status: u16,
        /// Response body.
        body: String,
    },
}

/// The answer to `Lookup`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Found {
    /// The voucher with that code.
    pub voucher_id: VoucherId,
}

/// The answer to commands with nothing to say.
#[derive(Debug, Serialize, Deserialize)]
pub struct Done {
    /// Always true.
    pub ok: bool,
}

/// The ledger of one merchant.
#[derive(Debug)]
pub struct LedgerClient {
    stub: Stub,
}

impl LedgerClient {
    /// The ledger of `merchant`.
    pub fn of(env: &Env, merchant: &MerchantId) -> ApiResult<Self> {
        let stub = env
            .durable_object("LEDGER")?
            .id_from_name(merchant.as_str())?
            .get_stub()?;
        Ok(LedgerClient { stub })
    }

    /// Sends a command and reads the answer.
    pub async fn call<T: serde::de::DeserializeOwned>(&self, command: &Command) -> ApiResult<T> {
        rpc::call(&self.stub, command).await
    }

    /// Sends a command and answers the body as text.
    pub async fn call_text(&self, command: &Command) -> ApiResult<String> {
        rpc::call_text(&self.stub, command).await
    }
}
