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


def _tuple(text, i, value):
    """Parse one "(a, 'b', N'c')" starting at text[i] == "("; return (row, end)."""
    row, tok, n = [], "", len(text)
    i += 1
    while i < n:
        c = text[i]
        if c in "Nn" and i + 1 < n and text[i + 1] == "'" and not (tok or "").strip():
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
                row.append(value(tok.strip()))
            tok = ""
            i += 1
            if c == ")":
                return tuple(row), i
            continue
        if tok is not None:
            tok += c
        i += 1
    raise ValueError("a row is cut off at the end of the script")


def _tuples(text, pos):
    """Parse "(a, 'b', N'c'), (...);" from pos; return (rows, end)."""
    rows, i, n = [], pos, len(text)
    while i < n:
        c = text[i]
        if c == "(":
            row, i = _tuple(text, i, _value)
            rows.append(row)
            continue
        if c == ";":
            return rows, i + 1
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


_TSQL_INSERT = re.compile(r'^INSERT\s+(?:INTO\s+)?"([^"]+)"\s*(\(([^)]*)\))?\s*VALUES\s*', re.M | re.I)


def _tsql_value(tok):
    if tok.lower().startswith("0x"):
        return bytes.fromhex(tok[2:])
    return _value(tok)


def load_tsql(path, encoding="utf-16"):
    """Microsoft's instnwnd.sql style: one INSERT per row, with or without a column
    list (then the CREATE TABLE order applies). Names are lower-cased."""
    text = open(path, encoding=encoding).read()
    create = {}
    for m in re.finditer(r'CREATE TABLE "([^"]+)" \((.*?)\n\)', text, re.S):
        create[m.group(1).lower()] = [n.lower() for n in re.findall(r'^\s*"(\w+)"\s+"?\w', m.group(2), re.M)]
    out = {}
    for m in _TSQL_INSERT.finditer(text):
        table = m.group(1).lower()
        cols = [c.strip().strip('"').lower() for c in m.group(3).split(",")] if m.group(2) else create[table]
        # T-SQL ends a statement by its line, not by ';': one row per INSERT.
        row, _ = _tuple(text, m.end(), _tsql_value)
        if len(row) != len(cols):
            raise ValueError("%s: %d values for %d columns" % (table, len(row), len(cols)))
        out.setdefault(table, (cols, []))[1].append(row)
    return out
