//! The per-merchant index: one SQLite-backed Durable Object per merchant (`LEDGER`, named
//! by the merchant id) holding what must be looked up across vouchers, and nothing else:
//!
//! - the payment code → voucher id map, unique per (mode, network): a create claims its
//!   code here, the notification routes find vouchers through it;
//! - each voucher's listing row (mode, reference, status, creation time), so a filtered,
//!   paginated listing is one query here;
//! - each voucher's next wake-up, so the cron's sweep can wake objects whose alarms a
//!   restart held back.
//! - each refund's listing row, and each refund `Idempotency-Key`'s voucher: a key is the
//!   merchant's, in one mode, whichever voucher it names (the refund itself, and the
//!   answer replayed, live in that voucher's object).
//!
//! No PII and no client secret: the rows carry ids, codes, references and statuses. The
//! voucher object is the source of truth; rows carry its `version`, an older version never
//! overwrites a newer one, and a lagging row is repaired by the object's alarm.

use crate::http::error::ApiResult;
use crate::objects::shell::{Client, Protocol};
use serde::{Deserialize, Serialize};
use vale_shared::id::RefundId;
use vale_shared::{MerchantId, Network, VoucherId};
use worker::Env;

/// A voucher's row in the index.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IndexRow {
    /// `vch_…`.
    pub id: VoucherId,
    /// The voucher object's version of this row.
    pub version: i64,
    /// The status name.
    pub status: String,
    /// When the object next needs to run (runtime clock, Unix ms).
    pub wake_at_ms: i64,
    /// When it was paid (the network's time, Unix ms): settlements are matched by day.
    #[serde(default)]
    pub paid_ms: Option<i64>,
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
    /// Only vouchers created at or after this Unix second (`created[gte]`).
    #[serde(default)]
    pub created_gte: Option<i64>,
    /// Only vouchers created at or before this Unix second (`created[lte]`).
    #[serde(default)]
    pub created_lte: Option<i64>,
}

/// Commands the ledger takes.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Command {
    /// Takes the first free payment code among `candidates` for a new voucher and writes
    /// its row; a voucher that claimed before gets its own code back.
    Claim {
        /// Live or test.
        livemode: bool,
        /// Its network.
        network: Network,
        /// Codes to try, in order.
        candidates: Vec<String>,
        /// The merchant's reference.
        reference: String,
        /// Unix seconds.
        created_at: i64,
        /// Its first row.
        row: IndexRow,
    },
    /// Writes a voucher's row, if newer (or the same version with a new wake-up), and
    /// with it its refunds' rows.
    Update {
        /// The row.
        row: IndexRow,
        /// The voucher's refunds, as of that version.
        #[serde(default)]
        refunds: Vec<RefundRow>,
    },
    /// The vouchers holding these payment codes.
    LookupMany {
        /// Live or test.
        livemode: bool,
        /// The network.
        network: Network,
        /// The codes (at most a settlement file's).
        codes: Vec<String>,
    },
    /// Vouchers of `network` paid in `[from_ms, to_ms)` (the network's time), oldest first.
    PaidIn {
        /// Live or test.
        livemode: bool,
        /// The network.
        network: Network,
        /// Unix ms.
        from_ms: i64,
        /// Unix ms.
        to_ms: i64,
    },
    /// These vouchers appeared in a settlement file.
    MarkSettled {
        /// The vouchers.
        ids: Vec<VoucherId>,
    },
    /// Paid vouchers that no settlement listed, paid before `paid_before_ms`.
    Unsettled {
        /// Live or test.
        livemode: bool,
        /// Unix ms.
        paid_before_ms: i64,
        /// At most this many.
        limit: u32,
    },
    /// The daily digest of `day` (`YYYY-MM-DD`, Lima): written once, the first time it is
    /// asked for that day, with the paid vouchers no settlement listed that were paid
    /// before `paid_before_ms`; answers the digest (new or already written).
    Digest {
        /// Live or test.
        livemode: bool,
        /// The day.
        day: String,
        /// Unix ms.
        paid_before_ms: i64,
        /// Unix ms (when it is written).
        now_ms: i64,
    },
    /// The newest digest.
    LatestDigest {
        /// Live or test.
        livemode: bool,
    },
    /// Refunds, newest first.
    ListRefunds {
        /// Live or test.
        livemode: bool,
        /// Only this status.
        status: Option<String>,
        /// 1 to 100.
        limit: u32,
        /// The last id of the previous page.
        starting_after: Option<RefundId>,
    },
    /// A page of the refunds whose payout was prepared in `[from_ms, to_ms)`, oldest first
    /// (by the time it was prepared, then by when the index learnt of it).
    RefundsPrepared {
        /// Live or test.
        livemode: bool,
        /// Unix ms.
        from_ms: i64,
        /// Unix ms.
        to_ms: i64,
        /// At most this many.
        #[serde(default = "payout_page")]
        limit: u32,
        /// The last refund of the previous page.
        #[serde(default)]
        starting_after: Option<RefundId>,
    },
    /// Takes a refund `Idempotency-Key` (already hashed with the merchant and mode) for
    /// `voucher`, or answers the voucher it already belongs to.
    ClaimRefundKey {
        /// Live or test.
        livemode: bool,
        /// SHA-256 (hex) of the merchant, the mode and the key.
        key_hash: String,
        /// The voucher the create names.
        voucher: VoucherId,
    },
    /// Gives back a key claimed by a create that was refused (nothing was stored with it).
    ReleaseRefundKey {
        /// The key's hash.
        key_hash: String,
        /// The voucher it was claimed for (a key another create holds is left alone).
        voucher: VoucherId,
    },
    /// Forgets a voucher (its retention ended), its refunds' rows and their keys.
    Remove {
        /// The voucher.
        id: VoucherId,
    },
    /// Finds a voucher by payment code.
    Lookup {
        /// Live or test.
        livemode: bool,
        /// The network.
        network: Network,
        /// The code.
        payment_code: String,
    },
    /// Lists vouchers, newest first.
    List(ListQuery),
    /// Live vouchers of `network` still pending, made before `created_before`, not asked
    /// about since `asked_before_ms`: the least recently asked first, each marked asked
    /// at `now_ms` (the sweep's question to the network).
    ToAsk {
        /// The network.
        network: Network,
        /// Unix seconds.
        created_before: i64,
        /// Unix ms.
        asked_before_ms: i64,
        /// Unix ms.
        now_ms: i64,
        /// At most this many.
        limit: u32,
    },
    /// Vouchers whose wake-up is at or before `now_ms`.
    Overdue {
        /// The runtime clock, Unix ms.
        now_ms: i64,
        /// At most this many.
        limit: u32,
    },
    /// Writes (or rewrites) a risk review, as rendered.
    PutReview {
        /// Live or test.
        livemode: bool,
        /// `rev_…`.
        id: String,
        /// Its status name.
        status: String,
        /// When it was opened, Unix ms.
        created_ms: i64,
        /// The review's JSON.
        body: String,
    },
    /// A page of reviews, newest first.
    ListReviews {
        /// Live or test.
        livemode: bool,
        /// Only this status.
        status: Option<String>,
        /// 1 to 100.
        limit: u32,
        /// The last id of the previous page.
        starting_after: Option<String>,
    },
    /// One review (an empty page when there is none of this mode).
    GetReview {
        /// Live or test.
        livemode: bool,
        /// `rev_…`.
        id: String,
    },
}

/// The answer to `ListReviews` and `GetReview`: reviews' JSON, newest first.
#[derive(Debug, Serialize, Deserialize)]
pub struct ReviewPage {
    /// Each review's JSON.
    pub bodies: Vec<String>,
    /// Whether more follow.
    pub has_more: bool,
}

/// The answer to `Claim`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claimed {
    /// The code the voucher holds.
    pub payment_code: String,
}

/// The answer to `Lookup`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Found {
    /// The voucher with that code.
    pub voucher_id: VoucherId,
}

/// A voucher whose wake-up is due, from `Overdue`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Due {
    /// The voucher.
    pub id: VoucherId,
    /// Its mode.
    pub livemode: bool,
}

/// The answer to `Overdue`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Overdue {
    /// The vouchers, most overdue first.
    pub due: Vec<Due>,
}

/// A voucher to ask its network about, from `ToAsk`.
#[derive(Debug, Serialize, Deserialize)]
pub struct ToAsk {
    /// The voucher.
    pub id: VoucherId,
    /// Its code.
    pub payment_code: String,
}

/// The answer to `ToAsk`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Asking {
    /// The vouchers, least recently asked first.
    pub ask: Vec<ToAsk>,
}

/// A voucher and its code, from `LookupMany`, `PaidIn` and `Unsettled`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Coded {
    /// The voucher.
    pub id: VoucherId,
    /// Its payment code.
    pub payment_code: String,
    /// Its network.
    pub network: String,
}

/// The answer to `LookupMany`, `PaidIn` and `Unsettled`.
#[derive(Debug, Serialize, Deserialize)]
pub struct CodedList {
    /// The vouchers.
    pub vouchers: Vec<Coded>,
}

/// The answer to `Digest` and `LatestDigest`.
#[derive(Debug, Serialize, Deserialize)]
pub struct DigestRow {
    /// The day, `YYYY-MM-DD` (Lima), or empty when there is none yet.
    pub day: String,
    /// The vouchers flagged (at most 1,000).
    pub unsettled: Vec<Coded>,
    /// When it was written, Unix ms.
    pub created_ms: i64,
}

/// A refund's row in the index (ids and states, nothing of the shopper).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefundRow {
    /// `re_…`.
    pub id: RefundId,
    /// Its status name.
    pub status: String,
    /// Unix ms.
    pub created_ms: i64,
    /// When its payout was prepared, Unix ms.
    pub processing_ms: Option<i64>,
}

/// The answer to `ListRefunds` and `RefundsPrepared`.
#[derive(Debug, Serialize, Deserialize)]
pub struct RefundIds {
    /// In order.
    pub ids: Vec<RefundId>,
    /// Whether more follow.
    pub has_more: bool,
}

/// The answer to `List`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Ids {
    /// Voucher ids, in order.
    pub ids: Vec<VoucherId>,
    /// Whether more follow.
    pub has_more: bool,
}

/// The answer to `ClaimRefundKey`.
#[derive(Debug, Serialize, Deserialize)]
pub struct KeyHome {
    /// The voucher the key belongs to (the one asked for, unless another holds it).
    pub voucher: VoucherId,
    /// Whether this claim took it (so a refused create gives it back).
    pub fresh: bool,
}

/// The payout file's page size unless asked: each line is a call to its voucher's object.
pub const PAYOUT_PAGE: u32 = 500;
/// The largest payout file page: its lines, the ledger and the rate limiter stay inside the
/// 1,000 subrequests a Worker request had on the paid plan (10,000 in today's docs).
pub const PAYOUT_PAGE_MAX: u32 = 900;

fn payout_page() -> u32 {
    PAYOUT_PAGE
}

/// The answer to commands with nothing to say.
#[derive(Debug, Serialize, Deserialize)]
pub struct Done {
    /// Always true.
    pub ok: bool,
}

impl Protocol for Command {
    const BINDING: &'static str = "LEDGER";
}

/// The ledger of one merchant.
pub type LedgerClient = Client<Command>;

impl LedgerClient {
    /// The ledger of `merchant`.
    pub fn of(env: &Env, merchant: &MerchantId) -> ApiResult<Self> {
        Client::named(env, merchant.as_str())
    }
}
