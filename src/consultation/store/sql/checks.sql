-- Data checks on a consultation database. Each query returns the rows that break the rule:
-- an empty result means the check passes. `consultation.ingest.core.run_checks` runs them all (the
-- tests do after every ingest); it provides `ref_regions` (region_code, region), the 18 regions.
-- A check starts with a line `-- check: <name>`.

-- check: unique_respondents
SELECT consultation_id, respondent_id, count(*) AS n
FROM respondents GROUP BY ALL HAVING count(*) > 1;

-- check: unique_answers
SELECT consultation_id, respondent_id, question_id, count(*) AS n
FROM answers GROUP BY ALL HAVING count(*) > 1;

-- check: unique_source_files
SELECT consultation_id, file_hash, count(*) AS n
FROM source_files GROUP BY ALL HAVING count(*) > 1;

-- check: unique_codebook_versions
SELECT consultation_id, version, count(*) AS n
FROM codebook_versions GROUP BY ALL HAVING count(*) > 1;

-- check: not_null_respondents
SELECT * FROM respondents
WHERE respondent_id IS NULL OR trim(respondent_id) = '' OR region IS NULL OR region_method IS NULL
   OR source_file IS NULL OR source_row IS NULL;

-- check: not_null_answers
SELECT * FROM answers
WHERE respondent_id IS NULL OR question_id IS NULL OR text IS NULL;

-- check: not_null_quarantine_reason
SELECT * FROM quarantine WHERE reason IS NULL OR trim(reason) = '' OR raw_json IS NULL;

-- check: accepted_regions
-- A respondent is in one of the 18 regions with its INSEE code, or in 'Région inconnue' with no code.
SELECT r.consultation_id, r.respondent_id, r.region, r.region_code
FROM respondents r
LEFT JOIN ref_regions g ON g.region = r.region AND g.region_code = r.region_code
WHERE g.region IS NULL AND NOT (r.region = 'Région inconnue' AND r.region_code IS NULL);

-- check: accepted_region_methods
SELECT consultation_id, respondent_id, region, region_method
FROM respondents
WHERE region_method NOT IN ('name', 'old_region', 'department_code', 'department_name', 'postal_code', 'empty', 'unknown')
   OR (region_method IN ('empty', 'unknown')) <> (region = 'Région inconnue');

-- check: accepted_source_kinds
SELECT consultation_id, file_hash, kind FROM source_files WHERE kind NOT IN ('responses', 'human_codes');

-- check: answers_to_known_questions
SELECT a.consultation_id, a.respondent_id, a.question_id
FROM answers a
LEFT JOIN questions q USING (consultation_id, question_id)
WHERE q.question_id IS NULL;

-- check: answers_of_known_respondents
SELECT a.consultation_id, a.respondent_id, a.question_id
FROM answers a
LEFT JOIN respondents r USING (consultation_id, respondent_id)
WHERE r.respondent_id IS NULL;

-- check: human_codes_of_current_codebook_known
-- Codes made with the current codebook version must name one of its themes, under its question.
SELECT h.consultation_id, h.respondent_id, h.question_id, h.theme_id, h.codebook_version
FROM human_codes h
JOIN consultations c ON c.consultation_id = h.consultation_id AND c.codebook_version = h.codebook_version
LEFT JOIN themes t ON t.consultation_id = h.consultation_id AND t.theme_id = h.theme_id AND t.question_id = h.question_id
WHERE t.theme_id IS NULL;

-- check: codes_have_a_codebook_version
SELECT h.consultation_id, h.respondent_id, h.question_id, h.theme_id, h.codebook_version
FROM human_codes h
LEFT JOIN codebook_versions v ON v.consultation_id = h.consultation_id AND v.version = h.codebook_version
WHERE v.version IS NULL;

-- check: rows_read_are_ingested_or_quarantined
SELECT consultation_id, path, rows_read, rows_ingested, rows_quarantined
FROM source_files WHERE rows_read <> rows_ingested + rows_quarantined;

-- check: quarantine_matches_file_counts
-- Every quarantined row counted in source_files is in the quarantine table, and no more.
SELECT s.consultation_id, s.path, s.rows_quarantined, count(q.file_hash) AS in_quarantine
FROM source_files s
LEFT JOIN quarantine q ON q.consultation_id = s.consultation_id AND q.file_hash = s.file_hash
GROUP BY s.consultation_id, s.path, s.file_hash, s.rows_quarantined
HAVING count(q.file_hash) <> s.rows_quarantined;
