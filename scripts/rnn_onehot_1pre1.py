# %% [markdown]
# # 字母预测：输入一个字母，预测下一个（独热码，1pre1）
#
# 第六讲“循环神经网络”的第一个实践：a 后面是 b，接着是 c、d、e，e 后面又回到 a。每个样本只有一个字母，
# 循环核时间展开步数为 1。
# 按六步法来写：import、准备数据、Sequential 搭网络、compile、fit、summary；
# 再加上八股扩展里的断点续训、参数提取和 acc/loss 曲线，最后输入字母看预测结果。

# %%
"""输入一个字母，预测下一个字母：独热码编码，一层 SimpleRNN（第六讲，1pre1）。

One letter in, the next letter out: a SimpleRNN on one-hot encoded letters (Lecture 6, 1pre1).

    python scripts/rnn_onehot_1pre1.py            训练（或接着上次训练），然后输入字母预测
    python scripts/rnn_onehot_1pre1.py --help     全部命令行选项 (the flags)
"""
import lessonkit  # 课程辅助工具，须最先导入：屏蔽 TensorFlow 启动日志，出错时只打印一行原因
import numpy as np
import tensorflow as tf
from tensorflow.keras.layers import Dense, SimpleRNN
import matplotlib.pyplot as plt

args = lessonkit.letter_flags(__doc__, epochs=100)  # 命令行选项；一个都不加时，和讲义完全一样

# %% [markdown]
# ## 数据 (the data)
#
# 计算机只认数字：每个字母先对应一个编号（`w_to_id`），编号再换成独热码（`id_to_onehot`），
# 五个数里只有一个是 1。输入 a，标签是 b 的编号；输入 b，标签是 c 的编号……依此类推。

# %%
input_word = "abcde"
w_to_id = {'a': 0, 'b': 1, 'c': 2, 'd': 3, 'e': 4}  # 字母 -> 编号
id_to_onehot = {0: [1., 0., 0., 0., 0.], 1: [0., 1., 0., 0., 0.], 2: [0., 0., 1., 0., 0.],
                3: [0., 0., 0., 1., 0.], 4: [0., 0., 0., 0., 1.]}  # 编号 -> 独热码

x_train = [id_to_onehot[w_to_id['a']], id_to_onehot[w_to_id['b']], id_to_onehot[w_to_id['c']],
           id_to_onehot[w_to_id['d']], id_to_onehot[w_to_id['e']]]
y_train = [w_to_id['b'], w_to_id['c'], w_to_id['d'], w_to_id['e'], w_to_id['a']]

# 样本和标签用同一个种子打乱，打乱后仍然一一对应
np.random.seed(7)
np.random.shuffle(x_train)
np.random.seed(7)
np.random.shuffle(y_train)
tf.keras.utils.set_random_seed(7)  # 讲义用 tf.random.set_seed(7)；Keras 3 还要固定 Python 的 random

# 循环层的输入是三维的：[样本数, 循环核时间展开步数, 每个时间步的特征数]，这里是 [5, 1, 5]
x_train = np.reshape(x_train, (len(x_train), 1, 5))
y_train = np.array(y_train)

# %% [markdown]
# ## 搭建网络 (Sequential) 和配置训练方法 (compile)
#
# 一层有 3 个记忆体的 SimpleRNN，后面接一层全连接：softmax 给出 5 个字母各自的概率。

# %%
model = tf.keras.Sequential([
    tf.keras.Input(shape=(1, 5)),  # Keras 3 要先知道输入形状，训练前才能读回保存的权重
    SimpleRNN(3),
    Dense(5, activation='softmax')
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
# 数据集每 32 个样本一批（这里只有 5 个样本，一批就装下了），训练 100 轮。

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
# 先输入要预测几次，再每次输入一个字母：换成独热码，变成 [1 个样本, 1 个时间步, 5 个特征]，
# 送进网络，概率最大的那个就是预测出的下一个字母。

# %%
preNum = lessonkit.ask_count("input the number of test alphabet:", args)
for i in range(preNum):
    alphabet1 = lessonkit.ask_word("input test alphabet:", input_word, 1, args)  # 输入不合要求会重新问
    alphabet = [id_to_onehot[w_to_id[alphabet1]]]
    alphabet = np.reshape(alphabet, (1, 1, 5))
    result = model(alphabet)
    pred = tf.argmax(result, axis=1)
    pred = int(pred[0])
    print(alphabet1 + '->' + input_word[pred])
    lessonkit.show_more(model, alphabet, result, input_word, args)  # 加 --probs 或 --generate 时，各多打印一行
