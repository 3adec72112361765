"""--probs shows how sure the network is; --generate N feeds its own answers back in."""
import re

import pytest

from conftest import LESSONS, PROMPTS, parser_of, printed

PROBS_LINE = re.compile(r"^   ([a-z]) ([01]\.[0-9]{3})((?:  [a-z] [01]\.[0-9]{3})*)$")
CYCLE_LESSONS = ["rnn_onehot_1pre1", "rnn_onehot_4pre1"]
GENERATED = re.compile(r"^   (\w+)->(\w+)  \(--generate 12\)$")


def probabilities(line):
    """{letter: probability} from a --probs line, in the order printed."""
    assert PROBS_LINE.match(line), line
    pairs = re.findall(r"([a-z]) ([01]\.[0-9]{3})", line)
    return {letter: float(p) for letter, p in pairs}


def cycle_after(word, letters):
    """The letters that follow `word` round the cycle a-e."""
    start = "abcde".index(word[-1]) + 1
    return "".join("abcde"[(start + i) % 5] for i in range(letters))


def answers(stdout):
    """[(the lecture's answer line, the --probs line under it, the --generate line under that)]."""
    lines = [PROMPTS.split(line)[-1] for line in stdout.splitlines()]  # typed: after the prompt
    return [tuple(lines[i:i + 3]) for i, line in enumerate(lines) if re.fullmatch(r"\w+->\w", line)]


@pytest.mark.parametrize("lesson", CYCLE_LESSONS)
def test_generate_continues_every_training_cycle_and_probs_sum_to_1(predicted_runs, lesson):
    words = list(LESSONS[lesson])
    _, stdout = predicted_runs(lesson)  # --epochs 0 --generate 12 --probs, every cycle typed
    found = answers(stdout)
    assert [answer for answer, _, _ in found] == [f"{w}->{LESSONS[lesson][w]}" for w in words]
    for (answer, probs, generated), word in zip(found, words):
        p = probabilities(probs)
        assert len(p) == 5 and sum(p.values()) == pytest.approx(1, abs=0.003)
        assert list(p.values()) == sorted(p.values(), reverse=True)
        assert next(iter(p)) == LESSONS[lesson][word]  # the first letter's probabilities
        assert GENERATED.match(generated).groups() == (word, cycle_after(word, 12))
    printed("…->…  (--generate N)", found[0][2].strip())


def test_generate_runs_off_the_end_of_the_alphabet_in_the_26_letter_lesson(predicted_runs):
    _, stdout = predicted_runs("rnn_embedding_4pre1")  # its cycles, then qwer and wxyz
    found = {GENERATED.match(generated).group(1): GENERATED.match(generated).group(2)
             for _, _, generated in answers(stdout)}
    assert len(found) == 24 and all(len(letters) == 12 for letters in found.values())
    assert found["vwxy"][0] == "z" and found["abcd"].startswith("efgh")
    for _, probs, _ in answers(stdout):
        p = probabilities(probs)
        assert len(p) == 5 and sum(p.values()) <= 1.003


def test_without_the_flags_an_answer_is_the_lectures_one_line(trained):
    _, stdout = trained("rnn_onehot_4pre1")
    assert re.findall(r"\w+->\w+", stdout) == [f"{w}->{n}" for w, n in LESSONS["rnn_onehot_4pre1"].items()]
    assert not re.search(r"^   [a-e] [01]\.", stdout, flags=re.M)


def test_probs_agree_with_the_by_hand_pass(predicted_runs, by_hand_runs):
    _, by_hand = by_hand_runs("rnn_embedding_4pre1", "qwer")
    block = by_hand.split("softmax probabilities:")[1].split("Keras probabilities:")[0]
    hand = {letter: float(p) for letter, p in re.findall(r"^    ([a-z])  ([0-9.]+)", block, re.M)}
    assert len(hand) == 26
    # The probabilities of the first letter after qwer, the one the pass computes.
    [shown] = [probabilities(probs) for answer, probs, _ in answers(predicted_runs("rnn_embedding_4pre1")[1])
               if answer.startswith("qwer->")]
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
