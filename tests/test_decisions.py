"""What each platform gets, decided in one place and checked here by handing it that platform's facts.

Also the rules of the prompt and of the suggested commands, as plain functions: fast tests,
beside the end-to-end ones that run the scripts.
"""
import os
import shlex
import subprocess
import sys

import pytest

from conftest import PROGRAMS, SCRIPTS, headless_env, one_line, posix_only, printed, run_script, scripts_module


platforms = scripts_module("lessonkit.platforms")
commands = scripts_module("lessonkit.commands")
console = scripts_module("lessonkit.console")
plots = scripts_module("lessonkit.plots")
prompt = scripts_module("lessonkit.prompt")
tensorflow_start = scripts_module("lessonkit.tensorflow_start")

LINUX = platforms.Facts(os="linux", environ={"DISPLAY": ":0"}, stdout_isatty=True,
                        executable="/usr/bin/python3.11",
                        on_path={"python": "/usr/bin/python3.11", "python3": "/usr/bin/python3.11"})
MACOS = platforms.Facts(os="darwin", environ={}, stdout_isatty=True,
                        executable="/usr/bin/python3", on_path={"python": None, "python3": "/usr/bin/python3"})
WINDOWS = platforms.Facts(os="windows", environ={}, stdout_isatty=True,
                          executable=r"C:\Users\学生\anaconda3\python.exe",
                          on_path={"python": r"C:\Users\学生\anaconda3\python.exe", "py": None,
                                   "python3": None}, console_codepage=936, session_id=1)
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
     "python '/home/学生/课程 6/scripts/rnn_onehot_1pre1.py' --predict a"),
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
    assert commands.python_command(LINUX) == "python"
    assert commands.python_command(MACOS) == "python3"
    nothing_on_path = facts(WINDOWS, on_path={"python": None, "py": None, "python3": None})
    assert commands.python_command(nothing_on_path) == r"C:\Users\学生\anaconda3\python.exe"
    only_py = facts(WINDOWS, on_path={"python": None, "py": r"C:\Windows\py.exe", "python3": None})
    assert commands.python_command(only_py) == "py"


def test_pip_is_run_by_this_python_or_by_the_notebook():
    assert commands.pip_command(["akshare"], MACOS) == "python3 -m pip install akshare"
    assert commands.pip_command(["akshare"], KERNEL) == "%pip install akshare"


# Python installed for all users, and not on PATH: its full path must be quoted.
PROGRAM_FILES_PYTHON = facts(WINDOWS, executable=r"C:\Program Files\Python313\python.exe",
                             on_path={"python": None, "py": None, "python3": None})


@pytest.mark.parametrize("shell, expected", [
    ("powershell", r"& 'C:\Program Files\Python313\python.exe' -m pip install tensorflow"),
    ("cmd", r'"C:\Program Files\Python313\python.exe" -m pip install tensorflow'),
    ("", r'C:\"Program Files"\Python313\python.exe -m pip install tensorflow'),  # read by both
    ("bash", "'C:/Program Files/Python313/python.exe' -m pip install tensorflow"),
])
def test_a_quoted_interpreter_is_written_so_that_the_users_shell_runs_it(shell, expected):
    where = facts(PROGRAM_FILES_PYTHON, shell=shell)
    assert commands.pip_command(["tensorflow"], where) == expected


def test_powershell_gets_single_quotes_inside_which_nothing_expands(monkeypatch):
    powershell = facts(WINDOWS, shell="powershell")
    monkeypatch.setattr(sys, "argv", [r"D:\课程 $1\scripts\rnn_onehot_1pre1.py", "--predict",
                                      "a"])
    assert commands.command_for_user(commands.training_args(), facts=powershell) == (
        r"python 'D:\课程 $1\scripts\rnn_onehot_1pre1.py' --predict a")
    monkeypatch.setattr(sys, "argv", [r"D:\It's `here`\rnn_onehot_1pre1.py"])
    assert commands.command_for_user(facts=powershell) == (
        r"python 'D:\It''s `here`\rnn_onehot_1pre1.py'")


def test_the_store_alias_is_never_suggested_for_another_python():
    alias = r"C:\Users\学生\AppData\Local\Microsoft\WindowsApps\python.exe"
    conda_off_path = facts(WINDOWS, on_path={"python": alias, "py": None, "python3": None})
    assert commands.python_command(conda_off_path) == r"C:\Users\学生\anaconda3\python.exe"
    store_python = facts(WINDOWS, executable=alias, on_path={"python": alias, "py": None,
                                                             "python3": None})
    assert commands.python_command(store_python) == "python"  # the alias is this very Python


def test_in_git_bash_a_script_path_has_forward_slashes(monkeypatch):
    git_bash = facts(WINDOWS, shell="bash")
    monkeypatch.setattr(sys, "argv", ["scripts/rnn_forward_by_hand.py"])
    assert commands.command_for_user(script="rnn_onehot_4pre1.py", facts=git_bash) == (
        "python scripts/rnn_onehot_4pre1.py")
    monkeypatch.setattr(sys, "argv", [r"D:\课程 6\scripts\rnn_forward_by_hand.py"])
    assert commands.command_for_user(script="rnn_onehot_4pre1.py", facts=git_bash) == (
        "python 'D:/课程 6/scripts/rnn_onehot_4pre1.py'")


SYSTEM_MODULES = (r"C:\Program Files\WindowsPowerShell\Modules;"
                  r"C:\WINDOWS\system32\WindowsPowerShell\v1.0\Modules")


@pytest.mark.parametrize("environ, shell", [
    ({"PROMPT": "$P$G", "PSMODULEPATH": SYSTEM_MODULES}, "cmd"),              # cmd.exe
    ({"PROMPT": "(base) $P$G", "PSMODULEPATH": SYSTEM_MODULES}, "cmd"),       # Anaconda Prompt
    ({"PSMODULEPATH": r"C:\Users\学生\Documents\WindowsPowerShell\Modules;" + SYSTEM_MODULES},
     "powershell"),                                                            # Windows PowerShell
    ({"PSMODULEPATH": r"C:\Users\学生\OneDrive\文档\PowerShell\Modules;C:\Program Files"
      r"\PowerShell\Modules;c:\program files\powershell\7\Modules;" + SYSTEM_MODULES},
     "powershell"),                                                            # PowerShell 7
    ({"MSYSTEM": "MINGW64", "PSMODULEPATH": SYSTEM_MODULES}, "bash"),         # Git Bash
    ({"PROMPT": "$P$G", "PSMODULEPATH": r"C:\Users\学生\Documents\WindowsPowerShell\Modules;"
      + SYSTEM_MODULES}, ""),                                        # one started from the other
    ({"PSMODULEPATH": SYSTEM_MODULES}, ""),                                    # an IDE's Run button
])
def test_the_windows_shell_is_told_by_the_marks_it_leaves_in_the_environment(environ, shell):
    assert platforms.windows_shell(environ) == shell


def test_where_pip_refuses_this_python_a_virtual_environment_is_suggested(monkeypatch):
    monkeypatch.chdir(SCRIPTS.parent)
    homebrew = facts(MACOS, executable="/opt/homebrew/bin/python3", externally_managed=True,
                     on_path={"python": None, "python3": "/opt/homebrew/bin/python3"})
    assert commands.pip_command(["akshare"], homebrew) == (
        "python3 -m venv .venv && source .venv/bin/activate && "
        "python -m pip install -r requirements.txt akshare")
    monkeypatch.chdir(SCRIPTS)  # as PyCharm runs the scripts: the file is named by its full path
    assert commands.pip_command(["tensorflow"], homebrew).endswith(
        f"-r {shlex.quote(str(SCRIPTS.parent / 'requirements.txt'))} tensorflow")


def test_pips_refusal_is_read_from_the_marker_outside_a_virtual_environment(tmp_path):
    assert not platforms.is_externally_managed(str(tmp_path), in_venv=False)
    (tmp_path / "EXTERNALLY-MANAGED").write_text("[externally-managed]\n", encoding="utf-8")
    assert platforms.is_externally_managed(str(tmp_path), in_venv=False)
    assert not platforms.is_externally_managed(str(tmp_path), in_venv=True)


@pytest.mark.parametrize("argv, expected", [
    (["--epochs", "0", "--fresh", "--csv", "a b.csv"], ["--csv", "a b.csv"]),
    (["--epochs=0", "--synthetic"], ["--synthetic"]),
    (["--predict", "a", "b", "--epochs", "3", "--probs"], ["--predict", "a", "b", "--probs"]),
])
def test_the_training_command_drops_only_epochs_and_fresh(argv, expected):
    assert commands.training_args(argv) == expected


# ## Progress, pictures, processes

@pytest.mark.parametrize("where, expected", [
    (LINUX, 1),                                                        # a terminal
    (facts(LINUX, stdout_isatty=False), 2),                            # a pipe or a log file
    (facts(LINUX, stdout_isatty=False, environ={"PYCHARM_HOSTED": "1"}), 1),
    (KERNEL, 2),                                          # a notebook would keep every redraw
    (facts(WINDOWS, console_codepage=437), 2),                         # cmd.exe: no ANSI escapes
    (facts(WINDOWS, console_codepage=65001, environ={"WT_SESSION": "x"}), 1),  # Windows Terminal
    (facts(WINDOWS, environ={"WT_SESSION": "x"}), 2),                  # code page 936: ━ is wide
    (MACOS, 1),
])
def test_the_progress_bar_only_where_the_console_draws_it(where, expected):
    assert console.progress_style(where) == expected


@pytest.mark.parametrize("where, backend, expected", [
    (LINUX, None, True),
    (facts(LINUX, environ={}), None, False),                            # a lab server
    (facts(LINUX, environ={}), "Agg", False),
    (facts(LINUX, environ={}), "module://matplotlib_inline.backend_inline", False),  # !python
    (KERNEL, "module://matplotlib_inline.backend_inline", True),        # Jupyter, Colab
    (KERNEL, None, True),
    (MACOS, None, True),
    (facts(MACOS, environ={"SSH_CONNECTION": "10.0.0.2 50000 10.0.0.1 22"}), None, False),
    (facts(MACOS, environ={"SSH_CONNECTION": "x"}), "macosx", False),
    (WINDOWS, None, True),
    (facts(WINDOWS, environ={"SSH_CLIENT": "10.0.0.2 50000 22"}), None, False),  # OpenSSH
    (facts(WINDOWS, session_id=0), None, False),                        # a scheduled task
])
def test_plots_are_shown_only_where_something_can_show_them(where, backend, expected):
    assert plots.can_show_plots(False, where, backend=backend or "") is expected
    assert plots.can_show_plots(True, where, backend=backend or "") is False  # --no-show


class StandInKernel32:
    """What Windows answers about a process: alive, ended, or not ours to open."""

    def __init__(self, state):
        self.state, self.signals_sent = state, 0

    def OpenProcess(self, access, inherit, pid):
        return 0 if self.state in ("gone", "denied") else 42

    def last_error(self):
        return {"gone": 87, "denied": 5}.get(self.state, 0)

    def GetExitCodeProcess(self, handle, code):
        code._obj.value = platforms.STILL_ACTIVE if self.state == "running" else 0
        return 1

    def CloseHandle(self, handle):
        return 1


@pytest.mark.parametrize("state, alive", [("running", True), ("ended", False), ("gone", False),
                                          ("denied", True)])
def test_on_windows_a_process_is_looked_up_never_signalled(monkeypatch, state, alive):
    def no_signals(*args):
        raise AssertionError("os.kill(pid, 0) is Ctrl-C on Windows")

    monkeypatch.setattr(os, "kill", no_signals)
    assert platforms.process_is_alive(1234, WINDOWS, kernel32=StandInKernel32(state)) is alive


@posix_only  # on Windows signal 0 is Ctrl-C for the whole console: the very thing avoided
def test_on_posix_a_process_is_asked_with_signal_0():
    assert platforms.process_is_alive(os.getpid(), LINUX)
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    assert not platforms.process_is_alive(ended.pid, LINUX)


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
    line = tensorflow_start.cannot_import(ImportError(TF_IMPORT_ERROR))
    assert line.startswith("Cannot start TensorFlow (DLL load failed while importing "
                           "_pywrap_tensorflow_internal: The specified module could not be found.)")
    assert "Visual C++ Redistributable" in line and "AVX" not in line and "\n" not in line


@pytest.mark.parametrize("reason", [
    "A dynamic link library (DLL) initialization routine failed.",
    "动态链接库(DLL)初始化例程失败。",                              # a Chinese Windows
])
def test_a_dll_that_fails_to_initialise_is_told_as_a_processor_without_avx(reason):
    message = TF_IMPORT_ERROR.replace("The specified module could not be found.", reason)
    line = tensorflow_start.cannot_import(ImportError(message))
    assert "processor most likely lacks AVX" in line and "\n" not in line
    assert line.index("AVX") < line.index("Visual C++")  # the runtime only as the second thought


def test_a_dll_not_found_is_told_as_the_missing_runtime_in_the_systems_language_too():
    message = TF_IMPORT_ERROR.replace("The specified module could not be found.", "找不到指定的模块。")
    line = tensorflow_start.cannot_import(ImportError(message))
    assert "Visual C++ Redistributable" in line and "AVX" not in line


def test_tensorflows_import_error_is_one_of_the_messages_the_readme_explains():
    printed("Cannot start TensorFlow (…): …", tensorflow_start.cannot_import(ImportError(TF_IMPORT_ERROR)))


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
    ("shape", ["    np.reshape([1, 2, 3], (1, 4, 5))",
               "ValueError: cannot reshape array of size 3 into shape (1,4,5)"]),
])
def test_a_mistake_in_the_lessons_own_code_names_its_file_and_line_only(tmp_path, kind, last_lines):
    program = PROGRAMS / "lesson_with_a_mistake.py"
    result = run_script("", str(SCRIPTS), kind, cwd=tmp_path, path=program)  # no Traceback
    assert result.returncode == 1
    lines = [line for line in result.stderr.rstrip().splitlines()
             if line.strip(" ^~")]  # (Python 3.11 and later point at the expression too)
    assert lines[0].startswith(f'  File "{program}", line ') and lines[0].endswith("in <module>")
    assert lines[1:] == last_lines  # the lesson's line as Python shows it, and nothing of numpy's


def test_anything_unexpected_in_the_collection_is_one_error_line_and_status_1(tmp_path):
    result = run_script("", str(SCRIPTS), "machine", cwd=tmp_path,
                        path=PROGRAMS / "lesson_with_a_mistake.py")
    line = one_line(result, status=1)
    printed("Error: …", line)
    assert line.startswith("Error: FileNotFoundError: ")


def test_a_model_that_beats_persistence_is_said_to(capsys):
    forecast_errors = scripts_module("lessonkit.forecast_errors")
    forecast_errors.compare_with_persistence((100.0, 10.0, 8.0), (384.8545, 19.6177, 14.7110),
                                             "600519")
    printed("On … data, by RMSE the model beats persistence (…).", capsys.readouterr().out)


def test_tensorflows_start_up_chatter_is_filtered_but_its_last_words_are_not():
    chatter = tensorflow_start.CHATTER
    assert chatter.match("WARNING: All log messages before absl::InitializeLog() is called are "
                         "written to STDERR")
    assert chatter.match("I0000 00:00:1795953222.173750    7900 port.cc:153] oneDNN custom operations")
    assert chatter.match("E0000 00:00:1795953226.252620 7900 cuda_platform.cc:52] failed call to cuInit")
    assert not chatter.match("F0000 00:00:1.0 cpu_feature_guard.cc:80] The TensorFlow library was "
                             "compiled to use AVX instructions, but these aren't available")
    assert not chatter.match("Illegal instruction (core dumped)")


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


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "cp1252", "ascii"])
def test_a_byte_order_mark_is_taken_off_however_the_console_decoded_it(encoding):
    typed = (b"\xef\xbb\xbf" + b"2").decode(encoding, "surrogateescape")
    assert prompt.without_byte_order_mark(typed, encoding) == "2"
    assert prompt.without_byte_order_mark("2", encoding) == "2"


@pytest.mark.parametrize("typed", ["\x04", "\x1a", " \x1a "])
def test_end_of_input_typed_as_a_character_ends_the_input(monkeypatch, typed):
    monkeypatch.setattr("builtins.input", lambda prompt: typed)  # Ctrl-D or Ctrl-Z on Windows
    with pytest.raises(EOFError):
        prompt.Answers().read("input the number of test alphabet:")


@posix_only  # an abort's status and the fds of a dying process, as on Linux and macOS
def test_tensorflows_last_words_before_it_aborts_reach_the_console_and_its_chatter_does_not():
    result = subprocess.run([sys.executable, str(PROGRAMS / "abort_during_start.py"), str(SCRIPTS)],
                            capture_output=True, encoding="utf-8", errors="replace", timeout=60)
    assert result.returncode != 0
    assert "compiled to use AVX instructions, but these aren't available" in result.stderr
    assert "Could not find cuda drivers" not in result.stderr


def test_a_replace_windows_refuses_for_a_moment_is_retried_until_it_succeeds(monkeypatch, tmp_path):
    files = scripts_module("lessonkit.files")
    windows = platforms.Facts(os="windows", environ={})
    attempts, real_replace = [], os.replace

    def held_twice(source, target):  # what Windows does while another program has the file open
        attempts.append(target)
        if len(attempts) <= 2:
            error = PermissionError(13, "The process cannot access the file")
            error.winerror = 32
            raise error
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", held_twice)
    (tmp_path / "new").write_text("new", encoding="utf-8")
    files.replace(str(tmp_path / "new"), str(tmp_path / "old"), facts=windows)
    assert len(attempts) == 3 and (tmp_path / "old").read_text(encoding="utf-8") == "new"


def test_a_file_a_reader_holds_open_all_along_costs_a_run_one_wait_not_one_per_write(monkeypatch,
                                                                                     tmp_path):
    files = scripts_module("lessonkit.files")
    windows = platforms.Facts(os="windows", environ={})
    attempts, real_replace, held = [], os.replace, [True]

    def held_open(source, target):  # HDFView, or h5py in a notebook, has the checkpoint open
        attempts.append(target)
        if held[0]:
            error = PermissionError(13, "The process cannot access the file")
            error.winerror = 32
            raise error
        real_replace(source, target)

    def tried(**how):
        attempts.clear()
        (tmp_path / "new").write_text("new", encoding="utf-8")
        try:
            files.replace(str(tmp_path / "new"), str(tmp_path / "old"), facts=windows, **how)
        except PermissionError:
            pass
        return len(attempts)

    monkeypatch.setattr(os, "replace", held_open)
    monkeypatch.setattr(files, "RETRY_SECONDS", 0.3)
    assert tried() > 1                     # the first write waits for the reader
    assert tried() == 1 and tried() == 1   # the writes after it do not
    assert tried(wait_again=True) > 1      # the run's last write waits again
    files.check_can_write(str(tmp_path / "old"))
    assert tried() > 1                     # and so does the next run's first
    held[0] = False
    assert tried() == 1 and (tmp_path / "old").read_text(encoding="utf-8") == "new"
    held[0] = True
    assert tried() > 1                     # the reader came back: a refusal is waited for again

    monkeypatch.setattr(platforms, "current", lambda: windows)
    for keep, waits in ((False, False), (True, True)):  # a periodic write; the run's last one
        attempts.clear()
        with pytest.raises(OSError):
            files.write_whole(str(tmp_path / "old"), lambda path: open(path, "wb").close(),
                              keep=keep)
        assert (attempts.count(str(tmp_path / "old")) > 1) is waits


@pytest.mark.parametrize("refused", [False, True])
def test_where_the_drive_can_be_asked_to_write_out_its_cache_it_is(monkeypatch, tmp_path, refused):
    fcntl = pytest.importorskip("fcntl", reason="F_FULLFSYNC is macOS's; Windows has no fcntl")
    files = scripts_module("lessonkit.files")
    asked, synced = [], []

    def full_fsync(fd, command):
        asked.append(command)
        if refused:  # a file system without it: a network drive, FAT, exFAT
            raise OSError(45, "Operation not supported")
        return 0

    monkeypatch.setattr(fcntl, "F_FULLFSYNC", 51, raising=False)  # its number on macOS
    monkeypatch.setattr(fcntl, "fcntl", full_fsync)
    monkeypatch.setattr(os, "fsync", synced.append)
    (tmp_path / "weights").write_bytes(b"w")
    files.flush_to_disk(str(tmp_path / "weights"))
    assert asked == [51] and len(synced) == (1 if refused else 0)
    monkeypatch.delattr(fcntl, "F_FULLFSYNC")  # Linux: fsync is what flushes the drive's cache
    files.flush_to_disk(str(tmp_path / "weights"))
    assert asked == [51] and len(synced) == (2 if refused else 1)
