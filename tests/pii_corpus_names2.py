"""Names that no list of the redactor knows, found leaking on 2026-12-06 (task pii19):

- `unknown_pairs`: a first name and a surname both unknown to the redactor's lists (West African,
  Maghrebi, Vietnamese, Portuguese, Eastern European, Breton…), written as names are (« Merci à
  Nhung Cissé pour son aide. », « Grâce à Tiemoko Ouattara… »), no civility before them, in the
  sentences answers use: thanks, « avec », « contact », « grâce à », list items « - », « 1) »;
- `lower_surnames`: a capitalised first name the lists know, then its surname in lower case
  (« Merci à Loïs vasseur pour tout. », « avec Karim ouattara »);
- `verb_surnames`: a common surname that is also a French verb (« Charrier », « Auger »,
  « Renier »), alone, opening its sentence as the subject of a verb (« Charrier nous a aidés »).

Each generator returns `pii_corpus_more.Case`s from seeded random parts (the needles: the name's
parts). `ORDINARY` holds generated texts of the same shapes that must stay as written:
institutions, places, brands, titles in capitalised common words after the same cues (« Merci à
Pôle Emploi », « avec Emmaüs Connect »), propositions opening on the same verbs (« Renier ses
engagements… »), a listed first name before an ordinary lower-case word.
"""

from __future__ import annotations

import random

from pii_corpus_more import Case

SEED = 2119
N = 32  # cases per family and seed: three seeds (SEEDS) make 96
SEEDS = [SEED, SEED + 10, SEED + 20]

# First names and surnames from several origins; the generators keep those the redactor's lists do
# not know (checked by tests/test_redact_unseen_names2.py, not assumed).
FIRST_NAMES = {
    "west african": ["Tiemoko", "Kouassi", "Adjoa", "Akosua", "Kwame", "Abena", "Efua", "Assétou", "Fatoumata",
                     "Kadidia", "Drissa", "Lassina", "Siaka", "Bakary", "Yacouba", "Dramane", "Oumou", "Nafissatou"],
    "maghrebi": ["Nourredine", "Lakhdar", "Belkacem", "Ouarda", "Zohra", "Fadila", "Houria", "Lahcen", "Mbarek",
                 "Abdelhak", "Hassiba", "Tassadit", "Lounès", "Idir", "Massinissa", "Ouiza", "Djamila"],
    "vietnamese": ["Nhung", "Thuy", "Huong", "Phuong", "Tuan", "Hanh", "Trang", "Quynh", "Khanh", "Nghia", "Thao"],
    "portuguese": ["Conceição", "Albertina", "Deolinda", "Arminda", "Lurdes"],
    "eastern european": ["Wojciech", "Grzegorz", "Małgorzata", "Zbigniew", "Radu", "Mihai", "Vasile", "Dorin",
                         "Svetlana", "Oksana", "Taras", "Mykola", "Vesna", "Dragan", "Milica", "Agnieszka"],
    "breton": ["Gwenola", "Yannig", "Goulven", "Riwal", "Katell", "Tifenn", "Youenn", "Gwenn", "Nolwenn", "Enora",
               "Armel", "Bleuenn"],
    "other": ["Hinano", "Vaimiti", "Lisandru", "Anouchka", "Keziah", "Soizig", "Ilyes", "Wissem", "Jibril"],
}
SURNAMES = {
    "west african": ["Ouattara", "Cissé", "Koné", "Diabaté", "Sangaré", "Kouyaté", "Coulibaly", "Dembélé",
                     "Diarra", "Keïta", "Bamba", "Konaté", "Doumbia", "Sissoko", "Kanté", "Mensah", "Owusu",
                     "Boateng", "Adjovi", "Agbodjan", "Yao"],
    "maghrebi": ["Bouzid", "Khelifi", "Boudjema", "Amrani", "Bensaïd", "Zerrouki", "Meziane", "Hamdi", "Slimani",
                 "Benhamou", "Ouali", "Belhadj", "Chaouch", "Mansouri", "Bouaziz", "Lahlou"],
    "vietnamese": ["Tran", "Pham", "Hoang", "Dang", "Bui", "Ngo", "Duong", "Huynh", "Truong", "Phan", "Trinh"],
    "portuguese": ["Carvalho", "Moreira", "Figueiredo", "Magalhães", "Azevedo", "Cardoso",
                   "Sequeira", "Rebelo"],
    "eastern european": ["Kowalski", "Nowak", "Wiśniewska", "Popescu", "Ionescu", "Dumitru", "Kovalenko",
                         "Shevchenko", "Petrović", "Horvat", "Novák", "Zielinski", "Lewandowska"],
    "breton": ["Kerbrat", "Quéré", "Guivarch", "Kervella", "Jaouen", "Caradec", "Prigent", "Pennec", "Kergoat",
               "Le Bihan", "Le Gall", "Le Goff"],
    "other": ["Tetuanui", "Santoni", "Paoli", "Mattei", "Nativel"],
}

# The sentences answers really use (no civility), with the name at {x}.
SENTENCES = [
    "Merci à {x} pour son aide.", "Merci à {x}.", "Un grand merci à {x} !", "Grâce à {x}, nous avons pu continuer.",
    "Nous avons travaillé avec {x} pendant la crise.", "Réunion avec {x} le 3 mars.", "Contact : {x}",
    "Personne à contacter : {x} (coordinatrice)", "Contacter {x} au centre social.", "- {x} (bénévole)",
    "1) {x}, référente", "Je remercie {x} et toute l'équipe.", "Remercier {x} pour son écoute",
    "Bravo à {x} et à toute l'équipe.", "La médiatrice, {x}, a été formidable.", "Voir avec {x} pour la suite.",
    "Nous remercions {x} de la mairie.", "J'ai appelé {x} hier soir.",
]
OPENINGS = ["", "Bonjour,\n", "Merci pour cette consultation. ", "Je suis bénévole.\n\n", "- ", "1) "]
CLOSINGS = ["", " Bonne journée.", "\nMerci.", " Nous manquons de moyens."]


def _around(rng: random.Random, sentence: str) -> str:
    opening = rng.choice(OPENINGS) if not sentence.startswith(("-", "1)")) else rng.choice(["", "Bonjour,\n"])
    return opening + sentence + rng.choice(CLOSINGS)


def unknown_pairs(n: int = N, seed: int = SEED, *, first_names=None, surnames=None) -> list[Case]:
    """An unknown first name, an unknown surname, both capitalised, one origin or two."""
    rng = random.Random(seed)
    origins = sorted(FIRST_NAMES)
    out = []
    for _ in range(n):
        first = rng.choice((first_names or FIRST_NAMES)[rng.choice(origins)])
        last = rng.choice((surnames or SURNAMES)[rng.choice(origins)])
        name = f"{first} {last}" if rng.random() < 0.8 else f"{last} {first}"
        out.append(Case("unknown first name and surname", _around(rng, rng.choice(SENTENCES).format(x=name)),
                        (first, *last.split()[-1:])))
    return out


LISTED_FIRST_NAMES = ["Loïs", "Karim", "Nadia", "Sophie", "Thierry", "Agnès", "Quentin", "Mireille", "Fatou", "Rémi",
                      "Hélène", "Mamadou", "Sandrine", "Yannick", "Aminata", "Olivier", "Isabelle", "Mehdi"]
LOWER_SURNAMES = ["vasseur", "lefebvre", "giraud", "perrin", "texier", "pujol", "marchetti", "benali", "haddad",
                  "ouattara", "cissé", "traoré", "nguyen", "kowalski", "kerbrat", "carvalho", "popescu", "diallo"]


def lower_surnames(n: int = N, seed: int = SEED) -> list[Case]:
    """A listed first name, capitalised, then its surname in lower case."""
    rng = random.Random(seed + 1)
    out = []
    for _ in range(n):
        first, last = rng.choice(LISTED_FIRST_NAMES), rng.choice(LOWER_SURNAMES)
        sentence = rng.choice(SENTENCES).format(x=f"{first} {last}")
        out.append(Case("listed first name, lower-case surname", _around(rng, sentence), (last,)))
    return out


# Common surnames of Faker's lists that are French infinitives too (checked by the test).
VERB_SURNAMES = ["Charrier", "Auger", "Renier", "Royer"]
# Common surnames of Faker's lists that are French nouns or adjectives (« Berger », « Meunier »).
WORD_SURNAMES = ["Berger", "Boucher", "Fournier", "Bouvier", "Cordier", "Mercier", "Meunier", "Marchand",
                 "Chevalier", "Moulin", "Renard", "Poirier", "Boulanger", "Charpentier", "Pelletier", "Couturier",
                 "Brasseur", "Fontaine", "Vasseur", "Verdier", "Voisin", "Mouton"]
SUBJECT_TAILS = ["nous a aidés pour le dossier.", "a tout organisé avec les familles.", "est venue nous voir.",
                 "m'a rappelé hier.", "s'est occupé de tout.", "nous a orientés vers la CAF.", "était présente.",
                 "a été très à l'écoute.", "les a reçus lundi.", "nous accompagne depuis deux ans."]


def verb_surnames(n: int = N, seed: int = SEED, surnames: list[str] | None = None) -> list[Case]:
    """A common surname that is a verb (half the cases) or another French word, alone, opening its
    sentence as a subject."""
    rng = random.Random(seed + 2)
    out = []
    for _ in range(n):
        name = rng.choice(surnames or (VERB_SURNAMES if rng.random() < 0.5 else WORD_SURNAMES))
        text = rng.choice(OPENINGS) + f"{name} {rng.choice(SUBJECT_TAILS)}" + rng.choice(CLOSINGS)
        out.append(Case("verb surname opening a sentence", text, (name,)))
    return out


FAMILIES = {
    "unknown first name and surname": unknown_pairs,
    "listed first name, lower-case surname": lower_surnames,
    "verb surname opening a sentence": verb_surnames,
}

# --- look-alikes: ordinary texts of the same shapes, which must stay as written ------------------------

INSTITUTIONS = ["Pôle Emploi", "Emmaüs Connect", "France Travail", "Action Logement", "Habitat Humanisme",
                "Secours Populaire", "Secours Catholique", "Restos du Cœur", "Familles Rurales", "Info Retraite",
                "Solidarité Paysans", "Médecins du Monde", "Croix Rouge", "Ouest France", "Air France",
                "Bien Vieillir Ensemble", "Vivre Mieux", "Google Maps", "Microsoft Teams", "Mission Locale",
                "Aide Sociale", "Maison France Services", "Enfance Majuscule", "Petits Frères des Pauvres",
                "Apprentis d'Auteuil", "Cap Emploi", "Sud Ouest", "Planning Familial", "Service Civique",
                "Protection Civile", "Saint Denis", "Aix Marseille", "Clermont Ferrand", "Seine Maritime",
                "Côte d'Or", "Haute Savoie", "Île de France", "Grand Est", "Pays Basque", "Val de Marne",
                "Leroy Merlin", "Crédit Agricole", "Banque Postale", "Caisse d'Épargne", "Orange Bank"]


def look_alikes(n: int = N, seed: int = SEED) -> list[str]:
    """Institutions, places, brands, titles after the same cues; verbs opening propositions."""
    rng = random.Random(seed + 3)
    out = []
    for k in range(n):
        if k % 4 == 3:  # the verb surnames' infinitives, as propositions open on them
            verb = rng.choice(["Charrier", "Renier", "Manger", "Voyer", "Auger"]).lower().capitalize()
            tail = rng.choice(["ses engagements n'est pas acceptable.", "des tonnes de déchets.", "nos valeurs.",
                               "moins de viande.", "les promesses faites aux citoyens."])
            out.append(rng.choice(OPENINGS) + f"{verb} {tail}")
            continue
        if k % 4 == 2:  # a listed first name that is a word, before a lower-case word
            out.append(_around(rng, rng.choice(["Il faut des lois {w} pour tous.", "Merci à Marine et {w}.",
                                                "Avec Pierre {w} de la mairie, rien ne bouge.",
                                                "Je remercie France {w}."]).format(
                w=rng.choice(["strictes", "solidaires", "pour", "nationale", "efficaces"]))))
            continue
        out.append(_around(rng, rng.choice(SENTENCES).format(x=rng.choice(INSTITUTIONS))))
    return out
