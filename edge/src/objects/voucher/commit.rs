//! How a change is written and what follows it: the new money state in one transaction,
//! then the alarm from what is stored, and the index row and outbox drained by a task of
//! their own (the alarm retries what fails).

use super::object::*;
use super::outbox::*;
use super::store::Stored;
use super::wake::*;
use crate::http::error::ApiResult;
use crate::runtime::clock;
use crate::runtime::storage;
use vale_shared::voucher::Life;

impl VoucherObject {
    /// Writes a new money state, then schedules and indexes it.
    pub(super) async fn change(&self, stored: Stored, life: Life) -> ApiResult<Stored> {
        let mut next = stored;
        let key = self.server_key()?;
        let now_ms = clock::millis(clock::now());
        let stored = storage::atomically(&self.storage(), &self.sql, move |sql| {
            next.record_move(sql, life, &key, now_ms)?;
            Ok(next)
        })?;
        self.after_write(&stored).await?;
        Ok(stored)
    }

    /// After a write: the alarm from what is stored, and the index row and outbox drained
    /// by a task of their own (the answer does not wait; the alarm retries what fails).
    pub(super) async fn after_write(&self, stored: &Stored) -> ApiResult<()> {
        let facts = facts(&self.sql, stored)?;
        set_alarm(&self.storage(), facts.next_wake(clock::now())).await?;
        if !facts.indexed {
            let (env, storage, sql) = (self.env.clone(), self.storage(), self.sql.clone());
            worker::wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = sync_index(&env, &storage, &sql).await {
                    worker::console_error!(
                        "index or outbox drain failed ({}); the alarm retries",
                        e.code
                    );
                }
            });
        }
        Ok(())
    }
}
