//! The end-of-day seller payouts (issue #23): every cron run asks each marketplace
//! platform's seller ledger, in each mode, to run the payouts of the Lima/Bogotá day that
//! ended; the ledger runs each day once (`objects::seller_ledger::payouts::run`), so
//! the first run after midnight makes them and every later one is a no-op.

use crate::config::{self, Mode};
use crate::http::error::ApiResult;
use crate::objects::seller_ledger::{Command, SellerLedgerClient};
use crate::runtime::clock;

/// Runs yesterday's payouts for every platform; answers how many ledgers were asked.
pub async fn run(env: &worker::Env) -> ApiResult<usize> {
    let config = config::load(env)?;
    let today = clock::now().to_offset(time::macros::offset!(-5)).date();
    let Some(day) = today.previous_day() else {
        return Ok(0);
    };
    let mut asked = 0;
    for merchant in config.merchants.iter().filter(|m| m.platform) {
        for mode in Mode::ALL {
            let ran = SellerLedgerClient::of(env, &merchant.id, mode)?
                .text(&Command::RunPayouts {
                    day: day.to_string(),
                })
                .await;
            match ran {
                Ok(_) => asked += 1,
                Err(e) => worker::console_error!("payouts: the run failed ({})", e.code),
            }
        }
    }
    Ok(asked)
}
