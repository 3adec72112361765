"""The prediction prompt of the letter lessons: checked answers, the lecture's 'abcd->e' lines.

Also what a teacher asks next: how sure the network is (--probs), and what it says when its
own answers are fed back in (--generate N).
"""
import sys

import numpy as np

from startup import base_parser, positive_int, shown


def parse_letter_args(description, input_word, word_length, epochs):
    """Flags of a letter lesson; words given with --predict are checked before any training."""
    parser = base_parser(description, epochs)
    parser.add_argument("--predict", nargs="+", action="extend", metavar="WORD",
                        help="print the prediction for each WORD and skip the prompts")
    parser.add_argument("--probs", action="store_true",
                        help="after each answer, the five most probable letters and their probabilities")
    parser.add_argument("--generate", type=positive_int, default=1, metavar="N",
                        help="answer with N letters, each predicted from the last ones seen, "
                             "the model's own answers fed back in (default: 1, the lecture's)")
    args = parser.parse_args()
    for word in args.predict or []:
        problem = check_word(word, input_word, word_length)
        if problem:
            parser.error(f"--predict {shown(word)}: {problem}")
    if args.predict:
        args.predict = [word.strip().lower() for word in args.predict]
    return args


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
    if not word.isascii():
        return f"{shown(text.strip())} has characters that are not plain letters; type {hint}"
    outside = sorted(set(word) - set(input_word))
    if outside:
        return (f"{shown(text.strip())} has {shown(''.join(outside))}, outside "
                f"{input_word[0]}-{input_word[-1]}; type {hint}")
    if len(word) != word_length:
        letters = "letter" if len(word) == 1 else "letters"
        return f"{shown(text.strip())} has {len(word)} {letters}, not {word_length}; type {hint}"
    return None


def count_problem(text):
    text = text.strip()
    if text.isascii() and text.isdigit():
        return None
    return f"{shown(text)} is not a number of predictions; type a whole number like 3 (0 to stop)"


def ask(prompt, problem_with):
    """Ask until the answer has no problem; bad answers get one line and the same prompt again."""
    while True:
        if sys.stdin is None:  # started with stdin closed: nothing can ever be typed
            raise EOFError
        answer = input(prompt)
        problem = problem_with(answer)
        if problem is None:
            return answer.strip().lower()
        print(problem)


# ## The prediction

def next_letter_probabilities(model, x):
    """The model's probability for each letter to come next, for one encoded sample."""
    probabilities = model(x[np.newaxis], training=False)  # a direct call: no progress bar
    return np.asarray(probabilities)[0]


def roll_out(model, encode, input_word, word, letters=1):
    """`letters` letters after `word`, each predicted from the last len(word) letters seen.

    The first is the lecture's answer; each next one is predicted with the model's own answers
    fed back in. Returns the letters and the probabilities behind the first.
    """
    seen, first = word, None
    for _ in range(letters):
        p = next_letter_probabilities(model, encode(seen[-len(word):]))
        first = p if first is None else first
        seen += input_word[int(np.argmax(p))]
    return seen[len(word):], first


def probabilities_line(p, input_word, top=5):
    """The `top` most probable letters, highest first: '   a 0.962  b 0.021  e 0.010 ...'."""
    order = np.argsort(-p, kind="stable")[:top]
    return "   " + "  ".join(f"{input_word[i]} {p[i]:.3f}" for i in order)


def prompt_loop(model, encode, input_word, word_length, words=None, probs=False, generate=1):
    """The lecture's prediction loop: how many, then that many words, each answered 'abcd->e'.

    With `words` (from --predict) those are answered and nothing is asked. End of input or
    Ctrl-C at a prompt ends the script with a goodbye and status 0.
    """
    def answer(word):
        letters, p = roll_out(model, encode, input_word, word, generate)
        print(f"{word}->{letters}", flush=True)
        if probs:
            print(probabilities_line(p, input_word), flush=True)

    if words is not None:
        for word in words:
            answer(word)
        return
    try:
        count = int(ask("input the number of test alphabet:", count_problem))
        for _ in range(count):
            answer(ask("input test alphabet:",
                       lambda text: check_word(text, input_word, word_length)))
    except (EOFError, KeyboardInterrupt):
        print("\nGoodbye.")
        sys.exit(0)
