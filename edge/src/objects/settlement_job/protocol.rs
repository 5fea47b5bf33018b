//! What a settlement job takes: its commands, its progress, and the client the settlement
//! route sends them through.

use crate::http::error::ApiResult;
use crate::runtime::rpc;
use serde::{Deserialize, Serialize};
use vale_shared::id::SettlementId;
use vale_shared::{MerchantId, Network};
use worker::{Env, Stub};

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

/// The job of settlement `id`.
#[derive(Debug)]
pub struct JobClient {
    stub: Stub,
}

impl JobClient {
    /// The job object named by the settlement's id.
    pub fn of(env: &Env, id: &SettlementId) -> ApiResult<Self> {
        let stub = env
            .durable_object("SETTLEMENTS")?
            .id_from_name(id.as_str())?
            .get_stub()?;
        Ok(JobClient { stub })
    }

    /// Sends a command and reads the answer.
    pub async fn call<T: serde::de::DeserializeOwned>(&self, command: &Command) -> ApiResult<T> {
        rpc::call(&self.stub, command).await
    }
}
