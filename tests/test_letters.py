"""The four letter lessons, run as a student runs them: real TensorFlow, input on stdin."""
import argparse
import io
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from conftest import (BAD_COUNTS, BAD_WORDS, LESSONS, RESUME_LINE, checkpoint_arrays, checkpoint_of,
                      epoch_accuracies, epoch_losses, finish, help_of, parser_of, posix_only, printed,
                      read_until, run_script, scripts_module, start_script)

TRAINABLE = {"rnn_onehot_1pre1": 47, "rnn_onehot_4pre1": 47,
             "rnn_embedding_1pre1": 48, "rnn_embedding_4pre1": 468}


def read_weights_file(path):
    """[(variable path, shape, values)] from a weights dump."""
    text = path.read_text(encoding="utf-8")
    blocks = re.split(r"^(\S+/\S+)\n(\([0-9, ]*\))\n", text, flags=re.M)[1:]
    variables = []
    for name, shape, values in zip(blocks[0::3], blocks[1::3], blocks[2::3]):
        numbers = [float(x) for x in re.findall(r"-?\d+\.?\d*(?:e[+-]?\d+)?", values)]
        variables.append((name, eval(shape), np.array(numbers)))
    return variables


@pytest.mark.parametrize("lesson", LESSONS)
def test_defaults_reach_accuracy_1_and_predict_every_training_cycle(trained, lesson):
    cwd, stdout = trained(lesson)
    assert "Epoch 100/100" in stdout and "Epoch 101" not in stdout
    assert epoch_accuracies(stdout)[-1] == 1.0
    for word, next_letter in LESSONS[lesson].items():
        assert f"{word}->{next_letter}" in stdout
    assert f"Trainable params: {TRAINABLE[lesson]} " in stdout
    assert "load the model" not in stdout
    assert checkpoint_of(cwd, lesson).exists()
    printed("Trained N epochs: best loss … at epoch N, saved to X.", stdout)
    printed("Plot saved to X", stdout)
    # Not Keras's redrawn bar, which a pipe would keep 200 times over: a few plain lines.
    epochs = re.findall(r"^Epoch (\d+)/100 - [0-9.]+s - loss: ", stdout, flags=re.M)
    assert epochs == ["1", *map(str, range(10, 101, 10))] and "\b" not in stdout
    printed("Epoch N/N - …s - loss: …", stdout)


@pytest.mark.parametrize("lesson", LESSONS)
def test_weights_file_lists_every_variable_with_path_shape_and_the_checkpoint_values(
        trained, lesson):
    cwd, _ = trained(lesson)
    variables = read_weights_file(cwd / f"{lesson}_weights.txt")
    names = [name for name, _, _ in variables]
    assert "sequential/simple_rnn/simple_rnn_cell/kernel" in names
    assert "sequential/simple_rnn/simple_rnn_cell/recurrent_kernel" in names
    assert "sequential/dense/kernel" in names
    assert ("sequential/embedding/embeddings" in names) == ("embedding" in lesson)
    assert sum(int(np.prod(shape)) for _, shape, _ in variables) == TRAINABLE[lesson]
    stored = checkpoint_arrays(checkpoint_of(cwd, lesson))
    assert len(stored) == len(variables)
    for name, shape, values in variables:
        assert values.size == int(np.prod(shape)), f"{name}: values elided or missing"
        matches = [a for a in stored
                   if a.shape == shape and np.allclose(a.ravel(), values, atol=1e-6)]
        assert matches, f"{name} in the weights file differs from the checkpoint"


@pytest.mark.parametrize("lesson", LESSONS)
def test_without_a_display_the_curves_are_saved_as_png(trained, lesson):
    cwd, stdout = trained(lesson)  # a lab server's environment: no display
    png = cwd / f"{lesson}_curves.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"Plot saved to {lesson}_curves.png" in stdout
    assert "a window shows" not in stdout


# --no-show: the same decision (plots.can_show_plots) for every platform in test_decisions.py, and
# end to end in a notebook (test_notebooks.py).
@pytest.mark.parametrize("where", ["a lab server", "a desktop"])
def test_the_curves_are_shown_only_where_a_screen_can_show_them_and_always_saved(resumed_runs,
                                                                                pycharm_run, where):
    if where == "a lab server":  # matplotlib chooses, as on a server: Agg, for want of a display
        cwd, stdout, _ = resumed_runs("rnn_onehot_1pre1")  # the picture was removed before it
        lesson = "rnn_onehot_1pre1"
    else:  # PyCharm on a desktop: a display, and a backend that draws windows there
        cwd, stdout, _ = pycharm_run
        lesson = "rnn_embedding_4pre1"
    assert (cwd / f"{lesson}_curves.png").read_bytes()[:4] == b"\x89PNG"
    assert f"Plot saved to {lesson}_curves.png" in stdout
    assert ("(a window shows figure 1)" in stdout) == (where == "a desktop")


def test_second_run_resumes_from_checkpoint(trained, resumed_runs):
    _, first = trained("rnn_onehot_1pre1")
    _, stdout, _ = resumed_runs("rnn_onehot_1pre1")  # 5 epochs more
    assert RESUME_LINE in stdout.splitlines()  # the lecture's line, exactly
    printed("-------------load the model-----------------", stdout)
    assert epoch_losses(stdout)[0] <= min(epoch_losses(first)) + 1e-3
    assert "Epoch 1/5 - " in stdout and "Trained 5 epochs: best loss" in stdout


def test_bad_answers_at_each_prompt_however_long_get_a_short_message_and_the_same_prompt_again(
        predicted_runs):
    _, out = predicted_runs("rnn_onehot_4pre1")  # typed: BAD_COUNTS, then 6, BAD_WORDS, 5 words
    assert max(len(line) for line in out.splitlines()) < 250  # a huge answer is echoed cut short
    assert out.count("input the number of test alphabet:") == len(BAD_COUNTS) + 1
    assert out.count("input test alphabet:") == len(BAD_WORDS) + 6  # the sixth meets the end
    assert out.count("is not a whole number; type how many predictions") == len(BAD_COUNTS)
    assert out.count("type 4 letters from a-e, like abcd") == len(BAD_WORDS)
    printed("'…' is not a whole number; type how many predictions, like 3 (0 to stop)", out)
    printed("input the number of test alphabet:", out)  # the lecture's prompts
    printed("input test alphabet:", out)
    printed("empty input; type …", out)
    printed("'abcz' has 'z', outside a-e; type …", out)
    printed("'ab1d' has '1', which is not a letter a-z; type …", out)
    printed("'ａｂｃｄ' has 'ａｂｃｄ', which are not letters a-z; type …", out)
    printed("'abc' has 3 letters, not 4; type …", out)
    printed("abcd->e", out)
    assert "has 5 letters, not 4" in out
    assert re.findall(r"(?:^|:)(\w{4}->\w)$", out, flags=re.M) == ["abcd->e", "bcde->a", "cdea->b",
                                                                   "deab->c", "eabc->d"]
    assert out.rstrip().endswith("Goodbye.")  # the input ended before the sixth word: status 0
    printed("Goodbye.", out)


def ask_count(monkeypatch, typed):
    """The lesson's count prompt (lessonkit.ask_count) in this process, `typed` on its stdin."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(typed))
    return scripts_module("lessonkit.prompt").ask_count("input the number of test alphabet:",
                                                        argparse.Namespace(predict=None))


def test_a_negative_count_asks_for_nothing_as_the_lectures_int_input_does(monkeypatch, capsys):
    # The lesson's `for i in range(preNum)` then asks for no word, and the lesson ends.
    assert ask_count(monkeypatch, "-1\nb\n") == 0
    assert sys.stdin.readline() == "b\n"  # the next line is left unread
    assert "Goodbye" not in capsys.readouterr().out


# At the count, here in this process; mid-way, end to end: what the lesson's process ends with.
def test_end_of_input_at_the_count_says_goodbye(monkeypatch, capsys):
    exits = scripts_module("lessonkit.exits")
    with pytest.raises(exits.Ending) as ended:
        ask_count(monkeypatch, "")
    assert ended.value.status == 0
    assert capsys.readouterr().out.rstrip().endswith("Goodbye.")


def test_unloadable_checkpoint_is_reported_kept_aside_and_replaced(copy_of):
    # One damaged; one of another lesson, refused by its record, is test_robustness.py's.
    cwd = copy_of("rnn_onehot_1pre1")
    path = checkpoint_of(cwd, "rnn_onehot_1pre1")
    path.write_bytes(path.read_bytes()[:300])
    unloadable = path.read_bytes()
    result = run_script("rnn_onehot_1pre1", "--epochs", "2", "--predict", "a", cwd=cwd)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stdout.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == 1 and "checkpoint/rnn_onehot_1pre1.weights.h5" in warnings[0]
    printed("Warning: cannot load X (…); training from scratch, and the old file is kept as X.",
            result.stdout)
    assert "Warning" not in result.stderr  # Keras's own warnings about the file stay out of it
    assert "load the model" not in result.stdout
    shapes = sorted(a.shape for a in checkpoint_arrays(path))
    assert shapes == sorted([(5, 3), (3, 3), (3,), (3, 5), (5,)])
    [kept] = path.parent.glob("rnn_onehot_1pre1.kept-*.weights.h5")  # nothing is deleted
    assert kept.read_bytes() == unloadable and kept.name in warnings[0]


def test_fresh_trains_from_scratch_and_keeps_the_old_checkpoint_aside(copy_of, monkeypatch, capsys):
    # The lesson's checkpoint_to_load, here in this process: False, so that the lesson does not
    # load; its ModelCheckpoint then finds no checkpoint to beat (test_checkpoints.py).
    from conftest import checkpoint_decision

    cwd = copy_of("rnn_embedding_1pre1")
    before = checkpoint_of(cwd, "rnn_embedding_1pre1").read_bytes()
    assert checkpoint_decision("rnn_embedding_1pre1", cwd, "--fresh", "--epochs", "2",
                               monkeypatch=monkeypatch) is False
    line = capsys.readouterr().out.strip()
    printed("Training from scratch (--fresh); the old X is kept as X.", line)
    assert not checkpoint_of(cwd, "rnn_embedding_1pre1").exists()
    [kept] = (cwd / "checkpoint").glob("rnn_embedding_1pre1.kept-*.weights.h5")
    assert kept.read_bytes() == before and kept.name in line


def test_epochs_sets_the_number_of_epochs_and_every_predict_word_is_answered(pycharm_run):
    cwd, stdout, _ = pycharm_run  # --epochs 3 --predict ABCD --predict " wxyz", a line on stdin
    assert "Epoch 3/3" in stdout and "Epoch 4" not in stdout
    assert "━" in stdout  # PyCharm's Run window draws Keras's bar
    assert "input the number" not in stdout
    assert re.findall(r"^(abcd|wxyz)->[a-z]$", stdout, flags=re.M) == ["abcd", "wxyz"]
    assert checkpoint_of(cwd, "rnn_embedding_4pre1").exists()


@pytest.mark.parametrize("words", [["abcd", "abcf"], ["abc"], [""], ["ab1d"]])
def test_a_bad_predict_word_is_refused_before_any_answer(words, capsys):
    # The lesson's first ask_word with --predict, here in this process: every word checked.
    import argparse

    prompt, exits = scripts_module("lessonkit.prompt"), scripts_module("lessonkit.exits")
    with pytest.raises(exits.Ending) as refused:
        prompt.ask_word("input test alphabet:", "abcde", 4, argparse.Namespace(predict=words))
    assert refused.value.status == 2
    line = capsys.readouterr().err.strip()
    assert line.startswith("--predict: ") and line.endswith("type 4 letters from a-e, like abcd")
    printed("--predict: …; type …", line)


def test_flags_are_never_abbreviated(capsys):
    with pytest.raises(SystemExit) as refused:
        parser_of("rnn_onehot_1pre1").parse_args(["--epoch", "0"])
    assert refused.value.code == 2
    assert "unrecognized arguments: --epoch 0" in capsys.readouterr().err


@pytest.mark.parametrize("lesson", LESSONS)
def test_help_says_what_each_flag_does_and_its_default(lesson):
    flags = help_of(parser_of(lesson).format_help())
    assert "train for N epochs (default: 100, the lecture's); 0 only loads the checkpoint and " \
           "predicts" in flags["--epochs"]
    assert "train from scratch; an existing checkpoint is kept aside, dated" in flags["--fresh"]
    assert "save the plots as PNG files only" in flags["--no-show"]
    assert "print the prediction for each WORD and skip the prompts" in flags["--predict"]
    assert "the five most probable letters and their probabilities" in flags["--probs"]
    assert "the model's own answers fed back in (default: 1, the lecture's)" in flags["--generate"]


def test_the_lesson_answers_help_with_its_own_flags(tmp_path):
    result = run_script("rnn_embedding_4pre1", "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("usage: rnn_embedding_4pre1.py [-h] [--epochs N]")
    assert help_of(result.stdout) == help_of(parser_of("rnn_embedding_4pre1").format_help())
    assert not (tmp_path / "checkpoint").exists()


# Ctrl-C while training: Python's KeyboardInterrupt, one line; what the checkpoint holds was
# written at the last better epoch, at most a second before.
@posix_only
def test_stopping_training_keeps_the_best_checkpoint_so_far(tmp_path, monkeypatch):
    process = start_script("rnn_embedding_4pre1", "--epochs", "5000", cwd=tmp_path,
                           stdin=subprocess.DEVNULL)  # some 20 s: stopped long before the end
    path = checkpoint_of(tmp_path, "rnn_embedding_4pre1")
    seen = read_until(process, b"Epoch 1/5000 - ")
    seen = read_until(process, b"\n", seen)
    deadline = time.monotonic() + 60
    while not path.exists() and time.monotonic() < deadline:  # the first write, a second in
        time.sleep(0.1)
    time.sleep(1.5)  # and better epochs since
    process.send_signal(signal.SIGINT)
    stdout, stderr = finish(process)
    assert process.returncode == 130
    assert stderr.strip() == "Interrupted."
    printed("Interrupted.", stderr)
    assert not list((tmp_path / "checkpoint").glob("*partial*"))
    # The next run resumes from it, here in this process: its checkpoint_to_load, then its
    # load_weights; its loss is the best the stopped run kept, below its first epoch's.
    from conftest import LESSONS, checkpoint_decision, recorded_model

    model = recorded_model(path)
    assert checkpoint_decision("rnn_embedding_4pre1", tmp_path, "--epochs", "1", monkeypatch=monkeypatch,
                               model=model) is True
    model.load_weights(path)
    letters = "abcdefghijklmnopqrstuvwxyz"
    x = np.array([[letters.index(c) for c in word] for word in LESSONS["rnn_embedding_4pre1"]])
    y = np.array([letters.index(c) for c in LESSONS["rnn_embedding_4pre1"].values()])
    assert model.evaluate(x, y, verbose=0)[0] < epoch_losses(seen.decode())[0] - 0.05


@posix_only
def test_ctrl_c_at_the_prompt_says_goodbye_and_exits_0(copy_of):
    cwd = copy_of("rnn_onehot_1pre1")
    process = start_script("rnn_onehot_1pre1", "--epochs", "0", cwd=cwd, stdin=subprocess.PIPE)
    read_until(process, b"input the number of test alphabet:")
    # The prompt is written just before the read begins: Ctrl-C comes once the student reads it.
    # (One that came in between would wait for the read to return: stdin stays open here.)
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    stdout, stderr = finish(process, timeout=60)
    assert process.returncode == 0
    assert "Traceback" not in stderr
    assert stdout.rstrip().endswith("Goodbye.")


@pytest.mark.parametrize("lesson", LESSONS)
def test_letter_lessons_never_import_scikit_learn_scipy_or_pandas(trained, lesson):
    _, stdout = trained(lesson)  # run by tests/programs/describe_figures.py
    assert stdout.rstrip().splitlines()[-1] == "imported: []"


input_word = "abcde"  # the lesson's letters, read from its globals: here, this module's


def test_a_bad_predict_word_is_refused_before_training(tmp_path, monkeypatch, capsys):
    # The lesson's checkpoint_to_load, in this process, with --predict abcd abcf and no checkpoint:
    # the word is refused before the lesson trains (or says it has nothing to predict with).
    import keras

    from conftest import lesson_started

    args = lesson_started("rnn_onehot_4pre1", tmp_path, ["--predict", "abcd", "abcf"], monkeypatch)
    args.predict = ["abcd", "abcf"]
    model = keras.Sequential([keras.Input((4, 5)), keras.layers.SimpleRNN(3), keras.layers.Dense(5)])
    with pytest.raises(scripts_module("lessonkit.exits").Ending) as refused:
        scripts_module("lessonkit.checkpoints").checkpoint_to_load(
            model, "./checkpoint/rnn_onehot_4pre1.weights.h5", args)
    assert refused.value.status == 2
    assert capsys.readouterr().err.strip() == (
        "--predict: 'abcf' has 'f', outside a-e; type 4 letters from a-e, like abcd")
    assert not (tmp_path / "checkpoint").exists()
