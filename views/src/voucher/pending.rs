//! The voucher while it waits for the cash: amount, code, barcode, deadline, what to do
//! with them, how to pay and what comes after.

use super::Place;
use super::actions::Actions;
use super::barcode::BarcodeFigure;
use super::header::Header;
use super::near::Near;
use crate::answer::Answer;
use crate::guidance;
use crate::words::{code_label, payee, to_say};
use leptos::either::Either;
use leptos::html::Span;
use leptos::prelude::*;
use time::OffsetDateTime;
use vale_shared::voucher::{code_groups, group_for_reading};
use vale_shared::{Network, expiry, when};

/// Under two hours left: the countdown turns urgent and a warning says what that means.
pub const URGENT_SECONDS: i64 = 2 * 3600;

/// What the warning says when less than [`URGENT_SECONDS`] are left.
pub const SOON: &str = "Quedan menos de 2 horas para pagar. Si no alcanzas a llegar a un punto \
    de pago antes de la hora límite, no pagues este código: pide uno nuevo en la tienda.";

/// The pending voucher at the server's clock `now`. Only the countdown and the warning
/// follow the clock; nothing else drawn here changes while the voucher is pending.
pub fn pending(a: &Answer, now: Signal<OffsetDateTime>, place: &Place) -> impl IntoView + use<> {
    let v = &a.voucher;
    // The visible code, selected for a copy by hand when the clipboard is out of reach.
    let code = NodeRef::<Span>::new();
    let fit = place.fit;
    view! {
        <div class="view">
            <Header answer=a.clone() title="Paga en efectivo"/>
            <CodeBlock answer=a.clone() groups=code/>
            <BarcodeFigure code=v.barcode.clone() fit=fit/>
            <Deadline network=v.network expires_at=v.expires_at now=now/>
            // On a phone: amount, code, barcode, deadline, then what to do with them.
            <div class="block act">
                <Actions voucher=v.clone() payee=payee(a) code=code place=place.clone()/>
            </div>
            <HowToPay answer=a.clone()/>
            <Near answer=a.clone() search=place.near.clone() live=place.live/>
            <AfterPaying answer=a.clone()/>
        </div>
    }
}

/// The code to give at the counter, in groups of digits, with what goes with it: for
/// Efecty the convenio first (the cashier's first question) and the sentence to say.
#[component]
fn CodeBlock(
    /// The voucher and what the edge adds to it.
    answer: Answer,
    /// Where the groups of digits are, for a copy by hand.
    groups: NodeRef<Span>,
) -> impl IntoView {
    let v = &answer.voucher;
    let efecty = v.network == Network::Efecty;
    let convenio = answer
        .convenio
        .clone()
        .filter(|_| efecty)
        .map(|c| view! { <p class="convenio">"Convenio " {c}</p> });
    let say = efecty.then(|| view! { <p class="say">"Dile al cajero: " {to_say(&answer)}</p> });
    let each = code_groups(&v.payment_code)
        .into_iter()
        .map(|g| view! { <span class="group">{g}</span> })
        .collect_view();
    view! {
        <section class="block code-block" aria-labelledby="vale-code-h">
            {convenio}
            <h3 id="vale-code-h" class="label">{code_label(v.network)}</h3>
            <p class="code">
                <span class="sr">{group_for_reading(&v.payment_code)}</span>
                <span class="code-groups" aria-hidden="true" node_ref=groups>{each}</span>
            </p>
            {say}
        </section>
    }
}

/// The deadline in words, the time left (in words first; the ticking clock, which reads
/// as a second deadline to many, small beside it) and, under two hours, what to do.
#[component]
fn Deadline(
    /// Whose zone the deadline is said in.
    network: Network,
    /// The deadline.
    expires_at: OffsetDateTime,
    /// The server's clock.
    now: Signal<OffsetDateTime>,
) -> impl IntoView {
    let urgent = move || (expires_at - now.get()).whole_seconds() < URGENT_SECONDS;
    view! {
        <section class="block deadline" aria-labelledby="vale-deadline-h">
            <h3 id="vale-deadline-h" class="label">"Fecha límite"</h3>
            <p class="deadline-text">{when::pay_before(expires_at, network)}</p>
            <p class="countdown" class:urgent=urgent role="timer">
                <span class="countdown-words">{move || when::time_left(expires_at, now.get())}</span>
                <span class="countdown-clock">
                    " · "
                    <span class="countdown-value">
                        {move || expiry::countdown_text(expires_at, now.get())}
                    </span>
                </span>
            </p>
            // Text put into a live `alert` is what gets announced.
            <p class="soon" role="alert" hidden=move || !urgent()>
                {move || urgent().then_some(SOON)}
            </p>
        </section>
    }
}

/// Each way to pay the amount and its steps (where: `near::Near`, just after).
#[component]
fn HowToPay(
    /// The voucher and what the edge adds to it.
    answer: Answer,
) -> impl IntoView {
    let v = &answer.voucher;
    let channels = guidance::channels(
        v.network,
        v.amount,
        &v.payment_code,
        answer.convenio.as_deref(),
    )
    .into_iter()
    .enumerate()
    .map(|(i, c)| view! { <Channel channel=c open=i == 0/> })
    .collect_view();
    view! {
        <section class="block howto" aria-labelledby="vale-howto-h">
            <h3 id="vale-howto-h">"Cómo pagar con " {v.network.brand()}</h3>
            {channels}
            <p class="finder">"Solo te mostramos los lugares que aceptan este monto."</p>
        </section>
    }
}

/// One way to pay, as a disclosure; the first one starts open.
#[component]
fn Channel(
    /// The channel's title, places and steps.
    channel: guidance::Channel,
    /// Whether it starts open.
    open: bool,
) -> impl IntoView {
    let steps = channel
        .steps
        .into_iter()
        .map(|step| {
            let parts = step
                .into_iter()
                .map(|p| {
                    if p.strong {
                        Either::Left(view! { <strong>{p.text}</strong> })
                    } else {
                        Either::Right(p.text)
                    }
                })
                .collect_view();
            view! { <li>{parts}</li> }
        })
        .collect_view();
    view! {
        <details class="channel" open=open>
            <summary>{channel.title} <span class="see">" · Ver pasos"</span></summary>
            <p class="places">{channel.places}</p>
            <ol class="steps">{steps}</ol>
        </details>
    }
}

/// Who hears of the payment, what shows here, and what to do when nothing does.
#[component]
fn AfterPaying(
    /// The voucher and what the edge adds to it.
    answer: Answer,
) -> impl IntoView {
    let v = &answer.voucher;
    let text = guidance::after_paying(
        v.network,
        answer.merchant_name.as_deref().unwrap_or("la tienda"),
        &v.reference,
    );
    view! {
        <section class="block after" aria-labelledby="vale-after-h">
            <h3 id="vale-after-h">"Después de pagar"</h3>
            <p>{text}</p>
        </section>
    }
}
