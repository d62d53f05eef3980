"""Writing a file so that a reader sees the old content or the new, never a mix.

Notebooks, the gradebook, feedback and the verified data files are all written this way:
into a temporary file beside the target, which replaces the target only once it is
complete (and, for data, checked). A failure leaves the target as it was.
"""

import os
import tempfile
from pathlib import Path


def replace_atomically(target, write, binary=False, check=None):
    """Call write(f) on a temporary file beside target, then check(path_of_that_file) if
    given (it raises to refuse the content), then move it over target in one step."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        text_options = {} if binary else {"encoding": "utf-8", "newline": ""}
        with os.fdopen(fd, "wb" if binary else "w", **text_options) as f:
            write(f)
        if check is not None:
            check(Path(tmp))
        os.chmod(tmp, 0o644)  # mkstemp makes the file private; these files are not
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def atomic_write(path, text):
    """Write text (UTF-8) to path atomically."""
    replace_atomically(path, lambda f: f.write(text))
