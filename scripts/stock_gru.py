"""Tomorrow's opening price from the last 60 days, with GRU, checked against persistence.

Lecture 6, 股票预测 (stock prediction): Kweichow Moutai's (600519) daily opening prices, the
last 300 days held out as the test set. Two stacked GRU layers (门控循环单元, gated recurrent
unit) read 60 days, one per time step, and predict the 61st. GRU folds LSTM's gates into two, an
update gate and a reset gate, and keeps no separate cell state: fewer weights, often as good.
The result is set beside the simplest forecast there is, persistence: tomorrow opens where
today opened.

    python scripts/stock_gru.py                      train (or resume) on the course's prices
    python scripts/stock_gru.py --csv prices.csv     on a price file of your own
    python scripts/stock_gru.py --synthetic          on made-up prices
    python scripts/stock_gru.py --scaling window     each window scaled by its own last price

stock_rnn.py is the same lesson with SimpleRNN, stock_lstm.py with LSTM.
Each `# %%` below starts a cell: VS Code, PyCharm, Spyder and jupytext run the lesson cell by cell.
"""
# %% Setup
# The lecture's imports. `lessonkit` comes first: it is what keeps a classroom run safe
# (one line instead of a traceback, checkpoints written whole, pictures saved where there is
# no screen, a quiet TensorFlow start), and every `lessonkit.` below is its part, not the lecture's.
import lessonkit
import numpy as np
import tensorflow as tf
from tensorflow.keras.layers import Dropout, Dense, GRU
import matplotlib.pyplot as plt
from sklearn.preprocessing import MinMaxScaler
from sklearn.metrics import mean_squared_error, mean_absolute_error
import math

# %% The flags
# `--help` lists them; without any, the lesson is the lecture's.
args = lessonkit.stock_flags(__doc__, epochs=50)
NAME = args.name  # this file's name (with _synthetic for made-up prices): a copy is a lesson of its own

# %% The data: 60 days of opening prices in, the 61st out
# The course's price file (or --csv, or --synthetic), in date order. Column 2 is the opening
# price (开盘价); the last 300 days are the test set, all days before them the training set.
maotai = lessonkit.read_prices(args)  # the lecture's pd.read_csv('./SH600519.csv'), read right

training_set = maotai.iloc[0:len(maotai) - 300, 2:3].values
test_set = maotai.iloc[len(maotai) - 300:, 2:3].values

# Scaled to (0, 1) with the training days' range only: the test days stay unseen.
sc = MinMaxScaler(feature_range=(0, 1))
training_set_scaled = sc.fit_transform(training_set)
test_set = sc.transform(test_set)

x_train = []
y_train = []

x_test = []
y_test = []

# Every 60 consecutive training days as one input, the day after them as its label.
for i in range(60, len(training_set_scaled)):
    x_train.append(training_set_scaled[i - 60:i, 0])
    y_train.append(training_set_scaled[i, 0])
np.random.seed(7)
np.random.shuffle(x_train)
np.random.seed(7)
np.random.shuffle(y_train)
tf.keras.utils.set_random_seed(7)  # the lecture's tf.random.set_seed(7); Keras 3 also needs Python's
x_train, y_train = np.array(x_train), np.array(y_train)

# The recurrent layer takes [samples, time steps, features per step]: [2066, 60, 1] here.
x_train = np.reshape(x_train, (x_train.shape[0], 60, 1))

for i in range(60, len(test_set)):
    x_test.append(test_set[i - 60:i, 0])
    y_test.append(test_set[i, 0])
x_test, y_test = np.array(x_test), np.array(y_test)
x_test = np.reshape(x_test, (x_test.shape[0], 60, 1))

# --scaling window, the fix the evaluation below explains: every window scaled by its own last
# price, so that the network learns tomorrow's change, whatever the price's level.
if args.scaling == "window":
    x_train, y_train, x_test, y_test, last_prices, spread = lessonkit.window_scaled(
        training_set, maotai.iloc[len(maotai) - 300:, 2:3].values, 60)
    order = np.random.RandomState(7).permutation(len(x_train))  # shuffled alike, seed 7
    x_train, y_train = x_train[order], y_train[order]

# %% The model
# Two recurrent layers: the first hands its memory at every time step to the second
# (return_sequences=True), the second only its last; Dropout against overfitting; one price out.
model = tf.keras.Sequential([
    tf.keras.Input(shape=(60, 1)),  # Keras 3 builds the model here, so that weights can be loaded
    GRU(80, return_sequences=True),
    Dropout(0.2),
    GRU(100),
    Dropout(0.2),
    Dense(1)
])

model.compile(optimizer=tf.keras.optimizers.Adam(0.001),
              loss='mean_squared_error')  # only the loss is watched: no accuracy for a price

# %% 断点续训 (resume from a checkpoint)
# The checkpoint keeps the epoch with the lowest val_loss on these prices; the model keeps its
# last epoch, which the weight dump and the evaluation below use, as the lecture's do.
checkpoint_save_path = f"./checkpoint/{NAME}.weights.h5"

if lessonkit.checkpoint_to_load(model, checkpoint_save_path, args,
                                data=(x_train, y_train, x_test, y_test)):
    print('-------------load the model-----------------')
    print(f"(resuming from {checkpoint_save_path}: 断点续训)")
    model.load_weights(checkpoint_save_path)

cp_callback = lessonkit.ModelCheckpoint(filepath=checkpoint_save_path,
                                        save_weights_only=True,
                                        save_best_only=True,
                                        monitor='val_loss')

# %% Training, validated on the test windows
# The batches fit(x_train, y_train, batch_size=64) would make, made once: the same lesson, faster.
train_data = lessonkit.batches(model, x_train, y_train, batch_size=64)
history = model.fit(train_data, epochs=args.epochs,
                    validation_data=lessonkit.validation_batches(x_test, y_test, batch_size=64),
                    validation_freq=1, callbacks=[cp_callback],
                    shuffle=False, verbose=lessonkit.progress_style())  # train_data shuffles itself

model.summary()

# %% 参数提取 (the weight dump)
with lessonkit.weights_file(f"./{NAME}_weights.txt") as file:
    for v in model.trainable_variables:
        file.write(str(v.path) + '\n')
        file.write(str(v.shape) + '\n')
        file.write(str(v.numpy()) + '\n')

# %% The loss curves
loss = history.history['loss']
val_loss = history.history['val_loss']

plt.plot(loss, label='Training Loss')
plt.plot(val_loss, label='Validation Loss')
plt.title('Training and Validation Loss')
plt.legend()
lessonkit.show_or_save(f"{NAME}_curves.png", args, history=history, what=f"{NAME} (GRU)")

# %% Predict the test days, back in prices
predicted_stock_price = model.predict(x_test, verbose=0)
if args.scaling == "window":
    predicted_stock_price = lessonkit.prices_from_window_scaled(predicted_stock_price, last_prices, spread)
else:
    predicted_stock_price = sc.inverse_transform(predicted_stock_price)
real_stock_price = sc.inverse_transform(test_set[60:])
# Persistence, the honest baseline: each day predicted to open where the day before opened.
persistence = sc.inverse_transform(test_set[59:-1])

stock = lessonkit.stock_name(maotai.attrs["code"])  # MaoTai for 600519, as the lecture names it
plt.plot(persistence, color='gray', linewidth=1, alpha=0.7, label='Persistence (the day before)')
plt.plot(real_stock_price, color='red', label=f'{stock} Stock Price')
plt.plot(predicted_stock_price, color='blue', label=f'Predicted {stock} Stock Price')
# Above this line the scaled prices pass 1, which the network never saw in training.
plt.axhline(training_set.max(), color='black', linestyle='--', linewidth=1,
            label=f'Highest training price ({training_set.max():.2f})')
plt.title(f'{stock} Stock Price Prediction')
plt.xlabel('Time')
plt.ylabel(f'{stock} Stock Price (yuan)')
plt.legend()
weights, which_weights = lessonkit.weights_in_use(history)  # the last epoch's, as the lecture's
lessonkit.show_or_save(f"{NAME}_prediction.png", args, what=f"{NAME} (GRU), {weights}")

# %% Evaluate
# MSE, RMSE (in yuan, as the price) and MAE of the prediction, then persistence's beside them.
print(which_weights)
mse = mean_squared_error(predicted_stock_price, real_stock_price)
rmse = math.sqrt(mean_squared_error(predicted_stock_price, real_stock_price))
mae = mean_absolute_error(predicted_stock_price, real_stock_price)
print('均方误差: %.6f' % mse)
print('均方根误差: %.6f' % rmse)
print('平均绝对误差: %.6f' % mae)
# Why the curve lies where it lies: the test days against the range the scaler learned.
diagnosis = None
if args.scaling == "minmax":
    diagnosis = lessonkit.scaling_diagnosis(training_set, sc.inverse_transform(test_set), 60, sc)
    if diagnosis:
        print(diagnosis)
lessonkit.compare_with_persistence((mse, rmse, mae), lessonkit.errors(persistence, real_stock_price),
                                   maotai.attrs["code"], diagnosis)
