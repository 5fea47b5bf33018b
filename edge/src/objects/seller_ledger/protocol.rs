//! What a seller ledger takes, and the client the account routes ask it through.

use crate::config::Mode;
use crate::http::error::ApiResult;
use crate::objects::shell::{Client, Protocol};
use serde::{Deserialize, Serialize};
use vale_shared::MerchantId;
use vale_shared::marketplace::AccountStatus;
use worker::Env;

/// A page of accounts (`GET /v1/accounts`), newest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountQuery {
    /// Only accounts in this status (a name of `AccountStatus`, checked by the route).
    pub status: Option<String>,
    /// At most this many (1–100).
    pub limit: u32,
    /// Accounts created before this one.
    pub starting_after: Option<String>,
}

impl AccountQuery {
    /// The status filter as the closed enum (an unknown name filters nothing out: the
    /// route refuses unknown names before asking).
    pub fn status(&self) -> Option<AccountStatus> {
        self.status.as_deref().and_then(|s| s.parse().ok())
    }
}

/// An `Idempotency-Key` and the body it came with, both as SHA-256 hex.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Idempotency {
    /// Of the key.
    pub key_sha256: String,
    /// Of the raw body.
    pub request_sha256: String,
}

/// Commands a seller ledger takes. Each answers the account object (or a list of them)
/// as the API shows it; a create answers `{"replayed": bool, "account": …}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Command {
    /// Stores a new account (already checked and made by the route), in its stored form.
    CreateAccount {
        /// [`vale_shared::marketplace::Account::to_stored`].
        account: serde_json::Value,
        /// The request's `Idempotency-Key`, if it sent one.
        idempotency: Option<Idempotency>,
    },
    /// Checks `body` against the account's country and applies it.
    UpdateAccount {
        /// `acct_…`.
        id: String,
        /// The request body as received.
        body: String,
    },
    /// Disables the account (again: no change).
    DisableAccount {
        /// `acct_…`.
        id: String,
    },
    /// One account.
    GetAccount {
        /// `acct_…`.
        id: String,
    },
    /// A page of accounts.
    ListAccounts(AccountQuery),
    /// Checks a new voucher's sellers and reserves its place under their limits
    /// (`{"sellers": {acct: display_name}}`, or the `400` of the first that fails).
    Reserve(super::reserve::Reservation),
    /// Releases a voucher's reservations (`forget`: its create failed, so it is no
    /// seller's voucher either).
    Release {
        /// `vch_…`.
        voucher: String,
        /// Whether the voucher never came to exist.
        forget: bool,
    },
    /// Books what a voucher's facts add (`{"decisions": n}`).
    Feed(super::book::Facts),
    /// A balance (`GET /v1/balance`).
    Balance {
        /// Whose.
        whose: super::book::Whose,
        /// The key's mode.
        livemode: bool,
        /// One entry per currency, even when zero.
        currencies: Vec<vale_shared::Currency>,
    },
    /// A page of balance transactions, newest first.
    Transactions {
        /// Whose.
        whose: super::book::Whose,
        /// At most this many.
        limit: u32,
        /// Rows after this one.
        starting_after: Option<String>,
    },
    /// A manual payout (the payout object, or `400`).
    Payout(super::payouts::Manual),
    /// Closes a payout (`404`, `409`).
    ClosePayout {
        /// `po_…`.
        id: String,
        /// Paid or failed.
        how: super::payouts::Close,
        /// The key's mode.
        livemode: bool,
    },
    /// One payout.
    GetPayout {
        /// `po_…`.
        id: String,
        /// The key's mode.
        livemode: bool,
    },
    /// The payouts made in `[from_ms, to_ms)` as payout file lines (`{"lines": […]}`).
    PayoutLines {
        /// Start of the day (ms).
        from_ms: i64,
        /// End of the day (ms, excluded).
        to_ms: i64,
    },
    /// A seller's statement (`{"csv": …}`).
    Statement {
        /// `acct_…` (checked to exist first).
        account: String,
        /// `YYYY-MM-DD`.
        from: String,
        /// `YYYY-MM-DD`.
        to: String,
    },
    /// The end-of-day run for `day` (`YYYY-MM-DD`, Lima/Bogotá), once per day.
    RunPayouts {
        /// The day that ended.
        day: String,
    },
    /// `command`, sent by [`SellerLedgerClient`] with the platform and mode the ledger
    /// is of, so the events it writes (`account.updated`, `payout.*`) can be forwarded
    /// to that merchant's events object after it.
    Scoped {
        /// The platform.
        merchant: MerchantId,
        /// The mode.
        livemode: bool,
        /// What to run.
        command: Box<Command>,
    },
    /// Which of `vouchers` have a share for `account`: `{"vouchers": [...]}` (a seller's
    /// refunds are its vouchers' refunds).
    SharedOf {
        /// `acct_…`.
        account: String,
        /// `vch_…` ids, at most a page's.
        vouchers: Vec<String>,
    },
    /// A page of one seller's vouchers, newest first: `{"ids", "has_more"}`.
    ListVouchers {
        /// `acct_…`.
        account: String,
        /// At most this many.
        limit: u32,
        /// Vouchers listed after this one.
        starting_after: Option<String>,
    },
}

impl Protocol for Command {
    const BINDING: &'static str = "SELLER_LEDGER";
}

/// The seller ledger of one platform in one mode. Every command is sent
/// [`Command::Scoped`], so the ledger knows whose events it forwards.
#[derive(Debug)]
pub struct SellerLedgerClient {
    client: Client<Command>,
    merchant: MerchantId,
    mode: Mode,
}

impl SellerLedgerClient {
    /// The seller ledger of `merchant` in `mode`.
    pub fn of(env: &Env, merchant: &MerchantId, mode: Mode) -> ApiResult<Self> {
        Ok(SellerLedgerClient {
            client: Client::named(env, &format!("{}/{}", merchant.as_str(), mode.as_str()))?,
            merchant: merchant.clone(),
            mode,
        })
    }

    fn scoped(&self, command: &Command) -> Command {
        Command::Scoped {
            merchant: self.merchant.clone(),
            livemode: self.mode.livemode(),
            command: Box::new(command.clone()),
        }
    }

    /// Sends a command and reads its answer.
    pub async fn call<T: serde::de::DeserializeOwned>(&self, command: &Command) -> ApiResult<T> {
        self.client.call(&self.scoped(command)).await
    }

    /// Sends a command and answers the body as text.
    pub async fn text(&self, command: &Command) -> ApiResult<String> {
        self.client.text(&self.scoped(command)).await
    }
}
