"""`python -m course COMMAND [ARGS]`: the commands the Makefile calls."""

import importlib
import sys

COMMANDS = {
    "data": ("course.data", "fill data/ with verified Fashion-MNIST and Kaggle CSVs"),
    "stamp": ("course.stamp", "stamp the setup cell into every chapter and solution"),
    "exercises": ("course.exercises", "write exercises/ from solutions/ (--check: compare only)"),
    "book": ("course.book", "student | instructor | preview [STEM ...]: build the site"),
    "grade": ("course.grading.cli", "grade <dir>/<student>/*.ipynb into grades.csv and feedback"),
    "bench": ("course.bench", "[quick|full] [STEM ...]: execute chapters, record times and accuracies"),
    "mutants": ("course.mutants", "[STEM ...]: grade the recorded wrong answers, record what they print"),
    "smoke": ("course.smoke", "[STEM ...]: every training chapter in the full profile, a few batches each"),
    "execute": ("course.execute", "run notebooks top to bottom and store their outputs"),
    "stall-check": ("course.stall_check", "execute the widget chapters many times; record any stall"),
    "spread": ("course.spread", "NOTEBOOK ...: how far trained figures move on another trajectory"),
    "colab-check": ("course.colab_check", "run every notebook as on Colab's Python 3.13 with the newest packages"),
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
