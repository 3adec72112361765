"""`--scaling window`: each window of prices scaled by its own last price, and turned back into prices.

The lecture scales every price with one MinMaxScaler fitted on the training days. Where the test
days open above every training day, the network is then asked about inputs it never learned. Here
each window of `time_steps` prices w, and the price p after it, are taken relative to the window's
last price, so that the network learns the next day's change relative to that price:

    x = (w / w[-1] - 1) / s_w      y = (p / w[-1] - 1) / s        price = w[-1] * (1 + s * y)

s is the spread (standard deviation) of the training labels' changes p / w[-1] - 1, so that a
typical day's y is about 1; s_w is the spread of the training windows' own values w / w[-1] - 1
(about five times s on the course's file: 60 days wander further than one), so that the inputs
too are about 1, where a recurrent cell's tanh still tells them apart. Both come from the
training days only. A window of high prices looks like one of low prices, whatever the level.
"""
import numpy as np


def window_scaled(training_set, test_set, time_steps):
    """The windows of both sets scaled by their last prices: what the lesson trains and tests on.

    `training_set` and `test_set` are prices, a column (n, 1) as the lecture slices them or a flat
    array. Returns (x_train, y_train, x_test, y_test, last_prices, spread), the lecture's shapes:
    x [samples, time_steps, 1], y [samples]. `last_prices` (the last price of each test window,
    [samples]) and `spread` (s, the training labels' spread) are what prices_from_window_scaled
    needs. The windows are in date order; the lesson shuffles them.
    """
    training_prices, test_prices = np.ravel(training_set), np.ravel(test_set)
    x_train, y_train, _ = relative_windows(training_prices, time_steps)
    x_test, y_test, last_prices = relative_windows(test_prices, time_steps)
    spread = float(np.std(y_train))  # s: how far a training day typically moves
    window_spread = float(np.std(x_train))  # s_w: how far a training window's days lie from its last
    return (x_train[..., np.newaxis] / window_spread, y_train / spread,
            x_test[..., np.newaxis] / window_spread, y_test / spread, last_prices, spread)


def relative_windows(prices, time_steps):
    """Each window's prices and the price after it as changes relative to its last price, unscaled.

    Returns (windows [samples, time_steps], labels [samples], last prices [samples]).
    """
    windows = np.array([prices[i - time_steps:i] for i in range(time_steps, len(prices))], dtype=float)
    last_prices = windows[:, -1]
    return (windows / last_prices[:, np.newaxis] - 1,
            prices[time_steps:] / last_prices - 1, last_prices)


def prices_from_window_scaled(predictions, last_prices, spread):
    """Predicted prices, w[-1] * (1 + s * y), in the shape of `predictions` ((n, 1) from predict)."""
    predictions = np.asarray(predictions, dtype=float)
    return np.reshape(last_prices, predictions.shape) * (1 + spread * predictions)
