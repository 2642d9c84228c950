"""Oracle for tests/tokenizer_equivalence.rs: for each file named in argv,
one line `path<TAB>json`: [name, row, end_lineno - lineno, code lines] of
every function as Python's `ast` sees it (rows 0-based, sorted by position),
or {"error": message} when the file does not parse. Code lines are rows
covered by a token other than a comment or layout, per `tokenize`."""

import ast
import io
import json
import sys
import tokenize

LAYOUT = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
          tokenize.DEDENT, tokenize.ENDMARKER, tokenize.ENCODING}


def code_rows(data):
    """A string counts all its rows; from Python 3.12 an f-string is several
    tokens (comments may sit between them), so its rows are taken whole."""
    rows = set()
    fstring_start = getattr(tokenize, "FSTRING_START", None)
    fstring_end = getattr(tokenize, "FSTRING_END", None)
    open_fstrings = []
    for token in tokenize.tokenize(io.BytesIO(data).readline):
        if token.type == fstring_start:
            open_fstrings.append(token.start[0])
        elif token.type == fstring_end:
            rows.update(range(open_fstrings.pop(), token.end[0] + 1))
        elif token.type not in LAYOUT:
            rows.update(range(token.start[0], token.end[0] + 1))
    return rows


def extents(data):
    tree = ast.parse(data)
    rows = code_rows(data)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            code = sum(1 for r in range(node.lineno, node.end_lineno + 1) if r in rows)
            found.append((node.lineno, node.col_offset,
                          [node.name, node.lineno - 1, node.end_lineno - node.lineno, code]))
    return [entry for *_, entry in sorted(found, key=lambda f: f[:2])]


for path in sys.argv[1:]:
    with open(path, "rb") as f:
        data = f.read()
    try:
        result = extents(data)
    except (SyntaxError, ValueError, tokenize.TokenError) as e:
        result = {"error": f"{type(e).__name__}: {e}"}
    print(f"{path}\t{json.dumps(result)}")
