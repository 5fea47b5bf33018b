//! Vale's edge on Cloudflare Workers: the voucher API, the networks' notifications, the
//! sandbox, the hosted page and the demo checkout. Domain logic lives in `vale_shared`;
//! this crate is routing, storage (Durable Objects) and the wiring between them.

mod api;
mod config;
mod http;
mod jobs;
mod networks;
mod objects;
mod runtime;

pub use objects::events::Events;
pub use objects::ledger::Ledger;
pub use objects::risk_counter::RiskCounter;
pub use objects::seller_ledger::SellerLedger;
pub use objects::settlement_job::SettlementJob;
pub use objects::voucher::VoucherObject;

use worker::{Context, Env, Request, Response, Result, ScheduleContext, ScheduledEvent, event};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    Ok(http::handle(req, &env).await)
}

/// The cron trigger (every minute): wake vouchers whose alarms are overdue.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    match jobs::sweep::run(&env).await {
        Ok(0) => {}
        Ok(n) => worker::console_log!("sweep: woke {n} voucher objects"),
        Err(e) => worker::console_error!("sweep failed ({})", e.code),
    }
    if let Err(e) = jobs::payouts::run(&env).await {
        worker::console_error!("payouts failed ({})", e.code);
    }
}
