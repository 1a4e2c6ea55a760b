"""Bytes of a text transcript -> text: UTF-8 (BOM or not), UTF-16, else the best guess among the
8-bit encodings of the lab's language (`encodings` in pipeline/lang/<code>/language.yaml)."""

from __future__ import annotations

import re
from pathlib import Path

import charset_normalizer

from pipeline.errors import HarvestError
from pipeline.lang import language

# Tried when the caller names no encodings (e.g. a file read without a lab).
FALLBACK_ENCODINGS = ["cp1250", "iso8859_2", "iso8859_16"]
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")
# A NUL byte this early means a binary file (an Excel or Word file renamed .csv, an image); later, a damaged one.
BINARY_SNIFF_BYTES = 4096
STRAY_NULS = 3          # NUL bytes a damaged text file may hold; a binary file has many more
# Non-ASCII characters a UTF-8 line of any of our languages may hold beside its letters (quotes, dashes).
UTF8_PUNCTUATION = "„“”‘’«»–—…•·€°"


def _without_nul(text: str, path: Path | str) -> str:
    """The text, refused with its line when a NUL character is anywhere in it (a damaged or binary file)."""
    position = text.find("\x00")
    if position < 0:
        return text
    raise HarvestError.at(path, text.count("\n", 0, position) + 1, "a NUL character (byte 0) in the text: the file "
                          "is damaged or not a text file", "open it, save it again as UTF-8 text, and check that "
                          "line")


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text saved without its byte-order mark (some exports do): every other byte of a Latin text is
    NUL. The text when one byte order decodes to text with no control character, else None (binary)."""
    if len(data) % 2:
        return None
    half = data[:BINARY_SNIFF_BYTES]
    for order, nuls in (("utf-16-le", half[1::2]), ("utf-16-be", half[0::2])):
        if nuls.count(0) < 0.6 * len(nuls):
            continue
        try:
            text = data.decode(order)
        except UnicodeDecodeError:
            continue
        if _CONTROL.search(text) is None:
            return text
    return None


def _fit(text: str, letters: str) -> int:
    """How well a decoding reads as the language: its letters counted, foreign non-ASCII letters against."""
    own = set(letters)
    return sum(1 if ch in own else -1 for ch in text if ch.isalpha() and not ch.isascii())


def decode_bytes(data: bytes, path: Path | str, encodings: list[str] | None = None, letters: str = "") -> str:
    """Bytes of a transcript -> text: UTF-8 (BOM or not), UTF-16, else the best Central-European guess."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _without_nul(data.decode("utf-16"), path)
        except UnicodeDecodeError:
            raise HarvestError.at(path, None, "starts as UTF-16 text but is not valid UTF-16 (damaged?)",
                                  "save the file again as UTF-8 in your editor") from None
    if b"\x00" in data[:BINARY_SNIFF_BYTES]:
        unmarked = _utf16_without_bom(data)
        if unmarked is not None:
            return unmarked
        # A text file with a stray NUL byte early on (a binary one has many, or other control bytes): name its
        # line, as later ones are.
        if data.count(b"\x00") <= STRAY_NULS:
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = ""
            if text and _CONTROL.search(text.replace("\x00", "")) is None:
                _without_nul(text, path)
        raise HarvestError.at(path, None, "this looks like a binary file, not text",
                              "export the transcript as CSV (UTF-8) or move the file out of notes/")
    try:
        return _without_nul(data.decode("utf-8-sig"), path)
    except UnicodeDecodeError:
        pass
    mixed = _mixed_utf8(data, path, encodings, letters)
    if mixed is not None:
        return mixed
    return _eight_bit(data, path, encodings, letters)


def _mixed_utf8(data: bytes, path: Path | str, encodings: list[str] | None, letters: str) -> str | None:
    """A UTF-8 file with some lines pasted from an 8-bit one: its UTF-8 lines as UTF-8, the others decoded as
    the 8-bit file they came from; None when no line is UTF-8 writing the language's letters (the file is
    8-bit: then a line that happens to be valid UTF-8 reads as other letters). Decoding the whole file as
    8-bit turned every UTF-8 line to mojibake ('MureČ™an'), and a listed name was no longer found."""
    if not letters:
        return None
    own = set(letters) | set(UTF8_PUNCTUATION)
    lines = data.split(b"\n")
    decoded: list[str | None] = []
    for raw in lines:
        try:
            decoded.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            decoded.append(None)
    if not any(t is not None and not t.isascii() and all(ch.isascii() or ch in own for ch in t) for t in decoded):
        return None
    failing = [raw for raw, t in zip(lines, decoded, strict=True) if t is None]
    guessed = iter(_eight_bit(b"\n".join(failing), path, encodings, letters).split("\n"))
    text = "\n".join(t if t is not None else next(guessed) for t in decoded)
    return _without_nul(text.removeprefix("\ufeff"), path)


def _eight_bit(data: bytes, path: Path | str, encodings: list[str] | None, letters: str) -> str:
    """The best 8-bit decoding of the language's encodings, refused when none reads as text."""
    # The guesses best first; one that decodes to control characters (a Windows-1250 '–' read as ISO-8859-16's
    # C1 control 0x96) is not the file's encoding while another candidate reads it as plain text.
    texts = [str(match) for match in charset_normalizer.from_bytes(data, cp_isolation=encodings or FALLBACK_ENCODINGS)]
    readable = [t for t in texts if _CONTROL.search(t) is None]
    # Of the guesses that read as text, the one writing the language's letters (the guesser's first on a tie).
    text = max(readable, key=lambda t: _fit(t, letters)) if readable and letters else \
        (readable[0] if readable else texts[0] if texts else "")
    bad = _CONTROL.search(text)
    if not texts or bad is not None:
        line = text.count("\n", 0, bad.start()) + 1 if bad is not None else None
        raise HarvestError.at(path, line, "the text encoding could not be recognised (not UTF-8, UTF-16, "
                              "Windows-1250 or ISO-8859-2/16)",
                              "save the file as 'CSV UTF-8' in Excel or as UTF-8 in your editor")
    return text


def decode_in_language(data: bytes, path: Path | str, code: str) -> str:
    """A lab file's bytes -> text, with its language's 8-bit encodings and letters (`decode_bytes`)."""
    spoken = language(code)
    return decode_bytes(data, path, list(spoken.encodings), spoken.letters)
