# %% [markdown]
# # 循环计算过程：用训练好的权重一步一步手算，再和 Keras 对一对
#
# 参数矩阵训练好以后就固定了；每个时间步，记忆体 h_t 由这一步的输入 x_t 和上一步的记忆体 h_{t-1}
# 算出来，最后一步的输出送进全连接层。下面先把讲义里 SimpleRNN、LSTM、GRU 的公式一行一行写成 NumPy
# 代码，再用某一课训练好的权重算一遍，最后让 Keras 算同一个输入，看两者差多少。

# %%
"""手算循环层的前向传播（第六讲，循环计算过程），用一课训练好的权重，和 Keras 的结果对比。

The recurrence by hand: a trained lesson's prediction recomputed step by step in NumPy, with the
lecture's equations for SimpleRNN, LSTM and GRU, and checked against Keras.

    python scripts/rnn_forward_by_hand.py                           默认：rnn_onehot_4pre1，输入 bcde
    python scripts/rnn_forward_by_hand.py rnn_embedding_4pre1 wxyz
    python scripts/rnn_forward_by_hand.py my_rnn.py abcd             自己改写的课 (a lesson of your own)
    python scripts/rnn_forward_by_hand.py stock_gru                  股票预测：测试集最后一天
    python scripts/rnn_forward_by_hand.py stock_lstm --day 1         测试集的第 1 个预测日
"""
import lessonkit  # 课程辅助工具：出错时只打印一行原因
import numpy as np
from lessonkit import by_hand

args = by_hand.flags_of(__doc__)
TOLERANCE = 1e-5

# %% [markdown]
# ## 讲义的公式，一个公式一行 (the lecture's equations)
#
# 行向量写法：x_t·W（SimpleRNN 里是 Wxh，Keras 的 kernel），h_{t-1}·U（SimpleRNN 里是 Whh，Keras 的
# recurrent_kernel）。σ 是 sigmoid（Keras 的 recurrent_activation），tanh 是 Keras 的 activation；
# ⊙ 是对应元素相乘（NumPy 的 *）。


# %%
def simple_rnn(x_t, h_prev, Wxh, Whh, bh, tanh):
    x_Wxh, h_Whh = x_t @ Wxh, h_prev @ Whh                              # 这一步的输入乘 Wxh，上一步的记忆体乘 Whh
    h_t = tanh(x_Wxh + h_Whh + bh)                                      # 记忆体 h_t
    return {"x_t·Wxh": x_Wxh, "h_(t-1)·Whh": h_Whh, "h_t": h_t}


def lstm(x_t, h_prev, C_prev, W, U, b, σ, tanh):
    i_t = σ(x_t @ W["i"] + h_prev @ U["i"] + b["i"])                    # 输入门
    f_t = σ(x_t @ W["f"] + h_prev @ U["f"] + b["f"])                    # 遗忘门
    o_t = σ(x_t @ W["o"] + h_prev @ U["o"] + b["o"])                    # 输出门
    C_tilde = tanh(x_t @ W["c"] + h_prev @ U["c"] + b["c"])             # 候选态 C̃_t
    C_t = f_t * C_prev + i_t * C_tilde                                  # 细胞态 C_t
    h_t = o_t * tanh(C_t)                                               # 记忆体 h_t
    return {"i_t": i_t, "f_t": f_t, "o_t": o_t, "C̃_t": C_tilde, "C_t": C_t, "h_t": h_t}


def gru(x_t, h_prev, W, U, b, b2, σ, tanh, reset_after):
    z_t = σ(x_t @ W["z"] + b["z"] + h_prev @ U["z"] + b2["z"])          # 更新门，按 Keras 的定义（= 1 - 讲义的 z_t）
    r_t = σ(x_t @ W["r"] + b["r"] + h_prev @ U["r"] + b2["r"])          # 重置门
    if reset_after:  # Keras 默认（reset_after=True）：h_{t-1}U 先加第二个偏置 b'，再乘重置门
        h_tilde = tanh(x_t @ W["h"] + b["h"] + r_t * (h_prev @ U["h"] + b2["h"]))  # 候选隐藏层 h̃_t
    else:            # 讲义的写法：重置门先乘 h_{t-1}
        h_tilde = tanh(x_t @ W["h"] + (r_t * h_prev) @ U["h"] + b["h"])  # 候选隐藏层 h̃_t
    h_t = z_t * h_prev + (1 - z_t) * h_tilde                            # 记忆体 h_t（用 Keras 的 z_t）
    z_lecture = 1 - z_t                                                 # 讲义的更新门
    h_t_lecture = (1 - z_lecture) * h_prev + z_lecture * h_tilde        # 讲义公式算的 h_t，和上面 Keras 的 h_t 相同
    return {"z_t": z_t, "r_t": r_t, "h̃_t": h_tilde, "h_t": h_t,
            "z_t (lecture)": z_lecture, "h_t (lecture)": h_t_lecture}


# %% [markdown]
# ## 这一课和它训练好的权重 (the lesson and its trained weights)
#
# 从 checkpoint 里读出所选那一课的模型和权重（不重新运行那一课），再准备输入：字母课用输入的字母，
# 股票课用测试集某一天之前 60 天的开盘价（归一化和那一课相同）。

# %%
name, checkpoint_save_path, record, layers, train = by_hand.lesson(args)
time_steps = by_hand.input_length(record)
letter_lesson = record.input_word is not None  # 字母课的 checkpoint 里存着它的字母表
if letter_lesson:
    input_word = record.input_word
    word = by_hand.letters(args.input, input_word, time_steps, name)
by_hand.check_can_write(f"{name}_by_hand.png")
model = by_hand.load_weights(record, checkpoint_save_path, layers, train)
if letter_lesson:
    ids = [input_word.index(letter) for letter in word]
    x = np.array(ids) if layers[0].kind == "Embedding" else np.eye(len(input_word), dtype="float32")[ids]
    labels = [f"t={t} '{letter}'" for t, letter in enumerate(word, start=1)]
else:
    window = by_hand.stock_window(args, time_steps, args.day, by_hand.test_days(record))
    x, labels = window["x"], [f"t={t}" for t in range(1, time_steps + 1)]
    print(f"{name}: test day {window['day']} ({window['date']}), predicted from the {time_steps} "
          f"opening prices before it, scaled as the lesson scales them")
recurrent = [layer for layer in layers if layer.kind in by_hand.RECURRENT]
print(f"{name}: {time_steps} time step(s), {' + '.join(str(layer.config['units']) for layer in recurrent)} "
      f"memory units (记忆体) in {len(recurrent)} recurrent layer(s), weights from {checkpoint_save_path}")

# %% [markdown]
# ## 一层一层地算 (layer by layer)
#
# 每个循环层都从 h_0 = 0（LSTM 还有 C_0 = 0）开始，按时间步套用上面的公式。时间步超过 6 步时
# （股票课），只打印前 3 步和最后一步，每步只打印前 4 个记忆体，矩阵只打印左上角一块。

# %%
FEW = 3 if time_steps > 6 else None  # the steps printed in full: the first few, and the last
CUT = (None, None) if letter_lesson else (4, 8)  # the matrices' rows and columns printed
values, first_steps = x, None
for number, layer in enumerate(layers, start=1):
    print(f"\n## Layer {number}: {layer.name} ({layer.kind})")
    if layer.kind == "Embedding":
        E = layer.weights[0]
        by_hand.matrix("E (embedding table, one row per letter)", E)
        values = E[values]
        continue
    if layer.kind == "Dense":
        W, b = layer.weights
        last = number == len(layers)
        by_hand.matrix("Why" if last else "W", W, *CUT)
        by_hand.matrix("by" if last else "b", b, *CUT)
        values = layer.activation()(values @ W + b)
        print(f"\n{layer.config.get('activation')}(h_T·Why + by):" if last else
              f"\n{layer.config.get('activation')}(h·W + b):")
        print(f"    {by_hand.row(values[:8])}")
        continue
    units, σ, tanh = layer.config["units"], layer.activation("recurrent_activation"), layer.activation()
    kernel, recurrent_kernel, bias = layer.weights
    shown = min(units, 4) if FEW else units
    if layer.kind == "SimpleRNN":
        print(f"h_t = {layer.config['activation']}(x_t Wxh + h_(t-1) Whh + bh), {units} memory units (记忆体)")
        for label, m in (("Wxh", kernel), ("Whh", recurrent_kernel), ("bh", bias)):
            by_hand.matrix(label, m, *CUT)
        step = lambda x_t, h, C: simple_rnn(x_t, h, kernel, recurrent_kernel, bias, tanh)  # noqa: E731
    else:  # Keras keeps the gates side by side: kernel (features, 4·units) for LSTM's i f c o
        blocks = by_hand.GATES[layer.kind]
        rows = bias.reshape(-1, len(blocks) * units)  # a GRU with reset_after: two rows
        W, U, b, b2 = ({g: m[..., k * units:(k + 1) * units] for k, g in enumerate(blocks)}
                       for m in (kernel, recurrent_kernel, rows[0], rows[-1] if len(rows) > 1 else 0 * rows[0]))
        print(f"kernel W {kernel.shape}, recurrent_kernel U {recurrent_kernel.shape}, bias {bias.shape}: "
              f"{len(blocks)} blocks of {units} units side by side, "
              + ", ".join(f"{g} in columns {k * units}-{(k + 1) * units - 1}" for k, g in enumerate(blocks))
              + ("; bias row 0 goes with x_t W, row 1 with h_(t-1) U" if len(rows) > 1 else ""))
        if layer.kind == "LSTM":
            print("i_t = σ(x_t W_i + h_(t-1) U_i + b_i)    f_t = σ(x_t W_f + h_(t-1) U_f + b_f)    "
                  "o_t = σ(x_t W_o + h_(t-1) U_o + b_o)\nC̃_t = tanh(x_t W_c + h_(t-1) U_c + b_c)    "
                  "C_t = f_t ⊙ C_(t-1) + i_t ⊙ C̃_t    h_t = o_t ⊙ tanh(C_t)")
            step = lambda x_t, h, C: lstm(x_t, h, C, W, U, b, σ, tanh)  # noqa: E731
        else:
            reset_after = bool(layer.config.get("reset_after", True))
            print("the lecture: z_t = σ(W_z·[h_(t-1), x_t])   r_t = σ(W_r·[h_(t-1), x_t])   "
                  "h̃_t = tanh(W·[r_t ⊙ h_(t-1), x_t])   h_t = (1 - z_t) ⊙ h_(t-1) + z_t ⊙ h̃_t")
            print("Keras:       z_t = σ(x_t W_z + b_z + h_(t-1) U_z + b'_z)   r_t the same with r   "
                  + ("h̃_t = tanh(x_t W_h + b_h + r_t ⊙ (h_(t-1) U_h + b'_h))" if reset_after else
                     "h̃_t = tanh(x_t W_h + (r_t ⊙ h_(t-1)) U_h + b_h)")
                  + "   h_t = z_t ⊙ h_(t-1) + (1 - z_t) ⊙ h̃_t")
            print("Keras's z_t is the lecture's 1 - z_t: the update gate the other way round, the same h_t. "
                  + ("Keras applies the reset gate after the product (reset_after=True, its default); "
                     "GRU(..., reset_after=False) computes the lecture's form." if reset_after else
                     "With reset_after=False the reset gate comes before the product, as in the lecture."))
            step = lambda x_t, h, C: gru(x_t, h, W, U, b, b2, σ, tanh, reset_after)  # noqa: E731
    h, C, steps = np.zeros(units, dtype="float32"), np.zeros(units, dtype="float32"), []
    for x_t in values:
        found = {"x_t": x_t, "h_(t-1)": h, **step(x_t, h, C)}
        h, C = found["h_t"], found.get("C_t", C)
        steps.append(found)
    for t, found in enumerate(steps, start=1):
        if FEW and FEW < t < len(steps):
            if t == FEW + 1:
                print(f"\n... steps {t} to {len(steps) - 1} ...")
            continue
        reads = f"letter {word[t - 1]!r}" if letter_lesson and layer is recurrent[0] else "x_t"
        print(f"\nt = {t}: {reads}" + (f"; memory units 1-{shown} of {units}" if shown < units else ""))
        for key, value in found.items():  # (a tilde takes no room of its own)
            print(f"    {key}{' ' * (15 - len(key) + key.count(chr(0x303)))}"
                  f"{by_hand.row(value[:8] if key == 'x_t' else value[:shown])}")
    if layer is recurrent[0]:
        first_steps = [{key: value[:12] for key, value in found.items()} for found in steps]
        unit_label = f"{layer.name}: memory unit" + (f" (12 of {units})" if units > 12 else "")
        formula = {"SimpleRNN": rf"$h_t = \mathrm{{{layer.config['activation']}}}(x_t W_{{xh}} + h_{{t-1}} W_{{hh}} + b_h)$",
                   "LSTM": r"$C_t = f_t \odot C_{t-1} + i_t \odot \tilde{C}_t, \quad h_t = o_t \odot \tanh(C_t)$",
                   "GRU": r"$h_t = z_t \odot h_{t-1} + (1 - z_t) \odot \tilde{h}_t$ (Keras's $z_t$: the lecture's is $1 - z_t$)"
                   }[layer.kind]
    values = np.array([found["h_t"] for found in steps]) if layer.config.get("return_sequences") else h

# %% [markdown]
# ## 同一个输入交给 Keras (the same input through Keras)

# %%
keras_output = np.asarray(model(x[None], training=False))[0]
difference = float(np.max(np.abs(values - keras_output)))
if letter_lesson:
    p, top = values, int(np.argmax(values))
    print(f"{layers[-1].config.get('activation')} probabilities:")
    for i, letter in enumerate(input_word):
        print(f"    {letter}  {p[i]:.4f}{'  <- top' if i == top else ''}")
    print("Keras probabilities:")
    print(f"    {by_hand.row(keras_output)}")
    order = np.argsort(-p, kind="stable")[:10]
    below = (rf"$y = \mathrm{{softmax}}(h_T W_{{hy}} + b_y)$: {word}->{input_word[top]}"
             + ("" if len(p) <= 10 else f" (the 10 most probable of {len(p)} letters)"),
             ([input_word[i] for i in order], p[order]))
    final = (f"{word}->{input_word[top]}  (Keras: {input_word[int(np.argmax(keras_output))]}, "
             f"max abs difference {difference:.1e})")
else:
    price, keras_price = window["to_yuan"](values[0]), window["to_yuan"](keras_output[0])
    print(f"\nthe model's output {values[0]:.6f} (Keras: {keras_output[0]:.6f}), in yuan {price:.2f}; "
          f"the real opening price {window['real']:.2f}, persistence (the day before) {window['before']:.2f}")
    below = (f"{window['date']}: the real opening price, the model's and persistence's",
             window["prices"], [(window["real"], "ro", f"real {window['real']:.2f}"),
                                (price, "bs", f"the model, by hand {price:.2f}"),
                                (window["before"], "^", f"persistence {window['before']:.2f}")])
    final = (f"day {window['day']} ({window['date']}): {price:.2f} yuan  (Keras: {keras_price:.2f} yuan, "
             f"max abs difference {difference:.1e})")

# %% [markdown]
# ## 画出来：第一个循环层每个时间步的门、候选态、细胞态和记忆体，以及输出 (the picture)

# %%
by_hand.picture(first_steps, labels, unit_label, below, formula)
lessonkit.show_or_save(f"{name}_by_hand.png", args, what=f"{name}: the recurrence by hand"
                       + (f", input {word!r}" if letter_lesson else f", test day {window['day']}"))

print(final)
if not difference < TOLERANCE:  # NaN included
    by_hand.fail(f"The hand computation and Keras differ by more than {TOLERANCE:g}.")
