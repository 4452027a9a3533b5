-- What the corrected counts need per automatic unit (coding/run.py writes it with the codes, in
-- the same transaction): refreshing the estimates after new answers reads these instead of
-- deciding every unit again.
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
COMMENT ON TABLE unit_decisions IS 'The coder''s decision for each automatically coded unit, kept so that corrected counts are refreshed without deciding every unit again.';
COMMENT ON COLUMN unit_decisions.consultation_id IS 'Identifier of the consultation (consultation.yaml `id`).';
COMMENT ON COLUMN unit_decisions.respondent_id IS 'Identifier of the respondent, as in the export.';
COMMENT ON COLUMN unit_decisions.question_id IS 'Identifier of the question (consultation.yaml `questions[].id`).';
COMMENT ON COLUMN unit_decisions.unit_no IS 'Position of the unit (proposition) within the answer, from 0.';
COMMENT ON COLUMN unit_decisions.chosen IS 'Per theme of the question except « Autres », in codebook order: whether the coder chose it.';
COMMENT ON COLUMN unit_decisions.other IS 'True when nothing claimed the unit (« Autres »).';
COMMENT ON COLUMN unit_decisions.scores IS 'Per theme, the model''s raw score (NaN where the model does not decide the theme); NULL without a model.';
COMMENT ON COLUMN unit_decisions.model_version IS 'Model that decided the unit (NULL: rules only); decisions of another model are not reused.';
COMMENT ON COLUMN unit_decisions.codebook_version IS 'Codebook version the unit was decided with; decisions of another version are not reused.';
