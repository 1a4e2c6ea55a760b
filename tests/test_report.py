"""The report's sections: built from a small inline lab, rendered by the real templates."""

import re
from html.parser import HTMLParser

import nbformat
import pandas as pd
import pytest
import yaml

from pipeline.errors import HarvestError
from pipeline.lang import LANG_DIR
from pipeline.params import load_params
from pipeline.proposals import classify_notes
from pipeline.report.content import ReportData, report_sections, running_title, translations
from pipeline.report.markup import TEMPLATES
from pipeline.report.render import page_html
from pipeline.report.stage import pdf_title
from pipeline.report.view import natural_key
from tests.conftest import ROOT

NOTEBOOK = ROOT / "notebooks" / "report.ipynb"
SETTINGS = load_params(ROOT / "params.yaml")["report"]
LAB = {"id": "lab", "title": "Atelier", "title_en": "Workshop", "event": "Atelier Local de Învățare",
       "event_en": "Local Learning Lab", "organiser": "Municipiul Timișoara", "organiser_en": "Timișoara Municipality",
       "city": "Timișoara", "date": "2020-10-20", "language": "ro", "groups": ["A", "B"],
       "group_names": {"A": "Grupa A", "B": "Grupa B"},
       "sessions": [{"id": "s1", "title": "Sesiunea 1", "title_en": "Session 1",
                     "questions": [{"id": "s1q1", "text": "Cum activăm start-up-uri?", "text_en": "How do we start?"},
                                   {"id": "s1q2", "text": "Cum implicăm asociația?", "text_en": "How to involve?"}]},
                    {"id": "s2", "title": "Sesiunea 2", "title_en": "Session 2",
                     "questions": [{"id": "s2q1", "text": "Cum a fost afectat sectorul?", "text_en": "How hit?"}]}]}
NOTES = [  # note_id, question, group, round, text, source_groups, source_rounds, count
    ("lab/a.csv:2", "s1q1", "A", 1, "Granturi mici pentru artiști, sunați la [telefon]", ["A", "B"], [1, 2], 2),
    ("lab/a.csv:3", "s1q1", "A", 1, "Spații ieftine pentru ateliere", ["A"], [1], 1),
    ("lab/a.csv:12", "s1q1", "A", 2, "Mentorat pentru tineri antreprenori", ["A"], [2], 1),
    ("lab/b.csv:2", "s1q1", "B", 1, "Fond de garantare pentru IMM-uri culturale", ["B"], [1], 1),
    ("lab/b.csv:3", "s1q1", "B", 2, "Un incubator în fosta fabrică", ["B"], [2], 1),
    ("lab/a.csv:20", "s1q2", "A", 1, "Asociația să publice apelurile din timp", ["A"], [1], 1),
    ("lab/b.csv:20", "s1q2", "B", 1, "O hartă a actorilor culturali", ["B"], [1], 1),
    ("lab/a.csv:30", "s2q1", "A", 1, "Teatrele au rămas fără public", ["A"], [1], 1),
    ("lab/b.csv:30", "s2q1", "B", 1, "Artiștii au pierdut veniturile", ["B"], [1], 1),
]
THEMES = [  # theme_id, question, session, title, members (first = most central)
    ("t-money", "s1q1", "s1", "Bani pentru artiști", ["lab/a.csv:2", "lab/b.csv:2", "lab/a.csv:12"]),
    ("t-space", "s1q1", "s1", "Spații pentru ateliere", ["lab/a.csv:3", "lab/b.csv:3"]),
    ("t-assoc", "s1q2", "s1", "Asociația și apelurile", ["lab/a.csv:20", "lab/b.csv:20"]),
    ("t-covid", "s2q1", "s2", "Public și venituri pierdute", ["lab/a.csv:30", "lab/b.csv:30"]),
]


def sample(texts: dict[str, str] | None = None, pinned: str = "") -> ReportData:
    """A lab of two tables, two sessions, four themes, a link and facilitator conclusions."""
    texts = texts or {}
    notes = pd.DataFrame([{"note_id": n, "session": q[:2], "question": q, "group": g, "round": r,
                           "text": texts.get(n, text), "source_ids": [n] if c == 1 else [n, "lab/b.csv:9"],
                           "source_groups": sg, "source_rounds": sr, "count": c, "lang": "ro",
                           "rounds": sorted(set(sr)), "groups": sorted(set(sg))}
                          for n, q, g, r, text, sg, sr, c in NOTES])
    by_id = notes.set_index("note_id")
    themes, assignments, coverage = [], [], []
    for theme_id, question, session, title, members in THEMES:
        quotes = [{"note_id": n, "text": by_id.loc[n, "text"], "group": by_id.loc[n, "group"],
                   "round": int(by_id.loc[n, "round"]), "pinned": n == pinned} for n in members]
        quotes.sort(key=lambda q: not q["pinned"])
        themes.append({"theme_id": theme_id, "question": question, "session": session, "title": title,
                       "keywords": ["x"], "size": len(members), "share": len(members) / 5, "relevant": True,
                       "edits": [], "quotes": quotes, "groups": ["A", "B"]})
        for rank, n in enumerate(members):
            assignments.append({"note_id": n, "question": question, "theme_id": theme_id, "status": "assigned",
                                "similarity": 0.9 - rank / 10})
            for g, r in zip(by_id.loc[n, "source_groups"], by_id.loc[n, "source_rounds"],
                            strict=True):
                coverage.append({"question": question, "theme_id": theme_id, "group": g, "round": int(r)})
    cov = pd.DataFrame(coverage).value_counts().rename("notes").reset_index()
    links = pd.DataFrame([{"theme_a": "t-money", "question_a": "s1q1", "title_a": "Bani pentru artiști",
                           "theme_b": "t-covid", "question_b": "s2q1", "title_b": "Public și venituri pierdute",
                           "strength": 0.41, "threshold": 0.12, "support_a": ["lab/b.csv:2", "lab/a.csv:12"],
                           "support_b": ["lab/b.csv:30", "lab/a.csv:30"], "support_similarity": [0.5, 0.4]}])
    metrics = {"per_question": {q: {"notes": 3, "n_themes": 1, "silhouette": 0.3, "stability_ari": 0.6,
                                    "unassigned_rate": 0.0} for q in ("s1q1", "s1q2", "s2q1")}}
    quality = {"notes_in": 11, "fates": {"kept": 8, "merged": 1, "dropped": 2}, "notes_out": 9,
               "dropped_reasons": {"no content (idem / same as above)": 1, "fewer than 3 letters": 1},
               "redactions": {"phone": 1}, "languages": {"ro": 9}}
    kinds = classify_notes(notes, {q["id"]: q["text"] for s in LAB["sessions"] for q in s["questions"]}, "ro",
                           ["A", "B"], "proposal")
    return ReportData(LAB, notes, themes, pd.DataFrame(assignments), metrics, quality,
                      {"backend": "e5", "fallback": ""}, {"pipeline_version": "0.1.0", "themes_params": {"seed": 1}},
                      cov, links, "# Ce reținem\n\nCer **spații**.", kinds)


def body(data: ReportData, language: str) -> str:
    return "".join(report_sections(data, language, "2026-01-01", SETTINGS).values())


class Visible(HTMLParser):
    """The page's text, without the parts marked as being in another language than the page's."""

    def __init__(self, language: str) -> None:
        super().__init__()
        self.language, self.stack, self.parts = language, [], []

    def handle_starttag(self, tag, attrs):
        if tag not in ("br", "img", "meta"):
            lang = dict(attrs).get("lang")
            self.stack.append(lang is not None and lang != self.language)

    def handle_endtag(self, tag):
        if tag not in ("br", "img", "meta") and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not any(self.stack):
            self.parts.append(data)


def visible_text(html: str, language: str) -> str:
    parser = Visible(language)
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def fixed_strings(language: str, other: str) -> list[str]:
    """Fragments (6+ characters, between placeholders) of the strings `language` writes differently from `other`."""
    own = yaml.safe_load((LANG_DIR / language / "report.yaml").read_text(encoding="utf-8"))
    theirs = yaml.safe_load((LANG_DIR / other / "report.yaml").read_text(encoding="utf-8"))
    fragments = set()
    for key, value in own.items():
        if str(value) == str(theirs.get(key)) or key.startswith("language_"):
            continue
        for part in re.split(r"\{[^}]*\}", " ".join(str(value).split())):
            part = part.strip(" .,:;()·—–“”„\"")
            if len(part) >= 6:
                fragments.add(part)
    return sorted(fragments)


def test_report_notebook_has_a_parameters_cell_with_the_stage_parameters():
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for name in ("lab_id", "processed_dir", "language", "generated", "settings", "logos"):
        assert f"{name} = " in tagged[0].source


def test_report_notebook_is_stored_without_outputs():
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


@pytest.mark.parametrize("text", ["<script>alert(1)</script>", "**bold** and _it_", "$x$ \\section{A}",
                                  "<img src=x onerror=alert(1)>", "\" onmouseover=\"alert(1)"])
def test_note_markup_is_rendered_inert_in_every_section(text):
    data = sample({n[0]: text for n in NOTES})
    data.themes[0]["title"] = text
    data.lab = {**LAB, "event_en": text}
    for language in ("ro", "en"):
        html = body(data, language)
        assert "<script" not in html and "<img src=x" not in html and 'onmouseover="' not in html
        assert "&lt;script&gt;" in html or "&lt;img" in html or text in html or "&#34;" in html


def test_report_html_comes_only_from_autoescaping_templates():
    for module in (ROOT / "pipeline" / "report").glob("*.py"):
        source = module.read_text(encoding="utf-8")
        assert "escape(" not in source and "from html import" not in source, module.name
        assert not re.search(r"""["']<(p|div|li|ul|table|tr|td|h\d|section|span)[ >]""", source), module.name
    safe = [(p.name, line) for p in TEMPLATES.glob("*.j2") for line in p.read_text(encoding="utf-8").splitlines()
            if "|safe" in line]
    assert safe == [("summary.html.j2",
                     '<div class="facilitator" lang="{{ lab_language }}">{{ conclusions|safe }}</div></div>')]


def test_summary_names_each_questions_largest_theme_and_the_ideas_written_at_both_tables():
    data = sample()
    summary = report_sections(data, "en", "x", SETTINGS)["summary"]
    for title in ("Bani pentru artiști", "Asociația și apelurile", "Public și venituri pierdute"):
        assert title in summary                       # every question is represented
    assert summary.index("Bani pentru artiști") < summary.index("Spații pentru ateliere")
    assert "raised at both tables" not in summary            # true of every highlight here: it says nothing
    assert report_sections(data, "en", "x", SETTINGS)["q-s1q1"].count("raised at both tables") == 2   # the cards
    assert "Most supported proposals" in summary and "Granturi mici pentru artiști" in summary
    # Where it was written, without 'tables: Table A' or 'rounds: 1' for one round (a partner's reading).
    assert "Table A, Table B · round 1, round 2 · written 2×" in summary
    assert "Masa A, Masa B · runda 1, runda 2 · scrisă de 2 ori" in report_sections(
        sample(), "ro", "x", {**SETTINGS})["summary"].replace("Grupa", "Masa")
    assert "Ce reținem" in summary and "<strong>spații</strong>" in summary      # the facilitator's Markdown


def test_a_one_note_theme_is_never_a_summary_highlight():
    """A small lab's question whose themes are one note each: the summary names none of them, and says why."""
    data = sample()
    covid = next(th for th in data.themes if th["theme_id"] == "t-covid")
    covid["size"] = 1
    summary = report_sections(data, "en", "x", SETTINGS)["summary"]
    assert "Public și venituri pierdute" not in summary.split("Most supported")[0]
    assert "No theme of this session holds more than one note." in summary
    assert "Bani pentru artiști" in summary and summary.count("No theme of this session") == 1


def test_summary_shows_themes_raised_at_one_table_and_codebook_themes_nobody_raised():
    data = sample()
    data.themes.append({"theme_id": "s2q1~codebook:funds", "question": "s2q1", "session": "s2",
                        "title": "Fonduri de urgență", "titles": {"en": "Emergency funds"}, "size": 0, "share": 0.0,
                        "status": "not raised", "quotes": [], "groups": []})
    data.coverage = data.coverage[~((data.coverage["theme_id"] == "t-space") & (data.coverage["group"] == "B"))]
    settings = {**SETTINGS, "one_table_min_notes": 1}
    sections = report_sections(data, "en", "x", settings)
    summary = sections["summary"]
    # A highlight says it on its own line, the card says the same (it said "raised at both tables"), and the
    # list of one-table themes holds only the others.
    line = summary.split("Spații pentru ateliere")[1].split("</li>")[0]
    assert "mostly at Table A" in line and "Raised mainly at one table" not in summary
    card = sections["q-s1q1"].split("Spații pentru ateliere</span> <span class=\"lang\">ro</span></h3>")[1] \
        .split("</div>")[0]
    assert "mostly at Table A" in card and "raised at both tables" not in card
    settings = {**settings, "summary_max_themes": 1, "summary_min_themes": 1}
    summary = report_sections(data, "en", "x", settings)["summary"]
    assert "Spații pentru ateliere" in summary.split("Raised mainly at one table")[1]
    assert "Expected themes nobody raised" in summary and "Emergency funds" in summary


def test_no_note_is_quoted_twice_in_the_body_and_pinned_quotes_come_first():
    data = sample(pinned="lab/a.csv:12")
    sections = report_sections(data, "ro", "x", SETTINGS)
    body_html = "".join(v for k, v in sections.items() if k != "appendix")
    for _, *_, text, _, _, _ in NOTES:
        assert body_html.count(text) <= 1, text
    card = sections["q-s1q1"].split("Bani pentru artiști</span></h3>")[1]
    quotes = re.findall(r"<q lang=\"ro\">([^<]*)</q>", card)
    assert quotes[0] == "Mentorat pentru tineri antreprenori"          # pinned first
    assert "Granturi mici pentru artiști" not in card.split("</div>")[0]   # already in the summary
    assert "Granturi mici pentru artiști" in sections["summary"]


def test_coverage_matrix_counts_each_table_and_round():
    sections = report_sections(sample(), "en", "x", SETTINGS)
    table = sections["q-s1q1"].split('<table class="data matrix">')[1].split("</table>")[0]
    heads = re.findall(r"<th>(.*?)</th>", table)
    assert heads == ["Theme", "Table A<br>round 1", "Table A<br>round 2", "Table B<br>round 1", "Table B<br>round 2"]
    rows = {re.sub("<[^>]+>", "", r[0]).strip(): re.findall(r'<td class="num">(\d*)</td>', r[1])
            for r in re.findall(r"<tr><td>(.*?)</td>(.*?)</tr>", table)}
    assert rows == {"Bani pentru artiști ro": ["1", "1", "1", "1"], "Spații pentru ateliere ro": ["1", "", "", "1"]}


def test_english_report_is_english_outside_what_was_written_at_the_tables():
    data = sample()
    html = body(data, "en")
    text = visible_text(html, "en")
    leaked = [s for s in fixed_strings("ro", "en") if s in text]
    assert leaked == []
    assert "Table A" in text and "Grupa" not in text
    assert "[phone]" in html and "[telefon]" not in html
    assert "Local Learning Lab" in running_title(data, "en") and "Învățare" not in running_title(data, "en")
    assert pdf_title(LAB, "en") == "Local Learning Lab — Timișoara, 2020-10-20"
    assert "in the original language (Romanian), marked “RO”" in text    # as the language marks print
    assert "How do we start?" in text


def test_romanian_report_holds_no_english_fixed_strings():
    html = body(sample(), "ro")
    text = visible_text(html, "ro")
    assert [s for s in fixed_strings("en", "ro") if s in text] == []
    assert "Grupa A" in text and "[telefon]" in html
    assert "original language" not in text


def test_methodology_says_in_words_who_made_the_themes_and_how_sure_we_are():
    data = sample()
    html = report_sections(data, "en", "x", SETTINGS)["methodology"]
    assert "A computer program, not a person, sorted the notes into themes" in html
    assert "No list of expected themes was given, so the program also chose how many themes" in html
    assert "No person has reviewed or corrected these themes" in html
    # One verdict shared by every question is said once, not once per question.
    assert "<strong>Separation</strong> — every question: clear." in html
    assert "<strong>Stability</strong> — every question: mostly the same themes." in html
    assert html.count("question: clear") == 1
    assert "fewer than 3 letters" in html and "Technical annex" in html
    data.edits_log = pd.DataFrame([{"line": n, "kind": "rename", "edit": "theme: x; title: Y", "question": "s1q1",
                                    "outcome": "applied", "reason": ""} for n in (2, 4)])
    ro = report_sections(data, "ro", "x", SETTINGS)["methodology"]
    assert "a aplicat 2 corecturi" in ro and "mai puțin de 3 litere" in ro and "fewer than" not in ro


def test_methodology_groups_questions_by_verdict_and_nests_drop_reasons_under_dropped_notes():
    data = sample()
    data.metrics["per_question"]["s2q1"].update(silhouette=0.05, stability_ari=0.95)
    html = report_sections(data, "en", "x", SETTINGS)["methodology"]
    assert ("<strong>Separation</strong> — S1Q1, S1Q2: clear; S2Q1: themes overlap a lot (read them as a first "
            "sorting).") in html
    assert ("<strong>Stability</strong> — S1Q1, S1Q2: mostly the same themes; S2Q1: almost the same themes every "
            "time.") in html
    quality = html.split('id="data-quality"')[1]
    # Kept notes are read first; the reasons a note was dropped are listed under the dropped notes.
    assert quality.index("8 kept") < quality.index("1 merged") < quality.index("2 dropped")
    dropped = quality.split("2 dropped")[1].split("</li></ul>")[0]
    assert "1 × no content" in dropped and "1 × fewer than 3 letters" in dropped
    ro = report_sections(data, "ro", "x", SETTINGS)["methodology"]
    assert "<strong>Separare</strong> — S1Q1, S1Q2: clară" in ro


def test_methodology_says_which_themes_were_expected_and_what_was_left_outside_them():
    data = sample()
    for theme, source in zip(data.themes, ["codebook", "codebook", "discovered", "codebook"], strict=True):
        theme["source"] = source
    data.themes[1]["status"], data.themes[1]["size"] = "not raised", 0
    data.assignments.loc[data.assignments["note_id"] == "lab/a.csv:12", ["theme_id", "status"]] = ["", "none fits"]
    data.lab = {**LAB, "codebook": "ecoc-sme"}
    html = report_sections(data, "en", "x", SETTINGS)["methodology"]
    assert "a codebook written by people before the lab (“ecoc-sme”)" in html      # no name: its reference
    data.run_info = {**data.run_info, "codebook_name": {"en": "ECoC-SME expected themes", "ro": "Temele ECoC-SME"}}
    html = report_sections(data, "en", "x", SETTINGS)["methodology"]
    assert "a codebook written by people before the lab (“ECoC-SME expected themes”)" in html
    assert "(„Temele ECoC-SME”)" in report_sections(data, "ro", "x", SETTINGS)["methodology"]
    data.run_info = {**data.run_info, "codebook_name": {}}
    assert "Expected themes raised: 2 of 3; themes found beyond the codebook: 1; notes that fit no theme: 1." in html
    assert "No list of expected themes" not in html
    data.lab = dict(LAB)                                  # the lab's own codebook.yaml
    assert "(the lab&#39;s own)" in report_sections(data, "en", "x", SETTINGS)["methodology"]
    ro = report_sections(data, "ro", "x", SETTINGS)["methodology"]
    assert "(lista proprie a atelierului)" in ro and "Teme așteptate ridicate: 2 din 3" in ro
    # The analyst merged two expected themes into others: still expected, and the count says where they went.
    data.run_info = {**data.run_info, "codebook_themes": 5}
    html = report_sections(data, "en", "x", SETTINGS)["methodology"]
    assert "Expected themes raised: 2 of 5 (2 merged into other themes by the analyst); themes found" in html
    data.run_info = {**data.run_info, "codebook_themes": 4}
    ro = report_sections(data, "ro", "x", SETTINGS)["methodology"]
    assert "Teme așteptate ridicate: 2 din 4 (1 unită de analist cu altă temă); teme găsite" in ro


def test_links_are_framed_as_related_themes_with_supporting_notes_not_quoted_before():
    html = report_sections(sample(), "en", "x", SETTINGS)["links"]
    assert "Related themes across sessions" in html and "random pairs reach: 0.12" in html
    assert "answer" not in html
    assert "Fond de garantare" not in html or "Teatrele" not in html     # evidence already quoted is skipped
    # The pair's evidence is all quoted above: the intro says so once, and the pair is one row of the table.
    intro, table = html.split('<table class="data links">')
    assert "already quoted above, they are not repeated" in intro and "quoted" not in table
    assert table.count('<tr class="link-row">') == 1 and "link-notes" not in table
    assert "<th>Theme</th><th>Related theme</th>" in table
    cells = re.findall(r"<td[^>]*>(.*?)</td>", table.split('<tr class="link-row">')[1], re.S)
    assert "S1Q1" in cells[0] and "Bani pentru artiști" in cells[0] and "S2Q1" in cells[1]
    assert cells[2].startswith("0.41") and "random pairs reach: 0.12" in cells[2]
    # Evidence not quoted before is shown in the row under its pair.
    html = report_sections(sample(), "en", "x", dict(SETTINGS, quotes_per_theme=0))["links"]
    notes_row = html.split('<tr class="link-notes">')[1].split("</tr>")[0]
    assert "Fond de garantare pentru IMM-uri culturale" in notes_row and "Artiștii au pierdut veniturile" in notes_row


def test_appendix_lists_every_note_once_in_natural_order():
    data = sample()
    appendix = report_sections(data, "ro", "x", SETTINGS)["appendix"]
    for _, *_, text, _, _, _ in NOTES:
        assert appendix.count(text) == 1
    s1q1 = appendix.split("<h3>S1Q1</h3>")[1].split("<h3>")[0]
    ids = re.findall(r'<td class="id">([^<]*)</td>', s1q1)
    assert ids == ["a.csv:2 b.csv:9", "a.csv:12", "b.csv:2", "a.csv:3", "b.csv:3"]
    assert sorted(["a.csv:12", "a.csv:2"], key=natural_key) == ["a.csv:2", "a.csv:12"]


def test_cover_shows_the_lab_logos_given_to_it():
    html = report_sections(sample(), "en", "x", SETTINGS, logos=["data:image/png;base64,AAAA"])["cover"]
    assert '<img src="data:image/png;base64,AAAA"' in html


def test_unknown_report_language_is_a_clear_error():
    with pytest.raises(HarvestError, match="no translation file"):
        translations("xx")


def test_page_html_is_self_contained():
    html = page_html("<p>x</p>", "Titlu", "Autor", "ro")
    assert "http://" not in html and "https://" not in html and "<link" not in html
    assert "DejaVu Sans" in html and 'lang="ro"' in html and "<p>x</p>" in html
    assert 'content: "Pagina "' in html                # the CSS is not escaped


def test_logos_are_read_from_the_lab_folder_only(tmp_path):
    from pipeline.report.stage import logo_uris

    lab_dir = tmp_path / "lab"
    lab_dir.mkdir()
    (lab_dir / "logo.png").write_bytes(b"\x89PNG")
    (tmp_path / "secret.png").write_bytes(b"\x89PNG")
    assert logo_uris({"logos": ["logo.png"]}, lab_dir) == ["data:image/png;base64,iVBORw=="]
    assert logo_uris({}, lab_dir) == []
    for bad in ("../secret.png", "missing.png", "notes.csv"):
        with pytest.raises(HarvestError, match="inside the lab folder"):
            logo_uris({"logos": [bad]}, lab_dir)


def test_lab_yaml_english_variants_and_logos_reach_the_report():
    from pipeline.lab import parse_lab
    from tests.conftest import MINI_LAB_YAML

    text = MINI_LAB_YAML.replace("  - id: A\n", "  - id: A\n    name: Grupa A\n    name_en: Table A\n").replace(
        "language: ro\n", "language: ro\nevent: Atelier\nevent_en: Workshop\nlogos: [logo.png]\n")
    lab = parse_lab(text).to_dict()
    assert lab["event_en"] == "Workshop" and lab["group_names_en"] == {"A": "Table A"} and lab["logos"] == ["logo.png"]
    with pytest.raises(HarvestError, match="'logos' must be a list"):
        parse_lab(text.replace("logos: [logo.png]", "logos: logo.png"))


def test_process_notes_are_listed_under_data_quality_and_never_quoted_as_ideas():
    data = sample()
    process = "Am rămas fără timp la întrebarea asta"
    data.notes.loc[len(data.notes)] = {**data.notes.iloc[0].to_dict(), "note_id": "lab/a.csv:40", "text": process,
                                       "source_ids": ["lab/a.csv:40"], "source_groups": ["A"], "count": 1}
    data.__dict__.pop("notes_by_id", None)
    data.assignments.loc[len(data.assignments)] = {"note_id": "lab/a.csv:40", "question": "s1q1", "theme_id": "",
                                                   "status": "process note", "similarity": 0.0}
    sections = report_sections(data, "en", "x", SETTINGS)
    quality = sections["methodology"].split('id="data-quality"')[1]
    assert "Remarks about the process (1)" in quality and "a.csv:40" in quality and process in quality
    body_html = "".join(v for k, v in sections.items() if k not in ("appendix", "methodology"))
    assert process not in body_html and "no theme; the appendix" not in sections["q-s1q1"]
    row = next(r for r in sections["appendix"].split("<tr>") if process in r)
    assert "Remarks about the process" in row and "Unassigned" not in row       # listed as what it is


def test_the_data_quality_section_names_the_files_reading_warned_of_in_the_reports_language():
    data = sample()
    data.quality = {**data.quality, "read_warnings": ["notes/extra.odt", "notes/s2.xlsx[Ascuns]"]}
    en = report_sections(data, "en", "x", SETTINGS)["methodology"]
    assert "parts may not have been read" in en and "notes/extra.odt" in en and "notes/s2.xlsx[Ascuns]" in en
    lt = report_sections(data, "lt", "x", SETTINGS)["methodology"]
    assert "galėjo būti neperskaitytos" in lt and "parts may not" not in lt
    assert "parts may not" not in report_sections(sample(), "en", "x", SETTINGS)["methodology"]


def test_process_notes_are_listed_by_question_then_in_the_transcripts_order():
    """They were listed by note id alone (S1Q3, S2Q2, S1Q2, … in a Kaunas lab)."""
    from pipeline.report.content import texts
    from pipeline.report.sections import quality

    data = sample()
    for note_id, question in (("lab/a.csv:40", "s2q1"), ("lab/b.csv:5", "s1q2"), ("lab/a.csv:41", "s1q1")):
        data.notes.loc[len(data.notes)] = {**data.notes.iloc[0].to_dict(), "note_id": note_id, "question": question,
                                           "text": "Am rămas fără timp", "source_ids": [note_id]}
        data.assignments.loc[len(data.assignments)] = {"note_id": note_id, "question": question, "theme_id": "",
                                                       "status": "process note", "similarity": 0.0}
    data.__dict__.pop("notes_by_id", None)
    listed = [(p["question"], p["id"]) for p in quality(data, texts(data, "en"))["process"]]
    assert listed == [("S1Q1", "a.csv:41"), ("S1Q2", "b.csv:5"), ("S2Q1", "a.csv:40")]


def test_proposals_section_lists_what_is_not_quoted_elsewhere_and_english_uses_the_analysts_translation():
    data = sample()
    data.translations = {"a.csv:3": "Cheap studios for workshops"}
    sections = report_sections(data, "en", "x", SETTINGS)
    assert "Proposals" in sections["contents"] and "notes ask for an action or a measure" in sections["proposals"]
    body_html = "".join(v for k, v in sections.items() if k != "appendix")
    for _, *_, text, _, _, _ in NOTES:
        assert body_html.count(text) <= 1, text
    assert "Cheap studios for workshops</q>" in body_html and "translated by the analyst" in body_html
    assert "Spații ieftine pentru ateliere" not in body_html        # the translation replaces it in the body
    ro = report_sections(data, "ro", "x", SETTINGS)
    assert "Propuneri" in ro["proposals"] and "Cheap studios" not in "".join(ro.values())
    # A proposal in no theme is listed under a heading a reader understands (it read "Unassigned notes").
    data.assignments.loc[data.assignments["note_id"] == "lab/b.csv:3", ["theme_id", "status"]] = ["", "none fits"]
    proposals = report_sections(data, "en", "x", dict(SETTINGS, quotes_per_theme=0))["proposals"]
    assert "S1Q1 · Other proposals (in no theme)" in re.sub(r"<[^>]+>", "", proposals)
    assert "Un incubator în fosta fabrică" in proposals.split("Other proposals (in no theme)")[1]
    assert "Unassigned" not in proposals


def test_cover_says_generated_on_only_for_a_real_generation_date(monkeypatch: pytest.MonkeyPatch):
    from pipeline.report.render import generation_date

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert generation_date() == ""
    cover = report_sections(sample(), "en", generation_date(), SETTINGS)["cover"]
    assert "Generated on" not in cover and "Pipeline version" in cover
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    cover = report_sections(sample(), "en", generation_date(), SETTINGS)["cover"]
    assert "Generated on 14 November 2023" in cover


def test_running_header_names_the_section_a_page_starts_in(tmp_path):
    from pipeline.report.render import write_pdf
    from tests.helpers import pdf_text

    filler = "".join(f"<p>Paragraph {i} of the proposals.</p>" for i in range(70))
    body = f"<h2>Proposals</h2>{filler}<h2>Related themes</h2><p>Link.</p>"
    pdf = tmp_path / "r.pdf"
    write_pdf(page_html(body, "T", "A", "en"), pdf, base_url=tmp_path)
    pages = pdf_text(pdf).split("\f")
    second = next(page for page in pages if "Related themes" in page.split("Paragraph", 1)[-1])
    header = second.strip().splitlines()[0]
    assert header == "Proposals", header


@pytest.mark.parametrize(("language", "expected"), [("ro", "„Labas”"), ("en", "“Labas”"), ("lt", "„Labas“"),
                                                    ("hr", "„Labas“"), ("it", "«Labas»"), ("nl", "“Labas”")])
def test_quoted_notes_take_the_report_languages_quotation_marks(language, expected, tmp_path):
    """The marks are the report language's (its report.yaml), whatever the note's own language."""
    from pipeline.report.render import write_pdf
    from tests.helpers import pdf_text

    pdf = tmp_path / "q.pdf"
    write_pdf(page_html('<p><q lang="lt">Labas</q></p>', "T", "A", language), pdf, base_url=tmp_path)
    assert expected in pdf_text(pdf)


def test_a_theme_whose_proposals_are_all_quoted_above_gets_no_heading_in_proposals():
    everything_quoted = report_sections(sample(), "en", "x", dict(SETTINGS, quotes_per_theme=10))["proposals"]
    assert "<h4>" not in everything_quoted and "All of them are quoted above" in everything_quoted
    assert not re.search(r"\d of them are quoted above", everything_quoted)   # not "7 of them", with nothing listed
    nothing_quoted = report_sections(sample(), "en", "x", dict(SETTINGS, quotes_per_theme=0))["proposals"]
    assert "<h4>" in nothing_quoted                       # (the summary still quotes the most supported ones)


def test_a_summary_that_only_repeats_its_title_is_not_printed():
    from pipeline.report.view import repeats

    assert repeats("Niekas nežino, kiek dar tęsis pandemija", "Niekas nežino kiek dar tęsis pandemija.")
    assert not repeats("Scenos darbuotojai neturėjo teisės į…", "Scenos darbuotojai neturėjo teisės į išmokas")
    assert not repeats("Bani pentru artiști", "Granturi mici pentru artiști")
    data = sample()
    data.themes[0]["summary"] = data.themes[0]["title"] + "."
    sections = report_sections(data, "ro", "x", SETTINGS)
    body = sections["summary"] + sections["q-s1q1"]
    assert body.count(data.themes[0]["title"]) == body.count(data.themes[0]["title"] + "<") >= 1
    assert data.themes[0]["title"] + ".<" not in body


def test_theme_sizes_take_the_plural_form_of_the_report_language():
    data = sample()
    data.themes[0]["size"] = 21
    data.themes[1]["size"] = 1
    ro = report_sections(data, "ro", "x", SETTINGS)["q-s1q1"]
    assert "21 de notițe" in ro and "1 notiță" in ro
    en = report_sections(data, "en", "x", SETTINGS)
    assert "21 notes" in en["q-s1q1"] and "1 note ·" in en["q-s1q1"]
    assert re.search(r"\d+ notes from 2 tables", en["summary"])


def test_a_discovered_themes_summary_note_is_not_quoted_again_in_its_card():
    data = sample()
    central = "Spații ieftine pentru ateliere"                          # t-space's most central note
    data.themes[1]["summary"] = central
    card = report_sections(data, "ro", "x", SETTINGS)["q-s1q1"]
    assert card.count(central) == 1
    data.themes[1]["summary"] = "Ateliere și spații pentru artiști"
    card = report_sections(data, "ro", "x", SETTINGS)["q-s1q1"]
    assert f"<q lang=\"ro\">{central}</q>" in card                   # quoted when it is not the summary


def test_a_links_strength_and_chance_level_print_as_different_figures():
    from pipeline.report.markup import translations
    from pipeline.report.sections import strength_figures
    from pipeline.report.view import Texts

    english = Texts(translations("en"), "en", "ro", {}, {})
    assert strength_figures({"strength": 0.4812, "threshold": 0.0613}, english) == ("0.48", "0.06")
    assert strength_figures({"strength": 0.2049, "threshold": 0.2041}, english) == ("0.205", "0.204")
    assert strength_figures({"strength": 0.20472, "threshold": 0.20468}, english) == ("0.2047", "0.2047")  # 4 kept
    assert strength_figures({"strength": 0.33, "threshold": ""}, english) == ("0.33", "")


def test_figures_and_shares_print_as_the_report_language_writes_them():
    """A decimal comma in Romanian, Lithuanian, Croatian, Italian and Dutch, a point in English; a space
    before the percent sign where CLDR writes one (ro, lt, hr)."""
    from pipeline.report.markup import translations
    from pipeline.report.sections import strength_figures
    from pipeline.report.view import Texts

    link = {"strength": 0.2049, "threshold": 0.2041}
    for code in ("ro", "lt", "hr", "it", "nl"):
        assert strength_figures(link, Texts(translations(code), code, "ro", {}, {})) == ("0,205", "0,204")
    for code, share in (("ro", "10\u00a0%"), ("lt", "10\u00a0%"), ("en", "10%"), ("it", "10%")):
        assert Texts(translations(code), code, "ro", {}, {}).percent(0.104) == share
    romanian = report_sections(sample(), "ro", "x", SETTINGS)
    english = report_sections(sample(), "en", "x", SETTINGS)
    assert re.search(r"\d\u00a0% din notițele întrebării", romanian["q-s1q1"])
    assert re.search(r"\d% of the question", english["q-s1q1"])


def test_a_theme_whose_every_note_was_quoted_before_still_shows_one():
    """A theme of one note written at two tables: that note is a most supported proposal in the summary, and
    its card used to show a title and nothing under it; it quotes the note again instead."""
    data = sample()
    data.themes[0]["quotes"] = data.themes[0]["quotes"][:1]
    data.assignments = data.assignments[~data.assignments["note_id"].isin(["lab/b.csv:2", "lab/a.csv:12"])]
    sections = report_sections(data, "ro", "x", SETTINGS)
    assert "Granturi mici pentru artiști" in sections["summary"]
    card = sections["q-s1q1"].split("Bani pentru artiști</span></h3>")[1].split("</div>")[0]
    assert re.findall(r"<q lang=\"ro\">([^<]*)</q>", card) == ["Granturi mici pentru artiști, sunați la [telefon]"]
    other = sections["q-s1q1"].split("Spații pentru ateliere</span></h3>")[1]
    assert "Granturi mici" not in other                  # a theme with quotes of its own does not repeat others


def test_the_summary_says_how_many_notes_were_written_and_how_many_remain_after_merging():
    """The summary's count of notes written and the methodology's count of notes analysed used to disagree
    (187 and 180) with nothing saying why."""
    data = sample()
    sections = report_sections(data, "en", "x", SETTINGS)
    assert "11 notes from 2 tables, 2 rounds and 3 questions (9 once repeats are merged and notes without " \
           "content removed), grouped into 4 themes." in sections["summary"]
    ro = report_sections(data, "ro", "x", SETTINGS)["summary"]
    assert "(9 după unirea notițelor repetate și eliminarea celor fără conținut), grupate în 4 teme." in ro
    data.quality = {**data.quality, "notes_in": len(data.notes)}
    assert "9 notes from 2 tables, 2 rounds and 3 questions, grouped into" in \
        report_sections(data, "en", "x", SETTINGS)["summary"]
    # It names only what happened: a Kaunas lab had nothing removed, one line split, four repeats merged.
    data.quality = {**data.quality, "notes_in": 7, "fates": {"kept": 5, "split": 1, "merged": 4, "dropped": 0}}
    assert "7 notes from 2 tables, 2 rounds and 3 questions (9 once repeats are merged and lines holding " \
           "several ideas split), grouped" in report_sections(data, "en", "x", SETTINGS)["summary"]
    data.quality["fates"] = {"kept": 9, "split": 1, "merged": 0, "dropped": 3}
    assert "(9 după despărțirea rândurilor cu mai multe idei și eliminarea celor fără conținut)" in \
        report_sections(data, "ro", "x", SETTINGS)["summary"]
    data.quality["fates"] = {"kept": 9, "split": 1, "merged": 1, "dropped": 3}
    assert "(9 once repeats are merged, lines holding several ideas split and notes without content removed)" \
        in report_sections(data, "en", "x", SETTINGS)["summary"]


def test_dates_print_as_the_report_language_writes_them():
    """The cover and page header gave 2020-10-20 in every language; a date that is not YYYY-MM-DD stays as
    written."""
    from pipeline.report.content import running_title

    data = sample()
    assert "20 octombrie 2020" in report_sections(data, "ro", "", SETTINGS)["cover"]
    assert "20 October 2020" in report_sections(data, "en", "2026-12-03", SETTINGS)["cover"]
    assert "3 December 2026" in report_sections(data, "en", "2026-12-03", SETTINGS)["cover"]
    assert "2020 m. spalio 20 d." in report_sections(data, "lt", "", SETTINGS)["cover"]
    assert running_title(data, "hr").endswith("20. listopada 2020.")
    assert "2020-10-20" not in report_sections(data, "it", "", SETTINGS)["cover"]
    data.lab = {**data.lab, "date": "toamna 2020"}
    assert running_title(data, "ro").endswith("toamna 2020")


def test_the_summary_counts_tables_rounds_and_questions_with_the_form_each_number_asks_for():
    """One table and one round read '1 table, 1 round', not '1 tables, 1 rounds'; Romanian calls a table
    'masă' as its cards do ('ridicată la ambele mese'), not 'grup'; Lithuanian and Croatian in the genitive
    their preposition asks for."""
    data = sample()
    data.lab = {**data.lab, "groups": ["A"]}
    data.notes["rounds"] = [[1]] * len(data.notes)
    expected = {"en": "from 1 table, 1 round and 3 questions", "ro": "de la 1 masă, 1 rundă și 3 întrebări",
                "it": "da 1 tavolo, 1 turno e 3 domande", "nl": "van 1 tafel, 1 ronde en 3 vragen",
                "lt": "iš 1 stalo, 1 rato ir 3 klausimų", "hr": "iz 1 stola, 1 kruga i 3 pitanja"}
    for code, words in expected.items():
        assert words in report_sections(data, code, "x", SETTINGS)["summary"], code
    assert "de la 2 mese, 2 runde și 3 întrebări" in report_sections(sample(), "ro", "x", SETTINGS)["summary"]


def test_the_english_appendix_marks_an_english_note_of_a_romanian_lab():
    """Its header says the notes are in Romanian and a note in another language is marked: an English note
    is, although it is in the report's language (elsewhere in the English report it is not)."""
    data = sample()
    data.notes.loc[data.notes["note_id"] == "lab/b.csv:3", ["text", "lang"]] = ["An incubator in the old factory", "en"]
    data.notes_by_id = data.notes.set_index("note_id")
    appendix = report_sections(data, "en", "x", SETTINGS)["appendix"]
    assert "Notes, and the titles of themes named after them, are in the original language (Romanian)" in appendix
    row = appendix.split("An incubator in the old factory")[1].split("</tr>")[0]
    assert '<span class="lang">en</span>' in row
    row = appendix.split("Spații ieftine pentru ateliere")[1].split("</tr>")[0]
    assert 'class="lang"' not in row
