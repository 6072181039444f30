"""One parser per file kind; each is imported only when a file of its kind needs it."""
