"""Theme discovery on the answers left in « Autres »: leads with words and examples, in French."""

from __future__ import annotations

from click.testing import CliRunner

from consultation.cli import main
from consultation.codebook import load_consultation
from consultation.coding.discover import QuestionDiscovery, discover_question, discovery_markdown
from test_coding_support import half_sample

MASKS = [
    "Le manque de masques au début de la crise",
    "Pas de masques pour les équipes pendant des semaines",
    "Masques arrivés trop tard dans les structures",
    "Des masques en tissu faute de masques chirurgicaux",
    "Masques distribués au compte-gouttes",
]
VISIO = [
    "La visio avec les résidents a bien marché",
    "Les entretiens en visio ont gardé le lien",
    "Visio et téléphone pour suivre les résidents",
    "Des visio hebdomadaires avec les familles des résidents",
    "Réunions en visio entre équipes, contact jean.martin@example.org",
]


def test_two_obvious_groups_give_two_leads_with_their_words_and_examples(lemmatizer):
    leads, note = discover_question(MASKS + VISIO, lemmatizer, n_leads=2, redact=lambda t: t.replace("jean.martin@example.org", "[courriel]"))
    assert note == ""
    assert len(leads) == 2
    by_word = {("masque" if "masque" in " ".join(lead.terms) else "visio"): lead for lead in leads}
    assert set(by_word) == {"masque", "visio"}
    assert by_word["masque"].size == 5 and by_word["visio"].size == 5
    assert all(len(lead.examples) == 3 for lead in leads)
    assert all(example in MASKS for example in by_word["masque"].examples)
    assert not any("jean.martin" in e for lead in leads for e in lead.examples)


def test_too_few_answers_give_no_lead_and_say_why(lemmatizer):
    leads, note = discover_question(MASKS[:3], lemmatizer)
    assert leads == [] and "trop peu" in note


def test_report_is_short_french_markdown(lemmatizer, mini_dir):
    consultation = load_consultation(mini_dir)
    leads, _ = discover_question(MASKS + VISIO, lemmatizer, n_leads=2)
    text = discovery_markdown(consultation, [QuestionDiscovery(consultation.questions[0], 10, 2, leads)])
    assert text.startswith("# Thèmes à explorer parmi les réponses « Autres »")
    assert "### Piste 1 : « " in text and "Réponses représentatives :" in text
    assert "10 réponse(s) ou proposition(s) classée(s) « Autres » dont 2 codées à la main." in text


def test_discover_command_writes_the_report(tmp_path_factory, nlp, tmp_path):
    folder, out = half_sample(tmp_path_factory, nlp)
    target = tmp_path / "pistes.md"
    result = CliRunner().invoke(main, ["discover", str(folder), "--out", str(out), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert f"Rapport écrit : {target}" in result.output
    report = target.read_text(encoding="utf-8")
    assert "## q1_retenir" in report and "## pilier4" in report
