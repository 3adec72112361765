"""Tomorrow's opening price from the last 60 days, with LSTM, checked against persistence.

Lecture 6, 股票预测 (stock prediction), the same lesson as stock_rnn.py with another recurrent
cell. LSTM (长短期记忆, long short-term memory) adds a cell state and three gates that decide
what to forget, what to store and what to output, so it can hold on to older days.

Only the model differs from stock_rnn.py, so only the model is here; the data, training,
checkpoint and evaluation are stock_rnn.py's steps, run with this model.

    python scripts/stock_lstm.py                     train (or resume) on the course's prices
    python scripts/stock_lstm.py --synthetic         the same lesson offline, on made-up prices
"""
import sys

try:  # what every lesson shares is in lessonkit/, beside this script
    from lessonkit.exits import quiet_start

    with quiet_start():  # Ctrl-C while the modules load ends the run without a traceback
        import stock_rnn
        from lessonkit.exits import run_main
        from lessonkit.flags import stock_parser
except ImportError as error:
    sys.exit(f"Cannot import {error.name or 'a package'}: run the script where it lies, in the collection's "
             "scripts/ folder, with the packages of requirements.txt installed "
             "(and PYTHONSAFEPATH unset).")
except KeyboardInterrupt:  # Ctrl-C before the lesson has started
    sys.exit(130)

NAME = "stock_lstm"


# ## The model
# stock_rnn.py's two layers of 80 and 100 units with Dropout, each layer now a LSTM.

def build_model():
    import tensorflow as tf
    from keras.layers import LSTM, Dense, Dropout

    return tf.keras.Sequential([
        tf.keras.Input(shape=(stock_rnn.time_steps, 1)),  # Keras 3 builds the model here
        LSTM(80, return_sequences=True),
        Dropout(0.2),
        LSTM(100),
        Dropout(0.2),
        Dense(1),
    ])


parser = stock_parser(__doc__, epochs=50)


if __name__ == "__main__":
    run_main(lambda: stock_rnn.main(build_model, name=NAME, parser=parser))
