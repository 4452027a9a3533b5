"""Bad input: errors that name file, row, column and value (exit 2, no traceback), and bad rows kept
in quarantine with their reason, so that rows read = ingested + quarantined, always."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from consultation import store
from consultation.cli import main
from consultation.codebook import load_consultation
from consultation.errors import InputFileError
from consultation.ingest.core import ingest_consultation, quarantined_rows
from test_ingest_formats import INGEST_DATA, consultation_dir
from test_ingest_regions import one_question_consultation


@pytest.fixture
def con():
    c = store.connect(None)
    yield c
    c.close()


@pytest.fixture
def crafted(tmp_path) -> Path:
    """A writable copy of the crafted consultation."""
    target = tmp_path / "crafted"
    shutil.copytree(INGEST_DATA, target)
    return target


def _tables(con) -> dict[str, int]:
    return {
        t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]  # noqa: S608
        for t in ("respondents", "answers", "quarantine", "human_codes", "source_files", "codebook_versions")
    }


# --------------------------------------------------------------------------
# Errors: the whole ingest stops, nothing is written, the message locates the problem
# --------------------------------------------------------------------------


def test_missing_mapped_column_names_file_header_row_and_closest_column(con, crafted):
    path = crafted / "reponses.csv"
    path.write_bytes(path.read_bytes().replace("Région".encode(), "Région d'implantation".encode(), 1))
    with pytest.raises(InputFileError) as err:
        ingest_consultation(con, load_consultation(crafted), crafted)
    assert str(err.value) == (
        f"{path}, ligne 1, colonne « Région » : colonne attendue absente (région) ; "
        "colonne la plus proche : « Région d'implantation »"
    )
    assert _tables(con) == dict.fromkeys(_tables(con), 0)


def test_two_columns_matching_one_header_is_an_error_not_a_guess(con, tmp_path):
    (tmp_path / "e.csv").write_text(
        "Identifiant;Région;REGION;Q1. Que retenez-vous de la crise ?\nA;Corse;Bretagne;x\n", encoding="utf-8"
    )
    folder = consultation_dir(tmp_path, ["e.csv"], region="région", structure_name=None)
    with pytest.raises(InputFileError) as err:
        ingest_consultation(con, load_consultation(folder), folder)
    assert "colonne « région » : plusieurs colonnes correspondent (« Région », « REGION »)" in str(err.value)


def test_unknown_question_in_long_layout_names_row_column_and_value(con, crafted):
    path = crafted / "reponses_long.csv"
    path.write_text(path.read_text(encoding="utf-8") + "L9,Q99. Question supprimée,Réponse,,\n", encoding="utf-8")
    folder = consultation_dir(
        crafted,
        [{"path": "reponses_long.csv", "layout": "long", "question_column": "question", "answer_column": "answer"}],
        respondent_id="respondent_id", region=["code_postal", "departement"], structure_name=None,
    )
    with pytest.raises(InputFileError) as err:
        ingest_consultation(con, load_consultation(folder), folder)
    assert str(err.value).startswith(f"{path}, ligne 14, colonne « question » : question inconnue du codebook")
    assert "(valeur : « Q99. Question supprimée »)" in str(err.value)
    assert _tables(con)["answers"] == 0


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("F01,q1,q1_inexistant,", "ligne 7, colonne « theme_id » : thème inconnu du codebook pour la question q1 (valeur : « q1_inexistant »)"),
        ("F01,q9,q1_epi,", "ligne 7, colonne « question_id » : question inconnue du codebook (valeur : « q9 »)"),
        ("F01,q2,q1_epi,", "ligne 7, colonne « theme_id » : le thème appartient à la question q1, pas à q2 (valeur : « q1_epi »)"),
    ],
)
def test_human_code_for_unknown_question_or_theme(con, crafted, line, expected):
    path = crafted / "codes.csv"
    path.write_text(path.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")
    with pytest.raises(InputFileError) as err:
        ingest_consultation(con, load_consultation(crafted), crafted)
    assert str(err.value) == f"{path}, {expected}"
    # One transaction for the whole ingest: the responses file before it is not half-kept.
    assert _tables(con) == dict.fromkeys(_tables(con), 0)


def test_many_bad_codes_are_listed_up_to_a_limit(con, crafted):
    path = crafted / "codes.csv"
    path.write_text(path.read_text(encoding="utf-8") + "".join(f"F01,q1,faux_{i},\n" for i in range(30)), encoding="utf-8")
    with pytest.raises(InputFileError) as err:
        ingest_consultation(con, load_consultation(crafted), crafted)
    lines = str(err.value).splitlines()
    assert len(lines) == 21 and lines[-1].endswith("… et 10 autres codes inconnus du codebook")


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (lambda d: (d / "reponses.csv").unlink(), "reponses.csv : fichier introuvable"),
        (lambda d: (d / "reponses.csv").write_bytes(b"\x00\x01\x02" * 100), "reponses.csv : fichier binaire ou corrompu"),
        (lambda d: (d / "reponses.csv").write_bytes(b""), "reponses.csv : fichier vide"),
        # (An unclosed quote was here: since 2026-12-06 its cell is read as written, with a warning.)
        (lambda d: (d / "reponses.csv").write_bytes(b"\xef\xbb\xbfid;x\n\xe9t\xe9\n"), "marqué UTF-8 (BOM) mais contenant des octets invalides"),
        (
            lambda d: (d / "codes.csv").write_text("respondent_id,question_id,theme_id\nF01,q1,q1_nope\n", encoding="utf-8"),
            "codes.csv, ligne 2, colonne « theme_id » : thème inconnu du codebook pour la question q1 (valeur : « q1_nope »)",
        ),
    ],
    ids=["missing", "binary", "empty", "bom-not-utf8", "unknown-theme"],
)
def test_cli_ingest_reports_bad_input_with_exit_2_and_no_traceback(crafted, tmp_path, setup, expected):
    setup(crafted)
    result = CliRunner().invoke(main, ["ingest", str(crafted), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.output.startswith("Erreur : ") and expected in result.output


# --------------------------------------------------------------------------
# Quarantine: nothing dropped, every row accounted for
# --------------------------------------------------------------------------


def test_bad_rows_are_quarantined_with_their_reason_and_raw_content(con, crafted):
    responses, codes = ingest_consultation(con, load_consultation(crafted), crafted)
    assert (responses.rows_read, responses.rows_ingested, responses.rows_quarantined) == (13, 9, 4)
    assert (codes.rows_read, codes.rows_ingested, codes.rows_quarantined) == (5, 2, 3)
    rows = quarantined_rows(con, "ingest-test")
    assert rows[["source_file", "source_row", "reason"]].values.tolist() == [
        ["codes.csv", 4, "doublon exact de la ligne 3"],
        ["codes.csv", 5, "répondant « Z99 » absent des réponses ingérées"],
        ["codes.csv", 6, "thème manquant"],
        ["reponses.csv", 10, "identifiant du répondant manquant"],
        ["reponses.csv", 11, "répondant « F09 » présent plusieurs fois avec des réponses différentes (lignes 11, 12)"],
        ["reponses.csv", 12, "répondant « F09 » présent plusieurs fois avec des réponses différentes (lignes 11, 12)"],
        ["reponses.csv", 14, "doublon exact de la ligne 13 (répondant F10)"],
    ]
    assert '"Nom de la  structure": "Structure anonyme"' in rows["raw_json"][3]
    ids = {r[0] for r in con.execute("SELECT respondent_id FROM respondents").fetchall()}
    assert "F09" not in ids and "F10" in ids


def test_row_broken_by_an_unquoted_delimiter_is_quarantined_not_misread(con, crafted):
    shutil.copy(crafted / "titre_et_ligne_cassee.csv", crafted / "reponses.csv")
    folder = one_question_consultation(crafted, "reponses.csv", "Région")
    report = ingest_consultation(con, load_consultation(folder), folder)[0]
    assert (report.rows_read, report.rows_ingested, report.rows_quarantined) == (3, 2, 1)
    (reason,) = con.execute("SELECT reason FROM quarantine WHERE source_row = 4").fetchall()[0]
    assert reason.startswith("ligne mal formée : 6 champs pour 4 en-têtes")


def test_cli_summary_prints_rows_read_ingested_quarantined_and_unknown_regions(crafted, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["ingest", str(crafted), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "reponses.csv (réponses) : 13 lignes lues = 9 ingérées + 4 en quarantaine ; 9 répondants" in result.output
    assert "codes.csv (codes humains) : 5 lignes lues = 2 ingérées + 3 en quarantaine" in result.output
    assert "lu comme : CSV, UTF-8 (BOM), séparateur point-virgule, en-têtes ligne 1" in result.output
    assert (
        "attention : reponses.csv, ligne 7, colonne « Région » : région non reconnue « Atlantide », "
        "comptée sous « Région inconnue »"
    ) in result.output
    assert "reponses.csv : 1 répondant sans région (ligne 8), compté sous « Région inconnue »" in result.output
    assert "Lignes de réponses lues : 13 ; ingérées : 9 ; en quarantaine : 4 ; répondants en base : 9" in result.output
    assert "Contrôles de la base : tous réussis" in result.output

    listed = CliRunner().invoke(main, ["quarantine", str(crafted), "--out", str(out), "--export", str(tmp_path / "q.csv")])
    assert listed.exit_code == 0, listed.output
    assert "7 lignes en quarantaine :" in listed.output
    assert "reponses.csv, ligne 10 : identifiant du répondant manquant" in listed.output
    exported = (tmp_path / "q.csv").read_text(encoding="utf-8-sig")
    assert exported.startswith("fichier;ligne;motif;contenu") and "Structure anonyme" in exported


def test_cli_quarantine_before_any_ingest_says_what_to_do(crafted, tmp_path):
    result = CliRunner().invoke(main, ["quarantine", str(crafted), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "lancez d'abord « consultation ingest" in result.output


def test_cli_second_run_says_nothing_changed(crafted, tmp_path):
    out = tmp_path / "out"
    CliRunner().invoke(main, ["ingest", str(crafted), "--out", str(out)])
    again = CliRunner().invoke(main, ["ingest", str(crafted), "--out", str(out)])
    assert again.exit_code == 0, again.output
    assert "reponses.csv (réponses) : inchangé, ignoré — déjà ingéré (contenu identique)" in again.output
    assert "Lignes de réponses lues : 0 ; ingérées : 0 ; en quarantaine : 0 ; répondants en base : 9 (aucun fichier nouveau ou modifié)" in again.output
