"""Issue 14's scenario: edits of every kind survive inserted, reordered and corrected transcript lines.

Builds the sample lab in a temporary project, writes a theme_edits.yaml that uses every kind (the way
the explore notebook writes references: id and first words), runs ingest -> clean -> embed -> themes,
then inserts a note at the top of every notes file, fixes a typo in a note no edit names, reorders a
file's lines, runs again and prints, per edit, the notes it applied to before and after. Finally it
changes the text of an edited note and shows that edit reported, not applied elsewhere.

    python scripts/edits_scenario.py [WORK_DIR]
"""

from __future__ import annotations

import csv
import shutil
import sys
import tempfile
from pathlib import Path

from pipeline import catalog, clean, embed, ids, ingest, themes
from pipeline.edits import note_reference
from pipeline.params import load_params

ROOT = Path(__file__).resolve().parents[1]
LAB = "timisoara-2020-10-20"
LATE = ["Un fond local de microgranturi pentru tinerii artiști din cartiere",
        "Cursuri gratuite de contabilitate pentru asociațiile culturale mici",
        "Sălile de repetiții au rămas închise aproape un an întreg",
        "Mulți tehnicieni de scenă s-au reprofilat și nu se mai întorc"]


def run_all(root: Path, params: dict) -> dict:
    for stage in (ingest, clean, embed, themes):
        stage.run(LAB, params, root)
    return {"notes": catalog.NOTES.read(LAB, root), "assignments": catalog.ASSIGNMENTS.read(LAB, root),
            "themes": catalog.THEMES.read(LAB, root), "log": catalog.EDITS_LOG.read(LAB, root)}


def texts_of(state: dict, note_ids: list[str]) -> list[str]:
    text = state["notes"].set_index("note_id")["text"]
    return sorted(text[n] for n in note_ids)


def theme_members(state: dict, note_id: str) -> list[str]:
    a = state["assignments"].set_index("note_id")
    theme = a.loc[note_id, "theme_id"]
    return [] if not theme else a.index[a["theme_id"] == theme].tolist()


def main(work: Path) -> None:
    project = work / "project"
    shutil.rmtree(project, ignore_errors=True)
    shutil.copytree(ROOT / "data" / "raw" / LAB, project / "data" / "raw" / LAB)
    shutil.copytree(ROOT / "codebooks", project / "codebooks")           # lab.yaml names the ECoC-SME codebook
    params = load_params(ROOT / "params.yaml")
    params["embed"]["cache_dir"] = str(ROOT / ".cache" / "embeddings")
    machine = run_all(project, params)
    notes, assigned = machine["notes"], machine["assignments"].set_index("note_id")
    q1 = [t for t in machine["themes"] if t["question"] == "s1q1"]
    q2 = [t for t in machine["themes"] if t["question"] == "s2q1"]
    text = notes.set_index("note_id")["text"]

    def ref(note_id: str, theme: bool = False) -> str:
        question = str(notes.set_index("note_id").loc[note_id, "question"])
        return note_reference(note_id, text[note_id], question if theme else None)

    def anchor(theme: dict) -> str:
        return ids.full(LAB, theme["theme_id"].split("~", 1)[1])

    members = {t["theme_id"]: assigned.index[assigned["theme_id"] == t["theme_id"]].tolist() for t in q1 + q2}
    split_theme = q2[0]
    seeds = [members[split_theme["theme_id"]][0], members[split_theme["theme_id"]][-1]]
    mover = members[q1[2]["theme_id"]][-1]
    excluded = members[q1[3]["theme_id"]][-1]
    pinned = members[q1[0]["theme_id"]][-1]
    edits = {
        "merge": f"merge:\n  - themes: [\"{ref(anchor(q1[1]), True)}\", \"{ref(anchor(q1[2]), True)}\"]\n"
                 "    title: Bani și sprijin pentru firme\n",
        "split": f"split:\n  - theme: \"{ref(anchor(split_theme), True)}\"\n"
                 f"    seeds: [\"{ref(seeds[0])}\", \"{ref(seeds[1])}\"]\n",
        "move": f"move:\n  - note: \"{ref(mover)}\"\n    to: \"{ref(anchor(q1[0]), True)}\"\n"
                f"  - note: \"{ref(excluded)}\"\n    to: none\n",
        "pin": f"pin:\n  - note: \"{ref(pinned)}\"\n",
        "rename": f"rename:\n  - theme: \"{ref(anchor(q1[0]), True)}\"\n    title: Spații și ateliere accesibile\n",
        "not_relevant": f"not_relevant:\n  - theme: \"{ref(anchor(q2[-1]), True)}\"\n",
    }
    edits_file = project / "data" / "raw" / LAB / "theme_edits.yaml"
    edits_file.write_text("".join(edits.values()), encoding="utf-8")
    print("theme_edits.yaml:\n" + edits_file.read_text(encoding="utf-8"))
    before = run_all(project, params)

    def applied_sets(state: dict) -> dict[str, list[str]]:
        themes_by_id = {t["theme_id"]: t for t in state["themes"]}
        a = state["assignments"].set_index("note_id")

        def theme(note_id: str) -> dict:
            return themes_by_id.get(a.loc[note_id, "theme_id"], {"title": "(no theme)", "quotes": [],
                                                                  "relevant": True, "theme_id": ""})

        def notes_of(note_id: str) -> list[str]:
            return texts_of(state, theme_members(state, note_id))

        renamed, merged = theme(anchor(q1[0])), theme(anchor(q1[1]))
        return {
            "rename: title of the theme holding its note": [renamed["title"]],
            "rename: that theme's notes": notes_of(anchor(q1[0])),
            "merge: title / both notes in one theme": [merged["title"],
                                                       str(a.loc[anchor(q1[1]), "theme_id"] ==
                                                           a.loc[anchor(q1[2]), "theme_id"])],
            "merge: that theme's notes": notes_of(anchor(q1[1])),
            "split: seeds in two themes": [str(a.loc[seeds[0], "theme_id"] != a.loc[seeds[1], "theme_id"])],
            "split seed 1: theme's notes": notes_of(seeds[0]),
            "split seed 2: theme's notes": notes_of(seeds[1]),
            "move: the note and the theme it is in": [text[mover], str(a.loc[mover, "theme_id"] ==
                                                                      a.loc[anchor(q1[0]), "theme_id"])],
            "move to none: the note and its status": [text[excluded], a.loc[excluded, "status"]],
            "pin: the pinned quote": [q["text"] for t in state["themes"] for q in t["quotes"] if q["pinned"]],
            "not_relevant: the set-aside theme's notes": notes_of(anchor(q2[-1])),
        }

    first = applied_sets(before)
    print(before["log"].to_string(index=False))

    # The transcripts change: a late note on top of every file, a typo fixed in a note no edit names,
    # one file's lines reordered.
    notes_dir = project / "data" / "raw" / LAB / "notes"
    named = {text[n] for n in [*seeds, mover, excluded, pinned, *(anchor(t) for t in (q1[0], q1[1], q1[2],
                                                                                     split_theme, q2[-1]))]}
    typo_done = False
    for i, path in enumerate(sorted(notes_dir.glob("*.csv"))):
        with path.open(encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        header, body = rows[0], rows[1:]
        session = body[0][0]
        body.insert(0, [session, f"{session}q1", body[0][2], "1", LATE[i]])
        if not typo_done:
            for row in body[1:]:
                if row[4].strip() not in named and "centru" not in row[4] and len(row[4].split()) > 4:
                    print(f"typo fixed in {path.name}: {row[4]!r} -> {row[4].replace(' ', '  ', 1) + '.'!r}")
                    row[4] = row[4].replace(" ", "  ", 1) + "."
                    typo_done = True
                    break
        if i == 1:
            body = list(reversed(body))
            print(f"lines reordered in {path.name}")
        with path.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows([header, *body])
    after = run_all(project, params)
    second = applied_sets(after)
    print(after["log"].to_string(index=False))
    for key in first:
        same = first[key] == second[key]
        gained = sorted(set(second[key]) - set(first[key]))
        lost = sorted(set(first[key]) - set(second[key]))
        print(f"\n{key}: {'SAME' if same else 'DIFFERENT'} ({len(first[key])} before, {len(second[key])} after, "
              f"{len(set(first[key]) & set(second[key]))} in both)")
        for t in first[key][:3]:
            print(f"   before: {t}")
        if not same:
            print(f"   gained: {gained}\n   lost:   {lost}")

    # The text of an edited note changes: its edit is reported, and applied nowhere else.
    for path in sorted(notes_dir.glob("*.csv")):
        content = path.read_text(encoding="utf-8")
        if text[pinned] in content:
            path.write_text(content.replace(text[pinned], "O cu totul altă idee despre parcări"), encoding="utf-8")
    changed = run_all(project, params)
    pin_row = changed["log"][changed["log"]["kind"] == "pin"].iloc[0]
    print(f"\npinned note's text changed: pin {pin_row['outcome']} — {pin_row['reason']}")
    print("pinned quotes now:", [q["text"] for t in changed["themes"] for q in t["quotes"] if q["pinned"]])


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()))
