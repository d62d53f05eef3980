"""Tooling for the course: data, setup-cell stamping, exercise generation, execution, grading.

Each module has one job; `python -m course --help` lists the commands the Makefile calls.
"""
