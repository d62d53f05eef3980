"""Measurements and the reports they write: times and accuracies of every chapter (bench), the
full-profile smoke run (smoke), the spread of trained figures behind a declared tolerance
(spread), widget-stall repetitions (stall_check), the Colab check (colab_check) and the
recorded wrong answers' kill rates (mutants_report).

May import everything below course.site.
"""
