"""Write the transcript templates of docs/templates/ (CSV, Excel, Markdown, Word) from the Romanian examples.

Run `python scripts/make_templates.py` after changing the examples in pipeline/templates.py; the output is
byte-for-byte the same on every run, so regenerating shows no diff in git.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.templates import ROMANIAN_EXAMPLES, heading_labels, write_templates

OUT = Path(__file__).resolve().parents[1] / "docs" / "templates"


def main() -> None:
    """Write the four templates to docs/templates/."""
    for path in write_templates(OUT, ROMANIAN_EXAMPLES, heading_labels("ro")):
        print(path.relative_to(OUT.parents[1]))


if __name__ == "__main__":
    main()
