# The two commands of the README. Both set up what is missing first (idempotent).
SHELL := /bin/bash
VENV := . .venv/bin/activate &&

.PHONY: report test setup lint

setup:
	@bash scripts/setup.sh

report: setup
	$(VENV) dvc repro

test: setup
	$(VENV) python -m pytest

lint: setup
	$(VENV) ruff check pipeline tests benchmarks && mypy
