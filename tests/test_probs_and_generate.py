"""--probs shows how sure the network is; --generate N feeds its own answers back in."""
import re

import pytest

from conftest import LESSONS, parser_of, run_script

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
def test_generate_continues_every_training_cycle_and_probs_sum_to_1(copy_of, lesson):
    cwd = copy_of(lesson)
    words = list(LESSONS[lesson])
    result = run_script(lesson, "--epochs", "0", "--predict", *words, "--generate", "10",
                        "--probs", cwd=cwd)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    answers = [i for i, line in enumerate(lines) if "->" in line]
    assert [lines[i] for i in answers] == [f"{w}->{cycle_after(w, 10)}" for w in words]
    assert sum(bool(PROBS_LINE.match(line)) for line in lines) == len(words)
    for i, word in zip(answers, words):
        p = probabilities(lines[i + 1])
        assert len(p) == 5 and sum(p.values()) == pytest.approx(1, abs=0.003)
        assert list(p.values()) == sorted(p.values(), reverse=True)
        assert next(iter(p)) == LESSONS[lesson][word]  # the first letter's probabilities


def test_generate_runs_off_the_end_of_the_alphabet_in_the_26_letter_lesson(copy_of):
    cwd = copy_of("rnn_embedding_4pre1")
    result = run_script("rnn_embedding_4pre1", "--epochs", "0", "--predict", "vwxy", "abcd",
                        "--generate", "12", "--probs", cwd=cwd)
    assert result.returncode == 0, result.stderr
    answers = re.findall(r"^(\w{4})->(\w+)$", result.stdout, flags=re.M)
    assert [word for word, _ in answers] == ["vwxy", "abcd"]
    assert all(len(letters) == 12 for _, letters in answers)
    assert answers[0][1][0] == "z" and answers[1][1].startswith("efgh")
    lines = re.findall(r"^   .*$", result.stdout, flags=re.M)
    assert len(lines) == 2  # one after each answer
    for line in lines:
        p = probabilities(line)
        assert len(p) == 5 and sum(p.values()) <= 1.003


def test_probs_and_generate_at_the_prompt_follow_each_typed_answer(copy_of):
    cwd = copy_of("rnn_onehot_4pre1")
    with_probs = run_script("rnn_onehot_4pre1", "--epochs", "0", "--probs", "--generate", "3",
                            cwd=cwd, stdin="2\nabcd\nbcde\n")
    assert with_probs.returncode == 0, with_probs.stderr
    lines = with_probs.stdout.splitlines()
    answers = [i for i, line in enumerate(lines) if "->" in line]
    assert [lines[i].split("->")[-1] for i in answers] == ["eab", "abc"]
    assert [next(iter(probabilities(lines[i + 1]))) for i in answers] == ["e", "a"]
    assert with_probs.stdout.count("input test alphabet:") == 2


def test_without_the_flags_an_answer_is_the_lectures_one_line(trained):
    _, stdout = trained("rnn_onehot_4pre1")
    assert re.findall(r"\w+->\w+", stdout) == [f"{w}->{n}" for w, n in LESSONS["rnn_onehot_4pre1"].items()]
    assert not re.search(r"^   [a-e] [01]\.", stdout, flags=re.M)


def test_probs_agree_with_the_by_hand_pass(copy_of, by_hand_runs):
    cwd = copy_of("rnn_embedding_4pre1")
    _, by_hand = by_hand_runs("rnn_embedding_4pre1", "qwer")
    block = by_hand.split("softmax probabilities:")[1].split("Keras probabilities:")[0]
    hand = {letter: float(p) for letter, p in re.findall(r"^    ([a-z])  ([0-9.]+)", block, re.M)}
    assert len(hand) == 26
    result = run_script("rnn_embedding_4pre1", "--epochs", "0", "--predict", "qwer", "--probs",
                        cwd=cwd)
    shown = probabilities(result.stdout.split("qwer->")[1].splitlines()[1])
    assert list(shown) == sorted(hand, key=hand.get, reverse=True)[:5]
    for letter, p in shown.items():
        assert p == pytest.approx(hand[letter], abs=6e-4)


def test_a_bad_generate_value_gets_argparses_one_line_and_status_2(tmp_path):
    result = run_script("rnn_onehot_1pre1", "--generate", "0", cwd=tmp_path)
    assert result.returncode == 2
    error = result.stderr.strip().splitlines()[-1]
    assert error.endswith("argument --generate: '0' is not a whole number >= 1")
    assert not (tmp_path / "checkpoint").exists()


@pytest.mark.parametrize("value", ["x", "-3", "1.5"])
def test_every_bad_generate_value_is_refused_by_the_flags(value, capsys):
    with pytest.raises(SystemExit) as refused:
        parser_of("rnn_onehot_1pre1").parse_args(["--generate", value])
    assert refused.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.endswith(f"argument --generate: {value!r} is not a whole number >= 1")
