//! The configuration's checks, each refusal naming its merchant and field.

use super::*;
use time::Duration;
use vale_shared::network::Limits;
use vale_shared::{Currency, MerchantId, Network, Secret};

const SK: &str = "9764d1a16fda9333fdd8773f915805644041c3464b2a45163678f104c6bd6789";
const RK: &str = "e77bed58f9a92dfbcde1cee0ceb37cfd19e534c8625e5da78b073ff17fc59b95";

fn local() -> String {
    format!(
        r#"[{{"id":"mer_local","name":"Tienda Local",
          "keys":[{{"sha256":"{SK}","mode":"test","role":"secret"}},{{"sha256":"{RK}","mode":"test","role":"restricted"}}],
          "test":{{"pagoefectivo_secret":"pe_local_secret","efecty_secret":"whsec_ZWZlY3R5X2xvY2FsX3NlY3JldF9rZXk="}},
          "efecty_gln":"7709998000018","efecty_convenio":"112233",
          "limits":{{"pagoefectivo":{{"PEN":{{"min":1000,"max":2000}}}}}},
          "confirmation_window_minutes":{{"efecty":30}}}}]"#
    )
}

fn parse(text: &str) -> Result<Config, String> {
    Config::parse(text, Secret::new("a local server key of 32+ characters"))
}

#[test]
fn parses_the_local_merchant_its_keys_limits_and_windows() {
    let config = parse(&local()).unwrap();
    let m = config.merchant(&MerchantId::local()).unwrap();
    assert_eq!(m.name, "Tienda Local");
    assert_eq!(
        m.limits(Network::Pagoefectivo, Currency::Pen),
        Some(Limits {
            min: 1000,
            max: 2000
        })
    );
    let (min, max) = Network::Efecty.default_limits(Currency::Cop).unwrap();
    assert_eq!(
        m.limits(Network::Efecty, Currency::Cop),
        Some(Limits { min, max })
    );
    assert_eq!(
        m.limits(Network::Pagoefectivo, Currency::Usd)
            .map(|l| l.min),
        Some(100)
    );
    assert_eq!(m.limits(Network::Efecty, Currency::Pen), None);
    assert_eq!(
        m.confirmation_window(Network::Efecty),
        Duration::minutes(30)
    );
    assert_eq!(
        m.confirmation_window(Network::Pagoefectivo),
        Duration::hours(1)
    );
    let (_, sk) = config.key(SK).unwrap();
    assert_eq!((sk.mode, sk.role), (Mode::Test, Role::Secret));
    let (_, rk) = config.key(RK).unwrap();
    assert_eq!((rk.mode, rk.role), (Mode::Test, Role::Restricted));
    assert!(m.live.pagoefectivo.is_none());
    assert!(!format!("{m:?}").contains("pe_local_secret"));
}

/// Issue #23: `edge/.dev.vars` serves the contract's two local merchants, and only
/// `mer_platform` is a platform (its own keys, secrets and convenio).
#[test]
fn the_local_configuration_has_mer_local_and_the_platform_mer_platform() {
    let vars = include_str!("../../.dev.vars");
    let line = vars
        .lines()
        .find_map(|l| l.strip_prefix("MERCHANTS='"))
        .unwrap()
        .trim_end_matches('\'');
    let config = parse(line).unwrap();
    let store = config.merchant(&MerchantId::local()).unwrap();
    assert!(!store.platform);
    let platform = config.merchant(&MerchantId::platform()).unwrap();
    assert!(platform.platform);
    assert_eq!(platform.name, "Mercado Local");
    let digest = |key: &str| hex::encode(<sha2::Sha256 as sha2::Digest>::digest(key));
    for (key, role) in [
        ("sk_test_platform", Role::Secret),
        ("rk_test_platform", Role::Restricted),
    ] {
        let (m, k) = config.key(&digest(key)).unwrap();
        assert_eq!((&m.id, k.mode, k.role), (&platform.id, Mode::Test, role));
    }
    assert_eq!(
        platform
            .secrets(Mode::Test)
            .pagoefectivo
            .as_ref()
            .map(|s| s.expose()),
        Some("pe_platform_secret")
    );
    assert_eq!(
        platform.efecty(Mode::Test).convenio.as_deref(),
        Some("112244")
    );
    assert!(
        !parse(&local())
            .unwrap()
            .merchants
            .iter()
            .any(|m| m.platform)
    );
}

/// Regression: a configuration that made every create fail (a bad GLN, a zero
/// minimum) or made two merchants share a key loaded fine.
#[test]
fn configuration_that_would_break_creates_is_refused_at_load() {
    let second = local()
        .replace(SK, &"a".repeat(64))
        .replace(RK, &"b".repeat(64));
    let two = |other: &str| {
        format!(
            "[{},{}]",
            &local()[1..local().len() - 1],
            &other[1..other.len() - 1]
        )
    };
    let cases = [
        (
            local().replace("7709998000018", "7709998000017"),
            "efecty_gln",
        ),
        (local().replace(r#""min":1000"#, r#""min":0"#), "0 < min"),
        (local().replace(r#""PEN":{"#, r#""COP":{"#), "does not take"),
        (two(&second), "id is already used"),
        (
            two(&second
                .replace("mer_local", "mer_000000000000000000000001")
                .replace(&"a".repeat(64), SK)),
            "configured twice",
        ),
        (local().replace(RK, SK), "configured twice"),
        (
            local().replace(r#""efecty":30"#, r#""efecty":999999"#),
            "over 7 days",
        ),
        (
            local().replace(r#""name":"Tienda Local","#, r#""name":" ","#),
            "name",
        ),
    ];
    for (text, why) in cases {
        let error = parse(&text).map(|_| ()).unwrap_err();
        assert!(error.contains(why), "{why}: {error}");
    }
    assert!(Config::parse(&local(), Secret::new("short")).is_err());
}

#[test]
fn errors_never_quote_a_secret() {
    let cases = [
        local().replace(r#""mode":"test""#, r#""mode":"pe_local_secret""#),
        local().replace(
            "whsec_ZWZlY3R5X2xvY2FsX3NlY3JldF9rZXk=",
            "whsec_not-base64-pe_local_secret",
        ),
        local().replace("9764d1a1", "pe_local_secret"),
        local().replace(
            r#""pagoefectivo_secret":"pe_local_secret""#,
            r#""pagoefectivo_secret":7"#,
        ),
        local().replace(r#""keys""#, r#""pe_local_secret""#),
    ];
    for text in cases {
        let error = parse(&text).map(|_| ()).unwrap_err();
        assert!(!error.contains("pe_local_secret"), "{error}");
        assert!(
            !error.contains("ZWZl") && !error.contains("not-base64"),
            "{error}"
        );
    }
}

#[test]
fn a_live_pagoefectivo_api_needs_a_safe_base_and_its_secret_key() {
    let with =
        |live: &str| local().replace(r#""efecty_gln""#, &format!(r#""live":{live},"efecty_gln""#));
    let api = |base: &str| {
        format!(
            r#"{{"pagoefectivo_secret":"pe_live","pagoefectivo_api":{{"base_url":"{base}","id_service":"1","access_key":"ak"}}}}"#
        )
    };
    let config = parse(&with(&api("https://api.pe.example/"))).unwrap();
    let live = &config.merchant(&MerchantId::local()).unwrap().live;
    assert_eq!(
        live.pagoefectivo_api.as_ref().map(|a| a.base_url.as_str()),
        Some("https://api.pe.example")
    );
    assert!(parse(&with(&api("http://127.0.0.1:9999"))).is_ok());
    for (base, why) in [
        ("http://api.pe.example", "base_url"),
        ("ftp://x", "base_url"),
        ("https://", "base_url"),
        ("https://u@evil.example", "base_url"),
    ] {
        let error = parse(&with(&api(base))).map(|_| ()).unwrap_err();
        assert!(error.contains(why), "{base}: {error}");
    }
    let no_secret = r#"{"pagoefectivo_api":{"base_url":"https://a.example","id_service":"1","access_key":"ak"}}"#;
    assert!(
        parse(&with(no_secret))
            .unwrap_err()
            .contains("pagoefectivo_secret")
    );
    let in_test = local().replace(
        r#""pagoefectivo_secret":"pe_local_secret""#,
        r#""pagoefectivo_secret":"pe_local_secret","pagoefectivo_api":{"base_url":"https://a.example","id_service":"1","access_key":"ak"}"#,
    );
    assert!(parse(&in_test).unwrap_err().contains("test mode"));
}

#[test]
fn live_rate_limit_defaults_to_100_and_only_a_bound_tier_is_taken() {
    let config = parse(&local()).unwrap();
    assert_eq!(config.merchants[0].live_rate_limit, 100);
    let with = |n: &str| {
        local().replace(
            r#""efecty_gln""#,
            &format!(r#""live_rate_limit_per_second":{n},"efecty_gln""#),
        )
    };
    for tier in LIVE_RATE_LIMITS {
        let config = parse(&with(&tier.to_string())).unwrap();
        assert_eq!(config.merchants[0].live_rate_limit, tier);
    }
    for refused in ["0", "99", "5000"] {
        assert_eq!(
            parse(&with(refused)).map(|_| ()).unwrap_err(),
            "MERCHANTS[0]: live_rate_limit_per_second must be one of [50, 100, 200, 500, 1000]",
            "{refused}"
        );
    }
    assert!(parse(&with("-1")).is_err());
    assert!(parse(&with("\"100\"")).is_err());
}

/// Regression (review L4): a secret shared by test and live, or by two merchants, made
/// the shared notification address judge a payment under the wrong merchant or mode.
#[test]
fn a_notification_secret_used_twice_is_refused_naming_both_places_never_the_secret() {
    const WHSEC: &str = "whsec_ZWZlY3R5X2xvY2FsX3NlY3JldF9rZXk=";
    let with_live =
        |live: &str| local().replace(r#""efecty_gln""#, &format!(r#""live":{live},"efecty_gln""#));
    let second = |test: &str| {
        let other = format!(
            r#"{{"id":"mer_000000000000000000000001","name":"Otra","keys":[{{"sha256":"{}","mode":"test","role":"secret"}}],"test":{test}}}"#,
            "c".repeat(64)
        );
        format!("[{},{other}]", &local()[1..local().len() - 1])
    };
    let cases = [
        (
            with_live(r#"{"pagoefectivo_secret":"pe_local_secret"}"#),
            "MERCHANTS[0].live.pagoefectivo_secret is the same secret as MERCHANTS[0].test.pagoefectivo_secret",
        ),
        (
            with_live(&format!(r#"{{"efecty_secret":"{WHSEC}"}}"#)),
            "MERCHANTS[0].live.efecty_secret is the same secret as MERCHANTS[0].test.efecty_secret",
        ),
        (
            second(r#"{"pagoefectivo_secret":"pe_local_secret"}"#),
            "MERCHANTS[1].test.pagoefectivo_secret is the same secret as MERCHANTS[0].test.pagoefectivo_secret",
        ),
        (
            // The same key bytes however the base64 is padded.
            second(r#"{"efecty_secret":"whsec_ZWZlY3R5X2xvY2FsX3NlY3JldF9rZXk"}"#),
            "MERCHANTS[1].test.efecty_secret is the same secret as MERCHANTS[0].test.efecty_secret",
        ),
    ];
    for (text, why) in cases {
        let error = parse(&text).map(|_| ()).unwrap_err();
        assert!(error.starts_with(why), "{why}: {error}");
        assert!(
            !error.contains("pe_local") && !error.contains("ZWZl"),
            "{error}"
        );
    }
    // Different secrets, and one network's secret equal to nothing else, load.
    assert!(parse(&with_live(r#"{"pagoefectivo_secret":"pe_live_secret"}"#)).is_ok());
    assert!(parse(&second(r#"{"pagoefectivo_secret":"pe_other_secret"}"#)).is_ok());
}

/// Regression (review L6): test vouchers carried the merchant's real GLN and convenio,
/// so a voucher made with a test key could be paid in real cash.
#[test]
fn test_vouchers_never_get_the_live_gln_or_convenio() {
    // The top level is the live agreement: test mode has none.
    let config = parse(&local()).unwrap();
    let m = &config.merchants[0];
    let live = EfectyBiller {
        gln: Some("7709998000018".into()),
        convenio: Some("112233".into()),
    };
    assert_eq!(m.efecty(Mode::Live), &live);
    assert_eq!(m.efecty(Mode::Test), &EfectyBiller::default());
    // Local development's values, given to test mode only (as .dev.vars does).
    let local_dev = local()
        .replace(
            r#""efecty_gln":"7709998000018","efecty_convenio":"112233","#,
            "",
        )
        .replace(
            r#""pagoefectivo_secret":"pe_local_secret","#,
            r#""pagoefectivo_secret":"pe_local_secret","efecty_gln":"7709998000018","efecty_convenio":"112233","#,
        );
    let config = parse(&local_dev).unwrap();
    let m = &config.merchants[0];
    assert_eq!(m.efecty(Mode::Test), &live);
    assert_eq!(m.efecty(Mode::Live), &EfectyBiller::default());
    // `live.…` is the same as the top level; both at once is refused.
    let in_live = local().replace(
        r#""efecty_gln""#,
        r#""live":{"efecty_gln":"7709998000018"},"efecty_gln""#,
    );
    assert_eq!(
        parse(&in_live).map(|_| ()).unwrap_err(),
        "MERCHANTS[0]: efecty_gln is set both at the top level and in live"
    );
    // A test GLN or convenio that is a live one (this merchant's or another's).
    let test_is_live = local().replace(
        r#""pagoefectivo_secret":"pe_local_secret","#,
        r#""pagoefectivo_secret":"pe_local_secret","efecty_gln":"7709998000018","#,
    );
    assert_eq!(
        parse(&test_is_live).map(|_| ()).unwrap_err(),
        "MERCHANTS[0].test.efecty_gln is MERCHANTS[0]'s live efecty_gln: test vouchers must not be payable in real cash"
    );
    let other = format!(
        r#"{{"id":"mer_000000000000000000000001","name":"Otra","keys":[{{"sha256":"{}","mode":"test","role":"secret"}}],"test":{{"efecty_convenio":"112233"}}}}"#,
        "c".repeat(64)
    );
    let two = format!("[{},{other}]", &local()[1..local().len() - 1]);
    assert_eq!(
        parse(&two).map(|_| ()).unwrap_err(),
        "MERCHANTS[1].test.efecty_convenio is MERCHANTS[0]'s live efecty_convenio: test vouchers must not be payable in real cash"
    );
    let bad_test_gln = local_dev.replace("7709998000018", "7709998000017");
    assert_eq!(
        parse(&bad_test_gln).map(|_| ()).unwrap_err(),
        "MERCHANTS[0]: test.efecty_gln is not 13 digits with a valid GS1 check digit"
    );
}

#[test]
fn risk_rules_default_when_absent_none_when_empty_and_bad_ones_are_refused() {
    let config = parse(&local()).unwrap();
    let m = config.merchant(&MerchantId::local()).unwrap();
    assert_eq!(
        m.risk_rules(),
        vale_shared::risk::default_rules().as_slice()
    );
    let with = |rules: &str| {
        local().replace(
            r#""efecty_gln""#,
            &format!(r#""risk_rules":{rules},"efecty_gln""#),
        )
    };
    let none = parse(&with("[]")).unwrap();
    assert!(none.merchants[0].risk_rules().is_empty());
    let error = parse(&with(r#"[{"signal":"ip","metric":"created","window":"2h","comparison":"gt","threshold":3,"action":"review"}]"#))
        .map(|_| ())
        .unwrap_err();
    assert_eq!(
        error,
        "MERCHANTS[0]: risk_rules: risk rule 0: `window` is `2h`; expected one of 1h, 24h, 7d"
    );
}
