-- Storage schema of a consultation database. Idempotent: every statement can run again.

CREATE TABLE IF NOT EXISTS consultations (
    consultation_id VARCHAR PRIMARY KEY,
    title           VARCHAR NOT NULL,
    codebook_version INTEGER NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);

-- Every distinct codebook a consultation has had; codes remember the version they were made with.
CREATE TABLE IF NOT EXISTS codebook_versions (
    consultation_id VARCHAR NOT NULL,
    version         INTEGER NOT NULL,
    codebook_hash   VARCHAR NOT NULL,
    config_json     VARCHAR NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (consultation_id, version)
);

CREATE TABLE IF NOT EXISTS questions (
    consultation_id VARCHAR NOT NULL,
    question_id     VARCHAR NOT NULL,
    position        INTEGER NOT NULL,
    section         VARCHAR NOT NULL,
    text            VARCHAR NOT NULL,
    unit            VARCHAR NOT NULL,   -- 'respondents' | 'propositions' | 'free_text'
    chart_caption   VARCHAR,
    PRIMARY KEY (consultation_id, question_id)
);

CREATE TABLE IF NOT EXISTS themes (
    consultation_id VARCHAR NOT NULL,
    question_id     VARCHAR NOT NULL,
    theme_id        VARCHAR NOT NULL,
    position        INTEGER NOT NULL,
    label           VARCHAR NOT NULL,
    category        VARCHAR,
    is_other        BOOLEAN NOT NULL,
    PRIMARY KEY (consultation_id, theme_id)
);

-- One row per ingested file content: a file seen again with the same hash is skipped.
CREATE TABLE IF NOT EXISTS source_files (
    consultation_id  VARCHAR NOT NULL,
    file_hash        VARCHAR NOT NULL,
    kind             VARCHAR NOT NULL,  -- 'responses' | 'human_codes'
    path             VARCHAR NOT NULL,
    rows_read        INTEGER NOT NULL,
    rows_ingested    INTEGER NOT NULL,
    rows_quarantined INTEGER NOT NULL,
    ingested_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (consultation_id, file_hash)
);
-- How the file was read (mapping, layout, sheet): the same content read with new settings is ingested again.
ALTER TABLE source_files ADD COLUMN IF NOT EXISTS settings_hash VARCHAR;
ALTER TABLE source_files ADD COLUMN IF NOT EXISTS read_as VARCHAR;      -- e.g. 'CSV, Windows-1252, séparateur point-virgule'
ALTER TABLE source_files ADD COLUMN IF NOT EXISTS respondents INTEGER;  -- distinct respondents ingested from it

CREATE TABLE IF NOT EXISTS respondents (
    consultation_id VARCHAR NOT NULL,
    respondent_id   VARCHAR NOT NULL,
    structure_name  VARCHAR,
    structure_type  VARCHAR,
    region_raw      VARCHAR,
    region_code     VARCHAR,            -- INSEE code; NULL when the region is unknown
    region          VARCHAR NOT NULL,   -- current region name, or 'Région inconnue'
    region_method   VARCHAR NOT NULL,
    source_file     VARCHAR NOT NULL,
    source_row      INTEGER NOT NULL,
    PRIMARY KEY (consultation_id, respondent_id)
);

CREATE TABLE IF NOT EXISTS answers (
    consultation_id VARCHAR NOT NULL,
    respondent_id   VARCHAR NOT NULL,
    question_id     VARCHAR NOT NULL,
    text            VARCHAR NOT NULL,
    follow_up       VARCHAR,
    PRIMARY KEY (consultation_id, respondent_id, question_id)
);

-- Rows that were read but not ingested, with the reason: nothing is silently lost.
CREATE TABLE IF NOT EXISTS quarantine (
    consultation_id VARCHAR NOT NULL,
    file_hash       VARCHAR NOT NULL,
    source_file     VARCHAR NOT NULL,
    source_row      INTEGER NOT NULL,
    reason          VARCHAR NOT NULL,
    raw_json        VARCHAR NOT NULL
);

-- Codes given by people (hand coding, review sheets). They always win over automatic codes.
CREATE TABLE IF NOT EXISTS human_codes (
    consultation_id  VARCHAR NOT NULL,
    respondent_id    VARCHAR NOT NULL,
    question_id      VARCHAR NOT NULL,
    theme_id         VARCHAR NOT NULL,
    unit_text        VARCHAR NOT NULL,  -- the proposition or excerpt coded ('' = whole answer)
    codebook_version INTEGER NOT NULL,
    source_file      VARCHAR NOT NULL
);

-- Units of coding made by the pipeline: the whole answer, or each proposition of it.
CREATE TABLE IF NOT EXISTS units (
    consultation_id VARCHAR NOT NULL,
    respondent_id   VARCHAR NOT NULL,
    question_id     VARCHAR NOT NULL,
    unit_no         INTEGER NOT NULL,
    text            VARCHAR NOT NULL,
    PRIMARY KEY (consultation_id, respondent_id, question_id, unit_no)
);

-- Automatic codes, one row per (unit, theme), with where they came from.
CREATE TABLE IF NOT EXISTS auto_codes (
    consultation_id  VARCHAR NOT NULL,
    respondent_id    VARCHAR NOT NULL,
    question_id      VARCHAR NOT NULL,
    unit_no          INTEGER NOT NULL,
    theme_id         VARCHAR NOT NULL,
    source           VARCHAR NOT NULL,  -- 'rule' | 'model'
    confidence       DOUBLE NOT NULL,
    needs_review     BOOLEAN NOT NULL,
    model_version    VARCHAR,
    codebook_version INTEGER NOT NULL,
    coded_at         TIMESTAMP NOT NULL
);

-- Fitted models of a consultation (files saved with skops beside a JSON card).
CREATE TABLE IF NOT EXISTS models (
    consultation_id  VARCHAR NOT NULL,
    model_version    VARCHAR NOT NULL,
    path             VARCHAR NOT NULL,
    codebook_version INTEGER NOT NULL,
    training_hash    VARCHAR NOT NULL,
    card_json        VARCHAR NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (consultation_id, model_version)
);

-- Agreement of the automatic coding with human coders (cross-validation on the human codes).
-- question_id NULL: all questions together.
CREATE TABLE IF NOT EXISTS evaluations (
    consultation_id VARCHAR NOT NULL,
    model_version   VARCHAR NOT NULL,
    question_id     VARCHAR,
    n_units         INTEGER NOT NULL,
    micro_f1        DOUBLE,
    macro_f1        DOUBLE,
    kappa           DOUBLE,
    details_json    VARCHAR NOT NULL,
    created_at      TIMESTAMP NOT NULL
);

-- Counts corrected for the classifier's measured errors, with a bootstrap 90% interval.
CREATE TABLE IF NOT EXISTS count_estimates (
    consultation_id VARCHAR NOT NULL,
    question_id     VARCHAR NOT NULL,
    theme_id        VARCHAR NOT NULL,
    scope_kind      VARCHAR NOT NULL,
    scope           VARCHAR NOT NULL,
    raw_count       DOUBLE NOT NULL,
    corrected_count DOUBLE NOT NULL,
    ci_low          DOUBLE NOT NULL,
    ci_high         DOUBLE NOT NULL,
    method          VARCHAR NOT NULL,
    model_version   VARCHAR,
    computed_at     TIMESTAMP NOT NULL
);
