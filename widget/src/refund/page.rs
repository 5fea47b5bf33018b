//! The refund page in the shadow root, as Leptos components over a few signals: the
//! refund as last read, why it cannot be shown, and what the live region says. The header
//! (amount, order, reason) and what the status calls for are drawn again only when what
//! they show changes (the status, a destination chosen, a withdrawal code ready); for
//! `requires_action` the choices and the form are [`super::choose`]'s. While the refund
//! waits on the store or the payout it is read again now and then.

use super::choose::Choose;
use super::http::{self, Outcome};
use super::status::{Settled, headline};
use super::view::RefundView;
use super::words;
use crate::sleep::Sleeper;
use leptos::html::Article;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::rc::Rc;
use std::time::Duration;
use vale_shared::refund::RefundStatus;

pub(super) const WRONG_LINK: &str =
    "El enlace de esta devolución no es válido. Pide a la tienda que te lo envíe de nuevo.";

/// How often a refund waiting on the store or the payout is read again.
pub(super) const POLL_MS: u32 = 20_000;

/// Where the page reads and writes the refund (an empty `url`: a link that names none).
#[derive(Debug, Clone)]
pub(super) struct Link {
    /// `{api-base}/v1/refunds/{id}`.
    pub url: String,
    /// The refund's client secret.
    pub secret: vale_shared::Secret,
}

/// The page's state, as signals every part of it reads (all `Copy`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Page {
    /// The refund as last read (`None` until the first good answer).
    pub view: RwSignal<Option<RefundView>>,
    /// Why the refund cannot be shown (a wrong link, no connection at first).
    pub failure: RwSignal<Option<&'static str>>,
    /// What the live region reads out.
    pub said: RwSignal<String>,
    /// Where to call.
    pub link: StoredValue<Link>,
    /// The wait between reads, cut short when the page unmounts.
    pub sleeper: StoredValue<Rc<Sleeper>, LocalStorage>,
    /// The page's card, to find the headline or a field to focus.
    pub card: NodeRef<Article>,
}

impl Page {
    /// Shows `view` and announces its headline.
    pub fn show(self, view: RefundView) {
        self.said.set(headline(&view).to_owned());
        self.failure.set(None);
        self.view.set(Some(view));
    }

    /// Shows `message` instead of the refund.
    pub fn fail(self, message: &'static str) {
        self.failure.set(Some(message));
        self.said.set(message.to_owned());
    }

    /// Whether the page has unmounted (its signals are gone): every async step checks.
    pub fn gone(self) -> bool {
        self.view.is_disposed()
    }

    /// Focuses the first element of the card matching `selector`, once what was just
    /// set has been drawn (the render runs before any timer).
    pub fn focus(self, selector: String) {
        let card = self.card;
        set_timeout(
            move || {
                if let Some(found) = card
                    .get_untracked()
                    .and_then(|c| c.query_selector(&selector).ok().flatten())
                {
                    crate::browser::focus(&found);
                }
            },
            Duration::ZERO,
        );
    }

    /// Reads the refund, shows it, and reads it again while it waits on someone else.
    pub async fn run(self) {
        let Some(link) = self.link.try_get_value() else {
            return;
        };
        if link.url.is_empty() {
            return self.fail(WRONG_LINK);
        }
        loop {
            let answer = http::call(&link.url, link.secret.expose(), None).await;
            if self.gone() {
                return;
            }
            let waiting = match answer {
                Outcome::Ok(json) => match RefundView::read(&json) {
                    Some(view) => {
                        let waiting = matches!(
                            view.status,
                            RefundStatus::PendingApproval | RefundStatus::Processing
                        );
                        let changed = self
                            .view
                            .with_untracked(|v| v.as_ref().map(|v| v.status) != Some(view.status));
                        if changed {
                            self.show(view);
                        }
                        waiting
                    }
                    None => return self.fail("No pudimos leer tu devolución. Recarga la página."),
                },
                Outcome::WrongLink | Outcome::Invalid { .. } => return self.fail(WRONG_LINK),
                Outcome::Failed => {
                    if self.view.with_untracked(Option::is_none) {
                        return self.fail(
                            "No hay conexión o el servicio no responde. Revisa tu internet y recarga la página.",
                        );
                    }
                    true
                }
            };
            if !waiting {
                return;
            }
            let Some(sleeper) = self.sleeper.try_get_value() else {
                return;
            };
            sleeper.sleep(POLL_MS).await;
            if self.gone() {
                return;
            }
        }
    }
}

/// What the page draws again as a whole: the status, and whether a destination and a
/// withdrawal code are there (a poll that brings the same is not drawn again).
type Drawn = Option<(RefundStatus, bool, bool)>;

/// The page: the live region, then the failure, the loading line or the refund.
pub(super) fn page(link: Link, sleeper: Rc<Sleeper>) -> impl IntoView {
    let page = Page {
        view: RwSignal::new(None),
        failure: RwSignal::new(None),
        said: RwSignal::new(String::new()),
        link: StoredValue::new(link),
        sleeper: StoredValue::new_local(sleeper),
        card: NodeRef::new(),
    };
    let drawn = Memo::new(move |_| -> Drawn {
        page.view.with(|v| {
            v.as_ref()
                .map(|v| (v.status, v.destination.is_some(), v.withdrawal.is_some()))
        })
    });
    spawn_local(page.run());
    let content = move || match (page.failure.get(), drawn.get()) {
        (Some(message), _) => view! { <p class="notice bad" role="alert">{message}</p> }.into_any(),
        (None, None) => view! { <p class="muted">"Cargando tu devolución…"</p> }.into_any(),
        (None, Some(_)) => page
            .view
            .with_untracked(|v| v.clone())
            .map(|v| sheet(page, v))
            .into_any(),
    };
    view! {
        <article class="refund" lang="es" node_ref=page.card>
            <p class="sr" role="status" aria-live="polite">{move || page.said.get()}</p>
            <div class="view">{content}</div>
        </article>
    }
}

/// The refund: whose order, how much, why, and what its status calls for.
fn sheet(page: Page, view: RefundView) -> impl IntoView {
    let eyebrow = ["Devolución del pedido ", &view.reference].concat();
    let amount = view.amount.to_string();
    let reason = ["Motivo: ", words::reason(view.reason)].concat();
    let title = headline(&view);
    let body = match view.status {
        RefundStatus::RequiresAction => view! { <Choose page=page view=view/> }.into_any(),
        _ => view! { <Settled view=view/> }.into_any(),
    };
    view! {
        <div class="sheet">
            <p class="eyebrow">{eyebrow}</p>
            <p class="amount">{amount}</p>
            <p class="reason">{reason}</p>
            <h2 class="headline" tabindex="-1">{title}</h2>
            {body}
        </div>
    }
}
