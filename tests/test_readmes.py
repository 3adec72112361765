"""The READMEs tell the truth: the same commands in both, every flag, commands that paste into a
shell as they are, and only messages that the scripts print and a test has seen."""
import ast
import re
import shlex
from pathlib import Path

import pytest

from conftest import ROOT, SCRIPTS, message_pattern, parser_of, quoted_messages

READMES = {"en": ROOT / "README.md", "zh": ROOT / "README.zh-CN.md"}
SCRIPT_NAMES = sorted(path.stem for path in SCRIPTS.glob("*.py")
                      if path.stem.startswith(("rnn_", "stock_", "get_")))
# What a line of a command block may start with: a shell's or a notebook's command.
COMMAND_WORDS = ("python", "python3", "py", "pip", "%run", "%pip", "!python", "printf", "git",
                 "cd", "(echo", '"2",', "d=$(mktemp", "source", ".venv\\Scripts\\activate",
                 ".venv/bin/activate", "conda")


def readme(name):
    return READMES[name].read_text(encoding="utf-8")


def code_blocks(text):
    """Every indented code block, as a list of its lines."""
    return [[line[4:] for line in block.splitlines() if line.strip()]
            for block in re.findall(r"(?:^ {4}.*\n|^\n)+", text, flags=re.M)
            if block.strip()]


def is_command_block(lines):
    return any(line.split()[0] in COMMAND_WORDS for line in lines)


def command_words(line):
    """The words of a command line as a POSIX shell splits them; Windows paths read with slashes."""
    last = line.split(" | ")[-1]  # what the input is piped into
    return shlex.split(last.replace("\\", "/"), comments=True)


def python_commands(text):
    """[(script, its arguments)] of every `python scripts/X.py ...` in the command blocks."""
    found = []
    for block in filter(is_command_block, code_blocks(text)):
        for line in block:
            words = command_words(line)
            if words[:2] == ["py", "-3"]:
                words = ["py", *words[2:]]
            if (len(words) > 1 and words[0] in ("python", "python3", "py", "%run", "!python")
                    and words[1].endswith(".py")):
                found.append((Path(words[1]).stem, words[2:]))
    return found


def test_each_readme_links_to_the_other_in_its_first_lines():
    en, zh = (readme(name).splitlines()[:5] for name in READMES)
    assert any("(README.zh-CN.md)" in line for line in en)
    assert any("(README.md)" in line for line in zh)


def test_every_command_in_one_readme_is_in_the_other():
    commands = {name: {line.split("#")[0].strip() for block in code_blocks(readme(name))
                       if is_command_block(block) for line in block if not line.startswith("#")}
                for name in READMES}
    assert len(commands["en"]) >= 20
    assert sorted(commands["en"]) == sorted(commands["zh"])


@pytest.mark.parametrize("name", READMES)
def test_every_line_of_a_command_block_pastes_into_a_shell_as_it_is(name):
    blocks = [block for block in code_blocks(readme(name)) if is_command_block(block)]
    assert blocks
    for block in blocks:
        for line in block:
            assert not line.startswith("$ "), line
            assert line.startswith("#") or line.split()[0] in COMMAND_WORDS, (
                f"not a command, and not after a #: {line!r}")


@pytest.mark.parametrize("name", READMES)
def test_every_python_command_is_accepted_by_its_scripts_own_parser(name):
    commands = python_commands(readme(name))
    assert len(commands) >= 15
    for script, args in commands:
        assert script in SCRIPT_NAMES, script
        parser = parser_of(script)
        parser.exit_on_error = False
        try:
            parser.parse_args(args)
        except SystemExit as error:  # --help, or a refusal argparse prints itself
            assert error.code == 0 and "--help" in args, (script, args)


@pytest.mark.parametrize("name", READMES)
def test_every_flag_of_every_script_is_in_the_readme(name):
    text = readme(name)
    for script in SCRIPT_NAMES:
        flags = {option for action in parser_of(script)._actions
                 for option in action.option_strings if option.startswith("--")} - {"--help"}
        assert flags, script
        missing = sorted(flag for flag in flags if flag not in text)
        assert not missing, f"{script}: {missing} not in {READMES[name].name}"


def messages_tests_check():
    """Every string in the test modules that call printed(): the quotes those tests check."""
    quotes = set()
    for path in Path(__file__).parent.glob("test_*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
                 and getattr(node.func, "id", None) == "printed"]
        if calls:
            quotes |= {node.value for node in ast.walk(tree)
                       if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    return quotes


def test_every_message_the_readme_explains_is_checked_against_a_real_run():
    checked = messages_tests_check()
    unchecked = [quote for quote in quoted_messages() if quote not in checked]
    assert len(quoted_messages()) >= 60
    assert not unchecked, f"no test checks that a script prints: {unchecked}"


@pytest.mark.parametrize("name", READMES)
def test_the_readmes_quote_only_messages_the_table_explains_and_a_test_checks(name):
    explained = quoted_messages()
    quotes = re.findall(r"`((?:Trained|Training|Warning|Cannot|Nothing|No |Prices|Plot|Weights)"
                        r"[^`]*)`", readme(name))
    assert quotes
    for quote in quotes:  # the table's own form, or a real line of one of its messages
        assert quote in explained or any(message_pattern(message).fullmatch(quote)
                                         for message in explained), quote
