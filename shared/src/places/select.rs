//! Which points a shopper near a cell is shown: those in the cell and its eight
//! neighbours whose chain can take the voucher's amount, nearest to the cell's centre
//! first (ties by id), at most [`MAX_SHOWN`].
//!
//! The edge's query narrows the rows by the same cells and chains; this function is what
//! decides, so the answer does not depend on the order the database returns rows in.

use super::chain::Chain;
use super::geohash::Geohash;
use crate::money::Money;

/// The most points one answer lists.
pub const MAX_SHOWN: usize = 10;

/// What selection needs of a point.
pub trait Located {
    /// Its id (for ties).
    fn id(&self) -> &str;
    /// Its chain.
    fn chain(&self) -> Chain;
    /// Latitude and longitude in degrees.
    fn position(&self) -> (f64, f64);
    /// Its stored cell (at least as fine as the cell asked about).
    fn cell(&self) -> &str;
}

/// Metres east and north of `(lat0, lon0)`, squared (an equirectangular projection: exact
/// enough across the ~15 km the cells span).
pub fn distance_squared(lat0: f64, lon0: f64, lat: f64, lon: f64) -> f64 {
    const METRES_PER_DEGREE: f64 = 111_195.0;
    let north = (lat - lat0) * METRES_PER_DEGREE;
    let east = (lon - lon0) * METRES_PER_DEGREE * lat0.to_radians().cos();
    north * north + east * east
}

/// Up to `limit` of `points` near `near` that can take `amount`, nearest first.
///
/// ```
/// use vale_shared::places::{Chain, Geohash, select::{nearest, Located}};
/// use vale_shared::{Currency, Money};
/// struct P(&'static str, Chain, f64, f64, String);
/// impl Located for P {
///     fn id(&self) -> &str { self.0 }
///     fn chain(&self) -> Chain { self.1 }
///     fn position(&self) -> (f64, f64) { (self.2, self.3) }
///     fn cell(&self) -> &str { &self.4 }
/// }
/// let at = |id, chain, lat, lon| P(id, chain, lat, lon, Geohash::encode(lat, lon, 6).to_string());
/// let cell = Geohash::encode(-12.0464, -77.0428, 5);
/// let (lat, lon) = cell.bounds().centre();
/// let points = [at("far", Chain::Kasnet, lat + 0.01, lon), at("near", Chain::TamboPlus, lat, lon + 0.001)];
/// let soles = |s: i64| Money::new(s * 100, Currency::Pen).unwrap();
/// let ids = |m| nearest(&points, &cell, m, 10).iter().map(|p| p.0).collect::<Vec<_>>();
/// assert_eq!(ids(soles(100)), ["near", "far"]);
/// assert_eq!(ids(soles(600)), ["far"]); // Tambo+ takes up to S/ 500
/// ```
pub fn nearest<'a, P: Located>(
    points: &'a [P],
    near: &Geohash,
    amount: Money,
    limit: usize,
) -> Vec<&'a P> {
    let cells = near.with_neighbours();
    let (lat0, lon0) = near.bounds().centre();
    let mut chosen: Vec<(f64, &P)> = points
        .iter()
        .filter(|p| p.chain().takes(amount))
        .filter(|p| cells.iter().any(|c| c.covers(p.cell())))
        .map(|p| {
            let (lat, lon) = p.position();
            (distance_squared(lat0, lon0, lat, lon), p)
        })
        .collect();
    chosen.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.id().cmp(b.1.id())));
    chosen.into_iter().take(limit).map(|(_, p)| p).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use proptest::prelude::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[derive(Debug, Clone)]
    struct P {
        id: String,
        chain: Chain,
        lat: f64,
        lon: f64,
        cell: String,
    }

    impl Located for P {
        fn id(&self) -> &str {
            &self.id
        }
        fn chain(&self) -> Chain {
            self.chain
        }
        fn position(&self) -> (f64, f64) {
            (self.lat, self.lon)
        }
        fn cell(&self) -> &str {
            &self.cell
        }
    }

    /// The answer by brute force: every point within one cell width of the cell in each
    /// direction (by coordinates, not by geohash strings), whose chain's cap (compared
    /// directly) allows the amount, ranked by the same distance (checked against the
    /// haversine formula below).
    fn brute(points: &[P], near: &Geohash, amount: Money, limit: usize) -> Vec<String> {
        let b = near.bounds();
        let (h, w) = (b.max_lat - b.min_lat, b.max_lon - b.min_lon);
        let (lat0, lon0) = b.centre();
        let mut inside: Vec<(f64, &P)> = points
            .iter()
            .filter(|p| {
                p.lat >= b.min_lat - h
                    && p.lat < b.max_lat + h
                    && p.lon >= b.min_lon - w
                    && p.lon < b.max_lon + w
            })
            .filter(|p| {
                amount.currency() != Currency::Pen
                    || p.chain.cap().is_none_or(|c| amount.minor() <= c)
            })
            .map(|p| (distance_squared(lat0, lon0, p.lat, p.lon), p))
            .collect();
        inside.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
        inside
            .into_iter()
            .take(limit)
            .map(|(_, p)| p.id.clone())
            .collect()
    }

    fn point(id: usize, chain: Chain, lat: f64, lon: f64) -> P {
        P {
            id: format!("p{id:05}"),
            chain,
            lat,
            lon,
            cell: Geohash::encode(lat, lon, 6).to_string(),
        }
    }

    fn pe_chain() -> impl Strategy<Value = Chain> {
        proptest::sample::select(
            Chain::ALL
                .into_iter()
                .filter(|c| c.network() == crate::Network::Pagoefectivo)
                .collect::<Vec<_>>(),
        )
    }

    fn haversine(lat0: f64, lon0: f64, lat: f64, lon: f64) -> f64 {
        let (f1, f2) = (lat0.to_radians(), lat.to_radians());
        let dl = (lon - lon0).to_radians();
        let a = ((f2 - f1) / 2.0).sin().powi(2) + f1.cos() * f2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * 6_371_000.0 * a.sqrt().asin()
    }

    #[test]
    fn the_distance_is_the_haversine_within_a_tenth_of_a_percent_nearby() {
        for (lat0, lon0, lat, lon) in [
            (4.598, -74.076, 4.65, -74.05),
            (-12.046, -77.042, -12.1, -77.0),
            (-16.4, -71.53, -16.35, -71.6),
        ] {
            let (flat, round) = (
                distance_squared(lat0, lon0, lat, lon).sqrt(),
                haversine(lat0, lon0, lat, lon),
            );
            assert!((flat - round).abs() / round < 1e-3, "{flat} {round}");
        }
    }

    #[test]
    fn a_voucher_above_an_agent_chains_cap_never_lists_it() {
        // Regression (issue #22): the cap filter, with every point a short walk away.
        let cell = Geohash::encode(-12.0464, -77.0428, 6);
        let (lat, lon) = cell.bounds().centre();
        let points: Vec<P> = [Chain::TamboPlus, Chain::Kasnet, Chain::WesternUnion]
            .into_iter()
            .enumerate()
            .map(|(i, c)| point(i, c, lat, lon + 0.0001 * i as f64))
            .collect();
        let pen = |s: i64| Money::new(s * 100, Currency::Pen).unwrap();
        let chains = |m| {
            nearest(&points, &cell, m, 10)
                .iter()
                .map(|p| p.chain)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            chains(pen(500)),
            [Chain::TamboPlus, Chain::Kasnet, Chain::WesternUnion]
        );
        assert_eq!(chains(pen(501)), [Chain::Kasnet, Chain::WesternUnion]);
        assert_eq!(chains(pen(1_001)), [Chain::WesternUnion]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Around a cell chosen to sit on the border of its parent (its last character
        /// is one of the parent's edge cells) or anywhere, with points scattered over an
        /// area three cells wide and more, the selection equals the brute-force answer.
        #[test]
        fn nearest_equals_brute_force(
            lat in -17.0_f64..-1.0,
            lon in -80.0_f64..-70.0,
            precision in 5_usize..=6,
            edge in proptest::sample::select(vec!['0', 'b', 'p', 'z', 'c', 'g', 'u', 'y', '7', 'k']),
            on_border in any::<bool>(),
            spread in proptest::collection::vec((-2.5_f64..2.5, -2.5_f64..2.5, pe_chain()), 0..120),
            soles in 1_i64..5_000,
            limit in 1_usize..=12,
        ) {
            let mut cell = Geohash::encode(lat, lon, precision);
            if on_border {
                let text = cell.as_str();
                let mut s = text[..text.len() - 1].to_owned();
                s.push(edge);
                cell = s.parse().unwrap();
            }
            let b = cell.bounds();
            let (lat0, lon0) = b.centre();
            let (h, w) = (b.max_lat - b.min_lat, b.max_lon - b.min_lon);
            let points: Vec<P> = spread
                .iter()
                .enumerate()
                .map(|(i, (dy, dx, chain))| point(i, *chain, lat0 + dy * h, lon0 + dx * w))
                .collect();
            let amount = Money::new(soles * 100, Currency::Pen).unwrap();
            let got: Vec<String> = nearest(&points, &cell, amount, limit)
                .iter()
                .map(|p| p.id.clone())
                .collect();
            prop_assert_eq!(got, brute(&points, &cell, amount, limit));
        }
    }
}
