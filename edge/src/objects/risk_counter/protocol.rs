//! What a risk counter takes: its commands, and the client the create's screening asks it
//! through.

use crate::http::error::ApiResult;
use crate::objects::shell::{Client, Protocol};
use serde::{Deserialize, Serialize};
use vale_shared::Currency;
use vale_shared::risk::Standing;
use worker::Env;

/// Commands a counter takes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Command {
    /// Counts a new voucher (once, however often it is sent) and answers the tally of the
    /// others at `now_ms`.
    Reserve {
        /// `vch_…`.
        voucher: String,
        /// Now (Unix ms): the voucher's creation time.
        now_ms: i64,
        /// Minor units.
        amount: i64,
        /// Its currency.
        currency: Currency,
    },
    /// Forgets a voucher that was never created (blocked, or failed before it was stored).
    Release {
        /// `vch_…`.
        voucher: String,
    },
    /// Where a counted voucher stands now.
    Update {
        /// `vch_…`.
        voucher: String,
        /// Now.
        standing: Standing,
    },
}

impl Protocol for Command {
    const BINDING: &'static str = "RISK";
}

/// The counter of one signal value, by its name.
pub type CounterClient = Client<Command>;

impl CounterClient {
    /// The counter named `name` (`vale_shared::risk::counter_key`).
    pub fn of(env: &Env, name: &str) -> ApiResult<Self> {
        Client::named(env, name)
    }
}
