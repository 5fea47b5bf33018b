//! Vale's edge on Cloudflare Workers: the voucher API, the networks' notifications, the
//! sandbox, the hosted page and the demo checkout. Domain logic lives in `vale_shared`;
//! this crate is routing, storage (Durable Objects) and the wiring between them.

mod auth;
mod body;
mod clock;
mod codes;
mod config;
mod demo;
mod error;
mod events;
mod hosted;
mod ledger;
mod limits;
mod notifications;
mod places;
mod rail;
mod random;
mod refunds;
mod risk;
mod routes;
mod rpc;
mod sandbox;
mod settlements;
mod storage;
mod sweep;
mod vouchers;

pub use events::Events;
pub use ledger::Ledger;
pub use risk::RiskCounter;
pub use settlements::SettlementJob;
pub use vouchers::VoucherObject;

use worker::{Context, Env, Request, Response, Result, ScheduleContext, ScheduledEvent, event};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    Ok(routes::handle(req, &env).await)
}

/// The cron trigger (every minute): wake vouchers whose alarms are overdue.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    match sweep::run(&env).await {
        Ok(0) => {}
        Ok(n) => worker::console_log!("sweep: woke {n} voucher objects"),
        Err(e) => worker::console_error!("sweep failed ({})", e.code),
    }
}
