"""Issue 14's scenario on the sample lab: edits of every kind hold through a changed transcript, and the report agrees.

The themes stage runs on a copy of the sample lab (stage functions, not `dvc repro`, to stay fast) with an
edits file of every kind written as the explore notebook writes them (id and first words; a codebook theme
by its id). Then a note is inserted at the top of every notes file, a word is changed in a note no edit
names, and one file's lines are reversed: every edit must name the same notes and apply as before. Changing
the text of an edited note must report that edit with its theme_edits.yaml line, and apply it nowhere.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pipeline import catalog, clean, embed, ids, ingest, links, proposals, themes
from pipeline.edits import APPLIED, EXCLUDED_STATUS, SKIPPED, load_edits, note_reference, plan_edits
from pipeline.params import load_params
from pipeline.themes.codebook import codebook_path, load_codebook
from pipeline.themes.edits import codebook_ids
from tests.conftest import ROOT, SAMPLE_LAB

LAB = SAMPLE_LAB.name
LATE = ["Un fond local de microgranturi pentru tinerii artiști din cartiere",      # one on top of each file
        "Cursuri gratuite de contabilitate pentru asociațiile culturale mici",
        "Sălile de repetiții au rămas închise aproape un an întreg",
        "Mulți tehnicieni de scenă s-au reprofilat și nu se mai întorc"]
TYPO = ("Chiriile din centru sunt prea mari pentru un atelier",          # a word changed in a note no edit names
        "Chiriile din centru sunt prea scumpe pentru un atelier")
REORDERED = "sesiunea-2-grupa-A.csv"


def run_stages(root: Path, params: dict[str, Any], report_inputs: bool = False) -> dict[str, Any]:
    """ingest -> clean -> embed -> themes (and proposals, links for the report) on the project at `root`."""
    stages = [ingest, clean, embed, themes] + ([proposals, links] if report_inputs else [])
    for stage in stages:
        stage.run(LAB, params, root)
    out = root / "data" / "processed" / LAB
    notes = catalog.NOTES.read_from(out)
    edits = load_edits(root / "data" / "raw" / LAB, root)
    book = load_codebook(codebook_path(root / "data" / "raw" / LAB, "ecoc-sme", root), "ro")[0]
    return {"out": out, "notes": notes, "text": notes.set_index("note_id")["text"],
            "assignments": pd.read_csv(out / "assignments.csv", keep_default_na=False).set_index("note_id"),
            "themes": {t["theme_id"]: t for t in json.loads((out / "themes.json").read_text(encoding="utf-8"))},
            "log": pd.read_csv(out / "edits_log.csv", keep_default_na=False),
            "scores": json.loads((out / "scores.json").read_text(encoding="utf-8")),
            "plan": plan_edits(edits, notes, LAB, "theme_edits.yaml",
                               codebook_ids(book, sorted(notes["question"].unique())))}


def theme_of(state: dict[str, Any], named: str) -> str:
    """A theme named by its id (a codebook theme), or the theme that holds a note now ('' when none)."""
    return named if ids.THEME_SEPARATOR in named else str(state["assignments"].loc[named, "theme_id"])


def members(state: dict[str, Any], named: str) -> set[str]:
    """The texts of a theme named by its id or by a note of it (empty when there is none)."""
    a, theme = state["assignments"], theme_of(state, named)
    return set() if not theme else {state["text"][n] for n in a.index[a["theme_id"] == theme]}


def write_edits(machine: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """An edits file of every kind on the machine's themes, and the notes it names (role -> note id)."""
    a, text = machine["assignments"], machine["text"]
    typo = next(n for n, t in text.items() if t.startswith(TYPO[0]))
    by_question: dict[str, list[dict]] = {}
    for t in machine["themes"].values():
        if t["status"] == "raised":
            by_question.setdefault(t["question"], []).append(t)

    def notes_of(theme: dict) -> list[str]:
        return sorted(n for n in a.index[a["theme_id"] == theme["theme_id"]] if n != typo)

    def theme_ref(theme: dict) -> str:          # a codebook theme by its id, a discovered one by a note of it
        if theme["source"] == "codebook":
            return theme["theme_id"]
        note = notes_of(theme)[0]
        return note_reference(note, text[note], theme["question"])

    def ref(note: str) -> str:
        return note_reference(note, text[note])

    q1, q2, q3 = by_question["s1q1"], by_question["s1q2"], by_question["s2q1"]
    big = max(by_question["s1q3"], key=lambda t: t["notes"])
    def named_theme(theme: dict) -> str:       # what the edit names: the codebook theme, or a note of it
        return theme["theme_id"] if theme["source"] == "codebook" else notes_of(theme)[0]

    named = {"mover": notes_of(q1[1])[-1], "moved_to": named_theme(q1[2]), "excluded": notes_of(q3[0])[-1],
             "pinned": notes_of(by_question["s2q2"][0])[-1], "seed_a": notes_of(big)[0], "seed_b": notes_of(big)[-1],
             "renamed": named_theme(q1[0]), "merged_a": named_theme(q2[0]), "merged_b": named_theme(q2[1]),
             "set_aside": named_theme(by_question["s2q3"][-1])}
    edits = (f"rename:\n  - theme: \"{theme_ref(q1[0])}\"\n    title: Spații și ateliere accesibile\n"
             f"merge:\n  - themes: [\"{theme_ref(q2[0])}\", \"{theme_ref(q2[1])}\"]\n    title: Cooperare și apeluri\n"
             f"split:\n  - theme: \"{theme_ref(big)}\"\n"
             f"    seeds: [\"{ref(named['seed_a'])}\", \"{ref(named['seed_b'])}\"]\n"
             f"move:\n  - note: \"{ref(named['mover'])}\"\n    to: \"{theme_ref(q1[2])}\"\n"
             f"  - note: \"{ref(named['excluded'])}\"\n    to: none\n"
             f"pin:\n  - note: \"{ref(named['pinned'])}\"\n"
             f"not_relevant:\n  - theme: \"{theme_ref(by_question['s2q3'][-1])}\"\n")
    return edits, named


def outcome(state: dict[str, Any], named: dict[str, str]) -> dict[str, Any]:
    """What each edit did, in terms of the notes it names (texts, so ids may be compared across runs)."""
    a, t = state["assignments"], state["themes"]
    theme = {role: theme_of(state, n) for role, n in named.items()}
    return {"log": state["log"][["line", "kind", "outcome"]].to_dict("records"),
            "named": sorted((p.edit.line, key, r.note) for p in state["plan"].edits for key, rs in p.refs.items()
                            for r in rs),
            "renamed": t[theme["renamed"]]["title"],
            # merged: the second theme's note is in the first theme, or the second (codebook) theme is gone
            "merged": (theme["merged_b"] == theme["merged_a"] or theme["merged_b"] not in t,
                       t[theme["merged_a"]]["title"]),
            "split": theme["seed_a"] != theme["seed_b"] and bool(theme["seed_a"]) and bool(theme["seed_b"]),
            "moved": theme["mover"] == theme["moved_to"],
            "excluded": (theme["excluded"], a.loc[named["excluded"], "status"]),
            "pinned": [q["text"] for th in t.values() for q in th["quotes"] if q["pinned"]],
            "set_aside": t[theme["set_aside"]]["relevant"]}


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("scenario")
    raw = root / "data" / "raw" / LAB
    shutil.copytree(SAMPLE_LAB, raw)
    shutil.copytree(ROOT / "codebooks", root / "codebooks")
    params = load_params(ROOT / "params.yaml")
    params["themes"].update(n_bootstrap=4, stability_seeds=2)        # a shorter search: the scenario is identity
    machine = run_stages(root, params)
    text, named = write_edits(machine)
    (raw / "theme_edits.yaml").write_text(text, encoding="utf-8")
    before = run_stages(root, params)
    snapshot = {role: members(before, n) for role, n in named.items()}
    for i, path in enumerate(sorted((raw / "notes").glob("*.csv"))):
        with path.open(encoding="utf-8", newline="") as f:
            header, *body = list(csv.reader(f))
        body = [[*row[:4], row[4].replace(TYPO[0], TYPO[1])] for row in body]
        body.insert(0, [body[0][0], f"{body[0][0]}q1", body[0][2], "1", LATE[i]])
        if path.name == REORDERED:
            body.reverse()
        with path.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows([header, *body])
    after = run_stages(root, params, report_inputs=True)
    return {"root": root, "params": params, "named": named, "edits": text, "before": before, "after": after,
            "snapshot": snapshot}


def test_every_edit_applies_to_the_same_notes_after_the_transcripts_change(scenario):
    before, after, named = scenario["before"], scenario["after"], scenario["named"]
    assert set(before["log"]["kind"]) == {"rename", "merge", "split", "move", "pin", "not_relevant"}
    assert (before["log"]["outcome"] == APPLIED).all() and len(before["log"]) == 7
    assert after["scores"]["notes_in"] == before["scores"]["notes_in"] + len(LATE)
    assert not any(t.startswith(TYPO[0]) for t in after["text"])                  # the word changed
    first, second = outcome(before, named), outcome(after, named)
    assert first == second
    assert first["renamed"] == "Spații și ateliere accesibile" and first["merged"] == (True, "Cooperare și apeluri")
    assert first["split"] and first["moved"] and first["excluded"] == ("", EXCLUDED_STATUS) and not first["set_aside"]
    assert first["pinned"] == [before["text"][named["pinned"]]]
    # The themes the edits touched keep their notes, apart from the notes that are new.
    new = set(LATE) | {t for t in after["text"] if t.startswith(TYPO[1])}
    for role, texts in scenario["snapshot"].items():
        now = members(after, named[role]) - new
        assert len(now & texts) >= 0.8 * len(texts), role


def test_every_count_of_the_report_agrees_with_the_others(scenario):
    from pipeline.report import sections
    from pipeline.report.content import load_report_data, report_sections, texts
    from pipeline.report.corrections import corrections_view
    from pipeline.report.view import Ledger, is_not_raised

    out, settings = scenario["after"]["out"], scenario["params"]["report"]
    data = load_report_data(out)
    scores = json.loads((out / "scores.json").read_text(encoding="utf-8"))
    x = texts(data, "en")
    summary = sections.summary(data, x, settings, Ledger())
    questions = [sections.question(data, q, x, 3, Ledger(), settings) for q in data.questions()]
    ideas = sections.ideas(data)
    assert summary["intro"].startswith(f"{scores['notes_in']} notes ") and \
        summary["intro"].endswith(f"grouped into {len(ideas)} themes.")
    assert len(ideas) == sum(len(q["cards"]) for q in questions)
    assert scores["themes"] == sum(len(q["cards"]) + len(q["aside"]) for q in questions)
    assert len(summary["not_raised"]) == sum(len(q["not_raised"]) for q in questions) == \
        sum(is_not_raised(t) for t in data.themes)
    method = sections.methodology(data, x, settings)
    by_id = {t["theme_id"]: t for t in data.themes}
    for q, row in zip(questions, method["per_question"], strict=True):
        own = [t for t in data.themes if t["question"] == q["id"] and not is_not_raised(t)]
        assert row["themes"] == len(own) == len(q["cards"]) + len(q["aside"])
        process = int((data.assignments["question"].eq(q["id"]) & data.assignments["status"].eq("process note")).sum())
        assert sum(by_id[t["theme_id"]]["notes"] for t in own) + q["unassigned"] + q["excluded"] + process == \
            int((data.notes["question"] == q["id"]).sum()), q["id"]
    view = corrections_view(data, x)
    applied, skipped = len(view["applied"]), len(view["skipped"])
    assert applied == scores["edits_applied"] and skipped == scores["edits_skipped"] and applied + skipped == 7
    assert len(view["excluded"]) == scores["excluded_by_analyst"] == sum(q["excluded"] for q in questions) == 1
    analysed = len(data.notes) - int((data.assignments["status"] == "process note").sum()) - 1
    assert scores["unassigned_rate"] == round(sum(q["unassigned"] for q in questions) / analysed, 4)
    html = "".join(report_sections(data, "en", "x", settings).values())
    assert f"Corrections the analyst wrote in theme_edits.yaml: 7; applied: {applied}; skipped because they no " \
        f"longer fit their notes: {skipped}." in html
    # The merge took a codebook theme out of themes.json; the methodology still counts the codebook's themes.
    book = load_codebook(codebook_path(ROOT / "data" / "raw" / LAB, "ecoc-sme", ROOT), "ro")[0]
    expected = sum(len(book.themes_for(q["id"])) for q in data.questions())
    shown = sum(t.get("source") == "codebook" for t in data.themes)
    assert shown < expected
    assert f" of {expected} ({expected - shown} merged into another theme by the analyst); themes found" in html


def test_changing_an_edited_notes_text_reports_that_edit_with_its_line(scenario):
    root, named, after = scenario["root"], scenario["named"], scenario["after"]
    where = after["notes"].set_index("note_id").loc[named["pinned"], "provenance"][0]
    file_name, line_number = where.rsplit(":", 1)
    path = root / "data" / "raw" / LAB / "notes" / file_name
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    rows[int(line_number) - 1][4] = "O cu totul altă idee despre parcările din cartier"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    changed = run_stages(root, scenario["params"])
    line = next(i for i, text in enumerate(scenario["edits"].splitlines(), 1) if text == "pin:") + 1
    log = changed["log"].set_index("line")
    assert log.loc[line, "kind"] == "pin" and log.loc[line, "outcome"] == SKIPPED
    assert f"note '{ids.short(named['pinned'])}' is not in the notes any more" in log.loc[line, "reason"]
    assert (log.drop(index=line)["outcome"] == APPLIED).all()
    assert not [q for th in changed["themes"].values() for q in th["quotes"] if q["pinned"]]
    assert changed["scores"]["edits_skipped"] == 1
