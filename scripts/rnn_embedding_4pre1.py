# %% [markdown]
# # 字母预测：连续输入四个字母，预测下一个（Embedding，26 个字母，4pre1）
#
# 字母表扩大到 a-z 全部 26 个：abcd 后面是 e，……，vwxy 后面是 z。独热码每个字母要 26 个数，
# Embedding 只用 2 个数，而且这 2 个数是训练出来的。四个字母依次在四个时间步送进循环核。
# 按六步法来写：import、准备数据、Sequential 搭网络、compile、fit、summary；
# 再加上八股扩展里的断点续训、参数提取和 acc/loss 曲线，最后输入字母看预测结果。

# %%
"""连续输入四个字母，预测下一个字母：26 个字母，Embedding 编码，一层 SimpleRNN（第六讲，4pre1）。

Four letters in, the next letter out, over the whole alphabet: a SimpleRNN on letters coded by an
Embedding (Lecture 6, 4pre1).

    python scripts/rnn_embedding_4pre1.py            训练（或接着上次训练），然后输入字母预测
    python scripts/rnn_embedding_4pre1.py --help     全部命令行选项 (the flags)
"""
import lessonkit  # 课程辅助工具，须最先导入：屏蔽 TensorFlow 启动日志，出错时只打印一行原因
import numpy as np
import tensorflow as tf
from tensorflow.keras.layers import Dense, SimpleRNN, Embedding
import matplotlib.pyplot as plt

args = lessonkit.letter_flags(__doc__, epochs=100)  # 命令行选项；一个都不加时，和讲义完全一样

# %% [markdown]
# ## 数据 (the data)
#
# 计算机只认数字：每个字母对应一个编号（`w_to_id`），编号直接作为输入，由 Embedding 层去编码。
# 从 0 到 25 这列编号里，每次取连续四个作为输入，第五个作为标签：一共 22 个样本。

# %%
input_word = "abcdefghijklmnopqrstuvwxyz"
w_to_id = {'a': 0, 'b': 1, 'c': 2, 'd': 3, 'e': 4,
           'f': 5, 'g': 6, 'h': 7, 'i': 8, 'j': 9,
           'k': 10, 'l': 11, 'm': 12, 'n': 13, 'o': 14,
           'p': 15, 'q': 16, 'r': 17, 's': 18, 't': 19,
           'u': 20, 'v': 21, 'w': 22, 'x': 23, 'y': 24, 'z': 25}  # 字母 -> 编号

training_set_scaled = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
                       11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
                       21, 22, 23, 24, 25]

x_train = []
y_train = []

for i in range(4, 26):
    x_train.append(training_set_scaled[i - 4:i])
    y_train.append(training_set_scaled[i])

# 样本和标签用同一个种子打乱，打乱后仍然一一对应
np.random.seed(7)
np.random.shuffle(x_train)
np.random.seed(7)
np.random.shuffle(y_train)
tf.keras.utils.set_random_seed(7)  # 讲义用 tf.random.set_seed(7)；Keras 3 还要固定 Python 的 random

# Embedding 的输入是二维的：[样本数, 循环核时间展开步数]，这里是 [22, 4]
x_train = np.reshape(x_train, (len(x_train), 4))
y_train = np.array(y_train)

# %% [markdown]
# ## 搭建网络 (Sequential) 和配置训练方法 (compile)
#
# Embedding(26, 2) 是一张 26 行 2 列、可以训练的表，每个编号查出一行；然后是有 10 个记忆体的
# SimpleRNN，最后一层全连接：softmax 给出 26 个字母各自的概率。

# %%
model = tf.keras.Sequential([
    tf.keras.Input(shape=(4,)),  # Keras 3 要先知道输入形状，训练前才能读回保存的权重
    Embedding(26, 2),
    SimpleRNN(10),
    Dense(26, activation='softmax')
])

model.compile(optimizer=tf.keras.optimizers.Adam(0.01),
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=False),
              metrics=['sparse_categorical_accuracy'])

# %% [markdown]
# ## 断点续训 (resume from a checkpoint)
#
# 训练中最好的权重存进 checkpoint 文件夹；再运行一次，先把它读回来，在此基础上接着训练。

# %%
checkpoint_save_path = f"./checkpoint/{args.name}.weights.h5"  # 文件名就是这个脚本的名字

if lessonkit.checkpoint_to_load(model, checkpoint_save_path, args):  # 有这一课能用的权重文件时
    print('-------------load the model-----------------')
    model.load_weights(checkpoint_save_path)

cp_callback = lessonkit.ModelCheckpoint(filepath=checkpoint_save_path,
                                        save_weights_only=True,
                                        save_best_only=True,
                                        monitor='loss')  # 没有测试集，就按训练集上的 loss 保存最好的权重

# %% [markdown]
# ## 训练 (fit) 和查看网络结构 (summary)
#
# 数据集每 32 个样本一批（这里只有 22 个样本，一批就装下了），训练 100 轮。

# %%
train_db = tf.data.Dataset.from_tensor_slices((x_train, y_train)).batch(32)
history = model.fit(train_db, epochs=args.epochs, callbacks=[cp_callback])

model.summary()

# %% [markdown]
# ## 参数提取 (the weight dump)
#
# 把每个可训练参数的名字、形状和数值写进文本文件，打开就能看到训练出的参数矩阵。

# %%
file = open(f"./{args.name}_weights.txt", 'w', encoding='utf-8')
for v in model.trainable_variables:
    file.write(str(v.path) + '\n')  # Keras 3 里 v.name 只剩 kernel 这样的短名，v.path 前面还带着层的名字
    file.write(str(v.shape) + '\n')
    file.write(str(v.numpy()) + '\n')
file.close()

# %% [markdown]
# ## acc 和 loss 曲线 (the curves)

# %%
acc = history.history['sparse_categorical_accuracy']
loss = history.history['loss']

plt.subplot(1, 2, 1)
plt.plot(acc, label='Training Accuracy')
plt.title('Training Accuracy')
plt.legend()

plt.subplot(1, 2, 2)
plt.plot(loss, label='Training Loss')
plt.title('Training Loss')
plt.legend()
lessonkit.show_or_save(f"{args.name}_curves.png", args, history=history)  # 即讲义的 plt.show()，另外存一份 PNG

# %% [markdown]
# ## 预测 (predict)
#
# 先输入要预测几次，再每次连续输入四个字母：查出它们的编号，变成 [1 个样本, 4 个时间步]，
# 送进网络，概率最大的那个就是预测出的下一个字母。

# %%
preNum = lessonkit.ask_count("input the number of test alphabet:", args)
for i in range(preNum):
    alphabet1 = lessonkit.ask_word("input test alphabet:", input_word, 4, args)  # 输入不合要求会重新问
    alphabet = [w_to_id[a] for a in alphabet1]
    alphabet = np.reshape(alphabet, (1, 4))
    result = model(alphabet)
    pred = tf.argmax(result, axis=1)
    pred = int(pred[0])
    print(alphabet1 + '->' + input_word[pred])
    lessonkit.show_more(model, alphabet, result, input_word, args)  # 加 --probs 或 --generate 时，各多打印一行
