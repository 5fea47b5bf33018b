//! `GET /v1/payouts/files/{date}`: the day's prepared refund payouts as a CSV file, paged,
//! every field neutralised for spreadsheets.

use super::refunds::*;
use crate::api::vouchers::unknown_param;
use crate::config::Config;
use crate::http::auth::{self};
use crate::http::error::{ApiError, ApiResult};
use crate::objects::ledger::{self, LedgerClient, RefundIds};
use crate::objects::voucher::{RefundAction, Scope};
use vale_shared::csv;
use vale_shared::id::RefundId;
use worker::{Env, Request, Response};

/// The payout file's columns, in order. `kind` is `refund` or (a marketplace platform's,
/// issue #23) `seller_payout`, whose `refund` column holds the payout id (`po_…`) and
/// `account` the seller (the first `account` column is the destination's account number).
pub const PAYOUT_COLUMNS: &str = "refund,voucher,amount,currency,type,name,document_type,document_number,bank,account_type,account_number,provider,phone,withdrawal_code,bank_code,collectable_until,kind,account";

/// `GET /v1/payouts/files/{date}?limit=&starting_after=` (secret key): the refunds whose
/// payout was prepared on `date` (`YYYY-MM-DD`, UTC−05:00, 2000 to 2100), one CSV line
/// each, destinations whole (the bank needs them), oldest first, [`PAYOUT_COLUMNS`].
/// A page holds `limit` lines (default 500, at most 900); when more follow, the answer
/// says `Vale-Has-More: true` and `Vale-Next-Starting-After: re_…` (and a `Link` with
/// `rel="next"`), and the next page is asked with `starting_after` (regression, review
/// L8: the file stopped silently at 10,000 lines). Every field is neutralised for
/// spreadsheets (`vale_shared::csv`; regression, review M4).
pub async fn payout_file(
    req: &Request,
    env: &Env,
    config: &Config,
    date: &str,
) -> ApiResult<Response> {
    let access = auth::secret(req, config)?;
    let (_, from_ms, to_ms) = crate::runtime::clock::lima_day(date, "date")?;
    let mut limit = ledger::PAYOUT_PAGE;
    let mut starting_after = None;
    for (name, value) in req.url()?.query_pairs() {
        match name.as_ref() {
            "limit" => {
                limit = value
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=ledger::PAYOUT_PAGE_MAX).contains(n))
                    .ok_or_else(|| {
                        ApiError::invalid(
                            "limit",
                            "limit_invalid",
                            "limit must be a whole number from 1 to 900.",
                        )
                    })?;
            }
            "starting_after" => {
                starting_after = Some(value.parse::<RefundId>().map_err(|_| {
                    ApiError::invalid(
                        "starting_after",
                        "starting_after_invalid",
                        "starting_after must be a re_ id of the previous page.",
                    )
                })?);
            }
            other => return Err(unknown_param(other)),
        }
    }
    let page: RefundIds = LedgerClient::of(env, &access.merchant.id)?
        .call(&ledger::Command::RefundsPrepared {
            livemode: access.livemode(),
            from_ms,
            to_ms,
            limit,
            starting_after,
        })
        .await?;
    let scope = Scope::merchant(&access.merchant.id, access.mode);
    let mut file = format!("{PAYOUT_COLUMNS}\n");
    for id in &page.ids {
        let Some(text) = present(ask(env, scope.clone(), id, RefundAction::PayoutLine).await)?
        else {
            continue;
        };
        let line: serde_json::Value = serde_json::from_str(&text)?;
        file.push_str(&payout_line(&line));
        file.push('\n');
    }
    // A platform's seller payouts of the day follow its refunds, on the last page.
    if !page.has_more && access.merchant.platform {
        #[derive(serde::Deserialize)]
        struct Lines {
            lines: Vec<serde_json::Value>,
        }
        let sellers: Lines = crate::objects::seller_ledger::SellerLedgerClient::of(
            env,
            &access.merchant.id,
            access.mode,
        )?
        .call(&crate::objects::seller_ledger::Command::PayoutLines { from_ms, to_ms })
        .await?;
        for line in &sellers.lines {
            file.push_str(&payout_line(line));
            file.push('\n');
        }
    }
    let resp = Response::ok(file)?;
    let headers = resp.headers();
    headers.set("content-type", "text/csv; charset=utf-8")?;
    headers.set(
        "content-disposition",
        &format!("attachment; filename=\"vale-payouts-{date}.csv\""),
    )?;
    headers.set("cache-control", "no-store")?;
    headers.set(
        "vale-has-more",
        if page.has_more { "true" } else { "false" },
    )?;
    if let (true, Some(last)) = (page.has_more, page.ids.last()) {
        headers.set("vale-next-starting-after", last.as_str())?;
        headers.set(
            "link",
            &format!(
                "</v1/payouts/files/{date}?limit={limit}&starting_after={last}>; rel=\"next\""
            ),
        )?;
    }
    Ok(resp)
}

/// One payout file line from a refund's `PayoutLine` answer, every field neutralised
/// (only a valid E.164 phone keeps its `+`).
pub(super) fn payout_line(line: &serde_json::Value) -> String {
    let raw = |v: &serde_json::Value, k: &str| match v.get(k) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let field = |v: &serde_json::Value, k: &str| csv::field(&raw(v, k));
    let d = line.get("destination").cloned().unwrap_or_default();
    let either = |a: &str, b: &str| {
        if d.get(a).is_some() {
            field(&d, a)
        } else {
            field(&d, b)
        }
    };
    [
        field(line, "refund"),
        field(line, "voucher"),
        field(line, "amount"),
        field(line, "currency"),
        field(&d, "type"),
        either("holder_name", "name"),
        field(&d, "document_type"),
        field(&d, "document_number"),
        field(&d, "bank"),
        field(&d, "account_type"),
        either("cci", "account_number"),
        field(&d, "provider"),
        csv::phone(&raw(&d, "phone")),
        field(line, "withdrawal_code"),
        field(&d, "bank_code"),
        field(line, "collectable_until"),
        line.get("kind")
            .map_or_else(|| "refund".to_owned(), |_| field(line, "kind")),
        field(line, "account"),
    ]
    .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Regression (review M4): a formula in any free-text payout field reached the file.
    #[test]
    fn payout_lines_never_carry_a_formula_but_a_phone_keeps_its_plus() {
        let line = payout_line(&json!({
            "refund": "re_x", "voucher": "vch_x", "amount": 100, "currency": "COP",
            "withdrawal_code": "0123456789", "collectable_until": "2026-12-31T10:00:00-05:00",
            "destination": {"type": "cash_pickup", "name": "-2+3", "document_type": "@CC",
                "document_number": "=1+1", "phone": "+573001234567"}}));
        assert!(line.contains(",'-2+3,'@CC,'=1+1,"), "{line}");
        assert!(line.contains(",+573001234567,"), "{line}");
        let bank = payout_line(&json!({"destination": {"type": "bank_account",
            "bank": "+5+HYPERLINK(\"x\")", "account_number": "\t1", "holder_name": "Ana",
            "phone": "+5+1"}}));
        assert!(bank.contains("\"'+5+HYPERLINK(\"\"x\"\")\""), "{bank}");
        assert!(bank.contains("'\t1") && bank.contains("'+5+1"), "{bank}");
        assert_eq!(PAYOUT_COLUMNS.split(',').count(), line.split(',').count());
    }
}
