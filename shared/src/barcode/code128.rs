//! Code 128 encoding (ISO/IEC 15417), written by hand.
//!
//! Why by hand: the crates that emit Code 128 either leave the choice of code sets to
//! the caller, switch sets greedily (longer symbols, which print smaller bars on the same
//! voucher width), lack FNC1 for GS1-128, or pull in image and font dependencies the
//! widget's wasm does not want. The whole symbology is one table and a small dynamic
//! programme, so it is cheaper to own it and prove it against an independent decoder
//! (zbar, in `tests/barcode_zbar.rs`).
//!
//! The encoder picks, by dynamic programming over (position, current code set), the
//! sequence of code sets A, B and C, shifts and switches that gives the fewest symbols;
//! so digit runs go to set C exactly when that is shorter.

use super::BarcodeError;

/// The most units (characters plus FNC1s) one symbol may carry here. GS1-128 allows 48
/// data characters; plain Code 128 has no limit, but a voucher has no room for more.
pub const MAX_UNITS: usize = 80;

/// One unit of Code 128 input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    /// An ASCII character, 0–127.
    Char(u8),
    /// The FNC1 function character: first in a GS1-128 symbol, then a field separator.
    Fnc1,
}

/// Bar and space widths of symbol values 0–105, as six decimal digits each
/// (bar, space, bar, space, bar, space), each symbol 11 modules wide.
const PATTERNS: [u32; 106] = [
    212222, 222122, 222221, 121223, 121322, 131222, 122213, 122312, 132212, 221213, // 0
    221312, 231212, 112232, 122132, 122231, 113222, 123122, 123221, 223211, 221132, // 10
    221231, 213212, 223112, 312131, 311222, 321122, 321221, 312212, 322112, 322211, // 20
    212123, 212321, 232121, 111323, 131123, 131321, 112313, 132113, 132311, 211313, // 30
    231113, 231311, 112133, 112331, 132131, 113123, 113321, 133121, 313121, 211331, // 40
    231131, 213113, 213311, 213131, 311123, 311321, 331121, 312113, 312311, 332111, // 50
    314111, 221411, 431111, 111224, 111422, 121124, 121421, 141122, 141221, 112214, // 60
    112412, 122114, 122411, 142112, 142211, 241211, 221114, 413111, 241112, 134111, // 70
    111242, 121142, 121241, 114212, 124112, 124211, 411212, 421112, 421211, 212141, // 80
    214121, 412121, 111143, 111341, 131141, 114113, 114311, 411113, 411311, 113141, // 90
    114131, 311141, 411131, 211412, 211214,
    211232, // 100–105: …, Start A, Start B, Start C
];

/// The stop pattern, seven elements (13 modules) ending in the two-module terminator bar.
const STOP: [u8; 7] = [2, 3, 3, 1, 1, 1, 2];

const FNC1: u8 = 102;
const SHIFT: u8 = 98;
const STOP_VALUE: u8 = 106;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Set {
    A = 0,
    B = 1,
    C = 2,
}

/// Preference on ties: C, then B, then A (digits first, then printable text).
const SETS: [Set; 3] = [Set::C, Set::B, Set::A];

impl Set {
    /// The start symbol that opens a symbol in `self`.
    fn start_value(self) -> u8 {
        match self {
            Set::A => 103,
            Set::B => 104,
            Set::C => 105,
        }
    }

    /// `row`'s entry for `self` (rows are indexed A, B, C).
    fn of<T: Copy>(self, row: &[T; 3]) -> T {
        match self {
            Set::A => row[0],
            Set::B => row[1],
            Set::C => row[2],
        }
    }

    /// A mutable reference to `row`'s entry for `self`.
    fn of_mut<T>(self, row: &mut [T; 3]) -> &mut T {
        match self {
            Set::A => &mut row[0],
            Set::B => &mut row[1],
            Set::C => &mut row[2],
        }
    }

    /// The value that switches to `self` from another set.
    fn switch_value(self) -> u8 {
        match self {
            Set::A => 101,
            Set::B => 100,
            Set::C => 99,
        }
    }
}

/// A move that consumes input while staying in the current set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// One unit as one symbol.
    Single,
    /// One character through a shift to the other of A/B: two symbols.
    Shifted,
    /// Two digits as one set C symbol.
    Pair,
}

/// A finished Code 128 symbol: its symbol values from start to stop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    codewords: Vec<u8>,
}

impl Encoded {
    /// The symbol values: start, data, check symbol, stop (106).
    ///
    /// ```
    /// use vale_shared::barcode::code128::{encode, units_from_str};
    /// let symbol = encode(&units_from_str("1234")?)?;
    /// // Start C (105), "12", "34", check (105 + 12 + 2·34 = 185 ≡ 82 mod 103), stop.
    /// assert_eq!(symbol.codewords(), [105, 12, 34, 82, 106]);
    /// # Ok::<(), vale_shared::barcode::BarcodeError>(())
    /// ```
    pub fn codewords(&self) -> &[u8] {
        &self.codewords
    }

    /// The modules, `true` for dark, without quiet zones: 11 per symbol and 13 for stop.
    ///
    /// ```
    /// use vale_shared::barcode::code128::{encode, units_from_str};
    /// let symbol = encode(&units_from_str("Vale")?)?;
    /// assert_eq!(symbol.modules().len(), symbol.codewords().len() * 11 + 2);
    /// # Ok::<(), vale_shared::barcode::BarcodeError>(())
    /// ```
    pub fn modules(&self) -> Vec<bool> {
        let mut out = Vec::with_capacity(self.codewords.len() * 11 + 2);
        for &value in &self.codewords {
            if value == STOP_VALUE {
                push_widths(&mut out, &STOP);
            } else if let Some(&pattern) = PATTERNS.get(usize::from(value)) {
                let mut widths = [0u8; 6];
                let mut rest = pattern;
                for w in widths.iter_mut().rev() {
                    // A digit 0–9 always fits in u8.
                    *w = u8::try_from(rest % 10).unwrap_or(0);
                    rest /= 10;
                }
                push_widths(&mut out, &widths);
            }
        }
        out
    }
}

fn push_widths(out: &mut Vec<bool>, widths: &[u8]) {
    for (i, &w) in widths.iter().enumerate() {
        let dark = i % 2 == 0;
        out.extend(std::iter::repeat_n(dark, usize::from(w)));
    }
}

/// Units for plain Code 128 of an ASCII string, refusing empty, over-long and non-ASCII
/// input.
///
/// ```
/// use vale_shared::barcode::code128::{units_from_str, Unit};
/// assert_eq!(units_from_str("A1")?, vec![Unit::Char(b'A'), Unit::Char(b'1')]);
/// assert!(units_from_str("año").is_err());
/// # Ok::<(), vale_shared::barcode::BarcodeError>(())
/// ```
pub fn units_from_str(text: &str) -> Result<Vec<Unit>, BarcodeError> {
    if !text.is_ascii() {
        return Err(BarcodeError::UnencodableCharacter);
    }
    check_len(text.len())?;
    Ok(text.bytes().map(Unit::Char).collect())
}

fn check_len(len: usize) -> Result<(), BarcodeError> {
    match len {
        0 => Err(BarcodeError::Empty),
        n if n > MAX_UNITS => Err(BarcodeError::TooLong { max: MAX_UNITS }),
        _ => Ok(()),
    }
}

/// Encodes `units` into the shortest Code 128 symbol, with check symbol and stop.
///
/// ```
/// use vale_shared::barcode::code128::{encode, Unit};
/// // GS1-128 of "(96)20261125": Start C, FNC1, 96 20 26 11 25, check, stop.
/// let mut units = vec![Unit::Fnc1];
/// units.extend(b"9620261125".iter().map(|&b| Unit::Char(b)));
/// let symbol = encode(&units)?;
/// assert_eq!(&symbol.codewords()[..7], &[105, 102, 96, 20, 26, 11, 25]);
/// # Ok::<(), vale_shared::barcode::BarcodeError>(())
/// ```
pub fn encode(units: &[Unit]) -> Result<Encoded, BarcodeError> {
    check_len(units.len())?;
    if units.iter().any(|u| matches!(u, Unit::Char(c) if *c > 127)) {
        return Err(BarcodeError::UnencodableCharacter);
    }
    let plan = plan(units);
    let start = SETS
        .iter()
        .copied()
        .min_by_key(|&s| plan.direct(0, s).map_or(u32::MAX, |(cost, _)| cost))
        .unwrap_or(Set::B);

    let mut codewords = vec![start.start_value()];
    let mut set = start;
    let mut i = 0;
    while i < units.len() {
        let Some((target, step)) = plan.choice.get(i).map(|row| set.of(row)) else {
            break;
        };
        if target != set {
            codewords.push(target.switch_value());
        }
        set = target;
        let Some(step) = step else { break };
        i += emit(&mut codewords, units, i, set, step);
    }
    if i != units.len() {
        // The plan covers every input that passed the checks above.
        return Err(BarcodeError::UnencodableCharacter);
    }
    let weighted = codewords
        .iter()
        .enumerate()
        .map(|(pos, &v)| u32::from(v) * u32::try_from(pos.max(1)).unwrap_or(0))
        .sum::<u32>();
    codewords.push(u8::try_from(weighted % 103).unwrap_or(0));
    codewords.push(STOP_VALUE);
    Ok(Encoded { codewords })
}

/// Appends the symbols for one step and says how many units it consumed.
fn emit(out: &mut Vec<u8>, units: &[Unit], i: usize, set: Set, step: Step) -> usize {
    match (step, units.get(i)) {
        (Step::Pair, Some(&Unit::Char(a))) => {
            let b = match units.get(i + 1) {
                Some(&Unit::Char(b)) => b,
                _ => b'0',
            };
            out.push((a - b'0') * 10 + (b - b'0'));
            2
        }
        (_, Some(Unit::Fnc1)) => {
            out.push(FNC1);
            1
        }
        (Step::Single, Some(&Unit::Char(c))) => {
            out.push(value_in(set, c).unwrap_or(0));
            1
        }
        (Step::Shifted, Some(&Unit::Char(c))) => {
            let other = if set == Set::A { Set::B } else { Set::A };
            out.push(SHIFT);
            out.push(value_in(other, c).unwrap_or(0));
            1
        }
        (_, None) => 0,
    }
}

/// The symbol value of ASCII `c` in set A or B, if it has one there.
fn value_in(set: Set, c: u8) -> Option<u8> {
    match (set, c) {
        (Set::A, 0..=31) => Some(c + 64),
        (Set::A, 32..=95) | (Set::B, 32..=127) => Some(c - 32),
        _ => None,
    }
}

/// Costs and choices of the dynamic programme.
struct Plan {
    /// `cost[i][s]`: fewest symbols for `units[i..]` when set `s` is current.
    cost: Vec<[u32; 3]>,
    /// `choice[i][s]`: the set to be in for the next step (a switch if it differs) and
    /// that step.
    choice: Vec<[(Set, Option<Step>); 3]>,
    units: Vec<Unit>,
}

impl Plan {
    /// The cost of taking the best step at `i` in `set` without switching first.
    fn direct(&self, i: usize, set: Set) -> Option<(u32, Step)> {
        let unit = *self.units.get(i)?;
        let next = |j: usize| self.cost.get(j).map(|row| set.of(row));
        let step = match (set, unit) {
            (_, Unit::Fnc1) => Step::Single,
            (Set::C, Unit::Char(a)) => match self.units.get(i + 1) {
                Some(Unit::Char(b)) if a.is_ascii_digit() && b.is_ascii_digit() => Step::Pair,
                _ => return None,
            },
            (_, Unit::Char(c)) => {
                if value_in(set, c).is_some() {
                    Step::Single
                } else {
                    Step::Shifted
                }
            }
        };
        let (symbols, consumed) = match step {
            Step::Single => (1, 1),
            Step::Shifted => (2, 1),
            Step::Pair => (1, 2),
        };
        let rest = next(i + consumed)?;
        Some((rest.saturating_add(symbols), step))
    }
}

fn plan(units: &[Unit]) -> Plan {
    const INF: u32 = u32::MAX / 4;
    let n = units.len();
    let mut plan = Plan {
        cost: vec![[INF; 3]; n + 1],
        choice: vec![[(Set::A, None), (Set::B, None), (Set::C, None)]; n + 1],
        units: units.to_vec(),
    };
    if let Some(last) = plan.cost.get_mut(n) {
        *last = [0; 3];
    }
    for i in (0..n).rev() {
        let direct = [Set::A, Set::B, Set::C].map(|s| plan.direct(i, s));
        for current in [Set::A, Set::B, Set::C] {
            let mut best = (INF, current, None);
            if let Some((cost, step)) = current.of(&direct) {
                best = (cost, current, Some(step));
            }
            for target in SETS {
                if let Some((cost, step)) = target.of(&direct)
                    && target != current
                    && cost.saturating_add(1) < best.0
                {
                    best = (cost.saturating_add(1), target, Some(step));
                }
            }
            if let (Some(cost_row), Some(choice_row)) =
                (plan.cost.get_mut(i), plan.choice.get_mut(i))
            {
                *current.of_mut(cost_row) = best.0;
                *current.of_mut(choice_row) = (best.1, best.2);
            }
        }
    }
    plan
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// Decodes modules back into units: an independent check of the table walk, the
    /// check symbol and the code-set bookkeeping. Returns `None` on anything malformed.
    pub(crate) fn decode(modules: &[bool]) -> Option<Vec<Unit>> {
        // Run lengths.
        let mut widths = Vec::new();
        let mut iter = modules.iter().peekable();
        while let Some(&m) = iter.next() {
            let mut w = 1u8;
            while iter.peek() == Some(&&m) {
                iter.next();
                w += 1;
            }
            widths.push(w);
        }
        if !*modules.first()? || widths.len() % 6 != 1 {
            return None;
        }
        let (body, stop) = widths.split_at(widths.len() - 7);
        if stop != STOP {
            return None;
        }
        let values: Vec<u8> = body
            .chunks(6)
            .map(|c| {
                let code = c.iter().fold(0u32, |acc, &w| acc * 10 + u32::from(w));
                PATTERNS.iter().position(|&p| p == code).map(|v| v as u8)
            })
            .collect::<Option<_>>()?;
        let (&check, data) = values.split_last()?;
        let sum: u32 = data
            .iter()
            .enumerate()
            .map(|(i, &v)| v as u32 * (i.max(1) as u32))
            .sum();
        if sum % 103 != check as u32 {
            return None;
        }
        let mut set = match data.first()? {
            103 => Set::A,
            104 => Set::B,
            105 => Set::C,
            _ => return None,
        };
        let mut out = Vec::new();
        let mut shift = false;
        for &v in &data[1..] {
            let active = if shift {
                if set == Set::A { Set::B } else { Set::A }
            } else {
                set
            };
            shift = false;
            match (active, v) {
                (_, 102) => out.push(Unit::Fnc1),
                (Set::C, 0..=99) => {
                    out.push(Unit::Char(b'0' + v / 10));
                    out.push(Unit::Char(b'0' + v % 10));
                }
                (Set::C, 100) | (Set::A, 100) => set = Set::B,
                (Set::C, 101) | (Set::B, 101) => set = Set::A,
                (Set::A | Set::B, 99) => set = Set::C,
                (Set::A | Set::B, 98) => shift = true,
                (Set::A, 0..=63) => out.push(Unit::Char(v + 32)),
                (Set::A, 64..=95) => out.push(Unit::Char(v - 64)),
                (Set::B, 0..=95) => out.push(Unit::Char(v + 32)),
                _ => return None,
            }
        }
        Some(out)
    }

    fn chars(s: &str) -> Vec<Unit> {
        units_from_str(s).unwrap()
    }

    #[test]
    fn table_is_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for &p in &PATTERNS {
            let digits: Vec<u32> = p.to_string().bytes().map(|b| u32::from(b - b'0')).collect();
            assert_eq!(digits.len(), 6);
            assert_eq!(digits.iter().sum::<u32>(), 11, "{p}");
            assert!(digits.iter().all(|&d| (1..=4).contains(&d)), "{p}");
            // Code 128's parity: the bars of every symbol add up to an even width.
            assert_eq!((digits[0] + digits[2] + digits[4]) % 2, 0, "{p}");
            assert!(seen.insert(p), "duplicate {p}");
        }
        assert_eq!(STOP.iter().map(|&w| u32::from(w)).sum::<u32>(), 13);
    }

    /// Worked examples, checked by hand: "PJJ123C" (Start B; a three-digit run is
    /// cheaper left in B; check (104 + 48 + 2·42 + 3·42 + 4·17 + 5·18 + 6·19 + 7·35) mod
    /// 103 = 55), an even digit run in C, and a postal-style "RI476394652CH" whose nine
    /// digits split one in B and eight in C.
    #[test]
    fn published_vectors() {
        let pjj = encode(&chars("PJJ123C")).unwrap();
        assert_eq!(pjj.codewords(), &[104, 48, 42, 42, 17, 18, 19, 35, 55, 106]);
        let digits = encode(&chars("123456")).unwrap();
        assert_eq!(digits.codewords(), &[105, 12, 34, 56, 44, 106]);
        let postal = encode(&chars("RI476394652CH")).unwrap();
        // B: R I 4, C: 76 39 46 52, B: C H (ties keep the current set).
        assert_eq!(
            &postal.codewords()[..postal.codewords().len() - 2],
            &[104, 50, 41, 20, 99, 76, 39, 46, 52, 100, 35, 40]
        );
    }

    #[test]
    fn modules_of_pjj123c_match_the_published_bars() {
        // Start B 11010010000 … stop 1100011101011 (Wikipedia's worked example).
        let m: String = encode(&chars("PJJ123C"))
            .unwrap()
            .modules()
            .iter()
            .map(|&d| if d { '1' } else { '0' })
            .collect();
        assert!(m.starts_with("11010010000"), "{m}");
        assert!(m.ends_with("1100011101011"), "{m}");
        assert_eq!(m.len(), 9 * 11 + 13);
    }

    #[test]
    fn odd_digit_runs_and_control_characters() {
        // Five digits: the odd digit goes in B, the rest in C, whichever side is shorter.
        let five = encode(&chars("12345")).unwrap();
        assert_eq!(five.codewords().len(), 1 + 4 + 2);
        // Control characters need set A; a lone lowercase letter in A is shifted.
        let ctl = encode(&chars("AB\tC")).unwrap();
        assert_eq!(ctl.codewords()[0], 103);
        let mixed = encode(&chars("\ta\t")).unwrap();
        assert_eq!(&mixed.codewords()[..5], &[103, 73, 98, 65, 73]);
        assert_eq!(decode(&mixed.modules()).unwrap(), chars("\ta\t"));
    }

    #[test]
    fn refuses_what_it_cannot_carry() {
        assert_eq!(encode(&[]), Err(BarcodeError::Empty));
        assert_eq!(
            encode(&[Unit::Char(200)]),
            Err(BarcodeError::UnencodableCharacter)
        );
        assert_eq!(units_from_str("ñ"), Err(BarcodeError::UnencodableCharacter));
        assert_eq!(
            units_from_str(&"1".repeat(MAX_UNITS + 1)),
            Err(BarcodeError::TooLong { max: MAX_UNITS })
        );
    }

    /// Brute force: the fewest symbols over every legal encoding, by breadth-first search
    /// over (position, set) with explicit switch/shift moves. Small inputs only.
    fn brute_force_len(units: &[Unit]) -> usize {
        use std::collections::VecDeque;
        let mut best = usize::MAX;
        let mut queue = VecDeque::new();
        for s in [Set::A, Set::B, Set::C] {
            queue.push_back((0usize, s, 1usize));
        }
        let mut seen = std::collections::HashMap::new();
        while let Some((i, s, n)) = queue.pop_front() {
            if i == units.len() {
                best = best.min(n);
                continue;
            }
            if seen.get(&(i, s as u8)).is_some_and(|&m| m <= n) {
                continue;
            }
            seen.insert((i, s as u8), n);
            for t in [Set::A, Set::B, Set::C] {
                if t != s {
                    queue.push_back((i, t, n + 1));
                }
            }
            match (s, units[i]) {
                (_, Unit::Fnc1) => queue.push_back((i + 1, s, n + 1)),
                (Set::C, Unit::Char(a)) => {
                    if let Some(Unit::Char(b)) = units.get(i + 1)
                        && a.is_ascii_digit()
                        && b.is_ascii_digit()
                    {
                        queue.push_back((i + 2, s, n + 1));
                    }
                }
                (_, Unit::Char(c)) => {
                    if value_in(s, c).is_some() {
                        queue.push_back((i + 1, s, n + 1));
                    } else {
                        queue.push_back((i + 1, s, n + 2));
                    }
                }
            }
        }
        best + 2 // check and stop
    }

    fn unit_strategy() -> impl Strategy<Value = Unit> {
        prop_oneof![
            4 => (b'0'..=b'9').prop_map(Unit::Char),
            2 => (0u8..=127).prop_map(Unit::Char),
            1 => Just(Unit::Fnc1),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn encode_then_decode_round_trips(units in proptest::collection::vec(unit_strategy(), 1..=40)) {
            let symbol = encode(&units).unwrap();
            let modules = symbol.modules();
            prop_assert_eq!(modules.len(), (symbol.codewords().len() - 1) * 11 + 13);
            prop_assert_eq!(decode(&modules), Some(units));
        }

        #[test]
        fn encoding_is_shortest(units in proptest::collection::vec(unit_strategy(), 1..=12)) {
            let symbol = encode(&units).unwrap();
            prop_assert_eq!(symbol.codewords().len(), brute_force_len(&units));
        }

        #[test]
        fn arbitrary_strings_never_panic(text in "\\PC{0,100}") {
            if let Ok(units) = units_from_str(&text) {
                let symbol = encode(&units).unwrap();
                prop_assert_eq!(decode(&symbol.modules()), Some(units));
            }
        }
    }
}
