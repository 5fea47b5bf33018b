//! Geohash cells: encode a position, parse a cell, its bounds and centre, and its eight
//! neighbours at the same precision.
//!
//! A cell is what the shopper's device sends instead of a position: 5 characters are a
//! cell of about 4.9 × 4.9 km, 6 about 1.2 × 0.6 km. Neighbours are found by stepping one
//! cell width from the centre and encoding again, so cells on a border of a parent cell
//! (where the string changes in an earlier character) come out right. Past a pole there
//! is no neighbour; across the antimeridian longitude wraps. Nothing here panics.

use std::fmt;

/// The geohash alphabet (base 32 without `a`, `i`, `l`, `o`).
const ALPHABET: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";

/// The longest cell this module makes (12 characters, a few centimetres).
pub const MAX_PRECISION: usize = 12;

/// A geohash cell, lowercase, 1 to [`MAX_PRECISION`] characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Geohash(String);

/// Why a string is not a geohash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum GeohashError {
    /// Empty or longer than [`MAX_PRECISION`].
    #[error("a geohash has 1 to 12 characters")]
    Length,
    /// A character outside `0-9` and `b-z` without `a`, `i`, `l`, `o` (lowercase).
    #[error("a geohash uses only 0-9 and the lowercase letters b-z except i, l and o")]
    Alphabet,
}

/// A cell's extent in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    /// Southern edge.
    pub min_lat: f64,
    /// Northern edge.
    pub max_lat: f64,
    /// Western edge.
    pub min_lon: f64,
    /// Eastern edge.
    pub max_lon: f64,
}

impl Bounds {
    /// The centre `(lat, lon)`.
    pub fn centre(&self) -> (f64, f64) {
        (
            (self.min_lat + self.max_lat) / 2.0,
            (self.min_lon + self.max_lon) / 2.0,
        )
    }

    /// Whether `(lat, lon)` lies inside (south and west edges included).
    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        (self.min_lat..self.max_lat).contains(&lat) && (self.min_lon..self.max_lon).contains(&lon)
    }
}

fn value_of(byte: u8) -> Option<u8> {
    ALPHABET
        .iter()
        .position(|&b| b == byte)
        .and_then(|i| u8::try_from(i).ok())
}

impl Geohash {
    /// The cell of `precision` characters (clamped to 1..=12) holding `(lat, lon)`.
    /// Positions outside the globe are clamped to it (NaN counts as 0).
    ///
    /// ```
    /// use vale_shared::places::Geohash;
    /// // Plaza de Bolívar, Bogotá.
    /// assert_eq!(Geohash::encode(4.5981, -74.0761, 6).as_str(), "d2g64m");
    /// ```
    pub fn encode(lat: f64, lon: f64, precision: usize) -> Geohash {
        let precision = precision.clamp(1, MAX_PRECISION);
        let clamp = |v: f64, limit: f64| {
            if v.is_nan() {
                0.0
            } else {
                v.clamp(-limit, limit)
            }
        };
        let (lat, lon) = (clamp(lat, 90.0), clamp(lon, 180.0));
        let (mut lat_range, mut lon_range) = ((-90.0_f64, 90.0_f64), (-180.0_f64, 180.0_f64));
        let mut out = String::with_capacity(precision);
        let mut even = true;
        for _ in 0..precision {
            let mut index = 0_usize;
            for _ in 0..5 {
                let (range, v) = if even {
                    (&mut lon_range, lon)
                } else {
                    (&mut lat_range, lat)
                };
                let mid = (range.0 + range.1) / 2.0;
                index <<= 1;
                if v >= mid {
                    index |= 1;
                    range.0 = mid;
                } else {
                    range.1 = mid;
                }
                even = !even;
            }
            out.push(char::from(ALPHABET.get(index).copied().unwrap_or(b'0')));
        }
        Geohash(out)
    }

    /// The cell as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Its number of characters.
    pub fn precision(&self) -> usize {
        self.0.len()
    }

    /// The cell's extent.
    ///
    /// ```
    /// use vale_shared::places::Geohash;
    /// let b: Geohash = "d2g64".parse()?;
    /// assert!(b.bounds().contains(4.5981, -74.0761));
    /// # Ok::<(), vale_shared::places::GeohashError>(())
    /// ```
    pub fn bounds(&self) -> Bounds {
        let (mut lat, mut lon) = ((-90.0_f64, 90.0_f64), (-180.0_f64, 180.0_f64));
        let mut even = true;
        for byte in self.0.bytes() {
            let value = value_of(byte).unwrap_or(0);
            for bit in (0..5).rev() {
                let range = if even { &mut lon } else { &mut lat };
                let mid = (range.0 + range.1) / 2.0;
                if (value >> bit) & 1 == 1 {
                    range.0 = mid;
                } else {
                    range.1 = mid;
                }
                even = !even;
            }
        }
        Bounds {
            min_lat: lat.0,
            max_lat: lat.1,
            min_lon: lon.0,
            max_lon: lon.1,
        }
    }

    /// The eight cells around this one at the same precision, clockwise from the north;
    /// `None` beyond a pole. Longitude wraps across the antimeridian.
    ///
    /// ```
    /// use vale_shared::places::Geohash;
    /// let cell: Geohash = "6mc5x".parse()?;
    /// let around: Vec<_> = cell.neighbours().into_iter().flatten().collect();
    /// assert_eq!(around.len(), 8);
    /// # Ok::<(), vale_shared::places::GeohashError>(())
    /// ```
    pub fn neighbours(&self) -> [Option<Geohash>; 8] {
        let b = self.bounds();
        let (lat, lon) = b.centre();
        let (dlat, dlon) = (b.max_lat - b.min_lat, b.max_lon - b.min_lon);
        let step = |north: f64, east: f64| {
            let lat = lat + north * dlat;
            if !(-90.0..=90.0).contains(&lat) {
                return None;
            }
            let mut lon = lon + east * dlon;
            if lon >= 180.0 {
                lon -= 360.0;
            } else if lon < -180.0 {
                lon += 360.0;
            }
            Some(Geohash::encode(lat, lon, self.precision()))
        };
        [
            step(1.0, 0.0),
            step(1.0, 1.0),
            step(0.0, 1.0),
            step(-1.0, 1.0),
            step(-1.0, 0.0),
            step(-1.0, -1.0),
            step(0.0, -1.0),
            step(1.0, -1.0),
        ]
    }

    /// This cell and its neighbours (up to 9, no repeats), this cell first.
    pub fn with_neighbours(&self) -> Vec<Geohash> {
        let mut cells = vec![self.clone()];
        for cell in self.neighbours().into_iter().flatten() {
            if !cells.contains(&cell) {
                cells.push(cell);
            }
        }
        cells
    }

    /// Whether `other` (a finer or equal cell) lies inside this one.
    pub fn covers(&self, other: &str) -> bool {
        other.starts_with(self.as_str())
    }
}

impl std::str::FromStr for Geohash {
    type Err = GeohashError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() || s.len() > MAX_PRECISION {
            return Err(GeohashError::Length);
        }
        if !s.bytes().all(|b| ALPHABET.contains(&b)) {
            return Err(GeohashError::Alphabet);
        }
        Ok(Geohash(s.to_owned()))
    }
}

impl fmt::Display for Geohash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn cell(s: &str) -> Geohash {
        s.parse().unwrap()
    }

    #[test]
    fn known_vectors() {
        // Vectors from the original geohash.org and the Wikipedia article.
        assert_eq!(
            Geohash::encode(57.64911, 10.40744, 11).as_str(),
            "u4pruydqqvj"
        );
        assert_eq!(Geohash::encode(42.6, -5.6, 5).as_str(), "ezs42");
        let b = cell("ezs42").bounds();
        assert!((b.min_lat - 42.583_007_812_5).abs() < 1e-9);
        assert!((b.max_lon - -5.581_054_687_5).abs() < 1e-9);
    }

    #[test]
    fn neighbours_of_a_known_cell() {
        // ezs42's neighbours as published by the reference implementations.
        let n: Vec<String> = cell("ezs42")
            .neighbours()
            .into_iter()
            .map(|c| c.unwrap().to_string())
            .collect();
        assert_eq!(
            n,
            [
                "ezs48", "ezs49", "ezs43", "ezs41", "ezs40", "ezefp", "ezefr", "ezefx"
            ]
        );
    }

    #[test]
    fn cells_on_a_border_cross_into_another_parent() {
        // A 5th character splits its parent 8 wide by 4 tall: 4 children touch the east
        // edge and 8 the north edge, and their neighbours there have another parent.
        let children: Vec<Geohash> = ALPHABET
            .iter()
            .map(|&b| cell(&format!("d2g6{}", char::from(b))))
            .collect();
        let leaving = |dir: usize| {
            children
                .iter()
                .filter(|c| {
                    let n = c.neighbours()[dir].clone().unwrap();
                    assert_eq!(n.neighbours()[(dir + 4) % 8].as_ref(), Some(*c));
                    !n.as_str().starts_with("d2g6")
                })
                .count()
        };
        assert_eq!(
            (leaving(0), leaving(2), leaving(4), leaving(6)),
            (8, 4, 8, 4)
        );
        // Corners leave through two edges at once.
        assert_eq!(leaving(1), 11);
    }

    #[test]
    fn poles_have_no_neighbour_beyond_and_the_antimeridian_wraps() {
        let north = Geohash::encode(89.99, 0.0, 3);
        assert!(north.neighbours()[0].is_none());
        let east_edge = Geohash::encode(0.0, 179.99, 4);
        let across = east_edge.neighbours()[2].clone().unwrap();
        assert!(across.bounds().min_lon < -179.0, "{across}");
    }

    #[test]
    fn parse_refuses_bad_alphabet_and_length() {
        assert_eq!("".parse::<Geohash>(), Err(GeohashError::Length));
        assert_eq!(
            "0123456789bcd".parse::<Geohash>(),
            Err(GeohashError::Length)
        );
        for bad in [
            "d2g6a", "d2g6i", "d2g6l", "d2g6o", "D2G6F", "d2g6 ", "d2g6é",
        ] {
            assert_eq!(bad.parse::<Geohash>(), Err(GeohashError::Alphabet), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn encode_lands_inside_its_bounds(lat in -89.9_f64..89.9, lon in -179.9_f64..179.9, p in 1_usize..=12) {
            let c = Geohash::encode(lat, lon, p);
            prop_assert_eq!(c.precision(), p);
            prop_assert!(c.bounds().contains(lat, lon));
            prop_assert_eq!(c.as_str().parse::<Geohash>(), Ok(c.clone()));
        }

        #[test]
        fn neighbours_touch_and_are_mutual(lat in -60.0_f64..60.0, lon in -180.0_f64..180.0, p in 2_usize..=8) {
            let c = Geohash::encode(lat, lon, p);
            let b = c.bounds();
            let around = c.neighbours();
            for (i, n) in around.iter().enumerate() {
                let n = n.clone().unwrap();
                prop_assert_ne!(&n, &c);
                let nb = n.bounds();
                // Shares an edge or a corner.
                let touch_lat = (nb.max_lat - b.min_lat).abs() < 1e-9 || (nb.min_lat - b.max_lat).abs() < 1e-9 || (nb.min_lat - b.min_lat).abs() < 1e-9;
                let same = |a: f64, b: f64| {
                    let d = (a - b).rem_euclid(360.0);
                    d < 1e-9 || 360.0 - d < 1e-9
                };
                // Longitudes compare modulo 360: the antimeridian wraps.
                let touch_lon = same(nb.max_lon, b.min_lon) || same(nb.min_lon, b.max_lon) || same(nb.min_lon, b.min_lon);
                prop_assert!(touch_lat && touch_lon, "{} {} {}", c, i, n);
                // The opposite neighbour of my neighbour is me.
                prop_assert_eq!(n.neighbours()[(i + 4) % 8].clone(), Some(c.clone()));
            }
        }

        #[test]
        fn no_panic_on_any_input(lat in proptest::num::f64::ANY, lon in proptest::num::f64::ANY, p in 0_usize..20, s in "\\PC{0,14}") {
            let c = Geohash::encode(lat, lon, p);
            let _ = c.neighbours();
            if let Ok(g) = s.parse::<Geohash>() {
                let _ = g.neighbours();
            }
        }
    }
}
