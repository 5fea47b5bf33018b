//! Dividing an amount among parties exactly, in whole cash steps (a peso for COP, a
//! céntimo for PEN), so every share, fee, refund part and payout of a marketplace can be
//! paid in cash and nothing is lost or made up by rounding.
//!
//! Two rules, both exact (the parts always add up to the whole):
//! - [`largest_remainder`]: each part is its proportional share rounded down, and the
//!   steps left over go one each to the largest fractions (ties: the earlier party). Used
//!   where no party is the natural owner of the rounding: the platform's fee attributed
//!   to the sellers of a cart, a cart cut into one voucher per seller.
//! - [`floor_rest_to_last`]: each part but the last is rounded down, the last takes the
//!   rest. Used for refunds, where the contract gives the rounding to the platform.

/// Divides `total` (a multiple of `step`) among `weights` (each ≥ 0) in proportion,
/// by largest remainder. `None` when the weights are all zero, a weight is negative, or
/// `total` is not a multiple of `step`.
///
/// ```
/// use vale_shared::marketplace::allocate::largest_remainder;
/// assert_eq!(largest_remainder(100, &[1, 1, 1], 1), Some(vec![34, 33, 33]));
/// assert_eq!(largest_remainder(1_000, &[3, 7], 100), Some(vec![300, 700]));
/// assert_eq!(largest_remainder(100, &[0, 0], 1), None);
/// ```
pub fn largest_remainder(total: i64, weights: &[i64], step: i64) -> Option<Vec<i64>> {
    if step <= 0 || total % step != 0 || weights.iter().any(|w| *w < 0) {
        return None;
    }
    let sum: i128 = weights.iter().map(|w| i128::from(*w)).sum();
    if sum == 0 {
        return None;
    }
    let units = i128::from(total / step);
    let mut parts: Vec<(i128, i128)> = weights
        .iter()
        .map(|w| {
            let exact = units * i128::from(*w);
            (exact / sum, exact % sum)
        })
        .collect();
    let given: i128 = parts.iter().map(|(q, _)| *q).sum();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    // Stable: equal fractions keep the parties' order.
    order.sort_by(|a, b| {
        let fraction = |i: &usize| parts.get(*i).map_or(0, |(_, r)| *r);
        fraction(b).cmp(&fraction(a))
    });
    let mut left = units - given;
    for i in order {
        if left <= 0 {
            break;
        }
        if let Some((q, _)) = parts.get_mut(i) {
            *q += 1;
            left -= 1;
        }
    }
    parts
        .into_iter()
        .map(|(q, _)| i64::try_from(q * i128::from(step)).ok())
        .collect()
}

/// Divides `total` (a multiple of `step`) among `weights` (each ≥ 0) in proportion,
/// each part rounded down to a whole step except the last, which takes the rest. `None`
/// as for [`largest_remainder`].
///
/// ```
/// use vale_shared::marketplace::allocate::floor_rest_to_last;
/// // Two sellers and the platform last: the platform takes the rounding.
/// assert_eq!(floor_rest_to_last(100, &[1, 1, 1], 1), Some(vec![33, 33, 34]));
/// ```
pub fn floor_rest_to_last(total: i64, weights: &[i64], step: i64) -> Option<Vec<i64>> {
    if step <= 0 || total % step != 0 || weights.iter().any(|w| *w < 0) {
        return None;
    }
    let sum: i128 = weights.iter().map(|w| i128::from(*w)).sum();
    if sum == 0 {
        return None;
    }
    let units = i128::from(total / step);
    let mut parts: Vec<i128> = weights
        .iter()
        .map(|w| units * i128::from(*w) / sum)
        .collect();
    let given: i128 = parts.iter().sum();
    if let Some(last) = parts.last_mut() {
        *last += units - given;
    }
    parts
        .into_iter()
        .map(|q| i64::try_from(q * i128::from(step)).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn refusals() {
        assert_eq!(largest_remainder(150, &[1, 1], 100), None);
        assert_eq!(largest_remainder(100, &[1, -1], 1), None);
        assert_eq!(floor_rest_to_last(100, &[], 1), None);
        assert_eq!(largest_remainder(0, &[5, 5], 1), Some(vec![0, 0]));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Exact, in whole steps, and each part within one step of its exact share.
        #[test]
        fn parts_add_up_and_stay_near_their_share(
            units in 0_i64..1_000_000,
            weights in prop::collection::vec(0_i64..10_000_000, 1..12),
            cop in any::<bool>(),
        ) {
            prop_assume!(weights.iter().any(|w| *w > 0));
            let step = if cop { 100 } else { 1 };
            let total = units * step;
            let sum: i128 = weights.iter().map(|w| i128::from(*w)).sum();
            for (parts, floor_last) in [
                (largest_remainder(total, &weights, step).unwrap(), false),
                (floor_rest_to_last(total, &weights, step).unwrap(), true),
            ] {
                prop_assert_eq!(parts.iter().sum::<i64>(), total);
                for (i, (part, w)) in parts.iter().zip(&weights).enumerate() {
                    prop_assert_eq!(part % step, 0);
                    prop_assert!(*part >= 0);
                    let exact = i128::from(total) * i128::from(*w);
                    let last = i + 1 == weights.len();
                    if floor_last && last {
                        prop_assert!(i128::from(*part) * sum >= exact);
                    } else {
                        prop_assert!(i128::from(*part) * sum <= exact + i128::from(step) * sum);
                        prop_assert!(i128::from(*part) * sum + i128::from(step) * sum > exact);
                    }
                    if floor_last && !last {
                        prop_assert!(i128::from(*part) * sum <= exact);
                    }
                }
            }
        }
    }
}
