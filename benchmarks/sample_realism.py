"""Does the bundled sample read like real answers? A few simple figures, side by side with real data.

    nice -n 15 python benchmarks/sample_realism.py                          # the bundled sample + real data
    nice -n 15 python benchmarks/sample_realism.py data/raw/segur-2020-sample /tmp/old-sample --json out.json

Sources (real data read in place from `../shared/data/`, skipped with a notice when absent):
Grand Débat question 163 (`grand-debat-fiscalite/answers.csv`, labels joined by `|`), « Entendre
la France » (`entendre-la-france/answers.csv`, every answer; `tags.csv` for the themes per answer),
and each consultation folder given (its coded questions' non-empty answers, the parts of a question
with several columns joined by ` / `; themes per answer from `codes_humains.csv`).

Figures, per source:
- words per answer (quartiles) and share of answers of at most 10 words;
- out-of-lexicon words: share of words (letters only, 2+ characters, acronyms of capitals left
  out) that are neither a form of spaCy's French lookup lemma table, nor a string of the model's
  vocabulary, nor a lemma it knows (misspellings, abbreviations, dropped accents, jargon);
- accents dropped: among answers holding at least one word that the lexicon only knows with an
  accent (« a » excluded: it is also the verb), the share where at least one such word is written
  without it;
- all lower case: share of answers of 3+ words without a capital letter; no final punctuation:
  share of answers not ending with `.`, `!`, `?`, `…`;
- several themes: share of coded answers with two or more distinct themes.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT / "src"))

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_LETTERS = re.compile(r"[^\W\d_]+")


def fold(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


class Lexicon:
    """Written forms spaCy's French model knows (lookup table, vocabulary strings, lemmas)."""

    def __init__(self) -> None:
        from consultation.text import load_nlp

        nlp = load_nlp()
        lookups = nlp.get_pipe("lemmatizer").lookups
        self._lookup = lookups.get_table("lemma_lookup")
        strings = {s.lower() for s in nlp.vocab.strings if _LETTERS.fullmatch(s)}
        lemmas = {str(v[0] if isinstance(v, list | tuple) else v).lower() for v in self._lookup.values()}
        index = lookups.get_table("lemma_index")
        for pos in ("noun", "adj", "verb", "adv"):
            lemmas.update(w.lower() for w in index.get(pos, ()))
        self._known = strings | lemmas | set(nlp.Defaults.stop_words)
        accented: dict[str, set[str]] = defaultdict(set)
        for form in self._known:
            folded = fold(form)
            if folded != form:
                accented[folded].add(form)
        self._accented = accented

    def known(self, word: str) -> bool:
        return word in self._known or word in self._lookup

    def accent_only(self, word: str) -> bool:
        """True when the lexicon knows this word only with an accent (« etait » → « était »)."""
        return (
            word not in ("a", "ou", "la")  # also words without accent
            and fold(word) == word
            and not self.known(word)
            and word in self._accented
        )

    def needs_accent(self, word: str) -> bool:
        """A word written with its accent, which the lexicon has no unaccented form for."""
        return fold(word) != word and self.known(word) and not self.known(fold(word))


def words_of(text: str) -> list[str]:
    return text.split()


def figures(answers: list[str], themes_per_answer: list[int], lexicon: Lexicon) -> dict:
    lengths = [len(words_of(t)) for t in answers]
    q1, median, q3 = statistics.quantiles(lengths, n=4, method="inclusive")
    n_words = oov = 0
    expected = dropped = 0
    lower = long_enough = unpunctuated = 0
    for text in answers:
        tokens = [w for part in _WORD.findall(text) for w in re.split(r"['’]", part) if len(w) >= 2]
        tokens = [w for w in tokens if not (w.isupper() and len(w) <= 6)]  # ARS, EPI, CHU
        n_words += len(tokens)
        lowered = [w.lower() for w in tokens]
        oov += sum(1 for w in lowered if not lexicon.known(w))
        missing = [w for w in lowered if lexicon.accent_only(w)]
        present = [w for w in lowered if lexicon.needs_accent(w)]
        if missing or present:
            expected += 1
            dropped += bool(missing)
        if len(words_of(text)) >= 3:
            long_enough += 1
            lower += not any(c.isupper() for c in text)
        unpunctuated += not text.rstrip().endswith((".", "!", "?", "…"))
    return {
        "answers": len(answers),
        "words_q1": q1, "words_median": median, "words_q3": q3,
        "share_le_10_words": sum(1 for n in lengths if n <= 10) / len(lengths),
        "share_over_50_words": sum(1 for n in lengths if n > 50) / len(lengths),
        "share_out_of_lexicon_words": oov / max(n_words, 1),
        "share_accents_dropped": dropped / max(expected, 1),
        "share_all_lower_case": lower / max(long_enough, 1),
        "share_no_final_punctuation": unpunctuated / len(answers),
        "share_several_themes": (
            sum(1 for n in themes_per_answer if n >= 2) / len(themes_per_answer) if themes_per_answer else None
        ),
    }


def real_sources() -> dict[str, tuple[list[str], list[int]]]:
    out: dict[str, tuple[list[str], list[int]]] = {}
    grand = SHARED / "grand-debat-fiscalite" / "answers.csv"
    if grand.is_file():
        frame = pd.read_csv(grand, dtype=str, keep_default_na=False)
        frame = frame[frame["answer"].str.strip().ne("")]
        labelled = frame[frame["labels"].ne("")]
        out["Grand Débat q163"] = (frame["answer"].tolist(), [len(set(s.split("|"))) for s in labelled["labels"]])
    else:
        print(f"absent, passé : {grand}", file=sys.stderr)
    elf = SHARED / "entendre-la-france" / "answers.csv"
    tags = SHARED / "entendre-la-france" / "tags.csv"
    if elf.is_file():
        frame = pd.read_csv(elf, dtype=str, keep_default_na=False)
        frame = frame[frame["answer"].str.strip().ne("")]
        themes: list[int] = []
        if tags.is_file():
            tagged = pd.read_csv(tags, dtype=str, keep_default_na=False)
            themes = [len(set(s.split("|"))) for s in tagged["tags"] if s]
        out["Entendre la France"] = (frame["answer"].tolist(), themes)
    else:
        print(f"absent, passé : {elf}", file=sys.stderr)
    return out


def sample_source(folder: Path) -> tuple[list[str], list[int]]:
    config = yaml.safe_load((folder / "consultation.yaml").read_text(encoding="utf-8"))
    frame = pd.read_csv(folder / "reponses.csv", sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    rid = config["columns"]["respondent_id"]
    codes = pd.read_csv(folder / "codes_humains.csv", dtype=str, keep_default_na=False)
    per_answer = codes.groupby(["respondent_id", "question_id"])["theme_id"].nunique()
    answers, themes = [], []
    for question in config["questions"]:
        for _, row in frame.iterrows():
            text = " / ".join(row[c].strip() for c in question["columns"] if row[c].strip())
            if text:
                answers.append(text)
                themes.append(int(per_answer.get((row[rid], question["id"]), 0)))
    return answers, [n for n in themes if n]


COLUMNS = [
    ("answers", "réponses", "{:d}"),
    ("words_median", "mots (médiane)", "{:.0f}"),
    ("words_q1", "Q1", "{:.0f}"),
    ("words_q3", "Q3", "{:.0f}"),
    ("share_le_10_words", "≤ 10 mots", "{:.0%}"),
    ("share_over_50_words", "> 50 mots", "{:.0%}"),
    ("share_out_of_lexicon_words", "mots hors lexique", "{:.1%}"),
    ("share_accents_dropped", "accents omis", "{:.0%}"),
    ("share_all_lower_case", "sans majuscule", "{:.0%}"),
    ("share_no_final_punctuation", "sans point final", "{:.0%}"),
    ("share_several_themes", "plusieurs thèmes", "{:.0%}"),
]


def table(results: dict[str, dict]) -> str:
    lines = ["| source | " + " | ".join(label for _, label, _ in COLUMNS) + " |",
             "|---|" + "---:|" * len(COLUMNS)]
    for name, values in results.items():
        cells = ["–" if values[key] is None else fmt.format(values[key]) for key, _, fmt in COLUMNS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path, default=[ROOT / "data" / "raw" / "segur-2020-sample"])
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    args = parser.parse_args(argv)
    lexicon = Lexicon()
    results = {}
    for folder in args.folders:
        answers, themes = sample_source(folder)
        results[str(folder)] = figures(answers, themes, lexicon)
    for name, (answers, themes) in real_sources().items():
        results[name] = figures(answers, themes, lexicon)
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
