"""The Python API for notebooks: `consultation.open(db_path)` and DataFrames out.

Every method returns a pandas DataFrame with exact figures (what an analyst needs); pass
`suppress=True` to get the published form, where regional counts under the threshold (default 3)
read « < 3 » and shares resting on them « s » (see consultation.publish.disclosure).

    >>> import consultation
    >>> db = consultation.open("data/processed/segur-2020-sample/consultation.duckdb")
    >>> db.tallies(region="Occitanie")            # one row per question and theme
    >>> db.comparison("Occitanie")                # Occitanie against the rest of the country
    >>> db.answers_behind("q1_retenir", "q1_adaptabilite", region="Occitanie")

The database is opened read-only by default: several notebooks (and `consultation tally`) can read
it together; `consultation run` refuses to start while one holds it open, so close it
(`db.close()`, or a `with` block) before re-running the pipeline.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import Any, Literal

import duckdb
import pandas as pd

from consultation import arguments, store
from consultation.compare import (
    DEFAULT_ALPHA,
    DEFAULT_MIN_CITING,
    DEFAULT_MIN_RESPONDENTS,
    SmallCountRule,
    compare_scope,
)
from consultation.errors import (
    ArgumentError,
    ClosedDatabaseError,
    ConsultationError,
    ReadOnlyDatabaseError,
)
from consultation.ingest.regions import normalise_region
from consultation.publish import disclosure
from consultation.publish.typography import french
from consultation.store.paths import locate
from consultation.tally import (
    FULL_TALLY_COLUMNS,
    SCOPE_KINDS,
    NotInDatabaseError,
    check_question,
    check_scope,
    scope_for,
    select_tally,
    structure_types,
)
from consultation.tally import (
    regions as region_list,
)

By = Literal["national", "region", "structure_type", "region_structure_type", "all"]
BY_CHOICES = (*SCOPE_KINDS, "all")
ADJUST_CHOICES = ("none", "bh")
SOURCES = ("human", "rule", "model")
EXPORT_FORMATS = ("csv", "xlsx", "json", "parquet")

_DB_PATH_EXPECTED = "un chemin attendu : la base consultation.duckdb, son dossier, ou le dossier de la consultation"

_VIEW_STATEMENT = re.compile(r"\bCREATE\s+(?:OR\s+REPLACE\s+)?(VIEW|MACRO)\b", re.IGNORECASE)


def open(
    db_path: str | Path | duckdb.DuckDBPyConnection,
    consultation_id: str | None = None,
    *,
    read_only: bool = True,
) -> Database:
    """Open a consultation database for analysis.

    `db_path` is the DuckDB file, the folder that holds it (data/processed/<id>/), or an open
    connection (an in-memory database in a test). With several consultations in one file, name
    the one you want.

    >>> db = consultation.open("data/processed/segur-2020-sample")
    >>> db.consultation_id
    'segur-2020-sample'

    A wrong argument (a number for the path, « non » for `read_only`) raises
    `consultation.errors.ArgumentError`, in French.
    """
    read_only = bool(arguments.flag("read_only", read_only))
    if isinstance(db_path, duckdb.DuckDBPyConnection):
        return Database(db_path, consultation_id, owns_connection=False)
    path = resolve_db_path(db_path)  # type: ignore[arg-type]
    con = connect(path, read_only=read_only)
    try:
        return Database(con, consultation_id, owns_connection=True, path=path)
    except BaseException:
        con.close()
        raise


def canonical_region(value: str | None) -> str | None:
    """A region as users type it (« occitanie », « PACA », « 34 », an old region's name) -> the
    name stored in the database (« Occitanie »), with ingestion's own normalisation
    (consultation.ingest.regions). A department number may be an int (34, or 34.0 as a frame's cell
    holds it): it reads as « 34 ». A value it does not recognise is kept as given (stripped), so
    that the « n'est pas une région » message lists the regions of the database; a value that is
    no region at all (a list, an empty string) raises ArgumentError."""
    value = arguments.region("region", value)
    if value is None:
        return None
    match = normalise_region(value)
    return match.region.name if match.region is not None else value


def resolve_db_path(db_path: str | Path) -> Path:
    """The database a path designates, as the CLI reads it (`consultation.store.paths.locate`): the
    DuckDB file, its processed folder, or the consultation's raw folder or consultation.yaml
    (then data/processed/<id>/consultation.duckdb, relative to the working directory)."""
    return locate(arguments.path("db_path", db_path, _DB_PATH_EXPECTED)).existing_db()


def connect(path: Path, *, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """A connection whose views are those of this version of the package.

    Read-only: the views stored in the file are used as they are when this version of the package
    wrote them (the usual case, and the fast one); a file of another version gets this version's
    views as temporary views (visible to this connection only; nothing is written), the library's
    own `interne.` ones included, under their bare name.
    """
    path = arguments.path("path", path, "le chemin de la base attendu (texte ou Path)")  # "" would be in memory
    con = store.connect(path, read_only=bool(arguments.flag("read_only", read_only)))
    with contextlib.suppress(duckdb.Error):  # in Jupyter without ipywidgets DuckDB refuses this setting
        con.execute("SET enable_progress_bar = false")
    if read_only and not store.views_are_current(con):
        try:
            for name in store._sql_files():
                if not name.startswith("schema"):
                    sql = _VIEW_STATEMENT.sub(r"CREATE OR REPLACE TEMP \1", store.read_sql(name))
                    con.execute(sql.replace("TEMP VIEW interne.", "TEMP VIEW "))
        except duckdb.CatalogException as exc:
            con.close()
            raise NotInDatabaseError(
                f"{path} : base créée par une version antérieure ({str(exc).splitlines()[0]}) ; "
                "relancez « consultation run » pour la mettre à jour"
            ) from None
    return con


class Database:
    """One consultation of a database; every method returns a DataFrame (see the module docstring)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        consultation_id: str | None = None,
        *,
        owns_connection: bool = False,
        path: Path | None = None,
    ) -> None:
        self._con = con
        self._closed = False
        self.path = path
        self._owns_connection = owns_connection
        self.consultation_id = self._resolve_consultation(arguments.text(
            "consultation_id", consultation_id, "un identifiant de consultation attendu (texte)"))

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection; ClosedDatabaseError once `close()` has released it."""
        if self._closed:
            where = f"la base {self.path}" if self.path else "la base"
            raise ClosedDatabaseError(french(
                f"{where} est fermée (db.close(), ou fin de son bloc with) : rouvrez-la avec "
                "consultation.open(...) pour la lire de nouveau"))
        return self._con

    # -- life cycle -------------------------------------------------------------------------

    def close(self) -> None:
        """Release the file so that `consultation run` can write it again."""
        if self._owns_connection and not self._closed:
            self._con.close()
            self._closed = True

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<consultation {self.consultation_id!r} in {self.path or 'memory'}>"

    def _resolve_consultation(self, consultation_id: str | None) -> str:
        known = [r[0] for r in self.con.execute(
            "SELECT consultation_id FROM consultations ORDER BY consultation_id"
        ).fetchall()]
        if consultation_id is None and len(known) == 1:
            return known[0]
        if consultation_id is not None and consultation_id in known:
            return consultation_id
        where = self.path or "la base"
        if not known:
            raise NotInDatabaseError(f"{where} : aucune consultation (lancez d'abord « consultation run »)")
        if consultation_id is None:
            raise NotInDatabaseError(
                f"{where} contient plusieurs consultations ({', '.join(known)}) : précisez laquelle"
            )
        raise NotInDatabaseError(
            f"{where} : consultation « {consultation_id} » inconnue (connues : {', '.join(known)})"
        )

    def region_name(self, value: str | None) -> str | None:
        """A region of this database as the user typed it: its stored name when the value is one
        (even a name normalisation would read otherwise), else `canonical_region(value)`.

        >>> db.region_name("paca")
        "Provence-Alpes-Côte d'Azur"
        >>> db.region_name(34)                      # a department number, as an int too
        'Occitanie'

        A list, an empty string or a value of another type raises ArgumentError.
        """
        value = arguments.region("region", value)
        if value is None:
            return None
        known = self.con.execute(
            "SELECT 1 FROM respondents WHERE consultation_id = ? AND region = ? LIMIT 1", [self.consultation_id, value]
        ).fetchone()
        return value if known else canonical_region(value)

    def _df(self, sql: str, params: list[Any]) -> pd.DataFrame:
        return self.con.execute(sql, params).df()

    # -- arguments as analysts type them (consultation.arguments) ----------------------------

    def _question(self, value: object, *, required: bool = False, name: str = "question") -> str | None:
        """A coded question's id: stripped, its case as stored; NotInDatabaseError when unknown."""
        known = [r[0] for r in self.con.execute(
            "SELECT question_id FROM questions WHERE consultation_id = ? AND unit <> 'free_text' ORDER BY position",
            [self.consultation_id],
        ).fetchall()]
        question = arguments.text(
            name, value, f"un identifiant de question attendu (texte : {', '.join(known) or 'aucune'})",
            required=required)
        if question is None:
            return None
        question = arguments.matching(question, known)
        check_question(self.con, self.consultation_id, question)
        return question

    def _region(self, value: object) -> str | None:
        """`region_name(value)`, which must be a region of the database: NotInDatabaseError, naming
        what was typed too when it was read as another name (20 -> « Corse »), and the regions."""
        name = self.region_name(value)  # type: ignore[arg-type]
        if name is None:
            return None
        known = region_list(self.con, self.consultation_id)
        if name not in known:
            typed = f" (reçu : {arguments.shown(value)})" if str(value).strip() != name else ""
            raise NotInDatabaseError(
                f"region : « {name} »{typed} n'est pas une région de la consultation {self.consultation_id} "
                f"(connues : {', '.join(known) or 'aucune'})"
            )
        return name

    def _structure_type(self, value: object) -> str | None:
        """A structure type as stored (« act » -> « ACT »); an unknown one is kept for check_scope."""
        if value is None:
            return None
        known = structure_types(self.con, self.consultation_id)
        kind = arguments.text(
            "structure_type", value, f"un type de structure attendu (texte : {', '.join(known) or 'aucun'})")
        return None if kind is None else arguments.matching(kind, known)

    # -- what is in the database ------------------------------------------------------------

    def consultations(self) -> pd.DataFrame:
        """Every consultation in the file, with its respondents and answers.

        >>> db.consultations()[["consultation_id", "title", "respondents"]]
        """
        return self._df(
            """
            SELECT c.consultation_id, c.title, c.codebook_version, c.updated_at,
                   coalesce(r.n, 0) AS respondents, coalesce(a.n, 0) AS answers
            FROM consultations c
            LEFT JOIN (SELECT consultation_id, count(*) AS n FROM respondents GROUP BY ALL) r USING (consultation_id)
            LEFT JOIN (SELECT consultation_id, count(*) AS n FROM stg_answers GROUP BY ALL) a USING (consultation_id)
            ORDER BY c.consultation_id
            """,
            [],
        )

    def questions(self) -> pd.DataFrame:
        """The questionnaire: section, wording, unit of count, themes and respondents who answered.

        `unit` is 'respondents' (a respondent counts once per theme), 'propositions' (each
        proposition counts) or 'free_text' (not coded, listed in reports).

        >>> db.questions()[["question_id", "section", "unit", "respondents_answered"]]
        """
        return self._df(
            """
            SELECT q.question_id, q.position, q.section, q.text, q.unit,
                   coalesce(t.n, 0) AS themes, coalesce(a.n, 0) AS respondents_answered
            FROM questions q
            LEFT JOIN (SELECT consultation_id, question_id, count(*) AS n FROM themes GROUP BY ALL) t
                USING (consultation_id, question_id)
            LEFT JOIN (SELECT consultation_id, question_id, count(*) AS n FROM stg_answers GROUP BY ALL) a
                USING (consultation_id, question_id)
            WHERE q.consultation_id = ?
            ORDER BY q.position
            """,
            [self.consultation_id],
        )

    def themes(self, question: str | None = None) -> pd.DataFrame:
        """The codebook: themes of every question (or of one), in codebook order.

        >>> db.themes("q1_retenir")[["theme_id", "label", "category"]]
        """
        question = self._question(question)
        return self._df(
            """
            SELECT t.question_id, t.theme_id, t.position, t.label, t.category, t.is_other
            FROM themes t JOIN questions q USING (consultation_id, question_id)
            WHERE t.consultation_id = ? AND (? IS NULL OR t.question_id = ?)
            ORDER BY q.position, t.position
            """,
            [self.consultation_id, question, question],
        )

    def regions(self) -> pd.DataFrame:
        """Regions with their number of respondents ('Région inconnue' when it could not be read).

        >>> db.regions()
        """
        return self._df(
            "SELECT region, count(*) AS respondents FROM respondents WHERE consultation_id = ? "
            "GROUP BY region ORDER BY region",
            [self.consultation_id],
        )

    def structure_types(self) -> pd.DataFrame:
        """Structure types (ACT, LAM, LHSS…) with their number of respondents.

        >>> db.structure_types()
        """
        return self._df(
            "SELECT coalesce(structure_type, 'Non précisé') AS structure_type, count(*) AS respondents "
            "FROM respondents WHERE consultation_id = ? GROUP BY ALL ORDER BY 1",
            [self.consultation_id],
        )

    # -- counts -----------------------------------------------------------------------------

    def tallies(
        self,
        question: str | None = None,
        *,
        region: str | None = None,
        structure_type: str | None = None,
        by: By | None = None,
        suppress: bool = False,
        threshold: int = disclosure.DEFAULT_THRESHOLD,
    ) -> pd.DataFrame:
        """Counts per question and theme in a scope: national by default, a region, a structure
        type, both (region × structure type), or every scope of a kind with `by`.

        Columns: respondents_answered (respondents of the scope who answered the question),
        respondents_citing, mentions (units coded with the theme: propositions), count (what the
        federation publishes: respondents, or propositions for 'propositions' questions),
        share_pct (respondents citing / respondents answered, %), rank, and the coding engine's
        raw_count, corrected_count, ci_low, ci_high (NULL until estimated).

        >>> db.tallies()                                    # national
        >>> db.tallies("q1_retenir", region="Occitanie")
        >>> db.tallies(by="region")                         # every region
        >>> db.tallies(region="Occitanie", structure_type="ACT")
        >>> db.tallies(region="Occitanie", suppress=True)   # as published: « < 3 »
        >>> db.tallies(region=34)                           # a department number: Occitanie

        Arguments are read as analysts type them: a region as a name in any case or as a
        department number (34, 34.0, « 34 »), a question or structure type in any case, `by` in
        any case; `threshold` a whole number ≥ 1 (3.0 too). A value of no such meaning (a list of
        regions, an empty string, « oui » for `suppress`, by="regions") raises
        consultation.errors.ArgumentError, which names the argument, the value and what is accepted.
        """
        region = self._region(region)
        structure_type = self._structure_type(structure_type)
        question = self._question(question)
        suppress = bool(arguments.flag("suppress", suppress))
        threshold = arguments.whole("threshold", threshold, minimum=1)
        if by is not None:
            by = arguments.choice("by", by, BY_CHOICES)  # type: ignore[assignment]
        if by is not None and (region or structure_type):
            given = ", ".join(f"{k}={v!r}" for k, v in (("region", region), ("structure_type", structure_type)) if v)
            raise ArgumentError(french(
                f"by : « {by} » donne tous les périmètres d'un genre, il ne se combine pas avec {given} ; "
                "donnez l'un ou l'autre"))
        scopes: list[tuple[str, str | None]] | None
        if by == "all":
            scopes = None
        elif by is not None:
            scopes = [(by, None)]
        else:
            kind, scope = scope_for(region, structure_type)
            check_scope(self.con, self.consultation_id, kind, scope)
            scopes = [(kind, scope)]
        frame = select_tally(
            self.con, self.consultation_id, scopes=scopes, question_id=question, columns=FULL_TALLY_COLUMNS
        )
        return disclosure.suppress(frame, threshold) if suppress else frame

    def comparison(
        self,
        region: str | None = None,
        question: str | None = None,
        *,
        structure_type: str | None = None,
        alpha: float = DEFAULT_ALPHA,
        adjust: Literal["none", "bh"] = "none",
        min_respondents: int = DEFAULT_MIN_RESPONDENTS,
        min_citing: int = DEFAULT_MIN_CITING,
        suppress: bool = False,
        threshold: int = disclosure.DEFAULT_THRESHOLD,
    ) -> pd.DataFrame:
        """A region (or a structure type, or both) against the rest of the country, side by side
        with the national figures, one row per question and theme.

        Columns national_* (the whole country), scope_* (the region), rest_* (everyone else),
        diff_points (scope share − rest share), p_value (Fisher's exact test on respondents),
        p_adjusted (Benjamini–Hochberg with adjust='bh', else p_value), significant and flag:
        « plus cité », « moins cité », « écart non significatif », or « effectif trop faible »
        when fewer than `min_respondents` answered on either side or fewer than `min_citing` cite
        the theme in all (no difference is then claimed, whatever the p-value).

        >>> occ = db.comparison("Occitanie")
        >>> occ[occ["significant"]][["label", "scope_share_pct", "rest_share_pct", "p_value"]]
        >>> db.comparison("Occitanie", "pilier1", alpha=0.01, adjust="bh")
        >>> db.comparison(structure_type="LAM")             # LAM structures against the others
        >>> db.comparison(34)                               # a department number: Occitanie

        Arguments are read as in `tallies`; `alpha` is a number strictly between 0 and 1, `adjust`
        'none' or 'bh' (any case), `min_respondents` and `min_citing` whole numbers ≥ 0. Anything
        else raises consultation.errors.ArgumentError.
        """
        region = self._region(region)
        structure_type = self._structure_type(structure_type)
        question = self._question(question)
        alpha = arguments.share("alpha", alpha, hint="0.05 pour un seuil de 5 %")
        adjust = arguments.choice("adjust", adjust, ADJUST_CHOICES)  # type: ignore[assignment]
        rule = SmallCountRule(arguments.whole("min_respondents", min_respondents, minimum=0),
                              arguments.whole("min_citing", min_citing, minimum=0))
        suppress = bool(arguments.flag("suppress", suppress))
        threshold = arguments.whole("threshold", threshold, minimum=1)
        if not region and not structure_type:
            raise ArgumentError(french(
                "region, structure_type : la comparaison oppose une région ou un type de structure (ou "
                "les deux) au reste du pays ; donnez-en au moins un (reçu : region=None, structure_type=None)"))
        kind, scope = scope_for(region, structure_type)
        frame = compare_scope(
            self.con, self.consultation_id, scope, scope_kind=kind, question_id=question, alpha=alpha,
            rule=rule, adjust=adjust,
        )
        return disclosure.suppress(frame, threshold) if suppress else frame

    # -- behind the counts --------------------------------------------------------------------

    def answers_behind(
        self,
        question: str,
        theme: str | None = None,
        *,
        region: str | None = None,
        structure_type: str | None = None,
        suppress: bool = False,
    ) -> pd.DataFrame:
        """The coded answers behind a count: one row per unit (proposition or whole answer) coded
        with the theme, with the respondent, the region, the answer, the unit, who coded it
        (source 'human', 'rule' or 'model') and the confidence.

        Its distinct respondents are the count's respondents_citing, its rows the mentions.
        `suppress=True` leaves out who answered (respondent id and structure name) for quoting.

        >>> rows = db.answers_behind("q1_retenir", "q1_adaptabilite", region="Occitanie")
        >>> rows[["respondent_id", "answer_text", "source", "confidence"]]

        Arguments are read as in `tallies` (a theme id in any case too); a wrong one raises
        consultation.errors.ArgumentError.
        """
        checked = self._question(question, required=True)
        assert checked is not None
        question = checked
        region = self._region(region)
        structure_type = self._structure_type(structure_type)
        suppress = bool(arguments.flag("suppress", suppress))
        kind, scope = scope_for(region, structure_type)
        check_scope(self.con, self.consultation_id, kind, scope)
        if theme is not None:
            known = set(self.themes(question)["theme_id"])
            theme = arguments.text("theme", theme, f"un identifiant de thème attendu (texte : {', '.join(sorted(known))})")
            assert theme is not None
            theme = arguments.matching(theme, known)
            if theme not in known:
                raise NotInDatabaseError(
                    f"thème « {theme} » inconnu pour la question {question} (thèmes : {', '.join(sorted(known))})"
                )
        frame = self._df(
            """
            SELECT a.respondent_id, a.structure_name, a.structure_type, a.region, a.question_id,
                   a.theme_id, a.label, a.answer_text, a.unit_text, a.source, a.confidence,
                   a.needs_review, a.model_version
            FROM coded_answers a
            JOIN themes t USING (consultation_id, question_id, theme_id)
            WHERE a.consultation_id = ? AND a.question_id = ?
              AND (? IS NULL OR a.theme_id = ?)
              AND (? IS NULL OR a.region = ?)
              AND (? IS NULL OR a.structure_type = ?)
            ORDER BY t.position, a.region, a.respondent_id, a.unit_key
            """,
            [self.consultation_id, question, theme, theme, region, region, structure_type, structure_type],
        )
        if suppress:
            frame = frame.drop(columns=["respondent_id", "structure_name"])
        return frame

    def codings(
        self,
        question: str | None = None,
        *,
        region: str | None = None,
        source: str | None = None,
        needs_review: bool | None = None,
    ) -> pd.DataFrame:
        """Every final code (human codes win over automatic ones), with its answer: to audit the
        coding, list what awaits review, or see what the rules did.

        >>> db.codings(source="rule", needs_review=True)[["question_id", "unit_text", "theme_id"]]
        >>> db.codings("pilier1").groupby("source").size()

        `source` is 'human', 'rule' or 'model' (any case), `needs_review` True, False or None (no
        filter); a region unknown to the database raises NotInDatabaseError (it used to give an
        empty frame), a wrong argument ArgumentError.
        """
        region = self._region(region)
        question = self._question(question)
        if source is not None:
            source = arguments.choice("source", source, SOURCES)
        needs_review = arguments.flag("needs_review", needs_review, nullable=True)
        return self._df(
            """
            SELECT a.question_id, a.respondent_id, a.structure_name, a.structure_type, a.region,
                   a.answer_text, a.unit_text, a.theme_id, a.label, a.category, a.source,
                   a.confidence, a.needs_review, a.model_version, a.codebook_version
            FROM coded_answers a
            JOIN questions q USING (consultation_id, question_id)
            JOIN themes t USING (consultation_id, question_id, theme_id)
            WHERE a.consultation_id = ?
              AND (? IS NULL OR a.question_id = ?)
              AND (? IS NULL OR a.region = ?)
              AND (? IS NULL OR a.source = ?)
              AND (? IS NULL OR a.needs_review = ?)
            ORDER BY q.position, a.respondent_id, a.unit_key, t.position
            """,
            [self.consultation_id, question, question, region, region, source, source, needs_review, needs_review],
        )

    def ranked_themes(
        self, consultation_dir: str | Path, question: str | None = None, *, top: int = 3
    ) -> pd.DataFrame:
        """The model's `top` themes for every coded answer, with their calibrated probability:
        what else an answer could have been coded, including the answers left in « Autres » and
        the hand-coded ones (what the model would have said). One row per unit and rank;
        `final` says whether the theme is among the unit's final themes (human codes win).

        Needs the consultation's folder (its codebook) and loads the saved model: a few
        seconds. At national scale, ranking every answer costs what coding them costs: pass a
        question.

        >>> r = db.ranked_themes("data/raw/segur-2020-sample", "q1_retenir")
        >>> r[r.left_in_autres & (r["rank"] == 1)]     # the nearest theme of what was left in « Autres »
        """
        from consultation.codebook import load_consultation
        from consultation.coding import run as coding_run
        from consultation.coding.codings import ranked_themes_long
        from consultation.coding.training import load_engine

        question = self._question(question)
        top = arguments.whole("top", top, minimum=1)
        consultation_dir = arguments.path(
            "consultation_dir", consultation_dir, "le dossier de la consultation attendu (texte ou Path)")
        consultation = load_consultation(Path(consultation_dir))
        if consultation.id != self.consultation_id:
            raise ConsultationError(
                f"{consultation_dir} décrit la consultation « {consultation.id} », "
                f"la base ouverte est celle de « {self.consultation_id} »"
            )
        engine = load_engine(self.con, consultation, coding_run.worker_lemmatizer())
        ranked = ranked_themes_long(self.con, engine, question_id=question, top=top)
        if ranked.empty and not (engine.models.keys() & ({question} if question else set(engine.models))):
            import warnings

            warnings.warn(  # a notebook shows it in a box of its own, with no traceback
                f"Aucun classement : pas de modèle entraîné pour "
                f"{f'la question « {question} »' if question else 'cette consultation'}. Le modèle "
                "apprend des réponses codées à la main (« consultation review export », une colonne de "
                "codes dans l'export) ; d'ici là, le codage vient des règles par mots-clés.",
                UserWarning, stacklevel=2)
        return ranked

    def quarantine(self) -> pd.DataFrame:
        """Rows read but not ingested, with the reason: nothing is silently lost.

        >>> db.quarantine()[["source_file", "source_row", "reason"]]
        """
        return self._df(
            "SELECT source_file, source_row, reason, raw_json FROM quarantine "
            "WHERE consultation_id = ? ORDER BY source_file, source_row",
            [self.consultation_id],
        )

    # -- files for publication -------------------------------------------------------------

    def export_tallies(
        self,
        folder: str | Path,
        *,
        fmt: str = "csv",
        by: By = "all",
        suppress: bool = True,
        threshold: int = disclosure.DEFAULT_THRESHOLD,
    ) -> list[tuple[Path, int]]:
        """Write decomptes.<fmt> (the tallies of every scope) and comparaisons-regions.<fmt>
        (every region against the rest of the country), published form by default.

        Returns (file, rows) for each file written.

        >>> db.export_tallies("publication", fmt="xlsx")

        `folder` is a folder (created if needed): a file, or a name ending like a table
        (« decomptes.xlsx ») that is not an existing folder, is refused with ArgumentError, since
        two files are written; `fmt` is csv, xlsx, json or parquet (any case, « .xlsx » too).
        """
        fmt = arguments.choice("fmt", fmt.lstrip(".") if isinstance(fmt, str) else fmt, EXPORT_FORMATS)
        if by is not None:
            by = arguments.choice("by", by, BY_CHOICES)  # type: ignore[assignment]
        suppress = bool(arguments.flag("suppress", suppress))
        threshold = arguments.whole("threshold", threshold, minimum=1)
        folder = arguments.output_folder(
            "folder", folder, f"deux fichiers, decomptes.{fmt} et comparaisons-regions.{fmt}")
        tallies = self.tallies(by=by)
        comparisons = [self.comparison(region) for region in self.regions()["region"]]
        compared = pd.concat(comparisons, ignore_index=True) if comparisons else pd.DataFrame()
        if suppress:
            # Protected against every scope kind (a reader of one kind's file holds the others too).
            protected, compared_out = disclosure.protect_tables(
                tallies if by == "all" else self.tallies(by="all"), compared if len(compared) else None, threshold)
            keep = protected["scope_kind"].isin(tallies["scope_kind"].unique()).to_numpy()
            tallies = protected[keep].reset_index(drop=True)
            compared = compared_out if compared_out is not None else compared
        written = []
        for name, frame in (("decomptes", tallies), ("comparaisons-regions", compared)):
            path = disclosure.write_tally_table(frame, folder / f"{name}.{fmt}", fmt)
            written.append((Path(path), len(frame)))
        return written

    def sql(self, query: str, params: list[Any] | None = None) -> pd.DataFrame:
        """Any query on the database (views: tally, coded_answers, final_codes, stg_answers…).

        >>> db.sql("SELECT region, count(*) AS n FROM respondents GROUP BY region")
        >>> db.sql("SELECT * FROM respondents WHERE region = ?", ["Occitanie"])

        An error in the query itself is DuckDB's; a query that is no text, parameters that are no
        list, tuple or dict raise ArgumentError; a write on the database opened read-only (the
        default) raises ReadOnlyDatabaseError, which says how to open it for writing.
        """
        if not isinstance(query, str) or not query.strip():
            raise arguments.refuse("query", query, "une requête SQL attendue (texte)")
        if isinstance(params, tuple):
            params = list(params)
        if params is not None and not isinstance(params, (list, dict)):
            raise arguments.refuse("params", params, "une liste (ou un dict) de paramètres attendue, ou None",
                                   "une seule valeur s'écrit [valeur]")
        try:
            return self._df(query, params or [])
        except duckdb.InvalidInputException as exc:
            if "read-only mode" not in str(exc):
                raise
            raise ReadOnlyDatabaseError(french(
                f"la base {self.path or ''} est ouverte en lecture seule (le défaut de consultation.open) : "
                "la requête ne peut pas l'écrire. Les tables sont celles qu'écrit « consultation run » ; pour "
                "écrire quand même, fermez les autres carnets qui la lisent et ouvrez-la avec "
                "consultation.open(chemin, read_only=False)").replace("base  est", "base est")) from None

