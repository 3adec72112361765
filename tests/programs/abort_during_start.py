"""Die the way TensorFlow dies on a processor it cannot run on, while its start-up is filtered.

    python abort_during_start.py SCRIPTS_FOLDER
"""
import os
import sys

sys.path.insert(0, sys.argv[1])
from lessonkit.tensorflow_start import start_up_chatter_hidden  # noqa: E402

with start_up_chatter_hidden():
    os.write(2, b"I0000 00:00:1795953222.17 7900 cudart_stub.cc:31] Could not find cuda drivers\n")
    os.write(2, b"F0000 00:00:1795953222.25 7900 cpu_feature_guard.cc:80] The TensorFlow library "
                b"was compiled to use AVX instructions, but these aren't available on your machine.\n")
    os.abort()
