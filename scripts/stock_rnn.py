"""Tomorrow's opening price from the last 60 days, with SimpleRNN, checked against persistence.

Lecture 6, 股票预测 (stock prediction): Kweichow Moutai's (600519) daily opening prices, the
last 300 days held out as the test set. Two stacked SimpleRNN layers read 60 days, one per
time step, and predict the 61st. The result is set beside the simplest forecast there is,
persistence: tomorrow opens where today opened.

    python scripts/stock_rnn.py                      train (or resume) on the course's prices
    python scripts/stock_rnn.py --csv prices.csv     on a price file of your own
    python scripts/stock_rnn.py --synthetic          on made-up prices

stock_lstm.py and stock_gru.py run these same steps with another cell: they hold only the model.
"""
import sys

try:  # what every lesson shares is in lessonkit/, beside this script
    from lessonkit.exits import quiet_start

    with quiet_start():  # Ctrl-C while the modules load ends the run without a traceback
        import numpy as np

        from lessonkit.best_weights import keep_best_weights
        from lessonkit.checkpoints import check_checkpoint, resume_from_checkpoint
        from lessonkit.console import progress_style
        from lessonkit.exits import run_main
        from lessonkit.flags import stock_parser
        from lessonkit.forecast_errors import compare_with_persistence, errors, persistence_forecast
        from lessonkit.plots import plot_curves, plot_prediction
        from lessonkit.prices import fingerprint, opening_prices, stock_name
        from lessonkit.tensorflow_start import start_tensorflow
        from lessonkit.training import batches_for_fit, validation_batches
        from lessonkit.weight_dump import dump_weights
except ImportError as error:
    sys.exit(f"Cannot import {error.name or 'a package'}: run the script where it lies, in the collection's "
             "scripts/ folder, with the packages of requirements.txt installed "
             "(and PYTHONSAFEPATH unset).")
except KeyboardInterrupt:  # Ctrl-C before the lesson has started
    sys.exit(130)

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
    import tensorflow as tf
    from keras.layers import Dense, Dropout, SimpleRNN

    return tf.keras.Sequential([
        tf.keras.Input(shape=(time_steps, 1)),  # Keras 3 builds the model here
        SimpleRNN(80, return_sequences=True),
        Dropout(0.2),
        SimpleRNN(100),
        Dropout(0.2),
        Dense(1),
    ])


parser = stock_parser(__doc__, epochs=50)


def main(build_model=build_model, name=NAME, parser=parser):
    """The lesson's steps; the LSTM and GRU scripts call them with their own model and flags."""
    args = parser.parse_args()
    dates, opens, code = opening_prices(args.csv, args.synthetic, test_days, time_steps)
    sc, x_train, y_train, x_test, y_test = scaled_windows(opens)
    # Made-up prices (--synthetic) get a checkpoint and pictures of their own, apart from real ones.
    run_name = f"{name}_synthetic" if args.synthetic else name
    checkpoint_save_path = f"./checkpoint/{run_name}.weights.h5"
    weights_path, curves_path, prediction_path = (
        f"./{run_name}_weights.txt", f"{run_name}_curves.png", f"{run_name}_prediction.png")
    check_checkpoint(checkpoint_save_path, args.epochs, args.fresh,
                     weights_path, curves_path, prediction_path)

    tf = start_tensorflow()
    tf.keras.utils.set_random_seed(7)  # the lecture's tf.random.set_seed(7); Keras 3 also needs Python's seeded
    model = build_model()
    model.compile(optimizer=tf.keras.optimizers.Adam(0.001), loss="mean_squared_error")

    # ## Training, resumed from the best weights so far (断点续训), validated on the test windows
    model.optimizer.build(model.trainable_variables)  # first, so that Adam's state resumes too
    resumed = resume_from_checkpoint(model, checkpoint_save_path, fresh=args.fresh, epochs=args.epochs)
    train_data = batches_for_fit(model, x_train, y_train, batch_size=64)
    # The checkpoint keeps the epoch with the lowest val_loss on these prices; the model keeps
    # its last epoch, which the weight dump and the evaluation below use, as the lecture's do.
    with keep_best_weights(model, checkpoint_save_path, monitor="val_loss", resumed=resumed,
                           data=fingerprint(opens), restore_best=False) as cp_callback:
        history = model.fit(train_data, epochs=args.epochs,
                            validation_data=validation_batches(x_test, y_test, batch_size=64),
                            validation_freq=1, callbacks=[cp_callback],
                            shuffle=False, verbose=progress_style())  # train_data shuffles itself
    model.summary()
    dump_weights(model, weights_path)
    plot_curves(history, curves_path, args.no_show, panels={
        "Training and Validation Loss": {"Training Loss": "loss", "Validation Loss": "val_loss"},
    })

    # ## Evaluation: the predicted prices against the real ones, and against persistence
    predicted_stock_price = sc.inverse_transform(model.predict(x_test, verbose=0))[:, 0]
    test_set = opens[-test_days:]
    real_stock_price = test_set[time_steps:]
    persistence = persistence_forecast(test_set, time_steps)  # each day predicted by the day before
    plot_prediction(dates[-len(real_stock_price):], real_stock_price, predicted_stock_price,
                    persistence, stock_name(code), prediction_path, args.no_show)
    mse, rmse, mae = errors(predicted_stock_price, real_stock_price)
    print("均方误差: %.6f" % mse)  # mean squared error, MSE
    print("均方根误差: %.6f" % rmse)  # its square root, RMSE, in the price's own unit
    print("平均绝对误差: %.6f" % mae)  # mean absolute error, MAE
    compare_with_persistence((mse, rmse, mae), errors(persistence, real_stock_price), code)


if __name__ == "__main__":
    run_main(main)
