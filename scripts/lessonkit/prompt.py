"""The letter lessons' prediction prompt, checked: the lecture's int(input(...)) and input(...),
--predict, --probs and --generate."""
import sys

import numpy as np

from lessonkit.exits import goodbye, shown, stop
from lessonkit.platforms import lesson_globals

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
        many = "letter" if len(word) == 1 else "letters"
        return f"{typed} has {len(word)} {many}, not {word_length}; {hint}"
    return None


def read_count(text):
    """The lecture's int(input(...)); None if it is no whole number; a negative count is 0."""
    try:
        return max(int(text), 0)
    except ValueError:
        return None


def typed(prompt, problem_with):
    """input(prompt), asked again after one line saying what is wrong; the end of the input
    (Ctrl-D, Ctrl-Z, a closed stdin, Ctrl-C) says goodbye."""
    try:
        while True:
            answer = input(prompt) if sys.stdin is not None else "\x04"  # no stdin (pythonw): as Ctrl-D
            if answer.strip() in END_OF_INPUT:
                raise EOFError
            problem = problem_with(answer)
            if problem is None:
                return answer.strip().lower()
            print(problem)
    except (EOFError, KeyboardInterrupt):
        goodbye()


def ask_count(prompt, args):
    """The lecture's `int(input(prompt))`, checked; with --predict, the number of words given."""
    if args.predict is not None:
        return len(args.predict)
    get_ipython = getattr(sys.modules.get("IPython"), "get_ipython", None)
    kernel = getattr(get_ipython() if get_ipython else None, "kernel", None)
    if getattr(kernel, "_allow_stdin", True) is False:  # nbconvert, papermill, nbclient
        lesson = lesson_globals()
        word = str(lesson.get("input_word") or "a")[:getattr(lesson.get("x_train"), "shape", (0, 1))[1]]
        print(f"\n(This notebook takes no typed input: give the words with --predict, as in "
              f"%run {args.name}.py --predict {word}.)")
        return 0
    return read_count(typed(prompt, lambda text: None if read_count(text) is not None else
                            f"{shown(text.strip())} is not a whole number; type how many "
                            "predictions, like 3 (0 to stop)"))


def ask_word(prompt, input_word, length, args):
    """The lecture's `input(prompt)`, asked until it is `length` letters of `input_word`; with
    --predict, the next word given (all of them checked at the first)."""
    if args.predict is None:
        return typed(prompt, lambda text: check_word(text, input_word, length))
    for word in args.predict:
        problem = check_word(word, input_word, length)
        if problem:
            stop(f"--predict: {problem}")
    return args.predict.pop(0).strip().lower()


def show_more(model, alphabet, result, input_word, args):
    """--probs: the five most probable letters of `result`. --generate N: N letters, each answer
    fed back in as the input's last step (one-hot rows or ids, as `alphabet` holds them)."""
    if args.probs:
        p = np.asarray(result).reshape(-1)
        print("   " + "  ".join(f"{input_word[i]} {p[i]:.3f}" for i in np.argsort(-p, kind="stable")[:5]))
    if args.generate > 1:
        x = np.asarray(alphabet)
        ids = x.argmax(-1)[0] if x.ndim == 3 else x[0].astype(int)
        letters = ""
        for _ in range(args.generate):
            pred = int(np.argmax(np.asarray(model(x))[0]))
            letters += input_word[pred]
            step = np.eye(x.shape[-1], dtype=x.dtype)[pred] if x.ndim == 3 else pred
            x = np.concatenate([x[:, 1:], np.reshape(step, (1, 1, *x.shape[2:]))], axis=1)
        print(f"   {''.join(input_word[int(i)] for i in ids)}->{letters}  (--generate {args.generate})")
    sys.stdout.flush()
