"""Proposals: is a note a proposal (it asks for an action or a measure) or an observation (a situation, a
problem, an initiative that exists), and how much support did it have (tables, rounds, merged duplicates)?

The cues are language data, `pipeline/lang/<code>/proposals.yaml`: regular expressions for modal,
conditional, subjunctive and imperative forms, explicit proposals and offers (proposal), and for past
tenses, negated facts and problems (observation), each with a weight. The kind with more votes wins. A
note without a cue — world-café notes are often noun phrases ("Micro-granturi rapide pentru start-up-uri")
— takes its question's kind, read with the same cues from the question's text: "Cum putem activa…" asks
for proposals, "Ce inițiative au apărut…" for observations. The same holds for a note whose head (the
text before the first comma, colon, semicolon or dash) has no cue: "Fond de garantare pentru IMM-uri,
băncile nu ne dau credit" names an idea and then says why. Otherwise the head's votes count
`head_weight` times, the rest's once. Each note is read with the cues of its own language (an English
note in a Romanian lab with the English ones).

Support is what a world café counts as agreement: a proposal raised at several tables, in several rounds,
or written several times (the clean stage merged the duplicates and kept every source).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import catalog
from pipeline.errors import HarvestError
from pipeline.lang import PROPOSALS_FILE, proposal_cues
from pipeline.lang import language as language_data
from pipeline.params import ProposalsParams, typed
from pipeline.text import contact_lines, fold
from pipeline.yamlsafe import parse_yaml

PROPOSAL, OBSERVATION = "proposal", "observation"
KINDS = (PROPOSAL, OBSERVATION)
# The head of a note ends at its first comma, semicolon, colon or dash followed by a space.
_HEAD_END = re.compile(r"\s*[,;:]\s+|\s+[-–—]\s+")
CONTACT_CUE = "contact line"     # the cue recorded for a note that is mostly a redacted contact
COLUMNS = ["note_id", "question", "kind", "cues", "question_kind", "tables", "rounds", "sources", "all_tables",
           "support"]


@dataclass(frozen=True)
class Cue:
    """One pattern that votes `weight` times for `kind` when it matches a note."""

    name: str
    kind: str
    weight: int
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class ProposalRules:
    """One language's cues; `fold` says whether they are matched on the note without diacritics."""

    language: str
    fold: bool
    cues: tuple[Cue, ...]

    def prepare(self, text: str) -> str:
        """The form of a text the patterns are written for: lower case, diacritics dropped when `fold`."""
        text = " ".join(text.split())
        return fold(text) if self.fold else text.lower()


def parse_rules(text: str, language: str, source: str) -> ProposalRules:
    """A proposals.yaml text -> rules; a bad cue is a HarvestError naming the file, the cue and the fix."""
    data = parse_yaml(text, source) or {}
    if not isinstance(data, dict) or not isinstance(data.get("cues"), list):
        raise HarvestError.at(source, None, "no 'cues:' list", "list the cues as in pipeline/lang/ro/proposals.yaml")
    cues = []
    for number, cue in enumerate(data["cues"], start=1):
        where = f"cue {number}"
        if not isinstance(cue, dict) or not {"name", "kind", "weight", "pattern"} <= set(cue):
            raise HarvestError.at(source, None, f"{where} needs name, kind, weight and pattern",
                                  "write it as {name: …, kind: proposal, weight: 1, pattern: '…'}")
        if cue["kind"] not in KINDS:
            raise HarvestError.at(source, None, f"{where} ({cue['name']}): kind '{cue['kind']}' is unknown",
                                  f"use one of: {', '.join(KINDS)}")
        if isinstance(cue["weight"], bool) or not isinstance(cue["weight"], int) or cue["weight"] < 1:
            raise HarvestError.at(source, None, f"{where} ({cue['name']}): weight must be a whole number >= 1",
                                  "use 1 for a hint, 2 for a clear sign")
        try:
            pattern = re.compile(str(cue["pattern"]))
        except re.error as exc:
            raise HarvestError.at(source, None, f"{where} ({cue['name']}): bad pattern ({exc})",
                                  "fix the regular expression (quote it in single quotes)") from None
        cues.append(Cue(str(cue["name"]), str(cue["kind"]), int(cue["weight"]), pattern))
    return ProposalRules(language, bool(data.get("fold", False)), tuple(cues))


@cache
def load_rules(language: str) -> ProposalRules | None:
    """The proposal cues of a language (None when the language has no proposals.yaml)."""
    found = proposal_cues(language)
    return None if found is None else parse_rules(found[1], language, found[0])


def votes(text: str, rules: ProposalRules) -> tuple[dict[str, int], list[str]]:
    """Votes per kind and the names of the cues that matched the text."""
    prepared = rules.prepare(text)
    tally = dict.fromkeys(KINDS, 0)
    names = []
    for cue in rules.cues:
        if cue.pattern.search(prepared):
            tally[cue.kind] += cue.weight
            names.append(cue.name)
    return tally, names


def classify(text: str, rules: ProposalRules, default: str, head_weight: int = 2) -> tuple[str, list[str]]:
    """(kind, cues) of one note: `default` when its head has no cue, else the kind with more votes (the
    head's counted `head_weight` times), `default` on a tie."""
    head, *rest = _HEAD_END.split(" ".join(text.split()), maxsplit=1)
    head_tally, head_names = votes(head, rules)
    if not head_names:
        return default, []
    tail_tally, tail_names = votes(rest[0], rules) if rest else (dict.fromkeys(KINDS, 0), [])
    score = {k: head_weight * head_tally[k] + tail_tally[k] for k in KINDS}
    names = list(dict.fromkeys(head_names + tail_names))
    if score[PROPOSAL] == score[OBSERVATION]:
        return default, names
    return (PROPOSAL if score[PROPOSAL] > score[OBSERVATION] else OBSERVATION), names


def question_kind(question_text: str, rules: ProposalRules | None, default: str) -> str:
    """What a question asks for: proposals ("Cum putem…") or observations ("Cum a fost afectat…")."""
    if rules is None:
        return default
    tally, _ = votes(question_text, rules)
    if tally[PROPOSAL] == tally[OBSERVATION]:
        return default
    return PROPOSAL if tally[PROPOSAL] > tally[OBSERVATION] else OBSERVATION


def classify_notes(notes: pd.DataFrame, questions: dict[str, str], lab_language: str, groups: list[str],
                   question_default: str, head_weight: int = 2) -> pd.DataFrame:
    """Clean notes -> one row per note: kind, the cues that decided it, and its support. Pure.

    `questions` maps question id -> text (in the lab's language); `groups` are the lab's tables.
    Support ranks notes raised at more tables first, then written more often, then in more rounds.
    """
    missing = [c for c in ("note_id", "question", "text", "lang", "source_ids", "source_groups", "source_rounds")
               if c not in notes.columns]
    if missing:
        raise HarvestError.at(catalog.NOTES.name, None, f"missing column(s) {missing}",
                              "re-run the clean stage (dvc repro)")
    if question_default not in KINDS:
        raise HarvestError.at("params.yaml", None, f"proposals.question_default '{question_default}' is unknown",
                              f"use one of: {', '.join(KINDS)}")
    lab_rules = load_rules(lab_language)
    asks = {qid: question_kind(text, lab_rules, question_default) for qid, text in questions.items()}
    # A contact line ('Dėl registracijos skambinkite [telefonas]') asks nothing of the council: what it said
    # is gone with the redaction.
    contacts = contact_lines(notes["text"].astype(str).tolist(), tuple(language_data(lab_language).marks.values()))
    rows = []
    for position, note in enumerate(notes.to_dict("records")):
        rules = load_rules(str(note["lang"])) or lab_rules
        default = asks.get(str(note["question"]), question_default)
        if position in contacts:
            kind, cues = OBSERVATION, [CONTACT_CUE]
        elif rules is not None:
            kind, cues = classify(str(note["text"]), rules, default, head_weight)
        else:
            kind, cues = default, []
        tables = sorted(set(note["source_groups"]))
        rows.append({"note_id": note["note_id"], "question": note["question"], "kind": kind, "cues": cues,
                     "question_kind": default, "tables": len(tables),
                     "rounds": len(set(note["source_rounds"])), "sources": len(note["source_ids"]),
                     "all_tables": len(groups) > 1 and set(groups) <= set(tables)})
    frame = pd.DataFrame(rows, columns=COLUMNS[:-1])
    order = frame.sort_values(["tables", "sources", "rounds"], ascending=False, kind="stable").index
    frame["support"] = 0
    frame.loc[order, "support"] = range(1, len(frame) + 1)
    return frame[COLUMNS]


def run(lab_id: str, params: dict[str, Any], root: Path = Path(".")) -> pd.DataFrame:
    """DVC stage: notes.parquet, lab.json -> proposals.parquet (kind and support of every note)."""
    lab = catalog.LAB.read(lab_id, root)
    settings = typed(params, ProposalsParams)
    result = classify_notes(catalog.NOTES.read(lab_id, root), {q.id: q.text for q in lab.questions}, lab.language,
                            list(lab.groups), settings.question_default, settings.head_weight)
    catalog.PROPOSALS.write(result, lab_id, root)
    return result


def score_kinds(labels: list[str], predicted: list[str]) -> dict[str, float | int]:
    """Precision and recall of 'proposal' against hand labels (and the counts they come from)."""
    pairs = list(zip(labels, predicted, strict=True))
    true_pos = sum(1 for g, p in pairs if g == p == PROPOSAL)
    said = sum(1 for _, p in pairs if p == PROPOSAL)
    real = sum(1 for g, _ in pairs if g == PROPOSAL)
    return {"notes": len(pairs), "proposals": real, "precision": true_pos / said if said else 0.0,
            "recall": true_pos / real if real else 0.0,
            "accuracy": sum(1 for g, p in pairs if g == p) / len(pairs) if pairs else 0.0}


def classify_labelled(frame: pd.DataFrame, language: str, questions: dict[str, str],
                      question_default: str = PROPOSAL, head_weight: int = 2) -> pd.DataFrame:
    """A labelled CSV (question, text, label) -> the same rows with `predicted` and `cues`: the benchmark's path."""
    rules = load_rules(language)
    if rules is None:
        raise HarvestError.at(f"pipeline/lang/{language}/{PROPOSALS_FILE}", None, f"no proposal cues for '{language}'",
                              "write the language's proposals.yaml (see pipeline/lang/ro/proposals.yaml)")
    asks = {qid: question_kind(text, rules, question_default) for qid, text in questions.items()}
    results = [classify(str(r["text"]), rules, asks.get(str(r["question"]), question_default), head_weight)
               for r in frame.to_dict("records")]
    return frame.assign(predicted=[k for k, _ in results], cues=[" ".join(c) for _, c in results])
