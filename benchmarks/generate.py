"""Synthetic consultations of N answers that look like real ones, for the benchmarks.

What is realistic and where it comes from (measured on the sources, stored in the manifest):

- the questionnaire, codebook and export layout: the bundled sample `data/raw/segur-2020-sample`
  (7 coded questions, 3 counted in respondents and 4 in propositions, 1 free-text section);
- answer texts: templates drawn from the real answers of `../shared/data/entendre-la-france`
  (13,477 answers typed by citizens in 2019; read in place, never copied) and from the sample's
  own answers of each question (bullets, line breaks, the codebook's vocabulary). Short answers
  (three words or less: « Vote obligatoire », « RIC », « rien ») are kept as typed, so they repeat
  as they do in real consultations; longer ones keep their length, punctuation and line breaks
  but a quarter of their words are redrawn from the corpus vocabulary (by frequency), so that
  1M answers are not 13k answers repeated; a small share is copied verbatim (copy-paste
  campaigns), at the rate measured on the real answers;
- which questions a respondent answers: the sample's answer rate of each export column;
- regions: the real respondents' postal codes (or their region's name, spelled in the ways the
  sample spells them), blank where the real respondent gave none (about 1 in 5);
- structure types: the sample's shares of ACT, LAM and LHSS.

When the shared data is absent, the sample's answers are the only templates (and the manifest
says so). Output: a consultation folder (consultation.yaml, reponses.csv, codes_humains.csv for
a small share of answers) plus `batch/` with a second export of new respondents, used to time
an incremental update. Never written under data/raw.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "data" / "raw" / "segur-2020-sample"
REAL_ANSWERS = ROOT.parent / "shared" / "data" / "entendre-la-france" / "answers.csv"
DEFAULT_WORK = ROOT / "data" / "processed" / "bench"

GENERATOR_VERSION = 1
SHORT_WORDS = 3  # answers this short are kept as typed (they repeat in real consultations)
SUBSTITUTION_RATE = 0.25
SAMPLE_TEMPLATE_SHARE = 0.25  # share of templates taken from the sample's answers to the question
HUMAN_CODED_SHARE = 0.005
BATCH_ID_PREFIX = "L"
_WORD = re.compile(r"[^\W\d_]{4,}")
_NAME_VARIANTS = {  # spellings seen in the sample's « Région » column
    "Île-de-France": ["ile de france", "IDF"], "Provence-Alpes-Côte d'Azur": ["PACA"],
    "Nouvelle-Aquitaine": ["Nouvelle Aquitaine"], "Occitanie": ["occitanie"], "La Réunion": ["Reunion"],
}


@dataclass
class Corpus:
    """Everything the generator draws from, with where it came from."""

    templates: list[str]
    sample_templates: dict[str, list[str]]  # export column -> the sample's answers
    vocabulary: np.ndarray
    vocabulary_p: np.ndarray
    verbatim_rate: float
    regions: pd.DataFrame  # columns postal_code, region: one row per real respondent
    structure_types: pd.Series  # type -> share
    answer_rates: pd.Series  # export column -> share of respondents answering it
    consultation: dict
    sources: list[str]


def load_corpus(sample_dir: Path = SAMPLE_DIR, real_answers: Path = REAL_ANSWERS) -> Corpus:
    """Read the sample (required) and the real answers (when present) once."""
    config = yaml.safe_load((sample_dir / "consultation.yaml").read_text(encoding="utf-8"))
    export = pd.read_csv(sample_dir / config["sources"]["responses"][0], sep=";", dtype=str, encoding="utf-8-sig")
    text_columns = [c for q in config["questions"] for c in q["columns"]]
    for f in config.get("free_text", []):
        text_columns += f["columns"] + (f.get("follow_up") or {}).get("columns", [])
    sample_templates = {c: export[c].dropna().str.strip().loc[lambda s: s != ""].tolist() for c in text_columns}
    answer_rates = export[text_columns].notna().mean()
    structure_types = export[config["columns"]["structure_type"]].value_counts(normalize=True)
    sources = [str(sample_dir.relative_to(ROOT)) if sample_dir.is_relative_to(ROOT) else str(sample_dir)]

    coded = [t for c in text_columns for t in sample_templates[c]]
    if real_answers.is_file():
        real = pd.read_csv(real_answers, dtype=str)
        answers = real["answer"].fillna("").str.strip()
        answers = answers[answers != ""]
        long_answers = answers[answers.str.split().str.len() > SHORT_WORDS].str.casefold()
        verbatim_rate = float(long_answers.duplicated().mean())
        templates = answers.tolist()
        people = real.drop_duplicates("respondent_id")[["postal_code", "region"]]
        sources.append("../shared/data/entendre-la-france/answers.csv")
    else:
        verbatim_rate, templates = 0.02, list(coded)
        regions = export[config["columns"]["region"]]
        people = pd.DataFrame({"postal_code": None, "region": regions})
    counts = Counter(w.casefold() if w.isupper() else w for t in templates + coded for w in _WORD.findall(t))
    words = np.array(list(counts))
    freq = np.array(list(counts.values()), dtype=float)
    return Corpus(
        templates=templates, sample_templates=sample_templates, vocabulary=words,
        vocabulary_p=freq / freq.sum(), verbatim_rate=verbatim_rate, regions=people.reset_index(drop=True),
        structure_types=structure_types, answer_rates=answer_rates, consultation=config, sources=sources,
    )


class TextMaker:
    """Draws answer texts: short ones as typed, long ones with a share of words redrawn."""

    def __init__(self, corpus: Corpus, rng: np.random.Generator):
        self.corpus = corpus
        self.rng = rng
        self._pool = rng.choice(corpus.vocabulary, size=1 << 16, p=corpus.vocabulary_p)
        self._pool_at = 0

    def _word(self) -> str:
        if self._pool_at >= len(self._pool):
            self._pool = self.rng.choice(self.corpus.vocabulary, size=1 << 16, p=self.corpus.vocabulary_p)
            self._pool_at = 0
        self._pool_at += 1
        return str(self._pool[self._pool_at - 1])

    def texts(self, column: str, n: int) -> list[str]:
        own = self.corpus.sample_templates.get(column) or self.corpus.templates
        from_sample = self.rng.random(n) < SAMPLE_TEMPLATE_SHARE
        pick_real = self.rng.integers(0, len(self.corpus.templates), n)
        pick_own = self.rng.integers(0, len(own), n)
        verbatim = self.rng.random(n) < self.corpus.verbatim_rate
        out = []
        for i in range(n):
            template = own[pick_own[i]] if from_sample[i] else self.corpus.templates[pick_real[i]]
            out.append(template if verbatim[i] else self.mutate(template))
        return out

    def mutate(self, template: str) -> str:
        words = template.split(" ")
        if len(template.split()) <= SHORT_WORDS:
            return template
        draws = self.rng.random(len(words)) < SUBSTITUTION_RATE
        return " ".join(
            self._word() if draw and len(w) >= 4 and w.isalpha() else w
            for w, draw in zip(words, draws, strict=True)
        )


def _region_cells(corpus: Corpus, rng: np.random.Generator, n: int) -> list[str]:
    """A real respondent's postal code (60%), their region's name (40%), or nothing."""
    people = corpus.regions.iloc[rng.integers(0, len(corpus.regions), n)]
    as_name = rng.random(n) < 0.4
    variant = rng.random(n) < 0.2
    cells = []
    for (postal, region), name, var in zip(people.itertuples(index=False, name=None), as_name, variant, strict=True):
        postal = "" if pd.isna(postal) else str(postal)
        region = "" if pd.isna(region) else str(region)
        if region and (name or not postal):
            spellings = _NAME_VARIANTS.get(region)
            cells.append(spellings[0] if var and spellings else region)
        else:
            cells.append(postal)
    return cells


def respondents_for(corpus: Corpus, n_answers: int) -> int:
    """How many respondents give about `n_answers` non-blank answers to the coded questions."""
    per_respondent = 0.0
    for q in corpus.consultation["questions"]:
        blank_all = math.prod(1 - corpus.answer_rates[c] for c in q["columns"])
        per_respondent += 1 - blank_all
    return max(1, math.ceil(n_answers / per_respondent))


def make_export(corpus: Corpus, n_respondents: int, seed: int, id_prefix: str = "B") -> pd.DataFrame:
    """One row per respondent, in the sample's wide layout and headers."""
    rng = np.random.default_rng(seed)
    maker = TextMaker(corpus, rng)
    cols = corpus.consultation["columns"]
    width = len(str(n_respondents))
    frame = pd.DataFrame({
        "Horodateur": pd.Timestamp("2020-06-15")
        + pd.to_timedelta(rng.integers(0, 30 * 86400, n_respondents), unit="s"),
        cols["respondent_id"]: [f"{id_prefix}{i:0{width}d}" for i in range(1, n_respondents + 1)],
        cols["structure_name"]: [f"Structure {id_prefix}{i}" for i in range(1, n_respondents + 1)],
        cols["structure_type"]: rng.choice(
            corpus.structure_types.index.to_numpy(), n_respondents, p=corpus.structure_types.to_numpy()
        ),
        cols["region"]: _region_cells(corpus, rng, n_respondents),
    })
    frame["Horodateur"] = frame["Horodateur"].dt.strftime("%d/%m/%Y %H:%M:%S")
    for column, rate in corpus.answer_rates.items():
        answered = rng.random(n_respondents) < rate
        texts = np.full(n_respondents, "", dtype=object)
        texts[answered] = maker.texts(str(column), int(answered.sum()))
        frame[column] = texts
    return frame


HUMAN_CODES_VERSION = 2
HUMAN_NOISE = 0.15  # share of hand-coded answers where the coder adds or swaps a theme


def make_human_codes(corpus: Corpus, export: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Hand codes for a small share of answers, that depend on what the answer says, as real ones do.

    A coder here gives the themes whose codebook keywords occur in the answer (« Autres » when
    none does), and in HUMAN_NOISE of the answers swaps one theme for another or adds one: human
    coders disagree with keywords. Codes drawn at random, independent of the text (version 1),
    taught the model noise: it then gave most units six or seven themes, which no consultation
    looks like and which multiplied every later stage's work.
    """
    from consultation.codebook import load_consultation
    from consultation.coding.rules import RuleCoder
    from consultation.text import Lemmatizer, load_nlp

    rng = np.random.default_rng(seed + 1)
    questions = {q.id: q for q in load_consultation(SAMPLE_DIR).questions}
    rules = RuleCoder(list(questions.values()), Lemmatizer(load_nlp()))
    rid_col = corpus.consultation["columns"]["respondent_id"]
    rows = []
    for q in corpus.consultation["questions"]:
        answered = export[q["columns"]].ne("").any(axis=1).to_numpy()
        chosen = np.flatnonzero(answered & (rng.random(len(export)) < HUMAN_CODED_SHARE))
        cells = export[q["columns"]].iloc[chosen].to_numpy()
        texts = ["\n".join(v for v in row if v) for row in cells]
        keyworded = [t["id"] for t in q["themes"] if t.get("keywords")]
        other = questions[q["id"]].other_theme.id
        for i, hits in zip(chosen, rules.code(q["id"], texts), strict=True):
            themes = [h.theme_id for h in hits] or [other]
            if rng.random() < HUMAN_NOISE:
                extra = keyworded[int(rng.integers(0, len(keyworded)))]
                if themes == [other] or rng.random() < 0.5:
                    themes = [extra]
                elif extra not in themes:
                    themes.append(extra)
            rows += [(export[rid_col].iat[i], q["id"], theme, "") for theme in themes]
    return pd.DataFrame(rows, columns=["respondent_id", "question_id", "theme_id", "text"])


def make_batch(corpus: Corpus, respondents: int, seed: int, number: int = 1) -> pd.DataFrame:
    """The `number`-th export of new respondents of the consultation generated with `seed`.

    Batch 1 is the one `generate` writes (`batch/reponses-lot.csv`, ids L0001…); batch k > 1
    has ids Lk-0001… and its own draws, so that a database holding the consultation and any
    other batches can take it as another night's new answers (`--extra-batch`).
    """
    if number < 1:
        raise ValueError("batch numbers start at 1")
    prefix = BATCH_ID_PREFIX if number == 1 else f"{BATCH_ID_PREFIX}{number}-"
    return make_export(corpus, respondents, seed + 7919 * number, id_prefix=prefix)


def folder_for(n_answers: int, seed: int, work: Path = DEFAULT_WORK) -> Path:
    return Path(work) / f"n{n_answers}-s{seed}"


def generate(
    n_answers: int,
    *,
    seed: int = 0,
    work: Path = DEFAULT_WORK,
    batch_respondents: int = 1000,
    corpus: Corpus | None = None,
    force: bool = False,
) -> Path:
    """Write (or reuse, when its manifest matches) the consultation folder for `n_answers`."""
    folder = folder_for(n_answers, seed, work)
    if _is_under(folder, ROOT / "data" / "raw"):
        raise ValueError(f"refusing to write a benchmark consultation under data/raw: {folder}")
    manifest_path = folder / "manifest.json"
    wanted = {"generator_version": GENERATOR_VERSION, "n_answers": n_answers, "seed": seed,
              "batch_respondents": batch_respondents}
    if manifest_path.is_file() and not force:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if all(manifest.get(k) == v for k, v in wanted.items()):
            if manifest.get("human_codes_version") != HUMAN_CODES_VERSION:  # same answers, new hand codes
                corpus = corpus or load_corpus()
                export = pd.read_csv(folder / "reponses.csv", sep=";", dtype=str, keep_default_na=False)
                codes = make_human_codes(corpus, export, seed)
                codes.to_csv(folder / "codes_humains.csv", index=False, encoding="utf-8")
                manifest.update(human_codes=len(codes), human_codes_version=HUMAN_CODES_VERSION)
                manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
            return folder
    corpus = corpus or load_corpus()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "batch").mkdir(exist_ok=True)

    n_respondents = respondents_for(corpus, n_answers)
    export = make_export(corpus, n_respondents, seed)
    export.to_csv(folder / "reponses.csv", sep=";", index=False, encoding="utf-8")
    codes = make_human_codes(corpus, export, seed)
    codes.to_csv(folder / "codes_humains.csv", index=False, encoding="utf-8")
    make_batch(corpus, batch_respondents, seed).to_csv(
        folder / "batch" / "reponses-lot.csv", sep=";", index=False, encoding="utf-8"
    )

    config = dict(corpus.consultation)
    config["id"] = f"bench-{n_answers}"
    config["title"] = f"Banc d'essai : {n_answers:,} réponses synthétiques".replace(",", " ")
    config["description"] = "Consultation synthétique générée par benchmarks/generate.py (ne pas publier)."
    config["sources"] = {"responses": ["reponses.csv"], "human_codes": ["codes_humains.csv"]}
    (folder / "consultation.yaml").write_text(
        "# Generated by benchmarks/generate.py: synthetic answers, never publish.\n"
        + yaml.safe_dump(config, allow_unicode=True, sort_keys=False, width=1000),
        encoding="utf-8",
    )
    manifest = {**wanted, **describe(corpus, export), "respondents": n_respondents,
                "human_codes": len(codes), "human_codes_version": HUMAN_CODES_VERSION, "sources": corpus.sources,
                "verbatim_rate_measured": round(corpus.verbatim_rate, 4)}
    manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    return folder


def describe(corpus: Corpus, export: pd.DataFrame) -> dict:
    """Answers, distinct texts and words of the coded questions, as the pipeline will see them."""
    texts = []
    for q in corpus.consultation["questions"]:
        joined = export[q["columns"]].apply(lambda row: " / ".join(v for v in row if v), axis=1)
        texts.append(joined[joined != ""])
    answers = pd.concat(texts, ignore_index=True)
    key = answers.map(lambda t: unicodedata.normalize("NFC", " ".join(t.split())))
    words = answers.str.split().str.len()
    return {
        "answers": len(answers),
        "distinct_answers": int(key.nunique()),
        "duplicate_share": round(1 - key.nunique() / max(1, len(answers)), 4),
        "words": int(words.sum()),
        "mean_words": round(float(words.mean()), 1),
        "median_words": float(words.median()),
        "bytes": int(export.memory_usage(deep=True).sum()),
    }


def _is_under(path: Path, parent: Path) -> bool:
    return Path(path).resolve().is_relative_to(parent.resolve())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, help="numbers of answers, e.g. 10000 100000")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK)
    parser.add_argument("--batch", type=int, default=1000, help="respondents in the incremental batch")
    parser.add_argument("--force", action="store_true")
    parser.add_argument(
        "--extra-batch", type=int, nargs="+", metavar="K",
        help="write only the batches K (2, 3, …) of new respondents, ids LK-0001…, as reponses-lot-K.csv "
        "under --out: other nights' new answers for a database that already holds batch 1",
    )
    parser.add_argument("--out", type=Path, help="folder of the --extra-batch files")
    args = parser.parse_args()
    if args.extra_batch:
        if not args.out:
            parser.error("--extra-batch needs --out")
        corpus = load_corpus()
        args.out.mkdir(parents=True, exist_ok=True)
        for k in args.extra_batch:
            path = args.out / f"reponses-lot-{k}.csv"
            make_batch(corpus, args.batch, args.seed, k).to_csv(path, sep=";", index=False, encoding="utf-8")
            print(path)
        return
    if not args.sizes:
        parser.error("give at least one size, or --extra-batch")
    corpus = load_corpus()
    for n in args.sizes:
        folder = generate(n, seed=args.seed, work=args.work, batch_respondents=args.batch, corpus=corpus, force=args.force)
        print(folder, json.loads((folder / "manifest.json").read_text(encoding="utf-8")))


if __name__ == "__main__":
    main()
