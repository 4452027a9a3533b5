"""Generated codebooks that are hostile but plausible for the charts and reports: 1 to 40 themes,
labels of 1 to 150 characters (words, « / », apostrophes, guillemets, emoji, Greek, Cyrillic,
Arabic, CJK, ALL CAPS, a word of 40 letters, « | »), long category headings, the longest region
names, counts from 0 to 100,000 with shares that round to 0 or 100."""

from __future__ import annotations

import random

from consultation.codebook import Question, Theme
from consultation.publish.charts import ThemeCount

WORDS = ["soins", "coordination", "l'hébergement", "équipes", "matériel", "d'accompagnement", "santé", "ARS",
         "«", "»", "/", ":", "?", "!", "télé-consultation", "Ségur", "COVID-19", "EHPAD", "l'État", "12 000",
         "📱", "👍🏽", "🇫🇷", "ελληνικά", "русский", "العربية", "中文", "Anticonstitutionnellementdéraisonnablement",
         "(", ")", "«", "»", "etc.", "|", "50 %", "👩‍⚕️"]
REGIONS = ["Provence-Alpes-Côte d'Azur", "Bourgogne-Franche-Comté", "Auvergne-Rhône-Alpes", "Corse",
           "Région inconnue", "Centre-Val de Loire", "La Réunion"]


def label(rng: random.Random) -> str:
    n = rng.choice([1, 2, 4, 8, 14, 20, 24])
    text = " ".join(rng.choice(WORDS) for _ in range(n))
    if rng.random() < 0.2:
        text = text.upper()
    return text[:150].strip() or "Thème"


def labels_family(seed: int):
    """(question, themes, national counts, regional counts, region, national n, regional n)."""
    rng = random.Random(seed)
    n_themes = rng.choice([1, 2, 5, 12, 30, 36, 40])
    categories = rng.choice([[], ["ASPECTS POSITIFS", "ASPECTS NÉGATIFS"],
                             ["ASPECTS NÉGATIFS ET DIFFICULTÉS RENCONTRÉES PAR LES STRUCTURES / LES ÉQUIPES "
                              "D'ACCOMPAGNEMENT", "Autres remarques"]])
    themes = [Theme(id=f"t{i}", label=label(rng), category=categories[i % len(categories)] if categories else None)
              for i in range(n_themes)]
    question = Question(id="q", section="Section", unit="respondents", columns=["Q"], themes=themes,
                        text=" ".join(rng.choice(WORDS) for _ in range(rng.choice([3, 12, 30]))) + " ?")
    n_nat = rng.choice([1, 3, 47, 12_000, 100_000])
    n_reg = max(1, n_nat // rng.choice([1, 2, 50]))
    zero = rng.random() < 0.15
    nat, reg = [], []
    for t in themes:
        citing = 0 if zero else rng.choice([0, 1, n_nat // 300, n_nat // 3, n_nat - 1, n_nat])
        citing_r = min(citing, n_reg, 0 if zero else rng.choice([0, 2, n_reg - 1, n_reg]))
        nat.append(ThemeCount(t.id, t.label, t.category, False, citing, citing, n_nat))
        reg.append(ThemeCount(t.id, t.label, t.category, False, citing_r, citing_r, n_reg))
    nat.sort(key=lambda t: ([*categories, None].index(t.category), -t.count))
    return question, themes, nat, reg, rng.choice(REGIONS), n_nat, n_reg


LONG = ("Manque de coordination entre l'ARS, les collectivités territoriales / les services de l'État "
        "et les structures d'hébergement pour l'accès aux soins des personnes sans domicile stable")


def long_labels_family(n_themes: int = 40):
    """`labels_family`'s shape: `n_themes` labels of 80 to 150 characters (three or four lines
    each on a chart), two categories with a long heading, 12,000 respondents, 11,920 in the region."""
    categories = ["ASPECTS NÉGATIFS ET DIFFICULTÉS RENCONTRÉES PAR LES STRUCTURES / LES ÉQUIPES", "POSITIFS"]
    themes = [Theme(id=f"t{i}", label=f"{LONG[:80 + (i * 7) % 70]} n° {i}", category=categories[i % 2])
              for i in range(n_themes)]
    question = Question(id="q", section="Section", text="Que retenir de la crise ?", unit="respondents",
                        columns=["Q"], themes=themes)
    nat = [ThemeCount(t.id, t.label, t.category, False, 11_960 - 97 * i, 11_960 - 97 * i, 12_000)
           for i, t in enumerate(themes)]
    nat.sort(key=lambda t: (categories.index(t.category or ""), -t.count))
    reg = [ThemeCount(t.theme_id, t.label, t.category, False, 11_000 - 50 * i, 11_000 - 50 * i, 11_920)
           for i, t in enumerate(nat)]
    return question, themes, nat, reg, "Provence-Alpes-Côte d'Azur", 12_000, 11_920
