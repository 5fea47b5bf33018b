//! The voucher as the shopper sees it: one root component that keeps the voucher fresh
//! (polling, the countdown, the page's visibility) and picks what to show for its state.

mod actions;
mod barcode;
mod outcome;
mod pending;
mod sleep;

use crate::api::{FetchError, Source};
use crate::browser;
use crate::poll::{PollState, next_delay};
use leptos::prelude::*;
use leptos::task::spawn_local;
use sleep::Sleeper;
use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use time::OffsetDateTime;
use vale_shared::VoucherStatus;
use vale_shared::voucher::DisplayVoucher;

/// The styles of the shadow root, screen and print.
const CSS: &str = include_str!("../style.css");

/// What one mounted widget needs from the outside world.
pub struct Env {
    /// The voucher id as the page gave it (echoed in event details).
    pub voucher: String,
    /// Where the voucher is read from.
    pub source: Rc<dyn Source>,
    /// The element events are fired on (the `<vale-voucher>` host).
    pub host: web_sys::HtmlElement,
    /// The device clock in milliseconds since the epoch (`Date.now` in the browser).
    pub now: fn() -> f64,
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env")
            .field("voucher", &self.voucher)
            .finish_non_exhaustive()
    }
}

/// What the widget shows, derived from the last answer, the last error and the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
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
}

impl Shown {
    fn of(
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

    /// The status named in event details.
    fn status(self) -> Option<&'static str> {
        match self {
            Shown::Loading | Shown::Failed(_) => None,
            Shown::Pending | Shown::Confirming => Some("pending"),
            Shown::Paid => Some("paid"),
            Shown::Expired => Some("expired"),
            Shown::Cancelled => Some("cancelled"),
            Shown::Refunded => Some("refunded"),
        }
    }
}

/// The sentence a screen reader hears when what is shown changes.
fn announce(shown: Shown) -> &'static str {
    match shown {
        Shown::Loading => "Cargando tu comprobante.",
        Shown::Failed(_) => "No pudimos mostrar tu comprobante.",
        Shown::Pending => "Comprobante listo para pagar.",
        Shown::Confirming => "El plazo para pagar venció. Estamos confirmando tu pago.",
        Shown::Paid => "¡Pago recibido!",
        Shown::Expired => "Este código venció.",
        Shown::Cancelled => "Este código fue anulado.",
        Shown::Refunded => "Pago devuelto.",
    }
}

/// The server's clock as the device estimates it: the device clock plus the skew measured
/// at the last answer (`server_time` minus `Date.now()` on receipt).
#[derive(Debug, Clone, Copy)]
struct Clock {
    device_ms: RwSignal<f64>,
    skew_ms: RwSignal<f64>,
}

impl Clock {
    fn server_now(self) -> OffsetDateTime {
        to_datetime(self.device_ms.get() + self.skew_ms.get())
    }

    fn server_now_untracked(self) -> OffsetDateTime {
        to_datetime(self.device_ms.get_untracked() + self.skew_ms.get_untracked())
    }
}

/// Milliseconds since the epoch as a date-time, to the second (out-of-range values clamp
/// to the epoch). Whole seconds keep 128-bit arithmetic out of the wasm.
fn to_datetime(ms: f64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp((ms / 1000.0).floor() as i64)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn unix_ms(at: OffsetDateTime) -> f64 {
    at.unix_timestamp() as f64 * 1000.0 + f64::from(at.millisecond())
}

/// Everything the views read, shared by copy.
#[derive(Debug, Clone, Copy)]
struct Model {
    voucher: RwSignal<Option<DisplayVoucher>>,
    error: RwSignal<Option<FetchError>>,
    clock: Clock,
    /// The `<vale-voucher>` element, whose width bounds the barcode.
    host: StoredValue<web_sys::HtmlElement, LocalStorage>,
}

/// Keeps asking the source while the voucher is pending; one loop at a time.
struct Poller {
    source: Rc<dyn Source>,
    sleeper: Sleeper,
    running: Cell<bool>,
    /// Cleared when the widget unmounts: the loop then stops at its next step without
    /// touching the (disposed) signals. Cheaper in wasm than an abortable task.
    alive: Arc<AtomicBool>,
    now: fn() -> f64,
}

impl Poller {
    /// Asks now: wakes the sleeping loop, or starts one if it had stopped.
    fn poke(self: &Rc<Self>, model: Model) {
        if self.running.get() {
            self.sleeper.wake();
            return;
        }
        self.running.set(true);
        let this = Rc::clone(self);
        spawn_local(async move {
            this.run(model).await;
            this.running.set(false);
        });
    }

    fn alive(&self) -> bool {
        self.alive.load(Ordering::Relaxed)
    }

    async fn run(&self, model: Model) {
        let mut failures = 0u32;
        while self.alive() {
            let answer = self.source.fetch().await;
            if !self.alive() {
                return;
            }
            match answer {
                Ok(voucher) => {
                    failures = 0;
                    let device = (self.now)();
                    model
                        .clock
                        .skew_ms
                        .set(unix_ms(voucher.server_time) - device);
                    model.clock.device_ms.set(device);
                    model.voucher.set(Some(voucher));
                    model.error.set(None);
                }
                Err(error) => {
                    failures = failures.saturating_add(1);
                    model.error.set(Some(error));
                    if !error.is_transient() {
                        return;
                    }
                }
            }
            let (status, overdue) = model.voucher.with_untracked(|v| match v {
                Some(v) => (
                    Some(v.status),
                    model.clock.server_now_untracked() >= v.expires_at,
                ),
                None => (None, false),
            });
            let state = PollState {
                status,
                failures,
                hidden: browser::page_hidden(),
                overdue,
            };
            match next_delay(state) {
                Some(ms) => self.sleeper.sleep(ms).await,
                None => return,
            }
        }
    }
}

/// The whole widget for one voucher.
#[component]
pub fn Widget(env: Env) -> impl IntoView {
    let Env {
        voucher: voucher_id,
        source,
        host,
        now,
    } = env;
    let clock = Clock {
        device_ms: RwSignal::new(now()),
        skew_ms: RwSignal::new(0.0),
    };
    let voucher = RwSignal::new(None::<DisplayVoucher>);
    let error = RwSignal::new(None::<FetchError>);
    let shown = Memo::new(move |_| {
        voucher.with(|v| Shown::of(v.as_ref(), error.get(), clock.server_now()))
    });
    let model = Model {
        voucher,
        error,
        clock,
        host: StoredValue::new_local(host.clone()),
    };

    let poller = Rc::new(Poller {
        source,
        sleeper: Sleeper::default(),
        running: Cell::new(false),
        alive: Arc::new(AtomicBool::new(true)),
        now,
    });
    poller.poke(model);
    let alive = Arc::clone(&poller.alive);
    // A loop asleep at unmount ends when its timer fires (a minute at most).
    on_cleanup(move || alive.store(false, Ordering::Relaxed));

    // The countdown ticks once a second by the device clock.
    if let Ok(tick) =
        set_interval_with_handle(move || clock.device_ms.set(now()), Duration::from_secs(1))
    {
        on_cleanup(move || tick.clear());
    }

    // Back to the tab: ask at once instead of waiting out the hidden-tab pace (but not
    // after a wrong link: only the shopper's "Reintentar" asks again then).
    let on_visible = Rc::clone(&poller);
    let visibility = window_event_listener_untyped("visibilitychange", move |_| {
        let is_final = error.with_untracked(|e| e.is_some_and(|e| !e.is_transient()));
        if !browser::page_hidden() && !is_final {
            on_visible.poke(model);
        }
    });
    on_cleanup(move || visibility.remove());

    // DOM events on the host, once per change of what is shown.
    let events_host = host.clone();
    let id = voucher_id.clone();
    let confirm = Rc::clone(&poller);
    Effect::new(move |previous: Option<Shown>| {
        let current = shown.get();
        let was = previous.unwrap_or(Shown::Loading);
        if current != was {
            let fire = |name| browser::dispatch(&events_host, name, &id, current.status());
            if matches!(was, Shown::Loading | Shown::Failed(_)) && current.status().is_some() {
                fire("vale:ready");
            }
            match current {
                Shown::Paid => fire("vale:paid"),
                // Only the server expires a voucher: a device clock (even corrected) says
                // only that the deadline passed, and a payment made in time may still
                // be confirmed.
                Shown::Expired => fire("vale:expired"),
                // The countdown ran out on screen: ask the server now (a payment may have
                // come in at the last minute), then keep asking at the overdue pace.
                Shown::Confirming if was == Shown::Pending => confirm.poke(model),
                _ => {}
            }
        }
        current
    });
    Effect::new(move |previous: Option<Option<FetchError>>| {
        let current = error.get();
        if let Some(e) = current
            && previous.flatten() != Some(e)
        {
            let status = voucher.with_untracked(|v| v.as_ref().map(|v| v.status.as_str()));
            browser::dispatch(&host, "vale:error", &voucher_id, status);
            leptos::logging::warn!("vale: {}", e.code());
        }
        current
    });

    let retry = StoredValue::new_local(poller);
    let on_retry = move || {
        error.set(None);
        retry.with_value(|p| p.poke(model));
    };

    // Shown while a voucher is on screen but the latest refresh failed.
    let stale = move || {
        let e = error.get()?;
        shown.with(|s| s.status().is_some()).then(|| {
            view! { <p class="stale" role="alert">{e.message()}</p> }
        })
    };

    view! {
        <style>{CSS}</style>
        <article class="vale" lang="es" aria-busy=move || (shown.get() == Shown::Loading).to_string()>
            <p class="sr" role="status" aria-live="polite">{move || announce(shown.get())}</p>
            {stale}
            {move || match shown.get() {
                Shown::Loading => outcome::loading().into_any(),
                Shown::Failed(e) => outcome::failed(e, on_retry).into_any(),
                Shown::Pending => pending::pending(model).into_any(),
                other => outcome::settled(other, model).into_any(),
            }}
        </article>
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
        assert_eq!(Shown::Confirming.status(), Some("pending"));
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
