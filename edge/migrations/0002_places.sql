-- Points where each network takes cash ("where to pay near the shopper", issue #22), loaded
-- by `cargo xtask places import`, read by GET /v1/vouchers/{id}/places. Public data of the
-- deployment: no shopper, position or voucher is ever written here.
--
-- An import writes its rows under a new `generation`, invisible until one statement points
-- `place_list` at it; then the older generations are deleted. A reader therefore sees a
-- network's old list or its new one, never a mix, and a failed import leaves the old one.
CREATE TABLE place (
  network     TEXT NOT NULL,
  generation  INTEGER NOT NULL,
  id          TEXT NOT NULL,
  chain       TEXT NOT NULL,
  name        TEXT NOT NULL,
  address     TEXT NOT NULL,
  city        TEXT NOT NULL,
  lat         REAL NOT NULL,
  lon         REAL NOT NULL,
  hours       TEXT,
  updated_at  TEXT NOT NULL,
  geohash     TEXT NOT NULL, -- 6 characters
  PRIMARY KEY (network, generation, id)
);
CREATE INDEX place_by_cell ON place (network, generation, geohash);
-- The list each network's readers see: its generation, the file it came from (SHA-256 of
-- the file, or `sample:` + that for the synthetic sample), its attribution line and size.
CREATE TABLE place_list (
  network     TEXT PRIMARY KEY,
  generation  INTEGER NOT NULL,
  source      TEXT NOT NULL,
  attribution TEXT,
  points      INTEGER NOT NULL,
  loaded_ms   INTEGER NOT NULL
);
