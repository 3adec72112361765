"""Running the real scripts as a user would: a subprocess, a working directory, input on stdin.

What many tests need is trained once for the whole run, even when pytest-xdist spreads the
tests over several processes: each letter lesson's default training, a short stock training.
"""
import collections.abc
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import h5py
import pytest
from filelock import FileLock

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
PROGRAMS = Path(__file__).resolve().parent / "programs"
# Runs a script and describes each figure it saves in PNG.json (tests/programs/describe_figures.py).
OBSERVED = PROGRAMS / "describe_figures.py"
COURSE_FILE = SCRIPTS / "SH600519.csv"
RESUME_LINE = "-------------load the model-----------------"

class TrainingCycles(collections.abc.Mapping):
    """Each letter lesson: its training cycles (input -> the letter that should follow), taken
    from the lesson itself the first time they are asked for (benchmarks/headless.py)."""

    names = ("rnn_onehot_1pre1", "rnn_onehot_4pre1", "rnn_embedding_1pre1", "rnn_embedding_4pre1")

    def __init__(self):
        self.cycles = None
        self.shared_dir = None  # where pytest-xdist's workers share them (set by a fixture below)

    def __getitem__(self, lesson):
        if self.cycles is None:
            if self.shared_dir is None:
                self.cycles = self.read()
            else:  # read once for all workers, in a Python of its own
                _, self.cycles = trained_once(self.shared_dir, "training-cycles",
                                              lambda folder: self.read())
        return self.cycles[lesson]

    def read(self):
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from headless import training_cycles

        found = training_cycles(*(SCRIPTS / f"{name}.py" for name in self.names))
        return {Path(path).stem: cycles for path, cycles in found.items()}

    def __iter__(self):
        return iter(self.names)

    def __len__(self):
        return len(self.names)


LESSONS = TrainingCycles()

posix_only = pytest.mark.skipif(os.name != "posix", reason="needs POSIX signals, users or mounts")


def headless_env():
    """The environment of a lab server: no display, plots to files, unbuffered UTF-8 output."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "KERAS_BACKEND", "PYTHONSAFEPATH")}
    env.update(MPLBACKEND="Agg", PYTHONUNBUFFERED="1", PYTHONIOENCODING="utf-8")
    # Tests run in parallel, one per core: each TensorFlow keeps to one thread an operation.
    env.setdefault("TF_NUM_INTRAOP_THREADS", "1")
    return env


def run_script(script, *args, cwd, stdin="", timeout=600, env=None, wrapper=(), path=None, **popen):
    """Run scripts/<script>.py (or `path`) in `cwd` with `stdin` typed in (text, or bytes as they are).

    `env` adds to or overrides the headless environment; `wrapper` is a command that runs the
    script's command line. Output is decoded as UTF-8, with anything undecodable replaced.
    Returns the completed process; never a traceback.
    """
    result = subprocess.run(
        [*wrapper, sys.executable, str(path or SCRIPTS / f"{script}.py"), *args], cwd=cwd,
        input=stdin.encode() if isinstance(stdin, str) else stdin,
        capture_output=True, timeout=timeout, env={**headless_env(), **(env or {})}, **popen)
    result.stdout = text_of(result.stdout)
    result.stderr = text_of(result.stderr)
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    return result


def text_of(output):
    """A script's output as text: UTF-8, anything undecodable replaced, Windows's \\r\\n as \\n."""
    return output.decode("utf-8", errors="replace").replace("\r\n", "\n")


def start_script(script, *args, cwd, env=None, **popen):
    """Start scripts/<script>.py and return the running process, its stdout piped.

    Its stderr is read as it comes (a pipe nobody reads could fill and stop the script) and
    handed back by finish(); a run that outlives ten minutes is killed, so a test cannot hang.
    """
    process = subprocess.Popen([sys.executable, str(SCRIPTS / f"{script}.py"), *args], cwd=cwd,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**headless_env(), **(env or {})}, **popen)
    process.stderr_chunks = []
    process.stderr_reader = threading.Thread(
        target=lambda: process.stderr_chunks.extend(iter(process.stderr.readline, b"")), daemon=True)
    process.stderr_reader.start()
    watchdog = threading.Timer(600, process.kill)
    watchdog.daemon = True
    watchdog.start()
    return process


def finish(process, timeout=120):
    """Wait for a started script to end: (its remaining stdout, its whole stderr), as text.

    A script still running after `timeout` seconds is killed, and the test fails saying so.
    """
    rest = []
    if not process.stdout.closed:
        reader = threading.Thread(target=lambda: rest.append(process.stdout.read()), daemon=True)
        reader.start()
        reader.join(timeout)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    process.stderr_reader.join(timeout=timeout)
    return text_of(b"".join(rest)), text_of(b"".join(process.stderr_chunks))


def read_until(process, marker, seen=b""):
    """Read the process's stdout until `marker` has appeared; returns all read."""
    while marker not in seen:
        chunk = process.stdout.read1(4096) if hasattr(process.stdout, "read1") else process.stdout.read(1)
        assert chunk, seen[-2000:]
        seen += chunk
    return seen


def one_line(result, status=2):
    """The one line a refused run printed on stderr, after checking it is one, with `status`."""
    assert result.returncode == status, (result.returncode, result.stderr)
    lines = [line for line in result.stderr.splitlines()
             if line.strip() and not line.startswith("Warning:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def scripts_module(name):
    """Import scripts/<name>.py (or lessonkit.<name>) into the test process."""
    if str(SCRIPTS) not in sys.path:
        sys.path.insert(0, str(SCRIPTS))
    return importlib.import_module(name)


def lesson_started(lesson, cwd, argv, monkeypatch, script=None):
    """This process as `lesson` started with `argv` in `cwd` (`script`: its path as the command
    gave it, default scripts/LESSON.py): the flags checkpoint_to_load reads."""
    import argparse

    monkeypatch.chdir(cwd)
    monkeypatch.setattr(sys, "argv", [str(script or SCRIPTS / f"{lesson}.py"), *argv])
    return argparse.Namespace(epochs=int(argv[argv.index("--epochs") + 1]) if "--epochs" in argv else 100,
                              fresh="--fresh" in argv, name=lesson)


def checkpoint_refusal(lesson, cwd, *argv, monkeypatch, capsys, script=None):
    """The one line (status 2) with which the lesson's checkpoint check, run in this process as
    `checkpoint_to_load` runs it for `lesson` started with `argv` in `cwd`, ends the run."""
    checkpoints, exits = scripts_module("lessonkit.checkpoints"), scripts_module("lessonkit.exits")
    args = lesson_started(lesson, cwd, argv, monkeypatch, script)
    with pytest.raises(exits.Ending) as ended:
        checkpoints.check_checkpoint(f"./checkpoint/{lesson}.weights.h5", args)
    assert ended.value.status == 2
    assert capsys.readouterr().err.strip() == ended.value.message.strip()  # that line alone
    return ended.value.message.strip()


def recorded_model(path):
    """The model a checkpoint's record describes, built and compiled as the lesson built it."""
    import keras

    with h5py.File(path, "r") as f:
        recorded = f.attrs["model"]
    model = keras.models.model_from_json(recorded)
    model.compile_from_config(json.loads(recorded)["compile_config"])
    return model


def checkpoint_decision(lesson, cwd, *argv, monkeypatch, model=None):
    """What the lesson's checkpoint_to_load decides, run in this process for `lesson` started with
    `argv` in `cwd`, for `model` (default: a small model of five letters, what a checkpoint it
    refuses before comparing models needs): True or False, or the lesson's Ending."""
    import keras

    args = lesson_started(lesson, cwd, argv, monkeypatch)
    if model is None:
        model = keras.Sequential([keras.Input((1, 5)), keras.layers.SimpleRNN(3),
                                  keras.layers.Dense(5, activation="softmax")])
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    return scripts_module("lessonkit.checkpoints").checkpoint_to_load(
        model, f"./checkpoint/{lesson}.weights.h5", args)


def lesson_facts(script, path=None):
    """What a lesson file says of itself, read from its source (a lesson runs when imported):
    its docstring, its letters and time steps (letter lessons), its default epochs."""
    import ast

    source = Path(path or SCRIPTS / f"{script}.py").read_text(encoding="utf-8")
    facts = {"doc": ast.get_docstring(ast.parse(source), clean=False)}
    for key, pattern in (("input_word", r'^input_word = "(\w+)"'),
                         ("time_steps", r"^x_train = np\.reshape\(x_train, \(len\(x_train\), (\d+)"),
                         ("epochs", r"_flags\(__doc__, epochs=(\d+)")):
        found = re.search(pattern, source, flags=re.M)
        if found:
            facts[key] = int(found.group(1)) if found.group(1).isdigit() else found.group(1)
    return facts


def parser_of(script, path=None):
    """The argument parser a script (or the lesson at `path`) builds, made without running it."""
    flags = scripts_module("lessonkit.flags")
    if script == "rnn_forward_by_hand":
        return scripts_module("lessonkit.by_hand").by_hand_parser("")
    if script == "get_stock_data":
        return scripts_module("get_stock_data").parser
    facts = lesson_facts(script, path)
    if script.startswith("stock_"):
        return flags.stock_parser(facts["doc"], facts["epochs"])
    return flags.letter_parser(facts["doc"], facts["epochs"])


def figure_of(png):
    """What a saved picture shows, as tests/programs/describe_figures.py described it."""
    return json.loads(Path(str(png) + ".json").read_text(encoding="utf-8"))


def help_of(text):
    """{flag: its help text, in one line} from a --help output."""
    entries = re.split(r"\n  (?=-)", " ".join(text.split("options:")[1].split("\n\n")[0:1]))
    return {entry.split()[0].rstrip(","): " ".join(entry.split()) for entry in entries if entry.strip()}


def checkpoint_of(cwd, lesson):
    return Path(cwd) / "checkpoint" / f"{lesson}.weights.h5"


def checkpoint_arrays(path):
    """Every model array stored in a Keras 3 .weights.h5 file (the optimizer's left out)."""
    arrays = []
    with h5py.File(path, "r") as f:
        f["layers"].visititems(
            lambda name, obj: arrays.append(obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return arrays


def epoch_losses(stdout):
    """The loss of each epoch a run reported (Keras's bar, or a few plain lines), in order."""
    return [float(x) for x in re.findall(r" - loss: ([0-9.e+-]+)", stdout)]


def epoch_accuracies(stdout):
    return [float(x) for x in re.findall(r"sparse_categorical_accuracy: ([0-9.e+-]+)", stdout)]


# ## Prices

def price_table(rows, seed=0):
    """A random-walk price table in the layout of the course's file."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    close = 50 * np.exp(np.cumsum(rng.normal(0.001, 0.02, rows)))
    return pd.DataFrame({
        "date": pd.bdate_range("2015-01-05", periods=rows).strftime("%Y-%m-%d"),
        "open": (close * np.exp(rng.normal(0, 0.005, rows))).round(3), "close": close.round(3),
        "high": (close * 1.01).round(3), "low": (close * 0.99).round(3),
        "volume": rng.integers(1000, 9000, rows), "code": 600519,
    })


def tushare_pro(table, path):
    """What tushare's current API (pro.daily) returns: dates as 20200424, newest first."""
    import pandas as pd

    pro = pd.DataFrame({
        "ts_code": "600519.SH", "trade_date": table["date"].str.replace("-", ""),
        "open": table["open"], "high": table["high"], "low": table["low"], "close": table["close"],
        "pre_close": table["close"].shift(1), "change": 0.0, "pct_chg": 0.0,
        "vol": table["volume"], "amount": 0.0})
    pro.iloc[::-1].to_csv(path, index=False)


def messy_prices():
    """420 days of other prices, oldest first, with two impossible opening prices (0 and -5, on
    rows 10 and 20) and two dates twice (rows 30 and 31): (the table, the rows as they are meant)."""
    import pandas as pd

    table = price_table(420, seed=3)
    table.loc[10, "open"] = 0
    table.loc[20, "open"] = -5
    messy = pd.concat([table, table.iloc[[30, 31]]]).sort_values("date", kind="stable")
    return messy, table.drop(index=[10, 20])


# A row of the stock lessons' error table: name, MSE, RMSE, MAE.
TABLE_ROW = r"^{name}\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)$"


def table_row(stdout, name):
    """[MSE, RMSE, MAE] of a row of the error table a stock lesson printed."""
    found = re.search(TABLE_ROW.format(name=name), stdout, flags=re.M)
    assert found, stdout[-2000:]
    return [float(x) for x in found.groups()]


def persistence_errors(opens, test_days=300, time_steps=60):
    """[MSE, RMSE, MAE] of persistence over the lesson's test days, computed here with NumPy."""
    import numpy as np

    test = np.asarray(opens, dtype=float)[-test_days:]
    error = test[time_steps:] - test[time_steps - 1:-1]
    return [np.mean(error ** 2), np.sqrt(np.mean(error ** 2)), np.mean(np.abs(error))]


# ## What many tests share: trained once per test run

@pytest.fixture(scope="session")
def shared_dir(tmp_path_factory, worker_id):
    """A folder all of pytest-xdist's workers see (this session's own when there are none)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if worker_id != "master" else base


@pytest.fixture(scope="session", autouse=True)
def training_cycles_shared(shared_dir):
    """LESSONS reads the lessons' training cycles once for all workers."""
    LESSONS.shared_dir = shared_dir


def trained_once(shared_dir, name, make):
    """Run make(folder) once for all workers; returns (folder, what make returned, as JSON)."""
    folder = shared_dir / f"shared-{name}"
    with FileLock(str(shared_dir / f"shared-{name}.lock")):
        done = folder / "result.json"
        if not done.exists():
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir()
            result = make(folder)
            done.write_text(json.dumps(result), encoding="utf-8")
    return folder, json.loads(done.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def trained(shared_dir):
    """Train each lesson once with its defaults, answering every training cycle at the prompt.

    Returns a function lesson -> (its working directory, its stdout). Tests that change files
    work on a copy (see `copy_of`). The run ends with a line `imported: [...]`, naming which of
    Keras's optional packages it imported (tests/programs/describe_figures.py).
    """
    def get(lesson):
        def make(folder):
            cycles = LESSONS[lesson]
            stdin = f"{len(cycles)}\n" + "".join(f"{word}\n" for word in cycles)
            result = run_script(lesson, str(SCRIPTS / f"{lesson}.py"), cwd=folder, stdin=stdin,
                                path=OBSERVED)
            assert result.returncode == 0, result.stderr
            return {"stdout": result.stdout, "stderr": result.stderr}

        folder, result = trained_once(shared_dir, lesson, make)
        return folder, result["stdout"]

    return get


@pytest.fixture(scope="session")
def by_hand_runs(trained, shared_dir):
    """The by-hand pass run once per (lesson, letters) on the lesson's default training, as a user
    runs it: (lesson, word) -> (its working directory, its stdout). Its picture is described.
    Without a word it is given nothing at all: the lecture's example, rnn_onehot_4pre1 and bcde,
    on a console that cannot show Chinese (cp1252, a Windows console's in western Europe)."""
    def get(lesson, word=None):
        def make(folder):
            source, _ = trained(lesson)
            shutil.copytree(source, folder, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("result.json"))
            result = run_script("", str(SCRIPTS / "rnn_forward_by_hand.py"),
                                *((lesson, word) if word else ()), cwd=folder, path=OBSERVED,
                                env=None if word else {"PYTHONIOENCODING": "cp1252"})
            assert result.returncode == 0, result.stderr
            return {"stdout": result.stdout}

        assert word or lesson == "rnn_onehot_4pre1", "given nothing, the pass takes rnn_onehot_4pre1"
        folder, result = trained_once(shared_dir, f"by-hand-{lesson}-{word or 'nothing'}", make)
        return folder, result["stdout"]

    return get


@pytest.fixture
def copy_of(trained, tmp_path):
    """A fresh working directory holding what a lesson's default run left behind."""
    def make(lesson):
        source, _ = trained(lesson)
        target = tmp_path / lesson
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("result.json"))
        return target

    return make


@pytest.fixture(scope="session")
def resumed_runs(trained, shared_dir):
    """Each lesson resumed from its default training for 5 more epochs, once per test run, as a lab
    server runs it: no display, matplotlib left to choose its backend and Python its console's
    encoding (MPLBACKEND and PYTHONIOENCODING empty: a pipe's, cp1252 or cp936 on Windows), and
    KERAS_BACKEND set for another framework.

    Before it, the curves of the default training are removed, and partial files are left as runs
    killed while writing leave them: of this lesson, two hours old (a checkpoint and a picture)
    and a moment old (a run still writing it), of another lesson, two hours old. Returns
    lesson -> (its working directory, its stdout, {what each partial file is: its path}); its
    pictures are described.
    """
    def get(lesson):
        def make(folder):
            source, _ = trained(lesson)
            shutil.copytree(source, folder, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("result.json"))
            (folder / f"{lesson}_curves.png").unlink()
            other = next(name for name in LESSONS if name != lesson)
            partial = {
                "stale": Path("checkpoint") / f"{lesson}.partial-101.weights.h5",
                "fresh": Path("checkpoint") / f"{lesson}.partial-102.weights.h5",
                "other lesson's": Path("checkpoint") / f"{other}.partial-103.weights.h5",
                "stale picture": Path(f"{lesson}_curves.partial-104.png")}
            two_hours_ago = time.time() - 7200
            for what, path in partial.items():
                (folder / path).write_bytes(b"half a file")
                if what != "fresh":
                    os.utime(folder / path, (two_hours_ago, two_hours_ago))
            result = run_script("", str(SCRIPTS / f"{lesson}.py"), "--epochs", "5", "--predict",
                                next(iter(LESSONS[lesson])), cwd=folder, path=OBSERVED,
                                env={"MPLBACKEND": "", "PYTHONIOENCODING": "", "KERAS_BACKEND": "torch"})
            assert result.returncode == 0, result.stderr
            return {"stdout": result.stdout, "stderr": result.stderr,
                    "partial": {k: str(v) for k, v in partial.items()}}

        folder, result = trained_once(shared_dir, f"resumed-{lesson}", make)
        return folder, result["stdout"], {k: folder / v for k, v in result["partial"].items()}

    return get


# What predicted_runs types at rnn_onehot_4pre1's prompts before its training cycles: answers
# that are no count (the last 5000 digits, too long for int(); then one of a million), then a
# count one more than the cycles, then words it cannot take. The input then ends.
BAD_COUNTS = ["three", "2.5", "", "7" * 5000, "7" * 1_000_000 + "x"]
BAD_WORDS = ["", "abc", "abcz", "ａｂｃｄ", "ab1d", "abcde", "z" * 1_000_000]


@pytest.fixture(scope="session")
def predicted_runs(trained, shared_dir):
    """A letter lesson run once with --epochs 0 --generate 12 --probs on a copy of its default
    training: lesson -> (its working directory, its stdout). rnn_onehot_4pre1 is typed its cycles
    at the prompt, after bad answers (BAD_COUNTS, BAD_WORDS), and the input ends before the
    count it was given; rnn_onehot_1pre1 is typed them on an ASCII console, after answers it
    cannot decode; the others are given them with --predict, then qwer and wxyz. The copy keeps the times its files
    were written at (shutil.copytree), so what the run rewrote shows beside `trained(lesson)[0]`."""
    def get(lesson):
        def make(folder):
            source, _ = trained(lesson)
            shutil.copytree(source, folder, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("result.json"))
            words, env = list(LESSONS[lesson]), None
            if lesson == "rnn_onehot_4pre1":
                given = []
                typed = "".join(f"{line}\n" for line in [*BAD_COUNTS, len(words) + 1, *BAD_WORDS,
                                                          f" {words[0].upper()} ", *words[1:]])
            elif lesson == "rnn_onehot_1pre1":
                given, env = [], {"PYTHONIOENCODING": "ascii"}
                typed = b"\xff\xfe\n" + f"{len(words)}\n".encode() + b"\xc3\xa9\n" + "".join(
                    f"{word}\n" for word in words).encode()
            else:  # and two words that are not cycles: one it never saw, one past the end
                given, typed = ["--predict", *words, "qwer", "wxyz"], ""
            result = run_script(lesson, "--epochs", "0", *given, "--generate", "12", "--probs",
                                cwd=folder, stdin=typed, env=env)
            assert result.returncode == 0, result.stderr
            return {"stdout": result.stdout}

        folder, result = trained_once(shared_dir, f"predicted-{lesson}", make)
        return folder, result["stdout"]

    return get


def stock_run_name(script):
    """What a stock lesson calls its run on stock_runs' prices: a file of its own, not the course's."""
    return f"{script}_SH600519"


@pytest.fixture(scope="session")
def stock_runs(shared_dir):
    """Each stock script run once, 2 epochs, on a 400-day SH600519.csv of other prices in its
    working directory, as the lecture reads it: script -> (directory, stdout). The runs are named
    for their file (stock_run_name)."""
    def get(script):
        def make(folder):
            price_table(400).to_csv(folder / "SH600519.csv")
            result = run_script(script, str(SCRIPTS / f"{script}.py"), "--epochs", "2",
                                cwd=folder, path=OBSERVED)
            assert result.returncode == 0, result.stderr
            return {"stdout": result.stdout, "stderr": result.stderr}

        folder, result = trained_once(shared_dir, script, make)
        return folder, result["stdout"]

    return get


@pytest.fixture(scope="session")
def stock_by_hand(stock_runs, shared_dir):
    """The by-hand pass run once on a stock run's checkpoint, in a copy of its folder (its
    SH600519.csv there), for a test day (None: the pass's default, the last): (script, day) ->
    (its working directory, its stdout, its stderr). Its picture is described."""
    def get(script, day=None):
        def make(folder):
            source, _ = stock_runs(script)
            shutil.copytree(source, folder, dirs_exist_ok=True, ignore=shutil.ignore_patterns("result.json"))
            result = run_script("", str(SCRIPTS / "rnn_forward_by_hand.py"), script,
                                *(["--day", str(day)] if day else []), cwd=folder, path=OBSERVED)
            return {"stdout": result.stdout, "stderr": result.stderr, "status": result.returncode}

        folder, result = trained_once(shared_dir, f"by-hand-{script}-{day}", make)
        assert result["status"] == 0, result["stderr"]
        return folder, result["stdout"], result["stderr"]

    return get


@pytest.fixture(scope="session")
def messy_file_run(stock_runs, shared_dir):
    """stock_rnn --csv prices.csv --epochs 1 --no-show, once, where the course's checkpoint
    (checkpoint/stock_rnn.weights.h5, here the stock_rnn run's) lies: prices.csv holds other
    prices (messy_prices()), as tushare's Pro API writes them, newest first. Returns (its working
    directory, its stdout, its stderr, the course checkpoint's bytes before the run)."""
    def make(folder):
        source, _ = stock_runs("stock_rnn")
        (folder / "checkpoint").mkdir()
        course = folder / "checkpoint" / "stock_rnn.weights.h5"
        shutil.copyfile(source / "checkpoint" / f"{stock_run_name('stock_rnn')}.weights.h5", course)
        tushare_pro(messy_prices()[0], folder / "prices.csv")
        result = run_script("stock_rnn", "--csv", "prices.csv", "--epochs", "1", "--no-show",
                            cwd=folder)
        assert result.returncode == 0, result.stderr
        return {"stdout": result.stdout, "stderr": result.stderr}

    folder, result = trained_once(shared_dir, "messy-file", make)
    return folder, result["stdout"], result["stderr"]


@pytest.fixture(scope="session")
def pycharm_run(shared_dir):
    """rnn_embedding_4pre1 run once as PyCharm's Run button runs it on a desktop, from a copy of
    scripts/ (the script's own folder, PYCHARM_HOSTED set, a display whose windows the run says it
    opens, and Keras told by its keras.json to use JAX), with the parameters --epochs 3 --predict
    ABCD --predict " wxyz" and a line on stdin it must not read: (that scripts/ folder, its
    stdout, the files it wrote there)."""
    def make(folder):
        scripts = folder / "scripts"
        shutil.copytree(SCRIPTS, scripts, ignore=shutil.ignore_patterns("__pycache__", "checkpoint"))
        home = folder / "keras-home"
        home.mkdir()
        (home / "keras.json").write_text(json.dumps({"backend": "jax", "floatx": "float32", "epsilon": 1e-07,
                                                     "image_data_format": "channels_last"}), encoding="utf-8")
        before = set(scripts.rglob("*"))
        result = run_script("", "--epochs", "3", "--predict", "ABCD", "--predict", " wxyz",
                            cwd=scripts, path=scripts / "rnn_embedding_4pre1.py",
                            env={"PYCHARM_HOSTED": "1", "DISPLAY": ":0", "KERAS_HOME": str(home),
                                 "MPLBACKEND": "module://recording_backend", "PYTHONPATH": str(PROGRAMS)},
                            stdin="this would be a bad answer\n")
        assert result.returncode == 0, result.stderr
        written = sorted(str(path.relative_to(scripts)).replace(os.sep, "/")
                         for path in scripts.rglob("*") if path.is_file() and path not in before
                         and "__pycache__" not in path.parts)
        return {"stdout": result.stdout, "written": written}

    folder, result = trained_once(shared_dir, "pycharm", make)
    return folder / "scripts", result["stdout"], result["written"]


# ## The order the tests run in

# With --dist worksteal each worker starts on its own contiguous share of the tests and takes
# half of another's remaining ones when it runs out. So what runs longest goes first, where it
# cannot end a run on one core while the other has nothing left: the notebooks (one fixture of
# about a minute), then the files with the longest tests, those that read the stock runs
# together (so that one worker trains them while the other works on something else); the tests
# that call functions in this process, a fraction of a second each, go last. Otherwise the
# order is pytest's.
FIRST = ("test_notebooks.py", "test_benchmarks.py", "test_stock.py", "test_pictures.py",
         "test_price_files.py", "test_checkpoints.py", "test_student_edits.py", "test_by_hand.py")
LAST = ("test_decisions.py", "test_readmes.py", "test_stock_scaling.py", "test_lessons.py", "test_encodings.py")


def pytest_collection_modifyitems(config, items):
    def rank(item):
        name = item.path.name
        if name in FIRST:
            return FIRST.index(name)
        return len(FIRST) + 1 + LAST.index(name) if name in LAST else len(FIRST)

    items.sort(key=rank)  # stable: within a rank, the order pytest collected them in


@pytest.fixture(scope="session")
def window_run(shared_dir):
    """stock_rnn --scaling window --epochs 3 --no-show, run once from the folder of a copy of the
    collection, as `python scripts/stock_rnn.py` (so on the course's prices, beside the scripts):
    (its working directory, its stdout). What a teacher trained in the real one stays out."""
    def make(folder):
        shutil.copytree(SCRIPTS, folder / "scripts", ignore=shutil.ignore_patterns(
            "__pycache__", "checkpoint", "*.png", "*_weights.txt"))
        result = run_script("", "--scaling", "window", "--epochs", "3", "--no-show", cwd=folder,
                            path=folder / "scripts" / "stock_rnn.py")
        assert result.returncode == 0, result.stderr
        return {"stdout": result.stdout}

    folder, result = trained_once(shared_dir, "window-scaling", make)
    return folder, result["stdout"]


# ## The messages the READMEs and docs/ quote

# The table of every message a script prints, and what to do (docs/messages.md is its English twin).
README_MESSAGES = ROOT / "docs" / "messages.zh-CN.md"


def quoted_messages(path=README_MESSAGES):
    """The messages the Chinese messages table explains: the first cell of each row, in backticks."""
    messages = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = line.split("|")
        if line.startswith("|") and len(cells) > 2 and "`" in cells[1]:
            messages += re.findall(r"`([^`]+)`", cells[1])
    return messages


PLACEHOLDERS = {"…": ".*", "X": r"\S+", "N": r"-?[0-9]+", "LESSON": r"\w+", "CODE": r"\w+"}


def message_pattern(quote):
    """A quoted message as a regular expression: X a path, N a number, LESSON a name, … anything."""
    parts = re.split(r"(…|\bX\b|\bN\b|\bLESSON\b|\bCODE\b)", quote)
    return re.compile("".join(PLACEHOLDERS[part] if i % 2 else re.escape(part)
                              for i, part in enumerate(parts)))


PROMPTS = re.compile(r"(input the number of test alphabet:|input test alphabet:)")


def printed(quote, *outputs):
    """Assert that the messages table (docs/messages.zh-CN.md) quotes `quote` and that a whole line
    of `outputs` is that message.

    A line is taken apart where a prompt ends, as answers follow the prompts on one line.
    """
    assert quote in quoted_messages(), f"{README_MESSAGES.name} no longer quotes {quote!r}"
    pattern = message_pattern(quote)
    lines = [part.strip() for output in outputs for line in output.splitlines()
             for part in PROMPTS.split(line)]
    assert any(pattern.fullmatch(line) for line in lines), (quote, "\n".join(lines)[-3000:])
    record = os.environ.get(PRINTED_RECORD)
    if record:  # seen printed: for the check at the end of the whole suite (pytest_sessionfinish)
        with open(os.path.join(record, f"printed-{os.getpid()}.txt"), "a", encoding="utf-8") as f:
            f.write(json.dumps(quote) + "\n")


# ## Every message the READMEs explain was seen printed by a real run

PRINTED_RECORD = "LESSON_TESTS_PRINTED"  # where printed() notes each message it saw


def pytest_configure(config):
    if not hasattr(config, "workerinput"):  # the controller: its workers inherit the folder
        import tempfile

        os.environ[PRINTED_RECORD] = tempfile.mkdtemp(prefix="printed-")


def whole_suite(config):
    """Whether this run runs every test: no selection by name, mark or last failures."""
    return (not config.getoption("keyword") and not config.getoption("markexpr")
            and not config.getoption("lf", False)
            and all(Path(arg).is_dir() for arg in config.args))


def pytest_sessionfinish(session, exitstatus):
    """After the whole suite: a message the READMEs explain that no run was seen printing fails it."""
    config = session.config
    record = os.environ.get(PRINTED_RECORD)
    if (hasattr(config, "workerinput") or not record or not whole_suite(config)
            or config.option.collectonly):  # nothing ran: nothing could be seen
        return
    seen = set()
    for path in Path(record).glob("printed-*.txt"):
        seen |= {json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()}
    shutil.rmtree(record, ignore_errors=True)
    unseen = [quote for quote in quoted_messages() if quote not in seen]
    if unseen and exitstatus == 0:
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        reporter.write_line(f"FAILED: the READMEs explain messages no test saw printed: {unseen}",
                            red=True)
        session.exitstatus = 1


def suggested_command(line, after):
    """The command a message suggests after `after`, as the user's shell splits it into words."""
    import shlex

    assert after in line, line
    command = line.split(after, 1)[1].rstrip(".")
    if os.name == "nt":  # cmd.exe and PowerShell: double quotes, backslashes as they are
        return [word.strip('"') for word in re.findall(r'"[^"]*"|\S+', command)]
    return shlex.split(command)


def assert_works_here(words, cwd):
    """A suggested `python SCRIPT ...` names a Python there is and a script that is there."""
    assert shutil.which(words[0]) or Path(words[0]).exists(), words
    assert (Path(cwd) / words[1]).is_file(), (words, cwd)
