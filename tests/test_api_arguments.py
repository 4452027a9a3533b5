"""Wrong arguments to the Python API, as a notebook user types them (consultation.arguments).

Generated from three tables:
- CALLS: how to call each public function or method with valid arguments;
- ARGUMENTS: one row per (call, argument, family of values, canonical value);
- FAMILIES: for each family, the wrong values a notebook user plausibly passes, each either
  ACCEPTED (the result is the canonical value's) or REFUSED (a consultation.errors exception whose
  message names the argument and shows the value received).
A new method or argument is covered by a row of CALLS and a row of ARGUMENTS.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import consultation
from consultation import notebook, store
from consultation.errors import (
    ArgumentError,
    ClosedDatabaseError,
    ConsultationError,
    NotInDatabaseError,
    ReadOnlyDatabaseError,
)
from test_tally import MINI_DIR, build_mini

ACCEPTED, REFUSED = "accepted", "refused"


@dataclass(frozen=True)
class Lazy:
    """A value made at call time from the context (a file in the test's folder)."""

    make: Callable[[Context], Any]
    name: str

    def __repr__(self) -> str:
        return self.name


@dataclass
class Context:
    db: Any
    db_path: Path
    processed: Path
    tmp: Path
    counter: itertools.count = field(default_factory=itertools.count)

    def resolve(self, value: Any) -> Any:
        return value.make(self) if isinstance(value, Lazy) else value

    def new_folder(self) -> Path:
        return self.tmp / f"sortie{next(self.counter)}"

    def mini_copy(self) -> Path:
        """A writable copy of the mini consultation (add_theme writes its file)."""
        return Path(shutil.copytree(MINI_DIR, self.new_folder()))


def _open_id(ctx: Context, kw: dict[str, Any]) -> str:
    with consultation.open(kw["db_path"], kw["consultation_id"], read_only=kw["read_only"]) as opened:
        return opened.consultation_id


def _files(written: list[tuple[Path, int]]) -> list[tuple[str, int]]:
    return [(path.name, rows) for path, rows in written]


# name -> (call with keyword arguments, valid keyword arguments)
CALLS: dict[str, tuple[Callable[[Context, dict[str, Any]], Any], dict[str, Any]]] = {
    "open": (_open_id, {"db_path": Lazy(lambda c: c.db_path, "db_path"), "consultation_id": None, "read_only": True}),
    "region_name": (lambda c, kw: c.db.region_name(**kw), {"value": "Occitanie"}),
    "themes": (lambda c, kw: c.db.themes(**kw), {"question": "q1"}),
    "tallies": (lambda c, kw: c.db.tallies(**kw), {"question": "q1", "region": "Occitanie"}),
    "tallies_by": (lambda c, kw: c.db.tallies(**kw), {"by": "region"}),
    "tallies_structure": (lambda c, kw: c.db.tallies(**kw), {"structure_type": "ACT"}),
    "comparison": (lambda c, kw: c.db.comparison(**kw), {"region": "Occitanie", "question": "p1"}),
    "comparison_structure": (lambda c, kw: c.db.comparison(**kw), {"structure_type": "LHSS"}),
    "answers_behind": (lambda c, kw: c.db.answers_behind(**kw), {"question": "q1", "region": "Occitanie"}),
    "answers_behind_theme": (lambda c, kw: c.db.answers_behind(**kw), {"question": "q1", "theme": "q1_equipes"}),
    "codings": (lambda c, kw: c.db.codings(**kw), {"question": "q1", "region": "Occitanie"}),
    "codings_filters": (lambda c, kw: c.db.codings(**kw), {"source": "rule", "needs_review": False}),
    "ranked_themes": (lambda c, kw: c.db.ranked_themes(**kw), {"consultation_dir": MINI_DIR, "question": "q1", "top": 3}),
    "export_tallies": (lambda c, kw: _files(c.db.export_tallies(**{"folder": c.new_folder(), **kw})), {"fmt": "csv"}),
    "sql": (lambda c, kw: c.db.sql(**kw), {"query": "SELECT count(*) AS n FROM respondents WHERE region = ?",
                                           "params": ["Occitanie"]}),
    "resolve_db_path": (lambda c, kw: consultation.api.resolve_db_path(**kw), {"db_path": Lazy(lambda c: c.db_path, "db_path")}),
    "connect": (lambda c, kw: consultation.api.connect(**kw).close(), {"path": Lazy(lambda c: c.db_path, "db_path"),
                                                                        "read_only": True}),
    "canonical_region": (lambda c, kw: consultation.api.canonical_region(**kw), {"value": "Occitanie"}),
    "chart_path": (lambda c, kw: notebook.chart_path(c.db, **kw), {"question_id": "q1", "region": "Occitanie"}),
    "show_comparison_chart": (lambda c, kw: notebook.show_comparison_chart(c.db, **kw), {"question_id": "q1"}),
    "demo_consultation": (lambda c, kw: notebook.demo_consultation(**{"target_dir": c.new_folder(), **kw}),
                          {"sample_dir": MINI_DIR}),
    "ensure_database": (lambda c, kw: notebook.ensure_database(**kw),
                        {"consultation_dir": MINI_DIR, "processed_root": Lazy(lambda c: c.processed, "processed")}),
    "review_sheet": (lambda c, kw: notebook.review_sheet(**kw),
                     {"consultation_dir": MINI_DIR, "processed_root": Lazy(lambda c: c.processed, "processed")}),
    "discover": (lambda c, kw: notebook.discover(MINI_DIR, c.processed, **kw), {}),
    "add_theme": (lambda c, kw: notebook.add_theme(**kw), {
        "consultation_dir": Lazy(lambda c: c.mini_copy(), "mini_copy"), "question_id": "q1", "theme_id": "q1_nouveau",
        "label": "Nouveau", "keywords": ["tva"]}),
}


def _a_file(ctx: Context) -> Path:
    path = ctx.tmp / "deja-la.csv"
    path.write_text("x\n", encoding="utf-8")
    return path


NAN = float("nan")
# family -> [(wrong value, ACCEPTED or REFUSED)]
FAMILIES: dict[str, list[tuple[Any, str]]] = {
    "region": [
        (34, ACCEPTED), (34.0, ACCEPTED), (np.int64(34), ACCEPTED), (np.float64(34.0), ACCEPTED), ("34", ACCEPTED),
        (" Occitanie ", ACCEPTED), ("OCCITANIE", ACCEPTED), ("occitanie", ACCEPTED),
        (["Occitanie"], REFUSED), (("Occitanie",), REFUSED), ({"Occitanie"}, REFUSED), (pd.Series(["Occitanie"]), REFUSED),
        ("", REFUSED), ("   ", REFUSED), (NAN, REFUSED), (34.5, REFUSED), (-34, REFUSED), (0, REFUSED),
        (True, REFUSED), (b"Occitanie", REFUSED),
    ],
    "region_of_the_base": [("Ocitanie", REFUSED), ("Bretagne", REFUSED), (20, REFUSED)],
    "question": [
        (" q1 ", ACCEPTED), ("Q1", ACCEPTED),
        (1, REFUSED), (1.0, REFUSED), ("", REFUSED), ("  ", REFUSED), (["q1"], REFUSED), (True, REFUSED), ("q9", REFUSED),
    ],
    "required_question": [(" q1 ", ACCEPTED), ("Q1", ACCEPTED), (None, REFUSED), (1, REFUSED), ("", REFUSED),
                          (["q1"], REFUSED), ("q9", REFUSED)],
    "structure_type": [("act", ACCEPTED), (" ACT ", ACCEPTED), (3, REFUSED), ("", REFUSED), (["ACT"], REFUSED), ("XX", REFUSED)],
    "theme": [(" q1_equipes ", ACCEPTED), ("Q1_EQUIPES", ACCEPTED), (3, REFUSED), ("", REFUSED), (["q1_equipes"], REFUSED),
              ("q1_foo", REFUSED)],
    "flag": [(np.bool_(True), ACCEPTED), (1, ACCEPTED), ("oui", REFUSED), ("non", REFUSED), ("True", REFUSED),
             ("False", REFUSED), (2, REFUSED), (None, REFUSED), ([True], REFUSED), (1.0, REFUSED)],
    "nullable_flag": [(np.bool_(False), ACCEPTED), (0, ACCEPTED), ("non", REFUSED), ("oui", REFUSED), ("False", REFUSED),
                      (2, REFUSED)],
    "threshold": [(3.0, ACCEPTED), (np.int64(3), ACCEPTED), (0, REFUSED), (-1, REFUSED), ("3", REFUSED), (2.5, REFUSED),
                  (True, REFUSED), (None, REFUSED), (float("inf"), REFUSED)],
    "count": [(5.0, ACCEPTED), (np.int64(5), ACCEPTED), (-1, REFUSED), ("5", REFUSED), (2.5, REFUSED), (True, REFUSED),
              (None, REFUSED)],
    "positive": [(0, REFUSED), (-1, REFUSED), ("3", REFUSED), (2.5, REFUSED), (True, REFUSED), (None, REFUSED)],
    "alpha": [(np.float64(0.05), ACCEPTED), (0, REFUSED), (1, REFUSED), (5, REFUSED), (-0.1, REFUSED), ("0.05", REFUSED), ("5%", REFUSED),
              (NAN, REFUSED), (None, REFUSED), (True, REFUSED)],
    "share": [(0, REFUSED), (1.5, REFUSED), ("0.4", REFUSED), (None, REFUSED), (-0.1, REFUSED), (NAN, REFUSED)],
    "by": [("Region", ACCEPTED), (" region ", ACCEPTED), ("REGION", ACCEPTED), ("regions", REFUSED), ("région", REFUSED),
           ("", REFUSED), (1, REFUSED), (["region"], REFUSED)],
    "adjust": [("BH", ACCEPTED), (" bh ", ACCEPTED), ("holm", REFUSED), ("", REFUSED), (None, REFUSED), (1, REFUSED)],
    "fmt": [("CSV", ACCEPTED), (".csv", ACCEPTED), ("xls", REFUSED), ("excel", REFUSED), ("", REFUSED), (None, REFUSED),
            (1, REFUSED)],
    "source": [("Rule", ACCEPTED), (" rule ", ACCEPTED), ("règle", REFUSED), ("humain", REFUSED), ("", REFUSED), (1, REFUSED),
               (["rule"], REFUSED)],
    "folder": [(Lazy(_a_file, "an existing file"), REFUSED), ("decomptes.xlsx", REFUSED), ("", REFUSED), (3, REFUSED),
               (None, REFUSED)],
    "path": [(3, REFUSED), (None, REFUSED), ("", REFUSED), (["x"], REFUSED)],
    "db_path": [(Lazy(lambda c: str(c.db_path), "str(db_path)"), ACCEPTED), (Lazy(lambda c: c.db_path.parent, "its folder"), ACCEPTED),
                (3, REFUSED), (None, REFUSED), ("", REFUSED), (["x"], REFUSED)],
    "consultation_id": [(" mini ", ACCEPTED), (3, REFUSED), ("", REFUSED), ("autre", REFUSED)],
    "query": [(3, REFUSED), (None, REFUSED), ("", REFUSED)],
    "params": [(("Occitanie",), ACCEPTED), ("Occitanie", REFUSED), (3, REFUSED)],
    "keywords": [("tva", REFUSED), ([], REFUSED), ([""], REFUSED), (None, REFUSED), ([3], REFUSED)],
    "name": [("", REFUSED), (None, REFUSED), (3, REFUSED)],
    "new_theme_id": [("q1_epi", REFUSED), ("", REFUSED), (None, REFUSED), (3, REFUSED)],
}

# (call, argument, family, canonical value: what an ACCEPTED value must give the same result as)
ARGUMENTS: list[tuple[str, str, str, Any]] = [
    ("open", "db_path", "db_path", Lazy(lambda c: c.db_path, "db_path")),
    ("open", "consultation_id", "consultation_id", "mini"),
    ("open", "read_only", "flag", True),
    ("resolve_db_path", "db_path", "db_path", Lazy(lambda c: c.db_path, "db_path")),
    ("connect", "path", "path", None),
    ("connect", "read_only", "flag", True),
    ("region_name", "value", "region", "Occitanie"),
    ("canonical_region", "value", "region", "Occitanie"),
    ("themes", "question", "question", "q1"),
    ("tallies", "question", "question", "q1"),
    ("tallies", "region", "region", "Occitanie"),
    ("tallies", "region", "region_of_the_base", None),
    ("tallies", "suppress", "flag", True),
    ("tallies", "threshold", "threshold", 3),
    ("tallies_by", "by", "by", "region"),
    ("tallies_structure", "structure_type", "structure_type", "ACT"),
    ("comparison", "region", "region", "Occitanie"),
    ("comparison", "region", "region_of_the_base", None),
    ("comparison", "question", "question", "q1"),
    ("comparison", "alpha", "alpha", 0.05),
    ("comparison", "adjust", "adjust", "bh"),
    ("comparison", "min_respondents", "count", 5),
    ("comparison", "min_citing", "count", 5),
    ("comparison", "suppress", "flag", True),
    ("comparison", "threshold", "threshold", 3),
    ("comparison_structure", "structure_type", "structure_type", "ACT"),
    ("answers_behind", "question", "required_question", "q1"),
    ("answers_behind", "region", "region", "Occitanie"),
    ("answers_behind", "region", "region_of_the_base", None),
    ("answers_behind", "structure_type", "structure_type", "ACT"),
    ("answers_behind", "suppress", "flag", True),
    ("answers_behind_theme", "theme", "theme", "q1_equipes"),
    ("codings", "question", "question", "q1"),
    ("codings", "region", "region", "Occitanie"),
    ("codings", "region", "region_of_the_base", None),
    ("codings_filters", "source", "source", "rule"),
    ("codings_filters", "needs_review", "nullable_flag", False),
    ("ranked_themes", "top", "positive", 3),
    ("ranked_themes", "question", "question", None),
    ("ranked_themes", "consultation_dir", "path", None),
    ("export_tallies", "fmt", "fmt", "csv"),
    ("export_tallies", "by", "by", "region"),
    ("export_tallies", "suppress", "flag", True),
    ("export_tallies", "threshold", "threshold", 3),
    ("export_tallies", "folder", "folder", None),
    ("sql", "query", "query", None),
    ("sql", "params", "params", ["Occitanie"]),
    ("chart_path", "question_id", "required_question", "q1"),
    ("chart_path", "region", "region", "Occitanie"),
    ("chart_path", "region", "region_of_the_base", None),
    ("show_comparison_chart", "width", "positive", 700),
    ("demo_consultation", "keep_share", "share", 0.4),
    ("demo_consultation", "seed", "count", 0),
    ("demo_consultation", "target_dir", "path", None),
    ("ensure_database", "consultation_dir", "path", None),
    ("ensure_database", "processed_root", "path", None),
    ("review_sheet", "n_answers", "positive", 15),
    ("review_sheet", "consultation_dir", "path", None),
    ("review_sheet", "processed_root", "path", None),
    ("discover", "question_id", "question", None),
    ("add_theme", "question_id", "required_question", "q1"),
    ("add_theme", "theme_id", "new_theme_id", None),
    ("add_theme", "label", "name", None),
    ("add_theme", "keywords", "keywords", None),
]

# Calls that load spaCy or the model once valid: only their refusals are tried (they come first).
SLOW_WHEN_VALID = {"ensure_database", "ranked_themes", "review_sheet", "discover", "add_theme", "demo_consultation"}
# How a message may name an argument: its own name, or the French word for what it designates.
NAMED_AS = {"region": "région", "value": "région", "structure_type": "type de structure", "theme": "thème",
            "consultation_id": "consultation", "question_id": "question"}

CASES = [
    pytest.param(call, argument, value, verdict, canonical, id=f"{call}-{argument}-{value!r}-{verdict}")
    for call, argument, family, canonical in ARGUMENTS
    for value, verdict in FAMILIES[family]
    if not (verdict == ACCEPTED and call in SLOW_WHEN_VALID)
]


@pytest.fixture(scope="module")
def processed(tmp_path_factory):
    root = tmp_path_factory.mktemp("processed")
    con = store.connect(root / "mini" / "consultation.duckdb")
    build_mini(con)
    con.close()
    return root


@pytest.fixture(scope="module")
def module_db(processed):
    with consultation.open(processed / "mini" / "consultation.duckdb") as opened:
        yield opened


@pytest.fixture
def ctx(module_db, processed, tmp_path, monkeypatch):
    # In the test's folder: before the checks, demo_consultation(target_dir="") erased the working
    # directory (Path("") is « . ») and export_tallies("decomptes.xlsx") made a folder there.
    monkeypatch.chdir(tmp_path)
    return Context(module_db, processed / "mini" / "consultation.duckdb", processed, tmp_path)


def run(ctx: Context, call: str, argument: str, value: Any) -> Any:
    function, defaults = CALLS[call]
    kwargs = {k: ctx.resolve(v) for k, v in {**defaults, argument: value}.items()}
    return function(ctx, kwargs)


def shows(value: Any) -> str:
    """What the message must show of the value received."""
    if isinstance(value, str):
        return value.strip() or "chaîne"
    return str(value) if isinstance(value, Path) else repr(value)


def plain(error: BaseException) -> str:
    """The message with its no-break spaces as plain ones."""
    return str(error).replace("\u202f", " ").replace("\u00a0", " ")


def same(result: Any, expected: Any) -> None:
    if isinstance(result, pd.DataFrame):
        pd.testing.assert_frame_equal(result, expected)
    else:
        assert result == expected


@pytest.mark.daily_cases(25)  # 25 of the ~500 cases daily, spread over the table; all in the full run
@pytest.mark.parametrize(("call", "argument", "value", "verdict", "canonical"), CASES)
def test_a_wrong_argument_is_read_or_refused_in_french(ctx, call, argument, value, verdict, canonical):
    value = ctx.resolve(value)
    if verdict == ACCEPTED:
        same(run(ctx, call, argument, value), run(ctx, call, argument, ctx.resolve(canonical)))
        return
    with pytest.raises(ConsultationError) as raised:
        run(ctx, call, argument, value)
    message, text = str(raised.value), plain(raised.value)
    assert argument in text or NAMED_AS.get(argument, argument) in text, message
    assert shows(value) in text, message
    if isinstance(raised.value, ArgumentError):
        assert "\u202f:" in message and " :" not in message, message  # French typography


def test_refused_folders_and_themes_leave_nothing_behind(ctx):
    with pytest.raises(ArgumentError, match="fmt=\"xlsx\""):
        ctx.db.export_tallies("decomptes.xlsx", fmt="xlsx")
    assert not (ctx.tmp / "decomptes.xlsx").exists()
    copy = ctx.mini_copy()
    before = (copy / "consultation.yaml").read_text(encoding="utf-8")
    with pytest.raises(ArgumentError, match="keywords"):
        notebook.add_theme(copy, "q1", "q1_nouveau", "Nouveau", "tva, impôts")
    assert (copy / "consultation.yaml").read_text(encoding="utf-8") == before


def test_a_copy_never_replaces_its_source(ctx):
    source = ctx.mini_copy()  # not MINI_DIR: without the check, the copy erased its source
    for target in (source, source / "copie", source.parent):
        with pytest.raises(ArgumentError, match="target_dir"):
            notebook.demo_consultation(source, target)
        assert (source / "consultation.yaml").is_file()


def test_arguments_that_contradict_each_other(ctx):
    with pytest.raises(ArgumentError) as raised:
        ctx.db.tallies(by="region", region="Occitanie")
    assert "by : « region » " in plain(raised.value) and "region='Occitanie'" in plain(raised.value)
    with pytest.raises(ArgumentError, match="region, structure_type"):
        ctx.db.comparison()


def test_a_processed_folder_without_the_base_is_said_so(ctx):
    with pytest.raises(NotInDatabaseError, match="consultation run"):
        notebook.review_sheet(MINI_DIR, ctx.tmp / "vide")
    assert not (ctx.tmp / "vide").exists()


@pytest.mark.parametrize("statement", ["DELETE FROM respondents", "CREATE TABLE essai (x INTEGER)",
                                       "UPDATE respondents SET region = 'x'"])
def test_a_write_on_the_read_only_base_is_explained(ctx, statement):
    with pytest.raises(ReadOnlyDatabaseError, match=r"lecture seule.*read_only=False"):
        ctx.db.sql(statement)


DATABASE_CALLS = [name for name in CALLS if name not in ("open", "resolve_db_path", "connect", "canonical_region", "demo_consultation", "review_sheet",
                                                          "discover", "add_theme", "ensure_database")]


@pytest.mark.daily_cases(4)  # 4 of the methods daily; all in the full run
@pytest.mark.parametrize("call", DATABASE_CALLS)
def test_a_closed_database_says_so(ctx, call):
    db = consultation.open(ctx.db_path)
    db.close()
    db.close()  # twice is harmless
    closed = Context(db, ctx.db_path, ctx.processed, ctx.tmp)
    function, defaults = CALLS[call]
    with pytest.raises(ClosedDatabaseError, match="fermée"):
        function(closed, {k: closed.resolve(v) for k, v in defaults.items()})


def test_every_public_method_and_argument_is_in_the_table():
    """A new method or argument of Database shows up here until it has a row in ARGUMENTS."""
    import inspect

    from consultation.api import Database

    covered = {(CALLS_METHOD.get(call, call), argument) for call, argument, _, _ in ARGUMENTS}
    without_arguments = {"close", "consultations", "questions", "regions", "structure_types", "quarantine"}
    for name, method in inspect.getmembers(Database, inspect.isfunction):
        if name.startswith("_") or name in without_arguments:
            continue
        for parameter in list(inspect.signature(method).parameters)[1:]:
            assert (name, parameter) in covered, (name, parameter)


CALLS_METHOD = {"tallies_by": "tallies", "tallies_structure": "tallies", "comparison_structure": "comparison",
                "answers_behind_theme": "answers_behind", "codings_filters": "codings"}
