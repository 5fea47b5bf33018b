//! The display view as both renderers read it ([`Answer`]: the voucher the crates share
//! and what the edge adds for the shopper's page), and why it could not be read
//! ([`FetchError`], with the words the shopper sees and the code `vale:error` carries).

use time::OffsetDateTime;
use vale_shared::voucher::DisplayVoucher;

/// Why the voucher could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchError {
    /// No answer: offline, DNS, CORS.
    Network,
    /// No whole answer in time (the widget's `api::TIMEOUT_MS`): a stalled connection,
    /// a hung server.
    TimedOut,
    /// `401`/`403`: the client secret is wrong or belongs to another voucher.
    Unauthorized,
    /// `404`, or an id that is not a voucher id.
    NotFound,
    /// `429` or `5xx`: worth trying again later.
    Unavailable,
    /// A `200` whose body is not a display voucher, or another status.
    Malformed,
    /// The page gave a secret or restricted API key (`sk_…`, `rk_…`) as the client
    /// secret: refused before any request, so the key never leaves the page.
    SecretKeyInPage,
}

impl FetchError {
    /// What to tell the shopper, in Spanish.
    pub const fn message(self) -> &'static str {
        match self {
            FetchError::Network => {
                "No hay conexión. Revisa tu internet; tu código sigue siendo válido."
            }
            FetchError::TimedOut => {
                "El servicio tarda en responder. Lo intentaremos de nuevo; tu código sigue siendo válido."
            }
            FetchError::Unauthorized => {
                "Este enlace está incompleto o ya no sirve. Vuelve a abrirlo desde el correo o \
                 el WhatsApp de la tienda."
            }
            FetchError::NotFound => {
                "No encontramos este código de pago. Vuelve a abrir el enlace desde el correo \
                 o el WhatsApp de la tienda."
            }
            FetchError::Unavailable => {
                "El servicio no responde en este momento. Lo intentaremos de nuevo."
            }
            FetchError::Malformed => "No pudimos leer tu código de pago. Inténtalo de nuevo.",
            FetchError::SecretKeyInPage => {
                "Esta página no puede mostrar tu código de pago. Avísale a la tienda."
            }
        }
    }

    /// The machine-readable name used in `vale:error` events: `network` for every failure
    /// that waiting may cure (no answer, none in time, a `429` or `5xx`: the widget keeps
    /// asking), then `unauthorized`, `not_found`, `malformed`, `secret_key_in_page`.
    pub const fn code(self) -> &'static str {
        match self {
            FetchError::Network | FetchError::TimedOut | FetchError::Unavailable => "network",
            FetchError::Unauthorized => "unauthorized",
            FetchError::NotFound => "not_found",
            FetchError::Malformed => "malformed",
            FetchError::SecretKeyInPage => "secret_key_in_page",
        }
    }

    /// Whether the network is what failed (no answer, or none in time): the saved copy
    /// may then stand in.
    pub const fn is_offline(self) -> bool {
        matches!(self, FetchError::Network | FetchError::TimedOut)
    }

    /// Whether asking again may help (the shopper cannot fix a wrong link by waiting): a
    /// `401`, `403` or `404` is final, and the widget stops asking.
    pub const fn is_transient(self) -> bool {
        matches!(
            self,
            FetchError::Network
                | FetchError::TimedOut
                | FetchError::Unavailable
                | FetchError::Malformed
        )
    }
}

/// The display view as the views read it: the voucher the crates share, and what the
/// edge adds for the shopper's page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The voucher.
    pub voucher: DisplayVoucher,
    /// The merchant's display name (`merchant_name`).
    pub merchant_name: Option<String>,
    /// The marketplace seller the voucher is for (`seller_name`): the convenio is the
    /// platform's, so the shopper and the cashier read "Pagas a {platform} por {seller}".
    pub seller_name: Option<String>,
    /// The Efecty agreement number to give at the counter (`convenio`).
    pub convenio: Option<String>,
    /// Where "back to the store" leads: only an `https://` or `http://` URL is kept.
    pub return_url: Option<String>,
    /// When the voucher expired (`expired_at`), which may be before `expires_at` (a
    /// sandbox expiry) or after it (the end of the confirmation window).
    pub expired_at: Option<OffsetDateTime>,
    /// When the merchant cancelled it (`cancelled_at`).
    pub cancelled_at: Option<OffsetDateTime>,
    /// Whether the store is reviewing the order before its payment code is shown
    /// (`review.status` is `open`; `payment_code` and `barcode` are then `null`).
    pub in_review: bool,
}
