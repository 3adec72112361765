"""The READMEs and docs/ tell the truth: the same commands in both languages, every flag,
commands that paste into a shell as they are, links that lead somewhere, READMEs short enough to
read the evening before class, and only messages that the scripts print and a test has seen."""
import ast
import re
import shlex
from pathlib import Path

import pytest

from conftest import README_MESSAGES, ROOT, SCRIPTS, message_pattern, parser_of, quoted_messages

READMES = {"en": ROOT / "README.md", "zh": ROOT / "README.zh-CN.md"}
DOCS = ROOT / "docs"
# Each English page of docs/ and its Chinese twin, named X.md and X.zh-CN.md.
DOC_PAIRS = {path.stem: (path, path.with_name(f"{path.stem}.zh-CN.md"))
             for path in sorted(DOCS.glob("*.md")) if not path.name.endswith(".zh-CN.md")}
PAGES = {"en": [READMES["en"], *(en for en, _ in DOC_PAIRS.values())],
         "zh": [READMES["zh"], *(zh for _, zh in DOC_PAIRS.values())]}
ALL_PAGES = [*PAGES["en"], *PAGES["zh"]]
# What a README may hold, in characters: a teacher reads it the evening before class.
SIZE_LIMITS = {"en": 16_000, "zh": 20_000}
SCRIPT_NAMES = sorted(path.stem for path in SCRIPTS.glob("*.py")
                      if path.stem.startswith(("rnn_", "stock_", "get_")))
# What a line of a command block may start with: a shell's or a notebook's command.
COMMAND_WORDS = ("python", "python3", "py", "pip", "%run", "%pip", "!python", "printf", "git",
                 "cd", "(echo", '"2",', "d=$(mktemp", "source", ".venv\\Scripts\\activate",
                 ".venv\\Scripts\\Activate.ps1", ".venv/bin/activate", "conda", "cp", "copy",
                 "jupytext", "Set-ExecutionPolicy", "New-ItemProperty")


def text_of(path):
    return path.read_text(encoding="utf-8")


def readme(name):
    return text_of(READMES[name])


def name_of(path):
    return str(path.relative_to(ROOT))


def code_blocks(text):
    """Every indented code block, as a list of its lines."""
    return [[line[4:] for line in block.splitlines() if line.strip()]
            for block in re.findall(r"(?:^ {4}.*\n|^\n)+", text, flags=re.M)
            if block.strip()]


def is_command_block(lines):
    return any(line.split()[0] in COMMAND_WORDS for line in lines)


def commands(text):
    """The command lines of a page's command blocks, comments left out."""
    return {line.split("#")[0].strip() for block in code_blocks(text) if is_command_block(block)
            for line in block if not line.startswith("#")}


def command_words(line):
    """The words of a command line as a POSIX shell splits them; Windows paths read with slashes."""
    last = line.split(" | ")[-1]  # what the input is piped into
    return shlex.split(last.replace("\\", "/"), comments=True)


def python_commands(text):
    """[(script, its arguments)] of every `python scripts/X.py ...` in the command blocks.

    A lesson copied in the same text (`cp scripts/A.py scripts/B.py`) is parsed as A is.
    """
    found, copies = [], {}
    for block in filter(is_command_block, code_blocks(text)):
        for line in block:
            words = command_words(line)
            if words[:2] == ["py", "-3"]:
                words = ["py", *words[2:]]
            if words and words[0] in ("cp", "copy") and len(words) == 3:
                copies[Path(words[2]).stem] = Path(words[1]).stem
            if (len(words) > 1 and words[0] in ("python", "python3", "py", "%run", "!python")
                    and words[1].endswith(".py")):
                script = Path(words[1]).stem
                found.append((copies.get(script, script), words[2:]))
    return found


def slug(heading):
    """The anchor GitHub gives a heading: small letters, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path):
    return {slug(line.lstrip("#")) for line in text_of(path).splitlines() if line.startswith("#")}


def local_links(path):
    """[(the link as written, the file it names, its #anchor or None)] of a page's relative links."""
    links = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text_of(path)):
        if re.match(r"^[a-z]+:", target):  # https:, mailto:
            continue
        file, _, anchor = target.partition("#")
        links.append((target, (path.parent / file).resolve() if file else path, anchor or None))
    return links


# ## The two languages, in step

@pytest.mark.parametrize("en, zh", DOC_PAIRS.values(), ids=list(DOC_PAIRS))
def test_every_page_of_docs_has_its_chinese_twin(en, zh):
    assert zh.exists(), f"{name_of(en)} has no {zh.name}"


def test_docs_hold_no_chinese_page_without_its_english_twin():
    for zh in DOCS.glob("*.zh-CN.md"):
        assert (DOCS / zh.name.replace(".zh-CN.md", ".md")).exists(), zh.name


def test_the_details_are_in_docs_in_both_languages():
    assert {"messages", "checkpoints", "platforms", "prices", "speed", "changes"} <= set(DOC_PAIRS)


def test_each_readme_links_to_the_other_in_its_first_lines():
    en, zh = (readme(name).splitlines()[:5] for name in READMES)
    assert any("(README.zh-CN.md)" in line for line in en)
    assert any("(README.md)" in line for line in zh)


@pytest.mark.parametrize("en, zh", DOC_PAIRS.values(), ids=list(DOC_PAIRS))
def test_each_page_of_docs_links_to_its_twin_and_its_readme_in_its_first_lines(en, zh):
    en_top, zh_top = (text_of(path).splitlines()[:5] for path in (en, zh))
    assert any(f"({zh.name})" in line for line in en_top) and any(
        "(../README.md)" in line for line in en_top), name_of(en)
    assert any(f"({en.name})" in line for line in zh_top) and any(
        "(../README.zh-CN.md)" in line for line in zh_top), name_of(zh)


def test_every_command_in_one_readme_is_in_the_other():
    en, zh = commands(readme("en")), commands(readme("zh"))
    assert len(en) >= 15
    assert sorted(en) == sorted(zh)


@pytest.mark.parametrize("en, zh", DOC_PAIRS.values(), ids=list(DOC_PAIRS))
def test_every_command_in_a_page_of_docs_is_in_its_twin(en, zh):
    assert sorted(commands(text_of(en))) == sorted(commands(text_of(zh)))


def test_the_english_messages_table_explains_the_same_messages_as_the_chinese():
    assert quoted_messages(DOCS / "messages.md") == quoted_messages(README_MESSAGES)


# ## Short enough, and every link leads somewhere

@pytest.mark.parametrize("name", READMES)
def test_each_readme_is_short_enough_to_read_before_class(name):
    assert len(readme(name)) <= SIZE_LIMITS[name], (name, len(readme(name)))


@pytest.mark.parametrize("name", READMES)
def test_each_readme_opens_with_the_class_before_its_details(name):
    headings = [line for line in readme(name).splitlines() if line.startswith("## ")]
    assert headings[:3] == {"en": ["## Two commands", "## Before class", "## In class"],
                            "zh": ["## 两条命令", "## 课前准备", "## 课上"]}[name]


@pytest.mark.parametrize("name", READMES)
def test_each_readme_links_to_every_page_of_docs_in_its_language(name):
    linked = {file for _, file, _ in local_links(READMES[name])}
    for path in (path for path in PAGES[name] if path.parent == DOCS):
        assert path.resolve() in linked, f"{READMES[name].name} does not link to {name_of(path)}"


@pytest.mark.parametrize("path", ALL_PAGES, ids=name_of)
def test_every_link_leads_to_a_file_and_heading_that_exist(path):
    for target, file, anchor in local_links(path):
        assert file.exists(), f"{name_of(path)}: {target} leads nowhere"
        if anchor and file.suffix == ".md":
            assert anchor in anchors(file), f"{name_of(path)}: {target} has no such heading"


# ## Commands that paste and parse

@pytest.mark.parametrize("path", ALL_PAGES, ids=name_of)
def test_every_line_of_a_command_block_pastes_into_a_shell_as_it_is(path):
    for block in (block for block in code_blocks(text_of(path)) if is_command_block(block)):
        for line in block:
            assert not line.startswith("$ "), line
            assert line.startswith("#") or line.split()[0] in COMMAND_WORDS, (
                f"{name_of(path)}: not a command, and not after a #: {line!r}")


@pytest.mark.parametrize("language", PAGES)
def test_every_python_command_is_accepted_by_its_scripts_own_parser(language):
    found = 0
    for path in PAGES[language]:
        for script, args in python_commands(text_of(path)):
            found += 1
            assert script in SCRIPT_NAMES, (name_of(path), script)
            parser = parser_of(script)
            parser.exit_on_error = False
            try:
                parser.parse_args(args)
            except SystemExit as error:  # --help, or a refusal argparse prints itself
                assert error.code == 0 and "--help" in args, (name_of(path), script, args)
    assert found >= 25


@pytest.mark.parametrize("name", READMES)
def test_each_readme_runs_every_lesson_and_the_by_hand_pass(name):
    scripts = {script for script, _ in python_commands(readme(name))}
    assert set(SCRIPT_NAMES) - {"get_stock_data"} <= scripts


@pytest.mark.parametrize("name", READMES)
def test_every_flag_of_every_lesson_is_in_the_readme_and_every_flag_somewhere(name):
    readme_text = readme(name)
    all_text = "".join(text_of(path) for path in PAGES[name])
    for script in SCRIPT_NAMES:
        flags = {option for action in parser_of(script)._actions
                 for option in action.option_strings if option.startswith("--")} - {"--help"}
        assert flags, script
        text = all_text if script == "get_stock_data" else readme_text
        missing = sorted(flag for flag in flags if flag not in text)
        assert not missing, f"{script}: {missing} not in {READMES[name].name}"


@pytest.mark.parametrize("path", ALL_PAGES, ids=name_of)
def test_the_course_terms_are_the_courses(path):
    text = text_of(path)
    assert "持平预测" not in text  # persistence is 朴素预测
    assert "py -3" not in text  # Anaconda Prompt has no py launcher
    for steps in re.findall(r"六步法[^)）]*", text):  # 断点续训 is an extension (八股扩展), not a step
        assert "断点续训" not in steps, steps


# ## Only messages that are explained and checked

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


def test_every_message_the_table_explains_is_checked_against_a_real_run():
    checked = messages_tests_check()
    unchecked = [quote for quote in quoted_messages() if quote not in checked]
    assert len(quoted_messages()) >= 60
    assert not unchecked, f"no test checks that a script prints: {unchecked}"


@pytest.mark.parametrize("path", ALL_PAGES, ids=name_of)
def test_the_pages_quote_only_messages_the_table_explains_and_a_test_checks(path):
    explained = quoted_messages()
    quotes = re.findall(r"`((?:Trained|Training interrupted|Warning|Cannot|Nothing|No |Prices|Plot|Weights)"
                        r"[^`]*)`", text_of(path))
    for quote in quotes:  # the table's own form, or a real line of one of its messages
        assert quote in explained or any(message_pattern(message).fullmatch(quote)
                                         for message in explained), (name_of(path), quote)


@pytest.mark.parametrize("name", READMES)
def test_each_readme_quotes_what_a_run_prints(name):
    assert re.findall(r"`(?:Trained|Plot|Prices|Warning)[^`]*`", "".join(
        text_of(path) for path in PAGES[name]))
