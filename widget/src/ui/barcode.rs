//! The barcode as inline SVG, with its human-readable line under it.

use crate::barcode::{self, Drawing, Shape};
use crate::browser;
use crate::dom::{El, el, svg};
use vale_shared::barcode::{Barcode, Symbol, symbol};
use vale_shared::digits::{decimal, push_decimal};

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

/// The barcode figure for a widget `host_width` CSS pixels wide (0 before layout); a
/// symbol that cannot be drawn leaves only its text, which the cashier can still type.
///
/// Paper gets drawings of its own, hidden on screen (whatever the screen chose, paper
/// is sized in millimetres by `style.css`): bars side by side for a sheet, and turned
/// (bars across, one after the other down the paper) for a 58 mm receipt.
pub fn barcode(code: &Barcode, host_width: i32) -> El {
    let paper = symbol(code).ok().map(|symbol| {
        let flat = barcode::draw(&symbol, barcode::MIN_MODULE_PX);
        let class = if flat.shape == Shape::Linear {
            "paper-flat bars"
        } else {
            "paper-flat qr"
        };
        let sheet = image(&flat, 1.0, class);
        let receipt = (flat.shape == Shape::Linear).then(|| {
            image(
                &flat.clone().turned(flat.height),
                1.0,
                "paper-turned bars turned",
            )
        });
        el("div").class("barcode-paper").child(sheet).maybe(receipt)
    });
    let drawing = symbol(code).ok().map(|symbol| {
        let dpr = browser::device_pixel_ratio();
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
        let across = barcode::modules_across(&symbol);
        let drawing = barcode::draw(&symbol, barcode::module_px(across, room, max_module));
        if drawing.shape == Shape::Linear && drawing.width > room {
            // Too long for whole-pixel bars across this screen (turned, it pushed the
            // deadline off a phone's first screen): a compact preview, scaled to the room,
            // and the full-screen view for the cashier to scan.
            let preview = image(&drawing, dpr, "bars preview")
                .attr("width", &css_px(room, dpr))
                .attr("height", "56");
            (preview, true)
        } else {
            let class = if drawing.shape == Shape::Linear {
                "bars"
            } else {
                "qr"
            };
            (image(&drawing, dpr, class), false)
        }
    });
    let (drawing, preview) = drawing.unzip();
    let preview = (preview == Some(true)).then(|| el("p").class("preview-hint").text(PREVIEW_HINT));
    // The GS1 text wraps only between its fields: `(415)…`, `(8020)…` each stay whole.
    let mut fields: Vec<String> = Vec::new();
    for c in code.text.chars() {
        match fields.last_mut() {
            Some(field) if c != '(' => field.push(c),
            _ => fields.push(String::from(c)),
        }
    }
    // Who the PagoEfectivo QR is for: it carries the CIP for an agent's scanner, and is
    // no wallet's payment QR.
    let for_whom = (code.symbology == vale_shared::barcode::Symbology::Qr).then(|| {
        el("p")
            .class("qr-label")
            .text("Para el agente, si lo pide — no es para Yape ni Plin")
    });
    el("figure")
        .class("block barcode")
        .maybe(for_whom)
        .child(el("div").class("barcode-scroll").maybe(drawing))
        .maybe(preview)
        .maybe(paper)
        .child(
            el("figcaption")
                .class("barcode-text")
                .children(fields.iter().map(|f| el("span").text(f))),
        )
}

/// Under a barcode too long to scan from the page.
pub const PREVIEW_HINT: &str =
    "Vista previa. Para que el cajero lo escanee, toca «Mostrar al cajero».";

/// `d` as an SVG of whole device pixels: `width / dpr` CSS pixels wide.
pub fn image(d: &Drawing, dpr: f64, class: &str) -> El {
    let (w, h) = (decimal(d.width.into()), decimal(d.height.into()));
    svg("svg")
        .class(class)
        .attr("viewBox", &["0 0 ", &w, " ", &h].concat())
        .attr("width", &css_px(d.width, dpr))
        .attr("height", &css_px(d.height, dpr))
        .attr("preserveAspectRatio", "none")
        .attr("shape-rendering", "crispEdges")
        .attr(
            "style",
            &["--vale-modules: ", &decimal(d.modules_across.into())].concat(),
        )
        .attr("role", "img")
        .attr("aria-label", "Código de barras para escanear")
        .child(
            svg("rect")
                .class("paper")
                .attr("x", "0")
                .attr("y", "0")
                .attr("width", &w)
                .attr("height", &h)
                .attr("fill", "#fff"),
        )
        .child(svg("path").attr("fill", "#000").attr("d", &d.path()))
}

/// `device_px / dpr` as a CSS length to the thousandth, without float (or integer)
/// formatting, which would add its own code to the wasm.
fn css_px(device_px: u32, dpr: f64) -> String {
    let thousandths = (f64::from(device_px) * 1000.0 / dpr).round() as u64;
    let mut px = decimal(thousandths / 1000);
    px.push('.');
    push_decimal(&mut px, thousandths % 1000, 3);
    px
}
