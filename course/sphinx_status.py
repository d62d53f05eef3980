"""A Sphinx extension for the status page: the environment this build ran in.

It fills MyST substitutions ({{ build_python }}, {{ build_torch }}, {{ build_device }},
{{ build_profile }}) when the build starts, so the page can never show a stale machine.
"""

import os
import platform


def add_environment(app, config):
    import torch

    cuda = torch.cuda.is_available()
    device = torch.cuda.get_device_name(0) if cuda else "CPU (no CUDA device)"
    profile = os.environ.get("COURSE_PROFILE") or ("full" if cuda else "quick")
    subs = dict(config.myst_substitutions or {})
    subs.update(build_python=platform.python_version(), build_torch=torch.__version__,
                build_device=device, build_profile=profile)
    config.myst_substitutions = subs


def setup(app):
    app.connect("config-inited", add_environment)
    return {"parallel_read_safe": True}
