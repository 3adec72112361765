"""The four letter lessons, run as a student runs them: real TensorFlow, input on stdin."""
import re
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest

from conftest import (LESSONS, SCRIPTS, epoch_accuracies, epoch_losses, headless_env,
                      run_script)

TRAINABLE = {"rnn_onehot_1pre1": 47, "rnn_onehot_4pre1": 47,
             "rnn_embedding_1pre1": 48, "rnn_embedding_4pre1": 468}


def checkpoint_of(cwd, lesson):
    return cwd / "checkpoint" / f"{lesson}.weights.h5"


def checkpoint_arrays(path):
    """Every model array stored in a Keras 3 .weights.h5 file (the optimizer's left out)."""
    arrays = []
    with h5py.File(path, "r") as f:
        f["layers"].visititems(
            lambda name, obj: arrays.append(obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return arrays


def read_weights_file(path):
    """[(variable path, shape, values)] from a weights dump."""
    text = path.read_text()
    blocks = re.split(r"^(\S+/\S+)\n(\([0-9, ]*\))\n", text, flags=re.M)[1:]
    variables = []
    for name, shape, values in zip(blocks[0::3], blocks[1::3], blocks[2::3]):
        numbers = [float(x) for x in re.findall(r"-?\d+\.?\d*(?:e[+-]?\d+)?", values)]
        variables.append((name, eval(shape), np.array(numbers)))
    return variables


@pytest.mark.parametrize("lesson", LESSONS)
def test_defaults_reach_accuracy_1_and_predict_every_training_cycle(trained, lesson):
    cwd, result = trained(lesson)
    assert result.returncode == 0, result.stderr
    assert "Epoch 100/100" in result.stdout and "Epoch 101" not in result.stdout
    assert epoch_accuracies(result.stdout)[-1] == 1.0
    for word, next_letter in LESSONS[lesson].items():
        assert f"{word}->{next_letter}" in result.stdout
    assert f"Trainable params: {TRAINABLE[lesson]} " in result.stdout
    assert "load the model" not in result.stdout
    assert checkpoint_of(cwd, lesson).exists()


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
    cwd, result = trained(lesson)
    png = cwd / f"{lesson}_curves.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"{lesson}_curves.png" in result.stdout


@pytest.mark.parametrize("lesson", LESSONS)
def test_second_run_resumes_from_checkpoint(trained, copy_of, lesson):
    _, first = trained(lesson)
    cwd = copy_of(lesson)
    result = run_script(lesson, "--epochs", "3", "--predict", next(iter(LESSONS[lesson])),
                        cwd=cwd)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "-------------load the model-----------------" in lines  # the lecture's line, exactly
    assert lines[lines.index("-------------load the model-----------------") + 1] == (
        f"(resuming from ./checkpoint/{lesson}.weights.h5: 断点续训)")
    assert epoch_losses(result.stdout)[0] <= min(epoch_losses(first.stdout)) + 1e-3


def test_bad_answers_at_each_prompt_get_a_message_and_the_same_prompt_again(copy_of):
    cwd = copy_of("rnn_onehot_4pre1")
    typed = ["three", "-1", "2.5", "", "3",        # the count
             "", "abc", "abcz", "ａｂｃｄ", "abcde",  # bad words do not use up a prediction
             " ABCD ", "bcde", "cdea"]
    result = run_script("rnn_onehot_4pre1", "--epochs", "0", cwd=cwd,
                        stdin="".join(f"{line}\n" for line in typed))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("input the number of test alphabet:") == 5
    assert out.count("input test alphabet:") == 8
    assert out.count("not a number of predictions") == 4
    assert out.count("4 letters from a-e, like abcd") == 5
    assert "empty input" in out and "outside a-e" in out and "not plain letters" in out
    assert "has 3 letters, not 4" in out and "has 5 letters, not 4" in out
    assert re.findall(r"\w{4}->\w", out) == ["abcd->e", "bcde->a", "cdea->b"]


@pytest.mark.parametrize("stdin", ["", "3\na\n"], ids=["at-the-count", "mid-way"])
def test_end_of_input_says_goodbye_and_exits_0(copy_of, stdin):
    cwd = copy_of("rnn_onehot_1pre1")
    result = run_script("rnn_onehot_1pre1", "--epochs", "0", cwd=cwd, stdin=stdin)
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith("Goodbye.")


@pytest.mark.parametrize("damage", ["corrupt", "foreign"])
def test_unloadable_checkpoint_is_reported_and_replaced(copy_of, trained, damage):
    cwd = copy_of("rnn_onehot_1pre1")
    path = checkpoint_of(cwd, "rnn_onehot_1pre1")
    if damage == "corrupt":
        path.write_bytes(path.read_bytes()[:300])
    else:
        other, _ = trained("rnn_embedding_4pre1")
        path.write_bytes(checkpoint_of(other, "rnn_embedding_4pre1").read_bytes())
    result = run_script("rnn_onehot_1pre1", "--epochs", "2", "--predict", "a", cwd=cwd)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stdout.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == 1 and "checkpoint/rnn_onehot_1pre1.weights.h5" in warnings[0]
    assert "Warning" not in result.stderr  # Keras's own warnings about the file stay out of it
    assert "load the model" not in result.stdout
    shapes = sorted(a.shape for a in checkpoint_arrays(path))
    assert shapes == sorted([(5, 3), (3, 3), (3,), (3, 5), (5,)])


def test_fresh_ignores_the_checkpoint_and_replaces_it(copy_of, trained):
    _, first = trained("rnn_embedding_1pre1")
    cwd = copy_of("rnn_embedding_1pre1")
    before = checkpoint_of(cwd, "rnn_embedding_1pre1").read_bytes()
    result = run_script("rnn_embedding_1pre1", "--fresh", "--epochs", "2", "--predict", "a",
                        cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert "load the model" not in result.stdout and "--fresh" in result.stdout
    assert epoch_losses(result.stdout)[0] == epoch_losses(first.stdout)[0]  # same seed, same start
    assert checkpoint_of(cwd, "rnn_embedding_1pre1").read_bytes() != before


def test_epochs_sets_the_number_of_epochs_and_every_predict_word_is_answered(tmp_path):
    result = run_script("rnn_embedding_4pre1", "--epochs", "3", "--predict", "ABCD",
                        "--predict", " wxyz", cwd=tmp_path, stdin="this would be a bad answer\n")
    assert result.returncode == 0, result.stderr
    assert "Epoch 3/3" in result.stdout and "Epoch 4" not in result.stdout
    assert "input the number" not in result.stdout
    assert re.findall(r"^(abcd|wxyz)->[a-z]$", result.stdout, flags=re.M) == ["abcd", "wxyz"]
    assert (tmp_path / "checkpoint" / "rnn_embedding_4pre1.weights.h5").exists()


@pytest.mark.parametrize("word", ["abcf", "abc", ""])
def test_bad_predict_word_is_refused_before_training(tmp_path, word):
    result = run_script("rnn_onehot_4pre1", "--predict", word, cwd=tmp_path)
    assert result.returncode == 2
    assert "4 letters from a-e, like abcd" in result.stderr
    assert not (tmp_path / "checkpoint").exists()


@pytest.mark.parametrize("lesson", LESSONS)
def test_help_names_every_flag(tmp_path, lesson):
    result = run_script(lesson, "--help", cwd=tmp_path)
    assert result.returncode == 0
    for flag in ("--epochs", "--fresh", "--predict", "--no-show"):
        assert flag in result.stdout


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_stopping_training_keeps_the_best_checkpoint_so_far(tmp_path, stop):
    process = subprocess.Popen(
        [sys.executable, str(SCRIPTS / "rnn_embedding_4pre1.py"), "--epochs", "100000"],
        cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=headless_env())
    for line in process.stdout:
        if line.startswith("Epoch 30/"):
            break
    time.sleep(0.5)
    process.send_signal(stop)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130
    assert "Traceback" not in stderr
    assert "Training interrupted" in stderr and "Run the script again to resume" in stderr
    path = tmp_path / "checkpoint" / "rnn_embedding_4pre1.weights.h5"
    assert len(checkpoint_arrays(path)) == 6  # embedding, 3 of the SimpleRNN, 2 of the Dense
    assert not list((tmp_path / "checkpoint").glob("*partial*"))


def test_ctrl_c_at_the_prompt_says_goodbye_and_exits_0(copy_of):
    cwd = copy_of("rnn_onehot_1pre1")
    process = subprocess.Popen(
        [sys.executable, str(SCRIPTS / "rnn_onehot_1pre1.py"), "--epochs", "0"], cwd=cwd,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=headless_env())
    seen = b""
    while b"input the number of test alphabet:" not in seen:
        chunk = process.stdout.read1(4096)
        assert chunk, seen
        seen += chunk
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0
    assert b"Traceback" not in stderr
    assert stdout.decode().rstrip().endswith("Goodbye.")


# Runs a script in a Python that then says which of the optional packages it imported.
IMPORT_PROBE = """
import runpy, sys
sys.argv = [{script!r}, *{args!r}]
sys.path.insert(0, {scripts!r})
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
finally:
    print("imported:", sorted({{m.split(".")[0] for m in sys.modules}} & {{"sklearn", "scipy", "pandas"}}))
"""


@pytest.mark.parametrize("lesson, script, args", [
    ("rnn_embedding_4pre1", "rnn_embedding_4pre1", ["--epochs", "1", "--predict", "abcd"]),
    ("rnn_onehot_4pre1", "rnn_forward_by_hand", []),
])
def test_letter_lessons_never_import_scikit_learn_scipy_or_pandas(copy_of, lesson, script, args):
    cwd = copy_of(lesson)
    probe = IMPORT_PROBE.format(script=str(SCRIPTS / f"{script}.py"), args=args,
                                scripts=str(SCRIPTS))
    result = subprocess.run([sys.executable, "-c", probe], cwd=cwd, capture_output=True,
                            text=True, env=headless_env(), timeout=300)
    assert result.returncode == 0, result.stderr
    assert "->" in result.stdout
    assert result.stdout.rstrip().splitlines()[-1] == "imported: []"
