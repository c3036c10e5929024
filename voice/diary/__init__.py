"""The private diary: the SQLite store, the row each session makes, and its picture."""
