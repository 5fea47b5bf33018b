//! The voucher as the shopper sees it: the views of `vale_views`, kept up to date from
//! signals. One answer signal (with the last error and the server's clock) drives them:
//! `Shown::of_answer` picks the state's view, which is built again only when the state
//! changes; the countdown and the two-hour warning follow the clock signal in place; the
//! stale-answer line follows the error. An effect fires the element's events, and a poller
//! keeps asking the API while the voucher is pending (faster when the tab comes back).

mod follow;

use crate::api::Source;
use crate::poll::{PollState, next_delay};
use crate::sleep::Sleeper;
use follow::Follow;
use leptos::prelude::*;
use leptos::tachys::view::Render;
use leptos::task::spawn_local;
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;
use time::OffsetDateTime;
use vale_shared::VoucherStatus;
use vale_views::shown::announce;
use vale_views::voucher::{self, Fit, Place, Retry};
use vale_views::words::stale_line;
use vale_views::{Answer, FetchError, Shown, browser};

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

/// Milliseconds since the epoch as a date-time, to the second (out-of-range values clamp
/// to the epoch). Whole seconds keep 128-bit arithmetic out of the wasm.
fn to_datetime(ms: f64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp((ms / 1000.0).floor() as i64)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn unix_ms(at: OffsetDateTime) -> f64 {
    at.unix_timestamp() as f64 * 1000.0 + f64::from(at.millisecond())
}

/// What the widget heard, as signals: every view derives from these.
#[derive(Debug, Clone, Copy)]
struct Model {
    /// The last voucher read (or kept on this device).
    answer: RwSignal<Option<Answer>>,
    /// The last try's error, cleared by a good answer or the shopper's retry.
    error: RwSignal<Option<FetchError>>,
    /// The device clock (ms), set once a second and at every answer.
    device_ms: RwSignal<f64>,
    /// `server_time` minus the device clock at the last answer.
    skew_ms: RwSignal<f64>,
    /// When the voucher on screen was read (device clock, ms), for "actualizado a las".
    read_at: RwSignal<f64>,
    /// Whether the voucher on screen is the copy kept on this device, not an answer of
    /// this visit.
    saved_copy: RwSignal<bool>,
}

impl Model {
    /// The server's clock as the device estimates it.
    fn server_now(self) -> OffsetDateTime {
        to_datetime(self.device_ms.get() + self.skew_ms.get())
    }

    fn server_now_untracked(self) -> OffsetDateTime {
        to_datetime(self.device_ms.get_untracked() + self.skew_ms.get_untracked())
    }
}

/// Keeps asking the source while the voucher is pending; one loop at a time.
struct Poller {
    source: Rc<dyn Source>,
    now: fn() -> f64,
    sleeper: Sleeper,
    running: Cell<bool>,
    /// Cleared when the widget unmounts: the loop stops at its next step, before it
    /// touches the (disposed) signals.
    alive: Cell<bool>,
    model: Model,
}

impl Poller {
    /// Asks now: wakes the sleeping loop, or starts one if it had stopped.
    fn poke(self: &Rc<Self>) {
        if self.running.get() {
            self.sleeper.wake();
            return;
        }
        self.running.set(true);
        let this = Rc::clone(self);
        spawn_local(async move {
            this.run().await;
            this.running.set(false);
        });
    }

    /// The shopper's "Reintentar".
    fn retry(self: &Rc<Self>) {
        self.model.error.set(None);
        self.poke();
    }

    async fn run(&self) {
        let m = self.model;
        let mut failures = 0u32;
        while self.alive.get() {
            let answer = self.source.fetch().await;
            if !self.alive.get() {
                return;
            }
            match answer {
                Ok(answer) => {
                    failures = 0;
                    let device = (self.now)();
                    m.skew_ms.set(unix_ms(answer.voucher.server_time) - device);
                    m.device_ms.set(device);
                    m.read_at.set(device);
                    m.saved_copy.set(false);
                    m.answer.set(Some(answer));
                    m.error.set(None);
                }
                Err(error) => {
                    failures = failures.saturating_add(1);
                    // No network and nothing read yet: the copy kept at the last visit,
                    // by the device's clock (its `server_time` is hours old).
                    let nothing_shown = m.answer.with_untracked(Option::is_none);
                    if error.is_offline()
                        && nothing_shown
                        && let Some((answer, at)) = self.source.saved()
                    {
                        m.skew_ms.set(0.0);
                        m.device_ms.set((self.now)());
                        m.read_at.set(at);
                        m.saved_copy.set(true);
                        m.answer.set(Some(answer));
                    }
                    m.error.set(Some(error));
                }
            }
            if m.error.get_untracked().is_some_and(|e| !e.is_transient()) {
                return;
            }
            let (status, overdue) = m.answer.with_untracked(|a| match a {
                Some(a) => (
                    Some(a.voucher.status),
                    m.server_now_untracked() >= a.voucher.expires_at,
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

/// What the events effect remembers between runs.
#[derive(Debug, Clone, Copy)]
struct Heard {
    shown: Shown,
    /// The status whose event (`vale:paid`, …) was fired last: each change fires once.
    fired: Option<VoucherStatus>,
    error: Option<FetchError>,
}

/// The widget for one voucher: starts asking for it and returns its view (the article,
/// then what draws the state's view into it).
pub fn widget(env: Env) -> impl Render {
    let Env {
        voucher: voucher_id,
        source,
        host,
        now,
    } = env;
    let m = Model {
        answer: RwSignal::new(None),
        error: RwSignal::new(None),
        device_ms: RwSignal::new(now()),
        skew_ms: RwSignal::new(0.0),
        read_at: RwSignal::new(0.0),
        saved_copy: RwSignal::new(false),
    };
    let shown = Memo::new(move |_| {
        m.answer
            .with(|a| Shown::of_answer(a.as_ref(), m.error.get(), m.server_now()))
    });
    let poller = Rc::new(Poller {
        source,
        now,
        sleeper: Sleeper::default(),
        running: Cell::new(false),
        alive: Cell::new(true),
        model: m,
    });
    poller.poke();
    let stop = Rc::clone(&poller);
    let stop = StoredValue::new_local(stop);
    on_cleanup(move || {
        stop.with_value(|p| {
            p.alive.set(false);
            p.sleeper.wake();
        });
    });

    // The countdown's tick, by the device clock.
    if let Ok(tick) =
        set_interval_with_handle(move || m.device_ms.set(now()), Duration::from_secs(1))
    {
        on_cleanup(move || tick.clear());
    }
    // Back to the tab: ask at once instead of waiting out the hidden-tab pace (but not
    // after a wrong link: it must be opened again from the store).
    let on_visible = Rc::clone(&poller);
    let visibility = window_event_listener_untyped("visibilitychange", move |_| {
        let is_final = m.error.get_untracked().is_some_and(|e| !e.is_transient());
        if !browser::page_hidden() && !is_final {
            on_visible.poke();
        }
    });
    on_cleanup(move || visibility.remove());

    events(m, shown, host.clone(), voucher_id, Rc::clone(&poller));

    // Shown while a voucher is on screen but the latest refresh failed.
    let stale = move || m.error.get().filter(|_| shown.get().shows_voucher());
    let stale_text = move || {
        let e = stale()?;
        m.answer.with(|a| {
            a.as_ref()
                .map(|a| stale_line(e, a, to_datetime(m.read_at.get()), m.saved_copy.get()))
        })
    };
    let stale_class = move || {
        if stale().is_some_and(FetchError::is_offline) {
            "stale offline"
        } else {
            "stale"
        }
    };
    let now_signal = Signal::derive(move || m.server_now());
    // "Buscar puntos cerca": one search for the widget's life, whatever state is drawn.
    let near = StoredValue::new_local(crate::near::search(Rc::clone(&poller.source)));
    let host = StoredValue::new_local(host);
    let retry = StoredValue::new_local(poller);
    let view = move || {
        let shown = shown.get();
        let place = host.with_value(|h| Place {
            fit: Fit::Screen {
                host_width: h.client_width(),
                dpr: browser::device_pixel_ratio(),
            },
            can_share: browser::can_share(),
            host: Some(h.clone()),
            live: true,
            near: Some(near.get_value()),
        });
        let retry: Retry = retry.with_value(|p| {
            let p = Rc::clone(p);
            Rc::new(move || p.retry())
        });
        m.answer
            .with_untracked(|a| voucher::state(shown, a.as_ref(), now_signal, &place, Some(retry)))
    };
    let slot = NodeRef::<leptos::html::Div>::new();
    let article = view! {
        <article
            class="vale"
            lang="es"
            aria-busy=move || if shown.get() == Shown::Loading { "true" } else { "false" }
        >
            <p class="sr" role="status" aria-live="polite">
                {move || announce(shown.get())}
            </p>
            <p class=stale_class role="alert" hidden=move || stale().is_none()>
                {stale_text}
            </p>
            <div class="view" node_ref=slot></div>
        </article>
    };
    (article, Follow::new(slot, view))
}

/// Fires the element's events: `vale:ready` when a voucher first shows, one event per
/// change of the server's status (whatever was drawn in between: a wrong link, a retry),
/// and `vale:error` at each new error; and asks the server at once when the countdown
/// runs out on screen.
fn events(
    m: Model,
    shown: Memo<Shown>,
    host: web_sys::HtmlElement,
    voucher_id: String,
    poller: Rc<Poller>,
) {
    let fire = move |name: &str, error: Option<FetchError>| {
        let status = m
            .answer
            .with_untracked(|a| a.as_ref().map(|a| a.voucher.status.as_str()));
        browser::dispatch(
            &host,
            name,
            &voucher_id,
            status,
            error.map(|e| (e.code(), e.message())),
        );
    };
    Effect::new(move |heard: Option<Heard>| {
        let current = shown.get();
        let status = m.answer.with(|a| a.as_ref().map(|a| a.voucher.status));
        let error = m.error.get();
        let mut heard = heard.unwrap_or(Heard {
            shown: Shown::Loading,
            fired: None,
            error: None,
        });
        let was = heard.shown;
        if current != was {
            if !was.shows_voucher() && current.shows_voucher() {
                fire("vale:ready", None);
            }
            // The countdown ran out on screen: ask the server now (a payment may have
            // come in at the last minute), then keep asking at the overdue pace.
            if current == Shown::Confirming && was == Shown::Pending {
                poller.poke();
            }
        }
        // Only the server's status counts: a device clock (even corrected) says only
        // that the deadline passed, and a payment made in time may still be confirmed,
        // so `vale:expired` never comes from the countdown.
        if current.shows_voucher()
            && let Some(status) = status
            && heard.fired != Some(status)
        {
            heard.fired = Some(status);
            if let Some(name) = status_event(status) {
                fire(name, None);
            }
        }
        if let Some(e) = error
            && heard.error != Some(e)
        {
            fire("vale:error", Some(e));
            browser::warn(e.code());
        }
        heard.shown = current;
        heard.error = error;
        heard
    });
}
