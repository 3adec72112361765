"""The English and the Chinese README stay in step: the same commands, every flag in both."""
import re
from pathlib import Path

import pytest

from conftest import SCRIPTS, run_script

ROOT = Path(__file__).resolve().parent.parent
READMES = {"en": ROOT / "README.md", "zh": ROOT / "README.zh-CN.md"}
SCRIPT_NAMES = sorted(path.stem for path in SCRIPTS.glob("*.py")
                      if path.stem.startswith(("rnn_", "stock_", "get_")))


def commands(text):
    """Every `python …` or `pip …` command in an indented code block, without its comment."""
    found = []
    for block in re.findall(r"(?:^(?: {4}.*)?\n)+", text, flags=re.M):
        for line in block.splitlines():
            line = line.strip().removeprefix("$ ")
            if line.startswith(("python ", "pip ")):
                found.append(re.split(r"\s{2,}", line)[0])
    return found


def test_each_readme_links_to_the_other_in_its_first_lines():
    en, zh = (path.read_text(encoding="utf-8").splitlines()[:5] for path in READMES.values())
    assert any("(README.zh-CN.md)" in line for line in en)
    assert any("(README.md)" in line for line in zh)


def test_every_command_in_one_readme_is_in_the_other():
    en, zh = (commands(path.read_text(encoding="utf-8")) for path in READMES.values())
    assert len(en) >= 10
    assert sorted(set(en)) == sorted(set(zh))


@pytest.fixture(scope="module")
def help_flags(tmp_path_factory):
    """{script: the flags its --help lists}."""
    cwd = tmp_path_factory.mktemp("help")
    flags = {}
    for script in SCRIPT_NAMES:
        result = run_script(script, "--help", cwd=cwd)
        assert result.returncode == 0, result.stderr
        flags[script] = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", result.stdout))
    return flags


@pytest.mark.parametrize("readme", READMES)
def test_every_flag_any_script_lists_is_in_the_readme(help_flags, readme):
    assert len(help_flags) == 9 and all(help_flags.values())
    text = READMES[readme].read_text(encoding="utf-8")
    for script, flags in help_flags.items():
        missing = sorted(flag for flag in flags if flag not in text)
        assert not missing, f"{script}: {missing} not in {READMES[readme].name}"
