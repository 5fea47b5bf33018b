// Points near the shopper (issue #22) against workerd: `cargo xtask places import` (as an
// operator runs it, into the running edge's local D1) and
// `GET /v1/vouchers/{id}/places?near=<geohash>`.
//
// - Import: each kind of bad row is reported by its line and nothing is loaded (the old
//   points stay); a good file replaces a network's points whole; 100,000 rows, timed.
// - Route: the client secret with CORS (and its preflight), a key without, another
//   voucher's secret refused, `near` checked (400 naming it), the cap filter (a voucher
//   above Tambo+'s S/ 500 never lists Tambo+), the network's own points only, nearest to
//   the cell's centre first, at most 10, cacheable.
// - Privacy: the edge's whole log output (VALE_EDGE_LOG) never holds a cell we sent.
//
// Geohashes here are computed by this file's own encoder, not by Vale's.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from '../support/edge.mjs';
import { useEdge } from '../support/fixtures.mjs';
import { api, efectyOrder, peOrder } from '../support/vale.mjs';
import Ajv2020 from 'ajv/dist/2020.js';
import { geohash } from '../support/geohash.mjs';

const doc = JSON.parse(readFileSync(join(root, 'docs', 'openapi.json'), 'utf8'));
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema({ ...doc, $id: 'openapi.json' });
/** Whether `json` is a PlaceList as docs/openapi.json describes it. */
const isPlaceList = ajv.compile({ $ref: 'openapi.json#/components/schemas/PlaceList' });

const HEAD = 'id,chain,name,address,city,lat,lon,hours,updated_at\n';
const LIMA = [-12.0464, -77.0428];
const { cell: NEAR6, centre: [LAT, LON] } = geohash(...LIMA, 6);
const NEAR5 = geohash(...LIMA, 5).cell;
const SENT = new Set();

let logFile;
let work;
// Removed when the process ends, after the edge has stopped: node:test runs a file's
// `after` hooks together, and removing the folder while the edge's log stream still
// writes into it failed the file once (ENOENT on edge.log after the tests had passed).
process.on('exit', () => {
  if (work) rmSync(work, { recursive: true, force: true });
});
const edge = useEdge(() => {
  work = mkdtempSync(join(tmpdir(), 'vale-places-'));
  logFile = join(work, 'edge.log');
  process.env.VALE_EDGE_LOG = logFile;
  return { reports: true };
});

/** `cargo xtask places import` into the running edge's local database. */
function load(network, text, extra = []) {
  const file = join(work, `${network}-${Date.now()}.csv`);
  writeFileSync(file, text);
  const started = Date.now();
  const run = spawnSync('cargo', ['xtask', 'places', 'import', file, '--network', network, ...extra], {
    cwd: root, encoding: 'utf8', timeout: 300_000,
    env: { ...process.env, VALE_DEV_STATE: edge.persist, WRANGLER_SEND_METRICS: 'false' },
  });
  return { status: run.status, out: `${run.stdout}${run.stderr}`, ms: Date.now() - started };
}

/** A row `metres` north-east of the cell's centre. */
const near = (id, chain, metres, extra = {}) => {
  const d = metres / 111_195 / Math.SQRT2;
  const lat = (LAT + d).toFixed(6);
  const lon = (LON + d / Math.cos((LAT * Math.PI) / 180)).toFixed(6);
  return `${id},${chain},${extra.name ?? `${chain} ${id}`},"Av. Arequipa ${metres}, Lima",Lima,${lat},${lon},${extra.hours ?? ''},2026-09-01\n`;
};

const places = async (key, id, cell, headers = {}) => {
  SENT.add(cell);
  const get = () => api(edge.base, key).get(`/v1/vouchers/${id}/places?near=${encodeURIComponent(cell)}`, { headers });
  // After an import (seconds without a request) the local server has closed the kept-alive
  // connection fetch reuses ("other side closed"): a GET is safe to send once more.
  return get().catch((e) => {
    if (e?.cause?.code !== 'UND_ERR_SOCKET') throw e;
    return get();
  });
};

describe('places', () => {
  let pe;
  let peBig;
  let efecty;
  before(async () => {
    const merchant = api(edge.base);
    pe = (await merchant.post('/v1/vouchers', peOrder({ amount: 10_000 }))).json; // S/ 100
    peBig = (await merchant.post('/v1/vouchers', peOrder({ amount: 60_000 }))).json; // S/ 600
    efecty = (await merchant.post('/v1/vouchers', efectyOrder())).json;
    assert.ok(pe?.client_secret && peBig?.client_secret && efecty?.client_secret);
    // 12 points from 100 m to 1,200 m away, then one in the next cell but one (never
    // listed), in Lima; Tambo+ is the nearest.
    let file = HEAD + near('t1', 'Tambo+', 100, { hours: '"Mo-Fr 08:00-18:00; Su,PH off"' });
    for (let i = 2; i <= 12; i++) file += near(`k${i}`, i % 2 ? 'Kasnet' : 'Western Union', i * 100);
    file += near('far', 'Kasnet', 6_000);
    const loaded = load('pagoefectivo', file);
    assert.equal(loaded.status, 0, loaded.out);
    const co = HEAD + 'e1,Efecty,Efecty Centro,Cra 7 # 12-20,Bogotá,4.5981,-74.0761,24/7,2026-09-01\n';
    assert.equal(load('efecty', co).status, 0);
  });

  test('the client secret reads the points with CORS, nearest first, at most 10, cacheable', async () => {
    const r = await places(pe.client_secret, pe.id, NEAR6, { origin: 'https://shop.example' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
    assert.match(r.headers.get('cache-control'), /^public, max-age=\d+$/);
    assert.equal(r.json.object, 'list');
    assert.deepEqual(r.json.data.map((p) => p.id), ['t1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9', 'k10']);
    const first = r.json.data[0];
    assert.deepEqual(Object.keys(first).sort(), ['address', 'chain', 'city', 'hours', 'id', 'lat', 'lon', 'name']);
    assert.equal(first.chain, 'Tambo+');
    assert.equal(first.address, 'Av. Arequipa 100, Lima');
    assert.equal(first.hours, 'Mo-Fr 08:00-18:00; Su,PH off');
    assert.equal(r.json.data[1].hours, null);
    assert.equal(r.json.attribution, undefined);
    assert.ok(isPlaceList(r.json), ajv.errorsText(isPlaceList.errors));
    const pre = await fetch(`${edge.base}/v1/vouchers/${pe.id}/places?near=${NEAR6}`, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), '*');
    assert.match(pre.headers.get('access-control-allow-headers'), /Authorization/i);
  });

  test('a 5-character cell covers the 6-character ones around it', async () => {
    const r = await places(pe.client_secret, pe.id, NEAR5);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.data.length, 10, r.text);
    // Nearest to the 5-character cell's centre first.
    const [lat0, lon0] = geohash(...LIMA, 5).centre;
    const d = (p) => Math.hypot(p.lat - lat0, (p.lon - lon0) * Math.cos((lat0 * Math.PI) / 180));
    const ds = r.json.data.map(d);
    assert.deepEqual([...ds].sort((a, b) => a - b), ds);
  });

  test('Regression (issue #22): a voucher above an agent chain\'s cap never lists that chain', async () => {
    const r = await places(peBig.client_secret, peBig.id, NEAR6);
    assert.equal(r.status, 200, r.text);
    const chains = new Set(r.json.data.map((p) => p.chain));
    assert.ok(!chains.has('Tambo+'), r.text); // Tambo+ takes up to S/ 500
    assert.ok(chains.has('Kasnet') && chains.has('Western Union'), r.text);
    assert.equal(r.json.data[0].id, 'k2');
  });

  test('each voucher sees its own network\'s points only', async () => {
    const r = await places(efecty.client_secret, efecty.id, NEAR6);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.data, []);
    const bogota = geohash(4.5981, -74.0761, 6).cell;
    const e = await places(efecty.client_secret, efecty.id, bogota);
    assert.deepEqual(e.json.data.map((p) => [p.id, p.chain]), [['e1', 'Efecty']]);
  });

  test('keys: the merchant\'s without CORS; another voucher\'s secret, none or a forged one refused', async () => {
    const key = await places('sk_test_local', pe.id, NEAR6);
    assert.equal(key.status, 200);
    assert.equal(key.headers.get('access-control-allow-origin'), null);
    const other = await places(efecty.client_secret, pe.id, NEAR6);
    assert.equal(other.status, 403);
    assert.equal(other.headers.get('access-control-allow-origin'), '*');
    assert.equal((await places(null, pe.id, NEAR6)).status, 401);
    const forged = pe.client_secret.slice(0, -4) + 'abcd';
    assert.equal((await places(forged, pe.id, NEAR6)).status, 401);
  });

  test('a bad `near` is a 400 naming it', async () => {
    for (const bad of ['', '6mc5', '6mc5xyz', '6mc5a', '6MC5X', '6mc5x ', '6mc5i', 'ñññññ']) {
      const r = await places(pe.client_secret, pe.id, bad);
      assert.equal(r.status, 400, `${bad}: ${r.text}`);
      assert.equal(r.json.error.param, 'near', bad);
      assert.equal(r.json.error.code, 'near_invalid');
      assert.equal(r.headers.get('access-control-allow-origin'), '*');
    }
    const none = await api(edge.base, pe.client_secret).get(`/v1/vouchers/${pe.id}/places?`);
    assert.equal(none.status, 400);
    assert.equal(none.json.error.param, 'near');
    const twice = await api(edge.base, pe.client_secret)
      .get(`/v1/vouchers/${pe.id}/places?near=${NEAR6}&near=${NEAR5}`);
    assert.equal(twice.status, 400);
    const extra = await api(edge.base, pe.client_secret).get(`/v1/vouchers/${pe.id}/places?near=${NEAR6}&lat=1`);
    assert.equal(extra.json.error.param, 'lat');
  });

  test('a file with bad rows names each line and loads nothing: the old points stay', async () => {
    const good = near('n1', 'Kasnet', 50);
    const bad = HEAD + good
      + near('n2', 'Efecty', 60) // not a PagoEfectivo chain
      + 'n3,Kasnet,X,Y,Lima,-12.0,-74.0,,2026-09-01\n'.replace('-74.0', '-60.0') // Brazil
      + good // duplicate id
      + near('n4', 'Kasnet', 70, { hours: '9am-6pm' })
      + 'n5,Kasnet,X,Y,Lima,abc,-77.0,,2026-09-01\n'
      + 'n6,Kasnet,,Y,Lima,-12.0,-77.0,,2026-09-01\n'
      + 'n7,Kasnet,X,Y,Lima,-12.0,-77.0,,2026-02-30\n'
      + 'n 8,Kasnet,X,Y,Lima,-12.0,-77.0,,2026-09-01\n'
      + 'n9,Kasnet,X,Y,Lima,-12.0\n';
    const r = load('pagoefectivo', bad);
    assert.notEqual(r.status, 0, r.out);
    for (let line = 3; line <= 11; line++) assert.match(r.out, new RegExp(`line ${line}: `), r.out);
    assert.doesNotMatch(r.out, /line 2: /);
    assert.match(r.out, /chain `Efecty`/);
    assert.match(r.out, /outside Peru/);
    assert.match(r.out, /appears on an earlier line/);
    assert.match(r.out, /hours/);
    assert.match(r.out, /nothing was loaded/);
    const still = await places(pe.client_secret, pe.id, NEAR6);
    assert.equal(still.json.data[0].id, 't1', still.text);
    assert.ok(!still.json.data.some((p) => p.id === 'n1'));
  });

  test('a good file replaces the network\'s points whole, with its attribution', async () => {
    const r = load('pagoefectivo', HEAD + near('n1', 'Kasnet', 50), ['--attribution', 'Lista de prueba']);
    assert.equal(r.status, 0, r.out);
    const now = await places(pe.client_secret, pe.id, NEAR6);
    assert.deepEqual(now.json.data.map((p) => p.id), ['n1']);
    assert.equal(now.json.attribution, 'Lista de prueba');
    assert.ok(isPlaceList(now.json), ajv.errorsText(isPlaceList.errors));
    const efectyStill = await places(efecty.client_secret, efecty.id, geohash(4.5981, -74.0761, 6).cell);
    assert.equal(efectyStill.json.data.length, 1);
  });

  test('100,000 rows load in well under a minute', async () => {
    const lines = [HEAD];
    let seed = 22;
    const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 100_000; i++) {
      const lat = (-4 + rand() * 16).toFixed(5);
      const lon = (-79 + rand() * 12).toFixed(5);
      lines.push(`big-${i},Efecty,Efecty ${i},Calle ${i % 200} # ${i % 90}-${i % 50},Ciudad ${i % 40},${lat},${lon},Mo-Sa 08:00-20:00,2026-09-01\n`);
    }
    const r = load('efecty', lines.join(''));
    assert.equal(r.status, 0, r.out);
    const seconds = Number(/loaded in ([\d.]+) s/.exec(r.out)?.[1]);
    console.log(`100,000 rows: ${seconds} s loading, ${r.ms} ms with cargo and the migration check`);
    assert.ok(seconds < 60, r.out);
    const cell = geohash(4, -73, 5).cell;
    const e = await places(efecty.client_secret, efecty.id, cell);
    assert.equal(e.status, 200);
    assert.ok(e.json.data.length > 0 && e.json.data.length <= 10, e.text);
    assert.ok(e.json.data.every((p) => p.id.startsWith('big-')));
  });

  test('nothing about the position reaches the edge\'s log', async () => {
    assert.ok(SENT.size >= 1);
    const log = readFileSync(logFile, 'utf8') + edge.log();
    // The log does record these requests (so a position in them would show).
    assert.match(log, /GET \/v1\/vouchers\/vch_\w+\/places/);
    for (const cell of SENT) {
      if (cell.length >= 5) assert.ok(!log.includes(cell), `the log holds ${cell}`);
    }
  });
});
