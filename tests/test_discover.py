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
    assert "10 réponses ou propositions classées « Autres » dont 2 codées à la main." in text
    one = discovery_markdown(consultation, [QuestionDiscovery(consultation.questions[0], 1, 1, [], "trop peu")])
    assert "1 réponse ou proposition classée « Autres » dont 1 codée à la main." in one


def test_discover_command_writes_the_report(tmp_path_factory, nlp, tmp_path):
    folder, out = half_sample(tmp_path_factory, nlp)
    target = tmp_path / "pistes.md"
    result = CliRunner().invoke(main, ["discover", str(folder), "--out", str(out), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert f"Rapport écrit : {target}" in result.output
    report = target.read_text(encoding="utf-8")
    assert "## q1_retenir" in report and "## pilier4" in report


# -- the minimum adapts to the consultation; a lead is a group that shares a word -----------------


def test_the_minimum_follows_the_consultation_size_between_four_and_six():
    from consultation.coding.discover import MIN_UNITS, MIN_UNITS_FLOOR, min_units

    sizes = [*range(0, 400, 7), 47, 80, 81, 100, 101, 120, 10_000]
    values = [min_units(n) for n in sizes]
    assert all(MIN_UNITS_FLOOR <= v <= MIN_UNITS for v in values)
    assert min_units(47) == 4 and min_units(10_000) == 6
    assert all(min_units(a) <= min_units(b) for a, b in zip(sorted(sizes), sorted(sizes)[1:], strict=False))


def test_a_small_consultation_gets_leads_from_four_answers(lemmatizer):
    texts = MASKS[:2] + VISIO[:2]
    assert discover_question(texts, lemmatizer)[0] == []  # the fixed minimum of a large consultation
    leads, note = discover_question(texts, lemmatizer, minimum=4)
    assert note == "" and {lead.size for lead in leads} == {2}
    assert all(lead.support >= 2 and lead.shared for lead in leads)


def test_answers_that_share_no_word_are_not_a_lead(lemmatizer):
    unrelated = ["Le calme retrouvé", "La peur du virus", "Des repas livrés", "Un jardin partagé",
                 "Les enfants dessinent", "La frontière fermée"]
    leads, note = discover_question(unrelated, lemmatizer, minimum=4)
    assert leads == [] and "partage un mot" in note


def test_a_lead_under_an_existing_themes_keywords_is_marked_near_it(lemmatizer, mini_dir):
    from consultation.coding.discover import near_theme
    from consultation.coding.rules import RuleCoder

    consultation = load_consultation(mini_dir)
    question = consultation.questions[0]
    theme = next(t for t in question.themes if t.keywords)
    rules = RuleCoder(consultation.questions, lemmatizer)
    with_keyword = [f"Il faut parler de {theme.keywords[0]} encore", f"{theme.keywords[0]} avant tout"]
    assert near_theme(rules, question, with_keyword) == theme.label
    assert near_theme(rules, question, ["zzz qqq", "www xxx"]) == ""
