"""`--scaling window`: each window relative to its own last price, by the training spreads s_w and s
(docs/prices.md says why): x = (w / w[-1] - 1) / s_w, y = (p / w[-1] - 1) / s, price = w[-1] * (1 + s * y)."""
import numpy as np


def window_scaled(training_set, test_set, time_steps):
    """(x_train, y_train, x_test, y_test, last_prices, spread), x as [samples, time_steps, 1]."""
    x_train, y_train, _ = relative_windows(np.ravel(training_set), time_steps)
    x_test, y_test, last_prices = relative_windows(np.ravel(test_set), time_steps)
    spread, window_spread = float(np.std(y_train)), float(np.std(x_train))
    return (x_train[..., np.newaxis] / window_spread, y_train / spread,
            x_test[..., np.newaxis] / window_spread, y_test / spread, last_prices, spread)


def relative_windows(prices, time_steps):
    windows = np.array([prices[i - time_steps:i] for i in range(time_steps, len(prices))], dtype=float)
    last = windows[:, -1]
    return windows / last[:, np.newaxis] - 1, prices[time_steps:] / last - 1, last


def prices_from_window_scaled(predictions, last_prices, spread):
    predictions = np.asarray(predictions, dtype=float)
    return np.reshape(last_prices, predictions.shape) * (1 + spread * predictions)
