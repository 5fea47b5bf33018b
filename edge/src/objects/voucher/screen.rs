//! Risk controls on create, before a payment code exists: the counters of each signal
//! value (`counter`, one Durable Object per value), the screening of a create against the
//! merchant's rules (pure: `vale_shared::risk::evaluate`), and the record of what was
//! decided (`review`, kept in the merchant's ledger and listed by `GET /v1/reviews`).
//!
//! A create with no counted signal a rule uses touches no counter. A counted create
//! reserves its row in each counter (one atomic step per counter, so concurrent creates
//! count one after another); a blocked create, or one that fails before it is stored,
//! releases its rows. Afterwards each voucher keeps its counters' names (hashes, never
//! values) and its object tells them when it is paid, expires or is cancelled, through the
//! same retried path as its index row: a crash loses no count.

use crate::config::Merchant;
use crate::http::error::{ApiError, ApiResult, ErrorType};
use crate::objects::risk_counter::{Command, CounterClient};
use futures_util::future::join_all;
use time::OffsetDateTime;
use vale_shared::VoucherId;
use vale_shared::risk::{
    Action, Condition, Decision, Facts, Signal, Standing, Tally, counter_key, evaluate,
};
use vale_shared::voucher::NewVoucher;
use worker::Env;

/// What screening a create found.
#[derive(Debug)]
pub struct Screen {
    /// The counters the create was counted in (their names).
    pub counters: Vec<String>,
    /// What the rules decided.
    pub decision: Decision,
}

/// The counted signals of `new` that some rule of `merchant` measures.
fn used_signals(merchant: &Merchant, new: &NewVoucher) -> Vec<(Signal, String)> {
    let rules = merchant.risk_rules();
    new.risk
        .counted(&new.customer)
        .into_iter()
        .filter(|(signal, _)| {
            rules
                .iter()
                .any(|r| matches!(r.condition, Condition::Count { signal: s, .. } if s == *signal))
        })
        .collect()
}

/// Screens a create: counts it in each counter a rule needs and evaluates the merchant's
/// rules. Touches no object when no rule needs a signal the request carries.
pub async fn screen(
    env: &Env,
    server_key: &[u8],
    merchant: &Merchant,
    livemode: bool,
    voucher: &VoucherId,
    new: &NewVoucher,
    now: OffsetDateTime,
) -> ApiResult<Screen> {
    let counted = used_signals(merchant, new);
    let names: Vec<String> = counted
        .iter()
        .map(|(signal, value)| counter_key(server_key, &merchant.id, livemode, *signal, value))
        .collect();
    let reserve = Command::Reserve {
        voucher: voucher.as_str().to_owned(),
        now_ms: crate::runtime::clock::millis(now),
        amount: new.amount.minor(),
        currency: new.amount.currency(),
    };
    let answers = join_all(names.iter().map(|name| {
        let reserve = reserve.clone();
        async move { CounterClient::of(env, name)?.call::<Tally>(&reserve).await }
    }))
    .await;
    let mut tallies = Vec::with_capacity(answers.len());
    let mut failed = None;
    for ((signal, _), answer) in counted.iter().zip(answers) {
        match answer {
            Ok(tally) => tallies.push((
                *signal,
                tally.with_new(new.amount.minor(), new.amount.currency()),
            )),
            Err(e) => failed = Some(e),
        }
    }
    if let Some(e) = failed {
        release(env, &names, voucher).await;
        return Err(e);
    }
    let facts = Facts {
        network: new.network,
        currency: new.amount.currency(),
        ip_country: new.risk.ip_country,
        tallies,
    };
    Ok(Screen {
        counters: names,
        decision: evaluate(merchant.risk_rules(), &facts),
    })
}

/// Forgets `voucher` in every counter of `names` (best effort: a row left behind is one
/// count too many for at most 7 days, never one too few).
pub async fn release(env: &Env, names: &[String], voucher: &VoucherId) {
    let command = Command::Release {
        voucher: voucher.as_str().to_owned(),
    };
    let done = join_all(names.iter().map(|name| {
        let command = command.clone();
        async move {
            CounterClient::of(env, name)?
                .call::<serde_json::Value>(&command)
                .await
        }
    }))
    .await;
    if let Some(Err(e)) = done.into_iter().find(Result::is_err) {
        worker::console_error!("risk: releasing a count failed ({})", e.code);
    }
}

/// Tells every counter of a voucher where it stands now. Idempotent: the voucher's alarm
/// sends it again until it succeeds.
pub async fn sync(
    env: &Env,
    names: &[String],
    voucher: &VoucherId,
    standing: Standing,
) -> ApiResult<()> {
    let command = Command::Update {
        voucher: voucher.as_str().to_owned(),
        standing,
    };
    let done = join_all(names.iter().map(|name| {
        let command = command.clone();
        async move {
            CounterClient::of(env, name)?
                .call::<serde_json::Value>(&command)
                .await
        }
    }))
    .await;
    done.into_iter()
        .find(Result::is_err)
        .unwrap_or(Ok(serde_json::Value::Null))
        .map(|_| ())
}

/// `402 risk_blocked`: names no rule (the merchant sees which in `GET /v1/reviews`).
pub fn blocked_error() -> ApiError {
    ApiError::new(
        402,
        ErrorType::InvalidRequestError,
        "risk_blocked",
        "This voucher was not created: it was blocked by the merchant's risk rules.",
    )
}

/// Whether the decision is to block.
pub fn is_block(screen: &Screen) -> bool {
    screen.decision.action == Action::Block
}
