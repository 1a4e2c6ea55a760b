"""Report stage: the parameterised notebook, executed and rendered to HTML and PDF per lab (`stage.run`).

This file imports nothing on purpose: every module of the package runs it first, and each process loads only
what it uses — the notebook's kernel the analysis (content.py: pandas, matplotlib), never the notebook tools;
a render worker the notebook tools and WeasyPrint (render.py), never pandas or matplotlib.
"""
