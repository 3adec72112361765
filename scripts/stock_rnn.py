"""Tomorrow's opening price from the last 60 days, with SimpleRNN, checked against persistence.

Lecture 6, 股票预测 (stock prediction): Kweichow Moutai's (600519) daily opening prices, the
last 300 days held out as the test set. Two stacked SimpleRNN layers read 60 days, one per
time step, and predict the 61st. The result is set beside the simplest forecast there is,
persistence: tomorrow opens where today opened.

    python scripts/get_stock_data.py                 fetch SH600519.csv (needs tushare)
    python scripts/stock_rnn.py                      train (or resume) on it, then evaluate
    python scripts/stock_rnn.py --synthetic          the same lesson offline, on made-up prices

stock_lstm.py and stock_gru.py run these same steps with another cell: they hold only the model.
"""
import numpy as np

from checkpoints import (dump_weights, keep_best_weights, prepare_checkpoint_folder,
                         resume_from_checkpoint)
from plots import plot_curves, plot_prediction
from prices import load_opening_prices, parse_stock_args, print_errors, stock_name
from startup import import_tensorflow, run_main
from training import cached_batches, prepare_fit, progress_verbosity

NAME = "stock_rnn"
test_days = 300  # the last 300 days are the test set, all days before them the training set
time_steps = 60  # 循环核时间展开步数 (time steps): 60 days in, the 61st predicted


def windows(series):
    """Every 60 consecutive values as one input, the value after them as its label.

    Shapes for the recurrent layer: x [samples, 60 time steps, 1 feature], y [samples].
    """
    x = np.array([series[i - time_steps:i] for i in range(time_steps, len(series))])
    return x[..., np.newaxis], series[time_steps:]


# ## The data: opening prices, scaled to (0, 1) with the training set's range only

def scaled_windows(opens):
    """The scaler fitted on the training days, and the shuffled training and the test windows."""
    from sklearn.preprocessing import MinMaxScaler

    training_set, test_set = opens[:-test_days, np.newaxis], opens[-test_days:, np.newaxis]
    sc = MinMaxScaler(feature_range=(0, 1))
    x_train, y_train = windows(sc.fit_transform(training_set)[:, 0])
    x_test, y_test = windows(sc.transform(test_set)[:, 0])
    order = np.random.RandomState(7).permutation(len(x_train))  # shuffle x and y alike, seed 7
    return sc, x_train[order], y_train[order], x_test, y_test


# ## The model
# Two recurrent layers: the first hands its memory at every time step to the second
# (return_sequences=True), the second only its last; Dropout against overfitting; one price out.

def build_model():
    tf = import_tensorflow()
    from keras.layers import Dense, Dropout, SimpleRNN

    return tf.keras.Sequential([
        tf.keras.Input(shape=(time_steps, 1)),  # Keras 3 builds the model here
        SimpleRNN(80, return_sequences=True),
        Dropout(0.2),
        SimpleRNN(100),
        Dropout(0.2),
        Dense(1),
    ])


def main(build_model=build_model, name=NAME, description=__doc__):
    """The lesson's steps; the LSTM and GRU scripts call them with their own model."""
    args = parse_stock_args(description, epochs=50)

    dates, opens, code = load_opening_prices(args.csv, args.synthetic, test_days, time_steps)
    sc, x_train, y_train, x_test, y_test = scaled_windows(opens)
    # Weights learned on made-up prices (--synthetic) are kept apart from those learned on real ones.
    checkpoint_save_path = f"./checkpoint/{name}{'_synthetic' * args.synthetic}.weights.h5"
    weights_path, curves_path, prediction_path = (
        f"./{name}_weights.txt", f"{name}_curves.png", f"{name}_prediction.png")
    prepare_checkpoint_folder(checkpoint_save_path, weights_path, curves_path, prediction_path)

    tf = import_tensorflow()
    model = build_model()
    model.compile(optimizer=tf.keras.optimizers.Adam(0.001), loss="mean_squared_error")

    # ## Training, resumed from the best weights so far (断点续训), validated on the test windows
    train_data = prepare_fit(model, x_train, y_train, batch_size=64)
    resume_from_checkpoint(model, checkpoint_save_path, fresh=args.fresh, epochs=args.epochs)
    with keep_best_weights(model, checkpoint_save_path, monitor="val_loss",
                           restore_best=False) as cp_callback:
        history = model.fit(train_data, epochs=args.epochs,
                            validation_data=cached_batches(x_test, y_test, batch_size=64),
                            validation_freq=1, callbacks=[cp_callback], verbose=progress_verbosity())
    model.summary()
    dump_weights(model, weights_path)
    plot_curves(history, curves_path, args.no_show, panels={
        "Training and Validation Loss": {"Training Loss": "loss", "Validation Loss": "val_loss"},
    })

    # ## Evaluation: the model as training left it, against persistence, in real prices
    predicted_stock_price = sc.inverse_transform(model.predict(x_test, verbose=0))[:, 0]
    test_set = opens[-test_days:]
    real_stock_price = test_set[time_steps:]
    persistence = test_set[time_steps - 1:-1]  # each day predicted by the day before
    plot_prediction(dates[-len(real_stock_price):], real_stock_price, predicted_stock_price,
                    persistence, stock_name(code), prediction_path, args.no_show)
    print_errors(real_stock_price, predicted_stock_price, persistence, code)


if __name__ == "__main__":
    run_main(main)
