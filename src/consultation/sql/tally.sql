-- Tally views, layered on the staging views of views.sql.
-- A scope is where a count is made: national ('France'), a region, a structure type,
-- or a region × structure type.

CREATE OR REPLACE VIEW scoped_answers AS
SELECT consultation_id, question_id, respondent_id, 'national' AS scope_kind, 'France' AS scope
FROM stg_answers
UNION ALL
SELECT consultation_id, question_id, respondent_id, 'region', region FROM stg_answers
UNION ALL
SELECT consultation_id, question_id, respondent_id, 'structure_type', coalesce(structure_type, 'Non précisé')
FROM stg_answers
UNION ALL
SELECT consultation_id, question_id, respondent_id, 'region_structure_type',
       region || ' × ' || coalesce(structure_type, 'Non précisé')
FROM stg_answers;

CREATE OR REPLACE VIEW scoped_codes AS
SELECT consultation_id, question_id, theme_id, respondent_id, unit_key, source,
       'national' AS scope_kind, 'France' AS scope
FROM stg_codes
UNION ALL
SELECT consultation_id, question_id, theme_id, respondent_id, unit_key, source, 'region', region
FROM stg_codes
UNION ALL
SELECT consultation_id, question_id, theme_id, respondent_id, unit_key, source, 'structure_type',
       coalesce(structure_type, 'Non précisé')
FROM stg_codes
UNION ALL
SELECT consultation_id, question_id, theme_id, respondent_id, unit_key, source, 'region_structure_type',
       region || ' × ' || coalesce(structure_type, 'Non précisé')
FROM stg_codes;

-- Respondents in scope who answered each question.
CREATE OR REPLACE VIEW tally_answered AS
SELECT consultation_id, question_id, scope_kind, scope,
       count(DISTINCT respondent_id) AS respondents_answered
FROM scoped_answers
GROUP BY ALL;

CREATE OR REPLACE VIEW theme_counts AS
SELECT consultation_id, question_id, theme_id, scope_kind, scope,
       count(DISTINCT respondent_id) AS respondents_citing,
       count(DISTINCT (respondent_id, unit_key)) AS mentions,
       count(DISTINCT CASE WHEN source = 'human' THEN (respondent_id, unit_key) END) AS mentions_human
FROM scoped_codes
GROUP BY ALL;

-- One row per (question, theme, scope), zeros included.
-- count is what the reference publishes: respondents for 'respondents' questions,
-- mentions (propositions) for 'propositions' questions.
CREATE OR REPLACE VIEW tally AS
WITH grid AS (
    SELECT a.consultation_id, a.question_id, q.position AS question_position, q.section, q.unit,
           t.theme_id, t.position AS theme_position, t.label, t.category, t.is_other,
           a.scope_kind, a.scope, a.respondents_answered,
           coalesce(c.respondents_citing, 0) AS respondents_citing,
           coalesce(c.mentions, 0) AS mentions,
           coalesce(c.mentions_human, 0) AS mentions_human
    FROM tally_answered a
    JOIN questions q USING (consultation_id, question_id)
    JOIN themes t USING (consultation_id, question_id)
    LEFT JOIN theme_counts c USING (consultation_id, question_id, theme_id, scope_kind, scope)
)
SELECT *,
       CASE WHEN unit = 'propositions' THEN mentions ELSE respondents_citing END AS count,
       round(100.0 * respondents_citing / respondents_answered, 1) AS share_pct,
       rank() OVER (
           PARTITION BY consultation_id, question_id, scope_kind, scope
           ORDER BY CASE WHEN unit = 'propositions' THEN mentions ELSE respondents_citing END DESC
       ) AS rank
FROM grid;
