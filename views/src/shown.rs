//! What the voucher shows, chosen from the last answer, the last error and the server's
//! clock by one pure function ([`Shown::of`], with [`Shown::of_answer`] for a voucher
//! under review), and the sentence a screen reader hears for each.

use crate::answer::{Answer, FetchError};
use time::OffsetDateTime;
use vale_shared::VoucherStatus;
use vale_shared::voucher::DisplayVoucher;

/// What the widget shows, derived from the last answer, the last error and the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// Nothing read yet.
    Loading,
    /// Nothing read, and the last try failed.
    Failed(FetchError),
    /// Waiting for the cash.
    Pending,
    /// Past its deadline by the server's clock but still `pending`: the network may yet
    /// confirm a payment made in time (the confirmation window). Not to be paid now.
    Confirming,
    /// Paid.
    Paid,
    /// Expired, as the server says (never by a clock alone).
    Expired,
    /// Cancelled by the merchant.
    Cancelled,
    /// Paid, then refunded in whole or in part.
    Refunded,
    /// Pending, but the store reviews the order before its code is shown.
    Review,
}

impl Shown {
    /// What a voucher read as `voucher` (if any), with `error` from the latest try, shows
    /// at `now` by the server's clock.
    pub fn of(
        voucher: Option<&DisplayVoucher>,
        error: Option<FetchError>,
        now: OffsetDateTime,
    ) -> Self {
        let Some(v) = voucher else {
            return error.map_or(Shown::Loading, Shown::Failed);
        };
        // A wrong link (401, 403, 404) is final even over a voucher read before: its code
        // must not be paid on the strength of an old answer.
        if let Some(e) = error.filter(|e| !e.is_transient()) {
            return Shown::Failed(e);
        }
        match v.status {
            VoucherStatus::Pending if now >= v.expires_at => Shown::Confirming,
            VoucherStatus::Pending => Shown::Pending,
            VoucherStatus::Paid => Shown::Paid,
            VoucherStatus::Expired => Shown::Expired,
            VoucherStatus::Cancelled => Shown::Cancelled,
            VoucherStatus::Refunded | VoucherStatus::PartiallyRefunded => Shown::Refunded,
        }
    }

    /// [`Shown::of`] for a whole answer: a voucher the store still reviews shows no code
    /// while it waits for the cash, whatever the clock says.
    pub fn of_answer(
        answer: Option<&Answer>,
        error: Option<FetchError>,
        now: OffsetDateTime,
    ) -> Self {
        match Shown::of(answer.map(|a| &a.voucher), error, now) {
            Shown::Pending | Shown::Confirming if answer.is_some_and(|a| a.in_review) => {
                Shown::Review
            }
            shown => shown,
        }
    }

    /// Whether a voucher is on screen (its status is then named in event details).
    pub fn shows_voucher(self) -> bool {
        !matches!(self, Shown::Loading | Shown::Failed(_))
    }
}

/// The sentence a screen reader hears when what is shown changes.
pub fn announce(shown: Shown) -> &'static str {
    match shown {
        Shown::Loading => "Cargando tu código de pago.",
        Shown::Failed(_) => "No pudimos mostrar tu código de pago.",
        Shown::Pending => "Tu código de pago está listo.",
        Shown::Confirming => "El plazo para pagar venció. Estamos confirmando tu pago.",
        Shown::Paid => "¡Pago recibido!",
        Shown::Expired => "Este código venció.",
        Shown::Cancelled => "Este código fue anulado.",
        Shown::Refunded => "Pago devuelto.",
        Shown::Review => "Tu pedido está en revisión.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vale_shared::barcode::{Barcode, Symbology};
    use vale_shared::voucher::Object;
    use vale_shared::{Currency, Money, Network, VoucherId};

    /// 2026-11-25T23:59:59-05:00.
    const DEADLINE: i64 = 1_795_669_199;

    fn at(unix: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(unix).unwrap()
    }

    fn voucher(status: VoucherStatus) -> DisplayVoucher {
        DisplayVoucher {
            id: VoucherId::from_random([7; 15]),
            object: Object::Voucher,
            livemode: false,
            network: Network::Efecty,
            status,
            amount: Money::new(5_000_000, Currency::Cop).unwrap(),
            reference: "order-1001".into(),
            description: None,
            payment_code: "100000000420".into(),
            barcode: Barcode {
                symbology: Symbology::Code128,
                data: "100000000420".into(),
                text: "100000000420".into(),
            },
            expires_at: at(DEADLINE),
            time_zone: "America/Bogota".into(),
            created_at: at(DEADLINE - 3 * 86_400),
            paid_at: None,
            hosted_url: "https://e.test/v/vch_x".into(),
            server_time: at(DEADLINE - 3_600),
        }
    }

    #[test]
    fn past_the_deadline_a_pending_voucher_waits_for_confirmation_not_expired() {
        let v = voucher(VoucherStatus::Pending);
        assert_eq!(Shown::of(Some(&v), None, at(DEADLINE - 1)), Shown::Pending);
        assert_eq!(Shown::of(Some(&v), None, at(DEADLINE)), Shown::Confirming);
        // Twelve hours later (Efecty's window) it is still the server's call.
        let late = at(DEADLINE + 12 * 3_600);
        assert_eq!(Shown::of(Some(&v), None, late), Shown::Confirming);
        assert!(Shown::Confirming.shows_voucher());
        // Only the server's `expired` is expired, whatever the clock.
        let gone = voucher(VoucherStatus::Expired);
        assert_eq!(
            Shown::of(Some(&gone), None, at(DEADLINE - 1)),
            Shown::Expired
        );
        assert_eq!(Shown::of(Some(&gone), None, late), Shown::Expired);
        // A payment confirmed in the window is paid.
        let paid = voucher(VoucherStatus::Paid);
        assert_eq!(Shown::of(Some(&paid), None, late), Shown::Paid);
    }

    #[test]
    fn a_wrong_link_is_final_but_a_failed_refresh_keeps_the_voucher() {
        let v = voucher(VoucherStatus::Pending);
        let now = at(DEADLINE - 60);
        for error in [
            FetchError::Network,
            FetchError::TimedOut,
            FetchError::Unavailable,
            FetchError::Malformed,
        ] {
            assert_eq!(Shown::of(Some(&v), Some(error), now), Shown::Pending);
            assert_eq!(Shown::of(None, Some(error), now), Shown::Failed(error));
        }
        for error in [FetchError::Unauthorized, FetchError::NotFound] {
            assert_eq!(Shown::of(Some(&v), Some(error), now), Shown::Failed(error));
        }
        assert_eq!(Shown::of(None, None, now), Shown::Loading);
    }
}
