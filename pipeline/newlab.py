"""`harvest new-lab`: a partner city's lab folder, ready to fill in, and listed in params.yaml.

It writes data/raw/<lab-id>/lab.yaml (the ECoC-SME world-café questions in the lab's language as a
starting point, marked to adapt), transcription templates in templates/, an empty notes/ folder and
the empty conclusions.md and theme_edits.yaml that dvc.yaml reads, and lists the lab under `labs:` in
params.yaml as one commented line: a lab without notes yet is skipped, so `dvc repro` still builds the
other labs' reports. Removing the `# ` (harvest check says so once the notes pass) adds it to the build.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from pipeline import catalog, paths
from pipeline.errors import HarvestError
from pipeline.lang import languages, starting_questions
from pipeline.templates import heading_labels, write_templates

DEFAULT_CODEBOOK = "ecoc-sme"   # codebooks/ecoc-sme.yaml: expected themes of the six standard questions
# A new lab's event, method and group names when its language's questions.yaml has no `lab:` words.
LAB_WORDS = {"event": "Local Learning Lab", "method": "world café", "group": "Table {id}"}
EXAMPLE_NOTE = "Example: replace these rows with the notes of your tables (one idea per row)"


def validate_new_lab(lab_id: str, date: str, language: str, root: Path) -> None:
    """Refuse a bad id, date or language, or an existing lab, with the fix in the message."""
    paths.check_lab_id(lab_id, "harvest new-lab")
    try:
        dt.date.fromisoformat(date)
    except ValueError:
        raise HarvestError.at(lab_id, None, f"'{date}' is not a date", "write it as YYYY-MM-DD") from None
    if language not in languages():
        raise HarvestError.at(lab_id, None, f"no starting questions for language '{language}'",
                              f"use one of: {', '.join(languages())}")
    if paths.raw_dir(lab_id, root).exists():
        raise HarvestError.at(paths.raw_dir(lab_id, root), None, "this lab already exists; nothing was changed",
                              "choose another id, or edit the existing lab.yaml")


def lab_yaml_text(lab_id: str, city: str, date: str, language: str) -> str:
    """lab.yaml for a new lab: the Timișoara questions in `language`, with comments saying what to adapt."""
    questions = starting_questions(language)
    words = {**LAB_WORDS, **(questions.get("lab") or {})}    # the language's own words, English where it has none
    english = language == "en"

    def in_english(key: str) -> dict[str, str]:
        return {} if english else {f"{key}_en": str(words.get(f"{key}_en") or LAB_WORDS[key])}

    lab: dict[str, Any] = {
        "id": lab_id, "title": f"{words['event']} {city} {date}", "title_en": f"{LAB_WORDS['event']} {city} {date}",
        "event": words["event"], **in_english("event"), "city": city, "date": date,
        "venue": "", **({} if english else {"venue_en": ""}),
        "organiser": "", **({} if english else {"organiser_en": ""}),
        "project": "ECoC-SME (Interreg Europe PGI06047)", "method": words["method"], **in_english("method"),
        "language": language,
        "groups": [{"id": g, "name": str(words["group"]).format(id=g),
                    **({} if english else {"name_en": str(words.get("group_en") or LAB_WORDS["group"]).format(id=g)})}
                   for g in ("A", "B")],
        "codebook": DEFAULT_CODEBOOK, "sessions": questions["sessions"], "people": [],
    }
    body = yaml.safe_dump(lab, allow_unicode=True, sort_keys=False, width=110)
    return (
        f"# Lab {lab_id}: fill in and ADAPT before transcribing (see docs/partners.md).\n"
        "# - title, venue, organiser: your lab's own (their *_en: as English reports show them); event,\n"
        "#   method: as your cover should name them;\n"
        "#   groups: one item per group (world-café table group), name_en its name in English reports.\n"
        "# - sessions/questions: the ECoC-SME questions of the Timișoara lab (20.10.2020), translated, as a\n"
        "#   starting point. Change the texts to the questions your tables discussed; keep ids short (s1q1).\n"
        "#   text_en is the English translation shown in English reports.\n"
        "# - codebook: the expected themes (codebooks/ecoc-sme.yaml, in every partner language); adapt them\n"
        "#   in a codebook.yaml of this folder, or remove the line to only discover themes.\n"
        "# - people: names to remove from the notes (participants, facilitators), one per line.\n" + body
    )


EDITS_TEMPLATE = ("# The analyst's corrections of the machine themes: rename, merge, split, move, pin, not_relevant.\n"
                  "# Empty until you write one; every `dvc repro` re-applies them. See docs/theme_edits.md.\n")
CONCLUSIONS_TEMPLATE = ("<!-- The facilitator's conclusions, in Markdown, open the report's summary. Write them below "
                        "this line; with only this comment the lab has none. -->\n")
# The files dvc.yaml reads of every lab besides lab.yaml and notes/, as a new lab starts them (none yet). None
# is empty: DVC warns about an empty file on every run. The raw files keep the names of the stage files ingest
# makes of them.
LAB_FILES = {catalog.CONCLUSIONS.name: CONCLUSIONS_TEMPLATE,
             catalog.TRANSLATIONS.name: ",".join(catalog.TRANSLATIONS.columns) + "\n",
             "theme_edits.yaml": EDITS_TEMPLATE}
PENDING_NOTE = "no notes yet: remove '# ' once notes/ holds the transcripts (harvest check says when)"


def add_to_params(text: str, lab_id: str, pending: bool = False) -> str:
    """params.yaml text with lab_id listed under `labs:` (as a commented line when `pending`), layout kept.

    Listing a pending lab for real replaces its commented line.
    """
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == "labs:"), None)
    if start is None:
        raise HarvestError.at("params.yaml", None, "no 'labs:' list in params.yaml",
                              "add 'labs:' with one '  - <lab-id>' per lab")
    end = start + 1
    while end < len(lines) and lines[end].lstrip().startswith(("- ", "#")) and not lines[end].startswith("#"):
        end += 1
    items = [line for line in lines[start + 1:end] if line.lstrip().startswith("- ")]
    if any(line.strip() == f"- {lab_id}" for line in items):
        return text
    waiting = next((i for i in range(start + 1, end) if is_pending(lines[i], lab_id)), None)
    if waiting is not None:
        if pending:
            return text
        indent = lines[waiting][: len(lines[waiting]) - len(lines[waiting].lstrip())]
        return "".join(lines[:waiting] + [f"{indent}- {lab_id}\n"] + lines[waiting + 1:])
    indent = items[0][: len(items[0]) - len(items[0].lstrip())] if items else "  "
    line = f"{indent}# - {lab_id}   # {PENDING_NOTE}\n" if pending else f"{indent}- {lab_id}\n"
    return "".join(lines[:end] + [line] + lines[end:])


def is_pending(line: str, lab_id: str) -> bool:
    """Whether a params.yaml line is the commented `# - <lab_id>` that new-lab writes."""
    return line.strip().startswith("#") and line.strip().lstrip("#").strip().split("#")[0].strip() == f"- {lab_id}"


def pending_labs(text: str) -> list[str]:
    """Labs listed as commented lines under `labs:` (created by new-lab, not built yet)."""
    found = []
    for line in text.splitlines():
        body = line.strip().lstrip("#").strip().split("#")[0].strip()
        if line.strip().startswith("#") and body.startswith("- ") and paths.LAB_ID.fullmatch(body[2:].strip()):
            found.append(body[2:].strip())
    return found


def new_lab(lab_id: str, city: str, date: str, language: str, root: Path = Path(".")) -> Path:
    """Create the lab folder and list the lab in params.yaml; returns the folder."""
    validate_new_lab(lab_id, date, language, root)
    params_path = root / "params.yaml"
    params_text = add_to_params(params_path.read_text(encoding="utf-8"), lab_id, pending=True)
    lab_dir = paths.raw_dir(lab_id, root)
    (lab_dir / "notes").mkdir(parents=True)
    (lab_dir / "lab.yaml").write_text(lab_yaml_text(lab_id, city, date, language), encoding="utf-8")
    for name, content in LAB_FILES.items():
        (lab_dir / name).write_text(content, encoding="utf-8")
    examples = [("s1", "s1q1", 1, "A", 1, EXAMPLE_NOTE), ("s2", "s2q1", 1, "B", 1, EXAMPLE_NOTE)]
    write_templates(lab_dir / "templates", examples, heading_labels(language), ("csv", "xlsx", "md"))
    params_path.write_text(params_text, encoding="utf-8")
    return lab_dir
