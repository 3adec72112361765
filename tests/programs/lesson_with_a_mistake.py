"""A lesson with a mistake in it, of one kind or another, run as a student runs a lesson.

    python lesson_with_a_mistake.py SCRIPTS_FOLDER name|typo|shape|import|machine|nothing
"""
import sys

sys.path.insert(0, sys.argv[1])
import lessonkit  # noqa: E402,F401
import numpy as np  # noqa: E402

kind = sys.argv[2]
if kind == "name":
    layer = LSTM(3)  # noqa: F821  (not imported: a student's slip)
elif kind == "typo":
    print(np.zeroes(3))  # a slip Python suggests the right name for
elif kind == "shape":
    np.reshape([1, 2, 3], (1, 4, 5))
elif kind == "import":
    import tensorfow  # noqa: F401  (a typo: not a package the lessons need)
elif kind == "machine":
    from lessonkit import files

    files.check_room("/a/folder/that/is/not/there", 1)  # fails inside the collection
