"""Where things are and how they are written: the repository's folders and notebook names
(notebooks), atomic writes (files), the verified Fashion-MNIST and Kaggle data (data).

May import nothing else of the course: every other package builds on this one.
"""
