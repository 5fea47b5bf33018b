//! The merchant's dashboard session (issue #24): what a key exchanged for a browser
//! session may do, how long the session lives, how its cookie is written, and whether a
//! state-changing request came from the dashboard's own origin.
//!
//! Pure decisions only; the edge (`edge/src/http/session.rs`) stores sessions (a hash of
//! the token, never the token nor the key) and applies these.

/// How long a session lives after sign-in: 8 hours, not renewed by use.
pub const LIFETIME_MS: i64 = 8 * 60 * 60 * 1000;

/// The kind of key a session was opened with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// `sk_…`: reads, creates, cancels, refunds, retries; never approves (a second person does).
    Secret,
    /// `rk_…`: reads, and approves or rejects what waits for a second pair of eyes.
    Restricted,
}

impl KeyKind {
    /// The kind and `livemode` a key's prefix claims (`sk_test_…` → secret, test), or
    /// `None` for anything else (a client secret, a typo).
    ///
    /// ```
    /// use vale_shared::dashboard::KeyKind;
    /// assert_eq!(KeyKind::of("rk_live_x"), Some((KeyKind::Restricted, true)));
    /// assert_eq!(KeyKind::of("vch_x_secret_y"), None);
    /// ```
    pub fn of(key: &str) -> Option<(KeyKind, bool)> {
        let (kind, rest) = if let Some(rest) = key.strip_prefix("sk_") {
            (KeyKind::Secret, rest)
        } else {
            (KeyKind::Restricted, key.strip_prefix("rk_")?)
        };
        let live = if rest.starts_with("live_") {
            true
        } else if rest.starts_with("test_") {
            false
        } else {
            return None;
        };
        Some((kind, live))
    }

    /// `secret` or `restricted`, as the session's JSON names it.
    pub const fn as_str(self) -> &'static str {
        match self {
            KeyKind::Secret => "secret",
            KeyKind::Restricted => "restricted",
        }
    }

    /// Parses [`KeyKind::as_str`].
    pub fn parse(text: &str) -> Option<KeyKind> {
        match text {
            "secret" => Some(KeyKind::Secret),
            "restricted" => Some(KeyKind::Restricted),
            _ => None,
        }
    }

    /// Every action this kind of session may take, in [`Action::ALL`]'s order.
    pub fn actions(self) -> impl Iterator<Item = Action> {
        Action::ALL.into_iter().filter(move |a| allows(self, *a))
    }
}

/// What a dashboard request does, as far as who may do it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Any `GET`: lists, a voucher's page, the digest, a settlement's lines.
    Read,
    /// Approve or reject a refund or a review.
    Decide,
    /// Create a voucher or an endpoint, update a voucher.
    Create,
    /// Cancel a voucher or a refund.
    Cancel,
    /// Create a refund, or move one (settle, fail, destination, void the withdrawal).
    Refund,
    /// Upload a settlement file.
    Settle,
    /// Retry an event, re-enable an endpoint, rotate its secret, delete it.
    Webhooks,
    /// Download the day's payout file (it names destinations: the secret key's).
    PayoutFile,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 8] = [
        Action::Read,
        Action::Decide,
        Action::Create,
        Action::Cancel,
        Action::Refund,
        Action::Settle,
        Action::Webhooks,
        Action::PayoutFile,
    ];

    /// The action's name in the session's JSON (`can`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Decide => "decide",
            Action::Create => "create",
            Action::Cancel => "cancel",
            Action::Refund => "refund",
            Action::Settle => "settle",
            Action::Webhooks => "webhooks",
            Action::PayoutFile => "payout_file",
        }
    }

    /// The action of an API request under `/v1` (its path's segments after `v1`), or
    /// `None` for one the dashboard never sends (the sandbox, notifications, and any
    /// change to a marketplace's accounts): those are refused with a session whatever its
    /// kind. Reading accounts (the sellers, one seller, a seller's statement) is a read.
    ///
    /// ```
    /// use vale_shared::dashboard::Action;
    /// assert_eq!(Action::of(false, &["refunds", "ref_1", "approve"]), Some(Action::Decide));
    /// assert_eq!(Action::of(true, &["vouchers"]), Some(Action::Read));
    /// assert_eq!(Action::of(false, &["sandbox", "vouchers", "v", "pay"]), None);
    /// assert_eq!(Action::of(true, &["accounts", "acct_1", "statement"]), Some(Action::Read));
    /// assert_eq!(Action::of(false, &["accounts", "acct_1", "disable"]), None);
    /// ```
    pub fn of(read: bool, path: &[&str]) -> Option<Action> {
        let first = path.first().copied()?;
        if matches!(first, "sandbox" | "notifications") || (first == "accounts" && !read) {
            return None;
        }
        if read {
            return Some(match path {
                ["payouts", "files", _] => Action::PayoutFile,
                _ => Action::Read,
            });
        }
        Some(match path {
            ["refunds" | "reviews", _, "approve" | "reject"] => Action::Decide,
            ["vouchers"] | ["vouchers", _] | ["webhook_endpoints"] => Action::Create,
            ["vouchers", _, "cancel"] | ["refunds", _, "cancel"] => Action::Cancel,
            ["refunds"] | ["refunds", _, _] => Action::Refund,
            ["settlements"] => Action::Settle,
            ["events", _, "retry"]
            | ["webhook_endpoints", _]
            | ["webhook_endpoints", _, "enable" | "rotate_secret"] => Action::Webhooks,
            _ => return None,
        })
    }
}

/// Whether a session opened with a `kind` key may take `action`: both read; only the
/// restricted key decides (the second person); only the secret key creates, cancels,
/// refunds, uploads settlements, changes webhooks and downloads payout files. The API's
/// own role checks say the same; the dashboard asks this first and hides what it may not.
pub const fn allows(kind: KeyKind, action: Action) -> bool {
    match (kind, action) {
        (_, Action::Read) => true,
        (KeyKind::Restricted, Action::Decide) => true,
        (KeyKind::Restricted, _) => false,
        (KeyKind::Secret, Action::Decide) => false,
        (KeyKind::Secret, _) => true,
    }
}

/// When a session opened at `created_ms` (Unix ms) ends.
pub const fn expires_at(created_ms: i64) -> i64 {
    created_ms.saturating_add(LIFETIME_MS)
}

/// Whether a session that ends at `expires_ms` still holds at `now_ms`.
pub const fn is_open(expires_ms: i64, now_ms: i64) -> bool {
    now_ms < expires_ms
}

/// Whether a host (as in the request's URL, port included or not) is this machine, where
/// local development serves plain `http` and a `Secure` cookie would not come back.
///
/// ```
/// use vale_shared::dashboard::is_local_host;
/// assert!(is_local_host("127.0.0.1:8787"));
/// assert!(!is_local_host("pay.example.com"));
/// ```
pub fn is_local_host(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else {
        host.rsplit_once(':').map_or(host, |(name, _)| name)
    };
    matches!(name, "localhost" | "127.0.0.1" | "::1") || name.ends_with(".localhost")
}

/// The cookie's name for a mode: test and live each keep their own session.
pub const fn cookie_name(live: bool) -> &'static str {
    if live {
        "vale_dash_live"
    } else {
        "vale_dash_test"
    }
}

/// The `Set-Cookie` value that opens a session: `HttpOnly`, `SameSite=Strict`, scoped to
/// `/dashboard`, 8 hours, and `Secure` unless served from this machine (`local`).
pub fn set_cookie(live: bool, token: &str, local: bool) -> String {
    let mut out = String::new();
    out.push_str(cookie_name(live));
    out.push('=');
    out.push_str(token);
    out.push_str("; Path=/dashboard; Max-Age=28800; HttpOnly; SameSite=Strict");
    if !local {
        out.push_str("; Secure");
    }
    out
}

/// The `Set-Cookie` value that ends a session in the browser.
pub fn clear_cookie(live: bool, local: bool) -> String {
    let mut out = String::new();
    out.push_str(cookie_name(live));
    out.push_str("=; Path=/dashboard; Max-Age=0; HttpOnly; SameSite=Strict");
    if !local {
        out.push_str("; Secure");
    }
    out
}

/// The value of cookie `name` in a `Cookie` header, if sent.
///
/// ```
/// use vale_shared::dashboard::cookie;
/// assert_eq!(cookie("a=1; vale_dash_test=xyz", "vale_dash_test"), Some("xyz"));
/// assert_eq!(cookie("xvale_dash_test=1", "vale_dash_test"), None);
/// ```
pub fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

/// Whether a state-changing request came from the dashboard's own origin: the browser's
/// `Sec-Fetch-Site` says `same-origin`, or (older browsers, no `Sec-Fetch-Site`) its
/// `Origin` is exactly `own_origin`. No evidence at all is a refusal: only browsers use
/// the session, and every browser sends one of them on a `POST`.
///
/// ```
/// use vale_shared::dashboard::same_origin;
/// let own = "https://pay.example.com";
/// assert!(same_origin(Some("same-origin"), Some(own), own));
/// assert!(!same_origin(Some("same-site"), Some(own), own));
/// assert!(!same_origin(None, Some("https://evil.example"), own));
/// assert!(!same_origin(None, None, own));
/// ```
pub fn same_origin(sec_fetch_site: Option<&str>, origin: Option<&str>, own_origin: &str) -> bool {
    match sec_fetch_site {
        Some(site) => site == "same-origin" && origin.is_none_or(|o| o == own_origin),
        None => origin == Some(own_origin),
    }
}

/// The tag that lets the edge hand a session's key on to its own API routes without the
/// key itself: HMAC-SHA256 under the edge's server key of the key's hash and the session's
/// end, hex. The edge builds `dsh_{key_hash}_{expires_ms}_{tag}` for one internal request
/// and checks it back; it never leaves the edge, and nobody without the server key can
/// make one.
pub fn proxy_tag(server_key: &[u8], key_hash: &str, expires_ms: i64) -> String {
    use hmac::{Hmac, Mac as _};
    let mut text = String::from("vale/dashboard-proxy/v1/");
    text.push_str(key_hash);
    text.push('/');
    text.push_str(&expires_ms.to_string());
    Hmac::<sha2::Sha256>::new_from_slice(server_key)
        .map(|mac| hex::encode(mac.chain_update(text).finalize().into_bytes()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn a_restricted_session_reads_and_decides_only() {
        let can: Vec<&str> = KeyKind::Restricted.actions().map(Action::as_str).collect();
        assert_eq!(can, ["read", "decide"]);
    }

    #[test]
    fn a_secret_session_does_everything_but_decide() {
        let can: Vec<Action> = KeyKind::Secret.actions().collect();
        assert!(!can.contains(&Action::Decide));
        assert_eq!(can.len(), Action::ALL.len() - 1);
    }

    #[test]
    fn api_paths_map_to_their_action() {
        let cases: [(bool, &[&str], Option<Action>); 21] = [
            (true, &["vouchers"], Some(Action::Read)),
            (true, &["accounts"], Some(Action::Read)),
            (
                true,
                &["accounts", "acct_1", "statement"],
                Some(Action::Read),
            ),
            (false, &["accounts"], None),
            (false, &["accounts", "acct_1"], None),
            (false, &["accounts", "acct_1", "disable"], None),
            (
                true,
                &["vouchers", "vch_1", "notifications"],
                Some(Action::Read),
            ),
            (
                true,
                &["payouts", "files", "2026-12-07"],
                Some(Action::PayoutFile),
            ),
            (false, &["vouchers"], Some(Action::Create)),
            (false, &["vouchers", "vch_1"], Some(Action::Create)),
            (
                false,
                &["vouchers", "vch_1", "cancel"],
                Some(Action::Cancel),
            ),
            (false, &["refunds"], Some(Action::Refund)),
            (false, &["refunds", "ref_1", "cancel"], Some(Action::Cancel)),
            (false, &["refunds", "ref_1", "settle"], Some(Action::Refund)),
            (
                false,
                &["refunds", "ref_1", "approve"],
                Some(Action::Decide),
            ),
            (false, &["reviews", "rev_1", "reject"], Some(Action::Decide)),
            (false, &["settlements"], Some(Action::Settle)),
            (false, &["events", "evt_1", "retry"], Some(Action::Webhooks)),
            (
                false,
                &["webhook_endpoints", "we_1", "rotate_secret"],
                Some(Action::Webhooks),
            ),
            (false, &["sandbox", "vouchers", "vch_1", "pay"], None),
            (true, &[], None),
        ];
        for (read, path, want) in cases {
            assert_eq!(Action::of(read, path), want, "{path:?}");
        }
    }

    #[test]
    fn key_prefixes_claim_kind_and_mode() {
        assert_eq!(KeyKind::of("sk_test_local"), Some((KeyKind::Secret, false)));
        assert_eq!(
            KeyKind::of("rk_test_local"),
            Some((KeyKind::Restricted, false))
        );
        assert_eq!(KeyKind::of("sk_live_x"), Some((KeyKind::Secret, true)));
        assert_eq!(KeyKind::of("sk_prod_x"), None);
        assert_eq!(KeyKind::of("pk_test_x"), None);
        assert_eq!(KeyKind::of(""), None);
    }

    #[test]
    fn the_cookie_is_http_only_strict_and_secure_off_this_machine() {
        let c = set_cookie(false, "tok", false);
        assert_eq!(
            c,
            "vale_dash_test=tok; Path=/dashboard; Max-Age=28800; HttpOnly; SameSite=Strict; Secure"
        );
        assert!(!set_cookie(true, "tok", true).contains("Secure"));
        assert!(set_cookie(true, "tok", true).starts_with("vale_dash_live=tok;"));
        assert!(clear_cookie(false, false).contains("Max-Age=0"));
        assert_eq!(LIFETIME_MS / 1000, 28_800);
    }

    #[test]
    fn the_proxy_tag_binds_the_key_and_the_end() {
        let tag = proxy_tag(b"server", "ab", 10);
        assert_eq!(tag.len(), 64);
        assert_eq!(tag, proxy_tag(b"server", "ab", 10));
        assert_ne!(tag, proxy_tag(b"server", "ab", 11));
        assert_ne!(tag, proxy_tag(b"server", "ac", 10));
        assert_ne!(tag, proxy_tag(b"other", "ab", 10));
    }

    #[test]
    fn local_hosts_are_loopback_only() {
        for host in [
            "localhost",
            "localhost:8787",
            "127.0.0.1",
            "[::1]:8787",
            "a.localhost",
        ] {
            assert!(is_local_host(host), "{host}");
        }
        for host in [
            "example.com",
            "127.0.0.1.example.com",
            "localhost.example.com:443",
        ] {
            assert!(!is_local_host(host), "{host}");
        }
    }

    #[test]
    fn cross_origin_requests_are_refused() {
        let own = "http://127.0.0.1:8787";
        assert!(same_origin(Some("same-origin"), None, own));
        assert!(!same_origin(Some("cross-site"), Some(own), own));
        assert!(!same_origin(
            Some("same-origin"),
            Some("http://127.0.0.1:9999"),
            own
        ));
        assert!(!same_origin(Some("none"), None, own));
        assert!(!same_origin(None, Some("null"), own));
    }

    proptest! {
        #[test]
        fn a_session_is_open_for_exactly_eight_hours(created in -4_000_000_000_000_i64..4_000_000_000_000, after in 0_i64..100_000_000) {
            let ends = expires_at(created);
            prop_assert_eq!(is_open(ends, created + after), after < LIFETIME_MS);
            prop_assert!(!is_open(ends, ends));
        }

        #[test]
        fn only_the_named_cookie_is_read(name in "[a-z_]{1,12}", value in "[A-Za-z0-9_-]{0,40}", other in "[a-z_]{1,12}") {
            let header = format!("{other}9=1; {name}={value}; z9=2");
            prop_assert_eq!(cookie(&header, &name), Some(value.as_str()));
            prop_assert_eq!(cookie(&header, "absent-name"), None);
        }

        #[test]
        fn no_session_changes_a_sellers_account(b in "[a-z_]{1,10}", c in "[a-z_]{1,10}") {
            for path in [&["accounts"][..], &["accounts", b.as_str()], &["accounts", b.as_str(), c.as_str()]] {
                prop_assert_eq!(Action::of(false, path), None);
                prop_assert_eq!(Action::of(true, path), Some(Action::Read));
            }
        }

        #[test]
        fn a_restricted_session_never_moves_money(read in any::<bool>(), a in "[a-z_]{1,10}", b in "[a-z_]{1,10}", c in "[a-z_]{1,10}") {
            let path = [a.as_str(), b.as_str(), c.as_str()];
            for n in 0..=3 {
                if let Some(action) = Action::of(read, path.get(..n).unwrap_or(&[])) {
                    let allowed = allows(KeyKind::Restricted, action);
                    prop_assert_eq!(allowed, matches!(action, Action::Read | Action::Decide));
                }
            }
        }
    }
}
