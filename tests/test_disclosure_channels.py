"""Channels of small-cell disclosure that `test_disclosure_attack` (the reports of one publication)
does not read, each attacked by `attacker_channels`: the tally files written for publication, and
two publications of one consultation before and after new answers."""

from __future__ import annotations

import random

import pytest

import attacker
import attacker_channels
import consultation as consultation_package
import generated_consultation
from consultation import store
from consultation.codebook import Consultation
from consultation.publish import disclosure


def build(path, seed: int, extra: int = 0, where: str | None = None) -> Consultation:
    """The channels' generated consultation (structure types) in a database file; `extra`
    respondents more (the next night's answers, in region `where` or anywhere) at the end."""
    con = store.connect(path)
    consultation = generated_consultation.build(con, seed, generated_consultation.CHANNELS,
                                                arrivals=[where] * extra)
    con.close()
    return consultation


# --- channel: the tally files written for publication ---------------------------------------------


def _export_attack(tmp_path, seed: int, threshold: int = 3):
    path = tmp_path / f"e{seed}" / "consultation.duckdb"
    path.parent.mkdir(parents=True)
    build(path, seed)
    with consultation_package.open(path) as db:
        db.export_tallies(path.parent / "publication", fmt="json", threshold=threshold)
        exact = attacker_channels.export_truth(db)
    derived = attacker_channels.attack_exports(path.parent / "publication", threshold)
    return derived, exact


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_exported_tallies_give_no_small_figure_back(tmp_path, seed):
    derived, exact = _export_attack(tmp_path, seed)
    assert sum(1 for k in derived if 0 < exact[k] < 3) > 10, "the consultation must have small figures"
    assert attacker.recovered(derived, exact, 3) == {}


def test_without_complementary_suppression_the_exports_give_figures_back(tmp_path, monkeypatch):
    """The attack is not toothless: with primary suppression only (what the exports did before),
    it gets figures back."""
    def primary_only(tallies, comparisons=None, threshold=3):
        return disclosure.suppress(tallies, threshold), (
            None if comparisons is None else disclosure.suppress(comparisons, threshold))

    monkeypatch.setattr(disclosure, "protect_tables", primary_only)
    found = sum(len(attacker.recovered(*_export_attack(tmp_path, seed), 3)) for seed in (1, 2, 3))
    assert found > 0


# --- channel: two publications, before and after the next night's answers -------------------------




def _two_publications(tmp_path, seed: int, extra: int, where: str | None = None):
    """The same consultation published, then published again into the same outputs folder after
    `extra` new respondents (the nightly flow); the first publication's reports kept aside."""
    import shutil

    from consultation.publish.report import publish
    from consultation.store.paths import OutputPaths

    paths = OutputPaths(tmp_path / f"d{seed}" / "sorties")
    exact, folders = [], []
    for night, added in enumerate((0, extra)):
        path = tmp_path / f"d{seed}" / f"nuit{night}.duckdb"
        consultation = build(path, seed, added, where)
        con = store.connect(path)
        publish(con, consultation, paths, formats=("md",), threshold=3, workers=1)
        exact.append(attacker.truth(con, consultation, paths.reports))
        con.close()
        folders.append(shutil.copytree(paths.reports, tmp_path / f"d{seed}" / f"rapports{night}"))
    derived = attacker_channels.differencing(folders[0], folders[1], 3)
    truth = {(*k, p + 1): v for p in (0, 1) for k, v in exact[p].items()}
    return derived, truth


def _recovered_across(tmp_path, cases):
    found = {}
    for seed, extra, where in cases:
        derived, truth = _two_publications(tmp_path / f"x{extra}{where}", seed, extra, where)
        found.update({(seed, extra, where, *k): v
                      for k, v in attacker.recovered(derived, truth, 3).items()})
    return found


# Nights after which, before the last publication was remembered, the two publications together
# gave figures back (found by trying seeds 1 to 8 and 1 to 4 new respondents).
NIGHTS = [(1, 3, None), (1, 4, None), (2, 1, None), (2, 2, None), (2, 3, None), (2, 4, None)]


def test_two_publications_give_no_small_figure_back(tmp_path, blank_charts):
    assert _recovered_across(tmp_path, NIGHTS) == {}


@pytest.mark.slow  # two publications of the night cuts (25 s); test_two_publications_give_no_small_figure_back runs daily
def test_without_the_last_publication_remembered_two_publications_give_figures_back(
        tmp_path, blank_charts, monkeypatch):
    """The attack is not toothless: each publication protected on its own (as before) leaks."""
    from consultation.publish import report

    monkeypatch.setattr(report, "load_memory", lambda path: None)
    assert len(_recovered_across(tmp_path, NIGHTS)) > 0


# --- channel: a chain of publications, every one kept ----------------------------------------------

FEW = ("Corse", "Normandie", "Grand Est", "Bretagne")  # where the nights' new respondents land


def _chain(tmp_path, seed: int, nights: int, recode: bool = False, leave: bool = False):
    """The consultation published night after night into the same outputs folder, every night's
    reports kept aside: each night 1 to 3 new respondents in one of `FEW` regions; with `recode`,
    some nights a recoding instead (figures move both ways, respondents stay); with `leave`, some
    nights a respondent removed instead. Returns the folders and each night's exact figures."""
    import shutil

    from consultation.publish.report import publish
    from consultation.store.paths import OutputPaths

    rng = random.Random(seed * 7919)
    arrivals: list[str | None] = []
    recodings: list[int] = []
    departures: list[int] = []
    paths = OutputPaths(tmp_path / f"c{seed}" / "sorties")
    folders, truths = [], []
    for night in range(nights):
        if night and recode and rng.random() < 0.5:
            recodings.append(seed * 100 + night)
        elif night and leave and rng.random() < 0.5:
            departures.append(seed * 100 + night)
        elif night:
            arrivals += [rng.choice(FEW)] * rng.randint(1, 3)
        path = tmp_path / f"c{seed}" / f"nuit{night}.duckdb"
        con = store.connect(path)
        consultation = generated_consultation.build(con, seed, generated_consultation.CHANNELS, arrivals=arrivals,
                                                    recodings=recodings, departures=departures)
        publish(con, consultation, paths, formats=("md",), threshold=3, workers=1)
        truths.append(attacker.truth(con, consultation, paths.reports))
        con.close()
        folders.append(shutil.copytree(paths.reports, tmp_path / f"c{seed}" / f"rapports{night}"))
    return folders, truths


def _chain_recovered(tmp_path, seeds, nights: int, **changes) -> tuple[dict, dict]:
    """Small figures a reader holding every night's reports narrows below 3 values, over the chains
    of `seeds`. Readers: growth only (answers added or removed); with recodings, readers allowing
    0 to 2 of recoding each way a night, and one allowing each figure exactly its true move (the
    strongest reader whose premise always holds). Returns what readers whose premise holds for the
    figure recover, then what the others get right by chance (their premise broken on the way)."""
    found, lucky = {}, {}
    for seed in seeds:
        folders, truths = _chain(tmp_path, seed, nights, **changes)
        truth = {(*k, night + 1): v for night, t in enumerate(truths) for k, v in t.items()}
        broken: set[tuple] = set()

        def allowing(delta, truths=truths, broken=broken):
            def allow(key, q, p, growth):
                change = truths[p][key] - truths[q][key]
                slack = delta * (p - q)
                if not min(0, growth) - slack <= change <= max(0, growth) + slack:
                    broken.add(key)
                return slack, slack
            return allow

        def exact_move(key, q, p, growth, truths=truths):
            change = truths[p][key] - truths[q][key]
            return max(0, min(0, growth) - change), max(0, change - max(0, growth))

        readers = {"δ0": allowing(0), "δ1": allowing(1), "δ2": allowing(2), "exact": exact_move}
        if not changes.get("recode"):
            readers = {"croissance": allowing(0)}
        for name, reader in readers.items():
            broken.clear()
            derived = attacker_channels.chain(folders, 3, reader)
            right = {k: v for k, v in derived.items() if v[0] <= truth[k] <= v[1]}
            for k, v in attacker.recovered(right, truth, 3).items():
                (lucky if k[:3] in broken else found)[(seed, name, *k)] = v
    return found, lucky


# Seeds whose 5 nights, before every earlier publication was remembered, gave figures back (found
# by trying seeds 1 to 8: 5 small figures, all in seeds 4 and 7).
CHAIN_SEEDS = (4, 7)
RECODE_SEEDS = (1, 8)  # some nights a recoding instead: every seed of 1 to 8 gave figures back
LEAVE_SEEDS = (4, 6)  # some nights a respondent removed instead: seeds 4, 5, 6 gave figures back


def test_a_chain_of_publications_gives_no_small_figure_back(tmp_path, blank_charts):
    assert _chain_recovered(tmp_path, CHAIN_SEEDS, 5) == ({}, {})


def test_respondents_removed_in_a_chain_give_no_small_figure_back(tmp_path, blank_charts):
    assert _chain_recovered(tmp_path, LEAVE_SEEDS, 5, leave=True) == ({}, {})


@pytest.fixture
def protected_as_before(monkeypatch):
    """`publish` as it protected before every earlier publication was remembered: the memory of
    the last publication only (the first version's file, without « earlier »), figures assumed to
    only grow (nothing carried when respondents went down), no figure kept uncertain for an
    earlier one's sake beyond hiding it."""
    from consultation.publish import report

    load = report.load_memory

    def last_only(path):
        memory = load(path)
        return None if memory is None else {**memory, "earlier": {}}

    def growth_only(before, now, n_before, n_now):
        return (0, n_now - n_before) if n_now >= n_before else (-10**9, 10**9)

    monkeypatch.setattr(report, "load_memory", last_only)
    monkeypatch.setattr(disclosure, "move", growth_only)
    monkeypatch.setattr(disclosure, "is_primary", lambda cell, threshold: 0 < cell.citing < threshold)


def test_protected_as_before_a_chain_gives_figures_back(tmp_path, blank_charts, protected_as_before):
    """The attack is not toothless: a figure hidden twice is pinned by the third publication."""
    assert len(_chain_recovered(tmp_path, CHAIN_SEEDS, 5)[0]) > 0


def test_recodings_between_publications_give_no_small_figure_back(tmp_path, blank_charts):
    """Whatever recoding a reader allows for, as long as it holds for the figure: nothing back."""
    found, _ = _chain_recovered(tmp_path, RECODE_SEEDS, 5, recode=True)
    assert found == {}


def test_protected_as_before_recodings_give_figures_back(tmp_path, blank_charts, protected_as_before):
    assert len(_chain_recovered(tmp_path, RECODE_SEEDS, 5, recode=True)[0]) > 0


def test_protected_as_before_removed_respondents_give_figures_back(tmp_path, blank_charts, protected_as_before):
    assert len(_chain_recovered(tmp_path, LEAVE_SEEDS, 5, leave=True)[0]) > 0


# --- the memory file: older versions, lost, unreadable ----------------------------------------------


def _publish_night(path, paths, seed: int, arrivals, threshold: int = 3):
    from consultation.publish.report import publish

    con = store.connect(path)
    consultation = generated_consultation.build(con, seed, generated_consultation.CHANNELS, arrivals=arrivals)
    published = publish(con, consultation, paths, formats=("md",), threshold=threshold, workers=1)
    con.close()
    return published


def test_a_memory_of_the_first_version_is_read_and_a_lost_one_is_said(tmp_path, blank_charts):
    """The same first night copied three times; before the second, one copy gets the first
    version's file (no « version », no « earlier »), one loses its file. The old file protects as
    the new one does (same reports), the lost one does not (other reports) and publishing says so."""
    import filecmp
    import json
    import shutil

    from consultation.publish.report import MEMORY_FILE
    from consultation.store.paths import OutputPaths

    first = OutputPaths(tmp_path / "nouveau")
    assert _publish_night(tmp_path / "nuit0.duckdb", first, 1, []).warnings == []
    old, lost = OutputPaths(tmp_path / "ancien"), OutputPaths(tmp_path / "perdu")
    for paths in (old, lost):
        shutil.copytree(first.root, paths.root)
    memory = json.loads((first.root / MEMORY_FILE).read_text(encoding="utf-8"))
    assert memory["version"] == 2
    (old.root / MEMORY_FILE).write_text(json.dumps({k: memory[k] for k in ("threshold", "figures", "answered")}),
                                        encoding="utf-8")
    (lost.root / MEMORY_FILE).unlink()
    # Three new respondents after seed 1: one of `NIGHTS`, where the memory changes the reports.
    warnings = {paths: _publish_night(tmp_path / f"{paths.root.name}1.duckdb", paths, 1, [None] * 3).warnings
                for paths in (first, old, lost)}
    assert warnings[first] == warnings[old] == []
    assert len(warnings[lost]) == 1
    assert f"{lost.root / MEMORY_FILE} est absent" in warnings[lost][0] and "1 ou 2" in warnings[lost][0]

    def differing(a, b):
        return [p.name for p in a.reports.glob("*.md") if not filecmp.cmp(p, b.reports / p.name, shallow=False)]

    assert differing(first, old) == []
    assert differing(first, lost) != []


@pytest.mark.parametrize("text", [
    "{", "[1, 2]", "null", '{"threshold": "3", "figures": {}, "answered": {}}',
    '{"threshold": 3, "figures": {"q": [true, "deux", 0, 2]}, "answered": {}}',
    '{"threshold": 3, "figures": {"q": [true, 2, 0]}, "answered": {}}',
    '{"threshold": 3, "figures": {}, "answered": {"q": 1.5}}',
    '{"threshold": 3, "figures": {}, "answered": {}, "earlier": {"q": [[1, 2, 0]]}}',
    '{"version": 3, "threshold": 3, "figures": {}, "answered": {}}',
])
def test_an_unreadable_memory_is_said_and_publishing_goes_on(tmp_path, blank_charts, text):
    from consultation.publish.report import MEMORY_FILE
    from consultation.store.paths import OutputPaths

    paths = OutputPaths(tmp_path / "sorties")
    paths.root.mkdir(parents=True)
    (paths.root / MEMORY_FILE).write_text(text, encoding="utf-8")
    published = _publish_night(tmp_path / "c.duckdb", paths, 1, [])
    assert published.reports and len(published.warnings) == 1
    assert "illisible" in published.warnings[0] and MEMORY_FILE in published.warnings[0]


def test_a_memory_of_another_threshold_is_said(tmp_path, blank_charts):
    from consultation.store.paths import OutputPaths

    paths = OutputPaths(tmp_path / "sorties")
    _publish_night(tmp_path / "c0.duckdb", paths, 1, [], threshold=3)
    warnings = _publish_night(tmp_path / "c1.duckdb", paths, 1, [], threshold=4).warnings
    assert len(warnings) == 1 and "(3 au lieu de 4)" in warnings[0] and "Publiez avec le seuil 3" in warnings[0]


# --- channel: the regional comparison charts (drawn for real) -------------------------------------


def test_comparison_charts_draw_no_hidden_figure(tmp_path):
    """Each region's national-versus-regional chart: no bar, label or value of a theme whose
    regional figure the report hides, and no regional share the report does not print (text of
    the SVG, as a screen reader or a search engine reads it; the bars follow the same data)."""
    import html
    import re

    from consultation.publish.charts import comparison_stem
    from consultation.publish.report import publish
    from consultation.store.paths import OutputPaths

    path = tmp_path / "consultation.duckdb"
    consultation = build(path, 1)
    con = store.connect(path)
    paths = OutputPaths(tmp_path / "sorties")
    publish(con, consultation, paths, formats=("md",), threshold=3, workers=1)
    con.close()
    checked = 0
    for report in paths.reports.glob("*.md"):
        if report.stem == "synthese-nationale":
            continue
        tables = attacker.read_tables(report.read_text(encoding="utf-8"))
        for question, (region, _, _, _, rows) in zip(consultation.questions, tables, strict=True):
            svg = comparison_stem(paths.charts, region, question.id).with_suffix(".svg")
            if not svg.is_file():
                continue
            texts = [html.unescape(t).strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg.read_text(encoding="utf-8"))]
            shown = [(label, figures.split(f"{region} ", 1)[1]) for label, _, figures, _ in rows
                     if f"· {region} " in figures]
            for label, value in shown:
                if value.strip() == "s":
                    assert label not in texts, (svg, label)
                    checked += 1
            def norm(text: str) -> str:
                return re.sub(r"\s", " ", text.split("(")[0]).strip()

            published = [v for _, v in shown if v.strip() != "s"]
            printed = {norm(v) for v in published} | {"0 %"}
            printed |= {norm(figures.split("France ", 1)[1].split(" ·")[0]) for _, _, figures, _ in rows}
            shares = [t for t in texts if t.endswith("%")]
            # One bar for the region, one for France, per theme whose regional figure is printed.
            assert len(shares) == 2 * len(published), (svg, shares, published)
            assert {norm(t) for t in shares} <= printed, (svg, shares)
    assert checked > 0


def test_publishing_again_with_nothing_new_changes_no_report(tmp_path, blank_charts):
    """The last publication remembered, a rerun on the same answers prints the same reports."""
    import filecmp

    _two_publications(tmp_path, 3, 0)
    first, second = tmp_path / "d3" / "rapports0", tmp_path / "d3" / "rapports1"
    assert [p.name for p in first.glob("*.md") if not filecmp.cmp(p, second / p.name, shallow=False)] == []
