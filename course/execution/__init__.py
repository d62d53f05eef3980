"""Running notebooks top to bottom and storing their outputs (execute), and the execution
cache that `make test` and the site builds share, so no notebook runs twice (execution_cache).

May import course.core, course.checking and the setup cell (course.setup_cell).
"""
