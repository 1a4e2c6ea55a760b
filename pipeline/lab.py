"""A lab's description (lab.yaml): sessions, questions, groups, language — loaded and validated."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import HarvestError, Problem
from pipeline.lang import languages
from pipeline.paths import check_lab_id, lab_file
from pipeline.yamlsafe import STRICT, YamlLimits, key_lines, parse_yaml_node, project_limits, read_text

LAB_FILE = "lab.yaml"
REQUIRED_KEYS = ("id", "title", "city", "date", "language", "groups", "sessions")
# Texts of lab.yaml that may have an English variant `<key>_en` for reports in English.
TRANSLATED = ("event", "venue", "organiser", "project", "method")
MIN_NAME_LETTERS = 2        # a listed name has a word of at least this many letters or digits ("Li", "Ana Pop")


@dataclass(frozen=True)
class Question:
    """One world-café question; `text` in the lab's language, `text_en` its English translation."""

    id: str
    session_id: str
    text: str
    text_en: str
    number: int


@dataclass(frozen=True)
class Session:
    """A session holds the questions its tables discussed."""

    id: str
    title: str
    title_en: str
    questions: tuple[Question, ...]
    report_heading: str = ""
    report_heading_en: str = ""


@dataclass(frozen=True)
class Lab:
    """Everything the pipeline needs to know about one lab besides its notes."""

    id: str
    title: str
    city: str
    date: str
    language: str
    groups: tuple[str, ...]
    group_names: dict[str, str]
    sessions: tuple[Session, ...]
    people: tuple[str, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def questions(self) -> tuple[Question, ...]:
        """All questions, session by session, in lab.yaml order."""
        return tuple(q for s in self.sessions for q in s.questions)

    def question(self, question_id: str) -> Question:
        """The question with this id (KeyError if unknown)."""
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Lab:
        """The lab back from `to_dict()` (lab.json); the people's names are never stored, so none come back."""
        fixed = {"id", "title", "city", "date", "language", "groups", "group_names", "sessions"}
        return cls(
            id=str(data["id"]), title=str(data["title"]), city=str(data["city"]), date=str(data["date"]),
            language=str(data["language"]), groups=tuple(str(g) for g in data["groups"]),
            group_names={str(k): str(v) for k, v in (data.get("group_names") or {}).items()},
            sessions=tuple(
                Session(str(s["id"]), str(s["title"]), str(s["title_en"]),
                        tuple(Question(str(q["id"]), str(s["id"]), str(q["text"]), str(q["text_en"]),
                                       int(q["number"])) for q in s["questions"]),
                        str(s.get("report_heading", "")), str(s.get("report_heading_en", "")))
                for s in data["sessions"]),
            meta={k: v for k, v in data.items() if k not in fixed},
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON outputs and the report."""
        return {
            **self.meta,
            "id": self.id,
            "title": self.title,
            "city": self.city,
            "date": self.date,
            "language": self.language,
            "groups": list(self.groups),
            "group_names": self.group_names,
            "sessions": [
                {
                    "id": s.id,
                    "title": s.title,
                    "title_en": s.title_en,
                    "report_heading": s.report_heading,
                    "report_heading_en": s.report_heading_en,
                    "questions": [
                        {"id": q.id, "text": q.text, "text_en": q.text_en, "number": q.number}
                        for q in s.questions
                    ],
                }
                for s in self.sessions
            ],
        }


def _is_iso_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def supported_language(code: str) -> bool:
    """True for a language the pipeline has a folder for (pipeline/lang/<code>/): NLP, redaction, report."""
    return code in languages()


def parse_lab(text: str, path: Path | str = LAB_FILE, limits: YamlLimits = STRICT) -> Lab:
    """Parse and validate lab.yaml text; every problem found is raised at once, with its line."""
    data, node = parse_yaml_node(text, path, limits)
    if not isinstance(data, dict) or node is None:
        raise HarvestError.at(path, 1, "lab.yaml must be a mapping of keys to values",
                              "start from docs/transcription.md's lab.yaml template")
    lines = key_lines(node)
    problems: list[Problem] = []

    def problem(key: str, what: str, fix: str) -> None:
        parent = key.rsplit(".", 1)[0] if "." in key else ""
        problems.append(Problem(str(path), lines.get(key, lines.get(parent, 1)), what, fix))

    known = set(REQUIRED_KEYS) | {"title_en", "event", "country", "venue", "organiser", "project",
                                  "method", "people", "facilitator", "notes", "codebook",
                                  "logos"} | {f"{k}_en" for k in TRANSLATED}
    for key in data:
        if key not in known:
            problem(str(key), f"unknown key '{key}'",
                    f"remove it or use one of: {', '.join(sorted(known))}")
    for key in REQUIRED_KEYS:
        if key not in data or data[key] in (None, "", []):
            problem(key, f"missing '{key}'", f"add '{key}:' to lab.yaml")
    if problems:
        raise HarvestError(problems)

    groups_raw = data["groups"]
    group_ids: list[str] = []
    group_names: dict[str, str] = {}
    group_names_en: dict[str, str] = {}
    if not isinstance(groups_raw, list):
        problem("groups", "'groups' must be a list", "write one '- id: A' item per group")
    else:
        for i, g in enumerate(groups_raw):
            # An empty 'id:' is None and '[B]' a list: as 'None' or "['B']" they were taken as group ids.
            raw_id = g.get("id") if isinstance(g, dict) else g
            gid = str(raw_id).strip() if isinstance(raw_id, str | int) and not isinstance(raw_id, bool) else ""
            if not gid:
                problem(f"groups.{i}", "a group has no id", "give every group an 'id:'")
                continue
            if gid in group_ids:
                problem(f"groups.{i}", f"group id '{gid}' appears twice", "make group ids unique")
            group_ids.append(gid)
            group_names[gid] = str(g.get("name", gid)) if isinstance(g, dict) else gid
            if isinstance(g, dict) and g.get("name_en"):
                group_names_en[gid] = str(g["name_en"])

    sessions: list[Session] = []
    seen_questions: set[str] = set()
    seen_sessions: set[str] = set()
    if not isinstance(data["sessions"], list):
        problem("sessions", "'sessions' must be a list", "write one '- id: s1' item per session")
        data["sessions"] = []
    for si, s in enumerate(data["sessions"]):
        key = f"sessions.{si}"
        if not isinstance(s, dict) or not s.get("id"):
            problem(key, "a session has no id", "give every session an 'id:' and 'questions:'")
            continue
        if str(s["id"]) in seen_sessions:
            problem(key, f"session id '{s['id']}' appears twice", "make session ids unique (s1, s2, …)")
        seen_sessions.add(str(s["id"]))
        questions: list[Question] = []
        q_list = s.get("questions") or []
        if not isinstance(q_list, list):
            problem(f"{key}.questions", f"session '{s['id']}': 'questions' must be a list",
                    "write one '- id: s1q1' item (with its 'text:') per question")
            q_list = []
        elif not q_list:
            problem(key, f"session '{s['id']}' has no questions", "list its questions under 'questions:'")
        for qi, q in enumerate(q_list):
            qkey = f"{key}.questions.{qi}"
            if not isinstance(q, dict) or not q.get("id") or not q.get("text"):
                problem(qkey, "a question needs 'id' and 'text'", "add both (and 'text_en' for English reports)")
                continue
            qid = str(q["id"])
            if qid in seen_questions:
                problem(qkey, f"question id '{qid}' appears twice", "make question ids unique across sessions")
            seen_questions.add(qid)
            questions.append(Question(qid, str(s["id"]), str(q["text"]).strip(),
                                      str(q.get("text_en") or q["text"]).strip(), qi + 1))
        sessions.append(Session(str(s["id"]), str(s.get("title") or s["id"]),
                                str(s.get("title_en") or s.get("title") or s["id"]), tuple(questions),
                                str(s.get("report_heading") or ""),
                                str(s.get("report_heading_en") or s.get("report_heading") or "")))
    try:
        check_lab_id(str(data["id"]), str(path), lines.get("id"))
    except HarvestError as exc:
        problems.extend(exc.problems)
    date = data["date"]
    if isinstance(date, dt.datetime) or not isinstance(date, dt.date) and not _is_iso_date(str(date)):
        problem("date", f"date '{date}' is not a day", "write the lab's day as YYYY-MM-DD, e.g. 2020-10-20")
    language = str(data["language"])
    if not supported_language(language):
        problem("language", f"unknown language '{language}'",
                f"use one of: {', '.join(languages())} (or add a folder pipeline/lang/{language}/)")
    logos = data.get("logos") or []
    if not isinstance(logos, list) or not all(isinstance(x, str) for x in logos):
        problem("logos", "'logos' must be a list of image file names", "write one '- logos/name.png' per line")
    people = data.get("people") or []
    if not isinstance(people, list):
        problem("people", "'people' must be a list of names", "write one '- Name Surname' per line")
        people = []
    # A blank item ('-' alone) or a number is no name: as 'None' or '42' it would blank those words in every note.
    if any(not isinstance(p, str) or not p.strip() for p in people):
        problem("people", "every item of 'people' must be a name", "remove the empty item, or write the name "
                "('- Ana Pop'; a name written with digits goes in quotes)")
    # 'a' or '.' is no name either: every such word (or every full stop) of every note would be blanked.
    short = [p for p in people if isinstance(p, str) and p.strip() and not any(
        sum(ch.isalnum() for ch in part) >= MIN_NAME_LETTERS for part in p.split())]
    if short:
        problem("people", f"'{short[0]}' is too short to be a name: every such word in the notes would be removed",
                "write the person's name as the notes write it ('- Ana Pop')")
    if problems:
        raise HarvestError(problems)

    date_text = date.isoformat() if isinstance(date, dt.date) else str(date)
    meta = {k: data[k] for k in ("title_en", "event", "country", "venue", "organiser", "project", "method",
                                 "facilitator", "codebook", "logos", *(f"{t}_en" for t in TRANSLATED)) if k in data}
    if group_names_en:
        meta["group_names_en"] = group_names_en
    return Lab(
        id=str(data["id"]), title=str(data["title"]), city=str(data["city"]), date=date_text,
        language=str(data["language"]), groups=tuple(group_ids), group_names=group_names,
        sessions=tuple(sessions), people=tuple(str(p).strip() for p in people), meta=meta,
    )


def load_lab(lab_dir: Path) -> Lab:
    """Read `lab_dir/lab.yaml`; a missing or unreadable file is a HarvestError, not a traceback."""
    path = lab_file(lab_dir, LAB_FILE)
    if not path.is_file():
        raise HarvestError.at(path, None, "lab.yaml not found",
                              f"create it (see docs/transcription.md) or check the lab folder {lab_dir}")
    lab = parse_lab(read_text(path), path, project_limits())
    if lab.id != lab_dir.name:
        raise HarvestError.at(path, 1, f"id '{lab.id}' differs from the folder name '{lab_dir.name}'",
                              f"set 'id: {lab_dir.name}' or rename the folder")
    return lab
