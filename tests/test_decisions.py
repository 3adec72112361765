"""What each platform gets, decided in one place and checked here by handing it that platform's facts.

Also the rules of the prompt and of the suggested commands, as plain functions: fast tests,
beside the end-to-end ones that run the scripts.
"""
import os
import subprocess
import sys

import pytest

from conftest import PROGRAMS, SCRIPTS, headless_env, one_line, posix_only, printed, run_script, scripts_module


platforms = scripts_module("lessonkit.platforms")
commands = scripts_module("lessonkit.commands")
console = scripts_module("lessonkit.console")
exits = scripts_module("lessonkit.exits")
plots = scripts_module("lessonkit.plots")
prompt = scripts_module("lessonkit.prompt")
tensorflow_start = scripts_module("lessonkit.tensorflow_start")

LINUX = platforms.Facts(os="linux", environ={"DISPLAY": ":0"}, stdout_isatty=True,
                        executable=sys.executable, on_path={"python": sys.executable})
MACOS = platforms.Facts(os="darwin", environ={}, stdout_isatty=True,
                        executable="/usr/bin/python3", on_path={"python": None})
WINDOWS = platforms.Facts(os="windows", environ={}, stdout_isatty=True,
                          executable=r"C:\Users\学生\anaconda3\python.exe",
                          on_path={"python": r"C:\Users\学生\anaconda3\python.exe"})
KERNEL = platforms.Facts(os="linux", environ={}, in_ipython=True, in_kernel=True)


def facts(base, **changes):
    return platforms.Facts(**{**base.__dict__, **changes})


# ## The commands a message suggests

@pytest.mark.parametrize("where, argv0, expected", [
    (LINUX, "scripts/rnn_onehot_1pre1.py", "python scripts/rnn_onehot_1pre1.py --predict a"),
    (MACOS, "scripts/rnn_onehot_1pre1.py", "python3 scripts/rnn_onehot_1pre1.py --predict a"),
    (WINDOWS, r"scripts\rnn_onehot_1pre1.py", r"python scripts\rnn_onehot_1pre1.py --predict a"),
    (WINDOWS, r"D:\课程 6\scripts\rnn_onehot_1pre1.py",
     r'python "D:\课程 6\scripts\rnn_onehot_1pre1.py" --predict a'),
    (LINUX, "/home/学生/课程 6/scripts/rnn_onehot_1pre1.py",
     'python "/home/学生/课程 6/scripts/rnn_onehot_1pre1.py" --predict a'),
    (KERNEL, "scripts/rnn_onehot_1pre1.py", "%run scripts/rnn_onehot_1pre1.py --predict a"),
])
def test_a_command_is_written_for_the_users_platform_and_shell(monkeypatch, where, argv0, expected):
    monkeypatch.setattr(sys, "argv", [argv0, "--epochs", "0", "--predict", "a"])
    assert commands.command_for_user(commands.training_args(), facts=where) == expected


def test_a_script_beside_the_running_one_is_named_as_the_user_named_this_one(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["scripts/rnn_forward_by_hand.py"])
    assert commands.command_for_user(script="rnn_onehot_4pre1.py", facts=LINUX) == (
        "python scripts/rnn_onehot_4pre1.py")
    monkeypatch.setattr(sys, "argv", ["rnn_forward_by_hand.py"])  # from scripts/, as PyCharm runs it
    assert commands.command_for_user(script="rnn_onehot_4pre1.py", facts=LINUX) == (
        "python rnn_onehot_4pre1.py")
    monkeypatch.setattr(sys, "argv", [r"scripts\rnn_forward_by_hand.py"])
    assert commands.command_for_user(script="get_stock_data.py", facts=WINDOWS) == (
        r"python scripts\get_stock_data.py")


@posix_only  # the test hands a POSIX path to the Linux facts
def test_a_script_run_by_its_full_path_from_its_folder_is_named_shortly(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [str(tmp_path / "rnn_onehot_1pre1.py")])  # PyCharm's way
    assert commands.command_for_user(facts=LINUX) == "python rnn_onehot_1pre1.py"


def test_python_is_named_as_it_can_be_typed():
    assert commands.python_command(LINUX) == "python"  # `python` is this interpreter
    assert commands.python_command(MACOS) == "python3"  # a stock macOS has no `python`
    assert commands.python_command(WINDOWS) == "python"


def test_one_quoting_rule_pastes_into_cmd_powershell_and_a_posix_shell():
    assert commands.quoted(r"scripts\rnn_onehot_1pre1.py") == r"scripts\rnn_onehot_1pre1.py"
    assert commands.quoted("my prices.csv") == '"my prices.csv"'
    assert commands.quoted("我的股票.csv") == '"我的股票.csv"'


def test_pip_is_run_by_this_python_or_by_the_notebook():
    assert commands.pip_command(["akshare"], MACOS) == "python3 -m pip install akshare"
    assert commands.pip_command(["akshare"], KERNEL) == "%pip install akshare"


@pytest.mark.parametrize("argv, expected", [
    (["--epochs", "0", "--fresh", "--csv", "a b.csv"], ["--csv", "a b.csv"]),
    (["--epochs=0", "--synthetic"], ["--synthetic"]),
    (["--predict", "a", "b", "--epochs", "3", "--probs"], ["--predict", "a", "b", "--probs"]),
])
def test_the_training_command_drops_only_epochs_and_fresh(argv, expected):
    assert commands.training_args(argv) == expected


# ## Progress, pictures, processes

@pytest.mark.parametrize("where, expected", [
    (LINUX, True),                                                     # a terminal
    (facts(LINUX, stdout_isatty=False), False),                        # a pipe or a log file
    (facts(LINUX, stdout_isatty=False, environ={"PYCHARM_HOSTED": "1"}), True),
    (KERNEL, False),                                      # a notebook would keep every redraw
    (WINDOWS, False),                              # cmd.exe, Anaconda Prompt: no ANSI escapes
    (facts(WINDOWS, environ={"WT_SESSION": "x"}), True),               # Windows Terminal
    (MACOS, True),
])
def test_the_progress_bar_only_where_the_console_draws_it(where, expected):
    assert console.draws_progress_bar(where) is expected


def test_where_no_bar_is_drawn_a_few_plain_lines_say_how_training_goes():
    shown = [epoch + 1 for epoch in range(100) if console.progress_line(epoch, 100, {"loss": 1.0})]
    assert shown == [1, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    assert [epoch + 1 for epoch in range(3) if console.progress_line(epoch, 3, {})] == [1, 2, 3]
    assert console.progress_line(9, 50, {"loss": 0.5, "val_loss": 0.25}, 1.234) == (
        "Epoch 10/50 - 1.23s - loss: 0.5000 - val_loss: 0.2500")


# matplotlib chooses the backend: Agg where there is no display, a window's elsewhere.
@pytest.mark.parametrize("where, backend, expected", [
    (LINUX, "TkAgg", True),                                             # a desktop
    (facts(LINUX, environ={}), "agg", False),                           # a lab server
    (facts(LINUX, environ={}), "module://matplotlib_inline.backend_inline", False),  # !python
    (KERNEL, "module://matplotlib_inline.backend_inline", True),        # Jupyter, Colab
    (MACOS, "macosx", True),
    (WINDOWS, "TkAgg", True),
])
def test_plots_are_shown_only_where_something_can_show_them(where, backend, expected):
    assert plots.can_show_plots(False, where, backend=backend) is expected
    assert plots.can_show_plots(True, where, backend=backend) is False  # --no-show


def test_chinese_is_drawn_in_the_chinese_font_a_machine_has():
    assert plots.chinese_fonts({"DejaVu Sans", "Microsoft YaHei", "SimHei"}) == ["Microsoft YaHei", "SimHei"]
    assert plots.chinese_fonts({"DejaVu Sans", "PingFang SC"}) == ["PingFang SC"]       # macOS
    assert plots.chinese_fonts({"DejaVu Sans", "Noto Sans CJK SC"}) == ["Noto Sans CJK SC"]  # Linux
    assert plots.chinese_fonts({"DejaVu Sans"}) == []


# ## Why TensorFlow does not start, in one line

# The message TensorFlow's pywrap_tensorflow.py raises on Windows when a DLL is missing.
TF_IMPORT_ERROR = """Traceback (most recent call last):
  File "C:\\Python311\\Lib\\site-packages\\tensorflow\\python\\pywrap_tensorflow.py", line 73, in <module>
    from tensorflow.python._pywrap_tensorflow_internal import *
ImportError: DLL load failed while importing _pywrap_tensorflow_internal: The specified module could not be found.


Failed to load the native TensorFlow runtime.
See https://www.tensorflow.org/install/errors for some common causes and solutions.
If you need help, create an issue at https://github.com/tensorflow/tensorflow/issues and include the entire stack trace above this error message."""


def test_tensorflows_import_error_is_told_by_its_cause():
    line = exits.cannot_import(ImportError(TF_IMPORT_ERROR))
    assert line.startswith("Cannot start TensorFlow (DLL load failed while importing "
                           "_pywrap_tensorflow_internal: The specified module could not be found.)")
    assert "Visual C++ Redistributable" in line and "AVX" not in line and "\n" not in line


@pytest.mark.parametrize("reason", [
    "A dynamic link library (DLL) initialization routine failed.",
    "动态链接库(DLL)初始化例程失败。",                              # a Chinese Windows
])
def test_a_dll_that_fails_to_initialise_is_told_as_a_processor_without_avx(reason):
    message = TF_IMPORT_ERROR.replace("The specified module could not be found.", reason)
    line = exits.cannot_import(ImportError(message))
    assert "processor most likely lacks AVX" in line and "\n" not in line
    assert line.index("AVX") < line.index("Visual C++")  # the runtime only as the second thought


def test_a_dll_not_found_is_told_as_the_missing_runtime_in_the_systems_language_too():
    message = TF_IMPORT_ERROR.replace("The specified module could not be found.", "找不到指定的模块。")
    line = exits.cannot_import(ImportError(message))
    assert "Visual C++ Redistributable" in line and "AVX" not in line


def test_tensorflows_import_error_is_one_of_the_messages_the_readme_explains():
    printed("Cannot start TensorFlow (…): …", exits.cannot_import(ImportError(TF_IMPORT_ERROR)))


def test_tensorflow_not_installed_names_the_command_that_installs_it(tmp_path):
    result = subprocess.run(
        [sys.executable, str(PROGRAMS / "without_package.py"), "tensorflow",
         str(SCRIPTS / "rnn_onehot_1pre1.py"), "--predict", "a"],
        cwd=tmp_path, capture_output=True, encoding="utf-8", errors="replace", env=headless_env(),
        timeout=120)
    line = one_line(result, status=1)
    printed("TensorFlow is not installed for this Python (X): … install tensorflow", line)
    assert f"({sys.executable})" in line


@pytest.mark.parametrize("kind, last_lines", [
    ("name", ["    layer = LSTM(3)  # noqa: F821  (not imported: a student's slip)",
              "NameError: name 'LSTM' is not defined"]),
    ("typo", ["    print(np.zeroes(3))  # a slip Python suggests the right name for",
              "AttributeError: module 'numpy' has no attribute 'zeroes'. Did you mean: 'zeros'?"]),
    ("shape", ["    np.reshape([1, 2, 3], (1, 4, 5))",
               "ValueError: cannot reshape array of size 3 into shape (1,4,5)"]),
    ("import", ["    import tensorfow  # noqa: F401  (a typo: not a package the lessons need)",
                "ModuleNotFoundError: No module named 'tensorfow'"]),
])
def test_a_mistake_in_the_lessons_own_code_names_its_file_and_line_only(tmp_path, kind, last_lines):
    program = PROGRAMS / "lesson_with_a_mistake.py"
    result = run_script("", str(SCRIPTS), kind, cwd=tmp_path, path=program)  # no Traceback
    assert result.returncode == 1
    lines = [line for line in result.stderr.rstrip().splitlines()
             if line.strip(" ^~")]  # (Python 3.11 and later point at the expression too)
    assert lines[0].startswith(f'  File "{program}", line ') and lines[0].endswith("in <module>")
    assert lines[1:] == last_lines  # the lesson's line as Python shows it, and nothing of numpy's


def test_after_python_i_a_line_typed_at_the_prompt_is_pythons_to_show(tmp_path):
    # The lesson ran; what the student types after it is not the collection's to tell.
    program = PROGRAMS / "lesson_with_a_mistake.py"
    result = subprocess.run([sys.executable, "-i", str(program), str(SCRIPTS), "nothing"], cwd=tmp_path,
                            input="undefined_name\n", capture_output=True, encoding="utf-8",
                            env=headless_env(), timeout=120)
    assert result.returncode == 0
    assert "Traceback (most recent call last):" in result.stderr
    assert "NameError: name 'undefined_name' is not defined" in result.stderr
    assert "Error: NameError" not in result.stderr


def test_anything_unexpected_in_the_collection_is_one_error_line_and_status_1(tmp_path):
    result = run_script("", str(SCRIPTS), "machine", cwd=tmp_path,
                        path=PROGRAMS / "lesson_with_a_mistake.py")
    line = one_line(result, status=1)
    printed("Error: …", line)
    assert line.startswith("Error: FileNotFoundError: ")


def test_a_model_that_beats_persistence_is_said_to(capsys):
    forecast_errors = scripts_module("lessonkit.forecast_errors")
    real = [100.0, 130.0, 90.0, 120.0]
    forecast_errors.compare_with_persistence((1.0, 1.0, 1.0), [95.0, 100.0, 130.0, 90.0], real, "600519")
    printed("On … data, by RMSE the model beats persistence (…).", capsys.readouterr().out)



def test_persistence_that_beats_the_model_is_said_to(capsys):
    forecast_errors = scripts_module("lessonkit.forecast_errors")
    real = [100.0, 101.0, 102.0, 103.0]
    forecast_errors.compare_with_persistence((400.0, 20.0, 20.0), [99.0, 100.0, 101.0, 102.0], real, "600519")
    printed("On … data, by RMSE persistence beats the model (…): …", capsys.readouterr().out)

# ## The prompt's rules

@pytest.mark.parametrize("text, problem", [
    ("abcd", None), (" ABCD ", None),
    ("", "empty input; type 4 letters from a-e, like abcd"),
    ("abc", "'abc' has 3 letters, not 4; type 4 letters from a-e, like abcd"),
    ("abcz", "'abcz' has 'z', outside a-e; type 4 letters from a-e, like abcd"),
    ("ab1d", "'ab1d' has '1', which is not a letter a-z; type 4 letters from a-e, like abcd"),
    ("ａｂｃｄ", "'ａｂｃｄ' has 'ａｂｃｄ', which are not letters a-z; type 4 letters from a-e, like abcd"),
])
def test_check_word_says_what_is_wrong_and_what_is_accepted(text, problem):
    assert prompt.check_word(text, "abcde", 4) == problem


@pytest.mark.parametrize("text, count", [("3", 3), (" 3 ", 3), ("+1", 1), ("-1", 0), ("0", 0),
                                         ("three", None), ("2.5", None), ("", None),
                                         ("7" * 5000, None)])
def test_the_count_is_what_int_input_makes_of_it(text, count):
    assert prompt.read_count(text) == count


@pytest.mark.parametrize("typed", ["\x04", "\x1a", " \x1a "])
def test_end_of_input_typed_as_a_character_ends_the_input(monkeypatch, typed):
    monkeypatch.setattr("builtins.input", lambda prompt: typed)  # Ctrl-D or Ctrl-Z on Windows
    with pytest.raises(exits.Ending) as ended:
        prompt.typed("input the number of test alphabet:", lambda text: None)
    assert ended.value.status == 0


def test_tensorflows_start_up_chatter_is_recognised_and_anything_else_is_not():
    chatter = tensorflow_start.CHATTER
    assert chatter.match("WARNING: All log messages before absl::InitializeLog() is called are "
                         "written to STDERR")
    assert chatter.match("I0000 00:00:1795953222.173750    7900 port.cc:153] oneDNN custom operations")
    assert chatter.match("E0000 00:00:1795953226.252620 7900 cuda_platform.cc:52] failed call to cuInit")
    assert not chatter.match("F0000 00:00:1.0 cpu_feature_guard.cc:80] The TensorFlow library was "
                             "compiled to use AVX instructions, but these aren't available")


def test_only_tensorflows_chatter_is_kept_from_the_console_while_it_starts(capfd):
    with tensorflow_start.start_up_lines_hidden():
        os.write(2, b"I0000 00:00:1.0 port.cc:153] oneDNN custom operations are on.\n")
        os.write(2, b"something TensorFlow says that matters\n")
    assert capfd.readouterr().err == "something TensorFlow says that matters\n"


def test_the_hints_for_mistakes_copied_from_old_lessons():
    assert exits.hint_for(ValueError("Argument(s) not recognized: {'lr': 0.01}")).startswith(
        "Hint: Keras 3 calls the learning rate `learning_rate`")
    assert exits.hint_for(ValueError("Arguments target and output must have the same rank (ndim). "
                                     "Received: target.shape=(None,), output.shape=(None, 4, 5)")) is None
    assert exits.hint_for(ValueError("Argument `output` must have rank (ndim) `target.ndim - 1`.")).startswith(
        "Hint: the recurrent layer before Dense should not have return_sequences=True")
