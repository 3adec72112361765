"""The letter lessons' prediction prompt: checked answers, --predict, --probs and --generate."""
import sys

import numpy as np

from lessonkit.exits import goodbye, shown

END_OF_INPUT = {"\x04", "\x1a"}  # Ctrl-D and Ctrl-Z typed on Windows arrive as characters


def check_word(text, input_word, word_length):
    """None when `text` is a word the model can take, else what is wrong and what is accepted."""
    word, typed = text.strip().lower(), shown(text.strip())
    noun = "letter" if word_length == 1 else "letters"
    hint = f"type {word_length} {noun} from {input_word[0]}-{input_word[-1]}, like {input_word[:word_length]}"
    not_letters = "".join(dict.fromkeys(c for c in word if not (c.isascii() and c.isalpha())))
    outside = "".join(sorted(set(word) - set(input_word)))
    if not word:
        return f"empty input; {hint}"
    if not_letters:
        which = "is not a letter" if len(not_letters) == 1 else "are not letters"
        return f"{typed} has {shown(not_letters)}, which {which} a-z; {hint}"
    if outside:
        return f"{typed} has {shown(outside)}, outside {input_word[0]}-{input_word[-1]}; {hint}"
    if len(word) != word_length:
        return f"{typed} has {len(word)} {'letter' if len(word) == 1 else 'letters'}, not {word_length}; {hint}"
    return None


def read_count(text):
    """The lecture's int(input(...)); None if it is no whole number; a negative count is 0."""
    try:
        return max(int(text), 0)
    except ValueError:
        return None


def count_problem(text):
    if read_count(text) is None:
        return f"{shown(text.strip())} is not a whole number; type how many predictions, like 3 (0 to stop)"


class NoInput(EOFError):
    """A notebook frontend that takes no typed input (nbconvert, papermill, nbclient)."""


class Answers:
    """Lines typed at the prompts, without what consoles add."""

    def __init__(self):
        self.first = True

    def read(self, prompt):
        if sys.stdin is None:  # pythonw, or fd 0 closed
            raise EOFError
        try:
            text = input(prompt)
        except Exception as error:
            if type(error).__name__ == "StdinNotImplementedError":  # IPython's
                raise NoInput from None
            raise
        if self.first:  # a file saved by Notepad starts with a byte order mark
            self.first = False
            text = without_byte_order_mark(text, getattr(sys.stdin, "encoding", None))
        if text.strip() in END_OF_INPUT:
            raise EOFError
        return text

    def ask(self, prompt, problem_with):
        """Asked again, after one line saying what is wrong, until the answer is right."""
        while (problem := problem_with(answer := self.read(prompt))) is not None:
            print(problem)
        return answer.strip().lower()


def without_byte_order_mark(text, encoding):
    marks = {"\ufeff"}
    try:
        marks.add(b"\xef\xbb\xbf".decode(encoding or "utf-8", "surrogateescape"))
    except LookupError:
        pass
    for mark in marks:
        if text.startswith(mark):
            return text[len(mark):]
    return text


class _Session:
    answers, given = Answers(), None


def ask_count(prompt, args):
    """The lecture's `int(input(prompt))`, checked; with --predict, the number of words given."""
    _Session.answers = Answers()
    _Session.given = iter(args.predict) if args.predict is not None else None
    if _Session.given is not None:
        return len(args.predict)
    try:
        return read_count(_Session.answers.ask(prompt, count_problem))
    except NoInput:
        print("\n(This notebook takes no typed input: give the words with --predict, as in "
              "%run LESSON.py --predict WORD.)")
        return 0
    except (EOFError, KeyboardInterrupt):
        goodbye()


def ask_word(prompt, input_word, time_steps, args):
    """The lecture's `input(prompt)`, asked until it is `time_steps` letters of `input_word`."""
    if _Session.given is not None:
        return next(_Session.given)
    try:
        return _Session.answers.ask(prompt, lambda text: check_word(text, input_word, time_steps))
    except (EOFError, KeyboardInterrupt):
        goodbye()


def more_letters(predict, seen, args):
    """--generate N: N-1 more letters, the model's own answers fed back in."""
    more = ""
    for _ in range(args.generate - 1):
        more += predict((seen + more)[-(len(seen) - 1):])[0]
    return more


def show_probs(result, input_word, args, top=5):
    """--probs: the five most probable letters, highest first."""
    if args.probs:
        p = np.asarray(result).reshape(-1)
        print("   " + "  ".join(f"{input_word[i]} {p[i]:.3f}" for i in np.argsort(-p, kind="stable")[:top]),
              flush=True)
