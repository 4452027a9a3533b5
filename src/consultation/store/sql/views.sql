-- Layered views (staging, then tallies). Recreated on every connection by the store.

-- Staging: answers with a non-blank text, joined to their respondent.
CREATE OR REPLACE VIEW stg_answers AS
-- trim() only where an edge is a space: ingestion already strips texts, and trimming every
-- text costs seconds at 1M answers (this view is under every tally).
SELECT a.consultation_id, a.respondent_id, a.question_id,
       CASE WHEN starts_with(a.text, ' ') OR ends_with(a.text, ' ') THEN trim(a.text) ELSE a.text END AS text,
       a.follow_up, r.region, r.region_code, r.structure_type, r.structure_name
FROM answers a
JOIN respondents r USING (consultation_id, respondent_id)
WHERE CASE WHEN a.text = '' THEN FALSE WHEN NOT starts_with(a.text, ' ') THEN TRUE ELSE trim(a.text) <> '' END;

-- Final codes: human codes for every answer that has any; automatic codes for the others.
CREATE OR REPLACE VIEW final_codes AS
SELECT h.consultation_id, h.respondent_id, h.question_id,
       h.unit_text, 'h:' || h.unit_text AS unit_key, h.theme_id, 'human' AS source, 1.0 AS confidence, FALSE AS needs_review,
       h.codebook_version, NULL::VARCHAR AS model_version
FROM human_codes h
UNION ALL
SELECT c.consultation_id, c.respondent_id, c.question_id,
       u.text AS unit_text, 'a:' || c.unit_no AS unit_key, c.theme_id, c.source, c.confidence, c.needs_review,
       c.codebook_version, c.model_version
FROM auto_codes c
JOIN units u USING (consultation_id, respondent_id, question_id, unit_no)
WHERE NOT EXISTS (
    SELECT 1 FROM human_codes h
    WHERE h.consultation_id = c.consultation_id
      AND h.respondent_id = c.respondent_id
      AND h.question_id = c.question_id
);

CREATE OR REPLACE VIEW stg_codes AS
SELECT f.*, r.region, r.region_code, r.structure_type, r.structure_name
FROM final_codes f
JOIN respondents r USING (consultation_id, respondent_id);
