//! "Dónde pagar cerca de ti", under "Cómo pagar" (issue #22): before any tap, the links
//! that need no permission (the network's finder, a map search per chain that can take
//! the amount); the "Buscar puntos cerca" button, which asks for the position only when
//! tapped (the widget does that, [`Search`]); the nearest points, or one sentence saying
//! why there are none; and, on paper, the finder's address and a QR to the hosted voucher.
//!
//! The edge draws the links and a disabled button (no [`Search`] there).

use crate::answer::Answer;
use crate::places::{self, Found, PRIVACY, Point};
use leptos::prelude::*;
use std::rc::Rc;
use vale_shared::Network;
use vale_shared::barcode::{Barcode, Symbology, draw, symbol};
use vale_shared::digits::decimal;

/// What the widget hands the section: the list as a signal, and what the button does.
#[derive(Clone)]
pub struct Search {
    /// What is found (or why nothing is), set by `run`.
    pub found: RwSignal<Found>,
    /// Asks for the position, then the points (the button's tap).
    pub run: Rc<dyn Fn()>,
    /// Whether "Cómo llegar" is a `geo:` link (Android opens the maps app with it).
    pub android: bool,
}

impl std::fmt::Debug for Search {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Search")
            .field("android", &self.android)
            .finish_non_exhaustive()
    }
}

/// The section.
#[component]
pub fn Near(
    /// The voucher and what the edge adds to it.
    answer: Answer,
    /// The search, where the widget runs (`None` on the edge: the button is disabled).
    search: Option<Search>,
    /// Whether the buttons work here.
    live: bool,
) -> impl IntoView {
    let v = &answer.voucher;
    let network = v.network;
    let (label, url) = places::finder(network);
    let maps = places::searchable(network, v.amount)
        .into_iter()
        .map(|c| {
            view! {
                <li>
                    <a href=places::map_search(c) target="_blank" rel="noopener noreferrer">
                        {c.name()}
                    </a>
                </li>
            }
        })
        .collect_view();
    // Without a search (the edge's drawing), a signal that never changes: the list's
    // slots stay empty and hidden.
    let found = search
        .as_ref()
        .map_or_else(|| RwSignal::new(Found::default()), |s| s.found);
    let android = search.as_ref().is_some_and(|s| s.android);
    let run = search.map(|s| s.run);
    let off = !live || run.is_none();
    let asking = move || found.with(|f| f.asking);
    let tap = move |_| {
        if let Some(run) = &run {
            run();
        }
    };
    // Static slots whose text and links follow the signal: a list drawn anew at each
    // search would compile Leptos' in-place update path for every element of it.
    let why = move || found.with(|f| f.why.map_or("", |w| w.sentence()));
    let dated = move || {
        found.with(|f| match f.saved_at {
            Some(ms) if !f.points.is_empty() => places::saved_line(ms, network),
            _ => String::new(),
        })
    };
    let rows = (0..places::SHOWN)
        .map(|i| {
            row(Slot {
                found,
                i,
                network,
                android,
            })
        })
        .collect_view();
    view! {
        <section class="block near" aria-labelledby="vale-near-h">
            <h3 id="vale-near-h">"Dónde pagar cerca de ti"</h3>
            <p class="near-finder">
                <a href=url target="_blank" rel="noopener noreferrer">{label}</a>
            </p>
            <p class="near-maps-h">"En el mapa, los que aceptan este monto:"</p>
            <ul class="near-maps">{maps}</ul>
            <button
                type="button"
                class="button near-search"
                disabled=move || off || asking()
                on:click=tap
            >
                {move || if asking() { "Buscando…" } else { "Buscar puntos cerca" }}
            </button>
            <p class="near-privacy">{PRIVACY}</p>
            <div class="near-found" aria-live="polite">
                <p class="near-why" hidden=move || why().is_empty()>{why}</p>
                <p class="near-date" hidden=move || dated().is_empty()>{dated}</p>
                <ol class="points" hidden=move || found.with(|f| f.points.is_empty())>{rows}</ol>
            </div>
            <Paper network=network hosted=v.hosted_url.clone()/>
        </section>
    }
}

/// The `i`th row of the list, as the signal has it.
#[derive(Clone, Copy)]
struct Slot {
    found: RwSignal<Found>,
    i: usize,
    network: Network,
    android: bool,
}

impl Slot {
    /// `f` of the row's point, or nothing while there is none. One closure type for every
    /// field, so the text's update code is compiled once.
    fn text(self, f: fn(&Point, Network, bool) -> String) -> impl Fn() -> String + Copy {
        move || {
            self.found.with(|found| {
                found
                    .points
                    .get(self.i)
                    .map(|p| f(p, self.network, self.android))
                    .unwrap_or_default()
            })
        }
    }
}

/// One point: chain and name, distance and address, hours, the way there.
fn row(s: Slot) -> impl IntoView + use<> {
    let hours = s.text(|p, _, _| p.hours.as_deref().map(places::hours).unwrap_or_default());
    view! {
        <li class="point" hidden=move || s.found.with(|f| f.points.len() <= s.i)>
            <p class="point-name">
                <span class="point-chain">{s.text(|p, _, _| p.chain.clone())}</span>
                " · "
                <strong>{s.text(|p, _, _| p.name.clone())}</strong>
            </p>
            <p class="point-where">
                <span class="point-distance">
                    {s.text(|p, network, _| places::distance(p.metres, network))}
                </span>
                " · "
                {s.text(|p, _, _| [p.address.as_str(), ", ", p.city.as_str()].concat())}
            </p>
            <p class="point-hours" hidden=move || hours().is_empty()>{hours}</p>
            <a
                class="point-go"
                href=s.text(|p, _, android| places::directions(p, android))
                aria-label=s.text(|p, _, _| ["Cómo llegar a ", p.name.as_str()].concat())
                target="_blank"
                rel="noopener noreferrer"
            >
                "Cómo llegar"
            </a>
        </li>
    }
}

/// On paper only: the finder's address as text and a QR to the hosted voucher (which has
/// the live list).
#[component]
fn Paper(
    /// Whose finder.
    network: Network,
    /// The hosted voucher's link.
    hosted: String,
) -> impl IntoView {
    let qr = symbol(&Barcode {
        symbology: Symbology::Qr,
        data: hosted,
        text: String::new(),
    })
    .ok()
    .map(|s| {
        let d = draw::draw(&s, 1);
        let view_box = [
            "0 0 ",
            &decimal(d.width.into()),
            " ",
            &decimal(d.height.into()),
        ]
        .concat();
        view! {
            <svg
                class="near-qr"
                viewBox=view_box
                shape-rendering="crispEdges"
                role="img"
                aria-label="Código QR de este voucher en línea"
            >
                <path fill="#000" d=d.path()></path>
            </svg>
        }
    });
    view! {
        <div class="near-paper">
            {qr}
            <p>
                "Dónde pagar: " <strong>{places::finder_text(network)}</strong>
                ". Escanea el código para ver este voucher y los puntos cerca de ti."
            </p>
        </div>
    }
}
