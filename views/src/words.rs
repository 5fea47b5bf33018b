//! The sentences built from a voucher, the same wherever it is drawn: who is paid for
//! which order, what to say at an Efecty counter, what to send to pay later, and what a
//! kept copy shown with no network means.

use crate::answer::{Answer, FetchError};
use time::OffsetDateTime;
use vale_shared::voucher::{DisplayVoucher, group_for_reading};
use vale_shared::{Network, when};

/// `Tienda Local · Pedido order-1001` (`Pedido order-1001` when the store has no name);
/// a marketplace seller's voucher: `Pagas a Mercado Local por Café Andino · Pedido …`.
pub fn who(a: &Answer) -> String {
    let order = ["Pedido ", &a.voucher.reference].concat();
    match name(a) {
        Some(name) => [&name, " · ", &order].concat(),
        None => order,
    }
}

/// The merchant's name, or for a marketplace seller's voucher `Pagas a {platform} por
/// {seller}` (the convenio is the platform's: the shopper and the cashier must see both).
fn name(a: &Answer) -> Option<String> {
    match (&a.merchant_name, &a.seller_name) {
        (Some(platform), Some(seller)) => Some(["Pagas a ", platform, " por ", seller].concat()),
        (Some(platform), None) => Some(platform.clone()),
        (None, seller) => seller.clone(),
    }
}

/// Whom the cashier collects for: `Tienda Local · Convenio 112233` (or `Pagas a Mercado
/// Local por Café Andino · Convenio 112233`), leaving out what the voucher does not have
/// (empty when it has neither).
pub fn payee(a: &Answer) -> String {
    let convenio = a.convenio.as_deref().map(|c| ["Convenio ", c].concat());
    [name(a), convenio]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ")
}

/// What to say at an Efecty counter: «Vengo a pagar a Tienda Local, convenio 112233,
/// referencia 1000 0000 0420», leaving out what the voucher does not have.
pub fn to_say(a: &Answer) -> String {
    let mut out = String::from("«Vengo a pagar");
    for (lead, part) in [
        (" a ", a.merchant_name.as_deref()),
        (", convenio ", a.convenio.as_deref()),
    ] {
        if let Some(part) = part {
            out.push_str(lead);
            out.push_str(part);
        }
    }
    out.push_str(", referencia ");
    out.push_str(&group_for_reading(&a.voucher.payment_code));
    out.push('»');
    out
}

/// The cashier's paper, with its article: `el recibo` (Colombia), `el voucher` (Peru).
pub const fn receipt(network: Network) -> &'static str {
    match network {
        Network::Efecty => "el recibo",
        Network::Pagoefectivo => "el voucher",
    }
}

/// The label of the code: the Efecty reference or the PagoEfectivo CIP.
pub const fn code_label(network: Network) -> &'static str {
    match network {
        Network::Pagoefectivo => "Código CIP",
        Network::Efecty => "Número de referencia",
    }
}

/// When an expired voucher stopped being payable, to word it by: its deadline or, when it
/// expired earlier (a sandbox or network expiry), `expired_at`; never a time still ahead by
/// the server's clock (an answer with no `expired_at` and a deadline to come says no date).
pub fn expired_when(a: &Answer) -> Option<OffsetDateTime> {
    let v = &a.voucher;
    // Compared as seconds: `OffsetDateTime`'s ordering costs the wasm more.
    let deadline = v.expires_at.unix_timestamp();
    match a.expired_at {
        Some(at) if at.unix_timestamp() < deadline => Some(at),
        Some(_) => Some(v.expires_at),
        None => (deadline <= v.server_time.unix_timestamp()).then_some(v.expires_at),
    }
}

/// The message a shopper sends to someone (or to themselves) to pay later: the code, the
/// amount, the deadline and the hosted link.
pub fn share_text(v: &DisplayVoucher) -> String {
    [
        "Código ",
        v.network.brand(),
        ": ",
        &group_for_reading(&v.payment_code),
        ". Monto: ",
        &v.amount.to_string(),
        ". ",
        &when::pay_before(v.expires_at, v.network),
        ". Tu código de pago: ",
        &v.hosted_url,
    ]
    .concat()
}

/// A `wa.me` link that opens WhatsApp with [`share_text`] ready to send.
pub fn whatsapp_url(v: &DisplayVoucher) -> String {
    [
        "https://wa.me/?text=",
        &encode_uri_component(&share_text(v)),
    ]
    .concat()
}

/// The reminder as a `data:` URL for a download link.
pub fn reminder_url(v: &DisplayVoucher) -> String {
    let ics = encode_uri_component(&crate::ics::reminder(v));
    ["data:text/calendar;charset=utf-8,", &ics].concat()
}

/// `encodeURIComponent`, in Rust so that the edge and native tests draw the same links:
/// every byte of the UTF-8 but `A–Z a–z 0–9 - _ . ! ~ * ' ( )` as `%XX`.
pub fn encode_uri_component(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push('%');
            for nibble in [byte >> 4, byte & 0xf] {
                out.push(HEX.get(usize::from(nibble)).map_or('0', |&h| char::from(h)));
            }
        }
    }
    out
}

/// The line over a voucher whose latest refresh failed: with no network, "Sin conexión,
/// actualizado a las hh:mm" (in the network's zone, `read_at` by the device) and what that
/// means for a copy kept on this device (`saved_copy`) or read in this visit; otherwise
/// the error's own message.
pub fn stale_line(
    error: FetchError,
    a: &Answer,
    read_at: OffsetDateTime,
    saved_copy: bool,
) -> String {
    if !error.is_offline() {
        return error.message().to_owned();
    }
    let at = read_at.to_offset(a.voucher.network.utc_offset());
    let two = |n: u8| [char::from(b'0' + n / 10 % 10), char::from(b'0' + n % 10)];
    let mut hhmm = String::with_capacity(5);
    hhmm.extend(two(at.hour()));
    hhmm.push(':');
    hhmm.extend(two(at.minute()));
    let what = if saved_copy {
        ". Es la copia guardada en este teléfono: si ya pagaste, puede que aún no lo \
         muestre. Se actualizará sola al volver la conexión."
    } else {
        ". Tu código sigue siendo válido; se actualizará solo al volver la conexión."
    };
    ["Sin conexión, actualizado a las ", &hhmm, what].concat()
}

/// `url` with `cs=<client_secret>` in its query, unless it already has a `cs` parameter
/// (or there is no secret to add).
///
/// ```
/// use vale_views::words::with_client_secret;
/// let secret = "vch_1_secret_a";
/// assert_eq!(with_client_secret("https://e/v/vch_1", secret), "https://e/v/vch_1?cs=vch_1_secret_a");
/// assert_eq!(with_client_secret("https://e/v/vch_1?cs=x", secret), "https://e/v/vch_1?cs=x");
/// assert_eq!(with_client_secret("https://e/v/vch_1?l=es#top", secret),
///     "https://e/v/vch_1?l=es&cs=vch_1_secret_a#top");
/// ```
pub fn with_client_secret(url: &str, client_secret: &str) -> String {
    let (head, fragment) = match url.split_once('#') {
        Some((head, _)) => (head, url.get(head.len()..).unwrap_or_default()),
        None => (url, ""),
    };
    let query = head.split_once('?').map(|(_, q)| q);
    let has_cs = query.is_some_and(|q| {
        q.split('&')
            .any(|pair| pair.split('=').next() == Some("cs"))
    });
    if has_cs || client_secret.is_empty() {
        return url.to_owned();
    }
    let separator = match query {
        None => "?",
        Some(q) if q.is_empty() || q.ends_with('&') => "",
        Some(_) => "&",
    };
    let mut out = String::with_capacity(url.len() + client_secret.len() + 4);
    out.push_str(head);
    out.push_str(separator);
    out.push_str("cs=");
    // Percent-encode all but the unreserved characters (a client secret has none other
    // today; this keeps a future one from breaking the query).
    for byte in client_secret.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            for nibble in [byte >> 4, byte & 0xf] {
                out.push(HEX.get(usize::from(nibble)).map_or('0', |&h| char::from(h)));
            }
        }
    }
    out.push_str(fragment);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_link_carries_the_client_secret_once() {
        let cs = "vch_7_secret_z";
        for (url, expected) in [
            (
                "https://e.test/v/vch_7",
                "https://e.test/v/vch_7?cs=vch_7_secret_z",
            ),
            (
                "https://e.test/v/vch_7?",
                "https://e.test/v/vch_7?cs=vch_7_secret_z",
            ),
            (
                "https://e.test/v/vch_7?a=1&",
                "https://e.test/v/vch_7?a=1&cs=vch_7_secret_z",
            ),
            (
                "https://e.test/v/vch_7?cs=vch_7_secret_z",
                "https://e.test/v/vch_7?cs=vch_7_secret_z",
            ),
            (
                "https://e.test/v/vch_7?a=1&cs=q",
                "https://e.test/v/vch_7?a=1&cs=q",
            ),
            (
                "https://e.test/v/vch_7#x",
                "https://e.test/v/vch_7?cs=vch_7_secret_z#x",
            ),
            // `ocs` is not `cs`.
            (
                "https://e.test/v/vch_7?ocs=1",
                "https://e.test/v/vch_7?ocs=1&cs=vch_7_secret_z",
            ),
        ] {
            assert_eq!(with_client_secret(url, cs), expected, "{url}");
        }
        assert_eq!(
            with_client_secret("https://e.test/v/1", ""),
            "https://e.test/v/1"
        );
        assert_eq!(
            with_client_secret("https://e.test/v/1", "a b&c=d/é"),
            "https://e.test/v/1?cs=a%20b%26c%3Dd%2F%C3%A9"
        );
    }

    #[test]
    fn links_are_encoded_as_encode_uri_component_encodes_them() {
        assert_eq!(
            encode_uri_component("Código 1000: $\u{a0}50.000 (hora) a&b=c/d?e#f'*~!"),
            "C%C3%B3digo%201000%3A%20%24%C2%A050.000%20(hora)%20a%26b%3Dc%2Fd%3Fe%23f'*~!"
        );
        assert_eq!(encode_uri_component(""), "");
    }
}
