//! The network seam: what differs per network and mode, behind one trait ([`Rail`]).
//!
//! - **Simulator** (test mode, both networks): codes are made here from random bytes
//!   and paid by the sandbox's signed notifications; there is nothing upstream to ask.
//! - **Efecty recaudo** (live Efecty): the reference is the biller's own, issued here
//!   under the merchant's GLN and convenio (that is how "recaudo" works: Efecty learns a
//!   reference when it is paid), so issuing is local; Efecty has no API to query or
//!   withdraw one, and its notifications are the only report.
//! - **PagoEfectivo REST v1** (live PagoEfectivo, [`pagoefectivo`]): a CIP exists only
//!   once PagoEfectivo issued it; a cancel deletes it there first, and a moved deadline
//!   is moved there first (`PATCH /v1/cips/{cip}`); a payment is confirmed
//!   with a search before it counts; the cron's sweep and the voucher's own expiry ask
//!   about CIPs whose notification may have gone missing. A CIP issued for a create that
//!   then failed (its answer came after the deadline, or the create stopped after it) is
//!   an orphan: [`NotIssued::late`] hands it to the voucher object, which deletes it
//!   upstream (`DELETE /v1/cips/{cip}`, retried by its alarm until done).
//!
//! Notifications are verified per network in [`crate::api::notifications`] (the mode only
//! picks the secret); what a verified live notification needs from the network (a
//! confirming search) goes through [`Rail::query`].

use crate::config::{Merchant, Mode};
use crate::http::error::{ApiError, ApiResult};
use crate::networks::pagoefectivo::rest as pagoefectivo;
use crate::runtime::random;
use time::OffsetDateTime;
use vale_shared::networks::NetworkKey;
use vale_shared::pagoefectivo::rest::CipOrder;
use vale_shared::voucher::Customer;
use vale_shared::{Money, Network};

/// How many codes a local rail offers the index; with random codes one is nearly
/// always free.
const CANDIDATES: usize = 3;

/// What a new voucher asks its network for.
#[derive(Debug, Clone, Copy)]
pub struct Order<'a> {
    /// The voucher id (PagoEfectivo's `transactionCode`).
    pub voucher_id: &'a str,
    /// The amount, exactly.
    pub amount: Money,
    /// The deadline.
    pub expires_at: OffsetDateTime,
    /// What the shopper pays for ("Tienda Local · Pedido 1001").
    pub concept: &'a str,
    /// The shopper.
    pub customer: &'a Customer,
}

/// A payment code the network issued (or will take).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    /// The codes to claim in the merchant's index, first free one wins: several when
    /// made here, exactly one when the network issued it.
    pub candidates: Vec<String>,
    /// The network's own page for the code (PagoEfectivo's `cipUrl`).
    pub network_url: Option<String>,
}

/// A create the network did not issue a code for, as far as the caller knows: the error
/// to answer, and (live PagoEfectivo, when its answer did not come in time) the CIP it
/// may still issue, to be deleted.
pub struct NotIssued {
    /// What the create answers.
    pub error: ApiError,
    /// The CIP of an answer that comes late, if it comes.
    pub late: Option<pagoefectivo::Late>,
}

impl std::fmt::Debug for NotIssued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotIssued")
            .field("error", &self.error)
            .field("late", &self.late.is_some())
            .finish()
    }
}

impl From<ApiError> for NotIssued {
    fn from(error: ApiError) -> NotIssued {
        NotIssued { error, late: None }
    }
}

/// What the network says of a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upstream {
    /// Not paid yet.
    Pending,
    /// Paid.
    Paid {
        /// What moved.
        amount: Money,
        /// The payment's network key, the same a notification of it carries
        /// (`pagoefectivo:cip.paid:<operationNumber>`), so it is one payment either way.
        payment_key: NetworkKey,
        /// When, by the network.
        paid_at: Option<OffsetDateTime>,
    },
    /// Lapsed unpaid.
    Expired,
    /// Withdrawn (deleted).
    Gone,
    /// The network does not know it, or says something this edge cannot read.
    Unknown,
}

/// The result of withdrawing a code before a cancel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Withdrawn {
    /// It can no longer be paid (or never could be paid anywhere but here).
    Done,
    /// The network refused because the shopper already paid.
    AlreadyPaid(Upstream),
}

/// What differs per network and mode.
#[allow(async_fn_in_trait)] // Used through [`Rails`], never as `dyn`, on one thread.
pub trait Rail {
    /// The payment code for a voucher about to be stored.
    async fn issue(&self, order: &Order<'_>) -> Result<Issued, NotIssued>;
    /// Makes `code` unpayable upstream before a cancel.
    async fn withdraw(&self, code: &str) -> ApiResult<Withdrawn>;
    /// Moves `code`'s deadline upstream to `expires_at` before the voucher's own moves
    /// (nothing to do where the code lives only here).
    async fn reschedule(&self, code: &str, expires_at: OffsetDateTime) -> ApiResult<()>;
    /// What the network says of each of `codes` (empty when it cannot be asked).
    async fn query(&self, codes: &[&str]) -> ApiResult<Vec<(String, Upstream)>>;
    /// Whether [`Rail::query`] asks anyone: only then do the sweep and the expiry ask.
    fn can_query(&self) -> bool;
}

/// Codes made here: the simulator and Efecty recaudo.
#[derive(Debug, Clone, Copy)]
pub struct Local(Network);

impl Rail for Local {
    async fn issue(&self, _order: &Order<'_>) -> Result<Issued, NotIssued> {
        let mut candidates = Vec::with_capacity(CANDIDATES);
        for _ in 0..CANDIDATES {
            candidates.push(self.0.payment_code(random::bytes()?).into_string());
        }
        Ok(Issued {
            candidates,
            network_url: None,
        })
    }

    async fn withdraw(&self, _code: &str) -> ApiResult<Withdrawn> {
        Ok(Withdrawn::Done)
    }

    async fn reschedule(&self, _code: &str, _expires_at: OffsetDateTime) -> ApiResult<()> {
        Ok(())
    }

    async fn query(&self, _codes: &[&str]) -> ApiResult<Vec<(String, Upstream)>> {
        Ok(Vec::new())
    }

    fn can_query(&self) -> bool {
        false
    }
}

impl Rail for pagoefectivo::Client {
    async fn issue(&self, order: &Order<'_>) -> Result<Issued, NotIssued> {
        let cip = pagoefectivo::Client::issue(
            self,
            &CipOrder {
                amount: order.amount,
                transaction_code: order.voucher_id,
                expires_at: order.expires_at,
                concept: order.concept,
                customer: order.customer,
            },
        )
        .await
        .map_err(|(error, late)| NotIssued { error, late })?;
        Ok(Issued {
            candidates: vec![cip.cip],
            network_url: cip.url,
        })
    }

    async fn withdraw(&self, code: &str) -> ApiResult<Withdrawn> {
        if self.delete(code).await? {
            return Ok(Withdrawn::Done);
        }
        // Refused: ask why. Paid is the one answer that changes what the cancel does.
        let state = self
            .search(&[code])
            .await?
            .into_iter()
            .find(|(cip, _)| cip == code)
            .map(|(_, state)| state);
        match state {
            Some(paid @ Upstream::Paid { .. }) => Ok(Withdrawn::AlreadyPaid(paid)),
            Some(Upstream::Expired | Upstream::Gone) => Ok(Withdrawn::Done),
            _ => Err(pagoefectivo::network_error()),
        }
    }

    async fn reschedule(&self, code: &str, expires_at: OffsetDateTime) -> ApiResult<()> {
        self.move_expiry(code, expires_at).await
    }

    async fn query(&self, codes: &[&str]) -> ApiResult<Vec<(String, Upstream)>> {
        self.search(codes).await
    }

    fn can_query(&self) -> bool {
        true
    }
}

/// The rail of one merchant, network and mode.
#[derive(Debug, Clone)]
pub enum Rails {
    /// Codes made here.
    Local(Local),
    /// Live PagoEfectivo.
    Pagoefectivo(pagoefectivo::Client),
    /// Live PagoEfectivo without its API configured: it cannot issue anything.
    Unconfigured,
}

impl Rails {
    /// The rail for `merchant`'s `network` in `mode`.
    pub fn of(merchant: &Merchant, network: Network, mode: Mode) -> Rails {
        match (network, mode) {
            (Network::Pagoefectivo, Mode::Live) => {
                let secrets = merchant.secrets(mode);
                match (&secrets.pagoefectivo_api, &secrets.pagoefectivo) {
                    (Some(api), Some(secret)) => Rails::Pagoefectivo(pagoefectivo::Client::new(
                        merchant.id.as_str(),
                        api,
                        secret,
                    )),
                    _ => Rails::Unconfigured,
                }
            }
            (network, _) => Rails::Local(Local(network)),
        }
    }
}

fn unconfigured() -> ApiError {
    ApiError::invalid(
        "network",
        "network_not_configured",
        "This merchant's live PagoEfectivo API is not configured (live.pagoefectivo_api).",
    )
}

impl Rail for Rails {
    async fn issue(&self, order: &Order<'_>) -> Result<Issued, NotIssued> {
        match self {
            Rails::Local(r) => r.issue(order).await,
            Rails::Pagoefectivo(r) => Rail::issue(r, order).await,
            Rails::Unconfigured => Err(unconfigured().into()),
        }
    }

    async fn withdraw(&self, code: &str) -> ApiResult<Withdrawn> {
        match self {
            Rails::Local(r) => r.withdraw(code).await,
            Rails::Pagoefectivo(r) => r.withdraw(code).await,
            Rails::Unconfigured => Err(unconfigured()),
        }
    }

    async fn reschedule(&self, code: &str, expires_at: OffsetDateTime) -> ApiResult<()> {
        match self {
            Rails::Local(r) => r.reschedule(code, expires_at).await,
            Rails::Pagoefectivo(r) => Rail::reschedule(r, code, expires_at).await,
            Rails::Unconfigured => Err(unconfigured()),
        }
    }

    async fn query(&self, codes: &[&str]) -> ApiResult<Vec<(String, Upstream)>> {
        match self {
            Rails::Local(r) => r.query(codes).await,
            Rails::Pagoefectivo(r) => r.query(codes).await,
            Rails::Unconfigured => Ok(Vec::new()),
        }
    }

    fn can_query(&self) -> bool {
        matches!(self, Rails::Pagoefectivo(_))
    }
}
