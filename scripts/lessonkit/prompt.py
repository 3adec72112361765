"""The prediction prompt of the letter lessons: checked answers, the lecture's 'abcd->e' lines.

Also what a teacher asks next: how sure the network is (--probs), and what it says when its
own answers are fed back in (--generate N).
"""
import sys

import numpy as np

from lessonkit.exits import goodbye, shown

# What a console sends for end of input when it is typed where a line is expected:
# Ctrl-D on Windows arrives as this character, and Ctrl-Z as the other one.
END_OF_INPUT_CHARACTERS = {"\x04", "\x1a"}


# ## What the prompt accepts

def letters_hint(input_word, word_length):
    """What the prompt accepts, in words: '4 letters from a-e, like abcd'."""
    span = f"{input_word[0]}-{input_word[-1]}"
    noun = "letter" if word_length == 1 else "letters"
    return f"{word_length} {noun} from {span}, like {input_word[:word_length]}"


def check_word(text, input_word, word_length):
    """None when `text` is a word the model can take, else what is wrong with it and what is accepted."""
    word = text.strip().lower()
    hint = letters_hint(input_word, word_length)
    if not word:
        return f"empty input; type {hint}"
    not_letters = "".join(dict.fromkeys(c for c in word if not (c.isascii() and c.isalpha())))
    if not_letters:
        which = "is not a letter" if len(not_letters) == 1 else "are not letters"
        return f"{shown(text.strip())} has {shown(not_letters)}, which {which} a-z; type {hint}"
    outside = sorted(set(word) - set(input_word))
    if outside:
        return (f"{shown(text.strip())} has {shown(''.join(outside))}, outside "
                f"{input_word[0]}-{input_word[-1]}; type {hint}")
    if len(word) != word_length:
        letters = "letter" if len(word) == 1 else "letters"
        return f"{shown(text.strip())} has {len(word)} {letters}, not {word_length}; type {hint}"
    return None


def read_count(text):
    """How many predictions, read as the lecture's int(input(...)) reads it; None if it is no number.

    A negative count asks for none, as the lecture's loop does; so does 0.
    """
    try:
        return max(int(text), 0)
    except ValueError:  # not a whole number, or one of thousands of digits
        return None


def count_problem(text):
    if read_count(text) is not None:
        return None
    return f"{shown(text.strip())} is not a whole number; type how many predictions, like 3 (0 to stop)"


class NoInput(EOFError):
    """A notebook frontend that takes no input at all (nbconvert, papermill, nbclient)."""


class Answers:
    """Lines typed at the prompts, read one at a time, with what consoles add taken away."""

    def __init__(self):
        self.first = True

    def read(self, prompt):
        """The next line; EOFError at the end of input, wherever it comes from."""
        if sys.stdin is None:  # started with no stdin at all (pythonw, fd 0 closed)
            raise EOFError
        try:
            text = input(prompt)
        except Exception as error:
            # A notebook frontend that takes no input (nbconvert, papermill, nbclient) refuses
            # with IPython's StdinNotImplementedError: for the lesson that is the end of input.
            if type(error).__name__ == "StdinNotImplementedError":
                raise NoInput from None
            raise
        if self.first:  # a file saved by Notepad starts with a byte order mark
            self.first = False
            text = without_byte_order_mark(text, getattr(sys.stdin, "encoding", None))
        if text.strip() in END_OF_INPUT_CHARACTERS:
            raise EOFError
        return text

    def ask(self, prompt, problem_with):
        """Ask until the answer has no problem; bad answers get one line and the same prompt again."""
        while True:
            answer = self.read(prompt)
            problem = problem_with(answer)
            if problem is None:
                return answer.strip().lower()
            print(problem)


def without_byte_order_mark(text, encoding):
    """`text` without the UTF-8 byte order mark, however the console's encoding decoded it."""
    marks = {"\ufeff"}
    if encoding:
        try:
            marks.add(b"\xef\xbb\xbf".decode(encoding, "surrogateescape"))
        except LookupError:
            pass
    for mark in marks:
        if text.startswith(mark):
            return text[len(mark):]
    return text


# ## What the lesson's predict loop calls

class _Session:
    """The answers of one run of the loop: typed, or given with --predict."""
    answers = Answers()
    given = None


def ask_count(prompt, args):
    """The lecture's `int(input(prompt))`, checked: asked again until it is a whole number.

    With --predict, nothing is asked: the count is the number of words given. End of input or
    Ctrl-C at a prompt ends the run with a goodbye and status 0.
    """
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
    """The lecture's `input(prompt)` for a word, checked: `time_steps` letters of `input_word`,
    asked again (with what is accepted) until it is one; small letters. With --predict, the
    next word given."""
    if _Session.given is not None:
        return next(_Session.given)
    return asked(prompt, lambda text: check_word(text, input_word, time_steps))


def asked(prompt, problem_with):
    try:
        return _Session.answers.ask(prompt, problem_with)
    except (EOFError, KeyboardInterrupt):
        goodbye()


def more_letters(predict, seen, args):
    """--generate N: the N-1 letters after the first answer, each predicted from the last letters
    seen, the model's own answers fed back in ('' without the flag).

    `predict(word)` is the lesson's own step for one word: (the next letter, its probabilities).
    """
    time_steps, more = len(seen) - 1, ""
    for _ in range(args.generate - 1):
        letter, _ = predict((seen + more)[-time_steps:])
        more += letter
    return more


def show_probs(result, input_word, args, top=5):
    """--probs: the `top` most probable letters, highest first: '   a 0.962  b 0.021 ...'."""
    if not args.probs:
        return
    p = np.asarray(result).reshape(-1)
    order = np.argsort(-p, kind="stable")[:top]
    print("   " + "  ".join(f"{input_word[i]} {p[i]:.3f}" for i in order), flush=True)
