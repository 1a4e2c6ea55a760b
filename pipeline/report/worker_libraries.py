"""What a render worker uses, imported once by the fork server the workers are forked from.

Importing papermill, nbformat and WeasyPrint costs 1.5 s of CPU; imported here, before the fork, each worker
starts with them loaded and the two report languages do not pay for them twice. The IRI grammar is kept out
first (see `render.skip_iri_grammar`).
"""

from pipeline.report.render import skip_iri_grammar

skip_iri_grammar()

import nbformat  # noqa: E402,F401
import papermill  # noqa: E402,F401
import weasyprint  # noqa: E402,F401
