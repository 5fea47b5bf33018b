//! What a voucher object takes: the commands the Worker sends it (`Command`), who each is
//! for (`Scope`), the notices and settlement lines it is told about, what it answers, and
//! the client that sends them (`VoucherClient`).

use crate::config::Mode;
use crate::http::error::ApiResult;
use crate::objects::shell::{Client, Protocol};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use vale_shared::networks::NetworkKey;
use vale_shared::settlement::Category;
use vale_shared::voucher::Report;
use vale_shared::{MerchantId, Money, VoucherId};
use worker::Env;

/// Who a command is for. Every command names the merchant and the mode, and the object
/// refuses (`404`) a voucher of another merchant or the other mode; only the display
/// view is read for a client secret, which the Worker already verified.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "as", rename_all = "snake_case")]
pub enum Scope {
    /// A merchant's key of one mode.
    Merchant {
        /// The merchant.
        merchant: MerchantId,
        /// Test or live.
        livemode: bool,
    },
    /// The voucher's own client secret (display view only).
    Client,
    /// A refund's client secret: that refund's display view and its destination.
    Refund {
        /// The refund it opens.
        refund: vale_shared::id::RefundId,
    },
}

impl Scope {
    /// A merchant's key in `mode`.
    pub fn merchant(merchant: &MerchantId, mode: Mode) -> Self {
        Scope::Merchant {
            merchant: merchant.clone(),
            livemode: mode.livemode(),
        }
    }
}

/// What a network reported, verified and parsed, for one voucher.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Notice {
    /// The network key of the payment or expiry it reports (`efecty:<authorization>`,
    /// `pagoefectivo:cip.paid:<operationNumber>`, `pagoefectivo:cip.expired:<…>`; the
    /// same text on the wire as before it was a type). One payment is one payment however
    /// many messages report it.
    pub network_key: NetworkKey,
    /// The network's own message id, when it sends one (Efecty's `webhook-id`).
    pub message_id: Option<String>,
    /// The payment code the report is about.
    pub payment_code: String,
    /// Whether a code that is not the voucher's is kept as an unexpected payment
    /// (`code_mismatch`) rather than refused: set once the Worker knows no voucher of the
    /// merchant has that code.
    pub accept_other_code: bool,
    /// What happened.
    pub report: Reported,
    /// The raw body, for the audit trail.
    pub body: String,
    /// What reported it: `notification` (the default), `search` (the network's own
    /// record) or `settlement` (a line of a settlement file).
    #[serde(default = "notification_source")]
    pub source: String,
}

fn notification_source() -> String {
    "notification".to_owned()
}

/// [`Report`] on the wire between the Worker and the object.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reported {
    /// Paid.
    Paid {
        /// What moved.
        amount: Money,
        /// When, by the network.
        #[serde(with = "time::serde::rfc3339::option")]
        paid_at: Option<OffsetDateTime>,
    },
    /// The code lapsed at the network.
    Expired,
    /// A payment the network's own record does not confirm (live PagoEfectivo's search).
    Unconfirmed,
}

impl Reported {
    /// The report the pure core decides on; `under_another_code` when the code is not
    /// this voucher's (an orphan CIP that names it: its expiry is recorded and ignored,
    /// its payment kept as an unexpected one).
    pub fn report(self, under_another_code: bool) -> Report {
        match self {
            Reported::Paid { amount, paid_at } if under_another_code => {
                Report::PaidUnderAnotherCode { amount, paid_at }
            }
            Reported::Paid { amount, paid_at } => Report::Paid { amount, paid_at },
            Reported::Expired if under_another_code => Report::ExpiredUnderAnotherCode,
            Reported::Expired => Report::Expired,
            Reported::Unconfirmed => Report::Unconfirmed,
        }
    }
}

impl Notice {
    /// What a network's own record (a search, not a notification) says of `code`, as a
    /// notice for the same exactly-once path: a payment under its notification's network
    /// key (so the two are one payment), an expiry under a key of its own. `None` when
    /// there is nothing to apply. The audit trail's `body` is what the search said, as
    /// the edge read it (`"source": "search"`).
    pub fn from_search(code: &str, upstream: &crate::networks::rail::Upstream) -> Option<Notice> {
        use crate::networks::rail::Upstream;
        let (network_key, report, body) = match upstream {
            Upstream::Paid {
                amount,
                payment_key,
                paid_at,
            } => (
                payment_key.clone(),
                Reported::Paid {
                    amount: *amount,
                    paid_at: *paid_at,
                },
                serde_json::json!({
                    "source": "search", "cip": code, "status": "paid",
                    "amount": amount.to_decimal_string(), "currency": amount.currency().code(),
                    "payment": payment_key,
                    "paid_at": paid_at.and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok()),
                }),
            ),
            Upstream::Expired => (
                NetworkKey::SearchedExpiry(code.to_owned()),
                Reported::Expired,
                serde_json::json!({"source": "search", "cip": code, "status": "expired"}),
            ),
            Upstream::Pending | Upstream::Gone | Upstream::Unknown => return None,
        };
        Some(Notice {
            network_key,
            message_id: None,
            payment_code: code.to_owned(),
            accept_other_code: false,
            report,
            body: body.to_string(),
            source: "search".to_owned(),
        })
    }
}

/// A create, as the object receives it: the raw body (checked inside, after the
/// idempotency record), its hash, and where the hosted page lives.
#[derive(Debug, Serialize, Deserialize)]
pub struct CreateRequest {
    /// The id this object is named by (the new voucher's).
    pub id: VoucherId,
    /// The body as text (`None` when it is not UTF-8: then it is refused).
    pub body: Option<String>,
    /// SHA-256 (hex) of the raw body.
    pub request_hash: String,
    /// The edge's public origin for `hosted_url`.
    pub origin: String,
    /// The seller a platform acts for (`Vale-Account`), as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acting_for: Option<String>,
}

/// Commands a voucher object takes.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Command {
    /// Creates the voucher, or answers the response of the create that already did.
    Create(CreateRequest),
    /// Reads it (the display view for [`Scope::Client`]).
    Get,
    /// `pending` → `cancelled`, else `409`.
    Cancel,
    /// Moves a pending voucher's deadline (the raw `POST /v1/vouchers/{id}` body, checked
    /// inside against the voucher's network and clock).
    Update {
        /// The body as text (`None` when it is not UTF-8: then it is refused).
        body: Option<String>,
    },
    /// Applies a network's report.
    Notify(Notice),
    /// A restricted key closes the voucher's open risk review: approved (the payment
    /// code is shown) or rejected (the voucher is cancelled).
    Review {
        /// Approve, else reject.
        approve: bool,
    },
    /// The audit trail, oldest first.
    Notifications {
        /// Page size.
        limit: u32,
        /// The last `ntf_` id of the previous page.
        starting_after: Option<String>,
    },
    /// Sandbox: expire now, as if the time and the window had passed.
    SandboxExpire,
    /// Sandbox: let the real alarm expire it, moments from now.
    SandboxExpireByAlarm,
    /// Sandbox: move this voucher's clock ahead.
    SandboxAdvance {
        /// How far, in seconds.
        seconds: i64,
    },
    /// Do whatever is due (the cron's sweep after a restart, an alarm that was missed).
    Wake,
    /// Opens a refund of this voucher (or of one of its unexpected payments).
    CreateRefund(RefundRequest),
    /// Acts on one of this voucher's refunds.
    Refund {
        /// Which.
        id: vale_shared::id::RefundId,
        /// What to do.
        action: RefundAction,
    },
    /// A settlement file's lines about this voucher's code: each a payment the voucher
    /// holds (matched, or listed again), or evidence of a payment the notifications
    /// missed (recorded through the same exactly-once decision).
    Settle(SettleLines),
    /// The payment that paid it, for the sandbox's settlement file.
    Payment,
    /// This voucher's refunds, newest first.
    Refunds {
        /// Only this status.
        status: Option<vale_shared::refund::RefundStatus>,
    },
}

/// One file's lines about one voucher, as the object receives them: all of them in one
/// command, so identity matches are resolved for all before any pairing by amount and
/// day (`vale_shared::settlement::reconcile`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SettleLines {
    /// The settlement (`stl_…`), named in the audit trail. The same settlement sent
    /// again is answered with what it found the first time.
    pub settlement: String,
    /// The lines, in file order.
    pub lines: Vec<SettleLine>,
}

/// One settlement line about a voucher.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SettleLine {
    /// Its 1-based line in the file (never an identity).
    pub line: usize,
    /// What the file says was paid.
    pub amount: Money,
    /// When, if the file says.
    #[serde(with = "time::serde::rfc3339::option")]
    pub paid_at: Option<OffsetDateTime>,
    /// The payment's identity as the file writes it: Efecty's authorization field (six
    /// characters), PagoEfectivo's `operation_number`; `None` when blank.
    pub operation: Option<String>,
}

/// What a voucher made of its lines of one file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settled {
    /// The voucher's amount, minor units.
    pub voucher_amount: i64,
    /// One category per line.
    pub lines: Vec<SettledLine>,
}

/// The category of one line.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct SettledLine {
    /// Its 1-based line in the file.
    pub line: usize,
    /// What it turned out to be.
    pub category: Category,
}

/// The payment that paid a voucher (`Command::Payment`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PaidWith {
    /// Its code.
    pub payment_code: String,
    /// Minor units.
    pub amount: i64,
    /// Unix seconds.
    pub paid_at: i64,
    /// Its identity as the network's settlement file writes it (Efecty: the last six
    /// characters of its authorization, zero-padded; PagoEfectivo: the operation
    /// number), `None` when the edge knows none.
    pub operation: Option<String>,
}

/// A refund create, as the object receives it.
#[derive(Debug, Serialize, Deserialize)]
pub struct RefundRequest {
    /// The body as text.
    pub body: Option<String>,
    /// SHA-256 (hex) of the raw body.
    pub request_hash: String,
    /// SHA-256 (hex) of the `Idempotency-Key`, when one was sent.
    pub idempotency_key: Option<String>,
    /// The creating key's SHA-256 (hex).
    pub created_by: String,
    /// The edge's public origin for `collect_url`.
    pub origin: String,
    /// The seller a platform acts for (`Vale-Account`), checked to be its account.
    #[serde(default)]
    pub acting_for: Option<String>,
}

/// What to do with a refund.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case")]
pub enum RefundAction {
    /// Read it (its display view for [`Scope::Refund`]).
    Get,
    /// Before `processing`.
    Cancel,
    /// A restricted key approves (`by`: its SHA-256).
    Approve {
        /// The approving key.
        by: String,
    },
    /// A restricted key rejects.
    Reject {
        /// The rejecting key.
        by: String,
    },
    /// The shopper says where the money goes (the raw body).
    Destination {
        /// The body as text.
        body: Option<String>,
    },
    /// The payout arrived (or the cash was collected).
    Settle {
        /// The bank's or network's reference, if any.
        reference: Option<String>,
    },
    /// The payout failed.
    Fail {
        /// Why.
        reason: vale_shared::refund::FailureReason,
    },
    /// The rail (or the merchant for it) voided a cash pickup's withdrawal code: only now
    /// does it fail (`collection_expired`) and its amount become refundable again.
    VoidWithdrawal,
    /// The payout file's line: the destination whole (secret key only).
    PayoutLine,
}

/// A command for one voucher.
#[derive(Debug, Serialize, Deserialize)]
pub struct Envelope {
    /// Whose command it is.
    pub scope: Scope,
    /// What to do.
    pub command: Command,
}

/// What a notification did, for the network's answer.
#[derive(Debug, Serialize, Deserialize)]
pub struct Applied {
    /// Whether it was a duplicate of a report accepted before.
    pub duplicate: bool,
    /// The voucher's status after it.
    pub status: vale_shared::VoucherStatus,
}

impl Protocol for Envelope {
    const BINDING: &'static str = "VOUCHERS";
}

/// The voucher object for one id: the typed client, with the scope each command is sent
/// under.
#[derive(Debug)]
pub struct VoucherClient(Client<Envelope>);

impl VoucherClient {
    /// The object of voucher `id`.
    pub fn of(env: &Env, id: &VoucherId) -> ApiResult<Self> {
        Client::named(env, id.as_str()).map(VoucherClient)
    }

    /// Sends a command and answers the body as text (rendered JSON, passed on as-is).
    pub async fn text(&self, scope: Scope, command: Command) -> ApiResult<String> {
        self.0.text(&Envelope { scope, command }).await
    }

    /// Sends a command and reads the answer.
    pub async fn call<T: serde::de::DeserializeOwned>(
        &self,
        scope: Scope,
        command: Command,
    ) -> ApiResult<T> {
        self.0.call(&Envelope { scope, command }).await
    }
}
