"""Theme discovery: what the answers left in « Autres » have in common, as leads for new themes.

Per question, the units whose final code is « Autres » (human or automatic) are described by the
TF-IDF of their content lemmas and factorised with NMF; each component is a lead, shown with its
most characteristic words and the three answers that weigh most on it (contact details and
structure names redacted). The report is short and in French: an analyst reads it, decides
whether a lead is a theme, and adds it to the codebook with its keywords.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfVectorizer

from consultation import store
from consultation.codebook import Consultation, Question
from consultation.fmt import count, integer
from consultation.text import Lemmatizer, normalise_text

# How many « Autres » units a question needs before leads are proposed. It adapts to the size of
# the consultation: one « Autres » unit per RESPONDENTS_PER_UNIT respondents, never fewer than
# MIN_UNITS_FLOOR (two leads of MIN_LEAD answers each: below that there is nothing to compare) and
# never more than MIN_UNITS (a large consultation needs no more than that to show a grouping).
MIN_UNITS = 6
MIN_UNITS_FLOOR = 4
RESPONDENTS_PER_UNIT = 20
# A lead is a group of answers at least half of which (and at least MIN_LEAD) share one of its
# characteristic words: one answer on its own is an answer, not a theme, and a group held together
# by no common word is an artefact of the factorisation.
MIN_LEAD = 2
EXAMPLES = 3
TOP_TERMS = 8
QUOTE_CHARS = 280


@dataclass
class Lead:
    terms: list[str]
    size: int
    examples: list[str]
    shared: list[str] = field(default_factory=list)  # characteristic words in at least half (and MIN_LEAD) of its answers
    support: int = 0  # answers of the lead holding its most shared word
    members: list[int] = field(default_factory=list)  # positions of its answers in the texts given
    phrases: list[str] = field(default_factory=list)  # two-word terms held by at least MIN_LEAD answers
    near_theme: str = ""  # label of an existing theme whose keywords match most of its answers

    @property
    def name(self) -> str:
        return ", ".join(self.terms[:3])


@dataclass
class QuestionDiscovery:
    question: Question
    n_units: int  # units coded « Autres »
    n_human: int  # of which coded by hand
    leads: list[Lead] = field(default_factory=list)
    note: str = ""  # why there are no leads


def min_units(n_respondents: int) -> int:
    """The number of « Autres » units a question needs for discovery, for a consultation of
    `n_respondents` respondents: ⌈n / 20⌉, between 4 and 6 (47 respondents: 4; 120 or more: 6)."""
    return int(min(MIN_UNITS, max(MIN_UNITS_FLOOR, math.ceil(n_respondents / RESPONDENTS_PER_UNIT))))


def n_respondents(con: duckdb.DuckDBPyConnection, consultation: Consultation) -> int:
    """Respondents of the consultation (those with at least one answer)."""
    return int(store.scalar(
        con, "SELECT count(DISTINCT respondent_id) FROM stg_answers WHERE consultation_id = ?", [consultation.id]
    ))


def other_units(con: duckdb.DuckDBPyConnection, consultation: Consultation, question: Question) -> list[tuple[str, str]]:
    """(text, source) of the units coded « Autres » for a question, distinct texts."""
    rows = con.execute(
        "SELECT DISTINCT CASE WHEN f.source = 'human' AND trim(f.unit_text) = '' THEN a.text ELSE f.unit_text END, "
        "f.source FROM final_codes f JOIN stg_answers a USING (consultation_id, respondent_id, question_id) "
        "WHERE f.consultation_id = ? AND f.question_id = ? AND f.theme_id = ? ORDER BY 1",
        [consultation.id, question.id, question.other_theme.id],
    ).fetchall()
    seen: dict[str, str] = {}
    for text, source in rows:
        if text and text not in seen:
            seen[text] = source
    return list(seen.items())


def discover_question(
    texts: list[str],
    lemmatizer: Lemmatizer,
    *,
    n_leads: int | None = None,
    redact: object = None,
    seed: int = 0,
    minimum: int = MIN_UNITS,
) -> tuple[list[Lead], str]:
    """Leads from the texts of one question's « Autres » units; (leads, note when there are none).

    `minimum` is the number of texts below which no grouping is attempted (see `min_units`); a
    group of fewer than MIN_LEAD texts is not a lead."""
    if len(texts) < minimum:
        return [], (f"trop peu de réponses « Autres » ({integer(len(texts))}, il en faut {integer(minimum)}) "
                    "pour proposer des regroupements")
    documents = [" ".join(lemmas) for lemmas in lemmatizer(texts)]
    k = n_leads or int(np.clip(round(np.sqrt(len(texts) / 3)), 2, 8))
    k = max(1, min(k, len(texts) // 2))
    try:
        vectorizer = TfidfVectorizer(
            token_pattern=r"[^\s\d][^\s]+", min_df=2 if len(texts) >= 30 else 1, max_df=0.8 if len(texts) >= 10 else 1.0,
            ngram_range=(1, 2), sublinear_tf=True,
        )
        X = vectorizer.fit_transform(documents)
    except ValueError:
        return [], "les réponses « Autres » n'ont pas assez de mots en commun"
    if X.shape[1] < 2:
        return [], "les réponses « Autres » n'ont pas assez de mots en commun"
    k = min(k, X.shape[1])
    model = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=500)
    W = model.fit_transform(X)
    H = model.components_
    terms = vectorizer.get_feature_names_out()
    assigned = np.where(W.max(axis=1) > 0, W.argmax(axis=1), -1)
    leads = []
    for c in range(k):
        members = np.flatnonzero(assigned == c)
        if len(members) < MIN_LEAD:
            continue
        top = [str(terms[i]) for i in np.argsort(H[c])[::-1][:TOP_TERMS] if H[c, i] > 0]
        words = [set(documents[i].split()) for i in members]
        held = {t: sum(1 for w in words if set(t.split()) <= w) for t in top}
        need = max(MIN_LEAD, math.ceil(len(members) / 2))
        shared = sorted((t for t in top if held[t] >= need), key=lambda t: -held[t])
        if not shared:  # grouped by the factorisation, but no characteristic word in half of them
            continue
        best = members[np.argsort(W[members, c])[::-1][:EXAMPLES]]
        examples = [_quote(texts[i], redact) for i in best]
        phrases = [t for t in top if " " in t and held[t] >= MIN_LEAD]
        leads.append(Lead(top, len(members), examples, shared, held[shared[0]], [int(i) for i in members], phrases))
    # Most cohesive first (the share of its answers holding its most shared word), then largest.
    leads.sort(key=lambda lead: (-lead.support / lead.size, -lead.support))
    if not leads:
        return [], "aucun groupe de réponses dont la moitié au moins partage un mot"
    return leads, ""


def _quote(text: str, redact: object) -> str:
    clean = normalise_text(text).replace("\n", " / ")
    if callable(redact):
        clean = redact(clean)
    return clean if len(clean) <= QUOTE_CHARS else clean[: QUOTE_CHARS - 1].rstrip() + "…"


def discover_themes(
    con: duckdb.DuckDBPyConnection,
    consultation: Consultation,
    lemmatizer: Lemmatizer,
    *,
    question_id: str | None = None,
    n_leads: int | None = None,
) -> list[QuestionDiscovery]:
    """Leads for every question (or one), from the answers currently coded « Autres »."""
    from consultation.coding.rules import RuleCoder
    from consultation.publish.redact import Redactor

    redactor = Redactor.for_consultation(con, consultation)
    rules = RuleCoder(consultation.questions, lemmatizer)
    minimum = min_units(n_respondents(con, consultation))
    out = []
    for question in consultation.questions:
        if question_id is not None and question.id != question_id:
            continue
        units = other_units(con, consultation, question)
        texts = [t for t, _ in units]
        leads, note = discover_question(texts, lemmatizer, n_leads=n_leads, redact=redactor, minimum=minimum)
        for lead in leads:
            lead.near_theme = near_theme(rules, question, [texts[i] for i in lead.members])
        out.append(QuestionDiscovery(question, len(units), sum(1 for _, s in units if s == "human"), leads, note))
    return out


def near_theme(rules, question: Question, texts: list[str]) -> str:
    """The label of the existing theme whose keywords match at least half of these answers (the
    most of them), or "": such a lead is a theme the coder missed, not a new one."""
    hits = rules.code(question.id, texts)
    counts: dict[str, int] = {}
    for unit in hits:
        for hit in unit:
            counts[hit.theme_id] = counts.get(hit.theme_id, 0) + 1
    if not counts:
        return ""
    theme_id, n = max(counts.items(), key=lambda item: (item[1], item[0]))
    if 2 * n < len(texts):
        return ""
    return next((t.label for t in question.themes if t.id == theme_id), theme_id)


# Markdown's active characters: escaped with a backslash, so answers stay text (no link, no
# emphasis, no code); '<' and '&' become entities, so no raw HTML or entity reaches a renderer.
_MD_ACTIVE = re.compile(r"([\\`*{}\[\]#|~]|(?<![^\W_])_|_(?![^\W_]))")


def md_text(text: str) -> str:
    """Any text shown in the Markdown file, made inert: what the reader sees is what was written.
    On one line, so that no line of it can start a heading, a list or a block of HTML."""
    text = " ".join(text.split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_ACTIVE.sub(r"\\\1", text)


def discovery_markdown(consultation: Consultation, results: list[QuestionDiscovery]) -> str:
    """The report, in French; every text from answers or the consultation file is escaped."""
    lines = [
        f"# Thèmes à explorer parmi les réponses « Autres » — {md_text(consultation.title)}",
        "",
        "Regroupements automatiques (NMF sur les lemmes) des réponses qu'aucun thème du codebook ne "
        "couvre. Ce sont des pistes, pas des thèmes : à lire, nommer, puis ajouter au codebook "
        "(`consultation.yaml`, avec des mots-clés) si elles le méritent, avant de relancer le codage.",
    ]
    for result in results:
        q = result.question
        lines += ["", f"## {md_text(q.id)} — {md_text(q.text)}", ""]
        human = f" dont {count(result.n_human, 'codée')} à la main" if result.n_human else ""
        lines.append(f"{count(result.n_units, 'réponse ou proposition classée', 'réponses ou propositions classées')} "
                     f"« Autres »{human}.")
        if not result.leads:
            lines += ["", f"Pas de piste : {md_text(result.note)}." if result.note else "Pas de piste."]
            continue
        for number, lead in enumerate(result.leads, start=1):
            lines += [
                "",
                f"### Piste {number} : « {md_text(lead.name)} » ({integer(lead.size)} réponse{'s' if lead.size > 1 else ''})",
                "",
                f"Mots caractéristiques : {md_text(', '.join(lead.terms))}.",
                "",
            ]
            if lead.near_theme:
                lines += [f"Proche du thème existant « {md_text(lead.near_theme)} » : ses mots-clés couvrent "
                          "la plupart de ces réponses ; à coder à la main plutôt qu'à ajouter.", ""]
            lines += [
                "Réponses représentatives :",
                "",
            ]
            lines += [f"- « {md_text(example)} »" for example in lead.examples]
    lines += ["", "Document de travail : les citations sont expurgées des coordonnées et des noms de structures, "
              "mais relisez-les avant toute diffusion."]
    return "\n".join(lines) + "\n"


def write_discovery(
    con: duckdb.DuckDBPyConnection,
    consultation: Consultation,
    lemmatizer: Lemmatizer,
    path: str | Path,
    *,
    question_id: str | None = None,
    n_leads: int | None = None,
) -> tuple[Path, list[QuestionDiscovery]]:
    results = discover_themes(con, consultation, lemmatizer, question_id=question_id, n_leads=n_leads)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(discovery_markdown(consultation, results), encoding="utf-8")
    return path, results
