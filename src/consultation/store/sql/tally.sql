-- Tally views, layered on the staging views of views.sql (stg_answers, final_codes).
-- A scope is where a count is made: national ('France'), a region, a structure type, or a
-- region × structure type ('Occitanie × ACT'). Every respondent belongs to exactly one region and
-- one structure type, so counts are made once at the finest grain (respondent, then region ×
-- structure type) and rolled up with GROUPING SETS: no DISTINCT over the whole country, no
-- correlated subquery, one pass over the codes whatever the number of scopes.

-- The names the counts give to the whole country and to a missing structure type: defined here
-- once; consultation.tally reads its NATIONAL_SCOPE and UNKNOWN_STRUCTURE_TYPE from these lines.
CREATE OR REPLACE MACRO national_scope() AS 'France';
CREATE OR REPLACE MACRO unknown_structure_type() AS 'Non précisé';

-- Staging: the codes that count. A code counts only for a non-blank answer (a code left on a blank
-- or missing answer would make a theme cited by more respondents than answered), once per
-- respondent and theme, with the number of distinct units (propositions) coded with it.
CREATE OR REPLACE VIEW stg_respondent_themes AS
WITH coded_units AS (   -- a unit coded twice with the same theme counts once
    SELECT DISTINCT consultation_id, question_id, theme_id, respondent_id, unit_key, source = 'human' AS is_human
    FROM final_codes
)
SELECT u.consultation_id, u.question_id, u.theme_id, u.respondent_id,
       a.region, coalesce(a.structure_type, unknown_structure_type()) AS structure_type,
       count(*) AS mentions,
       count(*) FILTER (WHERE u.is_human) AS mentions_human
FROM coded_units u
JOIN stg_answers a USING (consultation_id, respondent_id, question_id)
GROUP BY u.consultation_id, u.question_id, u.theme_id, u.respondent_id, a.region, a.structure_type;

-- Drill-down: every coded unit behind the counts, with the answer it comes from. One row per
-- (respondent, unit, theme), restricted like the counts to non-blank answers and to the
-- codebook's themes: for any scope, its distinct respondents are `respondents_citing` and its
-- rows are `mentions`.
CREATE OR REPLACE VIEW coded_answers AS
SELECT f.consultation_id, f.question_id, f.theme_id, t.label, t.category,
       f.respondent_id, a.structure_name, coalesce(a.structure_type, unknown_structure_type()) AS structure_type, a.region,
       a.text AS answer_text, f.unit_text, f.unit_key, f.source, f.confidence, f.needs_review,
       f.model_version, f.codebook_version
FROM final_codes f
JOIN stg_answers a USING (consultation_id, respondent_id, question_id)
JOIN themes t ON t.consultation_id = f.consultation_id AND t.question_id = f.question_id AND t.theme_id = f.theme_id
QUALIFY row_number() OVER (
    PARTITION BY f.consultation_id, f.question_id, f.theme_id, f.respondent_id, f.unit_key
    ORDER BY f.confidence DESC
) = 1;

-- Staging: the latest corrected count of each (question, theme, scope) from the coding engine.
CREATE OR REPLACE VIEW stg_count_estimates AS
SELECT consultation_id, question_id, theme_id, scope_kind, scope,
       raw_count, corrected_count, ci_low, ci_high,
       method AS estimate_method, model_version AS estimate_model_version
FROM count_estimates
QUALIFY row_number() OVER (
    PARTITION BY consultation_id, question_id, theme_id, scope_kind, scope
    ORDER BY computed_at DESC
) = 1;

-- Respondents in each scope who answered each question (non-blank answer).
CREATE OR REPLACE VIEW tally_answered AS
WITH cells AS (
    SELECT consultation_id, question_id, region, coalesce(structure_type, unknown_structure_type()) AS structure_type,
           count(*) AS respondents_answered   -- stg_answers has one row per (respondent, question)
    FROM stg_answers
    GROUP BY ALL
)
SELECT consultation_id, question_id,
       CASE grouping(region, structure_type)
           WHEN 3 THEN 'national' WHEN 1 THEN 'region' WHEN 2 THEN 'structure_type'
           ELSE 'region_structure_type' END AS scope_kind,
       CASE grouping(region, structure_type)
           WHEN 3 THEN national_scope() WHEN 1 THEN region WHEN 2 THEN structure_type
           ELSE region || ' × ' || structure_type END AS scope,
       region, structure_type,
       sum(respondents_answered)::BIGINT AS respondents_answered
FROM cells
GROUP BY GROUPING SETS (
    (consultation_id, question_id),
    (consultation_id, question_id, region),
    (consultation_id, question_id, structure_type),
    (consultation_id, question_id, region, structure_type)
);

-- Respondents citing each theme and mentions (distinct units coded with it), per scope.
CREATE OR REPLACE VIEW theme_counts AS
WITH cells AS (
    SELECT consultation_id, question_id, theme_id, region, structure_type,
           count(*) AS respondents_citing, sum(mentions) AS mentions, sum(mentions_human) AS mentions_human
    FROM stg_respondent_themes
    GROUP BY ALL
)
SELECT consultation_id, question_id, theme_id,
       CASE grouping(region, structure_type)
           WHEN 3 THEN 'national' WHEN 1 THEN 'region' WHEN 2 THEN 'structure_type'
           ELSE 'region_structure_type' END AS scope_kind,
       CASE grouping(region, structure_type)
           WHEN 3 THEN national_scope() WHEN 1 THEN region WHEN 2 THEN structure_type
           ELSE region || ' × ' || structure_type END AS scope,
       sum(respondents_citing)::BIGINT AS respondents_citing,
       sum(mentions)::BIGINT AS mentions,
       sum(mentions_human)::BIGINT AS mentions_human
FROM cells
GROUP BY GROUPING SETS (
    (consultation_id, question_id, theme_id),
    (consultation_id, question_id, theme_id, region),
    (consultation_id, question_id, theme_id, structure_type),
    (consultation_id, question_id, theme_id, region, structure_type)
);

-- One row per (consultation, question, theme, scope) where someone in the scope answered the
-- question, zeros included. `count` is what the federation publishes: respondents for
-- 'respondents' questions, mentions (propositions) for 'propositions' questions. share_pct is
-- always the share of the scope's respondents who cite the theme. The coding engine's corrected
-- count and its interval are NULL until it has estimated them.
CREATE OR REPLACE VIEW tally AS
WITH grid AS (
    SELECT a.consultation_id, a.question_id, q.position AS question_position, q.section,
           q.text AS question_text, q.unit,
           t.theme_id, t.position AS theme_position, t.label, t.category, t.is_other,
           a.scope_kind, a.scope,
           CASE WHEN a.scope_kind IN ('region', 'region_structure_type') THEN a.region END AS region,
           CASE WHEN a.scope_kind IN ('structure_type', 'region_structure_type') THEN a.structure_type END
               AS structure_type,
           a.respondents_answered,
           coalesce(c.respondents_citing, 0) AS respondents_citing,
           coalesce(c.mentions, 0) AS mentions,
           coalesce(c.mentions_human, 0) AS mentions_human
    FROM tally_answered a
    JOIN questions q USING (consultation_id, question_id)
    JOIN themes t USING (consultation_id, question_id)
    LEFT JOIN theme_counts c USING (consultation_id, question_id, theme_id, scope_kind, scope)
)
SELECT g.*,
       CASE WHEN g.unit = 'propositions' THEN g.mentions ELSE g.respondents_citing END AS count,
       round(100.0 * g.respondents_citing / g.respondents_answered, 1) AS share_pct,
       rank() OVER (
           PARTITION BY g.consultation_id, g.question_id, g.scope_kind, g.scope
           ORDER BY CASE WHEN g.unit = 'propositions' THEN g.mentions ELSE g.respondents_citing END DESC
       ) AS rank,
       e.raw_count, e.corrected_count, e.ci_low, e.ci_high, e.estimate_method, e.estimate_model_version
FROM grid g
LEFT JOIN stg_count_estimates e USING (consultation_id, question_id, theme_id, scope_kind, scope);

-- A fingerprint of everything the tally is computed from. The tally cache (tally.py:
-- refresh_tallies) is read only while the fingerprint it was built from equals this one, so it
-- can be fast without ever serving stale counts. It is checked before every cached query, so it
-- must cost milliseconds on 1M answers: one fingerprint for the whole file (a refresh rebuilds
-- every consultation anyway), made of aggregates DuckDB reads from table metadata or from one
-- compressed column, never a hash of every row of the big tables. Why each writer moves it:
-- - ingestion (respondents, answers, human codes) records the file in `source_files` with a new
--   `ingested_at` in the same transaction, and drops the codes of changed respondents;
-- - coding (coder.code_consultation, run.write_codes) replaces automatic codes with
--   codes stamped `coded_at` = now: their count, latest and summed `coded_at` move, and their
--   themes are summed as hashes too (a replacement stamped with the very same time still shows);
-- - human codes (review import, hand edits), the codebook (questions, themes, consultations) and
--   corrected counts are small tables: every row is hashed.
-- Units only decide which automatic codes count and are written with them: their count is enough.
CREATE OR REPLACE VIEW interne.tally_input_stamp AS
WITH parts AS (
    SELECT 'consultations' AS part,
           count(*) || ':' || coalesce(sum(hash(consultation_id, codebook_version, updated_at)), 0) AS digest
    FROM consultations
    UNION ALL
    SELECT 'questions', count(*) || ':' || coalesce(sum(hash(consultation_id, question_id, position, section, text, unit)), 0)
    FROM questions
    UNION ALL
    SELECT 'themes', count(*) || ':' ||
           coalesce(sum(hash(consultation_id, question_id, theme_id, position, label, category, is_other)), 0)
    FROM themes
    UNION ALL
    SELECT 'source_files', count(*) || ':' ||
           coalesce(sum(hash(consultation_id, file_hash, settings_hash, rows_ingested, ingested_at)), 0)
    FROM source_files
    UNION ALL
    SELECT 'respondents', count(*)::VARCHAR FROM respondents
    UNION ALL
    SELECT 'answers', count(*)::VARCHAR FROM answers
    UNION ALL
    SELECT 'units', count(*)::VARCHAR FROM units
    UNION ALL
    SELECT 'human_codes', count(*) || ':' ||
           coalesce(sum(hash(consultation_id, respondent_id, question_id, theme_id, unit_text, codebook_version)), 0)
    FROM human_codes
    UNION ALL
    SELECT 'auto_codes', count(*) || ':' || coalesce(max(coded_at)::VARCHAR, '') || ':' ||
           coalesce(sum(epoch_us(coded_at)), 0) || ':' || coalesce(sum(hash(theme_id)), 0)
    FROM auto_codes
    UNION ALL
    SELECT 'count_estimates', count(*) || ':' ||
           coalesce(sum(hash(consultation_id, question_id, theme_id, scope_kind, scope, raw_count, corrected_count,
                             ci_low, ci_high, method, model_version, computed_at)), 0)
    FROM count_estimates
), stamp AS (
    SELECT md5(string_agg(part || '=' || digest, ';' ORDER BY part)) AS stamp FROM parts
)
SELECT q.consultation_id, s.stamp
FROM (SELECT DISTINCT consultation_id FROM questions) q
CROSS JOIN stamp s;
