//! `GET /v1/vouchers/{id}/places?near=<geohash>`: the points of the voucher's network in
//! that cell and its eight neighbours whose chain can take the voucher's amount, at most
//! ten, nearest to the cell's centre first (`vale_shared::places::nearest` decides).
//!
//! Private by construction: the device sends a cell of 5 or 6 characters (about 5 km or
//! 1 km), never a position; this module neither stores nor logs it, and an error never
//! echoes it. The answer depends only on the voucher's network and amount and the cell,
//! so it is cacheable for a few minutes.
//!
//! The points are public data of the deployment in the `REPORTS` D1 database (tables
//! `place` and `place_list`, `edge/migrations/0002_places.sql`), loaded by
//! `cargo xtask places import`.

use crate::api::vouchers::{parse_id, unknown_param};
use crate::config::Config;
use crate::http::auth::{self, Caller};
use crate::http::error::{ApiError, ApiResult, json_response};
use crate::objects::voucher::{Command, Scope, VoucherClient};
use serde::Deserialize;
use serde_json::json;
use vale_shared::places::select::Located;
use vale_shared::places::{Chain, Geohash, MAX_SHOWN, nearest};
use vale_shared::{Currency, Money, Network};
use wasm_bindgen::JsValue;
use worker::{D1Database, Env, Request, Response};

/// How long a browser or a shared cache may keep an answer.
const MAX_AGE_SECONDS: u32 = 300;
/// The most rows the query hands to the selection (nearest first by the same measure).
const CANDIDATES: u32 = 200;

/// The cell from `near`: 5 or 6 characters of the geohash alphabet.
fn near_param(req: &Request) -> ApiResult<Geohash> {
    let invalid = || {
        ApiError::invalid(
            "near",
            "near_invalid",
            "near must be a geohash of 5 or 6 characters (0-9 and lowercase b-z without i, l, o), rounded on the device.",
        )
    };
    let mut near = None;
    for (name, value) in req.url()?.query_pairs() {
        match name.as_ref() {
            "near" if near.is_none() => near = Some(value.into_owned()),
            "near" => return Err(invalid()),
            other => return Err(unknown_param(other)),
        }
    }
    let cell: Geohash = near.ok_or_else(invalid)?.parse().map_err(|_| invalid())?;
    if (5..=6).contains(&cell.precision()) {
        Ok(cell)
    } else {
        Err(invalid())
    }
}

/// What the answer needs of the voucher.
#[derive(Deserialize)]
struct Voucher {
    network: Network,
    amount: i64,
    currency: Currency,
}

/// A point as the query reads it.
#[derive(Debug, Deserialize)]
struct Row {
    id: String,
    chain: String,
    name: String,
    address: String,
    city: String,
    lat: f64,
    lon: f64,
    hours: Option<String>,
    geohash: String,
    #[serde(skip)]
    known: Option<Chain>,
}

impl Located for Row {
    fn id(&self) -> &str {
        &self.id
    }
    fn chain(&self) -> Chain {
        self.known.unwrap_or(Chain::Efecty)
    }
    fn position(&self) -> (f64, f64) {
        (self.lat, self.lon)
    }
    fn cell(&self) -> &str {
        &self.geohash
    }
}

#[derive(Deserialize)]
struct List {
    attribution: Option<String>,
}

/// The candidates: the network's current list, in the cells, of the chains that take the
/// amount, nearest first by the selection's own measure.
async fn candidates(
    db: &D1Database,
    network: Network,
    cells: &[Geohash],
    chains: &[Chain],
    near: &Geohash,
) -> ApiResult<(Vec<Row>, Option<String>)> {
    let s = |v: &str| JsValue::from_str(v);
    let mut args = vec![s(network.as_str())];
    let mut ranges = Vec::with_capacity(cells.len());
    for cell in cells {
        // Every stored cell starting with `cell`: from it up to it followed by `~`, which
        // sorts after every geohash character.
        ranges.push("(p.geohash >= ? AND p.geohash < ?)");
        args.push(s(cell.as_str()));
        args.push(s(&format!("{cell}~")));
    }
    let marks = vec!["?"; chains.len()].join(", ");
    args.extend(chains.iter().map(|c| s(c.name())));
    let (lat0, lon0) = near.bounds().centre();
    let squeeze = lat0.to_radians().cos();
    args.extend([lat0, lat0, lon0, squeeze, lon0, squeeze].map(JsValue::from_f64));
    let sql = format!(
        "SELECT p.id, p.chain, p.name, p.address, p.city, p.lat, p.lon, p.hours, p.geohash
         FROM place p
         WHERE p.network = ?1
           AND p.generation = (SELECT generation FROM place_list WHERE network = ?1)
           AND ({})
           AND p.chain IN ({marks})
         ORDER BY (p.lat - ?) * (p.lat - ?) + ((p.lon - ?) * ?) * ((p.lon - ?) * ?), p.id
         LIMIT {CANDIDATES}",
        ranges.join(" OR ")
    );
    let results = db
        .batch(vec![
            db.prepare("SELECT attribution FROM place_list WHERE network = ?")
                .bind(&[s(network.as_str())])?,
            db.prepare(sql).bind(&args)?,
        ])
        .await?;
    let mut results = results.into_iter();
    let list = results
        .next()
        .map(|r| r.results::<List>())
        .transpose()?
        .and_then(|l| l.into_iter().next());
    let mut rows = results
        .next()
        .map(|r| r.results::<Row>())
        .transpose()?
        .unwrap_or_default();
    for row in &mut rows {
        row.known = Chain::of(network, &row.chain);
    }
    rows.retain(|r| r.known.is_some());
    Ok((rows, list.and_then(|l| l.attribution)))
}

/// `GET /v1/vouchers/{id}/places?near=…`: the voucher's client secret (CORS), or a key of
/// its merchant and mode, as for the voucher itself.
pub async fn nearby(req: &Request, env: &Env, config: &Config, id: &str) -> ApiResult<Response> {
    let caller = auth::caller(req, config)?;
    let id = parse_id(id)?;
    let scope = match caller {
        Caller::Key(access) => Scope::merchant(&access.merchant.id, access.mode),
        Caller::Client(secret) if secret.voucher_id() == id => Scope::Client,
        Caller::Client(_) | Caller::Refund(_) => return Err(ApiError::permission_denied()),
    };
    let near = near_param(req)?;
    let body = VoucherClient::of(env, &id)?
        .text(scope, Command::Get)
        .await?;
    let voucher: Voucher = serde_json::from_str(&body)?;
    let amount = Money::new(voucher.amount, voucher.currency).map_err(ApiError::internal)?;
    let chains = Chain::taking(voucher.network, amount);
    let cells = near.with_neighbours();
    let db = env.d1("REPORTS")?;
    let (rows, attribution) = if chains.is_empty() {
        (Vec::new(), None)
    } else {
        candidates(&db, voucher.network, &cells, &chains, &near).await?
    };
    let data: Vec<_> = nearest(&rows, &near, amount, MAX_SHOWN)
        .into_iter()
        .map(|p| {
            json!({
                "id": p.id, "chain": p.chain, "name": p.name, "address": p.address,
                "city": p.city, "lat": p.lat, "lon": p.lon, "hours": p.hours,
            })
        })
        .collect();
    let mut answer = json!({"object": "list", "data": data});
    if let (Some(attribution), Some(map)) = (attribution, answer.as_object_mut()) {
        map.insert("attribution".into(), attribution.into());
    }
    let resp = json_response(200, answer.to_string());
    resp.headers().set(
        "cache-control",
        &format!("public, max-age={MAX_AGE_SECONDS}"),
    )?;
    Ok(resp)
}
