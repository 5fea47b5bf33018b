//! "Buscar puntos cerca" in the browser (issue #22): the position only when the shopper
//! taps, rounded here to a geohash of [`PRECISION`] characters (a zone of about 5 km, the
//! neighbourhood), the points the edge lists for that zone, sorted by their distance from
//! the real position (which never leaves the device), the nearest [`SHOWN`] of them.
//!
//! The last list is kept in `localStorage` next to the voucher's offline copy
//! (`saved.rs`), under the voucher's API URL: with no network it shows with its date.
//!
//! Refusals each say why: no network, the page's Permissions-Policy (asked of
//! `document.featurePolicy` first, since a blocked request fails just like a refusal), the
//! shopper's refusal, no position, no point, no answer.

use crate::api::Source;
use js_sys::{Array, Function, JSON, Object, Promise, Reflect};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::rc::Rc;
use vale_shared::places::Geohash;
use vale_views::places::{Found, Point, SHOWN, Why};
use vale_views::voucher::Search;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The cell sent to the edge: 5 characters, about 4.9 × 4.9 km.
pub const PRECISION: usize = 5;

/// How long the browser may take to find the position.
const POSITION_TIMEOUT_MS: f64 = 15_000.0;

const PREFIX: &str = "vale:places:";

/// Metres in a degree of latitude (and of longitude at the equator).
const METRES_PER_DEGREE: f64 = 111_195.0;

/// The section's search, for a voucher read from `source`.
pub fn search(source: Rc<dyn Source>) -> Search {
    let found = RwSignal::new(Found::default());
    // Opened with no network: the last list, with its date.
    if !online()
        && let Some(kept) = source.key().and_then(|k| load(&k))
    {
        found.set(kept);
    }
    let run = Rc::new(move || {
        if found.with_untracked(|f| f.asking) {
            return;
        }
        found.update(|f| {
            f.asking = true;
            f.why = None;
        });
        let source = Rc::clone(&source);
        spawn_local(async move {
            let outcome = find(&*source).await;
            // The widget may be gone by now (its signals with it).
            let _ = found.try_set(outcome);
        });
    });
    Search {
        found,
        run,
        android: android(),
    }
}

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

fn online() -> bool {
    window().is_none_or(|w| w.navigator().on_line())
}

fn android() -> bool {
    // The browser's `includes`: core's substring searcher would bring panic formatting
    // into the wasm.
    window()
        .and_then(|w| w.navigator().user_agent().ok())
        .is_some_and(|ua| js_sys::JsString::from(ua).includes("Android", 0))
}

fn get(target: &JsValue, name: &str) -> Option<JsValue> {
    Reflect::get(target, &JsValue::from_str(name))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

/// Whether the page's Permissions-Policy lets this document ask for the position (`true`
/// where the browser cannot say).
fn allowed() -> bool {
    let Some(document) = window().and_then(|w| w.document()) else {
        return true;
    };
    let policy = get(&document, "permissionsPolicy").or_else(|| get(&document, "featurePolicy"));
    let Some((policy, allows)) = policy.and_then(|p| {
        let f = get(&p, "allowsFeature")?.dyn_into::<Function>().ok()?;
        Some((p, f))
    }) else {
        return true;
    };
    allows
        .call1(&policy, &JsValue::from_str("geolocation"))
        .map(|v| v.as_bool() != Some(false))
        .unwrap_or(true)
}

/// The device's position, asked now (the browser prompts the first time).
async fn position() -> Result<(f64, f64), Why> {
    let geolocation = window()
        .and_then(|w| get(&w.navigator(), "geolocation"))
        .ok_or(Why::NoPosition)?;
    let ask = get(&geolocation, "getCurrentPosition")
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or(Why::NoPosition)?;
    let options = Object::new();
    let _ = Reflect::set(&options, &"timeout".into(), &POSITION_TIMEOUT_MS.into());
    let _ = Reflect::set(&options, &"maximumAge".into(), &300_000.0.into());
    let promise = Promise::new(&mut |resolve, reject| {
        if let Err(e) = ask.call3(&geolocation, &resolve, &reject, &options) {
            let _ = reject.call1(&JsValue::NULL, &e);
        }
    });
    match JsFuture::from(promise).await {
        Ok(at) => {
            let coords = get(&at, "coords").ok_or(Why::NoPosition)?;
            let number = |name| get(&coords, name).and_then(|v| v.as_f64());
            match (number("latitude"), number("longitude")) {
                (Some(lat), Some(lon)) if lat.is_finite() && lon.is_finite() => Ok((lat, lon)),
                _ => Err(Why::NoPosition),
            }
        }
        // GeolocationPositionError.PERMISSION_DENIED is 1.
        Err(error) if get(&error, "code").and_then(|c| c.as_f64()) == Some(1.0) => Err(Why::Denied),
        Err(_) => Err(Why::NoPosition),
    }
}

/// Asks for the position and the points near it.
async fn find(source: &dyn Source) -> Found {
    let key = source.key();
    let why = |why| Found {
        why: Some(why),
        ..Found::default()
    };
    if !online() {
        let mut kept = key.as_deref().and_then(load).unwrap_or_default();
        kept.why = Some(Why::Offline);
        return kept;
    }
    if !allowed() {
        return why(Why::Blocked);
    }
    let (lat, lon) = match position().await {
        Ok(at) => at,
        Err(w) => return why(w),
    };
    let cell = Geohash::encode(lat, lon, PRECISION);
    let body = match source.places(cell.as_str()).await {
        Ok(body) => body,
        Err(e) if e.is_offline() => {
            let mut kept = key.as_deref().and_then(load).unwrap_or_default();
            kept.why = Some(Why::Offline);
            return kept;
        }
        Err(_) => return why(Why::Failed),
    };
    let Some(mut points) = JSON::parse(&body)
        .ok()
        .and_then(|json| get(&json, "data"))
        .and_then(|data| read(&data))
    else {
        return why(Why::Failed);
    };
    // Metres east and north, on the plane at the shopper's latitude (as
    // `vale_shared::places::select::distance_squared`, whose `cos` would bring libm's
    // trigonometry into the wasm: the browser's is used).
    let squeeze = js_sys::Math::cos(lat.to_radians());
    for p in &mut points {
        let north = (p.lat - lat) * METRES_PER_DEGREE;
        let east = (p.lon - lon) * METRES_PER_DEGREE * squeeze;
        p.metres = (north * north + east * east).sqrt();
    }
    // Nearest first: an insertion sort of the edge's ten at most (std's sorts are
    // kilobytes of code each).
    for i in 1..points.len() {
        let mut j = i;
        while j > 0
            && points
                .get(j - 1)
                .zip(points.get(j))
                .is_some_and(|(a, b)| a.metres > b.metres)
        {
            points.swap(j - 1, j);
            j -= 1;
        }
    }
    points.truncate(SHOWN);
    if points.is_empty() {
        return why(Why::Empty);
    }
    if let Some(key) = key {
        store(&key, &points);
    }
    Found {
        points,
        ..Found::default()
    }
}

/// Points from a JSON array (the API's `data`, or a kept list with `metres`); `None` when
/// one of them does not read.
fn read(data: &JsValue) -> Option<Vec<Point>> {
    let array = data.dyn_ref::<Array>()?;
    array
        .iter()
        .map(|p| {
            let text = |name| get(&p, name)?.as_string();
            let number = |name| get(&p, name)?.as_f64().filter(|n| n.is_finite());
            Some(Point {
                chain: text("chain")?,
                name: text("name")?,
                address: text("address").unwrap_or_default(),
                city: text("city").unwrap_or_default(),
                hours: text("hours").filter(|h| !h.is_empty()),
                lat: number("lat")?,
                lon: number("lon")?,
                metres: number("metres").unwrap_or(0.0),
            })
        })
        .collect()
}

fn storage() -> Option<web_sys::Storage> {
    window()?.local_storage().ok().flatten()
}

/// Keeps `points` for the voucher at `key`, stamped with the device clock.
fn store(key: &str, points: &[Point]) {
    let Some(storage) = storage() else {
        return;
    };
    let list = Array::new();
    for p in points {
        let o = Object::new();
        let set = |name: &str, value: JsValue| {
            let _ = Reflect::set(&o, &JsValue::from_str(name), &value);
        };
        set("chain", p.chain.as_str().into());
        set("name", p.name.as_str().into());
        set("address", p.address.as_str().into());
        set("city", p.city.as_str().into());
        if let Some(h) = &p.hours {
            set("hours", h.as_str().into());
        }
        set("lat", p.lat.into());
        set("lon", p.lon.into());
        set("metres", p.metres.into());
        list.push(&o);
    }
    let entry = Object::new();
    let _ = Reflect::set(&entry, &"at".into(), &js_sys::Date::now().into());
    let _ = Reflect::set(&entry, &"data".into(), &list);
    if let Some(text) = JSON::stringify(&entry).ok().and_then(|t| t.as_string()) {
        // Full or refused storage: the next visit with no network has no list.
        let _ = storage.set_item(&[PREFIX, key].concat(), &text);
    }
}

/// The list kept for `key`, with its date.
fn load(key: &str) -> Option<Found> {
    let text = storage()?.get_item(&[PREFIX, key].concat()).ok()??;
    let entry = JSON::parse(&text).ok()?;
    let points = read(&get(&entry, "data")?)?;
    Some(Found {
        points,
        saved_at: Some(get(&entry, "at")?.as_f64()?),
        ..Found::default()
    })
}
