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
mod hosted;
mod ledger;
mod notifications;
mod random;
mod routes;
mod rpc;
mod sandbox;
mod vouchers;

pub use ledger::Ledger;
pub use vouchers::VoucherObject;

use worker::{Context, Env, Request, Response, Result, event};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    Ok(routes::handle(req, &env).await)
}
