//! The voucher's components: the view for each [`Shown`] state, as the widget mounts it
//! in the shadow root and the edge draws it into the hosted page.
//!
//! [`state`] picks the view; each view reads its answer once (what it shows changes only
//! with the state, which builds a new view) and the server's clock as a signal (the
//! countdown and the two-hour warning update in place).

mod actions;
mod barcode;
mod cashier;
mod header;
mod near;
mod outcome;
mod pending;

pub use barcode::{Fit, PAGE_TURNED_BAR_CSS, PAGE_WIDEST_ACROSS, PREVIEW_HINT};
pub use cashier::BRIGHTNESS;
pub use near::Search;
pub use pending::{SOON, URGENT_SECONDS};

use crate::answer::Answer;
use crate::shown::{Shown, announce};
use leptos::either::EitherOf5;
use leptos::prelude::*;
use std::rc::Rc;
use time::OffsetDateTime;

/// What the views know of where they are drawn (they ask the browser nothing while
/// drawing, so the edge and native tests draw the same).
#[derive(Debug, Clone)]
pub struct Place {
    /// How the barcode is fitted to the screen.
    pub fit: Fit,
    /// Whether the browser has a share sheet (`navigator.share`): the share button then
    /// says "Compartir", else "Copiar enlace".
    pub can_share: bool,
    /// The `<vale-voucher>` element, which the cashier view marks while it is open (`None`
    /// on the edge).
    pub host: Option<web_sys::HtmlElement>,
    /// Whether the buttons work here: not in a page the edge drew, until the widget takes
    /// over (they show, disabled; the links work).
    pub live: bool,
    /// "Buscar puntos cerca": the widget's search for points near the shopper (`None` on
    /// the edge, which draws the section's links and a disabled button).
    pub near: Option<Search>,
}

impl Place {
    /// A page the edge draws: no screen width known, no share sheet known, no element.
    pub const fn page() -> Self {
        Place {
            fit: Fit::Page,
            can_share: false,
            host: None,
            live: false,
            near: None,
        }
    }
}

/// The shopper's "Reintentar", given to the view of a voucher that could not be read.
pub type Retry = Rc<dyn Fn()>;

/// The view for `shown`, from `answer` (the states that show a voucher draw nothing
/// without one) at the server's clock `now`.
///
/// One of five view types, chosen statically (`EitherOf5`, not a type-erased `AnyView`,
/// whose every rendering path, async HTML streaming included, would be compiled into
/// the edge and the widget for each view).
pub fn state(
    shown: Shown,
    answer: Option<&Answer>,
    now: Signal<OffsetDateTime>,
    place: &Place,
    retry: Option<Retry>,
) -> impl IntoView + use<> {
    match (shown, answer) {
        (Shown::Loading, _) => EitherOf5::A(outcome::loading()),
        (Shown::Failed(error), _) => EitherOf5::B(outcome::failed(error, retry)),
        (Shown::Pending, Some(a)) => EitherOf5::C(pending::pending(a, now, place)),
        (other, Some(a)) => EitherOf5::D(outcome::settled(other, a)),
        (_, None) => EitherOf5::E(()),
    }
}

/// The whole voucher as the edge draws it: the article (with its spoken status line) and
/// the view for `shown`, inside the wrapper the styles start from. The widget draws the
/// same article with its live parts (the status line, the stale-answer line).
pub fn article(
    shown: Shown,
    answer: Option<&Answer>,
    now: OffsetDateTime,
) -> impl IntoView + use<> {
    frame(
        shown,
        state(shown, answer, Signal::stored(now), &Place::page(), None),
    )
}

/// The hosted page's first paint: [`article`] for a pending voucher, drawn without going
/// through [`state`], so the edge's wasm carries the pending view's HTML only (not every
/// state's, which the edge never draws).
pub fn pending_article(answer: &Answer, now: OffsetDateTime) -> impl IntoView + use<> {
    frame(
        Shown::Pending,
        pending::pending(answer, Signal::stored(now), &Place::page()),
    )
}

/// `view` inside the article and the wrapper the styles start from.
fn frame(shown: Shown, view: impl IntoView) -> impl IntoView {
    view! {
        <div class="vale-root">
            <article class="vale" lang="es" aria-busy="false">
                <p class="sr" role="status" aria-live="polite">{announce(shown)}</p>
                <div class="view">{view}</div>
            </article>
        </div>
    }
}
