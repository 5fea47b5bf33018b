//! `POST /v1/checkouts` (issue #23): a marketplace platform's cart of several sellers,
//! issued as one voucher for the whole cart or, with `split_vouchers: true`, as one
//! voucher per seller (each under the agent points' caps, each seller's stock released on
//! its own voucher's expiry). The cut is `vale_shared::marketplace::checkout`'s.
//!
//! **All or nothing, by an idempotent plan.** Every voucher of a checkout has an id
//! derived from the checkout's key (its `Idempotency-Key`, else a random one) and its
//! place in the plan, and a request hash of the checkout's raw body and that place:
//! - the body's own fields are checked once, before any voucher exists; each planned
//!   voucher's amount against the network's limits too (`splits[i].amount`);
//! - the vouchers are made in order; one refused (a `4xx`: a seller not enabled, over
//!   its limits, a risk block) **undoes** the checkout: the vouchers it already made
//!   are cancelled (shown to no shopper, their stock and places released), and the
//!   refusal names the seller's field (`splits[i].…`);
//! - one that fails otherwise (a `5xx`) with an `Idempotency-Key` leaves those made
//!   pending: the retry with the same key and body answers them again and makes the rest
//!   (without a key, nobody can retry it, so it is undone as a refusal is);
//! - a retry with the same key and body of a whole checkout answers the same vouchers;
//!   another body is `422 idempotency_key_reused`; a retry of a checkout that was undone
//!   is `409 checkout_undone` (use a new key), and undoes what it made itself.

use crate::api::accounts::not_a_platform;
use crate::api::create_voucher::idempotency_key;
use crate::config::{Config, Merchant};
use crate::http::auth::{self, Access};
use crate::http::body;
use crate::http::error::{ApiError, ApiResult, ErrorType, json_response};
use crate::objects::voucher::{Command, CreateRequest, Scope, VoucherClient};
use crate::runtime::{clock, random};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use vale_shared::VoucherId;
use vale_shared::marketplace::checkout::{VoucherPlan, plan_checkout};
use vale_shared::marketplace::split::Taken;
use vale_shared::network::Limits;
use vale_shared::voucher::NewVoucher;
use worker::{Env, Request, Response};

/// `POST /v1/checkouts` (a platform's secret key, optional `Idempotency-Key`).
pub async fn create(mut req: Request, env: &Env, config: &Config) -> ApiResult<Response> {
    let access = auth::secret(&req, config)?;
    if !access.merchant.platform {
        return Err(not_a_platform());
    }
    let key = idempotency_key(req.headers().get("idempotency-key").ok().flatten())?;
    let raw = body::read(&mut req).await?;
    let origin = crate::api::vouchers::origin(&req, env)?;
    let checkout = Checkout::plan(env, &access, &raw)?;
    let keyed = key.is_some();
    let key = match key {
        Some(key) => key,
        None => hex::encode(random::bytes::<16>()?),
    };
    let made = checkout
        .make(env, config, &access, &raw, &key, keyed, &origin)
        .await?;
    let resp = json_response(201, made.answer.to_string());
    if made.all_replayed {
        resp.headers().set("idempotent-replayed", "true")?;
    }
    Ok(resp)
}

/// A checkout's body, checked, and the vouchers it makes.
struct Checkout {
    /// The body without the marketplace fields, as an object.
    rest: Map<String, Value>,
    split_vouchers: bool,
    plans: Vec<VoucherPlan>,
    new: NewVoucher,
}

/// What the vouchers made answered.
struct Made {
    answer: Value,
    all_replayed: bool,
}

/// The shortest `expires_at` ahead, as the voucher object reads it.
fn min_lifetime(env: &Env) -> time::Duration {
    env.var("VALE_MIN_LIFETIME_SECONDS")
        .ok()
        .and_then(|v| v.to_string().parse::<u16>().ok())
        .map_or(vale_shared::expiry::MIN_LIFETIME, |s| {
            time::Duration::seconds(i64::from(s))
        })
}

/// Cut per seller, the cart as a whole may be above one voucher's limits (that is the
/// point): each part is checked against them instead.
fn cart_limits(
    merchant: &Merchant,
    split_vouchers: bool,
) -> impl Fn(vale_shared::Network, vale_shared::Currency) -> Option<Limits> + '_ {
    move |n, c| {
        merchant.limits(n, c).map(|l| {
            if split_vouchers {
                Limits {
                    min: 1,
                    max: i64::MAX,
                }
            } else {
                l
            }
        })
    }
}

impl Checkout {
    /// Every check that needs no seller: the body's own fields (as a voucher's), the
    /// splits, and each planned voucher within the network's limits.
    fn plan(env: &Env, access: &Access<'_>, raw: &[u8]) -> ApiResult<Checkout> {
        let merchant = access.merchant;
        let (rest, taken) = Taken::from_body(raw);
        let split_vouchers = taken.split_vouchers()?;
        let new = NewVoucher::from_json_at_least(
            &rest,
            clock::now(),
            access.livemode(),
            min_lifetime(env),
            cart_limits(merchant, split_vouchers),
        )?;
        let limits = merchant
            .limits(new.network, new.amount.currency())
            .ok_or_else(|| ApiError::internal("a checked voucher without limits"))?;
        let plans = plan_checkout(&taken, new.amount, new.network, limits)?;
        let rest: Map<String, Value> = serde_json::from_slice(&rest).map_err(|_| {
            ApiError::invalid("body", "body_invalid", "The body is not a JSON object.")
        })?;
        Ok(Checkout {
            rest,
            split_vouchers,
            plans,
            new,
        })
    }

    /// The body of the `i`-th voucher: the checkout's own fields, its amount and its
    /// one seller's split (or the whole cart's, not cut).
    fn voucher_body(&self, raw: &[u8], plan: &VoucherPlan) -> Vec<u8> {
        if !self.split_vouchers {
            return raw.to_vec();
        }
        let mut body = self.rest.clone();
        body.insert("amount".into(), json!(plan.amount.minor()));
        let splits: Vec<Value> = plan
            .split
            .shares
            .iter()
            .map(|s| {
                let mut share = json!({"account": s.account.as_str(), "amount": s.net});
                if let (Some(reference), Some(obj)) = (&s.reference, share.as_object_mut()) {
                    obj.insert("reference".into(), json!(reference));
                }
                share
            })
            .collect();
        body.insert("splits".into(), Value::Array(splits));
        body.insert(
            "application_fee_amount".into(),
            json!(plan.split.application_fee_amount),
        );
        serde_json::to_vec(&body).unwrap_or_default()
    }

    /// Makes the vouchers in order, undoing the checkout on a refusal.
    #[allow(clippy::too_many_arguments)]
    async fn make(
        &self,
        env: &Env,
        config: &Config,
        access: &Access<'_>,
        raw: &[u8],
        key: &str,
        keyed: bool,
        origin: &str,
    ) -> ApiResult<Made> {
        let scope = || Scope::merchant(&access.merchant.id, access.mode);
        let mut made: Vec<VoucherId> = Vec::new();
        let mut vouchers = Vec::new();
        let mut all_replayed = true;
        let mut undone = false;
        for (i, plan) in self.plans.iter().enumerate() {
            let id = VoucherId::for_idempotency_key(
                config.server_key.expose().as_bytes(),
                &access.merchant.id,
                access.livemode(),
                &format!("checkout\u{0}{key}\u{0}{i}"),
            );
            let request = CreateRequest {
                id: id.clone(),
                body: String::from_utf8(self.voucher_body(raw, plan)).ok(),
                request_hash: request_hash(raw, i),
                origin: origin.to_owned(),
                acting_for: None,
            };
            let created = VoucherClient::of(env, &id)?
                .call::<crate::objects::voucher::Created>(scope(), Command::Create(request))
                .await;
            match created {
                Ok(created) if created.replayed => {
                    made.push(id.clone());
                    let now: Value = serde_json::from_str(
                        &VoucherClient::of(env, &id)?
                            .text(scope(), Command::Get)
                            .await?,
                    )?;
                    undone |= now.get("status").and_then(Value::as_str) == Some("cancelled");
                    vouchers.push(serde_json::from_str::<Value>(created.voucher.get())?);
                }
                Ok(created) => {
                    all_replayed = false;
                    made.push(id.clone());
                    if undone {
                        undo(env, scope(), &made).await;
                        return Err(checkout_undone());
                    }
                    vouchers.push(serde_json::from_str::<Value>(created.voucher.get())?);
                }
                Err(e) => {
                    if undoes(&e, keyed) {
                        undo(env, scope(), &made).await;
                    }
                    return Err(self.seller_param(e, i));
                }
            }
        }
        let payable_at: Vec<Value> = self
            .plans
            .iter()
            .zip(&vouchers)
            .map(|(p, v)| {
                json!({
                    "voucher": v.get("id"),
                    "chains": p.payable_at.iter().map(|c| c.name()).collect::<Vec<_>>(),
                })
            })
            .collect();
        Ok(Made {
            answer: json!({
                "object": "checkout",
                "livemode": access.livemode(),
                "amount": self.new.amount.minor(),
                "currency": self.new.amount.currency().code(),
                "network": self.new.network.as_str(),
                "reference": self.new.reference,
                "split_vouchers": self.split_vouchers,
                "vouchers": vouchers,
                "payable_at": payable_at,
            }),
            all_replayed,
        })
    }

    /// A voucher's refusal as the checkout's: its one seller's field is the cart's
    /// `splits[i]`.
    fn seller_param(&self, mut e: ApiError, i: usize) -> ApiError {
        if self.split_vouchers
            && let Some(param) = &e.param
            && let Some(rest) = param.strip_prefix("splits[0]")
        {
            e.param = Some(format!("splits[{i}]{rest}"));
        }
        e
    }
}

/// Whether a voucher's error undoes the checkout: a refusal does (it does not go away by
/// retrying); a failure with a key does not (the retry completes it), nor an
/// idempotency error (the same key still running elsewhere, `409`: undoing would cancel
/// the vouchers of the request that holds it).
fn undoes(e: &ApiError, keyed: bool) -> bool {
    e.kind != ErrorType::IdempotencyError && (e.status < 500 || !keyed)
}

/// The `i`-th voucher's request hash: the checkout's raw body and the voucher's place.
fn request_hash(raw: &[u8], i: usize) -> String {
    let mut hash = Sha256::new();
    hash.update(b"checkout\n");
    hash.update(raw);
    hash.update(format!("\n{i}").as_bytes());
    hex::encode(hash.finalize())
}

fn checkout_undone() -> ApiError {
    ApiError::new(
        409,
        ErrorType::IdempotencyError,
        "checkout_undone",
        "This checkout was refused and its vouchers cancelled; send it again with a new Idempotency-Key.",
    )
}

/// Cancels the vouchers made (best effort: a voucher left pending ends with its
/// expiry, and was shown to no shopper).
async fn undo(env: &Env, scope: Scope, made: &[VoucherId]) {
    for id in made {
        if let Ok(client) = VoucherClient::of(env, id) {
            let _ = client.text(scope.clone(), Command::Cancel).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_undoes_a_failure_with_a_key_waits_for_the_retry() {
        let refused = ApiError::invalid("splits[0].account", "account_not_enabled", "no");
        assert!(undoes(&refused, true) && undoes(&refused, false));
        let failed = ApiError::internal("the index did not answer");
        assert!(!undoes(&failed, true));
        assert!(undoes(&failed, false));
        // Regression: the same key still running elsewhere must not cancel its vouchers.
        let running = ApiError::new(
            409,
            ErrorType::IdempotencyError,
            "idempotency_request_in_progress",
            "wait",
        );
        assert!(!undoes(&running, true) && !undoes(&running, false));
    }

    #[test]
    fn each_voucher_of_a_checkout_is_its_own_request_of_the_raw_body() {
        let body = br#"{"amount": 100}"#;
        assert_eq!(request_hash(body, 0), request_hash(body, 0));
        assert_ne!(request_hash(body, 0), request_hash(body, 1));
        assert_ne!(request_hash(body, 0), request_hash(br#"{"amount":100}"#, 0));
    }
}
