//! The cron's sweep (every minute): wakes voucher objects whose wake-up is overdue in
//! their merchant's index. Alarms normally do this; but an alarm that fell due while the
//! runtime was down may wait until its object is touched (a workerd behaviour), and an
//! object whose index update failed is retried here too. Each woken object does only what
//! is due, so waking one too many is harmless. Each merchant's events objects are woken
//! too, for deliveries due while the runtime was down.

use crate::clock;
use crate::config::{self, Mode};
use crate::error::ApiResult;
use crate::events::{self, EventsClient};
use crate::ledger::{self, LedgerClient, Overdue};
use crate::vouchers::{Command, Scope, VoucherClient};
use futures_util::future::join_all;
use worker::Env;

/// How late an alarm may be before the sweep steps in.
const GRACE_MS: i64 = 10_000;
/// At most this many vouchers per merchant per sweep.
const BATCH: u32 = 100;

/// Wakes every overdue voucher of every configured merchant; answers how many.
pub async fn run(env: &Env) -> ApiResult<usize> {
    let config = config::load(env)?;
    let now_ms = clock::millis(clock::now());
    let mut woken = 0;
    for merchant in &config.merchants {
        // Deliveries that fell due while the runtime was down.
        for mode in Mode::ALL {
            if let Err(e) = EventsClient::of(env, &merchant.id, mode)?
                .text(&events::Command::Wake)
                .await
            {
                worker::console_error!("sweep: events wake failed ({})", e.code);
            }
        }
        let overdue: Overdue = LedgerClient::of(env, &merchant.id)?
            .call(&ledger::Command::Overdue {
                now_ms: now_ms - GRACE_MS,
                limit: BATCH,
            })
            .await?;
        let wakes = overdue.due.iter().map(|due| async move {
            let scope = Scope::Merchant {
                merchant: merchant.id.clone(),
                livemode: due.livemode,
            };
            match VoucherClient::of(env, &due.id)?
                .text(scope, Command::Wake)
                .await
            {
                // A code claimed by a create that never stored its voucher: forget it.
                Err(e) if e.status == 404 => {
                    let remove = ledger::Command::Remove { id: due.id.clone() };
                    LedgerClient::of(env, &merchant.id)?
                        .call::<ledger::Done>(&remove)
                        .await
                        .map(|_| String::new())
                }
                other => other,
            }
        });
        for result in join_all(wakes).await {
            match result {
                Ok(_) => woken += 1,
                Err(e) => worker::console_error!("sweep: wake failed ({})", e.code),
            }
        }
    }
    Ok(woken)
}
