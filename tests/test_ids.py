"""Note and theme ids (pipeline/ids.py): derived from what a note is, so other lines moving never change them."""

from __future__ import annotations

import re

from pipeline import ids
from pipeline.ingest import notes_frame, parse_csv

HEADER = "session,question,group,round,note\n"
ROWS = ["s1,s1q1,A,1,Spații de lucru ieftine\n", "s1,s1q1,B,1,- Granturi mici pentru start-up-uri\n",
        "s2,s2q1,A,2,Festivaluri anulate\n", "s1,s1q1,A,1,Spații de lucru ieftine\n"]


def frame(mini_lab, rows: list[str], name: str = "a.csv"):
    parsed, problems = parse_csv(HEADER + "".join(rows), name, mini_lab)
    assert problems == []
    return notes_frame(parsed, mini_lab)


def test_id_is_question_and_normalised_text_not_position(mini_lab):
    notes = frame(mini_lab, ROWS)
    assert all(re.fullmatch(r"mini-lab/n[0-9a-f]{8}(-\d+)?", n) for n in notes["note_id"])
    # Identical texts of one question are told apart in file order; the same text in another question differs.
    assert notes["note_id"][3] == notes["note_id"][0] + "-2"
    assert ids.content_hash("s1q1", "Festivaluri anulate") != ids.content_hash("s2q1", "Festivaluri anulate")
    # Another line inserted on top, lines reordered, another file name: the same ids.
    moved = frame(mini_lab, ["s2,s2q1,B,1,O notă nouă scrisă târziu\n", ROWS[2], ROWS[1], ROWS[0], ROWS[3]], "b.csv")
    assert set(notes["note_id"]) <= set(moved["note_id"])
    assert moved.set_index("note_id").loc[notes["note_id"][1], "line"] == 4          # provenance did move


def test_case_diacritics_punctuation_and_bullets_keep_the_id_a_word_changes_it():
    base = ids.content_hash("s1q1", "Spații de lucru ieftine")
    for same in ("spatii de lucru ieftine", "1. Spații de lucru, ieftine!", "• Spaţii  de lucru ieftine"):
        assert ids.content_hash("s1q1", same) == base, same
    assert ids.content_hash("s1q1", "Spații de lucru scumpe") != base


def test_transcriber_id_wins(mini_lab):
    parsed, _ = parse_csv("id,session,question,group,round,note\nT7,s1,s1q1,A,1,Ceva\n", "a.csv", mini_lab)
    assert notes_frame(parsed, mini_lab)["note_id"].tolist() == ["mini-lab/a.csv#T7"]


def test_theme_id_is_question_and_smallest_member():
    members = ["lab/nffff0000", "lab/n0000aaaa", "lab/n5555bbbb"]
    assert ids.theme_id("s1q1", members) == "s1q1~n0000aaaa"
    assert ids.theme_id("s1q1", list(reversed(members))) == "s1q1~n0000aaaa"      # order of notes does not matter


def test_parse_reference_forms():
    ref = ids.parse_reference("s1q1~n3fa2c1d0 «Chiriile din centru…»", "lab")
    assert (ref.question, ref.note, ref.excerpt, ref.legacy) == ("s1q1", "n3fa2c1d0", "Chiriile din centru", False)
    assert ids.parse_reference("lab/n3fa2c1d0#2", "lab").note == "n3fa2c1d0#2"
    legacy = ids.parse_reference("s1q1~sesiunea 1.csv:14#2 Text", "lab")
    assert (legacy.question, legacy.note, legacy.excerpt, legacy.legacy) == ("s1q1", "sesiunea 1.csv:14#2", "Text",
                                                                             True)
    own = ids.parse_reference("a.csv#T7", "lab")
    assert (own.note, own.legacy, own.is_theme) == ("a.csv#T7", False, False)


def test_excerpt_fits_only_the_same_words():
    assert ids.excerpt_fits("Chiriile din centru", "Chiriile din centru sunt prea mari")
    assert ids.excerpt_fits("chiriile din CENTRU", "Chiriile din centru sunt prea mari")
    assert not ids.excerpt_fits("Pauză de cafea", "Chiriile din centru sunt prea mari")
    assert ids.excerpt("unu doi trei patru", 2) == "unu doi…" and ids.excerpt("unu doi", 2) == "unu doi"


def test_full_short_lab_round_trip():
    assert ids.full("lab", "n1") == "lab/n1" and ids.full("lab", "lab/n1") == "lab/n1"
    assert ids.short("lab/n1#2") == "n1#2" and ids.lab_of("lab/n1") == "lab"
    assert ids.part_id("lab/n1", 2) == "lab/n1#2" and ids.provenance("a.csv", 7) == "a.csv:7"
