//! The voucher as the shopper sees it: one widget that keeps the voucher fresh (polling,
//! the countdown, the page's visibility) and picks what to show for its state.
//!
//! A view is rebuilt only when what is shown changes (pending → paid, …); in between, the
//! countdown, the "less than two hours" warning and the stale-answer line are updated in
//! place.

mod actions;
mod barcode;
mod cashier;
mod outcome;
mod pending;

use crate::api::{Answer, FetchError, Source};
use crate::browser;
use crate::dom::{El, Handlers, el};
use crate::poll::{PollState, next_delay};
use crate::sleep::Sleeper;
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use time::OffsetDateTime;
use vale_shared::VoucherStatus;
use vale_shared::voucher::DisplayVoucher;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;

/// The styles of the shadow root, screen and print.
const CSS: &str = include_str!(concat!(env!("OUT_DIR"), "/style.css"));

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
    /// Pending, but the store reviews the order before its code is shown.
    Review,
}

/// The event fired when the voucher's status becomes `status` (nothing for `pending`).
fn status_event(status: VoucherStatus) -> Option<&'static str> {
    match status {
        VoucherStatus::Pending => None,
        VoucherStatus::Paid => Some("vale:paid"),
        VoucherStatus::Expired => Some("vale:expired"),
        VoucherStatus::Cancelled => Some("vale:cancelled"),
        VoucherStatus::Refunded | VoucherStatus::PartiallyRefunded => Some("vale:refunded"),
    }
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

    /// Whether a voucher is on screen (its status is then named in event details).
    fn shows_voucher(self) -> bool {
        !matches!(self, Shown::Loading | Shown::Failed(_))
    }
}

/// The sentence a screen reader hears when what is shown changes.
fn announce(shown: Shown) -> &'static str {
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

/// Milliseconds since the epoch as a date-time, to the second (out-of-range values clamp
/// to the epoch). Whole seconds keep 128-bit arithmetic out of the wasm.
fn to_datetime(ms: f64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp((ms / 1000.0).floor() as i64)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn unix_ms(at: OffsetDateTime) -> f64 {
    at.unix_timestamp() as f64 * 1000.0 + f64::from(at.millisecond())
}

/// What the pending view keeps to update every second.
struct Ticking {
    expires_at: OffsetDateTime,
    words: El,
    value: El,
    countdown: El,
    soon: El,
    urgent: bool,
}

/// One mounted widget: what it last heard, what it shows, and the nodes it updates.
pub(crate) struct Widget {
    voucher_id: String,
    source: Rc<dyn Source>,
    host: web_sys::HtmlElement,
    now: fn() -> f64,
    voucher: RefCell<Option<Answer>>,
    error: Cell<Option<FetchError>>,
    /// When the voucher on screen was read (device clock, ms), for "actualizado a las".
    read_at: Cell<f64>,
    /// Whether the voucher on screen is the copy kept on this device, not an answer of
    /// this visit.
    saved_copy: Cell<bool>,
    /// `server_time` minus the device clock at the last answer.
    skew_ms: Cell<f64>,
    shown: Cell<Shown>,
    /// The status whose event (`vale:paid`, …) was fired last: each change fires once.
    fired: Cell<Option<VoucherStatus>>,
    article: El,
    status: El,
    stale: El,
    content: El,
    ticking: RefCell<Option<Ticking>>,
    /// The current view's event handlers.
    handlers: Handlers,
    sleeper: Sleeper,
    polling: Cell<bool>,
    /// Cleared when the widget unmounts: loops and timers stop at their next step.
    alive: Cell<bool>,
    /// The once-a-second tick and the page's visibility listener, released at unmount.
    timers: RefCell<Vec<Closure<dyn FnMut()>>>,
    interval: Cell<Option<i32>>,
}

impl Widget {
    /// Builds the widget into `root` and starts asking for the voucher.
    pub(crate) fn start(root: &El, env: Env) -> Rc<Widget> {
        let status = el("p")
            .class("sr")
            .attr("role", "status")
            .attr("aria-live", "polite");
        let stale = el("p").class("stale").attr("role", "alert");
        stale.flag("hidden", true);
        let content = crate::dom::view();
        let article = el("article")
            .class("vale")
            .attr("lang", "es")
            .child(status.clone())
            .child(stale.clone())
            .child(content.clone());
        let _ = root
            .clone()
            .child(el("style").text(CSS))
            .child(article.clone());
        let widget = Rc::new(Widget {
            voucher_id: env.voucher,
            source: env.source,
            host: env.host,
            now: env.now,
            voucher: RefCell::new(None),
            error: Cell::new(None),
            read_at: Cell::new(0.0),
            saved_copy: Cell::new(false),
            skew_ms: Cell::new(0.0),
            // Not `Loading`, so that the first `refresh` draws the loading view.
            shown: Cell::new(Shown::Failed(FetchError::Malformed)),
            fired: Cell::new(None),
            article,
            status,
            stale,
            content,
            ticking: RefCell::new(None),
            handlers: Handlers::default(),
            sleeper: Sleeper::default(),
            polling: Cell::new(false),
            alive: Cell::new(true),
            timers: RefCell::new(Vec::new()),
            interval: Cell::new(None),
        });
        widget.refresh();
        widget.poke();
        widget.listen();
        widget
    }

    /// The countdown's tick and the tab's return.
    fn listen(self: &Rc<Self>) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let weak = Rc::downgrade(self);
        let tick = Closure::<dyn FnMut()>::new(move || {
            if let Some(w) = weak.upgrade() {
                w.refresh();
            }
        });
        let interval = window.set_interval_with_callback_and_timeout_and_arguments_0(
            tick.as_ref().unchecked_ref(),
            1000,
        );
        self.interval.set(interval.ok());
        // Back to the tab: ask at once instead of waiting out the hidden-tab pace (but not
        // after a wrong link: it must be opened again from the store).
        let weak: Weak<Widget> = Rc::downgrade(self);
        let visible = Closure::<dyn FnMut()>::new(move || {
            if let Some(w) = weak.upgrade() {
                let is_final = w.error.get().is_some_and(|e| !e.is_transient());
                if !browser::page_hidden() && !is_final {
                    w.poke();
                }
            }
        });
        let _ = window
            .add_event_listener_with_callback("visibilitychange", visible.as_ref().unchecked_ref());
        self.timers.borrow_mut().extend([tick, visible]);
    }

    /// Stops every timer, request loop and handler, and forgets the nodes.
    pub(crate) fn stop(&self) {
        self.alive.set(false);
        if let Some(window) = web_sys::window() {
            if let Some(handle) = self.interval.take() {
                window.clear_interval_with_handle(handle);
            }
            if let Some(visible) = self.timers.borrow().get(1) {
                let _ = window.remove_event_listener_with_callback(
                    "visibilitychange",
                    visible.as_ref().unchecked_ref(),
                );
            }
        }
        self.timers.borrow_mut().clear();
        self.handlers.clear();
        self.ticking.replace(None);
        self.sleeper.wake();
    }

    /// The server's clock as the device estimates it.
    fn server_now(&self) -> OffsetDateTime {
        to_datetime((self.now)() + self.skew_ms.get())
    }

    /// Asks now: wakes the sleeping loop, or starts one if it had stopped.
    fn poke(self: &Rc<Self>) {
        if self.polling.get() {
            self.sleeper.wake();
            return;
        }
        self.polling.set(true);
        let this = Rc::clone(self);
        spawn_local(async move {
            this.poll().await;
            this.polling.set(false);
        });
    }

    async fn poll(self: &Rc<Self>) {
        let mut failures = 0u32;
        while self.alive.get() {
            let answer = self.source.fetch().await;
            if !self.alive.get() {
                return;
            }
            let before = self.error.get();
            match answer {
                Ok(answer) => {
                    failures = 0;
                    let device = (self.now)();
                    self.skew_ms
                        .set(unix_ms(answer.voucher.server_time) - device);
                    self.read_at.set(device);
                    self.saved_copy.set(false);
                    self.voucher.replace(Some(answer));
                    self.error.set(None);
                }
                Err(error) => {
                    failures = failures.saturating_add(1);
                    self.error.set(Some(error));
                    // No network and nothing read yet: the copy kept at the last visit,
                    // by the device's clock (its `server_time` is hours old).
                    let nothing_shown = self.voucher.borrow().is_none();
                    if error.is_offline()
                        && nothing_shown
                        && let Some((answer, at)) = self.source.saved()
                    {
                        self.skew_ms.set(0.0);
                        self.read_at.set(at);
                        self.saved_copy.set(true);
                        self.voucher.replace(Some(answer));
                    }
                }
            }
            self.refresh();
            if let Some(e) = self.error.get()
                && before != Some(e)
            {
                self.fire("vale:error", Some(e));
                browser::warn(e.code());
            }
            if self.error.get().is_some_and(|e| !e.is_transient()) {
                return;
            }
            let (status, overdue) = match &*self.voucher.borrow() {
                Some(a) => (
                    Some(a.voucher.status),
                    self.server_now() >= a.voucher.expires_at,
                ),
                None => (None, false),
            };
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

    /// The shopper's "Reintentar".
    fn retry(self: &Rc<Self>) {
        self.error.set(None);
        self.poke();
    }

    /// Brings the screen up to date with what was heard and the clock: a new view when
    /// what is shown changed (and its events), else the ticking parts.
    fn refresh(self: &Rc<Self>) {
        if !self.alive.get() {
            return;
        }
        let now = self.server_now();
        let answer = self.voucher.borrow();
        let current = match Shown::of(answer.as_ref().map(|a| &a.voucher), self.error.get(), now) {
            // No code to show yet: the store reviews the order first.
            Shown::Pending | Shown::Confirming if answer.as_ref().is_some_and(|a| a.in_review) => {
                Shown::Review
            }
            shown => shown,
        };
        drop(answer);
        let was = self.shown.replace(current);
        if current != was {
            self.draw(current);
            self.status.set_text(announce(current));
            self.article.set_attr(
                "aria-busy",
                Some(if current == Shown::Loading {
                    "true"
                } else {
                    "false"
                }),
            );
            if !was.shows_voucher() && current.shows_voucher() {
                self.fire("vale:ready", None);
            }
            // The countdown ran out on screen: ask the server now (a payment may have
            // come in at the last minute), then keep asking at the overdue pace.
            if current == Shown::Confirming && was == Shown::Pending {
                self.poke();
            }
        }
        // Once per change of the voucher's status, whatever was drawn in between (a wrong
        // link, a retry). Only the server's status counts: a device clock (even corrected)
        // says only that the deadline passed, and a payment made in time may still be
        // confirmed, so `vale:expired` never comes from the countdown.
        let status = self.voucher.borrow().as_ref().map(|a| a.voucher.status);
        if current.shows_voucher()
            && let Some(status) = status
            && self.fired.replace(Some(status)) != Some(status)
            && let Some(name) = status_event(status)
        {
            self.fire(name, None);
        }
        // Shown while a voucher is on screen but the latest refresh failed.
        let stale = self.error.get().filter(|_| current.shows_voucher());
        let line = match stale {
            Some(e) if e.is_offline() => self.offline_line(),
            Some(e) => e.message().to_owned(),
            None => String::new(),
        };
        self.stale.set_text(&line);
        self.stale.set_attr(
            "class",
            Some(if stale.is_some_and(FetchError::is_offline) {
                "stale offline"
            } else {
                "stale"
            }),
        );
        self.stale.flag("hidden", stale.is_none());
        if let Some(t) = self.ticking.borrow_mut().as_mut() {
            pending::tick(t, now);
        }
    }

    /// Fires `name` with the voucher's status in its detail, and the error's code and
    /// message for `vale:error`.
    fn fire(&self, name: &str, error: Option<FetchError>) {
        let status = self
            .voucher
            .borrow()
            .as_ref()
            .map(|a| a.voucher.status.as_str());
        browser::dispatch(
            &self.host,
            name,
            &self.voucher_id,
            status,
            error.map(|e| (e.code(), e.message())),
        );
    }

    /// "Sin conexión, actualizado a las hh:mm" (in the network's zone), and what it means.
    fn offline_line(&self) -> String {
        let voucher = self.voucher.borrow();
        let Some(a) = voucher.as_ref() else {
            return FetchError::Network.message().to_owned();
        };
        let at = to_datetime(self.read_at.get()).to_offset(a.voucher.network.utc_offset());
        let two = |n: u8| [char::from(b'0' + n / 10 % 10), char::from(b'0' + n % 10)];
        let mut hhmm = String::with_capacity(5);
        hhmm.extend(two(at.hour()));
        hhmm.push(':');
        hhmm.extend(two(at.minute()));
        let what = if self.saved_copy.get() {
            ". Es la copia guardada en este teléfono: si ya pagaste, puede que aún no lo \
             muestre. Se actualizará sola al volver la conexión."
        } else {
            ". Tu código sigue siendo válido; se actualizará solo al volver la conexión."
        };
        ["Sin conexión, actualizado a las ", &hhmm, what].concat()
    }

    /// Replaces the view with the one for `shown`.
    fn draw(self: &Rc<Self>, shown: Shown) {
        self.handlers.clear();
        self.ticking.replace(None);
        let view = match shown {
            Shown::Loading => outcome::loading(),
            Shown::Failed(e) => {
                let weak = Rc::downgrade(self);
                outcome::failed(e, &self.handlers, move || {
                    if let Some(w) = weak.upgrade() {
                        w.retry();
                    }
                })
            }
            Shown::Pending => {
                let voucher = self.voucher.borrow();
                let Some(a) = voucher.as_ref() else {
                    return;
                };
                let (view, ticking) = pending::pending(a, &self.host, &self.handlers);
                self.ticking.replace(Some(ticking));
                view
            }
            other => {
                let voucher = self.voucher.borrow();
                let Some(a) = voucher.as_ref() else {
                    return;
                };
                outcome::settled(other, a)
            }
        };
        self.content.replace(view);
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
