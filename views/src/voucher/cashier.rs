//! "Mostrar al cajero": the voucher for the person behind the counter. The whole screen,
//! white, the barcode as large as the screen allows in whole device-pixel modules (turned
//! a quarter when that makes the modules wider), the code in large groups, the amount,
//! and a hint to turn the brightness up. Closed by its button or Escape; focus goes back
//! to the button that opened it.

use super::barcode::{css_px, image};
use crate::browser;
use leptos::html::Button;
use leptos::prelude::*;
use vale_shared::barcode::draw::{self as barcode, Shape};
use vale_shared::barcode::{Symbol, symbol};
use vale_shared::voucher::{DisplayVoucher, code_groups, group_for_reading};

/// What the texts around the barcode take of the screen's height, in CSS pixels (with the
/// store's line under the brand).
const TEXT_CSS: f64 = 332.0;
/// The least left for the brand and the amount above a turned symbol that fits no other
/// way (a long GS1-128 on a 1× phone); the code and the hint then scroll into view.
const MIN_TEXT_CSS: f64 = 150.0;
/// The screen's edges left free, in CSS pixels on each side.
const MARGIN_CSS: f64 = 12.0;
/// The widest module drawn, in CSS pixels (wider only makes the symbol harder to frame).
const MAX_MODULE_CSS: f64 = 8.0;

/// The hint under the code.
pub const BRIGHTNESS: &str =
    "Sube el brillo de la pantalla al máximo para que el lector lea el código.";

/// The symbol drawn for a `width` × `height` CSS-pixel screen at `dpr`: the drawing and
/// whether it is turned.
fn drawing(symbol: &Symbol, width: f64, height: f64, dpr: f64) -> (barcode::Drawing, bool) {
    let across_px = ((width - 2.0 * MARGIN_CSS).max(0.0) * dpr) as u32;
    let down_px = ((height - TEXT_CSS).max(0.0) * dpr) as u32;
    let max = (MAX_MODULE_CSS * dpr) as u32;
    let modules = barcode::modules_across(symbol);
    let flat = barcode::module_px(modules, across_px, max);
    match symbol {
        Symbol::Matrix { .. } => {
            let px = barcode::module_px(modules, across_px.min(down_px), max);
            (barcode::draw(symbol, px), false)
        }
        Symbol::Linear { .. } => {
            let fits = |px: u32, room: u32| modules.saturating_mul(px) <= room;
            let turned = barcode::module_px(modules, down_px, max);
            let tight_px = ((height - MIN_TEXT_CSS).max(0.0) * dpr) as u32;
            let tight = barcode::module_px(modules, tight_px, max);
            // Turned when the modules come out wider and the symbol fits; flat when it
            // fits across; else turned into nearly the whole height, if it fits there.
            let px = if fits(turned, down_px) && turned > flat {
                Some(turned)
            } else if fits(flat, across_px) {
                None
            } else if fits(tight, tight_px) {
                Some(tight)
            } else {
                None
            };
            match px {
                Some(px) => (barcode::draw(symbol, px).turned(across_px * 9 / 10), true),
                // Bars a third of the screen's free height: easy to aim at.
                None => (barcode::draw(symbol, flat).taller(down_px / 3), false),
            }
        }
    }
}

/// The cashier view for `v`, naming `payee` under the network ("¿a qué empresa, a qué
/// convenio?" is the cashier's first question), drawn for the screen as it is when it
/// opens. `close` shuts it (its button, or Escape anywhere in it); `close_button` gets the
/// focus when it opens.
pub fn cashier<C: Fn() + Clone + 'static>(
    v: &DisplayVoucher,
    payee: String,
    close_button: NodeRef<Button>,
    close: C,
) -> impl IntoView + use<C> {
    let (width, height, dpr) = browser::screen_css();
    let figure = symbol(&v.barcode).ok().map(|s| {
        let (d, turned) = drawing(&s, width, height, dpr);
        let class = match (d.shape, turned) {
            (Shape::Matrix, _) => "qr",
            (Shape::Linear, true) => "bars turned",
            (Shape::Linear, false) => "bars",
        };
        let size = (css_px(d.width, dpr), css_px(d.height, dpr));
        view! { <div class="cashier-bars">{image(&d, class, Some(size))}</div> }
    });
    let groups = code_groups(&v.payment_code)
        .into_iter()
        .map(|g| view! { <span class="group">{g}</span> })
        .collect_view();
    let payee = (!payee.is_empty()).then(|| view! { <p class="cashier-payee">{payee}</p> });
    let on_escape = close.clone();
    view! {
        <div
            class="cashier"
            role="dialog"
            aria-modal="true"
            aria-label="Código para el cajero"
            tabindex="-1"
            on:keydown=move |e| {
                if e.key() == "Escape" {
                    on_escape();
                }
            }
        >
            <button
                type="button"
                class="button cashier-close"
                node_ref=close_button
                on:click=move |_| close()
            >
                "Cerrar"
            </button>
            <p class="cashier-brand">{v.network.brand()}</p>
            {payee}
            <p class="cashier-amount">{v.amount.to_string()}</p>
            {figure}
            <p class="cashier-code">
                <span class="sr">{group_for_reading(&v.payment_code)}</span>
                <span aria-hidden="true">{groups}</span>
            </p>
            <p class="cashier-text">{v.barcode.text.clone()}</p>
            <p class="cashier-hint">{BRIGHTNESS}</p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linear(modules: usize) -> Symbol {
        Symbol::Linear {
            modules: (0..modules).map(|i| i % 3 == 0).collect(),
            quiet_zone: 10,
        }
    }

    #[test]
    fn a_long_symbol_on_a_phone_turns_for_wider_modules() {
        // A GS1-128 voucher: about 300 modules with its quiet zones.
        let (d, turned) = drawing(&linear(280), 360.0, 740.0, 3.0);
        assert!(turned);
        assert_eq!(d.module_px, 4, "440 CSS px of height × 3 / 300 modules");
        assert!(d.height <= (740.0 - TEXT_CSS) as u32 * 3);
        let (flat, turned) = drawing(&linear(280), 1280.0, 800.0, 1.0);
        assert!(!turned);
        assert_eq!(flat.module_px, 4, "1256 px / 300 modules");
        assert!(flat.width <= 1256);
    }

    #[test]
    fn a_symbol_that_fits_no_other_way_takes_nearly_the_whole_height() {
        // 270 modules × 2 px: wider than a 1× phone, taller than its comfortable room.
        let (d, turned) = drawing(&linear(250), 360.0, 740.0, 1.0);
        assert!(turned);
        assert_eq!(d.module_px, 2);
        assert!(d.height <= 740 - MIN_TEXT_CSS as u32);
    }

    #[test]
    fn modules_stay_whole_and_at_least_two_pixels() {
        for (w, h, dpr) in [
            (320.0, 568.0, 1.0),
            (360.0, 740.0, 1.0),
            (412.0, 915.0, 2.625),
        ] {
            let (d, turned) = drawing(&linear(280), w, h, dpr);
            let px = d.module_px;
            assert!(px >= 2);
            let (at, len): (Vec<u32>, Vec<u32>) = if turned {
                d.rects.iter().map(|r| (r.y, r.height)).unzip()
            } else {
                d.rects.iter().map(|r| (r.x, r.width)).unzip()
            };
            assert!(at.iter().chain(&len).all(|n| n % px == 0), "{w}x{h}@{dpr}");
        }
    }
}
