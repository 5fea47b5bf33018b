// More than one merchant, and live mode: the edge started with a MERCHANTS list of
// mer_local (test) plus a live merchant with its own network secrets.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { useEdge } from '../support/fixtures.mjs';
import { startPagoEfectivo } from '../support/pagoefectivo.mjs';
import {
  EFECTY_SECRET, PE_SECRET, api, efectyBody, efectyOrder, peBody, peOrder, peSign, postEfecty, postPe,
} from '../support/vale.mjs';

const LIVE_KEY = 'sk_live_other';
const OTHER_TEST_KEY = 'sk_test_other';
// Otra Tienda's real recaudo agreement (a valid GS1 check digit), for live vouchers only.
const LIVE_GLN = '7701234000011';
const LIVE_CONVENIO = '445566';
const LIVE_PE_SECRET = 'pe_other_secret';
const LIVE_EFECTY_SECRET = 'whsec_b3RoZXJfc2VjcmV0X2tleV9mb3JfdGVzdHM=';
const sha256 = (text) => createHash('sha256').update(text).digest('hex');
// Live PagoEfectivo CIPs come from PagoEfectivo: here a local fake of its API.
const merchants = (fake) => [
  { id: 'mer_local', name: 'Tienda Local', keys: [{ sha256: sha256('sk_test_local'), mode: 'test', role: 'secret' }],
    test: { pagoefectivo_secret: PE_SECRET, efecty_secret: EFECTY_SECRET } },
  { id: 'mer_000000000000000000000001', name: 'Otra Tienda',
    keys: [{ sha256: sha256(LIVE_KEY), mode: 'live', role: 'secret' },
      { sha256: sha256(OTHER_TEST_KEY), mode: 'test', role: 'secret' }],
    test: { pagoefectivo_secret: 'pe_other_test_secret' },
    live: { pagoefectivo_secret: LIVE_PE_SECRET, efecty_secret: LIVE_EFECTY_SECRET,
      pagoefectivo_api: { base_url: fake.base, id_service: 'svc-local', access_key: 'ak_local' } },
    efecty_gln: LIVE_GLN, efecty_convenio: LIVE_CONVENIO,
    limits: { pagoefectivo: { PEN: { min: 1000, max: 100000 } } } },
];

let fake;
after(async () => {
  await fake?.stop();
});
const edge = useEdge(async () => {
  fake = await startPagoEfectivo({ secretKey: LIVE_PE_SECRET });
  return { vars: { MERCHANTS: JSON.stringify(merchants(fake)) } };
});
const local = edge.api();
const live = edge.api(LIVE_KEY);
/** A live PagoEfectivo order: PagoEfectivo needs the shopper's e-mail. */
const livePe = (extra = {}) => peOrder({ customer: { email: 'ana@example.pe' }, ...extra });

describe('live mode and several merchants', () => {
  test('a live key issues live vouchers; the sandbox is 404 for it', async () => {
    const v = (await live.post('/v1/vouchers', livePe())).json;
    assert.equal(v.livemode, true);
    assert.equal((await live.post(`/v1/sandbox/vouchers/${v.id}/pay`)).status, 404);
    assert.equal((await live.post(`/v1/sandbox/vouchers/${v.id}/expire`)).status, 404);
    assert.equal((await live.get(`/v1/vouchers/${v.id}`)).json.status, 'pending');
  });

  test('a merchant\'s configured limits replace the network defaults', async () => {
    const over = await live.post('/v1/vouchers', livePe({ amount: 100_001 }));
    assert.equal(over.status, 400);
    assert.equal(over.json.error.param, 'amount');
    assert.equal((await local.post('/v1/vouchers', peOrder({ amount: 100_001 }))).status, 201);
  });

  test('one merchant cannot see, list or cancel another\'s vouchers', async () => {
    const v = (await live.post('/v1/vouchers', efectyOrder())).json;
    assert.equal((await local.get(`/v1/vouchers/${v.id}`)).status, 404);
    assert.equal((await local.post(`/v1/vouchers/${v.id}/cancel`)).status, 404);
    assert.equal((await local.get(`/v1/vouchers?reference=${v.reference}`)).json.data.length, 0);
    assert.equal((await live.get(`/v1/vouchers?reference=${v.reference}`)).json.data.length, 1);
  });

  test('a notification finds its merchant by whose secret signed it', async () => {
    const v = (await live.post('/v1/vouchers', livePe())).json;
    // Signed with the test merchant's key: that merchant has no such CIP.
    const wrong = await postPe(edge.base, peBody({ cip: v.payment_code }));
    assert.equal(wrong.status, 404);
    const operation = `op-other-${Date.now()}`;
    await fake.pay(v.payment_code, { notify: false, operationNumber: operation });
    const body = peBody({ cip: v.payment_code, operation });
    const right = await postPe(edge.base, body, peSign(body, LIVE_PE_SECRET));
    assert.equal(right.status, 200, JSON.stringify(right.json));
    assert.equal((await live.get(`/v1/vouchers/${v.id}`)).json.status, 'paid');

    const e = (await live.post('/v1/vouchers', efectyOrder())).json;
    const paid = await postEfecty(edge.base, efectyBody({ code: e.payment_code }), { secret: LIVE_EFECTY_SECRET });
    assert.equal(paid.status, 200, JSON.stringify(paid.json));
    assert.equal((await live.get(`/v1/vouchers/${e.id}`)).json.status, 'paid');
  });

  test('Regression (review L6): a merchant with a live GLN and convenio issues test vouchers without them', async () => {
    const testKey = api(edge.base, OTHER_TEST_KEY);
    const t = (await testKey.post('/v1/vouchers', efectyOrder())).json;
    assert.equal(t.livemode, false);
    // Not payable in real cash: no biller in the barcode, no convenio to give at the counter.
    assert.equal(t.barcode.symbology, 'code128');
    assert.equal(t.barcode.data, t.payment_code);
    assert.ok(!JSON.stringify(t).includes(LIVE_GLN), 'the live GLN is nowhere in a test voucher');
    const testView = (await api(edge.base, t.client_secret).get(`/v1/vouchers/${t.id}`)).json;
    assert.equal(testView.convenio, null);
    assert.equal(testView.merchant_name, 'Otra Tienda');
    // Live vouchers carry the agreement.
    const l = (await live.post('/v1/vouchers', efectyOrder())).json;
    assert.equal(l.livemode, true);
    assert.equal(l.barcode.symbology, 'gs1-128');
    assert.match(l.barcode.data, new RegExp(`^\\(415\\)${LIVE_GLN}\\(8020\\)${l.payment_code}\\(3900\\)`));
    const liveView = (await api(edge.base, l.client_secret).get(`/v1/vouchers/${l.id}`)).json;
    assert.equal(liveView.convenio, LIVE_CONVENIO);
  });
});
