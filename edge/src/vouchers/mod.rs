//! Vouchers: the HTTP routes (`api`), the create path shared by the API and the demo
//! (`create`), and the Durable Object that holds each voucher (`object`), with the
//! commands it takes.

pub mod api;
pub mod create;
mod object;

pub use object::VoucherObject;

use crate::error::ApiResult;
use crate::rpc;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use vale_shared::voucher::Voucher;
use vale_shared::{MerchantId, Money, VoucherId};
use worker::{Env, Stub};

/// What a network reported about a voucher.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reported {
    /// The shopper paid.
    Paid,
    /// The network let the code lapse.
    Expired,
}

/// A verified, parsed notification, ready to apply.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Notice {
    /// Unique per network notification: `pagoefectivo:<operationNumber>` or
    /// `efecty:<webhook-id>`. Applied at most once per voucher.
    pub notification_id: String,
    /// What happened.
    pub reported: Reported,
    /// The amount the network says moved (checked against the voucher).
    pub amount: Money,
    /// When the network says it was paid.
    #[serde(with = "time::serde::rfc3339::option")]
    pub paid_at: Option<OffsetDateTime>,
}

/// Commands a voucher object takes.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Command {
    /// Stores a new voucher (or answers the one already stored under this id).
    Create {
        /// The voucher, fully formed.
        voucher: Box<Voucher>,
    },
    /// Reads it.
    Get,
    /// `pending` → `cancelled`, else `409`.
    Cancel,
    /// `pending` → `expired` now (sandbox), else `409`.
    Expire,
    /// Sandbox only (test-mode vouchers): treat the deadline as reached and let the real
    /// alarm expire the voucher, moments later, through the runtime's alarm delivery.
    ExpireByAlarm,
    /// Applies a network's notification, at most once.
    Notify(Notice),
}

/// A command, for one merchant's voucher (`None`: the caller holds a client secret and
/// the Worker checks it against the voucher).
#[derive(Debug, Serialize, Deserialize)]
pub struct Envelope {
    /// The merchant that must own the voucher.
    pub merchant: Option<MerchantId>,
    /// What to do.
    pub command: Command,
}

/// The answer to a notification.
#[derive(Debug, Serialize, Deserialize)]
pub struct Applied {
    /// False when this notification had been applied before.
    pub changed: bool,
    /// The voucher after it.
    pub voucher: Voucher,
}

/// The voucher object for one id.
#[derive(Debug)]
pub struct VoucherClient {
    stub: Stub,
}

impl VoucherClient {
    /// The object of voucher `id`.
    pub fn of(env: &Env, id: &VoucherId) -> ApiResult<Self> {
        let stub = env
            .durable_object("VOUCHERS")?
            .id_from_name(id.as_str())?
            .get_stub()?;
        Ok(VoucherClient { stub })
    }

    /// Sends a command and reads the answer.
    pub async fn call<T: serde::de::DeserializeOwned>(
        &self,
        merchant: Option<&MerchantId>,
        command: Command,
    ) -> ApiResult<T> {
        let envelope = Envelope {
            merchant: merchant.cloned(),
            command,
        };
        rpc::call(&self.stub, &envelope).await
    }

    /// A command that answers the voucher.
    pub async fn voucher(
        &self,
        merchant: Option<&MerchantId>,
        command: Command,
    ) -> ApiResult<Voucher> {
        self.call(merchant, command).await
    }
}
