"""Three families of names that still reached the reports on 2026-12-06 (task pii20):

- `caps_names`: a first name and a surname written in capitals without any accent, in an answer
  that is not (« Merci à ADJOA PUJOL », « contactez JEAN-MARC DUBOIS au… », « Signé : MARIE
  LEFEBVRE »), after what introduces a person or alone on the answer's last line, as a signature;
- `subject_names`: an unknown first name and surname (or surname and first name) opening their
  sentence as its subject (« Nhung Cissé nous a aidés », « Tiemoko Ouattara est venu »);
- `particle_names`: a surname with a particle (« Le Gall », « De La Fontaine », « van der Berg »,
  « d'Arvor »), first and followed by the first name (« avec Le Gall Hassiba »), after the first
  name (« Jean Le Goff »), or after a civility (« merci à Mme De La Fontaine », « M. d'Arvor »).

Each generator returns `pii_corpus_more.Case`s from seeded random parts (the needles: the parts of
the name that identify, particles left out). The look-alikes are texts of the same shapes that must
stay as written: acronyms of the sector in pairs after the same cues and as a last line (« avec
SNCF RATP », « Merci à ARS IDF »), institutions and places opening a sentence before the same verbs
(« Pôle Emploi nous a aidés », « Saint Denis est loin »), towns whose name starts with an article
after the words that introduce a place (« Nous habitons Le Mans »).
"""

from __future__ import annotations

import random

from consultation.text import fold
from pii_corpus_more import Case
from pii_corpus_names2 import FIRST_NAMES, INSTITUTIONS, SUBJECT_TAILS, SURNAMES

SEED = 2203
N = 32  # cases per family and seed: three seeds (SEEDS) make 96
SEEDS = [SEED, SEED + 10, SEED + 20]

# --- 1. names in capitals without accents ------------------------------------------------------------

# Listed first names and surnames (the redactor's lists know them) and unknown ones (`pii_corpus_names2`).
LISTED_FIRST = ["Jean-Marc", "Marie", "Nadia", "Karim", "Sophie", "Thierry", "Quentin", "Mireille", "Fatou",
                "Olivier", "Isabelle", "Mehdi", "Sandrine", "Mamadou", "Paul", "Anne-Sophie", "Bernard"]
LISTED_SURNAMES = ["Dubois", "Lefebvre", "Vasseur", "Giraud", "Perrin", "Texier", "Marchetti", "Benali", "Haddad",
                   "Durand", "Moreau", "Lemaire", "Fabre", "Roussel", "Carpentier"]
UNKNOWN_FIRST = [n for names in FIRST_NAMES.values() for n in names]
UNKNOWN_SURNAMES = [n for names in SURNAMES.values() for n in names if " " not in n]


def _caps(name: str) -> str:
    """In capitals, the accents dropped (as many keyboards write capitals)."""
    return "-".join(fold(part).upper() for part in name.split("-"))


CAPS_CUED = ["Merci à {x} pour son aide.", "Un grand merci à {x} !", "contactez {x} au centre social.",
             "Contactez {x} (coordinatrice).", "Signé : {x}", "Cordialement,\n{x}", "Nous avons travaillé avec {x}.",
             "Grâce à {x}, le dossier a avancé.", "Je remercie {x} et toute l'équipe.", "- {x} (bénévole)",
             "Réunion avec {x} le 3 mars.", "Bien à vous,\n{x}", "Personne à contacter : {x}"]
BODIES = ["Merci pour cette consultation.", "Nous manquons de moyens pour l'accueil des familles.",
          "Il faut plus de bénévoles.", "Bonne continuation à tous !", "Les délais sont trop longs."]
OPENINGS = ["", "Bonjour,\n", "Merci pour cette consultation. ", "Je suis bénévole.\n\n"]
CLOSINGS = ["", " Bonne journée.", "\nMerci.", " Nous manquons de moyens."]


def caps_names(n: int = N, seed: int = SEED) -> list[Case]:
    """A first name and a surname in capitals without accents (listed or unknown, in either
    order), after a cue (two cases in three) or alone on the answer's last line."""
    rng = random.Random(seed)
    out = []
    for k in range(n):
        first = rng.choice(LISTED_FIRST if rng.random() < 0.4 else UNKNOWN_FIRST)
        last = rng.choice(LISTED_SURNAMES if rng.random() < 0.4 else UNKNOWN_SURNAMES)
        name = f"{_caps(first)} {_caps(last)}" if rng.random() < 0.75 else f"{_caps(last)} {_caps(first)}"
        if k % 3 == 2:
            text = rng.choice(BODIES) + rng.choice(["\n", "\n\n", "\n-- \n"]) + name + rng.choice(["", "\n"])
        else:
            sentence = rng.choice(CAPS_CUED)
            # a list's item opens its line (« Merci. - … » is no item)
            text = rng.choice(OPENINGS if not sentence.startswith("-") else ["", "Bonjour,\n"]) + sentence.format(x=name)
            text += rng.choice(CLOSINGS) if not text.endswith(name) or rng.random() < 0.5 else ""
        needles = (*_caps(first).split("-"), _caps(last))
        out.append(Case("name in capitals, no accent", text, needles))
    return out


# Acronyms of the sector and of everyday life, in pairs as answers write them (none a name).
ACRONYMS = ["CAF", "CPAM", "ARS", "IDF", "SNCF", "RATP", "EHPAD", "USLD", "ACT", "LHSS", "COVID", "SRAS", "CNAV",
            "MSA", "URSSAF", "CCAS", "MDPH", "PMI", "CMU", "AME", "APL", "RSA", "AAH", "CHU", "SAMU", "SMUR", "HLM",
            "UDAF", "FNARS", "CNIL", "DGFIP", "ANPE", "CMPP", "CATTP", "CGT", "CFDT", "TVA", "CSG", "ISF", "EDF",
            "GDF", "SIAO", "CHRS", "CADA", "SSIAD", "PASS", "IME", "ESAT", "SESSAD", "CSAPA", "DDETS", "DREETS"]


def caps_look_alikes(n: int = N, seed: int = SEED) -> list[str]:
    """Two or three acronyms after the same cues, or alone on the last line."""
    rng = random.Random(seed + 3)
    out = []
    for k in range(n):
        pair = " ".join(rng.sample(ACRONYMS, 3 if rng.random() < 0.2 else 2))
        if k % 3 == 2:
            out.append(rng.choice(BODIES) + rng.choice(["\n", "\n\n"]) + pair)
        else:
            sentence = rng.choice(CAPS_CUED)
            opening = rng.choice(OPENINGS if not sentence.startswith("-") else ["", "Bonjour,\n"])
            out.append(opening + sentence.format(x=pair) + rng.choice(CLOSINGS))
    return out


# --- 2. an unknown name opening its sentence as the subject ----------------------------------------

SUBJECT_OPENINGS = ["", "Bonjour,\n", "Merci pour cette consultation. ", "Je suis bénévole.\n\n", "- ", "1) ",
                    "Très bonne expérience ! ", "Au centre social : "]
MORE_TAILS = ["est venu.", "est venue hier.", "nous a aidés.", "a été formidable.", "va nous rappeler.",
              "fait un travail remarquable.", "vient chaque semaine.", "n'a pas pu venir."]


def subject_names(n: int = N, seed: int = SEED) -> list[Case]:
    """An unknown first name and surname, capitalised, as the subject opening a sentence."""
    rng = random.Random(seed + 1)
    out = []
    for _ in range(n):
        first, last = rng.choice(UNKNOWN_FIRST), rng.choice(UNKNOWN_SURNAMES)
        name = f"{first} {last}" if rng.random() < 0.8 else f"{last} {first}"
        tail = rng.choice(SUBJECT_TAILS + MORE_TAILS)
        text = rng.choice(SUBJECT_OPENINGS) + f"{name} {tail}" + rng.choice(CLOSINGS)
        out.append(Case("unknown name opening a sentence", text, (first, last)))
    return out


MORE_INSTITUTIONS = ["Médecins du Monde", "Saint Denis", "Sainte Anne", "Saint Étienne", "Notre Dame", "Pôle Emploi",
                     "Mairie de Paris", "Conseil Départemental", "Service Public", "Sécurité Sociale",
                     "Aide Sociale à l'Enfance", "Maison des Solidarités", "Banque Alimentaire", "Assurance Maladie",
                     "Caisse Primaire", "Education Nationale", "Samu Social", "Restos du Cœur"]


def subject_look_alikes(n: int = N, seed: int = SEED) -> list[str]:
    """Institutions, places, services opening a sentence before the same verbs."""
    rng = random.Random(seed + 4)
    out = []
    for _ in range(n):
        name = rng.choice(INSTITUTIONS + MORE_INSTITUTIONS)
        tail = rng.choice(SUBJECT_TAILS + MORE_TAILS + ["est loin.", "est trop loin de chez nous."])
        out.append(rng.choice(SUBJECT_OPENINGS) + f"{name} {tail}" + rng.choice(CLOSINGS))
    return out


# --- 3. surnames with a particle ------------------------------------------------------------------------

PARTICLE_SURNAMES = ["Le Gall", "Le Goff", "Le Bihan", "Le Floch", "Le Guen", "Le Roux", "De La Fontaine",
                     "de La Tour", "Da Silva", "Dos Santos", "Van der Berg", "van der Berg", "Van Damme", "d'Arvor",
                     "D'Estienne", "du Pontavice", "Des Roches", "Ben Amor", "El Khoury", "Di Marco", "De Oliveira"]
CIVILITIES = ["Mme", "M.", "Madame", "Monsieur", "Dr", "Me"]
PARTICLE_SENTENCES = ["Merci à {x} pour son aide.", "merci à {x}.", "Nous avons travaillé avec {x}.",
                      "avec {x} hier", "Contact : {x}", "Je remercie {x} et toute l'équipe.", "- {x} (bénévole)",
                      "Grâce à {x}, le dossier a avancé.", "Réunion avec {x} le 3 mars.", "{x} nous a aidés.",
                      "{x} est venu.", "Bravo à {x} !", "Rendez-vous pris avec {x}, merci."]


def particle_names(n: int = N, seed: int = SEED) -> list[Case]:
    """A surname with a particle: first then a first name (listed or unknown), after a first name,
    or after a civility, in the sentences of thanks, meetings, list items and subjects."""
    rng = random.Random(seed + 2)
    out = []
    for k in range(n):
        surname = rng.choice(PARTICLE_SURNAMES)
        first = rng.choice(LISTED_FIRST if rng.random() < 0.5 else UNKNOWN_FIRST)
        shape = k % 3
        if shape == 0:
            name, needles = f"{surname} {first}", (surname.split()[-1].split("'")[-1], first)
        elif shape == 1:
            name, needles = f"{first} {surname}", (surname.split()[-1].split("'")[-1], first)
        else:
            name, needles = f"{rng.choice(CIVILITIES)} {surname}", (surname.split()[-1].split("'")[-1],)
        sentence = rng.choice(PARTICLE_SENTENCES)
        opening = rng.choice(OPENINGS if not sentence.startswith("-") else ["", "Bonjour,\n"])
        text = opening + sentence.format(x=name) + rng.choice(CLOSINGS)
        out.append(Case("surname with a particle", text, needles))
    return out


ARTICLE_TOWNS = ["Le Mans", "La Rochelle", "Le Havre", "La Ciotat", "Le Puy", "La Courneuve", "Les Mureaux",
                 "Le Creusot", "La Roche-sur-Yon", "Le Blanc-Mesnil", "La Baule", "Les Ulis", "Le Pecq", "La Seyne"]
PLACE_SENTENCES = ["Nous habitons {x} depuis dix ans.", "J'habite {x}.", "Commune : {x}", "Les bus pour {x} sont rares.",
                   "Déménagement vers {x} prévu.", "{x} est loin de tout.", "Avenue De Gaulle, {x} : rien ne bouge.",
                   "Place De Gaulle ({x}), le marché a fermé.", "Ville : {x}."]


def particle_look_alikes(n: int = N, seed: int = SEED) -> list[str]:
    """Towns whose name opens on an article, after the words that introduce a place."""
    rng = random.Random(seed + 5)
    return [rng.choice(OPENINGS) + rng.choice(PLACE_SENTENCES).format(x=rng.choice(ARTICLE_TOWNS))
            + rng.choice(CLOSINGS) for _ in range(n)]


FAMILIES = {
    "name in capitals, no accent": caps_names,
    "unknown name opening a sentence": subject_names,
    "surname with a particle": particle_names,
}
LOOK_ALIKES = {
    "name in capitals, no accent": caps_look_alikes,
    "unknown name opening a sentence": subject_look_alikes,
    "surname with a particle": particle_look_alikes,
}
