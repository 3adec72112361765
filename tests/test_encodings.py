"""Every file the collection reads or writes as text, and every subprocess it reads as text, names
its encoding: on Windows the default is the console's code page (cp1252, cp936), and a lesson
that works on Linux would fail there. `ruff check` (PLW1514) finds `open(...)` and a `Path`
it can infer; this finds what it cannot: `(folder / "result.json").read_text()`, a method
`.open(...)` on any object, `subprocess.run(..., text=True)`."""
import ast

import pytest

from conftest import ROOT

SOURCES = sorted(path for folder in ("scripts", "tests", "benchmarks")
                 for path in (ROOT / folder).rglob("*.py") if "__pycache__" not in path.parts)
SUBPROCESS = {"run", "Popen", "check_output", "check_call", "call"}


def keywords(call):
    return {keyword.arg: keyword.value for keyword in call.keywords}


def is_true(node):
    return isinstance(node, ast.Constant) and node.value is True


def text_without_encoding(call):
    """What is wrong with `call`, if it reads or writes text without naming the encoding."""
    function, given = call.func, keywords(call)
    name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", None)
    if "encoding" in given:
        return None
    if name in ("read_text", "write_text"):
        return f".{name}() without encoding="
    if name == "open" and not (isinstance(function, ast.Attribute) and getattr(function.value, "id", "") == "os"):
        mode = given.get("mode") or (call.args[1] if isinstance(function, ast.Name) and len(call.args) > 1
                                     else call.args[0] if isinstance(function, ast.Attribute) and call.args
                                     else None)
        binary = isinstance(mode, ast.Constant) and isinstance(mode.value, str) and "b" in mode.value
        return None if binary else "open() in text mode without encoding="
    if name in SUBPROCESS and (is_true(given.get("text")) or is_true(given.get("universal_newlines"))):
        return f"subprocess.{name}(text=True) without encoding="
    return None


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: str(path.relative_to(ROOT)))
def test_text_is_read_and_written_with_its_encoding_named(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = [f"{path.relative_to(ROOT)}:{node.lineno}: {problem}" for node in ast.walk(tree)
             if isinstance(node, ast.Call) and (problem := text_without_encoding(node))]
    assert not found, "\n".join(found)


def test_the_check_finds_what_ruff_cannot():
    problems = [text_without_encoding(ast.parse(code).body[0].value) for code in (
        '(folder / "result.json").read_text()', 'path.open("w")', 'subprocess.run(["x"], text=True)',
        'open(path)', 'open(path, "rb")', 'path.read_text(encoding="utf-8")', 'path.open("rb")')]
    assert [problem is not None for problem in problems] == [True, True, True, True, False, False, False]
