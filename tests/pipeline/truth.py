"""Expected data from the truth scripts in ../shared/samples/truth: the
multi-row INSERT statements parsed into Python values (int, Decimal, str, None)."""
import decimal
import re

_INSERT = re.compile(r"INSERT INTO\s+([\w\".]+)\s*\(([^)]*)\)\s*VALUES", re.I)


def _value(tok):
    if tok.upper() == "NULL":
        return None
    if re.fullmatch(r"-?\d+", tok):
        return int(tok)
    return decimal.Decimal(tok)


def _tuples(text, pos):
    """Parse "(a, 'b', N'c'), (...);" from pos; return (rows, end)."""
    rows, row, i, n = [], None, pos, len(text)
    while i < n:
        c = text[i]
        if row is None:
            if c == "(":
                row, tok = [], ""
            elif c == ";":
                return rows, i + 1
            i += 1
            continue
        if c in "Nn" and i + 1 < n and text[i + 1] == "'" and not tok.strip():
            i += 1
            continue
        if c == "'":
            j, s = i + 1, []
            while True:
                k = text.index("'", j)
                s.append(text[j:k])
                if k + 1 < n and text[k + 1] == "'":
                    s.append("'")
                    j = k + 2
                    continue
                i = k + 1
                break
            row.append("".join(s))
            tok = None
            continue
        if c in ",)":
            if tok is not None and tok.strip():
                row.append(_value(tok.strip()))
            tok = ""
            if c == ")":
                rows.append(tuple(row))
                row = None
            i += 1
            continue
        if tok is not None:
            tok += c
        i += 1
    return rows, n


def load(path, encoding="utf-8"):
    """{table_name_lower: (columns, [rows])} for every INSERT in the script."""
    text = open(path, encoding=encoding).read()
    out = {}
    pos = 0
    while True:
        m = _INSERT.search(text, pos)
        if not m:
            return out
        table = m.group(1).split(".")[-1].strip('"[]').lower()
        cols = [c.strip().strip('"[]') for c in m.group(2).split(",")]
        rows, pos = _tuples(text, m.end())
        entry = out.setdefault(table, (cols, []))
        entry[1].extend(rows)
