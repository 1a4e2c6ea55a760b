import re
from dataclasses import replace

import numpy as np
import pandas as pd

from pipeline.compare import lab_theme_centres, match_themes
from pipeline.lab import Lab
from pipeline.report.compare import comparison_html
from pipeline.report.content import translations


def described(lab_id, city, language, date="2021"):
    """A lab description with only what the comparison reads."""
    return Lab(id=lab_id, title=city, city=city, date=date, language=language, groups=("A",), group_names={},
               sessions=())


def lab(lab_id, city, language, directions, offset, seed):
    """A lab whose notes lie around the given theme directions, shifted by a lab-wide offset (its language)."""
    rng = np.random.default_rng(seed)
    notes, vectors, themes, assigned = [], [], [], []
    for t, direction in enumerate(directions):
        theme_id = f"s1q1~{lab_id}.csv:{t}"
        themes.append({"theme_id": theme_id, "question": "s1q1", "title": f"{city} {t}", "size": 4,
                       "relevant": True, "quotes": [{"text": f"{city} citat {t}"}]})
        for k in range(4):
            note_id = f"{lab_id}/n.csv:{t * 10 + k}"
            notes.append(note_id)
            vectors.append(direction + offset + 0.1 * rng.normal(size=direction.shape))
            assigned.append({"note_id": note_id, "theme_id": theme_id})
    return lab_theme_centres(described(lab_id, city, language), pd.DataFrame({"note_id": notes}), np.array(vectors),
                             themes, pd.DataFrame(assigned))


def test_themes_shared_across_languages_are_matched_and_own_themes_are_not():
    rng = np.random.default_rng(0)
    grants, spaces, tourism, streaming = rng.normal(size=(4, 48))
    rows_a, centres_a = lab("kaunas", "Kaunas", "lt", [grants, spaces, tourism], 3 * rng.normal(size=48), 1)
    rows_b, centres_b = lab("matera", "Matera", "it", [grants, spaces, streaming], 3 * rng.normal(size=48), 2)
    matches = match_themes(rows_a + rows_b, np.vstack([centres_a, centres_b]), 0.45, 1)
    shared = matches[matches["shared"]]
    assert shared["group"].nunique() == 2 and set(shared["city"]) == {"Kaunas", "Matera"}
    assert set(shared["title"]) == {"Kaunas 0", "Kaunas 1", "Matera 0", "Matera 1"}
    assert set(matches.loc[~matches["shared"], "title"]) == {"Kaunas 2", "Matera 2"}
    assert list(matches["group"])[:4] == [1, 1, 2, 2]          # shared groups first

    html = comparison_html(matches, [described("kaunas", "Kaunas", "lt"), described("matera", "Matera", "it")],
                           translations("en"), "x")
    assert "Shared themes" in html and "Kaunas citat 0" in html and "City-specific themes" in html
    assert '<q lang="lt">Kaunas citat 0</q>' in html


def test_fewer_than_two_labs_make_no_pdf_and_one_line_says_why(tmp_path, capsys):
    from pipeline.report.compare import run, too_few_labs

    assert too_few_labs(["a", "b"]) == ""
    params = {"labs": ["solo"], "compare": {"labs": [], "min_similarity": 0.45, "quotes_per_city": 2,
                                             "language": "en"}}
    assert run(params, tmp_path) is None
    out = tmp_path / "reports" / "compare"
    assert sorted(p.name for p in out.iterdir()) == ["README.txt"]
    line = capsys.readouterr().out.strip()
    assert line == (out / "README.txt").read_text(encoding="utf-8").strip()
    assert "needs two or more" in line and "\n" not in line


def test_codebook_themes_are_titled_in_the_comparison_language_others_as_written():
    themes = [{"theme_id": "s1q1~funding", "question": "s1q1", "title": "Finansavimas", "size": 2, "relevant": True,
               "quotes": [], "titles": {"lt": "Finansavimas", "en": "Funding for start-ups"}},
              {"theme_id": "s1q1~n1", "question": "s1q1", "title": "Kūrybinės dirbtuvės", "size": 2, "relevant": True,
               "quotes": [], "titles": {}}]
    notes = pd.DataFrame({"note_id": ["k/n1", "k/n2", "k/n3", "k/n4"]})
    assigned = pd.DataFrame({"note_id": ["k/n1", "k/n2", "k/n3", "k/n4"],
                             "theme_id": ["s1q1~funding", "s1q1~funding", "s1q1~n1", "s1q1~n1"]})
    info = described("k", "Kaunas", "lt")
    rows, _ = lab_theme_centres(info, notes, np.eye(4), themes, assigned, "en")
    assert [r["title"] for r in rows] == ["Funding for start-ups", "Kūrybinės dirbtuvės"]
    rows, _ = lab_theme_centres(info, notes, np.eye(4), themes, assigned, "lt")
    assert [r["title"] for r in rows] == ["Finansavimas", "Kūrybinės dirbtuvės"]


def codebook_rows(specs):
    """Theme rows of two labs as lab_theme_centres makes them: (lab, theme id, codebook id or '')."""
    return [{"lab": lab_id, "city": lab_id.title(), "language": "xx", "theme_id": theme_id, "question": "s1q1",
             "title": theme_id, "size": 3, "quotes": [], "codebook": "ecoc-sme" if codebook_id else "",
             "codebook_id": codebook_id} for lab_id, theme_id, codebook_id in specs]


def test_codebook_themes_match_by_id_not_by_vectors():
    rng = np.random.default_rng(3)
    a, b, c = (v / np.linalg.norm(v) for v in rng.normal(size=(3, 32)))
    rows = codebook_rows([("kaunas", "s1q1~funding", "funding"), ("kaunas", "s1q1~skills", "skills"),
                          ("timisoara", "s1q1~funding", "funding"), ("timisoara", "s1q1~skills", "skills"),
                          ("timisoara", "s1q1~n0000abcd", "")])
    # Kaunas' funding notes happen to lie where Timișoara's skills notes do; a discovered theme lies near c.
    centres = np.vstack([b, a, c, b, c * 0.9 + a * 0.1])
    centres = centres / np.linalg.norm(centres, axis=1, keepdims=True)
    matches = match_themes(rows, centres, 0.45, 1)
    group_of = {(r["lab"], r["theme_id"]): r["group"] for r in matches.to_dict("records")}
    assert group_of[("kaunas", "s1q1~funding")] == group_of[("timisoara", "s1q1~funding")]
    assert group_of[("kaunas", "s1q1~skills")] == group_of[("timisoara", "s1q1~skills")]
    assert group_of[("kaunas", "s1q1~funding")] != group_of[("kaunas", "s1q1~skills")]
    # The discovered theme joins the funding group by similarity (its centre is near Timișoara's funding).
    assert group_of[("timisoara", "s1q1~n0000abcd")] == group_of[("timisoara", "s1q1~funding")]
    assert set(matches.loc[matches["shared"], "codebook_id"]) == {"funding", "skills", ""}


def test_two_ids_of_one_codebook_never_share_a_group_even_when_their_notes_coincide():
    v = np.ones((2, 8)) / np.sqrt(8)
    rows = codebook_rows([("kaunas", "s1q1~funding", "funding"), ("timisoara", "s1q1~skills", "skills")])
    matches = match_themes(rows, v, 0.45, 1)
    assert matches["group"].nunique() == 2 and not matches["shared"].any()
    # Without codebook ids the same two identical centres are one shared theme.
    plain = codebook_rows([("kaunas", "s1q1~a", ""), ("timisoara", "s1q1~b", "")])
    assert match_themes(plain, v, 0.45, 1)["shared"].all()


def test_codebook_themes_nobody_raised_are_not_compared():
    themes = [{"theme_id": "s1q1~funding", "question": "s1q1", "title": "F", "size": 0, "relevant": True,
               "quotes": [], "status": "not raised", "codebook_id": "funding"},
              {"theme_id": "s1q1~skills", "question": "s1q1", "title": "S", "size": 1, "relevant": True,
               "quotes": [], "status": "raised", "codebook_id": "skills"}]
    notes = pd.DataFrame({"note_id": ["n1", "n2"]})
    assigned = pd.DataFrame({"note_id": ["n1", "n2"], "theme_id": ["s1q1~funding", "s1q1~skills"]})
    rows, centres = lab_theme_centres(replace(described("k", "K", "lt"), meta={"codebook": "ecoc-sme"}), notes,
                                      np.eye(2), themes, assigned)
    assert [r["theme_id"] for r in rows] == ["s1q1~skills"] and centres.shape == (1, 2)
    assert rows[0]["codebook"] == "ecoc-sme" and rows[0]["codebook_id"] == "skills"


def test_comparison_opens_with_an_overview_and_shows_marks_in_its_own_language():
    rows = codebook_rows([("kaunas", "s1q1~funding", "funding"), ("timisoara", "s1q1~funding", "funding"),
                          ("timisoara", "s1q1~skills", "skills")])
    rows[0].update(city="Kaunas", language="lt", size=4, quotes=["Skambinkite [telefonas] dėl dotacijų"])
    rows[1].update(city="Timișoara", language="ro", size=7, quotes=["Sunați la [telefon] pentru granturi"])
    matches = match_themes(rows, np.eye(3), 0.45, 1)
    labs = [described("kaunas", "Kaunas", "lt"), described("timisoara", "Timișoara", "ro")]
    html = comparison_html(matches, labs, translations("en"), "")
    overview = html.split('<table class="data overview">')[1].split("</table>")[0]
    assert "<th>Kaunas</th><th>Timișoara</th>" in overview
    assert '<td class="num">4 <span class="meta">(100%)</span></td><td class="num">7 <span class="meta">(100%)</span>' \
        in overview and "skills" not in overview
    assert "Skambinkite [phone] dėl dotacijų" in html and "Sunați la [phone] pentru granturi" in html
    assert "[telefon" not in html and "4 notes" in html


def test_the_intro_says_both_cities_for_two_and_counts_in_the_form_the_number_asks_for():
    """'30 themes appear in both cities', not '… in more than one of the 2 cities'; one shared theme
    'appears'; Romanian '1 temă apare'; three cities keep 'more than one of the 3'."""
    rows = codebook_rows([("kaunas", "s1q1~funding", "funding"), ("timisoara", "s1q1~funding", "funding")])
    labs = [described("kaunas", "Kaunas", "lt"), described("timisoara", "Timișoara", "ro")]
    matches = match_themes(rows, np.eye(2), 0.45, 1)
    assert "1 theme appears in both cities; it is shown" in comparison_html(matches, labs, translations("en"), "")
    assert "1 temă apare în ambele orașe" in comparison_html(matches, labs, translations("ro"), "")
    three = codebook_rows([("kaunas", "s1q1~funding", "funding"), ("timisoara", "s1q1~funding", "funding"),
                           ("rijeka", "s1q1~funding", "funding")])
    labs3 = [*labs, described("rijeka", "Rijeka", "hr")]
    html = comparison_html(match_themes(three, np.eye(3), 0.45, 1), labs3, translations("en"), "")
    assert "appear in more than one of the 3 cities" in html and "both" not in html


def test_a_comparison_where_every_theme_is_shared_says_so_under_city_specific_themes():
    rows = codebook_rows([("kaunas", "s1q1~funding", "funding"), ("timisoara", "s1q1~funding", "funding")])
    labs = [described("kaunas", "Kaunas", "lt"), described("timisoara", "Timișoara", "ro")]
    html = comparison_html(match_themes(rows, np.eye(2), 0.45, 1), labs, translations("en"), "")
    own = html.split('<section class="compare-own">')[1].split("</section>")[0]
    assert "No city has themes of its own" in own and "<h3>" not in own
    with_own = codebook_rows([("kaunas", "s1q1~funding", "funding"), ("timisoara", "s1q1~funding", "funding"),
                              ("timisoara", "s1q1~skills", "skills")])
    html = comparison_html(match_themes(with_own, np.eye(3), 0.45, 1), labs, translations("en"), "")
    assert "No city has themes of its own" not in html and "<h3>Timisoara</h3>" in html


def test_ids_of_two_labs_own_codebooks_are_not_one_codebook():
    themes = [{"theme_id": "s1q1~funding", "question": "s1q1", "title": "F", "size": 1, "relevant": True,
               "quotes": [], "status": "raised", "codebook_id": "funding"}]
    notes = pd.DataFrame({"note_id": ["n1"]})
    assigned = pd.DataFrame({"note_id": ["n1"], "theme_id": ["s1q1~funding"]})
    own = [lab_theme_centres(described(lab_id, lab_id.title(), "lt"), notes, np.eye(1), themes, assigned)[0][0]
           for lab_id in ("kaunas", "matera")]
    assert own[0]["codebook"] == "kaunas/codebook.yaml" and own[1]["codebook"] == "matera/codebook.yaml"
    # Different books: the same id does not force a match, and their notes (far apart) keep them apart.
    matches = match_themes(own, np.eye(2), 0.45, 1)
    assert matches["group"].nunique() == 2


def test_a_quote_is_marked_with_its_notes_language_not_its_labs():
    """An English note of a Romanian lab is quoted as English in the comparison (it used to be marked RO)."""
    notes = pd.DataFrame({"note_id": ["t/n1", "t/n2"], "lang": ["en", "ro"]})
    themes = [{"theme_id": "s1q1~funding", "question": "s1q1", "title": "F", "size": 2, "relevant": True,
               "codebook_id": "funding",
               "quotes": [{"note_id": "t/n1", "text": "Please publish the calls in English"},
                          {"note_id": "t/n2", "text": "Granturi mici pentru start-up-uri"}]}]
    assigned = pd.DataFrame({"note_id": ["t/n1", "t/n2"], "theme_id": ["s1q1~funding"] * 2})
    timisoara = replace(described("t", "Timișoara", "ro"), meta={"codebook": "ecoc-sme"})
    rows, _ = lab_theme_centres(timisoara, notes, np.eye(2), themes, assigned)
    assert rows[0]["quote_languages"] == ["en", "ro"]
    kaunas = codebook_rows([("kaunas", "s1q1~funding", "funding")])
    kaunas[0].update(city="Kaunas", language="lt", quotes=["Mažos dotacijos"])
    matches = match_themes(rows + kaunas, np.eye(2), 0.45, 2)
    html = comparison_html(matches, [described("kaunas", "Kaunas", "lt"), timisoara], translations("en"), "")
    assert '<q lang="en">Please publish the calls in English</q> <span class="lang">en</span>' in html
    assert '<q lang="ro">Granturi mici pentru start-up-uri</q>' in html and '<q lang="lt">Mažos dotacijos</q>' in html


def test_the_overview_names_the_themes_raised_most_everywhere_and_those_weighing_more_in_one_city():
    """By share of each city's notes, not by count: Timișoara has twice Kaunas' notes, so a count alone
    made every theme look larger there."""
    specs = [(lab, f"s1q1~{cid}", cid) for lab in ("kaunas", "timisoara") for cid in ("funding", "spaces", "skills")]
    rows = codebook_rows(specs)
    sizes = {("kaunas", "funding"): 10, ("kaunas", "spaces"): 2, ("kaunas", "skills"): 8,
             ("timisoara", "funding"): 20, ("timisoara", "spaces"): 16, ("timisoara", "skills"): 4}
    for row in rows:
        row.update(size=sizes[(row["lab"], row["codebook_id"])], title=row["codebook_id"].title(),
                   city={"kaunas": "Kaunas", "timisoara": "Timișoara"}[row["lab"]])
    labs = [described("kaunas", "Kaunas", "lt"), described("timisoara", "Timișoara", "ro")]
    html = comparison_html(match_themes(rows, np.eye(6), 0.45, 1), labs, translations("en"), "")
    said = re.findall(r"<li>([^<]*)</li>", html.split('<ul class="highlights">')[1].split("</ul>")[0])
    # shares: funding 50% / 50%, spaces 10% / 40%, skills 40% / 10%
    assert said == ["Raised most in every city: Funding, Spaces, Skills.",
                    "Weighs more in Kaunas than elsewhere: Skills.", "Weighs more in Timișoara than elsewhere: Spaces."]
    assert '<td class="num">10 <span class="meta">(50%)</span></td><td class="num">20 <span class="meta">(50%)' \
        '</span>' in html
