"""The semantic model of a Python file, built on its parse (`qt_lint.parsers.python`: the
syntax tree and the single pass that collects aliases, scopes, calls and literals):

- `resolver`: what string an expression evaluates to;
- `settings`: values given to names, judged by the name;
- `commands`: the commands subprocess calls run;
- `calls`: what calls mean (logging, messages, file writes and deletes);
- `modules`: constants imported from the repository's other modules.

`PythonFacts` (what `FileContext.python` gives a rule) is the parse with this model.
"""
