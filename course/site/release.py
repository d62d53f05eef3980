"""`make release REPOSITORY=owner/name [BRANCH=main] [OUT=_build/release]`: the repository
students get, written into a folder, ready to push as `owner/name`.

It holds what students open and what builds the student site: the chapters, the exercise
stubs, the course package (setup cell, explorers, the site's extensions), the site's
sources and the Makefile. It leaves out solutions/ (and with them every hidden check and
recorded wrong answer), the tests, and the instructors' notes on how the checks are built.
Its `_config.yml` names `owner/name` as the repository, so the Colab button of every page
opens that page's notebook there; the instructor's own builds point at the same repository
when COURSE_REPOSITORY=owner/name is set (course/site/book.py, repository()).

Before it says the release is ready, it checks the folder: no solutions/, no hidden-check
cell, no solution marker, and, in every notebook and page, no line of any solution's answers
that the chapters and exercise stubs do not show themselves. (The tooling's Python is not
searched for answer lines: a loop header such as `for _ in range(repeats):` is no leak.) A
failed check names the file.
"""

import argparse
import re
import shutil
import sys
from pathlib import Path

import yaml

from course.authoring import anatomy
from course.core import notebooks
from course.core.notebooks import CHAPTERS, EXERCISES, ROOT, SOLUTIONS
from course.site import book

# What the student repository holds, relative to the checkout.
INCLUDED = ["chapters", "exercises", "course", "tools", "reference", "_assets", "_config.yml", "_toc.yml",
            "index.md", "instructors.md", "status.md", "networks.md", "requirements.txt", "Makefile", ".gitignore"]
# The release's README.md, for students (the checkout's README is the maintainers').
STUDENT_README = Path(__file__).with_name("release_readme.md")
# Never copied from inside the included folders.
SKIPPED = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$")
# What students read: searched for answer lines.
CONTENT = {".ipynb", ".md", ".yml"}
# A solution line shorter than this is a common idiom (`return X`), which proves nothing.
DISTINCTIVE = 12


class ReleaseProblem(ValueError):
    """Something private in the release folder, or a repository that cannot be one."""


def public_lines():
    """Every line the chapters and exercise stubs show (stripped)."""
    lines = set()
    for folder in (CHAPTERS, EXERCISES):
        for path in notebooks.notebooks(folder):
            for cell in notebooks.read(path).cells:
                lines.update(line.strip() for line in cell.source.splitlines())
    return lines


def private_lines():
    """{line: solution it comes from}: distinctive lines of the solutions' answers that no
    chapter or exercise stub shows, so finding one in the release means it leaked."""
    shown, found = public_lines(), {}
    for path in notebooks.notebooks(SOLUTIONS):
        for source in anatomy.solution_answers(path.stem).values():
            for line in anatomy.solution_block_lines(source):
                if len(line.strip()) >= DISTINCTIVE and line.strip() not in shown:
                    found.setdefault(line.strip(), notebooks.shown(path))
    return found


def problems(folder):
    """What is private in a release folder: [sentence naming the file], empty when nothing."""
    folder, found = Path(folder), []
    if (folder / "solutions").exists():
        found.append("solutions/ is in the release")
    secret = private_lines()
    for path in sorted(p for p in folder.rglob("*") if p.suffix in CONTENT):
        where = path.relative_to(folder)
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".ipynb":
            for i, cell in enumerate(notebooks.read(path).cells, 1):
                header = anatomy.check_header(cell)
                if header and header[2]:
                    found.append(f"{where}, cell {i}: a hidden check")
                if anatomy.has_solution(cell):
                    found.append(f"{where}, cell {i}: a BEGIN SOLUTION block")
            text = "\n".join(cell.source for cell in notebooks.read(path).cells)
        for line in text.splitlines():
            if line.strip() in secret:
                found.append(f"{where}: a line of {secret[line.strip()]}'s answers: {line.strip()[:80]!r}")
                break
    return found


def write(out, slug, branch):
    """Copy the student repository into out (replacing it) and point its _config.yml at slug."""
    if not SLUG.match(slug) or slug.startswith(book.PLACEHOLDER):
        raise ReleaseProblem(f"REPOSITORY must be the student repository's owner/name on GitHub, not {slug!r}")
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name in INCLUDED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, out / name, ignore=SKIPPED)
        elif source.exists():
            shutil.copy2(source, out / name)
    (out / "README.md").write_text(
        STUDENT_README.read_text(encoding="utf-8").format(repository=slug, branch=branch), encoding="utf-8")
    config_path = out / "_config.yml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["repository"].update(url=f"https://github.com/{slug}", branch=branch)
    text = config_path.read_text(encoding="utf-8")
    # Only the repository lines change, so the file keeps its comments.
    text = re.sub(r"(?m)^(  url: ).*$", rf"\g<1>https://github.com/{slug}", text, count=1)
    text = re.sub(r"(?m)^(  branch: ).*$", rf"\g<1>{branch}", text, count=1)
    if yaml.safe_load(text)["repository"] != config["repository"]:
        raise ReleaseProblem("_config.yml's repository section is not where release.py looks for it")
    config_path.write_text(text, encoding="utf-8")
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course release", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repository", required=True, help="owner/name of the student repository on GitHub")
    parser.add_argument("--branch", default="main")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "release")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        out = write(args.out, args.repository, args.branch)
    except ReleaseProblem as e:
        print(f"release: {e}", file=sys.stderr)
        return 2
    found = problems(out)
    for problem in found:
        print(f"release: PRIVATE: {problem}", file=sys.stderr)
    if found:
        print(f"release: {out} holds private material; do not publish it", file=sys.stderr)
        return 1
    files = sum(1 for p in out.rglob("*") if p.is_file())
    print(f"release: {notebooks.shown(out)}: {files} files, {len(notebooks.notebooks(out / 'chapters'))} chapters "
          f"and {len(notebooks.notebooks(out / 'exercises'))} exercise notebooks; no solutions, hidden checks or "
          f"answer lines (checked against {len(private_lines())} distinctive lines of the solutions' answers)")
    print(f"release: Colab buttons and links point at https://github.com/{args.repository}, branch {args.branch}")
    print(f"release: to publish: cd {notebooks.shown(out)} && git init -b {args.branch} && git add -A && "
          f"git commit -m 'Course release' && git push https://github.com/{args.repository} {args.branch}")
    return 0
