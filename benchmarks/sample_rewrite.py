"""How the bundled sample's answers were made to read like real ones (run once; kept to show how).

    git show 482168f:data/raw/segur-2020-sample/reponses.csv > /tmp/old/reponses.csv   # and the two others
    nice -n 15 python benchmarks/sample_rewrite.py /tmp/old data/raw/segur-2020-sample

It reads the sample as it was written (close to the codebook, long clean sentences) and writes the
same respondents, structures, regions, timestamps and (respondent, question, theme) hand codes, with
answers rewritten by writer: each respondent gets a writing style (seeded), applied to the coded
segments and to the text around them, so that every coded segment is still found, verbatim, in
its answer:

- `soigné`: as written, with the odd typo;
- `bavard`: as written, plus one or two sentences of context (hand-written, nothing codable) on
  some answers: the long tail of real answers;
- `bref`: each segment cut to its first clause (at « : », « ( », « ; », or a comma followed by a
  clause), the text around segments dropped, segments joined as people join them (« et », « , »,
  a new line); an accent dropped now and then;
- `pressé`: `bref`, plus accents dropped, abbreviations (pb, tjrs, rdv, ds, bcp, qd, + de, infos),
  doubled or dropped letters, common misspellings, no final full stop;
- `minuscules`: `pressé` in lower case; `majuscules`: one respondent writes in capitals.

Segments whose meaning is vague on purpose (most « Autres » codes) and the answers that say
nothing codable (« je sais pas », « RAS », « idem ») are hand-written below (`HAND`, `EMPTY_PARTS`,
`FOLLOW_UPS`). Personal data planted in the sample (names, phones, e-mail, structure name: the
privacy tests rely on them) is left exactly as it was.
"""

from __future__ import annotations

import argparse
import itertools
import random
import re
import unicodedata
from pathlib import Path

import pandas as pd
import yaml

SEED = 2020
STYLES = ["minuscules"] * 5 + ["majuscules"] + ["pressé"] * 7 + ["bref"] * 14 + ["bavard"] * 12 + ["soigné"] * 8
PROTECTED = ("Porte d'Italie", "Marchand", "Benali", "hirondelles", "39 98", "99 00 42")

# Sentences of context a talkative respondent adds (nothing a coder would code).
CONTEXT = [
    "Je réponds au nom de l'équipe, on en a parlé en réunion mardi.",
    "Pour vous situer nous sommes une petite structure, 12 places, 6 salariés.",
    "C'est difficile de résumer en quelques lignes tout ce qu'on a vécu depuis mars.",
    "On en reparlera sûrement à l'AG de la fédération.",
    "Je ne sais pas si c'est exactement ce que vous attendez comme réponse mais voilà.",
    "Pour être honnête on n'a pas encore pris le temps de faire un vrai bilan.",
    "Il faudrait plus de place dans ce questionnaire pour tout dire.",
    "Tout ça reste à confirmer avec le recul, on est encore dedans.",
    "Les collègues ne seront peut-être pas tous d'accord avec moi sur ce point.",
    "Nous avions déjà fait remonter cela à la délégation départementale en avril.",
    "Ce qui suit est un avis personnel, pas forcément celui du conseil d'administration.",
    "On a écrit un petit retour d'expérience en interne, je peux vous l'envoyer si besoin.",
    "Je complète ce qu'ont dit les autres structures de la région lors de la visio.",
    "Voilà en vrac ce qui nous vient, désolée pour la forme.",
    "J'ai pris mon poste de directrice en plein confinement donc je n'ai pas tout vu.",
    "On parle ici surtout des mois de mars à mai.",
    "La structure existe depuis 1998 et on n'avait jamais connu une période pareille.",
    "Nos résidents sont pour la plupart suivis depuis des années, certains sont chez nous depuis plus de deux ans.",
    "On est dans un quartier populaire où tout le monde se connaît.",
    "Je l'avais déjà dit lors de la réunion régionale en juin, je le redis ici.",
    "C'est un sujet dont on parle souvent entre directeurs.",
    "Je pense que beaucoup de structures diront la même chose.",
    "Chez nous c'est un peu particulier car on est à la campagne, à quarante minutes de la première ville.",
    "Pour être tout à fait franche, on a aussi fait des erreurs, comme tout le monde.",
    "Les résidents eux-mêmes nous l'ont dit quand on a fait le point avec eux en juin.",
    "On a eu la chance de ne pas avoir de cas grave chez les résidents.",
    "Ça a été une période épuisante mais aussi très riche humainement.",
    "Je reprends ce que l'équipe a écrit sur le tableau lors du débriefing.",
    "C'est ce qui revient le plus souvent quand on en parle entre nous.",
    "On verra bien ce que le Ségur en retiendra.",
    "Je le dis d'autant plus que ça fait des années qu'on le demande.",
    "Bref, je pourrais en écrire des pages.",
]

# Hand-written: the vague ones (original segment -> as the respondent wrote it).
HAND = {
    "La peur aussi, tout le monde avait peur.": "la peur aussi",
    "La précarité tue, encore plus en période d'épidémie.": "la précarité tue",
    "Le calme, le temps retrouvé pour réfléchir à nos pratiques.": "Le calme.",
    "Et l'épuisement des équipes au bout de deux mois.": "et la fatigue",
    "Penser à la santé des soignants": "penser aux soignants aussi",
    "Le logement d'abord, c'est aussi de la santé": "le logement d'abord !!",
    "Les liens créés avec les résidents pendant le confinement.": "les liens avec les residents",
    "De beaux moments avec les résidents.": "de beaux moments",
    "Les équipes ont été exemplaires.": "Les équipes",
    "L'adaptabilité des ACT.": "adaptabilité",
    "Manque d'EPI": "EPI !!!",
    "La mobilisation de l'équipe.": "l'équipe, encore et toujours",
    "L'équipe s'est mobilisée.": "l'equipe",
}
# Parts of the two-column question left empty, now answered with nothing codable.
EMPTY_PARTS = {"R11": "je sais pas trop", "R29": "?", "R36": "RAS", "R44": "cf. question 1"}
# Follow-ups (not coded) answered the way people do when they have said it already.
FOLLOW_UPS = {"R05": "idem", "R16": "voir plus haut", "R34": "je ne sais pas", "R41": "RAS"}

ABBREVIATIONS = {
    "problème": "pb", "problèmes": "pbs", "toujours": "tjrs", "rendez-vous": "rdv", "dans": "ds",
    "beaucoup": "bcp", "quand": "qd", "informations": "infos", "information": "info", "téléphone": "tel",
    "quelques": "qq", "personnes": "pers", "souvent": "svt", "semaines": "sem", "tout": "tt",
}
MISSPELLINGS = {
    "développement": "developpement", "accueil": "acceuil", "accueillir": "acceuillir", "malgré": "malgrés",
    "parmi": "parmis", "plusieurs": "plusieures", "professionnels": "professionels", "dû": "du",
    "difficulté": "dificulté", "difficultés": "dificultées", "personnel": "personel", "appartements": "apartements",
    "beaucoup": "beaucoups", "résidents": "résidants", "nécessaire": "necessaire", "ressources": "ressource",
    "coordination": "cordination", "médecins": "medecin", "hôpital": "hopital", "rapidement": "rapidemment",
}
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_DOUBLE = re.compile(r"([bcdfglmnprst])\1")


def strip_accents(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


def shorten(text: str) -> str:
    """The first clause of a segment, when what is cut is a clause of its own (not a list)."""
    for mark in (" : ", " (", " ; ", " – ", " - "):
        head = text.split(mark)[0]
        if head != text and len(head.split()) >= 3:
            return head.rstrip(" ,.")
    parts = text.split(", ")
    if len(parts) > 1 and len(parts[0].split()) >= 4 and len(parts[1].split()) >= 4:
        return parts[0].rstrip(" ,.")
    return text


def noisy(text: str, style: str, rng: random.Random) -> str:
    """Misspelling families, by style."""
    if any(p in text for p in PROTECTED):
        return text
    heavy = style in ("pressé", "minuscules", "majuscules")
    accents = {"soigné": 0.0, "bavard": 0.01, "bref": 0.03, "pressé": 0.15, "minuscules": 0.8, "majuscules": 0.9}[style]
    abbrev = 0.2 if heavy else 0.0
    typo = {"soigné": 0.004, "bavard": 0.004, "bref": 0.008}.get(style, 0.02)

    def word(m: re.Match) -> str:
        w = m.group(0)
        low = w.lower()
        if rng.random() < abbrev and low in ABBREVIATIONS:
            return ABBREVIATIONS[low]
        if low in MISSPELLINGS and rng.random() < (0.5 if heavy else 0.1):
            w = MISSPELLINGS[low] if w.islower() else MISSPELLINGS[low].capitalize()
        elif len(w) >= 7 and rng.random() < typo:
            if _DOUBLE.search(w):
                w = _DOUBLE.sub(r"\1", w, count=1)
            elif w.isalpha() and rng.random() < 0.5:
                i = rng.randrange(2, len(w) - 2)
                w = w[:i] + w[i + 1] + w[i] + w[i + 2:]
        if w.endswith("é") and len(w) >= 7 and rng.random() < (0.15 if heavy else 0.03):
            w = w[:-1] + "er"  # « on a réorganiser »
        elif w.endswith("er") and len(w) >= 7 and rng.random() < (0.1 if heavy else 0.02):
            w = w[:-2] + "é"  # « il faut renforcé »
        if rng.random() < accents:
            w = strip_accents(w)
        return w

    out = _WORD.sub(word, text)
    if heavy:
        out = re.sub(r"\bplus de\b", "+ de", out) if rng.random() < 0.5 else out
        out = out.rstrip(" .")
        out = re.sub(r"\.\s+(?=\S)", " ", out) if rng.random() < 0.5 else out
    if style == "minuscules":
        out = out.lower()
    elif style == "majuscules":
        out = out.upper()
    return out


def rewrite(source: Path, target: Path, seed: int = SEED) -> None:
    config = yaml.safe_load((source / "consultation.yaml").read_text(encoding="utf-8"))
    frame = pd.read_csv(source / "reponses.csv", sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    codes = pd.read_csv(source / "codes_humains.csv", dtype=str, keep_default_na=False)
    rid_col = config["columns"]["respondent_id"]
    styles = STYLES[:]
    random.Random(seed).shuffle(styles)
    style_of = dict(zip(frame[rid_col], styles, strict=True))
    new_text: dict[tuple[str, str, str], str] = {}
    pools = {rid: random.Random(f"{seed}-{rid}-context").sample(CONTEXT, len(CONTEXT)) for rid in frame[rid_col]}
    out = frame.copy()
    for question in config["questions"]:
        propositions = question["unit"] == "propositions"
        for idx, row in frame.iterrows():
            rid = row[rid_col]
            style = style_of[rid]
            rng = random.Random(f"{seed}-{rid}-{question['id']}")
            segments = sorted(set(codes.loc[(codes.respondent_id == rid) & (codes.question_id == question["id"]), "text"]))
            for n, column in enumerate(question["columns"]):
                text = row[column]
                spans = sorted((text.find(s), text.find(s) + len(s), s) for s in segments if s in text)
                for (_, end, a), (start, _, b) in itertools.pairwise(spans):
                    assert start >= end, f"{rid} {question['id']}: overlapping segments « {a} » « {b} »"
                pieces, at = [], 0
                for start, end, seg in spans:
                    pieces.append(("filler", text[at:start]))
                    pieces.append(("segment", seg))
                    at = end
                pieces.append(("filler", text[at:]))
                short = style in ("bref", "pressé", "minuscules", "majuscules")
                if short and spans and not any(p in text for p in PROTECTED):
                    # the text around segments is dropped, segments joined as people join them
                    choices = ["\n", "\n- ", " / ", "\n"] if propositions else [" et ", ", ", ". ", " "]
                    joins = [""] + [rng.choice(choices) for _ in spans[1:]] + [""]
                    result = []
                    for i, (_, _, seg) in enumerate(spans):
                        key = (rid, question["id"], seg)
                        written = HAND.get(seg) or noisy(shorten(seg), style, rng)
                        before, after = joins[i], joins[i + 1]
                        if before in (" et ", ", ") and written[:2].istitle():
                            written = written[0].lower() + written[1:]
                        if before == " et " and written.lower().startswith("et "):
                            result[-1] = ", "
                        if after in (" et ", ", "):
                            written = written.rstrip(" .,;!")
                        if after == ". " and written.endswith((".", "!", "?")):
                            joins[i + 1] = " "
                        new_text[key] = written.strip()
                        result += [new_text[key], joins[i + 1]]
                else:
                    result = []
                    for kind, piece in pieces:
                        if kind == "segment":
                            key = (rid, question["id"], piece)
                            new_text[key] = (HAND.get(piece) or noisy(piece, style, rng)).strip()
                            result.append(new_text[key])
                        else:
                            result.append(noisy(piece, style, rng) if piece.strip() else piece)
                answer = "".join(result).strip()
                if n == 1 and not answer and rid in EMPTY_PARTS and any(row[c].strip() for c in question["columns"]):
                    answer = EMPTY_PARTS[rid]
                if style == "bavard" and answer and n == 0 and rng.random() < 0.9:
                    pool = pools[rid]
                    extra = [pool.pop() for _ in range(min(len(pool), rng.choice([2, 3, 3, 4])))]
                    sep = "\n" if propositions else " "
                    answer = sep.join([" ".join(extra), answer]) if rng.random() < 0.4 else sep.join([answer, " ".join(extra)])
                out.loc[idx, column] = answer
    for section in config.get("free_text", []):
        follow = (section.get("follow_up") or {}).get("columns", [])
        for column in follow:
            for rid, said in FOLLOW_UPS.items():
                idx = out.index[out[rid_col] == rid][0]
                if out.loc[idx, column].strip():
                    out.loc[idx, column] = said
    new_codes = codes.copy()
    new_codes["text"] = [new_text[(r, q, t)] for r, q, t in zip(codes.respondent_id, codes.question_id, codes.text, strict=True)]
    check(config, out, codes, new_codes, rid_col)
    target.mkdir(parents=True, exist_ok=True)
    out.to_csv(target / "reponses.csv", sep=";", index=False, encoding="utf-8-sig")
    new_codes.to_csv(target / "codes_humains.csv", index=False)


def check(config: dict, answers: pd.DataFrame, old: pd.DataFrame, new: pd.DataFrame, rid_col: str) -> None:
    """Same codes; every segment in its answer; a proposition's texts stay distinct within a theme."""
    assert (old[["respondent_id", "question_id", "theme_id"]].values == new[["respondent_id", "question_id", "theme_id"]].values).all()
    columns = {q["id"]: q["columns"] for q in config["questions"]}
    by_id = answers.set_index(rid_col)
    for r, q, t in zip(new.respondent_id, new.question_id, new.text, strict=True):
        joined = " / ".join(by_id.loc[r, c] for c in columns[q])
        assert t and t in joined, (r, q, t)
    for key in (["respondent_id", "question_id", "theme_id"], ["respondent_id", "question_id"]):
        before = old.groupby(key)["text"].nunique()
        after = new.groupby(key)["text"].nunique()
        assert before.equals(after), "distinct coded texts changed: " + str(before[before != after])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    rewrite(args.source, args.target, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
