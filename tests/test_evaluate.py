import json
from pathlib import Path

import pytest

from pipeline.cli import main

TOPICS = {
    "finantare": ["Granturi mici pentru artiștii independenți", "Fonduri nerambursabile pentru IMM-urile culturale",
                  "Micro-finanțări rapide pentru proiecte pilot", "Credite cu dobândă mică pentru ateliere",
                  "Bani pentru primul an al unui start-up creativ", "Apeluri de finanțare simple, fără birocrație",
                  "Bursă pentru tinerii antreprenori din cultură", "Fond de garantare pentru firmele creative"],
    "spatii": ["Spații de lucru ieftine în clădirile primăriei", "Ateliere gratuite în fostele fabrici",
               "Un hub creativ în centrul orașului", "Birouri de coworking subvenționate pentru artiști",
               "Săli de repetiții la preț mic", "Clădiri goale date în folosință organizațiilor culturale",
               "Spații de expoziție deschise tinerilor", "Chirii reduse pentru atelierele meșteșugarilor"],
    "pandemie": ["Festivalurile au fost anulate din cauza pandemiei", "Teatrele au stat închise luni de zile",
                 "Artiștii au rămas fără venituri în lockdown", "Concertele s-au mutat online fără public",
                 "Muzeele au pierdut aproape toți vizitatorii", "Restricțiile Covid au oprit turneele",
                 "Evenimentele culturale au fost amânate de pandemie", "Cinematografele au fost închise din martie"],
}


@pytest.fixture
def labelled_csv(tmp_path: Path) -> Path:
    path = tmp_path / "labelled.csv"
    rows = ["text,label"] + [f'"{t}",{label}' for label, texts in TOPICS.items() for t in texts]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_evaluate_prints_every_figure_as_json(labelled_csv, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)   # outside a project: default params, cache in the temporary folder
    assert main(["evaluate", str(labelled_csv), "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert {"nmi", "ari", "v_measure", "n_themes", "unassigned_rate", "n", "seconds"} <= set(scores)
    # On 24 notes the stability of 3, 4 or 5 themes is within its own noise; the prior count (5) decides.
    assert scores["n"] == 24 and 3 <= scores["n_themes"] <= 5 and scores["unassigned_rate"] <= 0.1
    assert scores["nmi"] >= 0.5          # three clearly different topics


def test_evaluate_names_missing_columns(labelled_csv, capsys):
    assert main(["evaluate", str(labelled_csv), "--text-column", "note"]) == 2
    err = capsys.readouterr().err
    assert "missing column(s) ['note']" in err and "--text-column" in err and "Traceback" not in err


def test_evaluate_centres_each_language_on_its_own_mean_when_told_the_languages(monkeypatch, tmp_path):
    import pipeline.evaluate as evaluate

    seen = {}
    real = evaluate.make_clusterer

    def spy(params, random_state=None):
        model = real(params, random_state)
        fit = model.fit

        def recording_fit(X, **kwargs):
            seen.update(kwargs)
            return fit(X, **kwargs)

        model.fit = recording_fit
        return model

    monkeypatch.setattr(evaluate, "make_clusterer", spy)
    monkeypatch.chdir(tmp_path)
    texts = [t for ts in TOPICS.values() for t in ts]
    labels = [k for k, ts in TOPICS.items() for _ in ts]
    languages = ["ro", "en"] * (len(texts) // 2)
    scores = evaluate.evaluate_texts(texts, labels, "ro", evaluate.default_params(), languages=languages)
    assert seen["languages"] == languages and scores["n"] == len(texts)
