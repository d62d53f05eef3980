"""Building the site: the student and instructor tables of contents, and builds that reuse
the stored outputs instead of executing again.

`_toc.yml` is the only table of contents kept by hand. The instructor build's TOC adds
`solutions/<stem>` beside every `exercises/<stem>`; it is written into _build/ when needed.
Every build reads a copy of _config.yml written into _build/ (site_config), whose Colab
buttons point at the checkout's own GitHub repository and branch where it has one
(repository()); the build's output says which repository it used.

    python -m course book student               # the site (make book): _build/html
    python -m course book instructor            # with the solutions (make book-instructor)
    python -m course book preview [STEM ...]    # build from stored outputs (only these sections, with solutions)
"""

import copy
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from course.core.notebooks import ROOT
from course.execution import execution_cache
from course.execution.execute import CELL_TIMEOUT

BUILD = ROOT / "_build"
# Warnings are errors, and a notebook that raises fails the build.
FLAGS = ["--builder", "html", "--warningiserror", "--nitpick", "--keep-going"]
# _config.yml's repository until the course is published (see repository()).
PLACEHOLDER = "YOUR-ORG/"


def load_config():
    with open(ROOT / "_config.yml", encoding="utf-8") as f:
        return yaml.safe_load(f)


# A GitHub remote as git stores it: https (perhaps with credentials), ssh or scp-like.
GITHUB_REMOTE = re.compile(r"(?:(?:https?|ssh|git)://(?:[^@/]+@)?github\.com/|[\w.-]+@github\.com:)"
                           r"(?P<slug>[\w.-]+/[\w.-]+?)(?:\.git)?/?")


def git(*args, cwd=ROOT):
    """git's output in cwd, or '' where git fails (no checkout, no such remote, no git)."""
    try:
        result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    except FileNotFoundError:
        return ""
    return result.stdout.strip() if result.returncode == 0 else ""


def checkout_repository(root=ROOT):
    """{'slug' (owner/name), 'branch', 'remote'} of the GitHub repository the checkout in
    root was cloned from, or None. The remote and branch are those the checked-out branch
    tracks (for a fresh clone: origin, and the same branch); a branch that tracks nothing
    is looked for on origin under its own name; a detached HEAD gives no branch."""
    local = git("symbolic-ref", "--quiet", "--short", "HEAD", cwd=root)
    remote = (local and git("config", f"branch.{local}.remote", cwd=root)) or "origin"
    tracked = local and git("config", f"branch.{local}.merge", cwd=root)
    match = GITHUB_REMOTE.fullmatch(git("remote", "get-url", remote, cwd=root))
    if not match:
        return None
    return {"slug": match["slug"], "branch": tracked.removeprefix("refs/heads/") or local or None,
            "remote": remote}


def repository(root=ROOT):
    """{'url', 'slug' (owner/name), 'branch', 'source'}: the repository that the Colab
    buttons and the repository link point at, and where that came from.

    COURSE_REPOSITORY=owner/name[@branch] comes first: the instructor's private checkout
    builds a site whose buttons open the student repository that `make release` wrote.
    Then a build from a clone of a GitHub repository (a fork, say) points at that repository
    and the checked-out branch, so the buttons work without editing anything; otherwise
    _config.yml's `repository` is used (a placeholder until someone sets it)."""
    config = load_config()["repository"]
    found = checkout_repository(root)
    chosen = os.environ.get("COURSE_REPOSITORY", "").strip()
    if chosen:
        slug, _, branch = chosen.partition("@")
        slug, branch = slug.strip("/"), branch or config["branch"]
        source = "from COURSE_REPOSITORY"
    elif found:
        slug, branch = found["slug"], found["branch"] or config["branch"]
        source = f"from the checkout's git remote '{found['remote']}'"
        if not found["branch"]:
            source += " (HEAD is detached: branch from _config.yml)"
    else:
        slug, branch = config["url"].removeprefix("https://github.com/").strip("/"), config["branch"]
        source = "from _config.yml: this checkout has no GitHub remote"
        if PLACEHOLDER in slug:
            source += " (a placeholder: the Colab buttons lead nowhere until it is set)"
    return {"url": f"https://github.com/{slug}", "slug": slug, "branch": branch, "source": source}


def repository_line(repo):
    """The line a build prints to say where its Colab buttons point."""
    return f"Colab buttons: {repo['url']}, branch {repo['branch']}, {repo['source']}"


def load_toc(path=ROOT / "_toc.yml"):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def toc_files(toc):
    """Every `file:` entry of a TOC, in order."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return found


def with_solutions(toc):
    """A copy of the TOC in which each exercises/<stem> is followed by solutions/<stem>."""
    toc = copy.deepcopy(toc)

    def walk(node):
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for i in range(len(node) - 1, -1, -1):
                item = node[i]
                walk(item)
                if isinstance(item, dict) and str(item.get("file", "")).startswith("exercises/"):
                    node.insert(i + 1, {"file": "solutions/" + item["file"].split("/", 1)[1]})

    walk(toc)
    return toc


def preview_toc(stems):
    """A TOC with the landing page, the given sections (chapter, exercises, solution) and
    the About pages: for checking new sections before they are listed in _toc.yml."""
    about = [p for p in load_toc()["parts"] if not any(
        c["file"].startswith("chapters/") for c in p.get("chapters", []))]
    sections = [{"file": f"chapters/{stem}",
                 "sections": [{"file": f"exercises/{stem}"}, {"file": f"solutions/{stem}"}]}
                for stem in stems]
    return {"format": "jb-book", "root": "index",
            "parts": [{"caption": "Preview", "chapters": sections}, *about]}


def write_yaml(data, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(data, f, sort_keys=False)
    return path


def site_config(path, execute="off", cache=None):
    """_config.yml with another execution mode (and cache folder), and the repository the
    launch buttons point at (repository()), written to path. The default, execution off,
    shows the outputs stored in the notebooks."""
    config = load_config()
    repo = repository()
    config["repository"].update(url=repo["url"], branch=repo["branch"])
    config["execute"]["execute_notebooks"] = execute
    config["execute"]["timeout"] = CELL_TIMEOUT.get(execution_cache.profile(), CELL_TIMEOUT["full"])
    # One execution cache for every build and for `make test` (course/execution/execution_cache.py).
    config["execute"]["cache"] = str(cache or execution_cache.cache_dir())
    config["sphinx"]["local_extensions"] = {name: str(ROOT) for name in config["sphinx"]["local_extensions"]}
    return write_yaml(config, path)


def build(output, toc=None, config=None, check=True, source=ROOT, capture=True):
    """Run jupyter-book on the book in source into output/_build/html; returns the
    CompletedProcess (with its output, when captured)."""
    cmd = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(source),
           "--path-output", str(output), *FLAGS]
    if toc:
        cmd += ["--toc", str(toc)]
    if config:
        cmd += ["--config", str(config)]
    return subprocess.run(cmd, capture_output=capture, text=True, check=check)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] in (["student"], ["instructor"]):
        print(repository_line(repository()))
        config = site_config(BUILD / f"_config_{argv[0]}.yml", load_config()["execute"]["execute_notebooks"])
    if argv[:1] == ["student"]:
        return build(ROOT, config=config, check=False, capture=False).returncode
    if argv[:1] == ["instructor"]:
        toc = write_yaml(with_solutions(load_toc()), BUILD / "_toc_instructor.yml")
        return build(BUILD / "instructor", toc, config, check=False, capture=False).returncode
    if argv[:1] == ["preview"]:
        stems = [Path(a).stem for a in argv[1:]]
        out = BUILD / ("preview-" + ("-".join(stems) if stems else "all"))
        toc = preview_toc(stems) if stems else with_solutions(load_toc())
        result = build(out, write_yaml(toc, out / "_toc.yml"),
                       site_config(out / "_config.yml"), check=False)
        print(result.stdout[-3000:], result.stderr[-3000:])
        print(repository_line(repository()))
        print(f"{'built' if result.returncode == 0 else 'FAILED'}: {out}/_build/html/index.html")
        return result.returncode
    print(__doc__)
    return 2
