"""The lessons in a real Jupyter kernel, as a teacher runs them on Colab or JupyterHub: %run and !python.

One notebook, executed once by nbclient with no display and no input (as nbconvert and
papermill run one), holds every cell the tests read; each test checks the outputs of its cells.
"""
import os
import re
import sys

import pytest

from conftest import SCRIPTS, posix_only, printed

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

LESSON = f"{SCRIPTS / 'rnn_onehot_1pre1.py'}"

# name -> the cell's source. The order is the order a teacher would go in.
CELLS = {
    "backend before": "import matplotlib\nprint(matplotlib.get_backend())",
    "first run": f"%run {LESSON} --epochs 3 --predict a b",
    "backend after": "print(matplotlib.get_backend())",
    "a plot of the student's own": "import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])\nplt.show()",
    "second run": f"%run {LESSON} --epochs 1 --predict a\n"
                  "print(open('rnn_onehot_1pre1_weights.txt').read().split(chr(10))[0])",
    "refused flag": f"%run {LESSON} --epochs x",
    "nothing to predict with": f"%run {LESSON} --epochs 0 --fresh",
    "bad word": f"%run {LESSON} --epochs 0 --predict z9",
    "prompt without input": f"%run {LESSON} --epochs 0",
    "stock lesson": f"%run {SCRIPTS / 'stock_rnn.py'} --synthetic --epochs 1",
    "stock lesson, no show": f"%run {SCRIPTS / 'stock_rnn.py'} --synthetic --epochs 0 --no-show",
    "by hand": f"%run {SCRIPTS / 'rnn_forward_by_hand.py'} rnn_onehot_1pre1 a",
    "by hand, untrained": f"%run {SCRIPTS / 'rnn_forward_by_hand.py'} rnn_embedding_4pre1",
    # The kernel's stop button: Jupyter sends the kernel SIGINT (on POSIX systems).
    "stop button": ("import signal, threading\n"
                    "threading.Timer(3, signal.raise_signal, (signal.SIGINT,)).start()\n"
                    f"%run {SCRIPTS / 'rnn_embedding_1pre1.py'} --epochs 100000"
                    if os.name == "posix" else "pass"),
    "after the stop": "print('the kernel goes on')",
    "!python": f"!{sys.executable} {LESSON} --epochs 1 --predict c",  # draws the curves
}


@pytest.fixture(scope="module")
def notebook(tmp_path_factory):
    """{cell name: its outputs} of the notebook, executed in a working directory of its own."""
    cwd = tmp_path_factory.mktemp("notebook")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)
                                         for source in CELLS.values()])
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                                     resources={"metadata": {"path": str(cwd)}})
    # Colab's and JupyterHub's kernels have no display: the pictures can only be shown inline.
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "MPLBACKEND", "KERAS_BACKEND")}
    client.execute(env=env)
    return dict(zip(CELLS, (cell.outputs for cell in nb.cells)))


def text(outputs, stream=None):
    return "".join(o.get("text", "") for o in outputs
                   if o.output_type == "stream" and stream in (None, o.name))


def pictures(outputs):
    return [o for o in outputs if o.output_type == "display_data" and "image/png" in o.data]


def errors(outputs):
    return [o for o in outputs if o.output_type == "error"]


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
    ("nothing to predict with", "Nothing trained to predict with: --fresh ignores the checkpoint "
                                "and --epochs 0 trains nothing; train with: … --fresh"),
    ("bad word", "… error: argument …"),
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


def test_a_frontend_that_takes_no_input_is_end_of_input(notebook):
    outputs = notebook["prompt without input"]
    assert not errors(outputs)
    assert text(outputs, "stdout").rstrip().endswith("Goodbye.")
    assert "StdinNotImplementedError" not in str(outputs)


def test_epochs_0_draws_nothing_and_keeps_the_curves(notebook):
    outputs = notebook["prompt without input"]
    assert not pictures(outputs)
    assert "the last training's curves are kept" in text(outputs, "stdout")


def test_the_stock_lesson_shows_its_loss_and_prediction_inline_unless_no_show(notebook):
    assert len(pictures(notebook["stock lesson"])) == 2
    assert "均方误差" in text(notebook["stock lesson"], "stdout")
    quiet = notebook["stock lesson, no show"]
    assert not pictures(quiet) and "Plot saved to stock_rnn_synthetic_prediction.png" in text(quiet)


def test_the_by_hand_pass_shows_its_picture_inline(notebook):
    outputs = notebook["by hand"]
    assert len(pictures(outputs)) == 1
    assert re.search(r"^a->[a-e]  \(Keras: [a-e], max abs difference", text(outputs, "stdout"),
                     flags=re.M)


@posix_only  # on Windows Jupyter interrupts a kernel by an event of its own, not SIGINT
def test_the_stop_button_ends_training_with_one_line_and_the_kernel_goes_on(notebook):
    outputs = notebook["stop button"]
    assert not errors(outputs) and "KeyboardInterrupt" not in str(outputs)
    printed("Training interrupted after N epochs: …. Run the script again to resume.",
            text(outputs, "stderr"))
    assert text(notebook["after the stop"], "stdout").strip() == "the kernel goes on"


def test_python_run_from_a_cell_saves_its_curves_and_prints_no_figure_repr(notebook):
    out = text(notebook["!python"])
    assert "Plot saved to rnn_onehot_1pre1_curves.png" in out
    assert "c->" in out and "Figure(" not in out
