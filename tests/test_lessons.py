"""Each lesson reads as the lecture: its lines are there, in order, and the collection's few.

Read from the lessons' source: a teacher points at these lines on a projector, and a student who
copies a lesson copies them (what the lines do: the tests that run the lessons).
"""
import ast
import re

import pytest

from conftest import SCRIPTS

LETTERS = ["rnn_onehot_1pre1", "rnn_onehot_4pre1", "rnn_embedding_1pre1", "rnn_embedding_4pre1"]
STOCK = ["stock_rnn", "stock_lstm", "stock_gru"]
# The lecture's lines every lesson keeps, in the lecture's order (whole lines, stripped).
EVERY_LESSON = [
    "print('-------------load the model-----------------')",
    "model.load_weights(checkpoint_save_path)",
    "save_weights_only=True,",
    "save_best_only=True,",
    "model.summary()",
    "for v in model.trainable_variables:",
    "file.write(str(v.shape) + '\\n')",
    "file.write(str(v.numpy()) + '\\n')",
    "file.close()",
]
LETTER_LESSON = [
    "monitor='loss')",
    "history = model.fit(train_db, epochs=args.epochs, callbacks=[cp_callback])",
    "plt.subplot(1, 2, 1)",
    "plt.plot(acc, label='Training Accuracy')",
    "plt.subplot(1, 2, 2)",
    "plt.plot(loss, label='Training Loss')",
    "for i in range(preNum):",
    "pred = tf.argmax(result, axis=1)",
    "pred = int(pred[0])",
    "print(alphabet1 + '->' + input_word[pred])",
]
STOCK_LESSON = [
    "monitor='val_loss')",
    "history = model.fit(x_train, y_train, batch_size=64, epochs=args.epochs, validation_data=(x_test, y_test),",
    "plt.plot(loss, label='Training Loss')",
    "plt.plot(val_loss, label='Validation Loss')",
    "real_stock_price = sc.inverse_transform(test_set[60:])",
    "print('均方误差: %.6f' % mse)",
    "print('均方根误差: %.6f' % rmse)",
    "print('平均绝对误差: %.6f' % mae)",
]


def source(lesson):
    return (SCRIPTS / f"{lesson}.py").read_text(encoding="utf-8")


@pytest.mark.parametrize("lesson", LETTERS + STOCK)
def test_the_lectures_lines_are_in_the_lesson_in_the_lectures_order(lesson):
    lines = [line.split("  # ")[0].strip() for line in source(lesson).splitlines()]  # comments aside
    wanted = EVERY_LESSON[:4] + (LETTER_LESSON if lesson in LETTERS else STOCK_LESSON)[:1] + EVERY_LESSON[4:]
    positions = [lines.index(line) for line in wanted]
    assert positions == sorted(positions)
    later = LETTER_LESSON[1:] if lesson in LETTERS else STOCK_LESSON[1:]
    positions = [lines.index(line) for line in later]
    assert positions == sorted(positions)
    # the load line right under the lecture's print, inside its `if`
    assert lines[lines.index(EVERY_LESSON[0]) + 1] == EVERY_LESSON[1]


@pytest.mark.parametrize("lesson, most", [*((lesson, 9) for lesson in LETTERS), *((lesson, 12) for lesson in STOCK)])
def test_few_lines_name_the_collections_helpers(lesson, most):
    code = [line for line in source(lesson).splitlines() if not line.lstrip().startswith("#")]
    assert len([line for line in code if re.search(r"\blessonkit\b", line.split("#")[0])]) <= most


@pytest.mark.parametrize("lesson", LETTERS + STOCK)
def test_each_step_opens_with_prose_and_a_heading_in_both_languages(lesson):
    text = source(lesson)
    headings = re.findall(r"^# %% \[markdown\]\n# (#+ .+)$", text, flags=re.M)
    assert headings[0].startswith("# ") and len(headings) >= 8
    assert all(re.search(r"[\u4e00-\u9fff].*\([a-z]", heading) for heading in headings[1:]), headings
    doc = ast.get_docstring(ast.parse(text))
    assert re.match(r"[\u4e00-\u9fff]", doc) and f"python scripts/{lesson}.py" in doc
