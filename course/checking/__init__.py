"""How stored outputs are compared with new ones: the numeric tolerances (output_compare),
nbval as the course runs it (nbval_plugin, nbval_compare, nbval_settings and
nbval_sanitize.cfg), every patch to nbclient's and nbval's internals with the releases they
were written for (upstream), and the pytest plugins of `make test` (nbval_record: what nbval
did to each notebook; kernel_warnings: `make warnings`).

May import course.core.
"""
