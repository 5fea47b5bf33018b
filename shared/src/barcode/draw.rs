//! The barcode as drawn: whole-pixel rectangles for an inline SVG, quiet zones included.
//!
//! Scanners fail on bars of fractional width and on symbols without a quiet zone, so every
//! coordinate here is an integer number of SVG user units, one user unit is one device
//! pixel on screen (the view sizes the SVG as `width / devicePixelRatio` CSS pixels), and a
//! module is at least [`MIN_MODULE_PX`] units wide. Print uses a fixed physical size
//! instead (see `style.css`).

use super::Symbol;
use crate::digits::push_decimal;

/// The narrowest module drawn, in device pixels.
pub const MIN_MODULE_PX: u32 = 2;

/// Whether the drawing is a row of bars or a square matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Code 128 / GS1-128.
    Linear,
    /// QR.
    Matrix,
}

/// One dark rectangle, in SVG user units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width, a whole number of modules.
    pub width: u32,
    /// Height, a whole number of modules.
    pub height: u32,
}

/// A symbol laid out for drawing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drawing {
    /// Bars or matrix.
    pub shape: Shape,
    /// Modules across, quiet zones included (what print sizing multiplies).
    pub modules_across: u32,
    /// Modules down, quiet zones included for a matrix.
    pub modules_down: u32,
    /// Width of one module in user units.
    pub module_px: u32,
    /// Total width in user units, quiet zones included.
    pub width: u32,
    /// Total height in user units.
    pub height: u32,
    /// The dark parts, left to right and top to bottom.
    pub rects: Vec<Rect>,
}

impl Drawing {
    /// The same drawing turned a quarter: bars run across and follow each other downwards.
    /// A phone narrower than a long GS1-128 symbol shows it whole this way rather than
    /// cut off in a scroll box (a scanner reads a symbol in any orientation, but only whole).
    /// Bars are made `bar_length` long if that is longer than they were.
    pub fn turned(self, bar_length: u32) -> Drawing {
        let length = bar_length.max(self.height);
        Drawing {
            width: length,
            height: self.width,
            rects: self
                .rects
                .into_iter()
                .map(|r| Rect {
                    x: r.y,
                    y: r.x,
                    width: length,
                    height: r.width,
                })
                .collect(),
            ..self
        }
    }
}

impl Drawing {
    /// The same bars made `height` long, if that is longer than they were (the cashier
    /// view's bars fill more of the screen). A matrix is left as it is.
    pub fn taller(mut self, height: u32) -> Drawing {
        if self.shape == Shape::Linear && height > self.height {
            self.height = height;
            for r in &mut self.rects {
                r.height = height;
            }
        }
        self
    }

    /// The dark rectangles as one SVG path (`M x y h w v h h -w z` each): a single element
    /// whatever the symbol, every coordinate a whole number.
    ///
    /// ```
    /// use vale_shared::barcode::draw::{Drawing, Rect, Shape};
    /// let rects = vec![Rect { x: 20, y: 0, width: 4, height: 96 }];
    /// let d = Drawing { shape: Shape::Linear, modules_across: 23, modules_down: 48,
    ///                   module_px: 2, width: 46, height: 96, rects };
    /// assert_eq!(d.path(), "M20 0h4v96h-4z");
    /// ```
    pub fn path(&self) -> String {
        // Digits by hand: `write!` would bring integer formatting into the wasm.
        let mut d = String::with_capacity(self.rects.len() * 16);
        for r in &self.rects {
            for (part, n) in [
                ("M", r.x),
                (" ", r.y),
                ("h", r.width),
                ("v", r.height),
                ("h-", r.width),
            ] {
                d.push_str(part);
                push_decimal(&mut d, u64::from(n), 0);
            }
            d.push('z');
        }
        d
    }
}

/// Modules across a symbol, quiet zones included.
pub fn modules_across(symbol: &Symbol) -> u32 {
    match symbol {
        Symbol::Linear {
            modules,
            quiet_zone,
        } => u32::try_from(modules.len())
            .unwrap_or(u32::MAX)
            .saturating_add(2 * quiet_zone),
        Symbol::Matrix {
            size, quiet_zone, ..
        } => size.saturating_add(2 * quiet_zone),
    }
}

/// The module width that fits `modules` into `available_px` device pixels, kept between
/// [`MIN_MODULE_PX`] and `max_px` (a symbol that does not fit at the minimum scrolls).
///
/// ```
/// use vale_shared::barcode::draw::module_px;
/// assert_eq!(module_px(300, 960, 8), 3);
/// assert_eq!(module_px(300, 320, 8), 2);
/// assert_eq!(module_px(30, 960, 8), 8);
/// ```
pub fn module_px(modules: u32, available_px: u32, max_px: u32) -> u32 {
    available_px
        .checked_div(modules)
        .unwrap_or(max_px)
        .clamp(MIN_MODULE_PX, max_px.max(MIN_MODULE_PX))
}

/// Lays out `symbol` with modules `module_px` wide (raised to [`MIN_MODULE_PX`]).
///
/// Linear bars are as tall as a fifth of the symbol's width, and never under 48 modules.
pub fn draw(symbol: &Symbol, module_px: u32) -> Drawing {
    let px = module_px.max(MIN_MODULE_PX);
    let across = modules_across(symbol);
    match symbol {
        Symbol::Linear {
            modules,
            quiet_zone,
        } => {
            let down = (across / 5).max(48);
            let height = down * px;
            let rects = runs(modules)
                .map(|(start, len)| Rect {
                    x: (quiet_zone + start) * px,
                    y: 0,
                    width: len * px,
                    height,
                })
                .collect();
            Drawing {
                shape: Shape::Linear,
                modules_across: across,
                modules_down: down,
                module_px: px,
                width: across * px,
                height,
                rects,
            }
        }
        Symbol::Matrix {
            size,
            modules,
            quiet_zone,
        } => {
            let row_len = usize::try_from(*size).unwrap_or(0).max(1);
            let rects = modules
                .chunks(row_len)
                .zip(0u32..)
                .flat_map(|(row, y)| {
                    runs(row).map(move |(start, len)| Rect {
                        x: (quiet_zone + start) * px,
                        y: (quiet_zone + y) * px,
                        width: len * px,
                        height: px,
                    })
                })
                .collect();
            Drawing {
                shape: Shape::Matrix,
                modules_across: across,
                modules_down: across,
                module_px: px,
                width: across * px,
                height: across * px,
                rects,
            }
        }
    }
}

/// Runs of dark modules as `(start, length)`, in modules.
fn runs(modules: &[bool]) -> impl Iterator<Item = (u32, u32)> + '_ {
    let mut at = 0u32;
    let mut iter = modules.iter().copied().peekable();
    std::iter::from_fn(move || {
        loop {
            let dark = iter.next()?;
            let start = at;
            at += 1;
            if dark {
                let mut len = 1;
                while iter.next_if(|d| *d).is_some() {
                    len += 1;
                    at += 1;
                }
                return Some((start, len));
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linear(bits: &str) -> Symbol {
        Symbol::Linear {
            modules: bits.chars().map(|c| c == '1').collect(),
            quiet_zone: 10,
        }
    }

    #[test]
    fn bars_are_runs_of_whole_modules_after_the_quiet_zone() {
        let d = draw(&linear("1101001"), 3);
        assert_eq!(d.width, (7 + 20) * 3);
        let xs: Vec<(u32, u32)> = d.rects.iter().map(|r| (r.x, r.width)).collect();
        assert_eq!(xs, [(30, 6), (39, 3), (48, 3)]);
        assert!(d.rects.iter().all(|r| r.height == d.height && r.y == 0));
    }

    #[test]
    fn last_bar_leaves_the_right_quiet_zone_empty() {
        let d = draw(&linear("11111"), 2);
        let last = d.rects.last().unwrap();
        assert_eq!(last.x + last.width, (10 + 5) * 2);
        assert_eq!(d.width - (last.x + last.width), 10 * 2);
    }

    #[test]
    fn a_turned_drawing_keeps_whole_modules_and_quiet_zones() {
        let d = draw(&linear("1101"), 2);
        let t = d.clone().turned(0);
        assert_eq!((t.width, t.height), (d.height, d.width));
        assert_eq!(d.clone().turned(500).width, 500);
        let ys: Vec<(u32, u32)> = t.rects.iter().map(|r| (r.y, r.height)).collect();
        assert_eq!(ys, [(20, 4), (26, 2)]);
        assert!(t.rects.iter().all(|r| r.x == 0 && r.width == t.width));
    }

    #[test]
    fn taller_bars_keep_their_places() {
        let d = draw(&linear("1101"), 2);
        let t = d.clone().taller(500);
        assert_eq!(t.height, 500);
        assert!(t.rects.iter().all(|r| r.height == 500 && r.y == 0));
        let xs = |d: &Drawing| d.rects.iter().map(|r| (r.x, r.width)).collect::<Vec<_>>();
        assert_eq!(xs(&t), xs(&d));
        assert_eq!(d.clone().taller(1).height, d.height, "never shorter");
    }

    #[test]
    fn module_width_never_goes_below_two() {
        assert_eq!(draw(&linear("1"), 0).module_px, 2);
        assert_eq!(module_px(0, 100, 8), 8);
        assert_eq!(module_px(500, 100, 8), 2);
    }

    #[test]
    fn matrix_rows_merge_runs_and_keep_a_quiet_zone() {
        let symbol = Symbol::Matrix {
            size: 3,
            modules: vec![true, true, false, false, false, false, true, false, true],
            quiet_zone: 4,
        };
        let d = draw(&symbol, 2);
        assert_eq!((d.width, d.height), (22, 22));
        let rects: Vec<(u32, u32, u32)> = d.rects.iter().map(|r| (r.x, r.y, r.width)).collect();
        assert_eq!(rects, [(8, 8, 4), (8, 12, 2), (12, 12, 2)]);
    }
}
