"""The Jupyter Book site: the student and instructor builds (book) and the Sphinx extensions
loaded by _config.yml (status_page: the status page's table; scripts: each script once).

May import every other package (the status page shows the measurements of course.measure).
"""
