"""The lessons in a real Jupyter kernel, as a teacher runs them on Colab or JupyterHub: %run and !python,
and cell by cell, as a notebook made from a lesson with jupytext runs them.

One notebook, executed once by nbclient with no display and no input (as nbconvert and
papermill run one), holds every cell the tests read; each test checks the outputs of its cells.
Each notebook is executed once for the whole run, whichever of pytest-xdist's workers asks first
(conftest.trained_once), and its outputs are shared.
"""
import json
import os
import re
import shutil
import subprocess
import sys

import h5py
import pytest

from conftest import LESSONS, SCRIPTS, headless_env, posix_only, price_table, printed, trained_once

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

LESSON = f"{SCRIPTS / 'rnn_onehot_1pre1.py'}"

# name -> the cell's source. The order is the order a teacher would go in.
# What a lesson may change in a kernel, read before and after it runs.
STATE = """
import json, os, signal, sys, warnings
def kernel_state():
    return {"environ": dict(os.environ), "filters": [repr(f) for f in warnings.filters],
            "masked": sorted(name for name, module in sys.modules.items() if module is None),
            "signals": {str(s): repr(signal.getsignal(s)) for s in (signal.SIGINT, signal.SIGTERM)},
            "hooks": [repr(sys.excepthook), repr(sys.unraisablehook), repr(sys.displayhook)],
            "meta_path": [repr(finder) for finder in sys.meta_path]}
"""

CELLS = {
    "backend before": "import matplotlib\nprint(matplotlib.get_backend())",
    "state before": STATE + "before = kernel_state()",
    "first run": f"%run {LESSON} --epochs 3 --predict a b",
    "state after": "after = kernel_state()\n"
                   "print(json.dumps({'before': before, 'after': after}))",
    "the lesson's names": "print(type(model).__name__, history.epoch, x_train.shape, args.name, "
                          "tf.config.threading.get_intra_op_parallelism_threads())",
    "keras's extras still work": (
        "import numpy as np, pandas as pd, keras\n"
        "from keras.wrappers import SKLearnClassifier\n"
        "def small(X, y):\n"
        "    m = keras.Sequential([keras.Input((X.shape[1],)), keras.layers.Dense(2, activation='softmax')])\n"
        "    m.compile(loss='categorical_crossentropy')\n"
        "    return m\n"
        "X, y = np.random.rand(20, 3), np.arange(20) % 2\n"
        "clf = SKLearnClassifier(model=small, fit_kwargs={'epochs': 1, 'verbose': 0})\n"
        "clf.fit(X, y)\n"
        "m = small(X, y); m.compile(loss='sparse_categorical_crossentropy')\n"
        "m.fit(pd.DataFrame(X), pd.Series(y), epochs=1, verbose=0)\n"
        "print('extras work')"),
    "backend after": "print(matplotlib.get_backend())",
    "a plot of the student's own": "import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])\nplt.show()",
    "second run": f"%run {LESSON} --epochs 1 --predict a\n"
                  "print(open('rnn_onehot_1pre1_weights.txt', encoding='utf-8').read().split(chr(10))[0])",
    "refused flag": f"%run {LESSON} --epochs x",
    "nothing to predict with": f"%run {LESSON} --epochs 0 --fresh",
    "bad word": f"%run {LESSON} --epochs 0 --predict z9",
    "prompt without input": f"%run {LESSON} --epochs 0",
    # prices.csv: 400 days the notebook's folder holds (a short file: a short epoch)
    "stock lesson": f"%run {SCRIPTS / 'stock_rnn.py'} --csv prices.csv --epochs 1",
    "stock lesson, no show": f"%run {SCRIPTS / 'stock_rnn.py'} --csv prices.csv --epochs 0 --no-show",
    "by hand": f"%run {SCRIPTS / 'rnn_forward_by_hand.py'} rnn_onehot_1pre1 a",
    "by hand, untrained": f"%run {SCRIPTS / 'rnn_forward_by_hand.py'} rnn_embedding_4pre1",
    # The kernel's stop button: Jupyter sends the kernel SIGINT (on POSIX systems).
    "stop button": ("import signal, threading\n"
                    "threading.Timer(3, signal.raise_signal, (signal.SIGINT,)).start()\n"
                    f"%run {SCRIPTS / 'rnn_embedding_1pre1.py'} --epochs 100000"
                    if os.name == "posix" else "pass"),
    "after the stop": "import os\nprint('the kernel goes on; the checkpoint is there:', "
                      "os.path.isfile('checkpoint/rnn_embedding_1pre1.weights.h5'))",
}


def kernel_env():
    """Colab's and JupyterHub's kernels have no display: the pictures can only be shown inline."""
    return {k: v for k, v in os.environ.items()
            if k not in ("DISPLAY", "WAYLAND_DISPLAY", "MPLBACKEND", "KERAS_BACKEND")}


@pytest.fixture(scope="session")
def notebook(shared_dir):
    """{cell name: its outputs} of the notebook, executed in a working directory of its own."""
    def make(cwd):
        price_table(400).to_csv(cwd / "prices.csv")
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)
                                             for source in CELLS.values()])
        client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                                         resources={"metadata": {"path": str(cwd)}})
        client.execute(env=kernel_env())
        return [cell.outputs for cell in nb.cells]

    _, outputs = trained_once(shared_dir, "notebook", make)
    return dict(zip(CELLS, (nbformat.from_dict(cell) for cell in outputs)))


def text(outputs, stream=None):
    return "".join(o.get("text", "") for o in outputs
                   if o.output_type == "stream" and stream in (None, o.name))


def pictures(outputs):
    return [o for o in outputs if o.output_type == "display_data" and "image/png" in o.data]


def errors(outputs):
    return [o for o in outputs if o.output_type == "error"]


def tensorflows_own_changes():
    """What importing TensorFlow (with Keras and pyplot) changes by itself, in a fresh Python."""
    probe = ("import json, os, warnings\n"
             "environ, filters = dict(os.environ), [repr(f) for f in warnings.filters]\n"
             "import tensorflow, keras, matplotlib.pyplot\n"
             "print(json.dumps({'environ': sorted(k for k in set(os.environ) | set(environ)\n"
             "                                    if os.environ.get(k) != environ.get(k)),\n"
             "                  'filters': [repr(f) for f in warnings.filters if repr(f) not in filters]}))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, timeout=300,
                            env={**headless_env(), "TF_CPP_MIN_LOG_LEVEL": "3"})
    return json.loads(result.stdout.decode("utf-8").strip().splitlines()[-1])


def test_a_lesson_leaves_the_kernel_as_it_found_it_but_for_its_names(notebook):
    state = json.loads(text(notebook["state after"], "stdout"))
    before, after = state["before"], state["after"]
    own = tensorflows_own_changes()
    changed = sorted(k for k in set(before["environ"]) | set(after["environ"])
                     if before["environ"].get(k) != after["environ"].get(k))
    assert set(changed) <= set(own["environ"]), changed  # no TF_CPP_MIN_LOG_LEVEL, KERAS_BACKEND
    added = [f for f in after["filters"] if f not in before["filters"]]
    assert set(added) <= set(own["filters"]), added
    assert after["masked"] == before["masked"] == []  # no package marked absent for Keras
    assert after["signals"] == before["signals"]
    assert after["hooks"] == before["hooks"]
    assert not [f for f in after["meta_path"] if "QuietStart" in f]  # the quiet start is gone
    assert [f for f in before["meta_path"] if f not in after["meta_path"]] == []


def test_the_lessons_names_are_there_for_the_next_cell(notebook):
    line = text(notebook["the lesson's names"], "stdout").strip()
    assert line == "Sequential [0, 1, 2] (5, 1, 5) rnn_onehot_1pre1 0"  # the kernel's threads too


def test_keras_extras_work_after_a_lesson(notebook):
    outputs = notebook["keras's extras still work"]
    assert not errors(outputs), errors(outputs)
    assert text(outputs, "stdout").strip().endswith("extras work")


def test_training_in_a_kernel_prints_plain_lines_without_backspaces(notebook):
    out = text(notebook["first run"])
    assert "\b" not in json.dumps([o for name in CELLS for o in notebook[name]]).replace("\\b", "")
    assert re.findall(r"^Epoch (\d)/3 - [0-9.]+s - loss: ", out, flags=re.M) == ["1", "2", "3"]


def test_the_curves_appear_under_the_cell_and_are_saved(notebook):
    outputs = notebook["first run"]
    assert len(pictures(outputs)) == 1
    assert "Plot saved to rnn_onehot_1pre1_curves.png" in text(outputs, "stdout")
    assert re.findall(r"^([ab])->[a-e]$", text(outputs, "stdout"), flags=re.M) == ["a", "b"]


def test_the_notebooks_backend_is_left_as_it_was_and_its_own_plots_still_show(notebook):
    before = text(notebook["backend before"]).strip()
    assert before == text(notebook["backend after"]).strip()
    assert "inline" in before
    assert len(pictures(notebook["a plot of the student's own"])) == 1


def test_a_second_run_in_the_same_kernel_names_layers_as_the_first(notebook):
    outputs = notebook["second run"]
    assert "-------------load the model-----------------" in text(outputs, "stdout")
    assert text(outputs, "stdout").rstrip().splitlines()[-1] == (
        "sequential/simple_rnn/simple_rnn_cell/kernel")


@pytest.mark.parametrize("cell, quote", [
    ("refused flag", "… error: argument …"),
    ("nothing to predict with", "Nothing trained to predict with: --fresh trains from scratch "
                                "and --epochs 0 trains nothing; train with: … --fresh"),
    ("bad word", "--predict: …; type …"),
])
def test_a_refusal_prints_its_line_and_no_systemexit_block(notebook, cell, quote):
    outputs = notebook[cell]
    assert not errors(outputs)
    assert "SystemExit" not in str(outputs) and "An exception has occurred" not in str(outputs)
    printed(quote, text(outputs, "stderr"))


def test_the_suggested_command_is_the_notebooks_form(notebook):
    line = text(notebook["nothing to predict with"], "stderr").strip()
    assert line.endswith(f"train with: %run {LESSON} --fresh")
    untrained = text(notebook["by hand, untrained"], "stderr").strip()
    assert untrained.endswith(f"train them first with: %run {SCRIPTS / 'rnn_embedding_4pre1.py'}")


def test_a_frontend_that_takes_no_input_says_how_to_give_the_words(notebook):
    outputs = notebook["prompt without input"]
    assert not errors(outputs)
    assert text(outputs, "stdout").rstrip().endswith(
        "(This notebook takes no typed input: give the words with --predict, as in "
        "%run rnn_onehot_1pre1.py --predict a.)")
    printed("(This notebook takes no typed input: give the words with --predict, as in %run LESSON.py "
            "--predict …)", text(outputs, "stdout"))
    assert "StdinNotImplementedError" not in str(outputs)


def test_epochs_0_draws_nothing_and_keeps_the_curves(notebook):
    outputs = notebook["prompt without input"]
    assert not pictures(outputs)
    assert "the last training's curves are kept" in text(outputs, "stdout")


def test_the_stock_lesson_shows_its_loss_and_prediction_inline_unless_no_show(notebook):
    assert len(pictures(notebook["stock lesson"])) == 2
    assert "均方误差" in text(notebook["stock lesson"], "stdout")
    quiet = notebook["stock lesson, no show"]
    assert not pictures(quiet) and "Plot saved to stock_rnn_prices_prediction.png" in text(quiet)


def test_the_by_hand_pass_shows_its_picture_inline(notebook):
    outputs = notebook["by hand"]
    assert len(pictures(outputs)) == 1
    assert re.search(r"^a->[a-e]  \(Keras: [a-e], max abs difference", text(outputs, "stdout"),
                     flags=re.M)


@posix_only  # on Windows Jupyter interrupts a kernel by an event of its own, not SIGINT
def test_the_stop_button_stops_training_as_any_cell_and_keeps_the_checkpoint(notebook):
    outputs = notebook["stop button"]  # the kernel's own KeyboardInterrupt, as for any cell
    assert [error.ename for error in errors(outputs)] == ["KeyboardInterrupt"]
    assert text(notebook["after the stop"], "stdout").strip() == (
        "the kernel goes on; the checkpoint is there: True")


# ## Cell by cell: a notebook made from each lesson with jupytext

LESSON_FILES = [*LESSONS, "stock_rnn", "stock_lstm", "stock_gru"]


# The lessons run one after the other in one kernel, the first of them in a fresh one. (Resuming
# cell by cell: the letter lesson run twice by %run above; each lesson's resume lines: test_lessons.py.)
RUNS = LESSON_FILES


@pytest.fixture(scope="session")
def cell_by_cell(shared_dir):
    """run -> (the folder it ran in, its notebook's cells, executed): each lesson turned into a
    notebook beside the lessons, as `jupytext --to notebook scripts/LESSON.py` makes it, and run
    cell by cell, as nbclient, papermill or nbconvert --execute run a notebook: the kernel is
    not told the notebook's name.

    The runs (RUNS) share a kernel, one after the other.
    """
    jupytext = pytest.importorskip("jupytext")

    def run_in_one_kernel(folder):
        folder = folder / "scripts"
        shutil.copytree(SCRIPTS, folder, ignore=shutil.ignore_patterns("__pycache__", "checkpoint"))
        price_table(400).to_csv(folder / "SH600519.csv")  # a teacher's short price file, read first
        cells, spans = [], {}
        for run in RUNS:
            lesson = run.split()[0]
            nb = jupytext.read(folder / f"{lesson}.py")
            if lesson.startswith("stock_"):  # a teacher's edit for a short demonstration
                for cell in nb.cells:
                    cell.source = cell.source.replace("epochs=50)", "epochs=2)")
            nbformat.write(nb, folder / f"{lesson}.ipynb")
            spans[run] = (len(cells), len(cells) + len(nb.cells))
            cells += nb.cells
        nb = nbformat.v4.new_notebook(cells=cells)
        client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                         resources={"metadata": {"path": str(folder)}})
        client.execute(env={k: v for k, v in kernel_env().items() if k != "JPY_SESSION_NAME"})
        return {run: nb.cells[start:end] for run, (start, end) in spans.items()}

    def get(run):
        folder, executed = trained_once(shared_dir, "cells", run_in_one_kernel)
        return folder / "scripts", [nbformat.from_dict(cell) for cell in executed[run]]

    return get


def cells_text(cells):
    return "".join(text(cell.outputs) for cell in cells if cell.cell_type == "code")


@pytest.mark.parametrize("lesson", LESSON_FILES)
def test_each_lesson_runs_cell_by_cell_with_its_defaults(cell_by_cell, lesson):
    folder, cells = cell_by_cell(lesson)
    code = [cell for cell in cells if cell.cell_type == "code"]
    markdown = [cell.source for cell in cells if cell.cell_type == "markdown"]
    assert len(code) >= 8 and len(markdown) == len(code)  # each step's prose above its code
    assert markdown[0].startswith("# ") and all(text.startswith("## ") for text in markdown[1:])
    assert "断点续训 (resume from a checkpoint)" in "".join(markdown)  # headings in both languages
    assert not [o for o in code[0].outputs if o.output_type == "execute_result"]  # no docstring echoed
    out = cells_text(cells)
    epochs = 2 if lesson.startswith("stock_") else 100
    assert f"Epoch {epochs}/{epochs}" in out  # the kernel's own command line was not read as flags
    assert len(re.findall(r"^Epoch \d+/", out, flags=re.M)) <= 11  # a readable handful, not 200
    # Named for the lesson, in a notebook whose name the kernel was not told (the teacher's
    # prices replace the course's beside these lessons: for them, the course's).
    with h5py.File(folder / "checkpoint" / f"{lesson}.weights.h5", "r") as f:  # for the by-hand pass:
        recorded = set(f.attrs) & {"input_word", "test_days"}  # this lesson's, not another's in the kernel
    assert recorded == ({"test_days"} if lesson.startswith("stock_") else {"input_word"})
    assert f"Plot saved to {lesson}_curves.png" in out
    assert not [o for cell in code for o in cell.outputs if o.output_type == "error"]
    if lesson.startswith("stock_"):
        assert "均方误差" in out
    else:
        word = "abcd" if lesson.endswith("4pre1") else "a"
        assert f"(This notebook takes no typed input: give the words with --predict, as in %run {lesson}.py " \
               f"--predict {word}.)" in out
