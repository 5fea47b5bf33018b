//! The cron's sweep (every minute): wakes voucher objects whose wake-up is overdue in
//! their merchant's index. Alarms normally do this; but an alarm that fell due while the
//! runtime was down may wait until its object is touched (a workerd behaviour), and an
//! object whose index update failed is retried here too. Each woken object does only what
//! is due, so waking one too many is harmless. Each merchant's events objects are woken
//! too, for deliveries due while the runtime was down.
//!
//! Then it asks the networks that can be asked (live PagoEfectivo) about vouchers whose
//! notification may have gone missing: live vouchers still pending [`ASK_AFTER`] after
//! they were made (inside their confirmation window too), each at most once per
//! [`ASK_AFTER`], at most [`ASK_BATCH`] per merchant per sweep in one search (the rate
//! budget), least recently asked first. What the network reports takes the same
//! exactly-once path as a notification (paid: the payment's own network key; expired).
//!
//! And once a day (its first sweep), per merchant and mode, the digest: paid vouchers
//! that no settlement file has listed `settlement_grace_days` after they were paid.

use crate::config::{self, Merchant, Mode};
use crate::http::error::ApiResult;
use crate::networks::rail::{Rail, Rails};
use crate::objects::events::{self, EventsClient};
use crate::objects::ledger::{self, Asking, LedgerClient, Overdue};
use crate::objects::voucher::{Command, Notice, Scope, VoucherClient};
use crate::runtime::clock;
use futures_util::future::join_all;
use vale_shared::Network;
use worker::Env;

/// How late an alarm may be before the sweep steps in.
const GRACE_MS: i64 = 10_000;
/// At most this many vouchers per merchant per sweep.
const BATCH: u32 = 100;
/// A pending live voucher is asked about once it is this old, and again at most this
/// often: 5 minutes, or `VALE_ASK_AFTER_SECONDS` (tests make it short).
pub const ASK_AFTER: time::Duration = time::Duration::minutes(5);

fn ask_after(env: &Env) -> time::Duration {
    env.var("VALE_ASK_AFTER_SECONDS")
        .ok()
        .and_then(|v| v.to_string().parse::<u32>().ok())
        .map_or(ASK_AFTER, |s| time::Duration::seconds(i64::from(s)))
}
/// At most this many vouchers per merchant per sweep, in one search.
pub const ASK_BATCH: u32 = 50;

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
        if let Err(e) = ask(env, merchant, Network::Pagoefectivo).await {
            worker::console_error!("sweep: asking the network failed ({})", e.code);
        }
        // The daily digest: written by the first sweep of each Lima day.
        let now = clock::now();
        let day = now.to_offset(time::macros::offset!(-5)).date().to_string();
        for mode in Mode::ALL {
            let digest = ledger::Command::Digest {
                livemode: mode.livemode(),
                day: day.clone(),
                paid_before_ms: clock::millis(now - merchant.settlement_grace),
                now_ms: clock::millis(now),
            };
            if let Err(e) = LedgerClient::of(env, &merchant.id)?
                .call::<ledger::DigestRow>(&digest)
                .await
            {
                worker::console_error!("sweep: the digest failed ({})", e.code);
            }
        }
    }
    Ok(woken)
}

/// Asks `network` (when it can be asked) about `merchant`'s live vouchers that may have
/// missed a notification, and applies what it reports.
async fn ask(env: &Env, merchant: &Merchant, network: Network) -> ApiResult<()> {
    let rail = Rails::of(merchant, network, Mode::Live);
    if !rail.can_query() {
        return Ok(());
    }
    let now = clock::now();
    let every = ask_after(env);
    let asking: Asking = LedgerClient::of(env, &merchant.id)?
        .call(&ledger::Command::ToAsk {
            network,
            created_before: (now - every).unix_timestamp(),
            asked_before_ms: clock::millis(now - every),
            now_ms: clock::millis(now),
            limit: ASK_BATCH,
        })
        .await?;
    if asking.ask.is_empty() {
        return Ok(());
    }
    let codes: Vec<&str> = asking.ask.iter().map(|a| a.payment_code.as_str()).collect();
    let rows = rail.query(&codes).await?;
    let scope = Scope::merchant(&merchant.id, Mode::Live);
    let applies = asking.ask.iter().filter_map(|a| {
        let (_, upstream) = rows.iter().find(|(code, _)| *code == a.payment_code)?;
        let notice = Notice::from_search(&a.payment_code, upstream)?;
        let scope = scope.clone();
        Some(async move {
            VoucherClient::of(env, &a.id)?
                .text(scope, Command::Notify(notice))
                .await
        })
    });
    for result in join_all(applies).await {
        if let Err(e) = result {
            worker::console_error!("sweep: applying the network's report failed ({})", e.code);
        }
    }
    Ok(())
}
