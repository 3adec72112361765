"""A lesson a student changes still works: edited models, copied lessons, the lecture's numbers
changed, mistakes copied from old lessons, the recurrence by hand on what they built.

Each test copies the collection's scripts to a folder of its own, edits a lesson there as a
student would (a replacement in its text), runs it, and checks what the student should see.
"""
import json
import re
import shutil

import h5py
import numpy as np
import pandas as pd
import pytest

from conftest import (COURSE_FILE, RESUME_LINE, SCRIPTS, checkpoint_decision, checkpoint_of,
                      epoch_losses, help_of, one_line, parser_of, persistence_errors, printed,
                      recorded_model, run_script, scripts_module, table_row)

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


def by_hand(scripts, lesson, *args, cwd):
    return run_script("", lesson, *args, cwd=cwd, path=scripts / "rnn_forward_by_hand.py")


def test_more_memory_units_and_another_activation_are_named_and_the_old_weights_kept_beside(
        collection, copy_of, monkeypatch, capsys):
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
    [kept] = (cwd / "checkpoint").glob("rnn_onehot_1pre1.kept-*.weights.h5")
    assert kept.read_bytes() == before  # the 3-unit weights, whole
    assert re.match(r"rnn_onehot_1pre1\.kept-\d{8}-\d{6}\.weights\.h5", kept.name)  # says when
    assert f"the old file is kept as ./checkpoint/{kept.name}" in warning[0]
    assert "Trained 20 epochs: best loss" in result.stdout
    # The new checkpoint records the new lesson: the by-hand pass, which builds the model the
    # record describes, computes relu with 8 units, as the lesson now does.
    hand = by_hand(scripts, "rnn_onehot_1pre1", "a", cwd=cwd)
    assert hand.returncode == 0, hand.stderr
    assert "h_t = relu(x_t Wxh" in hand.stdout and "8 memory units" in hand.stdout
    assert float(BY_HAND_LINE.findall(hand.stdout)[-1][3]) <= 1e-5
    # The edit undone, --epochs 0 (here the lesson's checkpoint_to_load, in this process, for the
    # 3-unit model): the line names the kept file, which holds this model's weights.
    from lessonkit.exits import Ending

    with pytest.raises(Ending) as refused:
        checkpoint_decision("rnn_onehot_1pre1", cwd, "--epochs", "0", monkeypatch=monkeypatch,
                            model=recorded_model(kept))
    line = capsys.readouterr().err.strip()
    printed("Cannot load X (…): nothing trained to predict with; X was trained with this model: "
            "rename it to X to predict with it", line)
    assert refused.value.status == 2 and kept.name in line


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
    printed("Trained N epochs: no epoch beat the best … of X, which is left as it was.",
            result.stdout.replace("Trained 1 epoch:", "Trained 1 epochs:"))


def test_a_copy_under_a_chinese_name_out_of_scripts_is_a_lesson_of_its_own(copy_of):
    # A student's copy, named in Chinese, in a folder of their own with the lesson's trained files:
    # it finds the collection's helpers (installed), trains its own checkpoint, draws its name.
    from lessonkit.plots import chinese_fonts

    cwd = copy_of("rnn_onehot_1pre1")
    original = checkpoint_of(cwd, "rnn_onehot_1pre1").read_bytes()
    copy = cwd / "我的rnn.py"
    copy.write_text((SCRIPTS / "rnn_onehot_1pre1.py").read_text(encoding="utf-8").replace(
        "SimpleRNN(3),", "SimpleRNN(5),"), encoding="utf-8")
    result = run_lesson(copy, "--epochs", "3", "--predict", "a", cwd=cwd)
    assert "Warning" not in result.stdout + result.stderr and RESUME_LINE not in result.stdout
    assert "saved to ./checkpoint/我的rnn.weights.h5" in result.stdout
    assert checkpoint_of(cwd, "rnn_onehot_1pre1").read_bytes() == original
    for name in ("我的rnn_weights.txt", "我的rnn_curves.png"):
        assert (cwd / name).exists(), name
    assert "Glyph" not in result.stderr and "missing from font" not in result.stderr
    assert "findfont" not in result.stderr  # a Chinese font without bold, for the bold title
    no_font = "(No font with Chinese characters was found, so the picture draws them as boxes: "
    assert (no_font in result.stdout) == (not chinese_fonts())  # one line at most, and only then
    if not chinese_fonts():
        printed(no_font + "install one, such as Noto Sans CJK SC, to see them.)", result.stdout)
    hand = run_script("", str(copy), "a", cwd=cwd, path=SCRIPTS / "rnn_forward_by_hand.py")
    assert hand.returncode == 0, hand.stderr
    assert "5 memory units" in hand.stdout and "Glyph" not in hand.stderr


def test_a_shape_mistake_is_shown_in_the_lessons_file_with_keras_cause(collection, tmp_path):
    # Input(shape=(1, 4)) for one-hot rows of 5: it first fails in fit, inside Keras.
    _, edit = collection
    lesson = edit("rnn_onehot_1pre1", ("tf.keras.Input(shape=(1, 5)),", "tf.keras.Input(shape=(1, 4)),"))
    result = run_script("", cwd=tmp_path, path=lesson)
    assert result.returncode == 1
    lines = [line for line in result.stderr.rstrip().splitlines() if line.strip(" ^~")]
    number = lesson.read_text(encoding="utf-8").splitlines().index(
        "history = model.fit(train_db, epochs=args.epochs, callbacks=[cp_callback])") + 1
    assert lines[0] == f'  File "{lesson}", line {number}, in <module>'
    assert "Dimensions must be equal, but are 5 and 4" in result.stderr  # Keras's own message, whole
    assert "site-packages" not in result.stderr and "lessonkit" not in result.stderr


def test_a_learning_rate_written_as_in_old_lessons_gets_keras_message_and_a_hint(collection, tmp_path):
    _, edit = collection
    lesson = edit("rnn_onehot_4pre1", ("tf.keras.optimizers.Adam(0.01)", "tf.keras.optimizers.Adam(lr=0.01)"))
    result = run_script("", cwd=tmp_path, path=lesson)
    assert result.returncode == 1
    assert f'  File "{lesson}", line ' in result.stderr and "{'lr': 0.01}" in result.stderr
    printed("Hint: Keras 3 calls the learning rate …", result.stderr.strip().splitlines()[-1])
    assert not (tmp_path / "checkpoint").exists()


def test_return_sequences_left_on_the_last_recurrent_layer_gets_a_hint():
    # What Keras says when a student stacks a layer and leaves return_sequences=True on the last
    # one, with the lesson's own data and loss, here in this process.
    import keras

    exits = scripts_module("lessonkit.exits")
    model = keras.Sequential([keras.Input((4, 5)), keras.layers.SimpleRNN(3, return_sequences=True),
                              keras.layers.Dense(5, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy")
    with pytest.raises(Exception) as failed:
        model.fit(np.zeros((5, 4, 5)), np.arange(5), verbose=0)
    printed("Hint: the recurrent layer before Dense should not have return_sequences=True: …",
            exits.hint_for(failed.value))


def test_help_says_the_lectures_epochs_only_where_they_are_the_lectures(collection):
    _, edit = collection
    assert "(default: 50, the lecture's)" in help_of(parser_of("stock_rnn").format_help())["--epochs"]
    lesson = edit("stock_rnn", ("epochs=50)", "epochs=20)"))
    edited = help_of(parser_of("stock_rnn", path=lesson).format_help())["--epochs"]
    assert "(default: 20)" in edited and "the lecture's" not in edited


# ## LSTM and GRU, by hand

@pytest.mark.parametrize("cells, names", [
    ("LSTM(4, return_sequences=True),\n    GRU(3),\n    Dense(8, activation='relu'),",
     ["i_t", "f_t", "o_t", "C̃_t", "C_t", "h_t", "z_t", "r_t", "h̃_t", "z_t (lecture)", "h_t (lecture)"]),
    ("GRU(3, reset_after=False),", ["z_t", "r_t", "h̃_t", "h_t"]),
], ids=["LSTM over GRU, then Dense", "GRU, the lecture's reset"])
def test_lstm_and_gru_copies_are_computed_by_hand_as_keras_computes_them(collection, tmp_path, cells, names):
    scripts, edit = collection
    lesson = edit("rnn_onehot_4pre1", ("import Dense, SimpleRNN", "import Dense, SimpleRNN, LSTM, GRU"),
                  ("SimpleRNN(3),", cells), new_name="my_gates")
    run_lesson(lesson, "--epochs", "10", "--predict", "abcd", cwd=tmp_path)
    hand = by_hand(scripts, "my_gates", "bcde", cwd=tmp_path)
    assert hand.returncode == 0, hand.stderr
    for name in names:
        assert re.search(rf"^    {re.escape(name)} ", hand.stdout, flags=re.M), name
    assert float(BY_HAND_LINE.findall(hand.stdout)[-1][3]) <= 1e-5
    if "reset_after=False" in cells:
        assert "With reset_after=False the reset gate comes before the product" in hand.stdout
    else:
        assert "Keras's z_t is the lecture's 1 - z_t" in hand.stdout
        assert "GRU(..., reset_after=False) computes the lecture's form." in hand.stdout
        assert "i in columns 0-3, f in columns 4-7, c in columns 8-11, o in columns 12-15" in hand.stdout
        lecture = [line for line in hand.stdout.splitlines() if line.startswith("    h_t (lecture)")]
        keras_h = [line for line in hand.stdout.splitlines() if line.startswith("    h_t   ")]
        assert [line.split()[2:] for line in lecture] == [line.split()[1:] for line in keras_h[-4:]]
        relu = hand.stdout.split("relu(h·W + b):")[1].splitlines()[1]  # after the activation
        assert min(float(value) for value in relu.split()) >= 0


def test_a_layer_the_pass_has_no_equations_for_is_refused_before_tensorflow_starts(tmp_path):
    # A checkpoint whose record is a Bidirectional lesson's (the record is all the pass reads first).
    model = {"class_name": "Sequential", "config": {"layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 4, 5], "name": "input_layer"}},
        {"class_name": "Bidirectional", "config": {"name": "bidirectional"}},
        {"class_name": "Dense", "config": {"name": "dense", "units": 5, "activation": "softmax"}}]}}
    (tmp_path / "checkpoint").mkdir()
    with h5py.File(checkpoint_of(tmp_path, "my_bi"), "w") as f:
        f.attrs.update(lesson="my_bi", model=json.dumps(model), input_word="abcde")
    result = run_script("rnn_forward_by_hand", "my_bi", "abcd", cwd=tmp_path,
                        env={"PYTHONPROFILEIMPORTTIME": "1"})  # each import, on stderr
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    result.stderr = "\n".join(line for line in result.stderr.splitlines() if "|" not in line)
    line = one_line(result)
    printed("The pass cannot compute LESSON's … (…); it computes Embedding, SimpleRNN, LSTM, GRU and "
            "Dense layers, with the activations …", line)
    assert "my_bi's bidirectional (Bidirectional)" in line and "tensorflow" not in imported


def test_the_by_hand_pass_says_when_keras_computes_something_it_does_not(tmp_path):
    # Masking: Keras skips the steps of letter id 0 ('a'); the pass does not. The checkpoint a
    # student's rnn_embedding_4pre1 with Embedding(26, 2, mask_zero=True) writes, written here
    # as its ModelCheckpoint writes it, untrained: the equations need no training to differ.
    import keras

    checkpoints = scripts_module("lessonkit.checkpoints")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Embedding(26, 2, mask_zero=True),
                              keras.layers.SimpleRNN(10), keras.layers.Dense(26, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    record = checkpoints.Record(lesson="my_mask", monitor="loss", best=1.0, epoch=1, epochs=1,
                                model=model.to_json(), input_word="abcdefghijklmnopqrstuvwxyz")
    checkpoints.save_checkpoint(model, str(checkpoint_of(tmp_path, "my_mask")), record)
    hand = run_script("rnn_forward_by_hand", "my_mask", "aaab", cwd=tmp_path)
    assert hand.returncode == 1
    printed("The hand computation and Keras differ by more than 1e-05.", hand.stderr.strip())
    assert float(BY_HAND_LINE.findall(hand.stdout)[-1][3]) > 1e-5


# ## The stock lessons' numbers, changed everywhere the lecture writes them

def test_a_30_day_window_and_200_test_days_are_followed_by_the_collections_lines(collection, tmp_path):
    # Everywhere the lecture writes 60 and 300, then the fix the lesson explains, on those numbers.
    _, edit = collection
    lesson = edit("stock_rnn", ("range(60,", "range(30,"), ("i - 60:i", "i - 30:i"), (", 60, 1)", ", 30, 1)"),
                  ("test_set[60:]", "test_set[30:]"), ("len(maotai) - 300", "len(maotai) - 200"),
                  new_name="stock_30_200")
    result = run_lesson(lesson, "--scaling", "window", "--epochs", "1", "--no-show", cwd=tmp_path)
    opens = pd.read_csv(COURSE_FILE)["open"].to_numpy()
    assert table_row(result.stdout, "persistence") == pytest.approx(persistence_errors(opens, 200, 30), abs=1e-4)
    assert (tmp_path / "checkpoint" / "stock_30_200_window.weights.h5").exists()
    # The by-hand pass follows the copy's numbers too (the checkpoint's model and test days): its
    # 170 predicted days, as the refusal of a 171st says before TensorFlow starts.
    beyond = run_script("", str(lesson), "--scaling", "window", "--day", "171", cwd=tmp_path,
                        path=SCRIPTS / "rnn_forward_by_hand.py")
    assert one_line(beyond, status=2) == "--day 171: the lesson predicts 170 test days; give 1 to 170."
