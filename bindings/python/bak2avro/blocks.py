"""The Source and Export building blocks (include/bak2avro/source.h,
export.h): a running database named by a DSN, its tables, split plans,
and exports of one table or of one range of a plan.

    with bak2avro.Source("postgresql://user:pw@host/db") as src:
        print([t["name"] for t in src.tables])
        with src.plan("public.big", splits=4) as plan:   # holds one snapshot
            for r in range(plan.ranges):                 # any process may do these
                bak2avro.export_range(dsn, plan.json, r, "out")

Each call blocks on a library context of its own; callbacks run on the
calling thread. A plan is plain JSON (plan.json) that another process
exports ranges of with export_range() while this one keeps the plan open
(on PostgreSQL, its snapshot). Bad arguments raise ValueError
(InvalidArgument).
"""
from __future__ import annotations

import ctypes
import json
import os
from typing import Any, Callable, Dict, Iterable, List, Optional, Union, cast

from . import _ffi
from ._handle import Handle
from .errors import InvalidArgument, from_code

Document = Dict[str, Any]
#: progress(rows_done, rows_expected) -> True to cancel; rows_expected is -1 for a range
ExportProgress = Callable[[int, int], Optional[bool]]
CODECS = {"null": 0, "deflate": 1, "snappy": 2}
VIAS = {"auto": 0, "odbc": 1}
#: how timestamps without time zone are written, as a job's naive_timestamps
NAIVE_TIMESTAMPS = {"local": 0, "utc": 1, "string": 2}
MAX_SPLITS = 4096


def _choice(what: str, value: str, table: Dict[str, int]) -> int:
    if value not in table:
        raise InvalidArgument("unknown %s %r (%s)" % (what, value, ", ".join(sorted(table))), code=-1)
    return table[value]


def _text(what: str, value: Any) -> bytes:
    if not isinstance(value, str) or not value:
        raise InvalidArgument("%s must be a non-empty string, not %r" % (what, value), code=-1)
    return value.encode()


def _count(what: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("%s must be an int, not %r" % (what, value))
    if not low <= value <= high:
        raise InvalidArgument("%s %d is outside %d..%d" % (what, value, low, high), code=-1)
    return value


def _patterns(what: str, value: Union[str, Iterable[str]]) -> List[str]:
    out = [value] if isinstance(value, str) else list(value)
    for p in out:
        if not isinstance(p, str):
            raise TypeError("%s patterns are strings, not %r" % (what, p))
    return out


def backup_dsn(paths: Union[str, "os.PathLike[str]", Iterable[Union[str, "os.PathLike[str]"]]]) -> str:
    """The file: DSN of one backup's files (stripes or dump pieces together): a Source
    over it reads the backup without a database, and its plans split a table by extent
    (.bak) or row segment (Oracle dumps) for export_range() in other processes."""
    items = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    if not items:
        raise InvalidArgument("no backup file given", code=-1)
    out = []
    for p in items:
        path = os.fspath(p)
        if not isinstance(path, str) or not path:
            raise InvalidArgument("a backup path must be a non-empty str, not %r" % (p,), code=-1)
        out.append(path.replace("%", "%25").replace(",", "%2C"))
    return "file:" + ",".join(out)


class _Ctx:
    """A library context on its own loop, driven by run()."""

    def __init__(self) -> None:
        ctx = ctypes.c_void_p()
        _ffi.b2a_ctx_new(None, ctypes.byref(ctx))
        self.ptr: Optional[int] = ctx.value

    def run(self) -> None:
        _ffi.b2a_ctx_run(self.ptr)

    def free(self) -> None:
        if self.ptr is not None:
            _ffi.b2a_ctx_free(self.ptr)
            self.ptr = None


def _export_options(output_dir: Union[str, "os.PathLike[str]"], codec: str, max_file_bytes: int,
                    max_file_rows: int, via: str, naive_timestamps: str, keep: List[Any]) -> Any:
    out = os.fsencode(output_dir)
    if not out:
        raise InvalidArgument("no output folder given", code=-1)
    keep.append(out)
    o = _ffi.ExportOptions()
    _ffi.b2a_export_options_init(ctypes.byref(o), _ffi.EXPORT_OPTIONS_VERSION)
    o.output_dir = out
    o.codec = _choice("codec", codec, CODECS)
    o.max_file_bytes = _count("max_file_bytes", max_file_bytes, 0, 2 ** 63)
    o.max_file_rows = _count("max_file_rows", max_file_rows, 0, 2 ** 63)
    o.via = _choice("via", via, VIAS)
    o.naive_timestamps = _choice("naive_timestamps", naive_timestamps, NAIVE_TIMESTAMPS)
    return o


def _run_export(ctx: _Ctx, make: Callable[[Any, Any], int], opts: Any,
                progress: Optional[ExportProgress]) -> Document:
    raised: List[BaseException] = []

    def on_progress(x: int, done: int, expected: int, ud: int) -> int:
        if progress is None or raised:
            return 0
        try:
            return 1 if progress(done, expected) else 0
        except BaseException as e:  # re-raised once the export has ended
            raised.append(e)
            return 1

    cbs = (_ffi.EXPORT_PROGRESS_CB(on_progress), _ffi.EXPORT_DONE_CB(lambda x, rc, ud: None))
    opts.progress_cb, opts.done_cb = cbs
    x = ctypes.c_void_p()
    rc = make(opts, ctypes.byref(x))
    try:
        if rc == 0:
            rc = _ffi.b2a_export_start(x)
            if rc == 0:
                ctx.run()
                rc = _ffi.b2a_export_errcode(x)
        if raised:
            raise raised[0]
        if rc != 0:
            msg = (_ffi.b2a_export_errmsg(x).decode("utf-8", "replace") if x.value else "") or \
                _ffi.b2a_strerror(rc).decode()
            sqlstate = _ffi.b2a_export_sqlstate(x).decode() if x.value else None
            raise from_code(rc, msg, sqlstate=sqlstate or None)
        return cast(Document, json.loads(_ffi.take_string(_ffi.b2a_export_json(x)) or "null"))
    finally:
        if x.value:
            _ffi.b2a_export_free(x)
        del cbs


class SplitPlan(Handle):
    """A table's split plan: .json (to ship), .document (a dict), .ranges.

    On PostgreSQL the plan holds the snapshot every range reads; close() (or
    leaving the with block) ends it, after which its ranges can no longer
    be exported.
    """

    def __init__(self, source: "Source", table: str, splits: int) -> None:
        self._ptr: Optional[int] = None
        t = _text("table", table)
        n = _count("splits", splits, 1, MAX_SPLITS)
        src = source._handle("plan")
        assert source._ctx is not None  # an open source has its context
        self._ctx = source._ctx  # the plan lives on its source's context
        self._source = source
        done = _ffi.PLAN_DONE_CB(lambda p, rc, ud: None)
        p = ctypes.c_void_p()
        rc = _ffi.b2a_split_plan_new(src, t, n, done, None, ctypes.byref(p))
        if rc != 0:
            raise from_code(rc, "%s: %s" % (table, "no such table in the source" if rc == -3
                                           else _ffi.b2a_strerror(rc).decode()))
        self._ptr = p.value
        self._ctx.run()
        del done
        rc = _ffi.b2a_split_plan_errcode(self._ptr)
        if rc != 0:
            msg = _ffi.b2a_split_plan_errmsg(self._ptr).decode("utf-8", "replace")
            self.close()
            raise from_code(rc, msg)
        self.json: str = _ffi.take_string(_ffi.b2a_split_plan_json(self._ptr)) or ""
        self.document: Document = json.loads(self.json)
        self.ranges: int = _ffi.b2a_split_plan_ranges(self._ptr)

    def close(self) -> None:
        if self._ptr is not None:
            _ffi.b2a_split_plan_free(self._ptr)
            self._ptr = None

    def __repr__(self) -> str:
        d = getattr(self, "document", {})
        return "<bak2avro.SplitPlan %s.%s %s, %d ranges>" % (d.get("schema"), d.get("name"), d.get("method"),
                                                             getattr(self, "ranges", 0))


class Source(Handle):
    """A running database, named by a DSN, connected to and described.

    dsn: postgresql://USER:PASSWORD@HOST:PORT/DB, mysql://..., an ODBC
    connection string (Driver={...};...), or file:PATH[,PATH...] for backup
    files this library reads itself (see backup_dsn()). .tables lists its tables as the
    Job JSON does (columns, keys, exact counts, "selected" by include,
    exclude and include_views).
    """

    def __init__(self, dsn: str, *, via: str = "auto", include: Union[str, Iterable[str]] = (),
                 exclude: Union[str, Iterable[str]] = (), include_views: bool = False,
                 login_timeout: int = 0) -> None:
        self._ptr: Optional[int] = None
        self._ctx: Optional[_Ctx] = None
        o = _ffi.SourceOptions()
        _ffi.b2a_source_options_init(ctypes.byref(o), _ffi.SOURCE_OPTIONS_VERSION)
        keep: List[Any] = []
        o.dsn = _text("dsn", dsn)
        o.via = _choice("via", via, VIAS)
        o.include, o.n_include, k = _ffi.strv(_patterns("include", include)); keep.append(k)
        o.exclude, o.n_exclude, k = _ffi.strv(_patterns("exclude", exclude)); keep.append(k)
        o.include_views = int(bool(include_views))
        o.login_timeout_s = _count("login_timeout", login_timeout, 0, 3600)
        done = _ffi.SOURCE_DONE_CB(lambda s, rc, ud: None)
        o.done_cb = done
        self._ctx = _Ctx()
        p = ctypes.c_void_p()
        rc = _ffi.b2a_source_new(self._ctx.ptr, ctypes.byref(o), ctypes.byref(p))
        self._ptr = p.value
        if rc == 0:
            rc = _ffi.b2a_source_open(p)
            if rc == 0:
                self._ctx.run()
                rc = _ffi.b2a_source_errcode(p)
        del keep, done
        if rc != 0:
            msg = (_ffi.b2a_source_errmsg(p).decode("utf-8", "replace") if p.value else "") or \
                _ffi.b2a_strerror(rc).decode()
            sqlstate = _ffi.b2a_source_sqlstate(p).decode() if p.value else None
            self.close()
            raise from_code(rc, msg, sqlstate=sqlstate or None)
        self.document: Document = json.loads(_ffi.take_string(_ffi.b2a_source_json(p)) or "null")
        self.dsn = dsn

    @property
    def tables(self) -> List[Document]:
        return cast(List[Document], self.document["tables"])

    def _handle(self, what: str) -> int:
        if self._ptr is None:
            raise ValueError("%s: the source is closed" % what)
        return self._ptr

    def plan(self, table: str, splits: int) -> SplitPlan:
        """Plan "schema.table" in at most splits ranges (fewer when the table has fewer keys or blocks)."""
        return SplitPlan(self, table, splits)

    def export(self, table: str, output_dir: Union[str, "os.PathLike[str]"], *, codec: str = "snappy",
               max_file_bytes: int = 0, max_file_rows: int = 0, naive_timestamps: str = "local",
               progress: Optional[ExportProgress] = None) -> Document:
        """Export "schema.table" whole into OUTPUT_DIR/<schema>/<table>/part-NNNNN.avro, checked against
        its count; returns the result (files relative to output_dir, rows_written...). naive_timestamps
        as in run(): "local", "utc" or "string"."""
        src = self._handle("export")
        t = _text("table", table)
        keep: List[Any] = []
        opts = _export_options(output_dir, codec, max_file_bytes, max_file_rows, "auto", naive_timestamps, keep)
        assert self._ctx is not None

        def make(o: Any, out: Any) -> int:
            rc: int = _ffi.b2a_export_new(src, t, ctypes.byref(o), out)
            return rc
        return _run_export(self._ctx, make, opts, progress)

    def close(self) -> None:
        if self._ptr is not None:
            _ffi.b2a_source_free(self._ptr)
            self._ptr = None
        if self._ctx is not None:
            self._ctx.free()
            self._ctx = None


def export_range(dsn: str, plan_json: Union[str, Document], range_index: int,
                 output_dir: Union[str, "os.PathLike[str]"], *, codec: str = "snappy", max_file_bytes: int = 0,
                 max_file_rows: int = 0, via: str = "auto", naive_timestamps: str = "local",
                 progress: Optional[ExportProgress] = None) -> Document:
    """Export range range_index of a split plan (its JSON, or the dict) into
    OUTPUT_DIR/<schema>/<table>/; needs no Source, so any process can do it
    while the planning one keeps the plan open. Returns the result: files
    (relative to output_dir), rows_written; the caller adds up the ranges'
    rows and compares them with the plan's rows_expected."""
    d = _text("dsn", dsn)
    if isinstance(plan_json, dict):
        plan_json = json.dumps(plan_json)
    pj = _text("plan_json", plan_json)
    r = _count("range_index", range_index, 0, 2 ** 32 - 1)
    keep: List[Any] = []
    opts = _export_options(output_dir, codec, max_file_bytes, max_file_rows, via, naive_timestamps, keep)
    ctx = _Ctx()

    def make(o: Any, out: Any) -> int:
        rc: int = _ffi.b2a_export_range_new(ctx.ptr, d, pj, r, ctypes.byref(o), out)
        return rc
    try:
        return _run_export(ctx, make, opts, progress)
    finally:
        ctx.free()
