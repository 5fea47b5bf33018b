//! Moving a pending voucher's deadline (`POST /v1/vouchers/{id}` with `expires_at`).
//!
//! The body is checked by create's own rules on the voucher's clock (the sandbox test
//! clock included), `Life::move_deadline` decides, and the network is asked first (live
//! PagoEfectivo: `PATCH /v1/cips/{cip}`; nothing to ask elsewhere): only once it accepted
//! does the voucher change. After that await the object reloads and decides again on
//! what is stored, then writes the deadline, the barcode whose date follows it and a new
//! version in one step; the alarm and the merchant's index follow from storage.
//!
//! No event is emitted: a deadline move is not a change of status, and the only one who
//! can make it is the merchant, whose answer carries the whole voucher.

use super::object::VoucherObject;
use crate::http::error::{ApiError, ApiResult, ErrorType};
use crate::networks::rail::Rail;
use crate::objects::voucher::Scope;
use crate::objects::voucher::store::Stored;
use crate::runtime::clock;
use std::cell::Cell;
use vale_shared::voucher::{DeadlineError, Life, VoucherUpdate};

/// `409` for a deadline that cannot move.
fn refused(e: DeadlineError) -> ApiError {
    match e {
        DeadlineError::NotPending(status) => ApiError::not_pending(status, "updated"),
        DeadlineError::Passed => ApiError::new(
            409,
            ErrorType::InvalidRequestError,
            "deadline_passed",
            "This voucher's deadline has passed: it only waits for payments made in time to be confirmed, so its deadline can no longer move.",
        ),
    }
}

/// `409` while another move of the same voucher is asking the network.
fn in_progress() -> ApiError {
    ApiError::new(
        409,
        ErrorType::InvalidRequestError,
        "voucher_update_in_progress",
        "Another update of this voucher is still running; retry in a moment.",
    )
}

/// The in-memory mark of a move asking the network, cleared however the move ends (an
/// answer, an error, or the request going away).
struct Lease<'a>(&'a Cell<bool>);

impl<'a> Lease<'a> {
    fn take(flag: &'a Cell<bool>) -> Option<Lease<'a>> {
        (!flag.replace(true)).then_some(Lease(flag))
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

impl VoucherObject {
    /// Moves `stored`'s deadline as the body asks, and answers the whole voucher.
    pub(super) async fn update(
        &self,
        stored: Stored,
        scope: &Scope,
        body: Option<&str>,
    ) -> ApiResult<String> {
        let body = body.unwrap_or("\u{0}");
        let now = stored.now(clock::now());
        let asked =
            VoucherUpdate::from_json(body.as_bytes(), stored.network, now, self.min_lifetime())?;
        let life = stored
            .life
            .move_deadline(asked.expires_at, now)
            .map_err(refused)?;
        if life == stored.life {
            // The deadline it already has: nothing to ask, nothing to write.
            return self.render(&stored, scope, clock::now());
        }
        let rail = self.rail(&stored)?;
        let lease = Lease::take(&self.updating).ok_or_else(in_progress)?;
        // The network first: the voucher must never promise a deadline its code lacks.
        rail.reschedule(&stored.payment_code, life.expires_at)
            .await?;
        // Reload after the await: a payment, a cancel or the window's end may have landed.
        let fresh = self.loaded(scope)?;
        let life = decide_again(&stored, &fresh, asked, fresh.now(clock::now()))?;
        let barcode = fresh
            .network
            .barcode_with_deadline(
                &fresh.issued.barcode,
                &fresh.payment_code,
                fresh.amount,
                life.expires_at,
            )
            .ok_or_else(|| ApiError::internal("barcode: a stored GS1-128 symbol without its GLN"))?
            .map_err(|e| ApiError::internal(format!("barcode: {e}")))?;
        let now_ms = clock::millis(clock::now());
        let stored = self.write(fresh, now_ms, move |tx, next| {
            next.save_deadline(tx.sql, life, barcode)
        })?;
        drop(lease);
        self.after_write(&stored).await?;
        self.render(&stored, scope, clock::now())
    }
}

/// The move decided again on the voucher as reloaded after the network accepted it: it
/// must still be pending with the deadline it had when the network was asked.
fn decide_again(
    before: &Stored,
    fresh: &Stored,
    asked: VoucherUpdate,
    now: time::OffsetDateTime,
) -> ApiResult<Life> {
    let life = fresh
        .life
        .move_deadline(asked.expires_at, now)
        .map_err(refused)?;
    if fresh.life.expires_at != before.life.expires_at {
        return Err(in_progress());
    }
    Ok(life)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_move_at_a_time_and_the_lease_ends_with_its_holder() {
        let flag = Cell::new(false);
        let first = Lease::take(&flag);
        assert!(first.is_some());
        assert!(Lease::take(&flag).is_none(), "a second move waits");
        drop(first);
        assert!(
            Lease::take(&flag).is_some(),
            "released when the first ended"
        );
        assert!(!flag.get());
    }

    #[test]
    fn refusals_are_409_with_their_own_codes() {
        let paid = refused(DeadlineError::NotPending(vale_shared::VoucherStatus::Paid));
        assert_eq!(
            (paid.status, paid.code.as_str()),
            (409, "voucher_not_pending")
        );
        let passed = refused(DeadlineError::Passed);
        assert_eq!(
            (passed.status, passed.code.as_str()),
            (409, "deadline_passed")
        );
    }
}
