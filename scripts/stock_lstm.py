# %% [markdown]
# # 股票预测：用前 60 天的开盘价预测第 61 天（LSTM）
#
# 第六讲的实践：贵州茅台（600519）的日线数据，最后 300 天留作测试集，之前的都是训练集。
# 两层 LSTM（长短记忆网络）每次读连续 60 天的开盘价，一天一个时间步，预测下一天的开盘价。
# LSTM 比 SimpleRNN 多了细胞态和三个门（输入门、遗忘门、输出门），决定记住什么、忘掉什么、输出什么，
# 所以比 SimpleRNN 更能记住很久以前的信息。
# 最后把结果和最简单的预测方法放在一起比：朴素预测（明天的开盘价就等于今天的）。

# %%
"""用前 60 天的开盘价预测下一天：两层 LSTM，和朴素预测比一比（第六讲，股票预测）。

Tomorrow's opening price from the last 60 days, with LSTM, checked against persistence.

    python scripts/stock_lstm.py                      训练（或接着上次训练），用课程的股价文件
    python scripts/stock_lstm.py --csv prices.csv     用自己的股价文件（权重另存，不覆盖用课程数据训练的权重）
    python scripts/stock_lstm.py --synthetic          用程序生成的模拟股价
    python scripts/stock_lstm.py --scaling window     每个窗口按自己最后一天的价格缩放
    python scripts/stock_lstm.py --help               全部命令行选项 (the flags)

stock_rnn.py 是同一课的 SimpleRNN 版，stock_gru.py 是 GRU 版。
"""
import lessonkit  # 课程辅助工具，须最先导入：屏蔽 TensorFlow 启动日志，出错时只打印一行原因
import numpy as np
import tensorflow as tf
from tensorflow.keras.layers import Dropout, Dense, LSTM
import matplotlib.pyplot as plt
from sklearn.preprocessing import MinMaxScaler
from sklearn.metrics import mean_squared_error, mean_absolute_error
import math

args = lessonkit.stock_flags(__doc__, epochs=50)  # 命令行选项；一个都不加时，和讲义完全一样

# %% [markdown]
# ## 数据 (the data)
#
# 读入股价表：开盘价在第 2 列（从 0 数起，即表格的 C 列）。最后 300 天是测试集，之前的是训练集。
# 归一化用的最大值、最小值只从训练集里取，测试集要当作没见过的数据。
# 每连续 60 天作为一个输入，第 61 天作为它的标签。

# %%
maotai = lessonkit.read_prices(args)  # 讲义里是 pd.read_csv('./SH600519.csv')；这里还处理了日期乱序、空行等问题

training_set = maotai.iloc[0:len(maotai) - 300, 2:3].values
test_set = maotai.iloc[len(maotai) - 300:, 2:3].values

sc = MinMaxScaler(feature_range=(0, 1))
training_set_scaled = sc.fit_transform(training_set)  # 用训练集求最大、最小值，并归一化到 0-1
test_set = sc.transform(test_set)  # 测试集用训练集的最大、最小值

x_train = []
y_train = []

x_test = []
y_test = []

for i in range(60, len(training_set_scaled)):
    x_train.append(training_set_scaled[i - 60:i, 0])
    y_train.append(training_set_scaled[i, 0])
np.random.seed(7)
np.random.shuffle(x_train)
np.random.seed(7)
np.random.shuffle(y_train)
tf.keras.utils.set_random_seed(7)  # 讲义用 tf.random.set_seed(7)；Keras 3 还要固定 Python 的 random
x_train, y_train = np.array(x_train), np.array(y_train)

# 循环层的输入是三维的：[样本数, 循环核时间展开步数, 每个时间步的特征数]，用课程数据时是 [2066, 60, 1]
x_train = np.reshape(x_train, (x_train.shape[0], 60, 1))

for i in range(60, len(test_set)):
    x_test.append(test_set[i - 60:i, 0])
    y_test.append(test_set[i, 0])
x_test, y_test = np.array(x_test), np.array(y_test)
x_test = np.reshape(x_test, (x_test.shape[0], 60, 1))

# --scaling window（后面“评估”一节会说明为什么）：每个窗口除以它自己最后一天的价格，
# 网络学的是明天相对今天涨跌多少，不管股价本身在什么水平
if args.scaling == "window":
    x_train, y_train, x_test, y_test, last_prices, spread = lessonkit.window_scaled(
        training_set, sc.inverse_transform(test_set), x_train.shape[1])
    order = np.random.RandomState(7).permutation(len(x_train))  # 同样用种子 7 打乱
    x_train, y_train = x_train[order], y_train[order]

# %% [markdown]
# ## 搭建网络 (Sequential) 和配置训练方法 (compile)
#
# 两层循环层：第一层每个时间步都把 h_t 输出给第二层（return_sequences=True），第二层只在最后一个
# 时间步输出 h_t；Dropout 防止过拟合；最后一层全连接输出一个数（归一化后的第二天开盘价）。

# %%
model = tf.keras.Sequential([
    tf.keras.Input(shape=(x_train.shape[1], 1)),  # Keras 3 要先知道输入形状（窗口天数 × 每天 1 个开盘价，天数取自 x_train，讲义里是 60），训练前才能读回保存的权重
    LSTM(80, return_sequences=True),
    Dropout(0.2),
    LSTM(100),
    Dropout(0.2),
    Dense(1)
])

model.compile(optimizer=tf.keras.optimizers.Adam(0.001),
              loss='mean_squared_error')  # loss 用均方误差；预测连续的价格，不看准确率，所以不设 metrics

# %% [markdown]
# ## 断点续训 (resume from a checkpoint)
#
# checkpoint 里存的是 val_loss（测试集上的 loss）最小那一轮的权重，再运行时从它接着训练；
# 模型本身保留最后一轮的权重，后面的参数提取、预测和评估都用最后一轮的。

# %%
checkpoint_save_path = f"./checkpoint/{args.name}.weights.h5"  # 文件名是脚本名；换了数据或用 --scaling window，还会加上后缀

if lessonkit.checkpoint_to_load(model, checkpoint_save_path, args):  # 有这一课能用的权重文件时
    print('-------------load the model-----------------')
    model.load_weights(checkpoint_save_path)

cp_callback = lessonkit.ModelCheckpoint(filepath=checkpoint_save_path,
                                        save_weights_only=True,
                                        save_best_only=True,
                                        monitor='val_loss')

# %% [markdown]
# ## 训练 (fit) 和查看网络结构 (summary)
#
# 每 64 个样本一批，训练 50 轮；每一轮都在测试集上算一次 val_loss。

# %%
history = model.fit(x_train, y_train, batch_size=64, epochs=args.epochs, validation_data=(x_test, y_test),
                    validation_freq=1, callbacks=[cp_callback])

model.summary()

# %% [markdown]
# ## 参数提取 (the weight dump)

# %%
np.set_printoptions(threshold=np.inf)  # 大矩阵也全部写出来，不用 ... 省略
file = open(f"./{args.name}_weights.txt", 'w', encoding='utf-8')
for v in model.trainable_variables:
    file.write(str(v.path) + '\n')  # Keras 3 里 v.name 只剩 kernel 这样的短名，v.path 前面还带着层的名字
    file.write(str(v.shape) + '\n')
    file.write(str(v.numpy()) + '\n')
file.close()

# %% [markdown]
# ## loss 曲线 (the loss curves)

# %%
loss = history.history['loss']
val_loss = history.history['val_loss']

plt.plot(loss, label='Training Loss')
plt.plot(val_loss, label='Validation Loss')
plt.title('Training and Validation Loss')
plt.legend()
lessonkit.show_or_save(f"{args.name}_curves.png", args, history=history, what=f"{args.name} (LSTM)")

# %% [markdown]
# ## 预测测试集 (predict)
#
# 测试集送进网络，再从 0-1 还原成价格（元）。灰线是朴素预测：每天的预测值就是前一天的开盘价。

# %%
predicted_stock_price = model.predict(x_test, verbose=0)
if args.scaling == "window":
    predicted_stock_price = lessonkit.prices_from_window_scaled(predicted_stock_price, last_prices, spread)
else:
    predicted_stock_price = sc.inverse_transform(predicted_stock_price)
real_stock_price = sc.inverse_transform(test_set[60:])
persistence = sc.inverse_transform(test_set[-len(x_test) - 1:-1])  # 朴素预测：取每个预测日前一天的开盘价

stock = maotai.attrs["name"]  # 图上的股票名：600519 用讲义里的 MaoTai，别的用代码
plt.plot(persistence, color='gray', linewidth=1, alpha=0.7, label='Persistence (the day before)')
plt.plot(real_stock_price, color='red', label=f'{stock} Stock Price')
plt.plot(predicted_stock_price, color='blue', label=f'Predicted {stock} Stock Price')
plt.axhline(training_set.max(), color='black', linestyle='--', linewidth=1,  # 虚线是训练集最高价：高于它的价格归一化后大于 1
            label=f'Highest training price ({training_set.max():.2f})')
plt.title(f'{stock} Stock Price Prediction')
plt.xlabel('Time')
plt.ylabel(f'{stock} Stock Price (yuan)')
plt.legend()
lessonkit.show_or_save(f"{args.name}_prediction.png", args, what=f"{args.name} (LSTM)")

# %% [markdown]
# ## 评估 (evaluate)
#
# 均方误差、均方根误差、平均绝对误差（后两个的单位和股价一样，是元）；然后和朴素预测对比。
# 测试期股价超出训练期范围时，再说明预测曲线为什么偏低。

# %%
mse = mean_squared_error(predicted_stock_price, real_stock_price)
rmse = math.sqrt(mean_squared_error(predicted_stock_price, real_stock_price))
mae = mean_absolute_error(predicted_stock_price, real_stock_price)
print('均方误差: %.6f' % mse)
print('均方根误差: %.6f' % rmse)
print('平均绝对误差: %.6f' % mae)
diagnosis = None
if args.scaling == "minmax":  # 测试期的股价超出了训练期的范围吗？
    diagnosis = lessonkit.scaling_diagnosis(training_set, sc.inverse_transform(test_set), len(x_test), sc)
    if diagnosis:
        print(diagnosis)
lessonkit.compare_with_persistence((mse, rmse, mae), persistence, real_stock_price, maotai.attrs["code"], diagnosis)
