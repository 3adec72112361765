"""The by-hand forward pass agrees with Keras, and says so, on each lesson's trained weights."""
import re

import numpy as np
import pytest

from conftest import LESSONS, run_script, scripts_module

FINAL_LINE = re.compile(r"^(\w+)->(\w)  \(Keras: (\w), max abs difference ([0-9.e+-]+)\)$", re.M)

# Inputs of the right length that are not training cycles, where the vocabulary has any.
OTHER_INPUTS = {"rnn_onehot_1pre1": [], "rnn_embedding_1pre1": [],
                "rnn_onehot_4pre1": ["aaaa", "edcb", "bdac"],
                "rnn_embedding_4pre1": ["zyxw", "aaaa", "qwer"]}


@pytest.mark.parametrize("lesson", LESSONS)
def test_by_hand_probabilities_match_keras_predict_within_1e_5(trained, lesson):
    cwd, _ = trained(lesson)
    module, by_hand = scripts_module(lesson), scripts_module("rnn_forward_by_hand")
    model = module.build_model()
    model.load_weights(cwd / "checkpoint" / f"{lesson}.weights.h5")
    Wxh, Whh, bh, Why, by, E = by_hand.trained_parameters(model)
    assert (E is not None) == ("embedding" in lesson)
    words = list(LESSONS[lesson]) + OTHER_INPUTS[lesson]
    expected = model.predict(np.array([module.encode(word) for word in words]), verbose=0)
    for word, p_keras in zip(words, expected):
        ids = [module.w_to_id[c] for c in word]
        xs = E[ids] if E is not None else np.eye(len(module.input_word))[ids]
        _, _, p = by_hand.forward_pass(Wxh, Whh, bh, Why, by, xs)
        assert np.max(np.abs(p - p_keras)) < 1e-5, word


@pytest.mark.parametrize("lesson", LESSONS)
def test_final_line_names_the_keras_letter_and_the_picture_is_saved(copy_of, lesson):
    cwd = copy_of(lesson)
    word = list(LESSONS[lesson])[-1]
    result = run_script("rnn_forward_by_hand", lesson, word, cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert "t = 1:" in result.stdout and "h_t = tanh" in result.stdout
    match = FINAL_LINE.findall(result.stdout)[-1]
    assert result.stdout.rstrip().endswith(match[3] + ")")
    assert match[0] == word and match[1] == match[2] == LESSONS[lesson][word]
    assert float(match[3]) < 1e-5
    assert (cwd / f"{lesson}_by_hand.png").read_bytes()[:4] == b"\x89PNG"


def test_default_is_the_lecture_example_bcde(copy_of):
    cwd = copy_of("rnn_onehot_4pre1")
    result = run_script("rnn_forward_by_hand", cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert FINAL_LINE.findall(result.stdout)[-1][:3] == ("bcde", "a", "a")


@pytest.mark.parametrize("args, message", [
    (["rnn_gru_9pre1"], "choose one of rnn_onehot_1pre1"),
    (["rnn_onehot_4pre1", "abcz"], "4 letters from a-e"),
    (["rnn_onehot_4pre1", "abc"], "4 letters from a-e"),
    (["rnn_embedding_1pre1", "ab"], "1 letter from a-e"),
])
def test_bad_input_gets_one_line_and_status_2(copy_of, args, message):
    cwd = copy_of("rnn_onehot_4pre1")
    result = run_script("rnn_forward_by_hand", *args, cwd=cwd)
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_without_a_checkpoint_it_names_the_command_that_trains_one(tmp_path):
    result = run_script("rnn_forward_by_hand", "rnn_embedding_4pre1", "abcd", cwd=tmp_path)
    assert result.returncode == 2
    assert "python scripts/rnn_embedding_4pre1.py" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_checkpoint_that_does_not_load_gets_one_line_and_status_2(copy_of, tmp_path):
    cwd = copy_of("rnn_embedding_4pre1")
    (cwd / "checkpoint" / "rnn_onehot_4pre1.weights.h5").write_bytes(
        (cwd / "checkpoint" / "rnn_embedding_4pre1.weights.h5").read_bytes())
    result = run_script("rnn_forward_by_hand", "rnn_onehot_4pre1", "bcde", cwd=cwd)
    assert result.returncode == 2
    assert "Cannot load ./checkpoint/rnn_onehot_4pre1.weights.h5" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
