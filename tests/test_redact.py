import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.redact import find_personal_data, redact


@pytest.mark.parametrize("phone", ["0256 – 408.371", "+40 721 234 567", "0721234567", "0721-234-567",
                                   "(0256) 123 456", "0040 256 123 456"])
def test_phone_formats_are_redacted(phone):
    text, counts = redact(f"sunați la {phone} după ora 10")
    assert text == "sunați la [telefon] după ora 10"
    assert counts == {"phone": 1}


def test_emails_are_redacted():
    text, counts = redact("scrieți la ana.pop@exemplu.ro sau contact@atelier-fictiv.ro.")
    assert text == "scrieți la [email] sau [email]."
    assert counts == {"email": 2}


@pytest.mark.parametrize("text", ["în 2020-2023 titlul a fost amânat", "pe 20.10.2020 la ora 11",
                                  "un buget de 1.000.000 lei", "Hotărârea nr.49/ 13.10.2020", "150 de participanți"])
def test_dates_years_and_amounts_are_not_phones(text):
    assert redact(text)[0] == text


def test_listed_people_are_redacted_with_inflections():
    text, counts = redact("I-am scris Anei Popescu; Popescului i-a plăcut ideea", ["Ana Popescu"])
    assert "Popescu" not in text and "Anei" not in text
    assert counts["person"] == 2


@given(st.text())
def test_redaction_leaves_no_email_or_phone(text):
    redacted, _ = redact(text)
    assert find_personal_data(redacted) == []


@pytest.mark.parametrize(("lang", "text", "mark"), [
    ("lt", "skambinkite 8 612 34567 vakare", "[telefonas]"),
    ("it", "chiamate il 333 123 4567 dopo le 18", "[telefono]"),
    ("it", "chiamate il 3331234567", "[telefono]")])
def test_national_phone_forms_of_partner_languages(lang, text, mark):
    redacted, counts = redact(text, (), lang)
    assert mark in redacted and counts == {"phone": 1}
    assert redact(text)[0] == text                                  # not a phone in a Romanian lab


@pytest.mark.parametrize("lang", ["it", "lt"])
@pytest.mark.parametrize("text", ["3 000 000 euro di budget nel 2021", "nel 2020 erano 300 artisti e 8 festival"])
def test_amounts_are_not_partner_phones(lang, text):
    assert redact(text, (), lang)[0] == text


def test_partner_lab_redacts_its_phone_forms(tmp_path):
    from pipeline.ingest import read_lab_notes
    from tests.conftest import MINI_LAB_YAML

    lab_dir = tmp_path / "mini-lab"
    (lab_dir / "notes").mkdir(parents=True)
    (lab_dir / "lab.yaml").write_text(MINI_LAB_YAML.replace("language: ro", "language: lt"), encoding="utf-8")
    (lab_dir / "notes" / "a.csv").write_text("session,question,group,round,note\n"
                                             "s1,s1q1,A,1,Koordinatorė: tel. 8 612 34567\n", encoding="utf-8")
    _, notes, _ = read_lab_notes(lab_dir, ["csv"])
    assert notes["text"].tolist() == ["Koordinatorė: tel. [telefonas]"]
