-- Bookkeeping of the tally cache (a materialised copy of the `tally` view, table `tally_cache`,
-- rebuilt by tally.refresh_tallies): the input fingerprint each consultation's rows were
-- computed from. Readers use the cache only while this equals the current `tally_input_stamp`.
CREATE TABLE IF NOT EXISTS tally_cache_state (
    consultation_id VARCHAR PRIMARY KEY,
    stamp           VARCHAR NOT NULL,
    refreshed_at    TIMESTAMP NOT NULL
);
