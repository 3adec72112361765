"""--probs shows how sure the network is; --generate N feeds its own answers back in."""
import re
import shutil

import pytest

from conftest import LESSONS, PROMPTS, parser_of, run_script, trained_once

PROBS_LINE = re.compile(r"^   ([a-z]) ([01]\.[0-9]{3})((?:  [a-z] [01]\.[0-9]{3})*)$")
CYCLE_LESSONS = ["rnn_onehot_1pre1", "rnn_onehot_4pre1", "rnn_embedding_1pre1"]


def probabilities(line):
    """{letter: probability} from a --probs line, in the order printed."""
    assert PROBS_LINE.match(line), line
    pairs = re.findall(r"([a-z]) ([01]\.[0-9]{3})", line)
    return {letter: float(p) for letter, p in pairs}


def cycle_after(word, letters):
    """The letters that follow `word` round the cycle a-e."""
    start = "abcde".index(word[-1]) + 1
    return "".join("abcde"[(start + i) % 5] for i in range(letters))


@pytest.mark.parametrize("lesson", CYCLE_LESSONS)
def test_generate_continues_every_training_cycle_and_probs_sum_to_1(predicted_runs, lesson):
    words = list(LESSONS[lesson])
    _, stdout = predicted_runs(lesson)  # --epochs 0 --generate 10 --probs, every cycle
    lines = [PROMPTS.split(line)[-1] for line in stdout.splitlines()]  # typed: after the prompt
    answers = [i for i, line in enumerate(lines) if "->" in line]
    assert [lines[i] for i in answers] == [f"{w}->{cycle_after(w, 10)}" for w in words]
    assert sum(bool(PROBS_LINE.match(line)) for line in lines) == len(words)
    for i, word in zip(answers, words):
        p = probabilities(lines[i + 1])
        assert len(p) == 5 and sum(p.values()) == pytest.approx(1, abs=0.003)
        assert list(p.values()) == sorted(p.values(), reverse=True)
        assert next(iter(p)) == LESSONS[lesson][word]  # the first letter's probabilities


@pytest.fixture(scope="session")
def in_the_26_letter_lesson(trained, shared_dir):
    """The stdout of one run of rnn_embedding_4pre1 with --epochs 0 on its default training,
    given three words with --generate 12 --probs: two training cycles, one it never saw."""
    def make(folder):
        source, _ = trained("rnn_embedding_4pre1")
        shutil.copytree(source, folder, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("result.json"))
        result = run_script("rnn_embedding_4pre1", "--epochs", "0", "--predict", "vwxy", "abcd",
                            "qwer", "--generate", "12", "--probs", cwd=folder)
        assert result.returncode == 0, result.stderr
        return result.stdout

    return trained_once(shared_dir, "predicted-26-letters", make)[1]


def test_generate_runs_off_the_end_of_the_alphabet_in_the_26_letter_lesson(in_the_26_letter_lesson):
    stdout = in_the_26_letter_lesson
    answers = re.findall(r"^(\w{4})->(\w+)$", stdout, flags=re.M)
    assert [word for word, _ in answers] == ["vwxy", "abcd", "qwer"]
    assert all(len(letters) == 12 for _, letters in answers)
    assert answers[0][1][0] == "z" and answers[1][1].startswith("efgh")
    lines = re.findall(r"^   .*$", stdout, flags=re.M)
    assert len(lines) == 3  # one after each answer
    for line in lines:
        p = probabilities(line)
        assert len(p) == 5 and sum(p.values()) <= 1.003


def test_probs_and_generate_at_the_prompt_follow_each_typed_answer(predicted_runs):
    _, stdout = predicted_runs("rnn_onehot_4pre1")  # its training cycles typed at the prompt
    words = list(LESSONS["rnn_onehot_4pre1"])
    assert stdout.count("input the number of test alphabet:") == 1
    assert stdout.count("input test alphabet:") == len(words)
    lines = [PROMPTS.split(line)[-1] for line in stdout.splitlines()]
    answers = [i for i, line in enumerate(lines) if "->" in line]
    assert [lines[i] for i in answers] == [f"{w}->{cycle_after(w, 10)}" for w in words]
    assert [next(iter(probabilities(lines[i + 1]))) for i in answers] == [
        LESSONS["rnn_onehot_4pre1"][w] for w in words]


def test_without_the_flags_an_answer_is_the_lectures_one_line(trained):
    _, stdout = trained("rnn_onehot_4pre1")
    assert re.findall(r"\w+->\w+", stdout) == [f"{w}->{n}" for w, n in LESSONS["rnn_onehot_4pre1"].items()]
    assert not re.search(r"^   [a-e] [01]\.", stdout, flags=re.M)


def test_probs_agree_with_the_by_hand_pass(in_the_26_letter_lesson, by_hand_runs):
    _, by_hand = by_hand_runs("rnn_embedding_4pre1", "qwer")
    block = by_hand.split("softmax probabilities:")[1].split("Keras probabilities:")[0]
    hand = {letter: float(p) for letter, p in re.findall(r"^    ([a-z])  ([0-9.]+)", block, re.M)}
    assert len(hand) == 26
    # The probabilities of the first letter after qwer, the one the pass computes.
    shown = probabilities(in_the_26_letter_lesson.split("qwer->")[1].splitlines()[1])
    assert list(shown) == sorted(hand, key=hand.get, reverse=True)[:5]
    for letter, p in shown.items():
        assert p == pytest.approx(hand[letter], abs=6e-4)


# A value argparse refuses ends the lesson with its lines, before anything is written: seen end
# to end for --predict (test_letters.py); --generate's values are checked by the same parser.
@pytest.mark.parametrize("value", ["0", "x", "-3", "1.5"])
def test_every_bad_generate_value_is_refused_by_the_flags(value, capsys):
    with pytest.raises(SystemExit) as refused:
        parser_of("rnn_onehot_1pre1").parse_args(["--generate", value])
    assert refused.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.endswith(f"argument --generate: {value!r} is not a whole number >= 1")
