"""The post-render scanner: independent of the redactor, it reads the written files and stops the
publication when personal data is left in them."""

from __future__ import annotations

import collections
import re
import zipfile
from pathlib import Path

import pytest

from consultation import store
from consultation.errors import ConsultationError, PersonalDataLeakError
from consultation.publish import leakscan
from consultation.publish.leakscan import check_publication, published_text, scan_text
from consultation.publish.redact import Redactor
from consultation.store.paths import OutputPaths
from pii_corpus import KINDS, STRUCTURES, corpus

ROOT = Path(__file__).resolve().parents[1]


def test_the_scanner_shares_no_code_with_the_redactor():
    source = (ROOT / "src" / "consultation" / "publish" / "leakscan.py").read_text(encoding="utf-8")
    runtime_imports = [line for line in source.splitlines()
                       if re.match(r"\s*((from|import)\s+consultation\.publish\.redact|from\s+consultation\.publish\s+import\s.*\bredact\b)", line)]
    assert runtime_imports == ["    from consultation.publish.redact import Redactor"]  # for type hints only
    assert "TYPE_CHECKING" in source


def test_the_scanner_finds_planted_items_on_its_own():
    """What it recognises in raw planted text, per kind (printed): its own detectors at work."""
    items = corpus(40)
    found, planted = collections.Counter(), collections.Counter()
    for sentence, item in items:
        planted[item.kind] += 1
        if scan_text(sentence, structures=STRUCTURES):
            found[item.kind] += 1
    print("\nscanner alone on raw planted sentences: " + ", ".join(f"{k} {found[k]}/{planted[k]}" for k in KINDS))
    for kind in ("email", "phone", "iban", "siret", "url", "address"):
        assert found[kind] >= 0.8 * planted[kind], kind
    assert sum(found.values()) >= 0.6 * sum(planted.values())


def test_the_scanner_finds_nothing_in_what_the_redactor_left():
    items = [(s, i) for s, i in corpus(40) if i.kind not in ("name",)]
    redactor = Redactor(STRUCTURES)
    outputs = redactor.redact_many([s for s, _ in items])
    left = [(o, scan_text(o, structures=STRUCTURES)) for o in outputs]
    left = [(o, f) for o, f in left if f]
    # Structure names made of French words are only redacted with the model's lexicon (test_redact_families).
    assert all(f[0][0] == "structure" for _, f in left), left


@pytest.mark.parametrize("text", [
    "En 2020, 10000 masques pour 47 structures ; 1 200 000 000 euros ; le 17 mars 2020.",
    "12 345 réponses, 45 % des 1 234 structures, 17/03/2020 au 11/05/2020, 3 ETP, 14000-3000.",
    "Voir la figure 3 ; l'ARS Occitanie ; Monsieur le Président ; Madame la Directrice.",
    "Appelez le [téléphone] ou écrivez à [courriel] ; Mme [nom] ; [adresse] ; [lien].",
])
def test_ordinary_report_text_is_not_taken_for_personal_data(text):
    assert scan_text(text, structures=STRUCTURES) == []


def test_text_is_read_from_every_format(tmp_path):
    html_file = tmp_path / "r.html"
    html_file.write_text('<html><style>@media print {}</style><p>Écrire à <a href="mailto:a.b@c.fr">ici</a></p>'
                         '<img src="data:image/png;base64,QUJD" alt="Mme Dupont"></html>', encoding="utf-8")
    md_file = tmp_path / "r.md"
    md_file.write_text("Tél\\. 06 12 34 56 78", encoding="utf-8")
    svg_file = tmp_path / "c.svg"
    svg_file.write_text('<svg><!-- jean.dupont@orange.fr --><text>x</text></svg>', encoding="utf-8")
    docx_file = tmp_path / "r.docx"
    with zipfile.ZipFile(docx_file, "w") as docx:
        docx.writestr("word/document.xml", "<w:document><w:p><w:r><w:t>IBAN FR76 3000 6000 0112 3456 7890 189</w:t>"
                                           "</w:r></w:p></w:document>")
    kinds = {p.suffix: {k for k, _, _ in scan_text(published_text(p))} for p in (html_file, md_file, svg_file, docx_file)}
    assert "email" in kinds[".html"] and "name" in kinds[".html"] and "@media" not in published_text(html_file)
    assert kinds[".md"] == {"phone"} and "email" in kinds[".svg"] and "iban" in kinds[".docx"]


def test_a_leak_stops_the_publication_names_files_and_kinds_and_removes_them(tmp_path):
    report = tmp_path / "reports" / "occitanie.html"
    clean = tmp_path / "reports" / "bretagne.html"
    index = tmp_path / "index.html"
    report.parent.mkdir()
    report.write_text("<p>Contact : jean.dupont@orange.fr, 06 12 34 56 78</p>", encoding="utf-8")
    clean.write_text("<p>Rien à signaler.</p>", encoding="utf-8")
    index.write_text("<p>Rapports</p>", encoding="utf-8")
    with pytest.raises(PersonalDataLeakError) as stopped:
        check_publication([report, clean, index])
    message = str(stopped.value)
    assert isinstance(stopped.value, ConsultationError)
    assert "Publication arrêtée" in message and "occitanie.html" in message
    assert message.startswith("Publication arrêtée : 3 données personnelles trouvées dans 1 fichier après la mise")
    assert "adresse électronique" in message and "numéro de téléphone" in message
    assert "jean.dupont" not in message and "12 34 56" not in message  # the message does not leak
    assert not report.exists() and not index.exists() and clean.exists()


class _BrokenRedactor(Redactor):
    """A redactor whose detection is broken: what the scanner is there to catch."""

    def spans(self, text, people=None):
        return []


def test_publish_fails_when_the_redactor_misses_something(tmp_path):
    from consultation.publish.report import publish
    from test_report import ANSWERS, HUMAN_CODES, RESPONDENTS, fill, make_consultation

    answers = [a for a in ANSWERS if (a[0], a[1]) != ("r01", "q1_retenir")]
    # Inside the quoted sentence, and not contact details: quotes drop sentences with an e-mail or
    # a phone number (« Contact : … ») before the redactor is even asked.
    answers.append(("r01", "q1_retenir", "Les équipes ont su s'adapter, les dons arrivant sur le compte "
                    "FR76 3000 6000 0112 3456 7890 189 de l'association.", None))
    consultation, con = make_consultation(), store.connect(None)
    fill(con, consultation, answers=answers, codes=HUMAN_CODES, respondents=RESPONDENTS)
    paths = OutputPaths(tmp_path / "out")
    with pytest.raises(PersonalDataLeakError) as stopped:
        # Threshold 1: every region has its report and every testimony may be quoted, so the
        # planted answer is published whatever the disclosure rule keeps back.
        publish(con, consultation, paths, redactor=_BrokenRedactor([]), workers=1, charts=True,
                threshold=1)
    message = str(stopped.value)
    assert "Publication arrêtée" in message and "IBAN" in message and "FR76" not in message
    left = [p for p in paths.root.rglob("*") if p.suffix in (".html", ".md", ".docx")]
    assert not (paths.root / "index.html").exists()
    for path in left:  # what stays was scanned clean
        assert "0112 3456" not in path.read_bytes().decode("utf-8", "replace")
        assert leakscan.scan_files([path]) == []


# --- phone numbers read out in words: the scanner's own reading ---------------------------------------

_UNITS = ["zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze",
          "douze", "treize", "quatorze", "quinze", "seize", "dix-sept", "dix-huit", "dix-neuf"]
_TENS = {2: "vingt", 3: "trente", 4: "quarante", 5: "cinquante", 6: "soixante"}


def french_number(n: int, hyphen: str = "-") -> str:
    """0-99 as written in France (« soixante et onze », « quatre-vingt-douze »), written here for
    the test: neither the scanner's reading nor the redactor's."""
    if n < 20:
        return _UNITS[n].replace("-", hyphen)
    tens, unit = divmod(n, 10)
    if tens in (7, 9):
        base = "soixante" if tens == 7 else f"quatre{hyphen}vingt"
        rest = _UNITS[10 + unit].replace("-", hyphen)
        return f"{base} et {rest}" if n == 71 else f"{base}{hyphen}{rest}"
    base = f"quatre{hyphen}vingt" if tens == 8 else _TENS[tens]
    if unit == 0:
        return base + ("s" if tens == 8 else "")
    return f"{base} et un" if unit == 1 and tens != 8 else f"{base}{hyphen}{_UNITS[unit]}"


def spoken_phone_family(seed: int, n: int = 60) -> list[tuple[str, str]]:
    """(sentence, digits): random French numbers read out in pairs, digit by digit, half in words,
    with hyphens or spaces, commas, and in capitals."""
    import random

    rng = random.Random(seed)
    out = []
    for k in range(n):
        digits = "0" + str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(8))
        pairs = [int(digits[i:i + 2]) for i in range(2, 10, 2)]
        hyphen = rng.choice(["-", " "])

        def pair(p: int, hyphen: str = hyphen) -> str:  # « 04 » is said « zéro quatre »
            return f"zéro {_UNITS[p]}" if p < 10 else french_number(p, hyphen)

        sep = rng.choice([" ", ", ", " - ", ". "])
        head = f"zéro {_UNITS[int(digits[1])]}"
        style = k % 3
        if style == 0:
            body = sep.join(pair(p) for p in pairs)
        elif style == 1:
            body = sep.join(_UNITS[int(c)] for c in digits[2:])
        else:
            body = sep.join([pair(pairs[0]), pair(pairs[1]), f"{pairs[2]:02d}", f"{pairs[3]:02d}"])
        said = f"{head}{sep}{body}"
        if rng.random() < 0.2:
            said = said.upper()
        out.append((f"Pour tout renseignement, appelez le {said} en semaine.", digits))
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_phone_numbers_read_out_in_words_are_found(seed):
    family = spoken_phone_family(seed)
    missed = [s for s, _ in family if not any(kind == "phone" for kind, _, _ in scan_text(s))]
    assert missed == []
    for sentence, digits in family:
        (run,) = [run for _, run in leakscan.spoken_phones(sentence)]
        assert digits in leakscan._spoken_readings(run), sentence  # among the ways it can be read


@pytest.mark.parametrize("text", [
    "Zéro pointé pour l'État, un deux trois soleil.",
    "Zéro déchet, zéro plastique : un, deux, trois gestes par jour.",
    "Zéro cas en mars, un cas en avril, deux cas en mai, trois en juin, quatre en juillet.",
    "Les années quatre-vingt-dix ; zéro six fois sur dix.",
    "zéro un deux trois quatre",  # too short to be a phone
])
def test_numbers_in_words_that_are_no_phone_are_not_findings(text):
    assert [f for f in scan_text(text) if f[0] == "phone"] == []


# --- the families of tests/test_redact_spellings_more.py: a NIR as a list, « -at- » in a hyphenated
# token, a handle after a network's name with a digit, a dot or « _ » ---------------------------------


def _kinds(text: str) -> set[str]:
    return {kind for kind, _, _ in scan_text(text)}


def test_a_nir_written_as_a_list_is_found_when_its_key_is_right():
    from test_redact_spellings_more import nir_lists

    cases = nir_lists()
    with_key = [text for text, _, _ in cases if re.search(r"\d{3}\D+\d{3}\D+\d{2}(?!\d)", text)]
    found = [text for text in with_key if "nir" in _kinds(text)]
    print(f"\nscanner, NIR as a list: {len(found)} found of {len(with_key)} with their key ({len(cases)} generated)")
    assert len(with_key) >= 60 and found == with_key


def test_e_mails_with_at_inside_a_hyphenated_token_are_found():
    from test_redact_spellings_more import hyphenated_emails

    cases = hyphenated_emails()
    missed = [text for text, _ in cases if "email" not in _kinds(text)]
    assert missed == []


def test_marked_handles_after_a_networks_name_are_found():
    from test_redact_spellings_more import handles

    marked = [(text, h) for text, (h,) in handles() if re.search(r"\d|[a-z][._][a-z]", h)]
    missed = [text for text, _ in marked if "handle" not in _kinds(text)]
    assert len(marked) >= 30 and missed == []


@pytest.mark.parametrize("text", [
    "Il faut 2, 5, 10 ans ; les tranches à 1, 10, 20, 30, 100, 200, 300 euros ; notes 4, 12, 15, 18.",
    "En 1, 57, 03, 75, 123, 456, 78 : des chiffres au hasard (la clé est fausse).",
    "Le dispositif stay-at-home, point barre ; un stay-at-home point fort ; un mi-temps-at-large.",
    "Facebook permet de s'informer, sur facebook aussi ; mon insta c'est privé ; twitter 2.0 ; fb e.g. rien.",
])
def test_ordinary_lists_hyphens_and_networks_are_not_findings(text):
    assert [f for f in scan_text(text) if f[0] in ("nir", "email", "handle", "url")] == []


@pytest.mark.slow
def test_the_scanner_finds_nothing_the_redactor_left_of_these_families(ner):
    from test_redact_spellings_more import handles, hyphenated_emails, nir_lists, street_addresses

    redactor = Redactor([], nlp=ner)
    texts = [t for t, _, _ in nir_lists()] + [t for family in (street_addresses, handles, hyphenated_emails)
                                              for t, _ in family()]
    left = [(out, scan_text(out)) for out in redactor.redact_many(texts)]
    assert [(out, found) for out, found in left if found] == []
