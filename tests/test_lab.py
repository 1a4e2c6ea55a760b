from pathlib import Path

import pytest

from pipeline.errors import HarvestError
from pipeline.lab import load_lab, parse_lab
from tests.conftest import MINI_LAB_YAML, SAMPLE_LAB

INVITATION_QUESTIONS = [
    "Cum putem activa mai multe start-up-uri și IMM-uri în sectorul cultural și creativ din regiunea noastră?",
    "Cum putem implica Asociația Timișoara Capitală Europeană a Culturii în contextul noilor inițiative din "
    "sectorul cultural și creativ?",
    "Ce alte părți interesate ar trebui să fie implicate sau ce alte modalități ar trebui să abordeze comunitatea "
    "pentru apariția unor noi inițiative?",
    "Cum a fost afectat sectorul cultural și creativ local și regional de pandemia Covid-19?",
    "Ce noi inițiative, inclusiv de sprijin, au apărut ca răspuns la problemele create de pandemie?",
    "Cum pot aceste inițiative să devină sustenabile chiar și după depășirea pandemiei de Covid-19?",
]


def test_sample_lab_has_the_six_invitation_questions_with_translations():
    lab = load_lab(SAMPLE_LAB)
    assert [q.text for q in lab.questions] == INVITATION_QUESTIONS
    assert [s.id for s in lab.sessions] == ["s1", "s2"]
    assert lab.groups == ("A", "B")
    assert all(q.text_en and q.text_en != q.text for q in lab.questions)
    assert lab.language == "ro" and lab.date == "2020-10-20"


def test_missing_key_names_file_line_and_fix():
    broken = MINI_LAB_YAML.replace("city: Timișoara\n", "")
    with pytest.raises(HarvestError) as exc:
        parse_lab(broken, "mini-lab/lab.yaml")
    assert "mini-lab/lab.yaml" in str(exc.value) and "missing 'city'" in str(exc.value)
    assert "add 'city:'" in str(exc.value)


def test_typo_in_key_is_reported_with_its_line():
    broken = MINI_LAB_YAML.replace("language: ro", "langauge: ro")
    with pytest.raises(HarvestError) as exc:
        parse_lab(broken, "lab.yaml")
    messages = [str(p) for p in exc.value.problems]
    assert any(m.startswith("lab.yaml:5: unknown key 'langauge'") for m in messages)


def test_invalid_yaml_points_at_line():
    with pytest.raises(HarvestError) as exc:
        parse_lab("id: x\ntitle: [unclosed\ncity: y\n", "lab.yaml")
    assert exc.value.problems[0].line is not None


def test_duplicate_question_ids_rejected():
    broken = MINI_LAB_YAML.replace("id: s2q1", "id: s1q1")
    with pytest.raises(HarvestError, match="appears twice"):
        parse_lab(broken, "lab.yaml")


def test_folder_name_must_match_id(tmp_path: Path):
    lab_dir = tmp_path / "other-name"
    lab_dir.mkdir()
    (lab_dir / "lab.yaml").write_text(MINI_LAB_YAML, encoding="utf-8")
    with pytest.raises(HarvestError, match="differs from the folder name"):
        load_lab(lab_dir)


@pytest.mark.parametrize("items", ["  -\n", "  - 42\n", "  - '  '\n"])
def test_a_people_item_that_is_no_name_is_an_error_not_a_word_blanked_everywhere(items):
    """'-' alone would become the name 'None' and blank every 'None' of the notes; '42' every 42."""
    text = MINI_LAB_YAML.rstrip("\n") + "\n" + items
    with pytest.raises(HarvestError) as exc:
        parse_lab(text, "lab.yaml")
    assert "every item of 'people' must be a name" in str(exc.value)
    assert parse_lab(MINI_LAB_YAML.rstrip("\n") + "\n  - ' Ana Pop '\n  - '42'\n",
                     "lab.yaml").people == ("Ana Popescu", "Ana Pop", "42")


@pytest.mark.parametrize("item", ["a", ".", "A."])
def test_a_people_item_too_short_to_be_a_name_is_an_error(item):
    """'a' listed under people: blanked every Romanian 'a' of the notes, '.' every full stop."""
    with pytest.raises(HarvestError, match="too short to be a name"):
        parse_lab(MINI_LAB_YAML.rstrip("\n") + f"\n  - '{item}'\n", "lab.yaml")
    assert parse_lab(MINI_LAB_YAML.rstrip("\n") + "\n  - Li\n", "lab.yaml").people[-1] == "Li"


@pytest.mark.parametrize("group", ["  - id:\n", "  - id: [B]\n", "  - id: true\n"])
def test_a_group_whose_id_is_empty_or_no_word_is_an_error(group):
    """An empty 'id:' became a group called 'None', '[B]' one called "['B']"."""
    text = MINI_LAB_YAML.replace("groups:\n", "groups:\n" + group, 1)
    with pytest.raises(HarvestError, match="a group has no id"):
        parse_lab(text, "lab.yaml")


def test_a_repeated_session_id_and_questions_that_are_no_list_are_lab_yaml_errors():
    twice = MINI_LAB_YAML.replace("  - id: s2\n", "  - id: s1\n")
    with pytest.raises(HarvestError) as exc:
        parse_lab(twice, "lab.yaml")
    assert "session id 's1' appears twice" in str(exc.value)
    s2_questions = '    questions:\n      - id: s2q1\n        text: "Cum a fost afectat sectorul de pandemie?"\n'
    number = MINI_LAB_YAML.replace(s2_questions, "    questions: 5\n")
    assert number != MINI_LAB_YAML
    with pytest.raises(HarvestError) as exc:
        parse_lab(number, "lab.yaml")
    assert "session 's2': 'questions' must be a list" in str(exc.value)
