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
