//! What a settlement job takes: its commands, its progress, and the client the settlement
//! route sends them through.

use crate::http::error::ApiResult;
use crate::objects::shell::{Client, Protocol};
use serde::{Deserialize, Serialize};
use vale_shared::id::SettlementId;
use vale_shared::{MerchantId, Network};
use worker::Env;

/// Commands the job takes.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Command {
    /// Takes a file (already parsed and checked whole by the Worker) and runs it as far
    /// as one run goes; a file it already has is not taken again.
    Start {
        /// The settlement (the name of this object).
        id: SettlementId,
        /// Whose file.
        merchant: MerchantId,
        /// Test or live.
        livemode: bool,
        /// Whose format.
        network: Network,
        /// The file as received (UTF-8: a file that parsed is).
        file: String,
    },
}

/// The answer to `Start`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Progress {
    /// Whether this call took the file (a file sent again answers `false`).
    pub fresh: bool,
    /// The settlement object as it stands.
    pub object: serde_json::Value,
    /// Whether every line is reconciled.
    pub reconciled: bool,
}

impl Protocol for Command {
    const BINDING: &'static str = "SETTLEMENTS";
}

/// The job of one settlement.
pub type JobClient = Client<Command>;

impl JobClient {
    /// The job of settlement `id`.
    pub fn of(env: &Env, id: &SettlementId) -> ApiResult<Self> {
        Client::named(env, id.as_str())
    }
}
