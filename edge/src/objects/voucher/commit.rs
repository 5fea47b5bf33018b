//! How a change is written and what follows it, named once ([`VoucherObject::commit`]):
//! the change in one transaction, then the alarm from what is stored, and the index row
//! and outbox drained by a task of their own (the alarm retries what fails).

use super::object::*;
use super::outbox::*;
use super::store::Stored;
use super::wake::*;
use crate::http::error::ApiResult;
use crate::runtime::clock;
use crate::runtime::storage;
use vale_shared::voucher::Life;
use worker::SqlStorage;

/// What a change's write runs with, inside its one transaction.
pub(super) struct Tx<'a> {
    /// The object's SQLite, inside the transaction.
    pub(super) sql: &'a SqlStorage,
    /// The server key's bytes, to sign what the change emits.
    pub(super) key: &'a [u8],
    /// When the change is recorded (Unix ms).
    pub(super) now_ms: i64,
}

impl VoucherObject {
    /// Writes one change and nothing after it: `write` runs in one SQLite transaction (all
    /// of it commits, or none) on the voucher as stored, which it brings up to date.
    /// Answers the voucher as written. [`VoucherObject::commit`] is this, then what
    /// follows a change.
    pub(super) fn write(
        &self,
        stored: Stored,
        now_ms: i64,
        write: impl FnOnce(&Tx<'_>, &mut Stored) -> ApiResult<()> + 'static,
    ) -> ApiResult<Stored> {
        let key = self.server_key()?;
        let mut next = stored;
        storage::atomically(&self.storage(), &self.shell.sql, move |sql| {
            write(
                &Tx {
                    sql,
                    key: &key,
                    now_ms,
                },
                &mut next,
            )?;
            Ok(next)
        })
    }

    /// One change: [`VoucherObject::write`], then the alarm set from storage and the
    /// index and outbox drain started ([`VoucherObject::after_write`]). Answers the
    /// voucher as written.
    pub(super) async fn commit(
        &self,
        stored: Stored,
        now_ms: i64,
        write: impl FnOnce(&Tx<'_>, &mut Stored) -> ApiResult<()> + 'static,
    ) -> ApiResult<Stored> {
        let stored = self.write(stored, now_ms, write)?;
        self.after_write(&stored).await?;
        Ok(stored)
    }

    /// Writes a new money state, then schedules and indexes it.
    pub(super) async fn change(&self, stored: Stored, life: Life) -> ApiResult<Stored> {
        let now_ms = clock::millis(clock::now());
        self.commit(stored, now_ms, move |tx, next| {
            next.record_move(tx.sql, life, tx.key, tx.now_ms)
        })
        .await
    }

    /// After a write: the alarm from what is stored, and the index row and outbox drained
    /// by a task of their own (the answer does not wait; the alarm retries what fails).
    pub(super) async fn after_write(&self, stored: &Stored) -> ApiResult<()> {
        let facts = facts(&self.shell.sql, stored)?;
        set_alarm(&self.storage(), facts.next_wake(clock::now())).await?;
        if !facts.indexed {
            let (env, storage, sql) = (self.env.clone(), self.storage(), self.shell.sql.clone());
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
