"""The size check of `make lint` (.ci/check_sizes.py) reports what it should, and only that."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "check_sizes.py"


def _function(name: str, lines: int) -> str:
    body = "".join(f"    x{i} = {i}\n" for i in range(lines - 2))
    return f"def {name}():\n{body}    return None\n"


def _check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(root)], capture_output=True, text=True, check=False
    )


def test_long_module_and_long_function_are_reported_with_their_sizes(tmp_path: Path) -> None:
    (tmp_path / "big.py").write_text("x = 1\n" * 501)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "long.py").write_text(_function("long_one", 61) + _function("fine", 60))
    result = _check(tmp_path)
    assert result.returncode == 1
    reported = result.stdout.splitlines()
    assert reported == [
        "big.py: module of 501 lines (at most 500)",
        "pkg/long.py:1: function long_one of 61 lines (at most 60)",
    ]


def test_limits_themselves_and_demo_loaders_pass(tmp_path: Path) -> None:
    (tmp_path / "edge.py").write_text("x = 1\n" * 500)
    (tmp_path / "demo.py").write_text(_function("_demo_rows", 90))
    (tmp_path / "nested.py").write_text(
        "class A:\n" + "".join("    " + line + "\n" for line in _function("m", 60).splitlines())
    )
    result = _check(tmp_path)
    assert result.returncode == 0, result.stdout
    assert result.stdout == ""
