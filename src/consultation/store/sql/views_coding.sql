-- Views of the coding engine (coding/), layered on views.sql.

-- What the model learns from: one row per human-coded unit with its themes. For a question
-- counted in respondents the unit is the whole answer; for one counted in propositions it is
-- the proposition the coder quoted (the whole answer when the code quotes nothing).
CREATE OR REPLACE VIEW training_units AS
SELECT h.consultation_id, h.question_id, h.respondent_id,
       CASE WHEN q.unit = 'propositions' AND trim(h.unit_text) <> '' THEN trim(h.unit_text) ELSE a.text END AS text,
       list(DISTINCT h.theme_id ORDER BY h.theme_id) AS theme_ids
FROM human_codes h
JOIN questions q USING (consultation_id, question_id)
JOIN stg_answers a USING (consultation_id, respondent_id, question_id)
GROUP BY ALL;

-- Units coded automatically that count in the tallies: those of answers without human codes.
CREATE OR REPLACE VIEW auto_units AS
SELECT u.consultation_id, u.respondent_id, u.question_id, u.unit_no, u.text, r.region
FROM units u
JOIN respondents r USING (consultation_id, respondent_id)
WHERE NOT EXISTS (
    SELECT 1 FROM human_codes h
    WHERE h.consultation_id = u.consultation_id
      AND h.respondent_id = u.respondent_id
      AND h.question_id = u.question_id
);

-- Human-coded counts per (question, theme, region), counted as the tallies count them:
-- respondents for 'respondents' questions, distinct coded units for 'propositions' ones.
CREATE OR REPLACE VIEW human_theme_counts AS
SELECT h.consultation_id, h.question_id, h.theme_id, r.region,
       CASE WHEN any_value(q.unit) = 'propositions' THEN count(DISTINCT (h.respondent_id, h.unit_text))
            ELSE count(DISTINCT h.respondent_id) END AS n
FROM human_codes h
JOIN questions q USING (consultation_id, question_id)
JOIN respondents r USING (consultation_id, respondent_id)
JOIN stg_answers a USING (consultation_id, respondent_id, question_id)
GROUP BY h.consultation_id, h.question_id, h.theme_id, r.region;

-- Every answer's final codes (human codes win), with theme labels: what `export codings` writes.
CREATE OR REPLACE VIEW coding_export AS
SELECT f.consultation_id, f.respondent_id, r.region, r.structure_type, f.question_id,
       q.position AS question_position, f.unit_key, f.unit_text, f.theme_id, t.label AS theme_label,
       t.position AS theme_position, f.source, f.confidence, f.needs_review, f.model_version,
       f.codebook_version
FROM final_codes f
JOIN respondents r USING (consultation_id, respondent_id)
JOIN questions q USING (consultation_id, question_id)
JOIN themes t ON t.consultation_id = f.consultation_id AND t.question_id = f.question_id AND t.theme_id = f.theme_id;
