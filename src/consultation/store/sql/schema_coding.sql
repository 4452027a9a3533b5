-- What the corrected counts need per automatic unit (coding/run.py writes it with the codes, in
-- the same transaction): refreshing the estimates after new answers reads these instead of
-- deciding every unit again.
-- Its descriptions are in comments.sql, with every other one.
CREATE TABLE IF NOT EXISTS unit_decisions (
    consultation_id  VARCHAR NOT NULL,
    respondent_id    VARCHAR NOT NULL,
    question_id      VARCHAR NOT NULL,
    unit_no          INTEGER NOT NULL,
    chosen           BOOLEAN[] NOT NULL,
    other            BOOLEAN NOT NULL,
    scores           DOUBLE[],
    model_version    VARCHAR,
    codebook_version INTEGER NOT NULL
);
