-- The library's bookkeeping lives in its own schema, `interne`, out of the analysts' way: the
-- public tables and views stay in `main` (migration 3 moves these objects out of `main` in
-- files made before the schema existed).
CREATE SCHEMA IF NOT EXISTS interne;

-- Bookkeeping of the tally cache (a materialised copy of the `tally` view, table
-- `interne.tally_cache`, rebuilt by tally.refresh_tallies): the input fingerprint each
-- consultation's rows were computed from. Readers use the cache only while this equals the
-- current `interne.tally_input_stamp`.
CREATE TABLE IF NOT EXISTS interne.tally_cache_state (
    consultation_id VARCHAR PRIMARY KEY,
    stamp           VARCHAR NOT NULL,
    refreshed_at    TIMESTAMP NOT NULL
);

-- The version of the views the file holds (store.views_fingerprint) and a hash of their stored
-- definitions, written on every writable open: a read-only connection of the same version finding
-- the same definitions uses them as they are; any other one (another version, views rewritten
-- since by an older version or by hand) recreates this version's views for itself (api.connect).
CREATE TABLE IF NOT EXISTS interne.views_state (
    views_fingerprint VARCHAR NOT NULL,
    catalog_hash      VARCHAR NOT NULL,
    written_at        TIMESTAMP NOT NULL
);
