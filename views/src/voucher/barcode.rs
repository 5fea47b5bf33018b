//! The barcode as inline SVG, with its human-readable line under it.
//!
//! On a screen the widget knows ([`Fit::Screen`]) the symbol is drawn in whole device
//! pixels, never under two a module, as large as the card allows; a linear symbol too long
//! for that is a preview that points to the cashier view. On a page the edge draws
//! ([`Fit::Page`]: no width, no device pixel ratio known, no script to open the cashier
//! view) bars are one CSS pixel a module (whole device pixels at any integer ratio, and
//! twice as large on 1× screens through `style.css`), QR modules four, and a symbol wider
//! than a 360 px phone is turned, its bars running across and following each other
//! downwards.

use leptos::prelude::*;
use vale_shared::barcode::draw::{self, Drawing, Shape};
use vale_shared::barcode::{Barcode, Symbol, Symbology, symbol};
use vale_shared::digits::{decimal, push_decimal};

/// How the barcode is fitted to where it is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fit {
    /// A screen the widget measured: the host's width in CSS pixels (0 before layout)
    /// and the device pixels per CSS pixel.
    Screen {
        /// The `<vale-voucher>` element's width, CSS pixels.
        host_width: i32,
        /// Device pixels per CSS pixel (at least 1).
        dpr: f64,
    },
    /// A page drawn before any script ran (the edge's first paint).
    Page,
}

/// The room a symbol may take on screen, in CSS pixels, before layout can tell: a
/// 320 px phone less the card's padding.
const FALLBACK_WIDTH_CSS: f64 = 280.0;
/// The widest a symbol is drawn on screen, in CSS pixels.
const MAX_WIDTH_CSS: f64 = 420.0;
/// The largest a QR code is drawn on screen, in CSS pixels.
const MAX_QR_CSS: f64 = 220.0;
/// The widest bar module on screen, in CSS pixels.
const MAX_BAR_MODULE_CSS: f64 = 3.0;
/// The widest QR module on screen, in CSS pixels.
const MAX_QR_MODULE_CSS: f64 = 8.0;
/// On a page: the widest symbol drawn across, in modules (one CSS pixel each), what fits
/// a 360 px phone inside the page's and the card's padding.
pub const PAGE_WIDEST_ACROSS: u32 = 296;
/// On a page: how long turned bars are, in CSS pixels.
pub const PAGE_TURNED_BAR_CSS: u32 = 200;

/// Under a barcode too long to scan from the page.
pub const PREVIEW_HINT: &str =
    "Vista previa. Para que el cajero lo escanee, toca «Mostrar al cajero».";

/// One drawing as it goes on screen: the drawing, its class, and its size in CSS pixels.
struct OnScreen {
    drawing: Drawing,
    class: &'static str,
    width: String,
    height: String,
    preview: bool,
}

/// The symbol drawn for `fit`.
fn on_screen(symbol: &Symbol, symbology: Symbology, fit: Fit) -> OnScreen {
    match fit {
        Fit::Screen { host_width, dpr } => screen(symbol, host_width, dpr),
        Fit::Page => page(symbol, symbology),
    }
}

fn screen(symbol: &Symbol, host_width: i32, dpr: f64) -> OnScreen {
    let (max_css, max_module_css) = match symbol {
        Symbol::Linear { .. } => (MAX_WIDTH_CSS, MAX_BAR_MODULE_CSS),
        Symbol::Matrix { .. } => (MAX_QR_CSS, MAX_QR_MODULE_CSS),
    };
    // The card's padding and border take 34 px of the host's width.
    let available = f64::from(host_width) - 34.0;
    let available = if available > 0.0 {
        available
    } else {
        FALLBACK_WIDTH_CSS
    };
    let room = (available.min(max_css) * dpr) as u32;
    let max_module = (max_module_css * dpr) as u32;
    let across = draw::modules_across(symbol);
    let drawing = draw::draw(symbol, draw::module_px(across, room, max_module));
    if drawing.shape == Shape::Linear && drawing.width > room {
        // Too long for whole-pixel bars across this screen (turned, it pushed the
        // deadline off a phone's first screen): a compact preview, scaled to the room,
        // and the full-screen view for the cashier to scan.
        OnScreen {
            class: "bars preview",
            width: css_px(room, dpr),
            height: "56".into(),
            preview: true,
            drawing,
        }
    } else {
        let class = if drawing.shape == Shape::Linear {
            "bars"
        } else {
            "qr"
        };
        OnScreen {
            class,
            width: css_px(drawing.width, dpr),
            height: css_px(drawing.height, dpr),
            preview: false,
            drawing,
        }
    }
}

fn page(symbol: &Symbol, symbology: Symbology) -> OnScreen {
    let mut drawing = draw::draw(symbol, draw::MIN_MODULE_PX);
    let linear = drawing.shape == Shape::Linear;
    if linear && drawing.modules_across > PAGE_WIDEST_ACROSS {
        drawing = drawing.turned(PAGE_TURNED_BAR_CSS * draw::MIN_MODULE_PX);
    }
    // CSS pixels per module: bars one (whole device pixels at any integer ratio), QR four.
    let scale = match symbology {
        Symbology::Qr => 4,
        Symbology::Gs1_128 | Symbology::Code128 => 1,
    };
    let css = |units: u32| decimal((units / drawing.module_px.max(1) * scale).into());
    OnScreen {
        class: if linear { "bars page" } else { "qr page" },
        width: css(drawing.width),
        height: css(drawing.height),
        preview: false,
        drawing,
    }
}

/// The barcode figure; a symbol that cannot be drawn leaves only its text, which the
/// cashier can still type.
///
/// On a screen, paper gets drawings of its own, hidden on screen (whatever the screen
/// chose, paper is sized in millimetres by `style.css`): bars side by side for a sheet,
/// and turned (bars across, one after the other down the paper) for a 58 mm receipt.
#[component]
pub fn BarcodeFigure(
    /// What to draw.
    code: Barcode,
    /// Where it is drawn.
    fit: Fit,
) -> impl IntoView {
    let symbol = symbol(&code).ok();
    // The edge's first paint is for the screen, until the widget takes over: one drawing,
    // printed as it is (see `style.css`) by a page printed before any script ran.
    let paper = symbol.as_ref().filter(|_| fit != Fit::Page).map(|symbol| {
        let flat = draw::draw(symbol, draw::MIN_MODULE_PX);
        let linear = flat.shape == Shape::Linear;
        let receipt = linear.then(|| {
            let turned = flat.clone().turned(flat.height);
            image(&turned, "paper-turned bars turned", None)
        });
        let class = if linear {
            "paper-flat bars"
        } else {
            "paper-flat qr"
        };
        view! { <div class="barcode-paper">{image(&flat, class, None)} {receipt}</div> }
    });
    let shown = symbol
        .as_ref()
        .map(|symbol| on_screen(symbol, code.symbology, fit));
    let preview = shown.as_ref().is_some_and(|s| s.preview).then(|| {
        view! { <p class="preview-hint">{PREVIEW_HINT}</p> }
    });
    let drawing = shown.map(|s| image(&s.drawing, s.class, Some((s.width, s.height))));
    // The page's drawing has a class of its own: it is no screen's (nothing that waits
    // for the widget's drawing mistakes it for one) and it prints as it is.
    let scroll = if fit == Fit::Page {
        "barcode-page"
    } else {
        "barcode-scroll"
    };
    // The GS1 text wraps only between its fields: `(415)…`, `(8020)…` each stay whole.
    let mut fields: Vec<String> = Vec::new();
    for c in code.text.chars() {
        match fields.last_mut() {
            Some(field) if c != '(' => field.push(c),
            _ => fields.push(String::from(c)),
        }
    }
    let fields = fields
        .into_iter()
        .map(|f| view! { <span>{f}</span> })
        .collect_view();
    // Who the PagoEfectivo QR is for: it carries the CIP for an agent's scanner, and is
    // no wallet's payment QR.
    let for_whom = (code.symbology == Symbology::Qr).then(|| {
        view! { <p class="qr-label">"Para el agente, si lo pide — no es para Yape ni Plin"</p> }
    });
    view! {
        <figure class="block barcode">
            {for_whom}
            <div class=scroll>{drawing}</div>
            {preview}
            {paper}
            <figcaption class="barcode-text">{fields}</figcaption>
        </figure>
    }
}

/// `d` as an SVG of class `class`, `size` CSS pixels wide and high (its own units, one
/// device pixel each at a 1× ratio, when not given).
pub fn image(
    d: &Drawing,
    class: &'static str,
    size: Option<(String, String)>,
) -> impl IntoView + use<> {
    let (w, h) = (decimal(d.width.into()), decimal(d.height.into()));
    let (width, height) = size.unwrap_or_else(|| (w.clone(), h.clone()));
    let view_box = ["0 0 ", &w, " ", &h].concat();
    // Through the CSSOM (`style.setProperty`) in the browser, which a store's
    // Content-Security-Policy allows where it refuses `style` attributes.
    let modules = ("--vale-modules", decimal(d.modules_across.into()));
    view! {
        <svg
            class=class
            viewBox=view_box
            width=width
            height=height
            preserveAspectRatio="none"
            shape-rendering="crispEdges"
            style=modules
            role="img"
            aria-label="Código de barras para escanear"
        >
            <rect class="paper" x="0" y="0" width=w height=h fill="#fff"></rect>
            <path fill="#000" d=d.path()></path>
        </svg>
    }
}

/// `device_px / dpr` as a CSS length to the thousandth, without float (or integer)
/// formatting, which would add its own code to the wasm.
pub fn css_px(device_px: u32, dpr: f64) -> String {
    let thousandths = (f64::from(device_px) * 1000.0 / dpr).round() as u64;
    let mut px = decimal(thousandths / 1000);
    px.push('.');
    push_decimal(&mut px, thousandths % 1000, 3);
    px
}
