"""A lesson a student changes still works: edited models, copied lessons, the recurrence by hand on
what they built.

Each test copies the collection's scripts to a folder of its own, edits a lesson there as a
student would (a replacement in its text), runs it, and checks what the student should see.
"""
import re
import shutil

import h5py
import pytest

from conftest import (RESUME_LINE, SCRIPTS, checkpoint_of, epoch_losses, help_of, one_line, parser_of,
                      printed,
                      run_script)

BY_HAND_LINE = re.compile(r"^(\w+)->(\w)  \(Keras: (\w), max abs difference ([0-9.e+-]+)\)$", re.M)


@pytest.fixture
def collection(tmp_path):
    """A copy of the collection's scripts/, and a function that edits one lesson in it."""
    scripts = tmp_path / "scripts"
    shutil.copytree(SCRIPTS, scripts, ignore=shutil.ignore_patterns("__pycache__", "checkpoint"))

    def edit(lesson, *replacements, new_name=None):
        text = (scripts / f"{lesson}.py").read_text(encoding="utf-8")
        for old, new in replacements:
            assert old in text, old
            text = text.replace(old, new)
        target = scripts / f"{new_name or lesson}.py"
        target.write_text(text, encoding="utf-8")
        return target

    return scripts, edit


def run_lesson(path, *args, cwd):
    result = run_script("", *args, cwd=cwd, path=path)
    assert result.returncode == 0, result.stderr
    return result


def by_hand(scripts, lesson, word, cwd):
    return run_script("", lesson, word, cwd=cwd, path=scripts / "rnn_forward_by_hand.py")


def kept_files(cwd, lesson):
    return sorted((cwd / "checkpoint").glob(f"{lesson}.kept-*.weights.h5"))


def test_more_memory_units_and_another_activation_are_named_and_the_old_weights_kept_beside(
        collection, copy_of):
    scripts, edit = collection
    cwd = copy_of("rnn_onehot_1pre1")  # a default run's checkpoint: 3 units, tanh
    before = checkpoint_of(cwd, "rnn_onehot_1pre1").read_bytes()
    lesson = edit("rnn_onehot_1pre1", ("SimpleRNN(3),", 'SimpleRNN(8, activation="relu"),'))
    result = run_lesson(lesson, "--epochs", "20", "--predict", "a", cwd=cwd)
    warning = [line for line in result.stdout.splitlines() if line.startswith("Warning:")]
    assert len(warning) == 1
    assert ("the lesson changed since it was trained: SimpleRNN activation 'tanh' -> 'relu'; "
            "SimpleRNN units 3 -> 8") in warning[0]
    assert RESUME_LINE not in result.stdout
    [kept] = kept_files(cwd, "rnn_onehot_1pre1")
    assert kept.read_bytes() == before  # the 3-unit weights, whole
    assert re.match(r"rnn_onehot_1pre1\.kept-\d{8}-\d{6}\.weights\.h5", kept.name)  # says when
    assert f"the old file is kept as ./checkpoint/{kept.name}" in warning[0]
    assert "Trained 20 epochs: best loss" in result.stdout  # this run's weights replace nothing
    # The new checkpoint records the new lesson: the by-hand pass, which builds the model the
    # record describes, computes relu with 8 units, as the lesson now does.
    hand = by_hand(scripts, "rnn_onehot_1pre1", "a", cwd)
    assert hand.returncode == 0, hand.stderr
    assert "h_t = relu(x_t Wxh" in hand.stdout and "8 memory units" in hand.stdout
    assert float(BY_HAND_LINE.findall(hand.stdout)[-1][3]) <= 1e-5


def test_a_new_learning_rate_is_the_one_used_after_resuming(collection, copy_of):
    scripts, edit = collection
    cwd = copy_of("rnn_onehot_1pre1")
    lesson = edit("rnn_onehot_1pre1", ("Adam(0.01)", "Adam(0.5)"))
    result = run_lesson(lesson, "--epochs", "2", "--predict", "a", cwd=cwd)
    assert RESUME_LINE in result.stdout  # the same model: it resumes
    first, second = epoch_losses(result.stdout)
    assert abs(second - first) > 0.02  # a step of 0.5 moves the loss; one of 0.01 hardly (0.006)
    assert ("(learning rate 0.5, the lesson's; ./checkpoint/rnn_onehot_1pre1.weights.h5 was "
            "trained with 0.01)") in result.stdout
    printed("(learning rate …, the lesson's; X was trained with …)", result.stdout)
    with h5py.File(checkpoint_of(cwd, "rnn_onehot_1pre1"), "r") as f:
        assert '"learning_rate": 0.5' in f.attrs["model"]


def test_without_the_lessons_load_weights_line_the_run_starts_from_scratch(collection, copy_of):
    # checkpoint_to_load only decides: the weights are loaded by the lesson's own line, or not at all.
    _, edit = collection
    cwd = copy_of("rnn_onehot_1pre1")
    path = checkpoint_of(cwd, "rnn_onehot_1pre1")
    before = path.read_bytes()
    with h5py.File(path, "r") as f:
        best = float(f.attrs["best"])
    lesson = edit("rnn_onehot_1pre1", ("    model.load_weights(checkpoint_save_path)\n", ""))
    result = run_lesson(lesson, "--epochs", "1", "--predict", "a", cwd=cwd)
    assert RESUME_LINE in result.stdout  # the lesson's own print, still there
    assert epoch_losses(result.stdout)[0] > best + 0.5  # an untrained model's loss, not the checkpoint's
    assert path.read_bytes() == before  # and the better weights on the disk are kept


def test_a_copy_is_a_lesson_of_its_own(collection, copy_of):
    scripts, edit = collection
    cwd = copy_of("rnn_onehot_1pre1")  # where the lesson itself has been trained
    original = checkpoint_of(cwd, "rnn_onehot_1pre1").read_bytes()
    copy = edit("rnn_onehot_1pre1", ("SimpleRNN(3),", "SimpleRNN(5),"), new_name="my_rnn")
    result = run_lesson(copy, "--epochs", "3", "--predict", "a", cwd=cwd)
    assert "Warning" not in result.stdout and RESUME_LINE not in result.stdout
    assert "saved to ./checkpoint/my_rnn.weights.h5" in result.stdout
    assert checkpoint_of(cwd, "rnn_onehot_1pre1").read_bytes() == original
    for name in ("my_rnn_weights.txt", "my_rnn_curves.png"):
        assert (cwd / name).exists(), name
    hand = by_hand(scripts, str(copy), "a", cwd)  # the copy's path, as a student gives it
    assert hand.returncode == 0, hand.stderr
    assert "5 memory units" in hand.stdout


def test_a_mistake_in_the_lesson_names_the_lessons_file_line_and_code(collection, tmp_path):
    # Another cell, not imported: the lesson's own line and error, not Keras's frames.
    edit_made, last_line = ("SimpleRNN(3),", "LSTM(3),"), "NameError: name 'LSTM' is not defined"
    _, edit = collection
    lesson = edit("rnn_onehot_1pre1", edit_made)
    result = run_script("", cwd=tmp_path, path=lesson)
    assert result.returncode == 1
    lines = [line for line in result.stderr.rstrip().splitlines() if line.strip(" ^~")]
    number = lesson.read_text(encoding="utf-8").splitlines().index(f"    {edit_made[1]}") + 1
    assert lines == [f'  File "{lesson}", line {number}, in <module>', f"    {edit_made[1]}",
                     last_line]


def test_the_by_hand_pass_follows_stacked_layers_and_dense_layers(collection, tmp_path):
    scripts, edit = collection  # two SimpleRNN layers, then a Dense layer before the output's
    lesson = edit("rnn_onehot_4pre1", ("SimpleRNN(3),", "SimpleRNN(3, return_sequences=True),\n"
                                                        "    SimpleRNN(4),\n"
                                                        '    Dense(10, activation="relu"),'))
    run_lesson(lesson, "--epochs", "20", "--predict", "abcd", cwd=tmp_path)
    hand = by_hand(scripts, "rnn_onehot_4pre1", "bcde", tmp_path)
    assert hand.returncode == 0, hand.stderr
    for line in ["## Layer 1: simple_rnn (SimpleRNN)", "## Layer 2: simple_rnn_1 (SimpleRNN)",
                 "3 + 4 memory units (记忆体) in 2 recurrent layer(s)",
                 "## Layer 3: dense (Dense)", "relu(h·W + b):"]:
        assert line in hand.stdout
    assert float(BY_HAND_LINE.findall(hand.stdout)[-1][3]) <= 1e-5


def test_the_by_hand_pass_on_an_lstm_says_in_one_line_what_it_computes(collection, tmp_path):
    scripts, edit = collection
    lesson = edit("rnn_onehot_1pre1", ("import Dense, SimpleRNN", "import Dense, LSTM, SimpleRNN"),
                  ("SimpleRNN(3),", "LSTM(3),"), new_name="my_lstm")
    run_lesson(lesson, "--epochs", "2", "--predict", "a", cwd=tmp_path)
    hand = run_script("", "my_lstm", "a", cwd=tmp_path, path=scripts / "rnn_forward_by_hand.py",
                      env={"PYTHONPROFILEIMPORTTIME": "1"})  # each import, on stderr
    imported = {line.split("|")[-1].strip() for line in hand.stderr.splitlines()
                if line.startswith("import time:")}
    hand.stderr = "\n".join(line for line in hand.stderr.splitlines()
                            if not line.startswith("import time:"))
    assert one_line(hand) == ("The pass computes SimpleRNN, Embedding and Dense layers; my_lstm "
                              "has lstm (LSTM), which it cannot compute by hand.")
    assert "tensorflow" not in imported  # read from the checkpoint's record: said at once


def test_help_says_the_lectures_epochs_only_where_they_are_the_lectures(collection):
    _, edit = collection
    assert "(default: 50, the lecture's)" in help_of(parser_of("stock_rnn").format_help())["--epochs"]
    lesson = edit("stock_rnn", ("epochs=50)", "epochs=20)"))
    edited = help_of(parser_of("stock_rnn", path=lesson).format_help())["--epochs"]
    assert "(default: 20)" in edited and "the lecture's" not in edited


def test_a_stock_checkpoint_of_another_recipe_is_no_bar(collection, tmp_path, stock_runs):
    scripts, edit = collection
    source, _ = stock_runs("stock_rnn")
    shutil.copytree(source, tmp_path / "run")
    cwd = tmp_path / "run"
    lesson = edit("stock_rnn", ("len(maotai) - 300", "len(maotai) - 200"))
    result = run_lesson(lesson, "--epochs", "1", cwd=cwd)
    assert ("(./checkpoint/stock_rnn.weights.h5 was trained on other prices or another recipe "
            "(window, test days, scaling): its best val_loss is no bar for these, and this run's "
            "best replaces it.)") in result.stdout
    assert "Trained 1 epochs: best val_loss" in result.stdout


def test_the_by_hand_pass_says_when_keras_computes_something_it_does_not(collection, tmp_path):
    scripts, edit = collection  # masking: Keras skips the steps of letter id 0 ('a'); the pass does not
    lesson = edit("rnn_embedding_4pre1", ("Embedding(26, 2),", "Embedding(26, 2, mask_zero=True),"))
    run_lesson(lesson, "--epochs", "5", "--predict", "abcd", cwd=tmp_path)
    hand = by_hand(scripts, "rnn_embedding_4pre1", "aaab", tmp_path)
    assert hand.returncode == 1
    assert hand.stderr.strip() == "The hand computation and Keras differ by more than 1e-05."
    assert float(BY_HAND_LINE.findall(hand.stdout)[-1][3]) > 1e-5
