#!/usr/bin/env python3
"""Fail when the code outgrows the shape of issue 17: a module of innovation_hub/ over 500
lines, or a function over 60 lines. Prints each offender with its size.

``python3 .ci/check_sizes.py [ROOT]`` checks ROOT (default: innovation_hub/ beside this
folder). Demo data loaders (``demo.py`` modules) may hold long functions: they are lists of
sample records, read top to bottom. A module may pass the line limit only when it is dated
data (fee tables, statutory periods kept in code) and is listed in DATED_DATA with the reason.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60
DEMO_LOADERS = "demo.py"

# Paths relative to ROOT, each with why it is data. None today: trademarks/config.py reads its
# dated fee tables from trademarks/data/*.json, so the module itself is code and keeps the limit.
DATED_DATA: dict[str, str] = {}


def offenders(root: Path) -> list[str]:
    found: list[str] = []
    for path in sorted(root.rglob("*.py")):
        name = path.relative_to(root).as_posix()
        source = path.read_text(encoding="utf-8")
        lines = len(source.splitlines())
        if lines > MAX_MODULE_LINES and name not in DATED_DATA:
            found.append(f"{name}: module of {lines} lines (at most {MAX_MODULE_LINES})")
        if path.name == DEMO_LOADERS:
            continue
        for node in ast.walk(ast.parse(source, filename=str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                if size > MAX_FUNCTION_LINES:
                    found.append(
                        f"{name}:{node.lineno}: function {node.name} of {size} lines"
                        f" (at most {MAX_FUNCTION_LINES})"
                    )
    return found


def main(argv: list[str]) -> int:
    default = Path(__file__).resolve().parent.parent / "innovation_hub"
    root = Path(argv[1]) if len(argv) > 1 else default
    found = offenders(root)
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} over the size limits", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
