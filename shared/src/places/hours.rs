//! Opening hours in the points file: a small subset of OpenStreetMap's `opening_hours`, so
//! an OSM extract passes unchanged and the widget can show it as it is.
//!
//! - `24/7`, or
//! - rules joined by `;`, each `DAYS TIMES`: `DAYS` is days or day ranges joined by `,`
//!   (`Mo Tu We Th Fr Sa Su`, and `PH` for public holidays: `Mo-Fr`, `Sa,Su`, `PH`), and
//!   `TIMES` is `off` or ranges `HH:MM-HH:MM` joined by `,`, each ending after it starts,
//!   at most `24:00`.
//!
//! Example: `Mo-Fr 08:00-12:30,14:00-18:00; Sa 09:00-13:00; Su,PH off`.

const DAYS: [&str; 8] = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su", "PH"];

fn day(d: &str) -> Result<usize, String> {
    DAYS.iter()
        .position(|x| *x == d)
        .ok_or_else(|| format!("`{d}` is not a day (Mo Tu We Th Fr Sa Su PH)"))
}

fn days(spec: &str) -> Result<(), String> {
    for part in spec.split(',') {
        match part.split_once('-') {
            Some((from, to)) => {
                let (from, to) = (day(from)?, day(to)?);
                if from >= to || to == 7 {
                    return Err(format!("`{part}` is not a range of weekdays"));
                }
            }
            None => {
                day(part)?;
            }
        }
    }
    Ok(())
}

fn minutes(t: &str) -> Option<u32> {
    let (h, m) = t.split_once(':')?;
    if h.len() != 2 || m.len() != 2 || !(h.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m) = (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?);
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

fn times(spec: &str) -> Result<(), String> {
    if spec == "off" {
        return Ok(());
    }
    for range in spec.split(',') {
        let ok = range
            .split_once('-')
            .and_then(|(a, b)| Some((minutes(a)?, minutes(b)?)))
            .is_some_and(|(a, b)| a < b);
        if !ok {
            return Err(format!(
                "`{range}` is not a range HH:MM-HH:MM that ends after it starts"
            ));
        }
    }
    Ok(())
}

/// Checks `text` and answers it with single spaces (`Mo-Fr 08:00-18:00; Sa off`).
///
/// ```
/// use vale_shared::places::hours::normalise;
/// assert_eq!(normalise("Mo-Fr 08:00-18:00 ;Sa  09:00-13:00").unwrap(), "Mo-Fr 08:00-18:00; Sa 09:00-13:00");
/// assert!(normalise("9am-6pm").is_err());
/// ```
pub fn normalise(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text == "24/7" {
        return Ok(text.to_owned());
    }
    let mut rules = Vec::new();
    for rule in text.split(';') {
        let mut words = rule.split_whitespace();
        let (Some(d), Some(t), None) = (words.next(), words.next(), words.next()) else {
            return Err(format!(
                "`{}` is not `DAYS TIMES` (such as `Mo-Fr 08:00-18:00`, `Su off` or `24/7`)",
                rule.trim()
            ));
        };
        days(d)?;
        times(t)?;
        rules.push(format!("{d} {t}"));
    }
    Ok(rules.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn accepted_and_refused() {
        for ok in [
            "24/7",
            "Mo-Su 00:00-24:00",
            "Mo-Fr 08:00-12:30,14:00-18:00; Sa 09:00-13:00; Su,PH off",
            "Mo,We,Fr 07:00-19:00",
        ] {
            assert_eq!(normalise(ok).as_deref(), Ok(ok));
        }
        for bad in [
            "",
            "Mo-Fr",
            "Mo-Fr 8:00-18:00",
            "Mo-Fr 18:00-08:00",
            "Mo-Fr 08:00-24:30",
            "Fr-Mo 08:00-18:00",
            "Lu-Vi 08:00-18:00",
            "Mo-PH 08:00-18:00",
            "Mo-Fr 08:00-18:00;",
            "Mo-Fr 08:00-18:00 extra",
        ] {
            assert!(normalise(bad).is_err(), "{bad}");
        }
    }
}
