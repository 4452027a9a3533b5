"""JSON Schema of `consultation.yaml`, generated from the pydantic models of consultation.codebook.

Editors use it to complete and check the file as it is typed (VS Code with the YAML extension reads
the `# yaml-language-server: $schema=…` line at the top of the file). The models stay the one
validation; this module only adds the French descriptions an editor shows, and says what pydantic
cannot see (a source may be written as a plain file name).

    python -m consultation.yaml_schema            # rewrite the shipped schema
    python -m consultation.yaml_schema --check    # exit 1 if it is out of date (tests do this)
"""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from consultation import codebook

SCHEMA_FILE = "consultation.schema.json"
DRAFT = "https://json-schema.org/draft/2020-12/schema"

#: What each key means, as an editor shows it (model name -> key -> description).
DESCRIPTIONS: dict[str, dict[str, str]] = {
    "Consultation": {
        "": "Une consultation : ses fichiers d'export, ses colonnes, ses questions et leurs thèmes (codebook).",
        "id": "Identifiant court (lettres, chiffres, _ - .) : nom du dossier de sorties data/processed/<id>/.",
        "title": "Titre affiché en tête des rapports.",
        "description": "Présentation de la consultation, pour ceux qui maintiennent ce fichier (gardée dans la "
                       "base avec le codebook).",
        "sources": "Les fichiers d'export à lire dans le dossier de la consultation.",
        "columns": "Les colonnes des exports qui décrivent le répondant (identifiant, région, structure).",
        "structure_types": "Types de structure de la consultation (ex. ACT, LAM, LHSS) : repérés dans les "
                           "témoignages pour y masquer les noms de structures.",
        "respondents": "Qui a répondu, tel que les rapports le disent, au pluriel (« personnes », « structures », "
                       "« habitants ») ou [singulier, pluriel] quand le singulier n'est pas le pluriel sans son « s » "
                       "final. Par défaut : structures.",
        "questions": "Questions codées en thèmes : chacune a ses colonnes, son unité de décompte et ses thèmes.",
        "free_text": "Sections à texte libre, reprises dans les rapports sans être codées (ex. initiatives).",
    },
    "Sources": {
        "": "Fichiers d'export (CSV, XLSX, JSON, Parquet) : un nom de fichier, un motif (*.csv) ou un objet.",
        "responses": "Exports des réponses (au moins un).",
        "human_codes": "Fichiers de codes attribués à la main (répondant, question, thème) : ils priment sur le "
                       "codage automatique et l'entraînent.",
    },
    "SourceFile": {
        "": "Comment lire un export quand les valeurs par défaut ne suffisent pas.",
        "path": "Nom du fichier (ou motif) dans le dossier de la consultation.",
        "layout": "wide : une ligne par répondant et une colonne par question ; long : une ligne par réponse.",
        "sheet": "Classeur Excel : nom de la feuille, ou sa position (1 = la première).",
        "header_row": "Ligne des en-têtes (1 = la première) ; trouvée automatiquement si absente.",
        "question_column": "Format long : la colonne qui nomme la question.",
        "answer_column": "Format long : la colonne qui contient la réponse.",
        "codes_column": "Format long : la colonne des codes donnés à la main à chaque réponse (libellés ou "
                        "identifiants de thèmes, séparés par « ; », « | » ou un retour à la ligne), relue à "
                        "chaque import.",
        "max_answer_chars": "Longueur maximale d'une réponse, en caractères (2 000 000 par défaut) : "
                            "une réponse plus longue est mise en quarantaine avec la raison.",
    },
    "Columns": {
        "": "En-têtes des colonnes qui décrivent le répondant dans les exports.",
        "respondent_id": "Colonne de l'identifiant du répondant (unique par répondant), ou liste de colonnes dont "
        "les valeurs ensemble le sont (ex. [Horodateur, Nom de la structure] : un horodatage à la seconde ne "
        "suffit pas quand plusieurs répondent en même temps).",
        "region": "Colonne de la région, ou liste de colonnes essayées dans l'ordre (ex. Région, Code postal, "
                  "Département) : la première reconnue l'emporte.",
        "structure_name": "Colonne du nom de la structure (masqué dans les témoignages publiés).",
        "structure_type": "Colonne du type de structure (ACT, LAM, LHSS…).",
    },
    "Question": {
        "": "Une question codée en thèmes.",
        "id": "Identifiant court de la question (ex. q1_retenir), utilisé par --question et dans la base.",
        "section": "Partie du questionnaire (titre de section des rapports).",
        "text": "Texte de la question, tel que posé.",
        "unit": "Unité de décompte publiée : respondents (répondants citant le thème) ou propositions "
                "(chaque proposition d'une réponse compte).",
        "columns": "En-têtes des colonnes de réponse dans les exports, un ou plusieurs (plusieurs : textes mis bout à bout).",
        "codes_column": "En-tête de la colonne de l'export où une personne a codé les réponses à la main "
                        "(libellés ou identifiants de thèmes, séparés par « ; », « | » ou un retour à la "
                        "ligne) : relue à chaque import, ces codes entraînent le modèle et priment sur le "
                        "codage automatique.",
        "codes_grid": "Grille de codage de l'export : une colonne par thème (nommée par le libellé ou "
                      "l'identifiant du thème), une marque (« x », « 1 », « oui ») là où une personne a donné ce "
                      "thème à la réponse ; relue à chaque import.",
        "chart_caption": "Légende du graphique national ; par défaut « Thèmes des réponses (au niveau national) "
                         "à la question : … ».",
        "themes": "Thèmes du codebook, dans l'ordre de publication ; un thème « Autres » est ajouté s'il manque.",
    },
    "Theme": {
        "": "Un thème du codebook.",
        "id": "Identifiant court et unique du thème (ex. q1_adaptabilite), utilisé dans les codes humains.",
        "label": "Libellé publié dans les graphiques et les rapports. « Autres » désigne le thème de repli.",
        "category": "Groupe de thèmes (ex. ASPECTS POSITIFS) : titre de groupe dans les tableaux.",
        "description": "Ce que recouvre le thème : guide les codeurs humains et sert d'exemple au codage "
                       "automatique.",
        "keywords": "Mots-clés : les règles attribuent le thème à une réponse qui en contient un ; servent aussi "
                    "d'exemple au modèle.",
        "examples": "Exemples de réponses qui relèvent du thème : guident les codeurs et servent d'exemples au "
                    "codage automatique avant les premiers codes humains.",
    },
    "FreeTextSection": {
        "": "Une section à texte libre, publiée sans codage.",
        "id": "Identifiant court de la section.",
        "section": "Titre de la section dans les rapports.",
        "text": "Texte de la question, tel que posé.",
        "columns": "En-têtes des colonnes de réponse dans les exports, un ou plusieurs.",
        "follow_up": "Question de suivi posée dans la même section (ex. « Si oui, lesquelles ? »).",
    },
    "FollowUp": {
        "": "Question de suivi d'une section à texte libre.",
        "text": "Texte de la question de suivi.",
        "columns": "En-têtes des colonnes de réponse de la question de suivi, un ou plusieurs.",
    },
}

_ID_PATTERN = codebook._ID.pattern


def models() -> dict[str, type[BaseModel]]:
    """Every model of the file, by name (the keys of DESCRIPTIONS)."""
    return {
        m.__name__: m for m in (
            codebook.Consultation, codebook.Sources, codebook.SourceFile, codebook.Columns,
            codebook.Question, codebook.Theme, codebook.FreeTextSection, codebook.FollowUp,
        )
    }


def build_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of consultation.yaml."""
    schema = codebook.Consultation.model_json_schema()
    definitions = schema.setdefault("$defs", {})
    for name in models():
        node = schema if name == "Consultation" else definitions[name]
        texts = DESCRIPTIONS[name]
        node["description"] = texts[""]
        for key, prop in node.get("properties", {}).items():
            prop["description"] = texts[key]
            prop.pop("title", None)
            if key == "id":
                prop["pattern"] = _ID_PATTERN
    # A source is a file name or an object (Sources' "before" validator turns names into objects).
    for key in ("responses", "human_codes"):
        prop = definitions["Sources"]["properties"][key]
        prop["items"] = {"anyOf": [{"type": "string", "description": "Nom de fichier ou motif (ex. *.csv)."},
                                   {"$ref": "#/$defs/SourceFile"}]}
    return {"$schema": DRAFT, **schema, "title": "consultation.yaml"}


def render() -> str:
    return json.dumps(build_schema(), ensure_ascii=False, indent=2) + "\n"


def shipped_path() -> Path:
    return Path(str(resources.files("consultation").joinpath("data", SCHEMA_FILE)))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    target = shipped_path()
    if "--check" in args:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != render():
            print(f"{target} : schéma périmé ; relancez « python -m consultation.yaml_schema »", file=sys.stderr)
            return 1
        return 0
    target.write_text(render(), encoding="utf-8")
    print(f"Schéma écrit : {target}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
