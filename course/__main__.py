"""`python -m course COMMAND [ARGS]`: the commands the Makefile calls."""

import importlib
import sys

COMMANDS = {
    "data": ("course.core.data", "fill data/ with verified Fashion-MNIST and Kaggle CSVs"),
    "stamp": ("course.authoring.stamp", "stamp the setup cell into every chapter and solution"),
    "exercises": ("course.authoring.exercises", "write exercises/ from solutions/ (--check: compare only)"),
    "book": ("course.site.book", "student | instructor | preview [STEM ...]: build the site"),
    "release": ("course.site.release", "--repository owner/name: the student repository, without solutions, into _build/release"),
    "grade": ("course.grading.cli", "grade <dir>/<student>/*.ipynb into grades.csv and feedback"),
    "bench": ("course.measure.bench", "[quick|full] [STEM ...]: execute chapters, record times and accuracies"),
    "mutants": ("course.measure.mutants_report", "[STEM ...]: grade the recorded wrong answers, record what they print"),
    "smoke": ("course.measure.smoke", "[STEM ...]: every training chapter in the full profile, a few batches each"),
    "execute": ("course.execution.execute", "run notebooks top to bottom and store their outputs"),
    "stall-check": ("course.measure.stall_check", "execute the widget chapters many times; record any stall"),
    "spread": ("course.measure.spread", "NOTEBOOK ...: how far trained figures move on another trajectory"),
    "colab-check": ("course.measure.colab_check", "run every notebook as on Colab's Python 3.13 with the newest packages"),
}


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print("usage: python -m course COMMAND [ARGS]\n")
        for name, (_, text) in COMMANDS.items():
            print(f"  {name:<10} {text}")
        return 2
    module = importlib.import_module(COMMANDS[sys.argv[1]][0])
    return module.main(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
