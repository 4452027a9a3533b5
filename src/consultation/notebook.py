"""Small helpers that keep the analyst notebooks free of logic: they only call the package.

Their arguments are checked as the API's are (consultation.arguments): a wrong one raises
consultation.errors.ArgumentError, in French, before anything slow is loaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from consultation import arguments
from consultation.codebook import Consultation, load_consultation
from consultation.errors import ArgumentError, DatabaseBusyError, NotInDatabaseError
from consultation.fmt import count, integer, plural
from consultation.publish.typography import french
from consultation.store.paths import OutputPaths

if TYPE_CHECKING:
    from consultation.api import Database


def _consultation(consultation_dir: object, name: str = "consultation_dir") -> Consultation:
    """The consultation of a folder given as a path (a number or "" is refused in French)."""
    return load_consultation(arguments.path(
        name, consultation_dir, "le dossier de la consultation attendu (texte ou Path)"))


def _processed_root(processed_root: object) -> Path:
    return arguments.path("processed_root", processed_root, "le dossier des sorties attendu (texte ou Path)")


def ensure_database(consultation_dir: str | Path, processed_root: str | Path) -> Path:
    """The consultation's DuckDB file, running the whole pipeline first if it does not exist yet."""
    consultation = _consultation(consultation_dir)
    processed_root = _processed_root(processed_root)
    paths = OutputPaths.for_consultation(processed_root, consultation.id)
    if not paths.db.exists():
        from consultation.pipeline import run

        run(consultation_dir, processed_root=processed_root)
    return paths.db


def chart_path(db: Database, question_id: str, region: str | None = None) -> Path:
    """The PNG the pipeline wrote: national chart, or the national-versus-regional one.

    The question and the region are read as `db.tallies` reads them (« occitanie », 34); an
    unknown one raises NotInDatabaseError rather than name a chart that cannot exist.
    """
    from consultation.api import Database
    from consultation.publish.charts import comparison_stem

    if not isinstance(db, Database):
        raise arguments.refuse("db", db, "une base ouverte par consultation.open(...) attendue")
    if db.path is None:
        raise ArgumentError(french(
            "db : base ouverte depuis une connexion DuckDB, sans fichier : aucun dossier de graphiques "
            "n'est connu ; ouvrez-la par son chemin, consultation.open(chemin)"))
    question_id = db._question(question_id, required=True, name="question_id")  # type: ignore[assignment]
    region = db._region(region)
    charts = OutputPaths(db.path.parent).charts
    stem = comparison_stem(charts, region, question_id) if region else charts / question_id
    return stem.with_suffix(".png")


def show_comparison_chart(db: Database, question_id: str, region: str | None = None, width: int = 700) -> Any:
    """Display a chart inline in Jupyter (the same file the reports embed), or say in French why
    there is none: a comparison chart is drawn only where a region has at least two published
    regional figures (statistical disclosure control), as in the reports."""
    from IPython.display import Image, Markdown

    width = arguments.whole("width", width, minimum=1)
    path = chart_path(db, question_id, region)
    if not path.is_file():
        return Markdown(
            f"*Pas de graphique publié pour « {question_id} »"
            + (f" et la région {region}" if region else "")
            + " : moins de deux thèmes y ont un chiffre régional publiable (secret statistique),"
            " comme dans les rapports. Les chiffres exacts sont dans le tableau ci-dessus.*"
        )
    return Image(filename=str(path), width=width)


# -- review loop (notebook 02) and theme discovery (notebook 03) ------------------------------


def demo_consultation(sample_dir: str | Path, target_dir: str | Path, *, keep_share: float = 0.4, seed: int = 0) -> Path:
    """A copy of a consultation keeping the human codes of only a share of respondents.

    It shows the cold-start situation (few answers coded by hand) without touching data/raw:
    the copy is written under the processed folder.
    """
    import shutil

    import pandas as pd

    keep_share = arguments.share("keep_share", keep_share, closed_high=True, hint="0.4 pour en garder 40 %")
    seed = arguments.whole("seed", seed, minimum=0)
    consultation = _consultation(sample_dir, "sample_dir")
    source, target = Path(sample_dir), arguments.path("target_dir", target_dir, "un dossier attendu (texte ou Path)")
    inside = source.resolve() == target.resolve() or source.resolve() in target.resolve().parents
    if inside or target.resolve() in source.resolve().parents:
        raise arguments.refuse(
            "target_dir", target_dir, "un dossier hors de celui de la consultation attendu",
            f"la copie remplace target_dir : elle effacerait {sample_dir}")
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target)
    for name in consultation.sources.human_codes:
        for path in target.glob(name if isinstance(name, str) else name.path):
            codes = pd.read_csv(path, dtype=str, keep_default_na=False)
            respondents = codes["respondent_id"].drop_duplicates().sample(frac=keep_share, random_state=seed)
            codes[codes["respondent_id"].isin(set(respondents))].to_csv(path, index=False)
    return target


def _session(consultation_dir: str | Path, processed_root: str | Path):
    import duckdb

    from consultation import store

    consultation = _consultation(consultation_dir)
    paths = OutputPaths.for_consultation(_processed_root(processed_root), consultation.id)
    if not paths.db.is_file():  # store.connect would create an empty base there
        raise NotInDatabaseError(french(
            f"processed_root : aucune base traitée de « {consultation.id} » dans {processed_root} "
            f"({paths.db} n'existe pas) ; lancez d'abord « consultation run », ou ensure_database(...)"))
    try:
        return consultation, paths, store.connect(paths.db)
    except duckdb.ConnectionException as exc:
        if "different configuration" not in str(exc):
            raise
        raise DatabaseBusyError(french(
            f"{paths.db} est déjà ouverte en lecture dans ce noyau (consultation.open) : fermez-la d'abord "
            "(db.close(), ou un bloc with), cette étape doit l'écrire")) from None


def review_sheet(consultation_dir: str | Path, processed_root: str | Path, n_answers: int = 15) -> Any:
    """The answers the coder is least sure of (as in the XLSX review sheet), one row per unit."""
    from consultation.coding.review import review_candidates
    from consultation.coding.training import load_engine
    from consultation.text import Lemmatizer, load_nlp

    n_answers = arguments.whole("n_answers", n_answers, minimum=1)
    consultation, _, con = _session(consultation_dir, processed_root)
    try:
        engine = load_engine(con, consultation, Lemmatizer(load_nlp()))
        frame = review_candidates(con, engine, n_answers=n_answers)
    finally:
        con.close()
    return frame.assign(decision="", corrected="")


def save_review(consultation_dir: str | Path, processed_root: str | Path, reviewed: Any) -> Any:
    """Store the rows whose `decision` is « Accepter » or « Corriger » as human codes.

    Goes through the same XLSX sheet and validation as `consultation review import`.
    """
    from openpyxl import load_workbook

    from consultation.coding.review import COLUMNS, SHEET, import_review, write_review_sheet

    consultation, paths, con = _session(consultation_dir, processed_root)
    try:
        sheet = write_review_sheet(reviewed, consultation, paths.root / "revue" / "carnet.xlsx")
        wb = load_workbook(sheet)
        ws = wb[SHEET]
        header = [c.value for c in ws[1]]
        col_decision = header.index(COLUMNS["decision"]) + 1
        col_corrected = header.index(COLUMNS["corrected"]) + 1
        for offset, row in enumerate(reviewed.itertuples(index=False), start=2):
            ws.cell(row=offset, column=col_decision, value=row.decision)
            ws.cell(row=offset, column=col_corrected, value=row.corrected)
        wb.save(sheet)
        return import_review(con, consultation, sheet)
    finally:
        con.close()


def recode(consultation_dir: str | Path, processed_root: str | Path) -> Any:
    """Retrain on the human codes (old and new) and code again, as `consultation code` does."""
    from consultation.coding.coder import code_and_evaluate
    from consultation.text import Lemmatizer, load_nlp

    consultation, paths, con = _session(consultation_dir, processed_root)
    try:
        return code_and_evaluate(con, consultation, Lemmatizer(load_nlp()), output_root=paths.root)
    finally:
        con.close()


def agreement(consultation_dir: str | Path, processed_root: str | Path) -> Any:
    """Agreement with human coders per question (cross-validation), as a DataFrame."""
    import pandas as pd

    from consultation.coding.evaluate import evaluate_consultation
    from consultation.text import Lemmatizer, load_nlp

    consultation, _, con = _session(consultation_dir, processed_root)
    try:
        evaluation = evaluate_consultation(con, consultation, Lemmatizer(load_nlp()))
    finally:
        con.close()
    rows = [
        {"question": q.question_id, "moteur": q.engine, "unités codées à la main": q.n_units,
         "F1 micro": q.micro_f1, "marge F1 (≈ 95 %)": _margin(q.micro_f1, q.n_units), "F1 macro": q.macro_f1,
         "kappa": q.kappa, "F1 micro (thème le plus fréquent)": q.majority_micro_f1}
        for q in evaluation.questions
    ]
    rows.append({"question": "toutes", "moteur": "", "unités codées à la main": evaluation.n_units,
                 "F1 micro": evaluation.micro_f1, "marge F1 (≈ 95 %)": _margin(evaluation.micro_f1, evaluation.n_units),
                 "F1 macro": evaluation.macro_f1, "kappa": evaluation.kappa, "F1 micro (thème le plus fréquent)": None})
    return pd.DataFrame(rows)


def _margin(score: float | None, n_units: int) -> float | None:
    """Order of magnitude of a score's sampling noise on n units: 1.96 × √(p(1 − p)/n), as for a
    proportion (units taken as independent). On 20 units a score of 0.8 is ± 0.18: a change
    smaller than that says nothing."""
    if score is None or n_units <= 0:
        return None
    return round(1.96 * (score * (1 - score) / n_units) ** 0.5, 2)


def reviewer_decisions(sample_dir: str | Path, reviewed: Any) -> Any:
    """Fill a review sheet with the decisions of the sample's own human coders.

    The demo copy (`demo_consultation`) dropped the human codes of most respondents; the original
    sample still has them. They play the reviewer: a row whose suggested themes are the coders'
    is accepted, any other is corrected to the coders' themes. A proposition the coders did not
    quote (their excerpt matches no unit text) is accepted as suggested and marked so.
    """
    import re

    import pandas as pd

    consultation = load_consultation(sample_dir)
    frames = [pd.read_csv(p, dtype=str, keep_default_na=False)
              for f in consultation.sources.human_code_files for p in Path(sample_dir).glob(f.path)]
    codes = pd.concat(frames, ignore_index=True)
    units = {q.id: q.unit for q in consultation.questions}

    def norm(text: str) -> str:
        return re.sub(r"[\W_]+", " ", str(text)).strip().casefold()

    out = reviewed.copy()
    decisions, corrected, reference = [], [], []
    for row in out.itertuples(index=False):
        mine = codes[(codes["respondent_id"] == row.respondent_id) & (codes["question_id"] == row.question_id)]
        if units.get(row.question_id) == "propositions":
            text = norm(row.text)
            mine = mine[[bool(t) and (norm(t) in text or text in norm(t)) for t in mine["text"].map(norm)]]
        themes = sorted(set(mine["theme_id"]))
        suggested = sorted(t.strip() for t in str(row.suggested).split(";") if t.strip())
        if not themes or themes == suggested:
            decisions.append("Accepter")
            corrected.append("")
        else:
            decisions.append("Corriger")
            corrected.append(" ; ".join(themes))
        reference.append(" ; ".join(themes) if themes else "(pas de code humain pour ce texte)")
    return out.assign(decision=decisions, corrected=corrected, reference=reference)


def discover(consultation_dir: str | Path, processed_root: str | Path, question_id: str | None = None) -> Any:
    """Suggested themes among the « Autres » answers: one row per lead (terms, size, the words its
    answers share, an existing theme it resembles, examples)."""
    from consultation.coding.discover import discover_themes
    from consultation.text import Lemmatizer, load_nlp

    if question_id is not None:
        question_id = _question_of(_consultation(consultation_dir), question_id, "question_id")
    consultation, _, con = _session(consultation_dir, processed_root)
    try:
        results = discover_themes(con, consultation, Lemmatizer(load_nlp()), question_id=question_id)
    finally:
        con.close()
    return _leads_frame([(r.question.id, lead) for r in results for lead in r.leads])


LEAD_COLUMNS = ["question", "piste", "réponses", "mots partagés", "réponses avec ce mot", "expressions",
                "thème proche", "exemples"]


def _leads_frame(leads: list[tuple[str, Any]]) -> Any:
    import pandas as pd

    rows = [
        {"question": q, "piste": lead.name, "réponses": lead.size, "mots partagés": ", ".join(lead.shared),
         "réponses avec ce mot": lead.support, "expressions": ", ".join(lead.phrases), "thème proche": lead.near_theme, "exemples": " | ".join(lead.examples)}
        for q, lead in leads
    ]
    frame = pd.DataFrame(rows, columns=LEAD_COLUMNS)
    order = (frame["réponses avec ce mot"] / frame["réponses"].clip(lower=1)).rename("cohésion")
    frame = frame.assign(**{"cohésion": order}).sort_values(["cohésion", "réponses avec ce mot"], ascending=False, kind="stable")
    return frame.drop(columns="cohésion").reset_index(drop=True)


# -- discovery on any set of coded answers (notebook 03) --------------------------------------

GRAND_DEBAT = Path("grand-debat-fiscalite") / "answers.csv"
OTHER = "Autres"


def shared_data_dir(root: str | Path) -> Path:
    """Where the real answers are kept beside the project (`../shared/data/`), read in place."""
    return Path(root).resolve().parent / "shared" / "data"


def coded_answers(root: str | Path, consultation_dir: str | Path, processed_root: str | Path) -> tuple[str, Any]:
    """(what they are, one row per answer: `text`, `themes` as a list of labels, « Autres » when
    no theme applies) — the Grand Débat's question 163 with its volunteers' labels when
    `../shared/data/` holds it, else the sample question with the most « Autres » answers."""
    import pandas as pd

    real = shared_data_dir(root) / GRAND_DEBAT
    if real.is_file():
        frame = pd.read_csv(real, dtype=str, keep_default_na=False)
        themes = frame["labels"].map(lambda v: [t for t in v.split("|") if t] or [OTHER])
        return ("Grand Débat national (2019), question 163 : « " + frame["question_text"].iloc[0] + " »",
                pd.DataFrame({"text": frame["answer"], "themes": themes}))
    source, _, chosen = _answers_with_most_others(consultation_dir, processed_root)
    return source, chosen


def _answers_with_most_others(consultation_dir: str | Path, processed_root: str | Path) -> tuple[str, str, Any]:
    """(what they are, question id, one row per unit with its themes) for the consultation's
    question with the most « Autres » units."""
    return next(iter(_questions_by_others(consultation_dir, processed_root)))


def _questions_by_others(consultation_dir: str | Path, processed_root: str | Path) -> list[tuple[str, str, Any]]:
    """(what they are, question id, one row per unit with its themes) for each question with
    « Autres » units, the most first."""
    from consultation.store import queries

    consultation, _, con = _session(consultation_dir, processed_root)
    try:
        rows = queries.coded_units_with_themes(con, consultation.id)
    finally:
        con.close()
    others = rows[rows["themes"].map(lambda t: OTHER in t)].groupby("question_id").size()
    order = sorted(others.index, key=lambda q: (-int(others[q]), str(q)))  # most « Autres » first
    out = []
    for question in order:
        text = next(q.text for q in consultation.questions if q.id == question)
        chosen = rows[rows["question_id"] == question]
        out.append((f"{consultation.title}, question {question} : « {text} »", str(question),
                    chosen[["text", "themes"]].reset_index(drop=True)))
    return out


def consultation_lead(consultation_dir: str | Path, processed_root: str | Path) -> tuple[str, Any, dict[str, Any] | None]:
    """On the consultation itself (not the real answers): (what was searched, the leads, the first
    lead as a theme to add, with its question and an id). Questions are searched from the one
    with the most « Autres » down, until one has a lead. The theme keeps only the lead's words
    that stay close to it (`_distinctive`): a word found in many more of the question's answers
    than the lead holds (« santé » in a health consultation) would make a catch-all theme."""
    theme, first = None, None
    for source, question, answers in _questions_by_others(consultation_dir, processed_root):
        leads = leads_in_others(answers)
        first = first or (source, leads)
        theme = theme_from_lead(leads)
        if theme is not None:
            keywords = _distinctive(theme["keywords"], answers["text"].tolist(), theme["answers"])
            label = "Nouveau thème : " + ", ".join(keywords)
            return source, leads, {**theme, "label": label, "keywords": keywords, "question": question,
                                   "id": f"{question}_nouveau"}
    source, leads = first if first else ("", _no_leads())
    return source, leads, None


def _no_leads() -> Any:
    import pandas as pd

    return pd.DataFrame(columns=[c for c in LEAD_COLUMNS if c != "question"])


def _distinctive(keywords: list[str], texts: list[str], lead_size: int) -> list[str]:
    """The keywords whose rules match at most twice as many of `texts` as the lead holds (the one
    matching fewest when none does)."""
    from consultation.codebook import Question, Theme
    from consultation.coding.rules import RuleCoder
    from consultation.text import Lemmatizer, load_nlp

    question = Question(id="q", section="q", text="q", unit="respondents", columns=["q"], themes=[
        Theme(id=f"k{i}", label=k, keywords=[k]) for i, k in enumerate(keywords)])
    hits = RuleCoder([question], Lemmatizer(load_nlp())).code("q", texts)
    counts = [sum(any(h.theme_id == f"k{i}" for h in found) for found in hits) for i in range(len(keywords))]
    kept = [k for k, n in zip(keywords, counts, strict=True) if n <= 2 * lead_size]
    return kept or [min(zip(counts, keywords, strict=True))[1]]


def national_counts(db_path: str | Path, question_id: str) -> Any:
    """The national count of each theme of a question, as published (label -> count)."""
    from consultation.api import open as open_db

    with open_db(db_path) as db:
        frame = db.tallies(question_id)
    return frame.set_index("label")["count"].astype(int)


def counts_change(before: Any, after: Any) -> Any:
    """Two `national_counts` side by side: before and after a new run, and the difference."""
    import pandas as pd

    table = pd.DataFrame({"avant": before, "après": after}).fillna(0).astype(int)
    table["écart"] = table["après"] - table["avant"]
    table.index.name = "thème"
    return table.sort_values("après", ascending=False, kind="stable")


def pipeline_answer(source: str, theme: dict[str, Any] | None, change: Any, table: Any) -> str:
    """What adding the theme to the codebook and running again did, in French."""
    from consultation.publish.typography import french

    if theme is None:
        return french(f"{source} : pas de piste qu'aucun thème ne couvre, rien à ajouter au codebook.")
    row = table.loc[theme["label"]]
    other = table[table.index == OTHER]
    left = (f" ; « Autres » passe de {other['avant'].iloc[0]} à {other['après'].iloc[0]}" if len(other) else "")
    version = f" (codebook version {change.old_version} → {change.new_version})" if change is not None else ""
    return french(
        f"{source} : le thème « {theme['label']} » ajouté au fichier consultation.yaml compte "
        f"{row['après']} au nouveau traitement{version}{left}."
    )


def leads_in_others(answers: Any) -> Any:
    """The leads among the answers coded « Autres », with the minimum adapted to the number of
    answers (`discover.min_units`)."""
    from consultation.coding.discover import discover_question, min_units
    from consultation.publish.redact import Redactor
    from consultation.text import Lemmatizer, load_nlp

    others = answers.loc[answers["themes"].map(lambda t: OTHER in t), "text"].drop_duplicates().tolist()
    leads, note = discover_question(others, Lemmatizer(load_nlp()), redact=Redactor(), minimum=min_units(len(answers)))
    frame = _leads_frame([("", lead) for lead in leads]).drop(columns="question")
    frame.attrs["note"] = note
    frame.attrs["autres"] = len(others)
    return frame


def theme_from_lead(leads: Any) -> dict[str, Any] | None:
    """The first lead no existing theme covers, as a theme: its label and its keywords (its two-word
    expressions found in at least two answers, else the words half of its answers share:
    « supprimer tva » says more than « tva »)."""
    for lead in leads.to_dict("records"):
        if lead["thème proche"]:
            continue
        phrases = [w for w in lead["expressions"].split(", ") if w] or lead["mots partagés"].split(", ")
        return {"label": "Nouveau thème : " + ", ".join(phrases[:3]), "keywords": phrases[:3],
                "answers": int(lead["réponses"])}
    return None


def counts_with_theme(answers: Any, theme: dict[str, Any]) -> Any:
    """Answers per theme before and after adding `theme`, coded by its keywords as the coder's rules
    do for a theme no one has coded by hand yet: an answer of « Autres » it matches leaves « Autres »."""
    import pandas as pd

    from consultation.codebook import Question, Theme
    from consultation.coding.rules import RuleCoder
    from consultation.text import Lemmatizer, load_nlp

    question = Question(id="q", section="q", text="q", unit="respondents", columns=["q"], themes=[
        Theme(id="new", label=theme["label"], keywords=theme["keywords"]),
        Theme(id="other", label=OTHER)])
    hits = RuleCoder([question], Lemmatizer(load_nlp())).code("q", answers["text"].tolist())
    matched = pd.Series([bool(h) for h in hits], index=answers.index)
    after = [
        ([t for t in themes if t != OTHER] + [theme["label"]]) if hit else themes
        for themes, hit in zip(answers["themes"], matched, strict=True)
    ]
    before_counts = answers["themes"].explode().value_counts()
    after_counts = pd.Series(after).explode().value_counts()
    table = pd.DataFrame({"réponses avant": before_counts, "réponses après": after_counts}).fillna(0).astype(int)
    table["écart"] = table["réponses après"] - table["réponses avant"]
    table = table.sort_values("réponses après", ascending=False)
    table.index.name = "thème"
    return table[(table["réponses avant"] > 0) | (table["réponses après"] > 0)]


def discovery_answer(source: str, leads: Any, theme: dict[str, Any] | None, counts: Any) -> str:
    """The answer of notebook 03, in French: is there a theme in « Autres », and how many answers."""
    from consultation.publish.typography import french

    n_others = leads.attrs.get("autres", 0)
    if theme is None:
        near = [t for t in leads["thème proche"] if t]
        why = (f" ; les regroupements trouvés ressemblent à des thèmes existants ({', '.join(dict.fromkeys(near))}) : "
               "ce sont des réponses que le codage a manquées, à coder à la main (carnet 02)") if near else ""
        return french(f"{source} : parmi {count(n_others, 'réponse')} « Autres », pas de nouveau thème à proposer{why}.")
    row = counts.loc[theme["label"]]
    others = counts.loc[OTHER] if OTHER in counts.index else None
    left = (f" ; « Autres » passe de {integer(others['réponses avant'])} à {count(others['réponses après'], 'réponse')}"
            if others is not None else "")
    distinct = f" ({count(n_others, 'texte distinct', 'textes distincts')})" if others is not None and n_others != others["réponses avant"] else ""
    among = (f"{count(others['réponses avant'], 'réponse')} « Autres »{distinct}" if others is not None
             else f"{count(n_others, 'réponse')} « Autres »")
    return french(
        f"{source} : oui. Parmi les {among}, {integer(theme['answers'])} {plural(theme['answers'], 'forme', 'forment')} la piste "
        f"« {theme['label'].removeprefix('Nouveau thème : ')} ». Codé par ses mots-clés "
        f"({', '.join(theme['keywords'])}), ce thème réunit {count(row['réponses après'], 'réponse')}{left}. "
        "À nommer et à relire avant de l'ajouter au codebook."
    )


def _question_of(consultation: Consultation, question_id: object, name: str) -> str:
    """A question of the consultation file, stripped and in its stored case."""
    known = [q.id for q in consultation.questions]
    question = arguments.text(name, question_id, f"un identifiant de question attendu ({', '.join(known)})",
                              required=True)
    assert question is not None
    question = arguments.matching(question, known)
    if question not in known:
        raise NotInDatabaseError(french(
            f"{name} : question « {question} » inconnue dans la consultation {consultation.id} "
            f"(questions : {', '.join(known)})"))
    return question


def add_theme(consultation_dir: str | Path, question_id: str, theme_id: str, label: str, keywords: list[str]) -> Path:
    """Add a theme to the codebook (consultation.yaml) of a working copy; a new codebook version follows.

    Checked before the file is written: a known question, a theme id the question does not have yet,
    a label, and keywords as a list of words (a single string is refused: « tva, impôts » would be
    one keyword).
    """
    import yaml

    consultation = _consultation(consultation_dir)
    question_id = _question_of(consultation, question_id, "question_id")
    themes = next(q.themes for q in consultation.questions if q.id == question_id)
    theme_id = arguments.text("theme_id", theme_id, "un identifiant de thème attendu (texte)", required=True)  # type: ignore[assignment]
    if theme_id in {t.id for t in themes}:
        raise arguments.refuse("theme_id", theme_id, f"un thème nouveau pour {question_id} attendu : il existe déjà")
    label = arguments.text("label", label, "un libellé de thème attendu (texte)", required=True)  # type: ignore[assignment]
    if isinstance(keywords, str) or not isinstance(keywords, (list, tuple)) or not keywords or not all(
            isinstance(k, str) and k.strip() for k in keywords):
        raise arguments.refuse("keywords", keywords, "une liste de mots-clés non vides attendue",
                               "par exemple [\"tva\", \"impôts\"]")
    keywords = [k.strip() for k in keywords]
    path = Path(consultation_dir) / "consultation.yaml"
    data: Any = _load_yaml(path)  # a file broken by hand is told in French, as `consultation run` tells it
    question = next(q for q in data["questions"] if q["id"] == question_id)
    question["themes"].insert(max(0, len(question["themes"]) - 1), {
        "id": theme_id, "label": label, "description": "Thème ajouté depuis le carnet de découverte.",
        "keywords": keywords,
    })
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    load_consultation(path)  # validated before anyone runs it
    return path


def agreement_change(before: Any, after: Any) -> str:
    """The answer of notebook 02, in words: did the review change agreement by more than its noise?"""
    b = before.set_index("question").loc["toutes"]
    a = after.set_index("question").loc["toutes"]
    if b["F1 micro"] is None or a["F1 micro"] is None:
        return "Accord non mesuré : pas assez de réponses codées à la main."
    change = a["F1 micro"] - b["F1 micro"]
    margin = max(b["marge F1 (≈ 95 %)"] or 0, a["marge F1 (≈ 95 %)"] or 0)
    verdict = ("plus grand que la marge : la relecture a changé l'accord mesuré" if abs(change) > margin
               else "dans la marge : on ne peut pas dire que l'accord a changé")
    return (f"Toutes questions : F1 micro {_fr(b['F1 micro'])} sur {count(b['unités codées à la main'], 'unité')} avant "
            f"la relecture, {_fr(a['F1 micro'])} sur {integer(a['unités codées à la main'])} après ; écart "
            f"{'+' if change >= 0 else '−'}{_fr(abs(change))}, marge ± {_fr(margin)} : {verdict}.")


def _fr(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def results_answer(national: Any, comparison: Any, region: str) -> str:
    """The answer of notebook 01, in French: the theme cited most nationally, and whether the region
    differs from the rest of the country (only differences the exact test supports)."""
    from consultation.publish.typography import french

    top = national.sort_values("count", ascending=False).iloc[0]
    share = f"{top['share_pct']:.0f}".replace(".", ",")
    differs = comparison[comparison["significant"].astype(bool)]
    small = int(comparison["too_small"].astype(bool).sum())
    if len(differs):
        region_part = " ; ".join(
            f"« {r.label} » {r.flag} ({'+' if r.diff_points > 0 else '−'}{count(abs(r.diff_points), 'point')})"
            for r in differs.itertuples()
        )
        region_part = f"En {region}, des écarts nets avec le reste du pays : {region_part}."
    else:
        region_part = (f"En {region}, aucun écart avec le reste du pays n'est assez net pour être affirmé "
                       "(test exact de Fisher)")
        region_part += (f", et {count(small, 'thème a', 'thèmes ont')} un effectif trop faible pour être "
                        f"{plural(small, 'comparé')}." if small else ".")
    return french(f"Au niveau national, le thème le plus cité est « {top['label']} » ({integer(top['count'])} ; {share} % "
                  f"des répondants ayant répondu). {region_part}")


def _load_yaml(path: Path) -> Any:
    from consultation.codebook import load_yaml

    return load_yaml(path)
