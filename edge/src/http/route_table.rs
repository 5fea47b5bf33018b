//! The API's route table, `ROUTES`: every (method, path) the router answers and the
//! handler it names, and `resolve`, which picks one path first (so `405` needs no second
//! list). `docs/openapi.json` documents exactly this table (its native test below).

use crate::api::events::EndpointAction;
use crate::api::refunds::Move;
use crate::http::error::{ApiError, ApiResult};
use vale_shared::Network;
use worker::Method;

/// One API route's handler (its path parameter, where it has one, comes from the path).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `OPTIONS` on a route the display (a client secret) calls from a browser.
    Preflight,
    /// `GET /v1/openapi.json`.
    OpenApi,
    /// `/v1/accounts…`, answered by the marketplace's own routes.
    Accounts,
    CreateVoucher,
    /// `POST /v1/checkouts` (a platform's cart, one voucher per seller on request).
    CreateCheckout,
    ListVouchers,
    RetrieveVoucher,
    UpdateVoucher,
    CancelVoucher,
    VoucherPlaces,
    VoucherNotifications,
    CreateRefund,
    ListRefunds,
    RetrieveRefund,
    MoveRefund(Move),
    PayoutFile,
    /// `POST /v1/payouts` (a manual-schedule seller's payout).
    CreatePayout,
    /// `GET /v1/payouts/{id}`.
    RetrievePayout,
    /// A payout closed by the rail: paid (`true`) or failed.
    ClosePayout(bool),
    /// `GET /v1/balance`.
    Balance,
    /// `GET /v1/balance_transactions`.
    BalanceTransactions,
    ListReviews,
    RetrieveReview,
    /// Approve (`true`) or reject.
    DecideReview(bool),
    CreateSettlement,
    ListSettlements,
    SettlementDigest,
    Unsettled,
    RetrieveSettlement,
    SettlementLines,
    /// Succeed (`true`) or fail.
    SandboxRefund(bool),
    SandboxSettlementFile,
    /// `POST /v1/sandbox/settlements/{date}/apply`.
    SandboxSettlementApply,
    ListEvents,
    RetrieveEvent,
    RetryEvent,
    /// `GET /v1/events/{id}/deliveries`.
    EventDeliveries,
    CreateEndpoint,
    ListEndpoints,
    RetrieveEndpoint,
    ChangeEndpoint(EndpointAction),
    /// A network's notification, for the merchant its payment code names.
    Notification(Network),
    /// A network's notification to one merchant's own URL.
    MerchantNotification(Network),
    SandboxPay,
    SandboxExpire,
    SandboxAdvance,
    SandboxAdvanceEndpoint,
}

/// Every API route: method, path (`{name}` stands for any one segment) and handler. The
/// router answers exactly these, path first: a path here with a method that is not is
/// `405`, a path not here `404`. `docs/openapi.json` documents exactly these (checked by
/// `tests::every_route_is_documented_and_every_documented_one_routed`).
pub const ROUTES: &[(Method, &str, Route)] = {
    use Method::{Delete, Get, Options, Post};
    use Route as R;
    &[
        (Get, "/v1/openapi.json", R::OpenApi),
        (Post, "/v1/accounts", R::Accounts),
        (Get, "/v1/accounts", R::Accounts),
        (Get, "/v1/accounts/{id}", R::Accounts),
        (Post, "/v1/accounts/{id}", R::Accounts),
        (Post, "/v1/accounts/{id}/disable", R::Accounts),
        (Get, "/v1/accounts/{id}/statement", R::Accounts),
        (Post, "/v1/vouchers", R::CreateVoucher),
        (Post, "/v1/checkouts", R::CreateCheckout),
        (Get, "/v1/vouchers", R::ListVouchers),
        (Get, "/v1/vouchers/{id}", R::RetrieveVoucher),
        (Post, "/v1/vouchers/{id}", R::UpdateVoucher),
        (Options, "/v1/vouchers/{id}", R::Preflight),
        (Post, "/v1/vouchers/{id}/cancel", R::CancelVoucher),
        (Get, "/v1/vouchers/{id}/places", R::VoucherPlaces),
        (Options, "/v1/vouchers/{id}/places", R::Preflight),
        (
            Get,
            "/v1/vouchers/{id}/notifications",
            R::VoucherNotifications,
        ),
        (Post, "/v1/refunds", R::CreateRefund),
        (Get, "/v1/refunds", R::ListRefunds),
        (Get, "/v1/refunds/{id}", R::RetrieveRefund),
        (Options, "/v1/refunds/{id}", R::Preflight),
        (Post, "/v1/refunds/{id}/cancel", R::MoveRefund(Move::Cancel)),
        (
            Post,
            "/v1/refunds/{id}/approve",
            R::MoveRefund(Move::Approve),
        ),
        (Post, "/v1/refunds/{id}/reject", R::MoveRefund(Move::Reject)),
        (Post, "/v1/refunds/{id}/settle", R::MoveRefund(Move::Settle)),
        (Post, "/v1/refunds/{id}/fail", R::MoveRefund(Move::Fail)),
        (
            Post,
            "/v1/refunds/{id}/destination",
            R::MoveRefund(Move::Destination),
        ),
        (Options, "/v1/refunds/{id}/destination", R::Preflight),
        (
            Post,
            "/v1/refunds/{id}/void_withdrawal",
            R::MoveRefund(Move::VoidWithdrawal),
        ),
        (Get, "/v1/payouts/files/{date}", R::PayoutFile),
        (Post, "/v1/payouts", R::CreatePayout),
        (Get, "/v1/payouts/{id}", R::RetrievePayout),
        (Post, "/v1/payouts/{id}/paid", R::ClosePayout(true)),
        (Post, "/v1/payouts/{id}/failed", R::ClosePayout(false)),
        (Get, "/v1/balance", R::Balance),
        (Get, "/v1/balance_transactions", R::BalanceTransactions),
        (Get, "/v1/reviews", R::ListReviews),
        (Get, "/v1/reviews/{id}", R::RetrieveReview),
        (Post, "/v1/reviews/{id}/approve", R::DecideReview(true)),
        (Post, "/v1/reviews/{id}/reject", R::DecideReview(false)),
        (Post, "/v1/settlements", R::CreateSettlement),
        (Get, "/v1/settlements", R::ListSettlements),
        (Get, "/v1/settlements/digest", R::SettlementDigest),
        (Get, "/v1/settlements/unsettled", R::Unsettled),
        (Get, "/v1/settlements/{id}", R::RetrieveSettlement),
        (Get, "/v1/settlements/{id}/lines", R::SettlementLines),
        (
            Post,
            "/v1/sandbox/refunds/{id}/succeed",
            R::SandboxRefund(true),
        ),
        (
            Post,
            "/v1/sandbox/refunds/{id}/fail",
            R::SandboxRefund(false),
        ),
        (
            Get,
            "/v1/sandbox/settlements/{date}",
            R::SandboxSettlementFile,
        ),
        (
            Post,
            "/v1/sandbox/settlements/{date}/apply",
            R::SandboxSettlementApply,
        ),
        (Get, "/v1/events", R::ListEvents),
        (Get, "/v1/events/{id}", R::RetrieveEvent),
        (Post, "/v1/events/{id}/retry", R::RetryEvent),
        (Get, "/v1/events/{id}/deliveries", R::EventDeliveries),
        (Post, "/v1/webhook_endpoints", R::CreateEndpoint),
        (Get, "/v1/webhook_endpoints", R::ListEndpoints),
        (Get, "/v1/webhook_endpoints/{id}", R::RetrieveEndpoint),
        (
            Delete,
            "/v1/webhook_endpoints/{id}",
            R::ChangeEndpoint(EndpointAction::Delete),
        ),
        (
            Post,
            "/v1/webhook_endpoints/{id}/enable",
            R::ChangeEndpoint(EndpointAction::Enable),
        ),
        (
            Post,
            "/v1/webhook_endpoints/{id}/rotate_secret",
            R::ChangeEndpoint(EndpointAction::RotateSecret),
        ),
        (
            Post,
            "/v1/notifications/pagoefectivo",
            R::Notification(Network::Pagoefectivo),
        ),
        (
            Post,
            "/v1/notifications/efecty",
            R::Notification(Network::Efecty),
        ),
        (
            Post,
            "/v1/notifications/pagoefectivo/{merchant}",
            R::MerchantNotification(Network::Pagoefectivo),
        ),
        (
            Post,
            "/v1/notifications/efecty/{merchant}",
            R::MerchantNotification(Network::Efecty),
        ),
        (Post, "/v1/sandbox/vouchers/{id}/pay", R::SandboxPay),
        (Post, "/v1/sandbox/vouchers/{id}/expire", R::SandboxExpire),
        (Post, "/v1/sandbox/vouchers/{id}/advance", R::SandboxAdvance),
        (
            Post,
            "/v1/sandbox/webhook_endpoints/{id}/advance",
            R::SandboxAdvanceEndpoint,
        ),
    ]
};

/// Whether `segments` (the path split at `/`, without the leading one) is `pattern`.
fn fits(pattern: &str, segments: &[&str]) -> bool {
    let parts = pattern.trim_start_matches('/').split('/');
    parts.clone().count() == segments.len()
        && parts
            .zip(segments)
            .all(|(part, segment)| part.starts_with('{') || part == *segment)
}

/// How many `{…}` segments `pattern` has: of two patterns a path fits, the one with fewer
/// is meant (`/v1/settlements/digest` over `/v1/settlements/{id}`).
fn placeholders(pattern: &str) -> usize {
    pattern.matches('{').count()
}

/// The route `method` on `segments` is: `404` for a path that is no route's, `405` for
/// one that is, under other methods only. Also answers the path's parameter (its one
/// `{…}` segment; empty when it has none).
pub fn resolve<'a>(method: &Method, segments: &[&'a str]) -> ApiResult<(Route, &'a str)> {
    let pattern = ROUTES
        .iter()
        .map(|(_, pattern, _)| *pattern)
        .filter(|pattern| fits(pattern, segments))
        .min_by_key(|pattern| placeholders(pattern))
        .ok_or_else(ApiError::not_found)?;
    let route = ROUTES
        .iter()
        .find(|(m, p, _)| m == method && *p == pattern)
        .map(|(_, _, route)| *route)
        .ok_or_else(ApiError::method_not_allowed)?;
    let param = pattern
        .trim_start_matches('/')
        .split('/')
        .zip(segments)
        .find(|(part, _)| part.starts_with('{'))
        .map_or("", |(_, segment)| *segment);
    Ok((route, param))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::routes::OPENAPI;
    use std::collections::BTreeSet;

    /// `METHOD /path` with every `{…}` blanked, so parameter names need not agree.
    fn shape(method: &str, path: &str) -> String {
        let mut blank = String::new();
        let mut inside = false;
        for c in path.chars() {
            match c {
                '{' => {
                    inside = true;
                    blank.push_str("{}");
                }
                '}' => inside = false,
                c if !inside => blank.push(c),
                _ => {}
            }
        }
        format!("{} {blank}", method.to_uppercase())
    }

    fn documented() -> BTreeSet<String> {
        let doc: serde_json::Value = serde_json::from_str(OPENAPI).unwrap_or_default();
        let mut ops = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            // The hosted page is a page, not an API route.
            if !path.starts_with("/v1/") {
                continue;
            }
            for method in ["get", "post", "delete", "options", "put", "patch", "head"] {
                if item.get(method).is_some() {
                    ops.insert(shape(method, path));
                }
            }
        }
        ops
    }

    fn routed() -> BTreeSet<String> {
        ROUTES
            .iter()
            .map(|(method, path, _)| shape(method.as_ref(), path))
            .collect()
    }

    /// Replaces the regex over `routes.rs` in `tests/edge/openapi.test.mjs` (issue #20):
    /// the table the router answers from is the document's list of operations.
    #[test]
    fn every_route_is_documented_and_every_documented_one_routed() {
        let (documented, routed) = (documented(), routed());
        assert!(
            documented.len() > 40,
            "read only {} operations",
            documented.len()
        );
        let undocumented: Vec<_> = routed.difference(&documented).collect();
        let unrouted: Vec<_> = documented.difference(&routed).collect();
        assert!(
            undocumented.is_empty(),
            "routes without documentation: {undocumented:?}"
        );
        assert!(
            unrouted.is_empty(),
            "documented but not routed: {unrouted:?}"
        );
        assert_eq!(routed.len(), ROUTES.len(), "a route is listed twice");
    }

    #[test]
    fn every_network_takes_notifications_at_its_own_path() {
        for network in Network::ALL {
            for path in [
                format!("/v1/notifications/{}", network.as_str()),
                format!("/v1/notifications/{}/{{merchant}}", network.as_str()),
            ] {
                assert!(
                    ROUTES
                        .iter()
                        .any(|(m, p, _)| *m == Method::Post && *p == path),
                    "{path}"
                );
            }
        }
    }

    fn split(path: &str) -> Vec<&str> {
        path.trim_start_matches('/').split('/').collect()
    }

    fn status(method: Method, path: &str) -> Result<Route, u16> {
        resolve(&method, &split(path))
            .map(|(route, _)| route)
            .map_err(|e| e.status)
    }

    /// What the second list of paths answered before the table (issue #20): a known path
    /// under another method is `405`, an unknown one `404`, and the literal wins over a
    /// parameter.
    #[test]
    fn the_path_decides_404_the_method_405() {
        assert_eq!(
            status(Method::Get, "/v1/vouchers/vch_1"),
            Ok(Route::RetrieveVoucher)
        );
        assert_eq!(status(Method::Delete, "/v1/vouchers/vch_1"), Err(405));
        assert_eq!(status(Method::Head, "/v1/vouchers"), Err(405));
        assert_eq!(status(Method::Get, "/v1/vouchers/vch_1/nope"), Err(404));
        assert_eq!(
            status(Method::Get, "/v1/settlements/digest"),
            Ok(Route::SettlementDigest)
        );
        assert_eq!(status(Method::Post, "/v1/settlements/digest"), Err(405));
        assert_eq!(
            status(Method::Get, "/v1/settlements/stl_1"),
            Ok(Route::RetrieveSettlement)
        );
        assert_eq!(status(Method::Post, "/v1/notifications/bitcoin"), Err(404));
        assert_eq!(status(Method::Get, "/v1/notifications/bitcoin"), Err(404));
        assert_eq!(status(Method::Get, "/v1/notifications/efecty"), Err(405));
        assert_eq!(
            status(Method::Post, "/v1/notifications/efecty"),
            Ok(Route::Notification(Network::Efecty))
        );
        assert_eq!(status(Method::Post, "/v1/refunds/re_1/explode"), Err(404));
        assert_eq!(
            status(Method::Get, "/v1/refunds/re_1/void_withdrawal"),
            Err(405)
        );
        assert_eq!(
            status(Method::Options, "/v1/refunds/re_1"),
            Ok(Route::Preflight)
        );
        assert_eq!(status(Method::Options, "/v1/refunds"), Err(405));
        assert_eq!(status(Method::Get, "/nothing"), Err(404));
    }

    #[test]
    fn the_parameter_is_the_paths_placeholder_segment() {
        let segments = split("/v1/sandbox/vouchers/vch_42/pay");
        assert_eq!(
            resolve(&Method::Post, &segments).map(|(_, id)| id).ok(),
            Some("vch_42")
        );
        let segments = split("/v1/notifications/pagoefectivo/mer_x");
        assert_eq!(
            resolve(&Method::Post, &segments).map(|(_, id)| id).ok(),
            Some("mer_x")
        );
        let segments = split("/v1/vouchers");
        assert_eq!(
            resolve(&Method::Get, &segments).map(|(_, id)| id).ok(),
            Some("")
        );
    }
}
