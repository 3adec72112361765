"""The by-hand forward pass agrees with Keras, and says so, on each lesson's trained weights."""
import argparse
import re
import shutil

import h5py
import numpy as np
import pandas as pd
import pytest

from conftest import (LESSONS, SCRIPTS, assert_works_here, checkpoint_of, lesson_facts, one_line, printed,
                      run_script, stock_run_name, suggested_command)

FINAL_LINE = re.compile(r"^(\w+)->(\w)  \(Keras: (\w), max abs difference ([0-9.e+-]+)\)$", re.M)

# Inputs of the right length that are not training cycles, where the vocabulary has any.
OTHER_INPUTS = {"rnn_onehot_1pre1": [], "rnn_embedding_1pre1": [],
                "rnn_onehot_4pre1": ["aaaa", "edcb", "bdac"],
                "rnn_embedding_4pre1": ["zyxw", "aaaa", "qwer"]}


def hand_and_keras(stdout):
    """The probabilities the pass computed by hand, and Keras's, from what it printed."""
    block = stdout.split("softmax probabilities:")[1]
    hand = [float(p) for p in re.findall(r"^    [a-z]  ([0-9.]+)", block.split("Keras")[0], re.M)]
    keras = [float(p) for p in block.split("Keras probabilities:")[1].splitlines()[1].split()]
    return np.array(hand), np.array(keras)


@pytest.mark.parametrize("lesson", ["rnn_onehot_4pre1", "rnn_embedding_4pre1"])
def test_by_hand_probabilities_match_keras_on_inputs_it_was_not_trained_on(by_hand_runs, lesson):
    word = OTHER_INPUTS[lesson][-1]
    _, stdout = by_hand_runs(lesson, word)
    hand, keras = hand_and_keras(stdout)
    assert len(hand) == len(keras) == len(lesson_facts(lesson)["input_word"])
    assert np.max(np.abs(hand - keras)) < 1e-4  # as printed, to 4 decimals
    assert FINAL_LINE.findall(stdout)[-1][0] == word


# The 4pre1 lessons here; the 1pre1 lessons' single step by hand on a student's edit of
# rnn_onehot_1pre1 (test_student_edits.py).
@pytest.mark.parametrize("lesson", ["rnn_onehot_4pre1", "rnn_embedding_4pre1"])
def test_final_line_names_the_keras_letter_and_the_picture_is_saved(by_hand_runs, lesson):
    if lesson == "rnn_onehot_4pre1":  # the pass given nothing: bcde, one of its training cycles
        word, (cwd, stdout) = "bcde", by_hand_runs(lesson)
    else:  # 26 letters: one it was not trained on
        word = OTHER_INPUTS[lesson][-1]
        cwd, stdout = by_hand_runs(lesson, word)
    assert "t = 1:" in stdout and "h_t = tanh" in stdout
    match = FINAL_LINE.findall(stdout)[-1]
    assert stdout.rstrip().splitlines()[-2].endswith(match[3] + ")")  # (the last: imported)
    assert match[0] == word and match[1] == match[2] == LESSONS[lesson].get(word, match[2])
    assert float(match[3]) < 1e-5
    printed("bcde->a  (Keras: a, max abs difference …)", f"bcde->a  (Keras: a, max abs difference {match[3]})")
    assert (cwd / f"{lesson}_by_hand.png").read_bytes()[:4] == b"\x89PNG"


def test_default_is_the_lecture_example_bcde_and_it_never_imports_scikit_learn_or_pandas(
        by_hand_runs):
    _, stdout = by_hand_runs("rnn_onehot_4pre1")  # given nothing
    assert FINAL_LINE.findall(stdout)[-1][:3] == ("bcde", "a", "a")
    assert stdout.rstrip().splitlines()[-1] == "imported: []"


def test_without_a_checkpoint_it_names_the_command_that_trains_one(tmp_path):
    result = run_script("rnn_forward_by_hand", "rnn_embedding_4pre1", "abcd", cwd=tmp_path)
    line = one_line(result)
    printed("No trained weights at X: train them first with: …", line)
    words = suggested_command(line, "train them first with: ")
    assert words[1].endswith("rnn_embedding_4pre1.py") and len(words) == 2
    assert_works_here(words, tmp_path)


def test_a_stock_copy_under_any_name_is_found_by_its_data_flags_and_its_command_keeps_them(tmp_path):
    # A copy of stock_rnn.py named in Chinese, given by its path from the folder above it: the
    # checkpoint its --scaling window run writes, and the command that trains it, as given.
    (tmp_path / "课程").mkdir()
    shutil.copy(SCRIPTS / "stock_rnn.py", tmp_path / "课程" / "股票预测.py")
    result = run_script("rnn_forward_by_hand", "课程/股票预测.py", "--scaling", "window", cwd=tmp_path)
    line = one_line(result)
    assert line.startswith("No trained weights at ./checkpoint/股票预测_window.weights.h5: "), line
    words = suggested_command(line, "train them first with: ")
    assert words[1:] == ["课程/股票预测.py", "--scaling", "window"]
    assert_works_here(words, tmp_path)


def test_what_the_pass_refuses_before_it_needs_keras_is_refused_before_tensorflow_starts(copy_of):
    # No checkpoint, an unknown lesson, bad letters: a student waits 0.2 s for the line, not 3.
    cwd = copy_of("rnn_onehot_4pre1")
    for args in (["rnn_embedding_4pre1", "abcd"], ["rnn_gru_9pre1"], ["rnn_onehot_4pre1", "abcz"]):
        result = run_script("rnn_forward_by_hand", *args, cwd=cwd,
                            env={"PYTHONPROFILEIMPORTTIME": "1"})  # each import, on stderr
        assert result.returncode == 2, result.stderr
        imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if "|" in line}
        assert "lessonkit.checkpoints" in imported and not imported & {"tensorflow", "keras"}


def test_a_checkpoint_holding_nan_weights_is_refused_with_one_line(copy_of, capsys):
    # What Keras loaded is checked, as the lessons check it (load_checkpoint): the pass's loading
    # of the lesson's weights, here in this process.
    from lessonkit import by_hand, exits

    cwd = copy_of("rnn_onehot_4pre1")
    path = checkpoint_of(cwd, "rnn_onehot_4pre1")
    with h5py.File(path, "a") as f:
        kernels = []
        f["layers"].visititems(lambda name, obj: kernels.append(obj)
                               if isinstance(obj, h5py.Dataset) else None)
        kernels[0][...] = np.nan
    record = by_hand.checkpoints.read_record(path)
    with pytest.raises(exits.Ending) as refused:
        by_hand.load_weights(record, path, [], "python scripts/rnn_onehot_4pre1.py")
    line = capsys.readouterr().err.strip()
    assert refused.value.status == 2
    assert line.startswith(f"Cannot load {path} (its weights are not all finite numbers (NaN or infinity))")
    printed("Cannot load X (…); train again with: … --fresh", line)


def test_unknown_lessons_and_bad_letters_get_one_line_and_status_2(copy_of):
    cwd = copy_of("rnn_onehot_4pre1")
    unknown = run_script("rnn_forward_by_hand", "rnn_gru_9pre1", cwd=cwd)
    line = one_line(unknown)
    printed("Unknown lesson '…': there is neither X nor X; the lessons are …", line)
    assert line.endswith("the lessons are rnn_embedding_1pre1, rnn_embedding_4pre1, "
                         "rnn_onehot_1pre1, rnn_onehot_4pre1, stock_gru, stock_lstm, stock_rnn.")
    bad = run_script("rnn_forward_by_hand", "rnn_onehot_4pre1", "abcz", cwd=cwd)
    line = one_line(bad)
    printed("Input for LESSON: …", line)
    assert line == ("Input for rnn_onehot_4pre1: 'abcz' has 'z', outside a-e; type 4 letters from "
                    "a-e, like abcd.")
    elsewhere = run_script("rnn_forward_by_hand", "rnn_onehot_4pre1", "--day", "3", cwd=cwd)
    assert one_line(elsewhere) == "rnn_onehot_4pre1 is a letter lesson: it takes letters, not --day."
    printed("LESSON is a … lesson: it takes …, not ….", one_line(elsewhere))


# ## The stock lessons: LSTM's and GRU's gates on 60 days, the prediction in yuan

STOCK_LINE = re.compile(r"^day (\d+) \((\d{4}-\d\d-\d\d)\): ([0-9.]+) yuan  \(Keras: ([0-9.]+) yuan, "
                        r"max abs difference ([0-9.e+-]+)\)$", re.M)


@pytest.mark.parametrize("script, day, names", [
    ("stock_lstm", None, ["i_t", "f_t", "o_t", "C̃_t", "C_t", "h_t"]),
    ("stock_gru", 1, ["z_t", "r_t", "h̃_t", "h_t", "z_t (lecture)", "h_t (lecture)"]),
])
def test_a_trained_stock_lesson_is_computed_by_hand_gate_by_gate_as_keras_computes_it(stock_by_hand, script,
                                                                                      day, names):
    cwd, stdout, _ = stock_by_hand(script, day)  # 2 epochs on its own SH600519.csv, in that folder
    result = argparse.Namespace(stdout=stdout)
    [(shown_day, date, price, keras_price, difference)] = STOCK_LINE.findall(result.stdout)
    assert float(difference) <= 1e-5 and abs(float(price) - float(keras_price)) <= 0.01
    assert shown_day == str(day or 240)
    printed("day N (…): … yuan  (Keras: … yuan, max abs difference …)", result.stdout)
    opens = pd.read_csv(cwd / "SH600519.csv")
    assert date == opens["date"].iloc[-240 + int(shown_day) - 1]
    real = opens["open"].iloc[-240 + int(shown_day) - 1]
    assert f"the real opening price {real:.2f}" in result.stdout
    for name in names:
        assert re.search(rf"^    {re.escape(name)} ", result.stdout, flags=re.M), name
    assert "t = 60: x_t; memory units 1-4 of 80" in result.stdout and "... steps 4 to 59 ..." in result.stdout
    units = 80
    blocks = "ifco" if script == "stock_lstm" else "zrh"
    assert f"kernel W (1, {len(blocks) * units})" in result.stdout  # the (1, 320) of the weight dump
    assert ", ".join(f"{g} in columns {k * units}-{(k + 1) * units - 1}" for k, g in enumerate(blocks)) in result.stdout
    if script == "stock_gru":
        assert "Keras applies the reset gate after the product (reset_after=True, its default)" in result.stdout
    assert (cwd / f"{stock_run_name(script)}_by_hand.png").exists()


def test_a_test_day_the_lesson_does_not_predict_is_refused_before_tensorflow_starts(tmp_path):
    # stock_rnn's checkpoint, as its ModelCheckpoint writes it (untrained: only its record is read).
    import keras

    from lessonkit import checkpoints

    model = keras.Sequential([keras.Input((60, 1)), keras.layers.SimpleRNN(4), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.001), loss="mean_squared_error")
    record = checkpoints.Record(lesson="stock_rnn", monitor="val_loss", best=1.0, epoch=1, epochs=1,
                                model=model.to_json())
    checkpoints.save_checkpoint(model, str(checkpoint_of(tmp_path, "stock_rnn")), record)
    result = run_script("rnn_forward_by_hand", "stock_rnn", "--day", "241", cwd=tmp_path,
                        env={"PYTHONPROFILEIMPORTTIME": "1"})  # each import, on stderr
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    result.stderr = "\n".join(line for line in result.stderr.splitlines() if "|" not in line)
    printed("--day N: the lesson predicts N test days; give 1 to N.", one_line(result))
    assert "tensorflow" not in imported
