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

from conftest import (LESSONS, PROGRAMS, RESUME_LINE, checkpoint_arrays, checkpoint_of, epoch_accuracies,
                      epoch_losses, finish, help_of, parser_of, posix_only, printed, read_until, run_script,
                      scripts_module, start_script)

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
    printed("Weights written to X", stdout)
    printed("Plot saved to X", stdout)


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
def test_the_curves_are_shown_only_where_a_screen_can_show_them_and_always_saved(copy_of,
                                                                                resumed_runs, where):
    if where == "a lab server":  # matplotlib chooses, as on a server: Agg, for want of a display
        cwd, stdout, _ = resumed_runs("rnn_onehot_1pre1")  # the picture was removed before it
    else:  # a display, and a backend that draws windows there
        cwd = copy_of("rnn_onehot_1pre1")
        (cwd / "rnn_onehot_1pre1_curves.png").unlink()
        screen = {"DISPLAY": ":0", "MPLBACKEND": "module://recording_backend",
                  "PYTHONPATH": str(PROGRAMS)}
        result = run_script("rnn_onehot_1pre1", "--epochs", "1", "--predict", "a", cwd=cwd,
                            env=screen)
        assert result.returncode == 0, result.stderr
        stdout = result.stdout
    assert (cwd / "rnn_onehot_1pre1_curves.png").read_bytes()[:4] == b"\x89PNG"
    assert "Plot saved to rnn_onehot_1pre1_curves.png" in stdout
    assert ("(a window shows figure 1)" in stdout) == (where == "a desktop")


@pytest.mark.parametrize("lesson", ["rnn_onehot_1pre1", "rnn_embedding_4pre1"])
def test_second_run_resumes_from_checkpoint(trained, resumed_runs, lesson):
    _, first = trained(lesson)
    _, stdout, _ = resumed_runs(lesson)  # 5 epochs more
    lines = stdout.splitlines()
    assert RESUME_LINE in lines  # the lecture's line, exactly
    printed("-------------load the model-----------------", stdout)
    assert lines[lines.index(RESUME_LINE) + 1] == (
        f"(resuming from ./checkpoint/{lesson}.weights.h5: 断点续训)")
    printed("(resuming from X: 断点续训)", stdout)
    assert epoch_losses(stdout)[0] <= min(epoch_losses(first)) + 1e-3


def test_bad_answers_at_each_prompt_however_long_get_a_short_message_and_the_same_prompt_again(
        copy_of):
    cwd = copy_of("rnn_onehot_4pre1")
    huge_count, huge_word = "7" * 1_000_000 + "x", "z" * 1_000_000
    typed = ["three", "2.5", "", "7" * 5000, huge_count, "3",  # the count; 5000 digits: too long for int()
             "", "abc", "abcz", "ａｂｃｄ", "ab1d", "abcde", huge_word,  # bad words do not use up a prediction
             " ABCD ", "bcde", "cdea"]
    result = run_script("rnn_onehot_4pre1", "--epochs", "0", cwd=cwd,
                        stdin="".join(f"{line}\n" for line in typed))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert max(len(line) for line in out.splitlines()) < 250  # a huge answer is echoed cut short
    assert out.count("input the number of test alphabet:") == 6
    assert out.count("input test alphabet:") == 10
    assert out.count("is not a whole number; type how many predictions") == 5
    assert out.count("type 4 letters from a-e, like abcd") == 7
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
    assert re.findall(r"\w{4}->\w", out) == ["abcd->e", "bcde->a", "cdea->b"]


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


def test_end_of_input_says_goodbye_and_exits_0(copy_of):
    cwd = copy_of("rnn_onehot_1pre1")
    result = run_script("rnn_onehot_1pre1", "--epochs", "0", cwd=cwd, stdin="3\na\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith("Goodbye.")
    printed("Goodbye.", result.stdout)


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


def test_fresh_ignores_the_checkpoint_and_replaces_it(copy_of, trained):
    _, first = trained("rnn_embedding_1pre1")
    cwd = copy_of("rnn_embedding_1pre1")
    before = checkpoint_of(cwd, "rnn_embedding_1pre1").read_bytes()
    result = run_script("rnn_embedding_1pre1", "--fresh", "--epochs", "2", "--predict", "a",
                        cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert "load the model" not in result.stdout
    printed("Ignoring X (--fresh): training from scratch, it will be replaced.", result.stdout)
    assert epoch_losses(result.stdout)[0] == epoch_losses(first)[0]  # same seed, same start
    assert checkpoint_of(cwd, "rnn_embedding_1pre1").read_bytes() != before


def test_epochs_sets_the_number_of_epochs_and_every_predict_word_is_answered(pycharm_run):
    cwd, stdout, _ = pycharm_run  # --epochs 3 --predict ABCD --predict " wxyz", a line on stdin
    assert "Epoch 3/3" in stdout and "Epoch 4" not in stdout
    assert "input the number" not in stdout
    assert re.findall(r"^(abcd|wxyz)->[a-z]$", stdout, flags=re.M) == ["abcd", "wxyz"]
    assert checkpoint_of(cwd, "rnn_embedding_4pre1").exists()


def test_a_bad_predict_word_is_refused_before_training(tmp_path):
    result = run_script("rnn_onehot_4pre1", "--predict", "abcf", cwd=tmp_path)
    line = result.stderr.strip().splitlines()[-1]
    assert result.returncode == 2
    assert line == ("rnn_onehot_4pre1.py: error: argument --predict: 'abcf' has 'f', outside a-e; "
                    "type 4 letters from a-e, like abcd")
    printed("… error: argument …", result.stderr)
    assert not (tmp_path / "checkpoint").exists() and "Epoch" not in result.stdout


@pytest.mark.parametrize("word", ["abc", "", "ab1d"])  # each refused as abcf is, by argparse
def test_every_bad_predict_word_is_refused_by_the_flags(word, capsys):
    with pytest.raises(SystemExit) as refused:
        parser_of("rnn_onehot_4pre1").parse_args(["--predict", word])
    assert refused.value.code == 2
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert "error: argument --predict: " in line and line.endswith("type 4 letters from a-e, like abcd")


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
    assert "ignore an existing checkpoint and train from scratch" in flags["--fresh"]
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


# Ctrl-C here; every stopping signal (SIGTERM, SIGHUP too) as the last write begins, in
# test_robustness.py: the same handler, installed for the whole of training.
@posix_only
def test_stopping_training_keeps_the_best_checkpoint_so_far(tmp_path):
    process = start_script("rnn_embedding_4pre1", "--epochs", "100000", cwd=tmp_path,
                           stdin=subprocess.DEVNULL)
    read_until(process, b"Epoch 30/")
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    stdout, stderr = finish(process)
    assert process.returncode == 130
    assert "Traceback" not in stderr
    printed("Training interrupted after N epochs: …. Run the script again to resume.", stderr)
    path = checkpoint_of(tmp_path, "rnn_embedding_4pre1")
    assert len(checkpoint_arrays(path)) == 6  # embedding, 3 of the SimpleRNN, 2 of the Dense
    assert not list((tmp_path / "checkpoint").glob("*partial*"))


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
