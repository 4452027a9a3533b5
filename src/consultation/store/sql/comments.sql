-- Descriptions of every table, view and column, for analysts exploring the database
-- (duckdb_tables(), duckdb_views(), duckdb_columns(); the README's data dictionary is generated
-- from them: python -m consultation.store.dictionary). Applied after the views on every connection
-- that writes, since recreating a view drops its comments. Internal objects say so.

COMMENT ON TABLE consultations IS 'Consultations of the database, one row each, with their current codebook version.';
COMMENT ON COLUMN consultations.consultation_id IS 'Identifier of the consultation (consultation.yaml `id`).';
COMMENT ON COLUMN consultations.title IS 'Title of the consultation (consultation.yaml `title`).';
COMMENT ON COLUMN consultations.codebook_version IS 'Current codebook version of the consultation.';
COMMENT ON COLUMN consultations.updated_at IS 'When the codebook was last registered.';

COMMENT ON TABLE codebook_versions IS 'Every distinct codebook a consultation has had; codes remember the version they were made with.';
COMMENT ON COLUMN codebook_versions.consultation_id IS 'Identifier of the consultation (consultation.yaml `id`).';
COMMENT ON COLUMN codebook_versions.version IS 'Version number, from 1, increased when questions or themes change.';
COMMENT ON COLUMN codebook_versions.codebook_hash IS 'Hash of the questions and themes (what changes the meaning of codes).';
COMMENT ON COLUMN codebook_versions.config_json IS 'The whole consultation.yaml of that version, as JSON.';
COMMENT ON COLUMN codebook_versions.created_at IS 'When the row was written.';

COMMENT ON TABLE questions IS 'Questions of each consultation: coded questions and free-text sections.';
COMMENT ON COLUMN questions.consultation_id IS 'Identifier of the consultation (consultation.yaml `id`).';
COMMENT ON COLUMN questions.question_id IS 'Identifier of the question (consultation.yaml `questions[].id`).';
COMMENT ON COLUMN questions.position IS 'Order in consultation.yaml (0 = first).';
COMMENT ON COLUMN questions.section IS 'Part of the questionnaire (section title in the reports).';
COMMENT ON COLUMN questions.text IS 'The question as asked.';
COMMENT ON COLUMN questions.unit IS 'Unit of the published count: ''respondents'', ''propositions'', or ''free_text'' (not coded).';
COMMENT ON COLUMN questions.chart_caption IS 'Caption of the national chart (consultation.yaml `chart_caption`); NULL for the default.';

COMMENT ON TABLE themes IS 'The codebook: themes of each coded question, « Autres » included.';
COMMENT ON COLUMN themes.consultation_id IS 'Identifier of the consultation (consultation.yaml `id`).';
COMMENT ON COLUMN themes.question_id IS 'Identifier of the question (consultation.yaml `questions[].id`).';
COMMENT ON COLUMN themes.theme_id IS 'Identifier of the theme (consultation.yaml `themes[].id`).';
COMMENT ON COLUMN themes.position IS 'Order in consultation.yaml (0 = first).';
COMMENT ON COLUMN themes.label IS 'Published label of the theme.';
COMMENT ON COLUMN themes.category IS 'Group of themes (e.g. ASPECTS POSITIFS); NULL when none.';
COMMENT ON COLUMN themes.is_other IS 'TRUE for the fallback theme « Autres ».';

COMMENT ON TABLE source_files IS 'One row per ingested file content: a file seen again with the same content and settings is skipped.';
COMMENT ON COLUMN source_files.consultation_id IS 'Identifier of the consultation (consultation.yaml `id`).';
COMMENT ON COLUMN source_files.file_hash IS 'Hash of the file''s content.';
COMMENT ON COLUMN source_files.kind IS '''responses'' or ''human_codes''.';
COMMENT ON COLUMN source_files.path IS 'Path of the file as read.';
COMMENT ON COLUMN source_files.rows_read IS 'Data rows read (rows_read = rows_ingested + rows_quarantined).';
COMMENT ON COLUMN source_files.rows_ingested IS 'Rows ingested.';
COMMENT ON COLUMN source_files.rows_quarantined IS 'Rows set aside in the quarantine table.';
COMMENT ON COLUMN source_files.ingested_at IS 'When the file was ingested.';
COMMENT ON COLUMN source_files.settings_hash IS 'Hash of how it was read (mapping, layout, sheet): new settings ingest it again.';
COMMENT ON COLUMN source_files.read_as IS 'How it was read, in French (e.g. ''CSV, Windows-1252, séparateur point-virgule'').';
COMMENT ON COLUMN source_files.respondents IS 'Distinct respondents ingested from it.';

COMMENT ON TABLE respondents IS 'Respondents (structures) of each consultation, with their normalised region.';
COMMENT ON COLUMN respondents.consultation_id IS 'Identifier of the consultation (consultation.yaml `id`).';
COMMENT ON COLUMN respondents.respondent_id IS 'Identifier of the respondent, as in the export.';
COMMENT ON COLUMN respondents.structure_name IS 'Name of the responding structure (never published: masked in testimonies).';
COMMENT ON COLUMN respondents.structure_type IS 'Type of the responding structure (ACT, LAM, LHSS…); ''Non précisé'' in counts when missing.';
COMMENT ON COLUMN respondents.region_raw IS 'Region as written in the export (or department, postal code).';
COMMENT ON COLUMN respondents.region_code IS 'INSEE code of the region; NULL when the region is unknown.';
COMMENT ON COLUMN respondents.region IS 'Current region name (2016 map), or ''Région inconnue''.';
COMMENT ON COLUMN respondents.region_method IS 'How the region was found: name, old_region, department_code, department_name, postal_code, empty or unknown.';
COMMENT ON COLUMN respondents.source_file IS 'File the respondent was last read from.';
COMMENT ON COLUMN respondents.source_row IS 'Row number in that file, as a spreadsheet shows it.';

COMMENT ON TABLE answers IS 'Answers of each respondent to each question, as exported (one row per respondent and question).';
COMMENT ON COLUMN answers.consultation_id IS 'Identifier of the consultation (consultation.yaml `id`).';
COMMENT ON COLUMN answers.respondent_id IS 'Identifier of the respondent, as in the export.';
COMMENT ON COLUMN answers.question_id IS 'Identifier of the question (consultation.yaml `questions[].id`).';
COMMENT ON COLUMN answers.text IS 'Text of the answer, as exported (stripped).';
COMMENT ON COLUMN answers.follow_up IS 'Answer to the section''s follow-up question, if any.';

COMMENT ON TABLE quarantine IS 'Rows read but not ingested, with the reason: nothing is silently lost.';
COMMENT ON COLUMN quarantine.consultation_id IS 'Identifier of the consultation (consultation.yaml `id`).';
COMMENT ON COLUMN quarantine.file_hash IS 'Hash of the file''s content (source_files.file_hash).';
COMMENT ON COLUMN quarantine.source_file IS 'File the row was read from.';
COMMENT ON COLUMN quarantine.source_row IS 'Row number in that file, as a spreadsheet shows it.';
COMMENT ON COLUMN quarantine.reason IS 'Why the row was set aside, in French.';
COMMENT ON COLUMN quarantine.raw_json IS 'The row''s cells, as JSON (header: value).';

COMMENT ON TABLE human_codes IS 'Codes given by people (hand-coding files, review sheets); they always win over automatic codes.';
COMMENT ON COLUMN human_codes.consultation_id IS 'Identifier of the consultation (consultation.yaml `id`).';
COMMENT ON COLUMN human_codes.respondent_id IS 'Identifier of the respondent, as in the export.';
COMMENT ON COLUMN human_codes.question_id IS 'Identifier of the question (consultation.yaml `questions[].id`).';
COMMENT ON COLUMN human_codes.theme_id IS 'Identifier of the theme (consultation.yaml `themes[].id`).';
COMMENT ON COLUMN human_codes.unit_text IS 'Proposition or excerpt the coder quoted ('''' = the whole answer).';
COMMENT ON COLUMN human_codes.codebook_version IS 'Version of the codebook the row was made with (codebook_versions.version).';
COMMENT ON COLUMN human_codes.source_file IS 'File (or review sheet) the code was read from.';

COMMENT ON TABLE units IS 'Units of coding made by the pipeline: the whole answer, or each proposition of it.';
COMMENT ON COLUMN units.consultation_id IS 'Identifier of the consultation (consultation.yaml `id`).';
COMMENT ON COLUMN units.respondent_id IS 'Identifier of the respondent, as in the export.';
COMMENT ON COLUMN units.question_id IS 'Identifier of the question (consultation.yaml `questions[].id`).';
COMMENT ON COLUMN units.unit_no IS 'Position of the unit (proposition) within the answer, from 0.';
COMMENT ON COLUMN units.text IS 'Text of the unit.';

COMMENT ON TABLE auto_codes IS 'Automatic codes, one row per unit and theme, with their source and confidence.';
COMMENT ON COLUMN auto_codes.consultation_id IS 'Identifier of the consultation (consultation.yaml `id`).';
COMMENT ON COLUMN auto_codes.respondent_id IS 'Identifier of the respondent, as in the export.';
COMMENT ON COLUMN auto_codes.question_id IS 'Identifier of the question (consultation.yaml `questions[].id`).';
COMMENT ON COLUMN auto_codes.unit_no IS 'Position of the unit (proposition) within the answer, from 0.';
COMMENT ON COLUMN auto_codes.theme_id IS 'Identifier of the theme (consultation.yaml `themes[].id`).';
COMMENT ON COLUMN auto_codes.source IS '''model'' or ''rule''.';
COMMENT ON COLUMN auto_codes.confidence IS 'Confidence of the code, 0 to 1 (1 for human codes).';
COMMENT ON COLUMN auto_codes.needs_review IS 'TRUE when an automatic code is uncertain and should be checked by a person.';
COMMENT ON COLUMN auto_codes.model_version IS 'Version of the fitted model (models.model_version); NULL for rules and human codes.';
COMMENT ON COLUMN auto_codes.codebook_version IS 'Version of the codebook the row was made with (codebook_versions.version).';
COMMENT ON COLUMN auto_codes.coded_at IS 'When the unit was coded.';

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

COMMENT ON TABLE models IS 'Fitted models of each consultation (skops files beside a JSON card).';
COMMENT ON COLUMN models.consultation_id IS 'Identifier of the consultation (consultation.yaml `id`).';
COMMENT ON COLUMN models.model_version IS 'Version of the fitted model (models.model_version); NULL for rules and human codes.';
COMMENT ON COLUMN models.path IS 'Path of the model file (.skops).';
COMMENT ON COLUMN models.codebook_version IS 'Version of the codebook the row was made with (codebook_versions.version).';
COMMENT ON COLUMN models.training_hash IS 'Hash of the human codes it was trained on: unchanged codes reuse the model.';
COMMENT ON COLUMN models.card_json IS 'The model card: codebook version, training data, settings, metrics.';
COMMENT ON COLUMN models.created_at IS 'When the row was written.';

COMMENT ON TABLE evaluations IS 'Agreement of the automatic coding with human coders (cross-validation on the human codes).';
COMMENT ON COLUMN evaluations.consultation_id IS 'Identifier of the consultation (consultation.yaml `id`).';
COMMENT ON COLUMN evaluations.model_version IS 'Version of the fitted model (models.model_version); NULL for rules and human codes.';
COMMENT ON COLUMN evaluations.question_id IS 'The question; NULL for all questions together.';
COMMENT ON COLUMN evaluations.n_units IS 'Human-coded units the agreement was measured on.';
COMMENT ON COLUMN evaluations.micro_f1 IS 'Micro-averaged F1 (1 = perfect agreement).';
COMMENT ON COLUMN evaluations.macro_f1 IS 'Macro-averaged F1 over themes.';
COMMENT ON COLUMN evaluations.kappa IS 'Cohen''s kappa (1 = perfect agreement, 0 = chance).';
COMMENT ON COLUMN evaluations.details_json IS 'Per-theme precision, recall, F1 and count gaps, and the baseline, as JSON.';
COMMENT ON COLUMN evaluations.created_at IS 'When the row was written.';

COMMENT ON TABLE count_estimates IS 'Counts corrected for the automatic coding''s measured errors, with a 90 % interval.';
COMMENT ON COLUMN count_estimates.consultation_id IS 'Identifier of the consultation (consultation.yaml `id`).';
COMMENT ON COLUMN count_estimates.question_id IS 'Identifier of the question (consultation.yaml `questions[].id`).';
COMMENT ON COLUMN count_estimates.theme_id IS 'Identifier of the theme (consultation.yaml `themes[].id`).';
COMMENT ON COLUMN count_estimates.scope_kind IS 'Kind of scope: ''national'', ''region'', ''structure_type'' or ''region_structure_type''.';
COMMENT ON COLUMN count_estimates.scope IS 'The scope: ''France'', a region, a structure type, or ''Occitanie × ACT''.';
COMMENT ON COLUMN count_estimates.raw_count IS 'Count of the automatic coding before correction.';
COMMENT ON COLUMN count_estimates.corrected_count IS 'Count corrected for the measured errors of the automatic coding.';
COMMENT ON COLUMN count_estimates.ci_low IS 'Lower bound of the 90 % interval of the corrected count.';
COMMENT ON COLUMN count_estimates.ci_high IS 'Upper bound of the 90 % interval of the corrected count.';
COMMENT ON COLUMN count_estimates.method IS 'Correction method (see coding.estimate.METHOD_LABELS).';
COMMENT ON COLUMN count_estimates.model_version IS 'Version of the fitted model (models.model_version); NULL for rules and human codes.';
COMMENT ON COLUMN count_estimates.computed_at IS 'When the estimate was computed.';

COMMENT ON TABLE interne.views_state IS 'Internal: version of the SQL views this file holds (read-only connections of another version recreate theirs).';
COMMENT ON COLUMN interne.views_state.views_fingerprint IS 'Hash of the SQL text of the views.';
COMMENT ON COLUMN interne.views_state.catalog_hash IS 'Hash of the views'' definitions as stored in the file.';
COMMENT ON COLUMN interne.views_state.written_at IS 'When a writable connection last wrote the views.';
COMMENT ON TABLE interne.tally_cache_state IS 'Internal: input fingerprint each consultation''s cached tallies were computed from.';
COMMENT ON COLUMN interne.tally_cache_state.consultation_id IS 'Identifier of the consultation (consultation.yaml `id`).';
COMMENT ON COLUMN interne.tally_cache_state.stamp IS 'Fingerprint of the inputs (tally_input_stamp.stamp) when the cache was refreshed.';
COMMENT ON COLUMN interne.tally_cache_state.refreshed_at IS 'When the cache was refreshed.';

COMMENT ON TABLE schema_version IS 'Internal: the schema migrations this file has had (consultation.store.migrations), one row each.';
COMMENT ON COLUMN schema_version.version IS 'Number of the migration, from 1; the highest is the file''s schema version.';
COMMENT ON COLUMN schema_version.description IS 'What the migration changed.';
COMMENT ON COLUMN schema_version.applied_at IS 'When the migration was applied to this file.';

COMMENT ON VIEW stg_answers IS 'Staging: non-blank answers with their respondent''s region and structure.';
COMMENT ON COLUMN stg_answers.consultation_id IS 'Identifier of the consultation (consultation.yaml `id`).';
COMMENT ON COLUMN stg_answers.respondent_id IS 'Identifier of the respondent, as in the export.';
COMMENT ON COLUMN stg_answers.question_id IS 'Identifier of the question (consultation.yaml `questions[].id`).';
COMMENT ON COLUMN stg_answers.text IS 'Text of the answer (trimmed).';
COMMENT ON COLUMN stg_answers.follow_up IS 'Answer to the section''s follow-up question, if any.';
COMMENT ON COLUMN stg_answers.region IS 'Current region name (2016 map), or ''Région inconnue''.';
COMMENT ON COLUMN stg_answers.region_code IS 'INSEE code of the region; NULL when the region is unknown.';
COMMENT ON COLUMN stg_answers.structure_type IS 'Type of the responding structure (ACT, LAM, LHSS…); ''Non précisé'' in counts when missing.';
COMMENT ON COLUMN stg_answers.structure_name IS 'Name of the responding structure (never published: masked in testimonies).';

COMMENT ON VIEW final_codes IS 'Final codes of every answer: human codes for answers that have any, automatic codes otherwise.';
COMMENT ON COLUMN final_codes.consultation_id IS 'Identifier of the consultation (consultation.yaml `id`).';
COMMENT ON COLUMN final_codes.respondent_id IS 'Identifier of the respondent, as in the export.';
COMMENT ON COLUMN final_codes.question_id IS 'Identifier of the question (consultation.yaml `questions[].id`).';
COMMENT ON COLUMN final_codes.unit_text IS 'Text of the coded unit: the proposition, or the whole answer.';
COMMENT ON COLUMN final_codes.unit_key IS 'Key of the unit within the answer: ''h:<text>'' for human codes, ''a:<unit_no>'' for automatic ones.';
COMMENT ON COLUMN final_codes.theme_id IS 'Identifier of the theme (consultation.yaml `themes[].id`).';
COMMENT ON COLUMN final_codes.source IS 'Where a code comes from: ''human'', ''model'' or ''rule'' (shown as « humain », « modèle », « règles »).';
COMMENT ON COLUMN final_codes.confidence IS 'Confidence of the code, 0 to 1 (1 for human codes).';
COMMENT ON COLUMN final_codes.needs_review IS 'TRUE when an automatic code is uncertain and should be checked by a person.';
COMMENT ON COLUMN final_codes.codebook_version IS 'Version of the codebook the row was made with (codebook_versions.version).';
COMMENT ON COLUMN final_codes.model_version IS 'Version of the fitted model (models.model_version); NULL for rules and human codes.';

COMMENT ON VIEW stg_codes IS 'Staging: final codes with their respondent''s region and structure.';
COMMENT ON COLUMN stg_codes.consultation_id IS 'Identifier of the consultation (consultation.yaml `id`).';
COMMENT ON COLUMN stg_codes.respondent_id IS 'Identifier of the respondent, as in the export.';
COMMENT ON COLUMN stg_codes.question_id IS 'Identifier of the question (consultation.yaml `questions[].id`).';
COMMENT ON COLUMN stg_codes.unit_text IS 'Text of the coded unit: the proposition, or the whole answer.';
COMMENT ON COLUMN stg_codes.unit_key IS 'Key of the unit within the answer: ''h:<text>'' for human codes, ''a:<unit_no>'' for automatic ones.';
COMMENT ON COLUMN stg_codes.theme_id IS 'Identifier of the theme (consultation.yaml `themes[].id`).';
COMMENT ON COLUMN stg_codes.source IS 'Where a code comes from: ''human'', ''model'' or ''rule'' (shown as « humain », « modèle », « règles »).';
COMMENT ON COLUMN stg_codes.confidence IS 'Confidence of the code, 0 to 1 (1 for human codes).';
COMMENT ON COLUMN stg_codes.needs_review IS 'TRUE when an automatic code is uncertain and should be checked by a person.';
COMMENT ON COLUMN stg_codes.codebook_version IS 'Version of the codebook the row was made with (codebook_versions.version).';
COMMENT ON COLUMN stg_codes.model_version IS 'Version of the fitted model (models.model_version); NULL for rules and human codes.';
COMMENT ON COLUMN stg_codes.region IS 'Current region name (2016 map), or ''Région inconnue''.';
COMMENT ON COLUMN stg_codes.region_code IS 'INSEE code of the region; NULL when the region is unknown.';
COMMENT ON COLUMN stg_codes.structure_type IS 'Type of the responding structure (ACT, LAM, LHSS…); ''Non précisé'' in counts when missing.';
COMMENT ON COLUMN stg_codes.structure_name IS 'Name of the responding structure (never published: masked in testimonies).';

COMMENT ON VIEW auto_units IS 'Units coded automatically that count in the tallies: those of answers without human codes.';
COMMENT ON COLUMN auto_units.consultation_id IS 'Identifier of the consultation (consultation.yaml `id`).';
COMMENT ON COLUMN auto_units.respondent_id IS 'Identifier of the respondent, as in the export.';
COMMENT ON COLUMN auto_units.question_id IS 'Identifier of the question (consultation.yaml `questions[].id`).';
COMMENT ON COLUMN auto_units.unit_no IS 'Position of the unit (proposition) within the answer, from 0.';
COMMENT ON COLUMN auto_units.text IS 'Text of the unit.';
COMMENT ON COLUMN auto_units.region IS 'Current region name (2016 map), or ''Région inconnue''.';

COMMENT ON VIEW training_units IS 'What the model learns from: one row per human-coded unit with its themes.';
COMMENT ON COLUMN training_units.consultation_id IS 'Identifier of the consultation (consultation.yaml `id`).';
COMMENT ON COLUMN training_units.question_id IS 'Identifier of the question (consultation.yaml `questions[].id`).';
COMMENT ON COLUMN training_units.respondent_id IS 'Identifier of the respondent, as in the export.';
COMMENT ON COLUMN training_units.text IS 'Text of the unit (the quoted proposition, or the whole answer).';
COMMENT ON COLUMN training_units.theme_ids IS 'Themes the coders gave it (list).';

COMMENT ON VIEW human_theme_counts IS 'Human-coded counts per question, theme and region, counted as the tallies count.';
COMMENT ON COLUMN human_theme_counts.consultation_id IS 'Identifier of the consultation (consultation.yaml `id`).';
COMMENT ON COLUMN human_theme_counts.question_id IS 'Identifier of the question (consultation.yaml `questions[].id`).';
COMMENT ON COLUMN human_theme_counts.theme_id IS 'Identifier of the theme (consultation.yaml `themes[].id`).';
COMMENT ON COLUMN human_theme_counts.region IS 'Current region name (2016 map), or ''Région inconnue''.';
COMMENT ON COLUMN human_theme_counts.n IS 'Respondents (or propositions, for questions counted in propositions) coded with the theme by hand.';

COMMENT ON VIEW coding_export IS 'Every answer''s final codes with theme labels: what `consultation export codings` writes.';
COMMENT ON COLUMN coding_export.consultation_id IS 'Identifier of the consultation (consultation.yaml `id`).';
COMMENT ON COLUMN coding_export.respondent_id IS 'Identifier of the respondent, as in the export.';
COMMENT ON COLUMN coding_export.region IS 'Current region name (2016 map), or ''Région inconnue''.';
COMMENT ON COLUMN coding_export.structure_type IS 'Type of the responding structure (ACT, LAM, LHSS…); ''Non précisé'' in counts when missing.';
COMMENT ON COLUMN coding_export.question_id IS 'Identifier of the question (consultation.yaml `questions[].id`).';
COMMENT ON COLUMN coding_export.question_position IS 'Order of the question in consultation.yaml.';
COMMENT ON COLUMN coding_export.unit_key IS 'Key of the unit within the answer: ''h:<text>'' for human codes, ''a:<unit_no>'' for automatic ones.';
COMMENT ON COLUMN coding_export.unit_text IS 'Text of the coded unit: the proposition, or the whole answer.';
COMMENT ON COLUMN coding_export.theme_id IS 'Identifier of the theme (consultation.yaml `themes[].id`).';
COMMENT ON COLUMN coding_export.theme_label IS 'Published label of the theme.';
COMMENT ON COLUMN coding_export.theme_position IS 'Order of the theme in its question.';
COMMENT ON COLUMN coding_export.source IS 'Where a code comes from: ''human'', ''model'' or ''rule'' (shown as « humain », « modèle », « règles »).';
COMMENT ON COLUMN coding_export.confidence IS 'Confidence of the code, 0 to 1 (1 for human codes).';
COMMENT ON COLUMN coding_export.needs_review IS 'TRUE when an automatic code is uncertain and should be checked by a person.';
COMMENT ON COLUMN coding_export.model_version IS 'Version of the fitted model (models.model_version); NULL for rules and human codes.';
COMMENT ON COLUMN coding_export.codebook_version IS 'Version of the codebook the row was made with (codebook_versions.version).';

COMMENT ON VIEW stg_respondent_themes IS 'Staging: one row per respondent and theme cited, with the units coded with it.';
COMMENT ON COLUMN stg_respondent_themes.consultation_id IS 'Identifier of the consultation (consultation.yaml `id`).';
COMMENT ON COLUMN stg_respondent_themes.question_id IS 'Identifier of the question (consultation.yaml `questions[].id`).';
COMMENT ON COLUMN stg_respondent_themes.theme_id IS 'Identifier of the theme (consultation.yaml `themes[].id`).';
COMMENT ON COLUMN stg_respondent_themes.respondent_id IS 'Identifier of the respondent, as in the export.';
COMMENT ON COLUMN stg_respondent_themes.region IS 'Current region name (2016 map), or ''Région inconnue''.';
COMMENT ON COLUMN stg_respondent_themes.structure_type IS 'Type of the responding structure (ACT, LAM, LHSS…); ''Non précisé'' in counts when missing.';
COMMENT ON COLUMN stg_respondent_themes.mentions IS 'Units of the respondent''s answer coded with the theme.';
COMMENT ON COLUMN stg_respondent_themes.mentions_human IS 'Of them, those coded by hand.';

COMMENT ON VIEW coded_answers IS 'Drill-down: every coded unit behind the counts, with the answer it comes from.';
COMMENT ON COLUMN coded_answers.consultation_id IS 'Identifier of the consultation (consultation.yaml `id`).';
COMMENT ON COLUMN coded_answers.question_id IS 'Identifier of the question (consultation.yaml `questions[].id`).';
COMMENT ON COLUMN coded_answers.theme_id IS 'Identifier of the theme (consultation.yaml `themes[].id`).';
COMMENT ON COLUMN coded_answers.label IS 'Published label of the theme.';
COMMENT ON COLUMN coded_answers.category IS 'Group of themes (e.g. ASPECTS POSITIFS); NULL when none.';
COMMENT ON COLUMN coded_answers.respondent_id IS 'Identifier of the respondent, as in the export.';
COMMENT ON COLUMN coded_answers.structure_name IS 'Name of the responding structure (never published: masked in testimonies).';
COMMENT ON COLUMN coded_answers.structure_type IS 'Type of the responding structure (ACT, LAM, LHSS…); ''Non précisé'' in counts when missing.';
COMMENT ON COLUMN coded_answers.region IS 'Current region name (2016 map), or ''Région inconnue''.';
COMMENT ON COLUMN coded_answers.answer_text IS 'Whole text of the answer.';
COMMENT ON COLUMN coded_answers.unit_text IS 'Text of the coded unit: the proposition, or the whole answer.';
COMMENT ON COLUMN coded_answers.unit_key IS 'Key of the unit within the answer: ''h:<text>'' for human codes, ''a:<unit_no>'' for automatic ones.';
COMMENT ON COLUMN coded_answers.source IS 'Where a code comes from: ''human'', ''model'' or ''rule'' (shown as « humain », « modèle », « règles »).';
COMMENT ON COLUMN coded_answers.confidence IS 'Confidence of the code, 0 to 1 (1 for human codes).';
COMMENT ON COLUMN coded_answers.needs_review IS 'TRUE when an automatic code is uncertain and should be checked by a person.';
COMMENT ON COLUMN coded_answers.model_version IS 'Version of the fitted model (models.model_version); NULL for rules and human codes.';
COMMENT ON COLUMN coded_answers.codebook_version IS 'Version of the codebook the row was made with (codebook_versions.version).';

COMMENT ON VIEW stg_count_estimates IS 'Staging: the latest corrected count of each question, theme and scope.';
COMMENT ON COLUMN stg_count_estimates.consultation_id IS 'Identifier of the consultation (consultation.yaml `id`).';
COMMENT ON COLUMN stg_count_estimates.question_id IS 'Identifier of the question (consultation.yaml `questions[].id`).';
COMMENT ON COLUMN stg_count_estimates.theme_id IS 'Identifier of the theme (consultation.yaml `themes[].id`).';
COMMENT ON COLUMN stg_count_estimates.scope_kind IS 'Kind of scope: ''national'', ''region'', ''structure_type'' or ''region_structure_type''.';
COMMENT ON COLUMN stg_count_estimates.scope IS 'The scope: ''France'', a region, a structure type, or ''Occitanie × ACT''.';
COMMENT ON COLUMN stg_count_estimates.raw_count IS 'Count of the automatic coding before correction.';
COMMENT ON COLUMN stg_count_estimates.corrected_count IS 'Count corrected for the measured errors of the automatic coding.';
COMMENT ON COLUMN stg_count_estimates.ci_low IS 'Lower bound of the 90 % interval of the corrected count.';
COMMENT ON COLUMN stg_count_estimates.ci_high IS 'Upper bound of the 90 % interval of the corrected count.';
COMMENT ON COLUMN stg_count_estimates.estimate_method IS 'Correction method.';
COMMENT ON COLUMN stg_count_estimates.estimate_model_version IS 'Model the estimate was computed with.';

COMMENT ON VIEW tally_answered IS 'Respondents of each scope who answered each question.';
COMMENT ON COLUMN tally_answered.consultation_id IS 'Identifier of the consultation (consultation.yaml `id`).';
COMMENT ON COLUMN tally_answered.question_id IS 'Identifier of the question (consultation.yaml `questions[].id`).';
COMMENT ON COLUMN tally_answered.scope_kind IS 'Kind of scope: ''national'', ''region'', ''structure_type'' or ''region_structure_type''.';
COMMENT ON COLUMN tally_answered.scope IS 'The scope: ''France'', a region, a structure type, or ''Occitanie × ACT''.';
COMMENT ON COLUMN tally_answered.region IS 'Region of the scope (NULL for national and structure-type scopes).';
COMMENT ON COLUMN tally_answered.structure_type IS 'Structure type of the scope (NULL for national and region scopes).';
COMMENT ON COLUMN tally_answered.respondents_answered IS 'Respondents of the scope who gave a non-blank answer to the question.';

COMMENT ON VIEW theme_counts IS 'Respondents citing each theme and mentions, per scope.';
COMMENT ON COLUMN theme_counts.consultation_id IS 'Identifier of the consultation (consultation.yaml `id`).';
COMMENT ON COLUMN theme_counts.question_id IS 'Identifier of the question (consultation.yaml `questions[].id`).';
COMMENT ON COLUMN theme_counts.theme_id IS 'Identifier of the theme (consultation.yaml `themes[].id`).';
COMMENT ON COLUMN theme_counts.scope_kind IS 'Kind of scope: ''national'', ''region'', ''structure_type'' or ''region_structure_type''.';
COMMENT ON COLUMN theme_counts.scope IS 'The scope: ''France'', a region, a structure type, or ''Occitanie × ACT''.';
COMMENT ON COLUMN theme_counts.respondents_citing IS 'Respondents of the scope whose answer is coded with the theme (human codes win).';
COMMENT ON COLUMN theme_counts.mentions IS 'Units (propositions) coded with the theme, counted once per unit.';
COMMENT ON COLUMN theme_counts.mentions_human IS 'Of the mentions, those coded by hand.';

COMMENT ON VIEW tally IS 'The counts: one row per question, theme and scope (zeros included), as published. Start here.';
COMMENT ON COLUMN tally.consultation_id IS 'Identifier of the consultation (consultation.yaml `id`).';
COMMENT ON COLUMN tally.question_id IS 'Identifier of the question (consultation.yaml `questions[].id`).';
COMMENT ON COLUMN tally.question_position IS 'Order of the question in consultation.yaml.';
COMMENT ON COLUMN tally.section IS 'Part of the questionnaire.';
COMMENT ON COLUMN tally.question_text IS 'The question as asked.';
COMMENT ON COLUMN tally.unit IS 'Unit of the published count: ''respondents'' or ''propositions''.';
COMMENT ON COLUMN tally.theme_id IS 'Identifier of the theme (consultation.yaml `themes[].id`).';
COMMENT ON COLUMN tally.theme_position IS 'Order of the theme in its question.';
COMMENT ON COLUMN tally.label IS 'Published label of the theme.';
COMMENT ON COLUMN tally.category IS 'Group of themes (e.g. ASPECTS POSITIFS); NULL when none.';
COMMENT ON COLUMN tally.is_other IS 'TRUE for the fallback theme « Autres ».';
COMMENT ON COLUMN tally.scope_kind IS 'Kind of scope: ''national'', ''region'', ''structure_type'' or ''region_structure_type''.';
COMMENT ON COLUMN tally.scope IS 'The scope: ''France'', a region, a structure type, or ''Occitanie × ACT''.';
COMMENT ON COLUMN tally.region IS 'Region of the scope (NULL for national and structure-type scopes).';
COMMENT ON COLUMN tally.structure_type IS 'Structure type of the scope (NULL for national and region scopes).';
COMMENT ON COLUMN tally.respondents_answered IS 'Respondents of the scope who gave a non-blank answer to the question.';
COMMENT ON COLUMN tally.respondents_citing IS 'Respondents of the scope whose answer is coded with the theme (human codes win).';
COMMENT ON COLUMN tally.mentions IS 'Units (propositions) coded with the theme, counted once per unit.';
COMMENT ON COLUMN tally.mentions_human IS 'Of the mentions, those coded by hand.';
COMMENT ON COLUMN tally.count IS 'What the federation publishes: respondents_citing, or mentions for ''propositions'' questions.';
COMMENT ON COLUMN tally.share_pct IS 'respondents_citing / respondents_answered, in %.';
COMMENT ON COLUMN tally.rank IS 'Rank of the theme by count within the question and scope (1 = most cited).';
COMMENT ON COLUMN tally.raw_count IS 'Count of the automatic coding before correction.';
COMMENT ON COLUMN tally.corrected_count IS 'Count corrected for the measured errors of the automatic coding.';
COMMENT ON COLUMN tally.ci_low IS 'Lower bound of the 90 % interval of the corrected count.';
COMMENT ON COLUMN tally.ci_high IS 'Upper bound of the 90 % interval of the corrected count.';
COMMENT ON COLUMN tally.estimate_method IS 'Correction method of the corrected count.';
COMMENT ON COLUMN tally.estimate_model_version IS 'Model the corrected count was computed with.';

COMMENT ON VIEW interne.tally_input_stamp IS 'Internal: fingerprint of everything the tally is computed from (freshness of tally_cache).';
COMMENT ON COLUMN interne.tally_input_stamp.consultation_id IS 'Identifier of the consultation (consultation.yaml `id`).';
COMMENT ON COLUMN interne.tally_input_stamp.stamp IS 'Fingerprint (md5) of the tally''s inputs.';
