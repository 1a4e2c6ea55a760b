"""Build a lab's themes: per question, set process notes apart, fit, apply edits, describe; the stage's I/O edge."""

from __future__ import annotations

import sys
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline import __version__, catalog, ids, paths
from pipeline.clean import normalise_note
from pipeline.coverage import theme_coverage
from pipeline.edits import EDITS_FILE, EXCLUDED_STATUS, EditApplier, load_edits, redacted_titles
from pipeline.embed import TextEmbedder
from pipeline.errors import HarvestError
from pipeline.lab import load_lab
from pipeline.lang import language as language_data
from pipeline.nlp import lemma_display_forms
from pipeline.progress import progress
from pipeline.text import contact_lines
from pipeline.themes.cluster import (
    SIMILARITY_DECIMALS,
    STATUS_ASSIGNED,
    STATUS_NONE,
    STATUS_PROCESS,
    make_clusterer,
)
from pipeline.themes.codebook import (
    CODEBOOK_FILE,
    Codebook,
    CodebookTheme,
    anchor_vectors,
    codebook_path,
    load_codebook,
    redacted_codebook,
)
from pipeline.themes.edits import apply_edits, codebook_ids, edited_silhouette
from pipeline.themes.metrics import empty_metrics, rounded, scores, theme_sizes, unassigned_rate
from pipeline.themes.process import examples, process_notes
from pipeline.themes.process_probe import process_probe
from pipeline.themes.quotes import quotes_with_pins
from pipeline.themes.space import unit
from pipeline.themes.stability import SeedRuns, other_seed_runs, runs_agreement, submit_seed_fits
from pipeline.themes.titles import (
    class_tfidf_keywords,
    phrase_titles,
    question_words,
    summary_sentence,
    title_candidates,
)
from pipeline.themes.workers import fit_workers

RAISED, NOT_RAISED = "raised", "not raised"
Embed = Callable[[list[str]], np.ndarray]


@dataclass
class QuestionInput:
    """What one question's themes are built from, besides its notes and vectors."""

    text: str = ""
    codebook: tuple[CodebookTheme, ...] = ()
    anchors: np.ndarray | None = None
    process: np.ndarray | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    other_seeds: SeedRuns | None = None     # the labels of the other stability seeds' fits, when computed elsewhere


def fit_inputs(notes: pd.DataFrame, language: str,
               given: QuestionInput) -> tuple[list[str], np.ndarray, np.ndarray, dict[str, Any]]:
    """A question's notes' languages and process-note mask, which notes are fitted (process notes are not)
    and the fit's other arguments."""
    n = len(notes)
    languages = (notes["lang"].astype(str).tolist() if "lang" in notes else [language] * n)
    process = given.process if given.process is not None else np.zeros(n, dtype=bool)
    keep = np.flatnonzero(~process)
    fit_args = {"languages": [languages[i] for i in keep], "anchors": given.anchors, "anchor_language": language}
    return languages, process, keep, fit_args


def themes_for_question(notes: pd.DataFrame, vectors: np.ndarray, language: str, params: dict[str, Any],
                        editor: EditApplier | None = None, given: QuestionInput | None = None,
                        ) -> tuple[list[dict[str, Any]], pd.DataFrame, dict[str, Any]]:
    """One question's notes and vectors -> theme rows, note assignments, quality metrics (edits applied)."""
    given = given or QuestionInput()
    question = str(notes["question"].iloc[0])
    note_ids = notes["note_id"].astype(str).tolist()
    n = len(notes)
    languages, process, keep, fit_args = fit_inputs(notes, language, given)
    model = make_clusterer(params).fit(vectors[keep], **fit_args)
    n_cb = model.n_codebook_
    Z = model.space_.transform(vectors, languages) if len(keep) > 1 else unit(vectors)
    machine = np.full(n, -1)
    machine[keep] = model.labels_
    machine_status = np.full(n, STATUS_PROCESS, dtype=object)
    machine_status[keep] = model.status_
    labels, states = apply_edits(editor, note_ids, machine, Z, tuple(t.id for t in given.codebook[:n_cb]), question)
    status = np.where(labels >= 0, STATUS_ASSIGNED,
                      np.where(machine >= 0, STATUS_NONE, machine_status)).astype(object)
    # A note the analyst moved out of every theme has its own status: neither "none fits" nor unassigned.
    excluded = np.array([editor is not None and n in editor.excluded for n in note_ids], dtype=bool)
    status[excluded] = EXCLUDED_STATUS
    weights = notes["count"].to_numpy()
    total = int(weights[labels >= 0].sum() + weights[(labels < 0) & ~process].sum())
    live = sorted(t for t in set(labels.tolist()) if t >= 0)
    centres = {t: unit(Z[labels == t].mean(axis=0, keepdims=True))[0] for t in live}
    # Rounded so that ties (the two notes of a two-note theme are equally central) stay ties on every
    # machine: BLAS kernels differ in the last bits, and quotes, keywords and titles break ties by order.
    similarity = np.round([float(Z[i] @ centres[t]) if t >= 0 else
                           float(np.max([Z[i] @ c for c in centres.values()], initial=0.0))
                           for i, t in enumerate(labels)], SIMILARITY_DECIMALS)

    def first_note(t: int) -> int:
        return int(np.flatnonzero(labels == t)[0])

    # A codebook theme's id is its codebook id; a discovered theme is named by its earliest note, so its
    # id survives re-clustering and added notes.
    theme_id = {t: f"{question}~{given.codebook[t].id}" for t in range(n_cb)}
    theme_id.update({t: ids.theme_id(question, [note_ids[i] for i in np.flatnonzero(labels == t)])
                     for t in live if t >= n_cb})
    raised = list(live)
    order = sorted(raised, key=lambda t: (not states[t].relevant, -int(weights[labels == t].sum()), first_note(t)))
    order += [t for t in range(n_cb) if t not in live and not states[t].merged_away]
    texts = notes["text"].astype(str).tolist()
    docs = notes["lemmas"].fillna("").astype(str).tolist()
    keywords = class_tfidf_keywords(docs, labels, int(params["keywords_per_theme"]), similarity)
    display = lemma_display_forms(texts, language)
    max_words, min_words = int(params["title_max_words"]), int(params["title_min_words"])
    phrases, clauses, openings = title_candidates(texts, language, max_words, min_words)
    banned = question_words(given.text, language) if given.text else set()
    discovered_order = [t for t in order if t >= n_cb and t in live]
    titles = phrase_titles(phrases, np.where(labels >= n_cb, labels, -1), similarity,
                           openings, discovered_order, banned,
                           int(params["title_candidates"]), clauses, min_words)
    groups = notes["group"].astype(str).tolist()
    contacts = contact_lines(texts, tuple(language_data(language).marks.values()))
    rows = []
    for t in order:
        members = np.flatnonzero(labels == t)
        cb = given.codebook[t] if t < n_cb else None
        pinned = [note_ids.index(p) for p in states[t].pinned if p in note_ids and labels[note_ids.index(p)] == t]
        quotes = quotes_with_pins(similarity, groups, members, pinned, int(params["quotes_per_theme"]), contacts)
        size = int(weights[members].sum())
        central = texts[quotes[0]] if quotes else ""
        if cb is not None:
            title = cb.text("title", language)
            summary = cb.text("description", language) or (summary_sentence(central, int(params["summary_max_chars"]))
                                                           if central else title)
        else:
            title = titles[t]
            summary = summary_sentence(central, int(params["summary_max_chars"]))
        rows.append({
            "theme_id": theme_id[t], "question": question, "session": str(notes["session"].iloc[0]),
            "title": states[t].title or title, "summary": summary,
            "keywords": [display.get(k, k) for k in keywords.get(t, [])], "size": size,
            "share": size / total if total else 0.0, "notes": int(len(members)), "relevant": states[t].relevant,
            "edits": sorted(set(states[t].edits)), "source": "codebook" if cb is not None else "discovered",
            "codebook_id": cb.id if cb is not None else "", "status": RAISED if len(members) else NOT_RAISED,
            "quotes": [{"note_id": note_ids[i], "text": texts[i], "group": groups[i],
                        "round": int(notes["round"].iloc[i]), "pinned": i in pinned} for i in quotes],
            "groups": sorted(set(groups[i] for i in members)),
            # A codebook theme speaks every language its codebook was written in (the English report's
            # titles); an analyst's own title is in the lab's language, and in English when given (title_en).
            "titles": (dict(cb.title) if cb is not None and not states[t].title else
                       {language: states[t].title, "en": states[t].title_en} if states[t].title_en else {}),
            "summarys": dict(cb.description) if cb is not None else {},
        })
    # An ambiguous note's runner-up is a machine theme; name the theme most of its notes ended up in.
    final_of = {}
    for m in range(model.n_themes_):
        kept = labels[(machine == m) & (labels >= 0)]
        if len(kept):
            final_of[m] = int(np.bincount(kept).argmax())
    secondary = np.full(n, "", dtype=object)
    secondary[keep] = [theme_id.get(final_of.get(int(s), -1), "") for s in model.secondary_]
    assignments = pd.DataFrame({
        "note_id": note_ids, "question": question, "theme_id": [theme_id.get(int(t), "") for t in labels],
        "status": status, "secondary_theme_id": secondary, "similarity": np.round(similarity, 4),
    })
    answers = ~process & ~excluded
    unassigned = float(((labels < 0) & answers).sum() / max(int(answers.sum()), 1))
    metrics = {
        "notes": int(n), "n_themes": len(raised), "excluded": int(excluded.sum()),
        "unassigned_rate": round(unassigned, 4),
        "codebook_rate": round(float(((labels >= 0) & (labels < n_cb)).sum() / max(int(answers.sum()), 1)), 4),
        "process_notes": [ids.short(note_ids[i]) for i in np.flatnonzero(process)],
        # After the edits: the themes the report shows, not the machine's (equal when there are no edits).
        "silhouette": rounded(edited_silhouette(Z, labels, model.random_state)),
        "stability_ari": round(runs_agreement([model.labels_, *other_seed_runs(vectors[keep], params, fit_args,
                                                                               given.other_seeds)]), 4),
    }
    return rows, assignments, metrics


def build_themes(notes: pd.DataFrame, vectors: np.ndarray, language: str, question_ids: list[str],
                 params: dict[str, Any], editor: EditApplier | None = None, codebook: Codebook | None = None,
                 embed: Embed | None = None, question_texts: dict[str, str] | None = None,
                 executor: Executor | None = None) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """All questions of a lab -> (themes, assignments, metrics). Pure: vectors row-aligned with notes.

    `embed` turns extra texts (codebook titles, process-note examples) into vectors of the notes'
    backend; without it there are no codebook themes and process notes come from patterns only. A
    `TextEmbedder` also names its backend, and the process-note probe trained for it joins the patterns.
    With an `executor`, the stability seeds' fits of every question run there (other processes) while
    this one fits and describes the questions: the same labels, in less time.
    """
    if len(notes) != len(vectors):
        raise HarvestError.at(catalog.EMBEDDINGS.name, None, "vectors and notes differ in number",
                              "re-run the embed stage (dvc repro)")
    texts = notes["text"].astype(str).tolist()
    languages = notes["lang"].astype(str).tolist() if "lang" in notes else [language] * len(notes)
    example_vectors = {}
    if embed is not None:
        for lang in sorted(set(languages)):
            if examples(lang):
                example_vectors[lang] = embed([normalise_note(t, lang) for t in examples(lang)])
    # The probe knows one backend's vectors: a lab embedded otherwise (tfidf) is judged without it.
    probe = process_probe(str(getattr(embed, "backend", "")))
    process = process_notes(texts, languages, vectors, example_vectors, float(params["process_min_z"]), probe)
    inputs: dict[str, tuple[np.ndarray, QuestionInput]] = {}      # per question: its notes' mask, its input
    for qid in question_ids:
        mask = (notes["question"] == qid).to_numpy()
        if not mask.any():
            continue
        themes = codebook.themes_for(qid) if codebook is not None and embed is not None else ()
        anchors = anchor_vectors(themes, language, embed) if themes and embed is not None else None
        given = QuestionInput((question_texts or {}).get(qid, ""), themes, anchors, process[mask])
        _, _, keep, fit_args = fit_inputs(notes[mask], language, given)
        if executor is not None and len(keep) >= 2:
            given.other_seeds = submit_seed_fits(executor, vectors[mask][keep], params, fit_args)
        inputs[qid] = mask, given
    theme_rows: list[dict[str, Any]] = []
    assignment_frames = []
    metrics: dict[str, Any] = {}
    for qid in progress(question_ids, "themes per question"):
        if qid not in inputs:
            metrics[qid] = empty_metrics()
            continue
        mask, given = inputs[qid]
        rows, assigned, m = themes_for_question(notes[mask].reset_index(drop=True), vectors[mask], language,
                                                params, editor, given)
        theme_rows += rows
        assignment_frames.append(assigned)
        metrics[qid] = m
    themes_frame = pd.DataFrame(theme_rows)
    assignments = pd.concat(assignment_frames, ignore_index=True) if assignment_frames else pd.DataFrame()
    return themes_frame, assignments, metrics


def run(lab_id: str, params: dict[str, Any], root: Path = Path(".")) -> dict[str, Any]:
    """DVC stage: notes + embeddings (+ codebook) -> themes.json, assignments.csv, coverage, metrics."""
    notes = catalog.NOTES.read(lab_id, root)
    lab = catalog.LAB.read(lab_id, root)
    stored_ids, vectors = catalog.EMBEDDINGS.read(lab_id, root)
    if stored_ids != notes["note_id"].tolist():
        raise HarvestError.at(catalog.EMBEDDINGS.path(lab_id, root), None, "embeddings do not match the clean notes",
                              "re-run the embed stage (dvc repro)")
    questions = lab.questions
    raw = paths.raw_dir(lab_id, root)
    edits_path = raw / EDITS_FILE
    people = load_lab(raw).people
    codebook, warnings = load_codebook(codebook_path(raw, lab.meta.get("codebook"), root), lab.language,
                                       [q.id for q in questions])
    codebook = redacted_codebook(codebook, people, lab.language)
    edits = redacted_titles(load_edits(edits_path.parent, root), people, lab.language)
    editor = EditApplier.for_notes(edits, notes, lab_id, str(edits_path),
                                   codebook_ids(codebook, [q.id for q in questions]))
    embed = TextEmbedder(params, lab.language, root)
    seed_fits = len(questions) * max(int(params["themes"]["stability_seeds"]) - 1, 0)
    with fit_workers(seed_fits) as executor:
        themes, assignments, metrics = build_themes(notes, vectors, lab.language, [q.id for q in questions],
                                                    params["themes"], editor, codebook, embed,
                                                    {q.id: q.text for q in questions}, executor)
    for warning in warnings + editor.warnings:
        print(warning, file=sys.stderr)
    log = editor.log()
    catalog.EDITS_LOG.write(log, lab_id, root)
    catalog.THEMES.write(themes.to_dict(orient="records"), lab_id, root)
    catalog.ASSIGNMENTS.write(assignments, lab_id, root)
    catalog.COVERAGE.write(theme_coverage(notes, assignments), lab_id, root)
    quality = catalog.QUALITY.read(lab_id, root)
    summary = {"notes": int(len(notes)), "themes": int((themes["status"] == RAISED).sum()) if len(themes) else 0,
               "unassigned_rate": unassigned_rate(assignments),
               "process_notes": int((assignments["status"] == STATUS_PROCESS).sum()) if len(assignments) else 0,
               "notes_in": quality["notes_in"], "per_question": metrics}
    catalog.METRICS.write(summary, lab_id, root)
    catalog.SCORES.write(scores(summary, log), lab_id, root)
    catalog.THEME_SIZES.write(theme_sizes(themes), lab_id, root)
    run_info = {"pipeline_version": __version__, "themes_params": params["themes"],
                "codebook": lab.meta.get("codebook") or (CODEBOOK_FILE if codebook else None),
                "codebook_name": codebook.name if codebook else {},
                # The report counts expected themes against this: an analyst's merge removes one from themes.json.
                "codebook_themes": sum(len(codebook.themes_for(q.id)) for q in questions) if codebook else 0}
    catalog.RUN_INFO.write(run_info, lab_id, root)
    return summary
