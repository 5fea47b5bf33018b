//! Where the edge may deliver a merchant's events. Live mode: `https://` to a public host
//! name only (no IP literal, no `localhost`, no single-label or `.local`/`.internal`
//! name), so that nobody can point Vale's deliveries at an address inside a network.
//! Test mode: `http(s)://` anywhere, `127.0.0.1` included, for local development.

use crate::http::error::ApiError;
use worker::url::{Host, Url};

/// The longest endpoint URL, in bytes.
pub const MAX_URL: usize = 2048;

fn invalid(message: &str) -> ApiError {
    ApiError::invalid("url", "url_invalid", message)
}

/// Checks an endpoint URL for `livemode`.
pub fn check(text: &str, livemode: bool) -> Result<Url, ApiError> {
    if text.len() > MAX_URL {
        return Err(invalid("url must be at most 2,048 characters."));
    }
    let url = Url::parse(text).map_err(|_| invalid("url must be an absolute http(s):// URL."))?;
    match (url.scheme(), livemode) {
        ("https", _) | ("http", false) => {}
        ("http", true) => return Err(invalid("Live endpoints must use https://.")),
        _ => return Err(invalid("url must be an absolute http(s):// URL.")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("url must not carry a user name or password."));
    }
    let Some(host) = url.host() else {
        return Err(invalid("url must name a host."));
    };
    if livemode {
        let name = match host {
            Host::Domain(name) => name.trim_end_matches('.').to_ascii_lowercase(),
            Host::Ipv4(_) | Host::Ipv6(_) => {
                return Err(invalid(
                    "Live endpoints need a public host name, not an IP address.",
                ));
            }
        };
        let private = name == "localhost"
            || !name.contains('.')
            || [".localhost", ".local", ".internal", ".lan", ".home.arpa"]
                .iter()
                .any(|suffix| name.ends_with(suffix))
            // A name that is an IP address written another way (`0x7f.1`, `2130706433`).
            || name.split('.').all(|label| label.bytes().all(|b| b.is_ascii_hexdigit() || b == b'x'));
        if private {
            return Err(invalid("Live endpoints need a public host name."));
        }
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_endpoints_are_https_to_public_names() {
        assert!(check("https://tienda.example/webhooks/vale", true).is_ok());
        for bad in [
            "http://tienda.example/hook",
            "https://127.0.0.1/hook",
            "https://10.0.0.7/hook",
            "https://[::1]/hook",
            "https://169.254.169.254/latest",
            "https://localhost/hook",
            "https://printer.local/hook",
            "https://intranet/hook",
            "https://2130706433/hook",
            "https://0x7f.1/hook",
            "https://user:pw@tienda.example/hook",
            "ftp://tienda.example/hook",
            "not a url",
        ] {
            assert_eq!(
                check(bad, true).map(|_| ()).unwrap_err().param.as_deref(),
                Some("url"),
                "{bad}"
            );
        }
    }

    #[test]
    fn test_endpoints_may_be_local() {
        assert!(check("http://127.0.0.1:9999/hook", false).is_ok());
        assert!(check("ftp://127.0.0.1/hook", false).is_err());
        assert!(check(&format!("https://t.example/{}", "a".repeat(2048)), false).is_err());
    }
}
