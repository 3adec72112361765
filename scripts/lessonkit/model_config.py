"""What a lesson's model is, read from Keras's JSON of it: its layers and their settings (the by-hand
pass walks them), and what changed from one to another (a changed lesson's checkpoint is kept aside)."""
import json

NOT_THE_LESSON = ("name", "trainable", "dtype", "seed", "build_config", "registered_name")


def described(model_json):
    """[(kind, settings, name)]: each layer's config without what does not change what it
    computes, then the optimizer (its kind and learning rate) and the loss."""
    config = json.loads(model_json)
    described = [(layer["class_name"],
                  {key: value for key, value in layer.get("config", {}).items()
                   if key not in NOT_THE_LESSON and not key.endswith("_initializer")},
                  layer.get("config", {}).get("name", "")) for layer in config["config"]["layers"]]
    compiled = config.get("compile_config") or {}
    for what in ("optimizer", "loss"):
        item = compiled.get(what)
        if item is not None:
            settings = {"class": item.get("class_name") if isinstance(item, dict) else item}
            rate = item.get("config", {}).get("learning_rate") if isinstance(item, dict) else None
            if isinstance(rate, (int, float)):
                settings["learning_rate"] = round(float(rate), 8)
            described.append((what, settings, what))
    return described


def changes(before_json, now_json):
    """What changed from the model `before_json` to `now_json`, a few words each; [] if nothing."""
    before, now = described(before_json), described(now_json)
    kinds, changed = [kind for kind, _, _ in now], []
    if [kind for kind, _, _ in before] != kinds:
        return [f"its layers were {', '.join(k for k, _, _ in before)}; now {', '.join(kinds)}"]
    for (kind, old, _), (_, new, name) in zip(before, now):
        which = f" in {name}" if kinds.count(kind) > 1 else ""  # which of two SimpleRNN layers
        changed += [f"{kind} {key} {old.get(key)!r} -> {new.get(key)!r}{which}"
                    for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key)]
    return changed
