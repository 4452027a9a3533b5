"""The leak scanner's structure names, matched by one automaton built once per publication
(`leakscan.StructureIndex`), find exactly what the former search of each name in each file found;
and a re-publication reads again only the files whose bytes were not already found clean."""

from __future__ import annotations

import random
import unicodedata
from pathlib import Path

import pytest

from consultation.errors import PersonalDataLeakError
from consultation.publish import leakscan
from consultation.publish.leakscan import (
    BLOCK,
    Finding,
    StructureIndex,
    check_publication,
    published_text,
    scan_files,
    scan_text,
)

TYPES = ["", "ACT ", "LAM ", "EHPAD ", "Association ", "asso ", "CCAS ", "Ssiad "]
ARTICLES = ["", "Le ", "La ", "Les ", "L'", "L’", "l'"]
WORDS = ["Églantine", "Hôpital", "Cœur", "Bœuf", "Sainte-Thérèse", "Saint-Éloi", "St-Jean", "Ste Anne", "Noël",
         "Œuvre", "Tilleuls", "Bleuets", "Horizon", "Passerelle", "Soleil", "Marelle", "B7071", "B70", "12",
         "Aïda", "Ça", "Maïté", "d'Arc", "Gaïa", "𝔄rbre", "𠀋ville", "ÉTOILE", "vie", "santé", "porte"]
LINKS = ["de", "du", "des", "d'", "et", "-", "la"]
FILLER = ["les", "soignants", "ont", "tenu", "pendant", "la", "crise", ",", ".", "merci", "à", "tous", "(", ")",
          "équipe", "nuit", "»", "«", "ville", "structure", "aide", ";", "1", "2020"]
COMMON = ["porte", "vie", "sante", "soleil", "horizon", "coeur", "hopital", "oeuvre"]


def _name(rng: random.Random) -> tuple[str, list[str]]:
    """A structure name and its core's words (without type and article)."""
    words = [rng.choice(WORDS) for _ in range(rng.randint(1, 3))]
    if len(words) > 1 and rng.random() < 0.4:
        words.insert(1, rng.choice(LINKS))
    return rng.choice(TYPES) + rng.choice(ARTICLES) + " ".join(words), words


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _spelling(rng: random.Random, name: str, words: list[str], *, inside_word: bool) -> str:
    """How a text may print a name: case, accents, hyphens, apostrophes, abbreviations, the words
    split over lines or paragraphs; with `inside_word`, glued to letters before or after (its core
    is then part of longer words)."""
    prefix = name[: len(name) - len(" ".join(words))]
    words = list(words)
    if inside_word:
        if rng.random() < 0.5:
            words[0] = rng.choice(["x", "anti", "é", "2"]) + words[0]
        else:
            words[-1] = words[-1] + rng.choice(["s", "ville", "é", "0", "_x"])
    separators = [" ", "  ", "-", "\n", BLOCK, " \t", "’", "'", " - ", ", "]
    text = prefix + "".join(w + (rng.choice(separators) if i < len(words) - 1 else "") for i, w in enumerate(words))
    for change in rng.sample(["upper", "lower", "title", "accents", "saint", "apostrophe", "none"], 2):
        if change == "upper":
            text = text.upper()
        elif change == "lower":
            text = text.lower()
        elif change == "title":
            text = text.title()
        elif change == "accents":
            text = _strip_accents(text)
        elif change == "saint":
            text = text.replace("Saint-", "St ").replace("Sainte-", "Ste. ").replace("St-", "Saint ")
        elif change == "apostrophe":
            text = text.replace("'", "’") if rng.random() < 0.5 else text.replace("’", " ' ")
    return text


def _case(rng: random.Random, *, inside_word: bool = False) -> tuple[str, list[str], frozenset[str]]:
    names = [_name(rng) for _ in range(rng.randint(1, 12))]
    decoys = [_name(rng)[0] for _ in range(rng.randint(0, 6))]  # names listed, never printed
    parts: list[str] = []
    for name, words in names:
        parts += rng.choices(FILLER, k=rng.randint(0, 6))
        parts.append(_spelling(rng, name, words, inside_word=inside_word or rng.random() < 0.2))
    parts += rng.choices(FILLER, k=rng.randint(0, 4))
    joiners = [" ", "\n", BLOCK, "", " "]
    text = "".join(p + rng.choice(joiners) for p in parts)
    common = frozenset(rng.sample(COMMON, rng.randint(0, len(COMMON)))) if rng.random() < 0.7 else frozenset()
    structures = [n for n, _ in names] + decoys
    rng.shuffle(structures)
    return text, structures, common


def _former_structure_step(text: str, structures: list[str], common_words: frozenset[str]) -> list[tuple[str, int, str]]:
    """What `scan_text` did before the index, for every text: each name's core searched on its own."""
    folded = leakscan._folded_words(unicodedata.normalize("NFKC", text))
    found = []
    for core in leakscan._structure_cores(structures, common_words):
        at = folded.find(core)
        if at >= 0:
            found.append(("structure", at, core.strip()))
    return found


def _structure_items(text: str, structures: list[str], common_words: frozenset[str], *,
                     index: StructureIndex | None = None, whole: bool = False) -> list[tuple[str, int, str]]:
    """The structure items the scanner reports: through the whole `scan_text` (`whole`), or its
    structure step alone (the other detectors cost a few hundredths of a second a text)."""
    index = index or StructureIndex(structures, common_words)
    if whole:
        return [f for f in scan_text(text, index=index) if f[0] == "structure"]
    folded = leakscan._folded_words(unicodedata.normalize("NFKC", text))
    return [("structure", at, core.strip()) for at, core in index.find(folded)]


def test_the_index_finds_exactly_what_each_name_searched_alone_found():
    rng = random.Random(20261203)
    found_some = found_none = 0
    for i in range(400):
        text, structures, common = _case(rng)
        former = _former_structure_step(text, structures, common)
        assert _structure_items(text, structures, common) == former, (text, structures)
        if i < 20:  # the whole scanner, as `scan_files` calls it, and as a caller without an index does
            assert [f for f in scan_text(text, structures=structures, common_words=common) if f[0] == "structure"] == former
            assert _structure_items(text, structures, common, whole=True) == former
        index = StructureIndex(structures, common)  # built once, used for another text too
        twice = text + BLOCK + text
        assert _structure_items(twice, structures, common, index=index) == _former_structure_step(twice, structures, common)
        found_some += bool(former)
        found_none += not former
    print(f"\n400 generated texts: structure names found in {found_some}, none in {found_none}")
    assert found_some >= 200 and found_none >= 20  # both sides of the family were exercised


def test_a_name_inside_longer_words_is_not_found_and_its_other_spellings_are():
    rng = random.Random(7)
    kept = 0
    for _ in range(300):
        name, words = _name(rng)
        decoys = [_name(rng)[0] for _ in range(rng.randint(0, 4))]  # listed, never printed
        common = frozenset(rng.sample(COMMON, rng.randint(0, 4))) if rng.random() < 0.7 else frozenset()
        cores = leakscan._structure_cores([name], common)
        for glued in (True, False):
            printed = _spelling(rng, name, words, inside_word=glued)
            text = " ".join([*rng.choices(FILLER, k=5), printed, *rng.choices(FILLER, k=5)])
            structures = [name, *decoys]
            items = _structure_items(text, structures, common)
            assert items == _former_structure_step(text, structures, common), text
            own = [core for _, _, core in items if f" {core} " in cores]
            assert own == ([] if glued else [c.strip() for c in cores]), (name, printed)
        kept += bool(cores)
    assert kept >= 150  # most generated names are specific enough to be looked for


@pytest.mark.parametrize("suffix", [".html", ".md", ".docx"])
def test_files_are_scanned_the_same_with_the_index(tmp_path, suffix):
    """`scan_files` (one index for all files) against the former per-file, per-name search."""
    rng = random.Random(suffix)
    files, structures, common = [], [], frozenset(rng.sample(COMMON, 3))
    for i in range(12):
        text, names, _ = _case(rng)
        structures += names
        paragraphs = text.split(BLOCK)
        path = tmp_path / f"r{i}{suffix}"
        if suffix == ".html":
            body = "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in paragraphs)
            path.write_text(f"<html><body>{body}</body></html>", encoding="utf-8")
        elif suffix == ".md":
            path.write_text("\n\n".join(paragraphs), encoding="utf-8")
        else:
            import docx

            document = docx.Document()
            for p in paragraphs:
                document.add_paragraph(p)
            document.save(path)
        files.append(path)
    former: list[Finding] = []
    for path in files:
        text = published_text(path)
        seen = set()
        for kind, offset, item in scan_text(text) + _former_structure_step(text, structures, common):
            line = text.count("\n", 0, offset) + 1 if kind != "structure" else 0
            if (kind, offset) not in seen:
                seen.add((kind, offset))
                former.append(Finding(path, kind, line, leakscan._mask(item)))
    now = scan_files(files, structures=structures, common_words=common)  # 12 files: in forked workers
    assert now == former
    assert scan_files(files, structures=structures, common_words=common, workers=2) == former  # order kept
    assert scan_files(files, structures=structures, common_words=common, workers=1) == former
    assert sum(f.kind == "structure" for f in now) >= 12


def _reports(folder: Path, n: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = folder / f"region-{i}.html"
        path.write_text(f"<html><body><p>Rapport {i} : les soignants ont tenu.</p></body></html>", encoding="utf-8")
        paths.append(path)
    return paths


def test_a_republication_reads_only_the_files_that_changed(tmp_path, monkeypatch):
    log = tmp_path / "read.log"  # a file: from 8 files on, the scan runs in forked workers

    class Reads:
        """The names of the files the scanner read since the last `clear`."""

        def __eq__(self, other: object) -> bool:
            return self.names() == other

        def __len__(self) -> int:
            return len(self.names())

        def names(self) -> list[str]:
            return sorted(log.read_text().split()) if log.exists() else []

        def clear(self) -> None:
            log.unlink(missing_ok=True)

    def spy(path: Path) -> str:
        with log.open("a") as f:
            f.write(path.name + "\n")
        return original(path)

    read = Reads()
    original = leakscan.published_text
    monkeypatch.setattr(leakscan, "published_text", spy)
    record = tmp_path / ".leakscan.json"
    files = _reports(tmp_path / "reports", 8)
    structures = ["Association Les Tilleuls Bleus", "EHPAD Saint-Éloi"]

    assert len(check_publication(files, structures=structures, record=record)) == 8
    assert len(read) == 8
    read.clear()
    assert check_publication(files, structures=structures, record=record) == []  # nothing changed
    assert read == []
    files[2].write_text("<p>Rapport 2, réécrit : autre contenu.</p>", encoding="utf-8")
    files[5].write_bytes(files[5].read_bytes())  # rewritten with the same bytes: already scanned
    assert [p.name for p in check_publication(files, structures=structures, record=record)] == ["region-2.html"]
    assert read == ["region-2.html"]
    read.clear()
    # Another list of names (a new respondent): every file is read again.
    structures.append("CCAS Marelle Horizon")
    assert len(check_publication(files, structures=structures, record=record)) == 8
    assert len(read) == 8
    read.clear()
    # A changed file that leaks is still found, removed, and never recorded as clean.
    files[3].write_text("<p>Merci à l'EHPAD Saint Eloi de Lyon.</p>", encoding="utf-8")
    with pytest.raises(PersonalDataLeakError, match=r"region-3\.html"):
        check_publication(files, structures=structures, record=record)
    assert read == ["region-3.html"] and not files[3].exists()
    files[3].write_text("<p>Merci à l'EHPAD Saint Eloi de Lyon.</p>", encoding="utf-8")
    with pytest.raises(PersonalDataLeakError):
        check_publication(files, structures=structures, record=record)


def test_an_unreadable_record_means_every_file_is_scanned(tmp_path):
    files = _reports(tmp_path / "reports", 3)
    record = tmp_path / ".leakscan.json"
    for content in ("{pas du json", '{"rules": "autre", "clean": {}}', "[]"):
        record.write_text(content, encoding="utf-8")
        assert len(check_publication(files, record=record)) == 3
    assert check_publication(files, record=record) == []


def test_the_civility_check_reads_spacy_stop_words_without_importing_spacy():
    """The leak scanner runs in processes without NER: spaCy's French stop words are read from
    their file, the same list, and spaCy's package (seconds to import) is left alone."""
    import subprocess
    import sys

    from spacy.lang.fr.stop_words import STOP_WORDS

    from consultation.text import french_stop_words

    assert french_stop_words() == frozenset(STOP_WORDS)
    code = ("import sys; from consultation.publish.leakscan import civility_names; "
            "print(civility_names('Madame Durand et madame la directrice'), 'spacy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[(7, 'Durand')] False"
