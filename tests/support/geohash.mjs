// The tests' own geohash encoder (the standard bisection), written apart from Vale's
// (`shared::places::Geohash`) so that a test checks Vale's cells against another answer.

const BASE32 = '0123456789bcdefghjkmnpqrstuvwxyz';

/** Geohash cell of `precision` characters, its centre and its size in degrees. */
export function geohash(lat, lon, precision) {
  let [latLo, latHi, lonLo, lonHi] = [-90, 90, -180, 180];
  let out = '';
  let even = true;
  while (out.length < precision) {
    let idx = 0;
    for (let b = 0; b < 5; b++) {
      if (even) {
        const mid = (lonLo + lonHi) / 2;
        idx = idx * 2 + (lon >= mid ? 1 : 0);
        if (lon >= mid) lonLo = mid; else lonHi = mid;
      } else {
        const mid = (latLo + latHi) / 2;
        idx = idx * 2 + (lat >= mid ? 1 : 0);
        if (lat >= mid) latLo = mid; else latHi = mid;
      }
      even = !even;
    }
    out += BASE32[idx];
  }
  return { cell: out, centre: [(latLo + latHi) / 2, (lonLo + lonHi) / 2], size: [latHi - latLo, lonHi - lonLo] };
}
