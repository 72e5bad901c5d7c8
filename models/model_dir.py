"""A model directory's cross-encoder.json, as the fitting scripts (fit-calibration.py, fit-blend.py) read and update it."""
import json
import os
import shutil

CONFIG = "cross-encoder.json"


class InputError(Exception):
    """A problem with what the user gave: reported in one line, exit code 2."""


def read_config(model_dir):
    path = os.path.join(model_dir, CONFIG)
    if not os.path.exists(path):
        return {}
    try:
        with open(path, encoding="utf-8") as file:
            config = json.load(file)
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: not JSON: {e}") from None
    if not isinstance(config, dict):
        raise InputError(f"{path}: not a JSON object")
    return config


def copy_model(source, destination):
    """The source's regular files, as plain writable copies (the source may be read-only)."""
    if os.path.abspath(source) == os.path.abspath(destination):
        raise InputError("--output-dir must differ from --model-dir")
    os.makedirs(destination, exist_ok=True)
    for name in sorted(os.listdir(source)):
        path = os.path.join(source, name)
        if os.path.isfile(path):
            target = os.path.join(destination, name)
            shutil.copyfile(path, target)
            os.chmod(target, 0o644)


def update_config(model_dir, output_dir, change):
    """Applies change(config) to the cross-encoder.json of model_dir (or of its copy in output_dir); returns its path."""
    directory = model_dir
    if output_dir:
        copy_model(model_dir, output_dir)
        directory = output_dir
    config = read_config(directory)
    change(config)
    path = os.path.join(directory, CONFIG)
    with open(path, "w", encoding="utf-8") as file:
        file.write(json.dumps(config, indent=2) + "\n")
    return path
