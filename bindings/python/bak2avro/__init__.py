"""Python binding of libbak2avro: database backups to Avro files.

    import bak2avro
    print(bak2avro.inspect(["northwind.bak"]))
    job = bak2avro.run(["northwind.bak"], "out", progress=lambda p: print(p))
    print(job["status"], [t["rows_written"] for t in job["tables"]])

    with bak2avro.Job("northwind.bak", "out", include=["dbo.*"]) as job:
        doc = job.run()     # leaving the block cancels a job still running

run() and Job.wait() block on the library's own loop; callbacks run on the
calling thread. An exception raised in a callback cancels the job and is
re-raised. Bad arguments raise ValueError (InvalidArgument is one).
"""
from __future__ import annotations

import ctypes
import json
import os
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple, Union, cast

from . import _ffi
from ._handle import Handle
from .errors import *  # noqa: F401,F403
from .errors import Error, InvalidArgument, JobFailed, from_code
from .blocks import Source, SplitPlan, backup_dsn, export_range
from .container import Container

__all__ = ["inspect", "run", "gc", "version", "Job", "Progress", "Error", "JobFailed", "InvalidArgument",
           "Source", "SplitPlan", "export_range", "backup_dsn", "Container"]
__version__ = "0.1.0"

#: A file path as the os module takes it.
StrPath = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]
#: A JSON document as json.loads gives it (the Job JSON, doc/job-json.md; inspect's).
Document = Dict[str, Any]

STEPS = ["detect", "container", "pre-sql", "restore", "post-sql", "introspect", "export", "cleanup", "read"]
CODECS = {"null": 0, "deflate": 1, "snappy": 2}
NETWORKS = {"publish": 0, "host": 1, "auto": 2}
RESTORE = {"auto": 0, "direct": 1, "container": 2}
DELIVERIES = {"bind": 0, "upload": 1}
VIAS = {"auto": 0, "odbc": 1}
NAIVE_TIMESTAMPS = {"local": 0, "utc": 1, "string": 2}
STATUS = {0: "Pending", 1: "Running", 2: "Success", 3: "Failed", 4: "Canceled"}
LOG_LEVELS = {0: "debug", 1: "info", 2: "warn", 3: "error"}
MAX_PARALLEL = 256  # as the CLI's --parallel and the job document's "parallel"


class Progress(Tuple[str, float, Optional[str], int, int]):
    """(step, percent, table, rows_done, rows_expected), and as attributes
    bytes_done, bytes_expected, attempt and attempts (still a 5-tuple for code
    that unpacks it)."""
    bytes_done: int = -1
    """export: Avro bytes written (the table's, or the step's when table is None);
    restore: bytes of the dump its tool has consumed; -1 when unknown."""
    bytes_expected: int = -1
    """restore: the dump's size in bytes; -1 when unknown."""
    attempt: int = 0
    """container: the readiness probe's attempt n of attempts; 0 when not waiting."""
    attempts: int = 0

    @property
    def step(self) -> str:
        """detect, container, pre-sql, restore, post-sql, introspect, export, cleanup or read."""
        return self[0]

    @property
    def percent(self) -> float:
        """0..100 for the step (or the table, when table is set); -1 when unknown."""
        return self[1]

    @property
    def table(self) -> Optional[str]:
        """"schema.table" during export, else None."""
        return self[2]

    @property
    def rows_done(self) -> int:
        return self[3]

    @property
    def rows_expected(self) -> int:
        """-1 when unknown."""
        return self[4]

    def __repr__(self) -> str:
        return "Progress(step=%r, percent=%.1f, table=%r, rows=%d/%d)" % self


ProgressCallback = Callable[[Progress], Optional[bool]]
LogCallback = Callable[[str, str], None]


def version() -> str:
    """The loaded library's version, "MAJOR.MINOR.PATCH"."""
    return cast(bytes, _ffi.b2a_version()).decode()


def _path_list(value: Union[StrPath, Iterable[StrPath]]) -> List[bytes]:
    if isinstance(value, (str, bytes, os.PathLike)):
        value = [value]
    return [os.fsencode(p) for p in value]


def _paths(what: str, value: Union[StrPath, Iterable[StrPath]]) -> List[bytes]:
    out = _path_list(value)
    if not out:
        raise InvalidArgument("no %s given" % what, code=-1)
    return out


def _patterns(what: str, value: Union[str, Iterable[str]]) -> List[str]:
    # One string is one pattern, as in the job document, not a list of letters.
    if isinstance(value, str):
        return [value]
    out = list(value)
    for p in out:
        if not isinstance(p, str):
            raise TypeError("%s patterns are strings, not %r" % (what, p))
    return out


def _choice(what: str, value: str, table: Mapping[str, int]) -> int:
    if value not in table:
        raise InvalidArgument("unknown %s %r (%s)" % (what, value, ", ".join(sorted(table))), code=-1)
    return table[value]


def inspect(paths: Union[StrPath, Iterable[StrPath]]) -> Document:
    """What the backup files are and what they hold, without starting anything (a dict).

    Raises the input's Error (FormatError, NotFound, ...) when an input could
    not be read whole, as `bak2avro inspect` exits 3; its .document holds what
    could be read, each such input with its own "error".
    """
    arr, n, keep = _ffi.strv(_paths("backup file", paths))
    out, err = ctypes.c_void_p(), ctypes.c_void_p()
    rc = _ffi.b2a_inspect(arr, n, ctypes.byref(out), ctypes.byref(err))
    del keep
    doc = json.loads(_ffi.take_string(out.value) or "null")
    if rc != 0:
        msg = _ffi.take_string(err.value) or _ffi.b2a_strerror(rc).decode()
        raise from_code(rc, msg, document=doc)
    _ffi.take_string(err.value)
    return cast(Document, doc)


def gc(docker_host: Optional[str] = None) -> int:
    """Remove containers left by killed jobs; returns how many were removed."""
    removed, err = ctypes.c_uint32(), ctypes.c_void_p()
    rc = _ffi.b2a_gc(docker_host.encode() if docker_host else None, ctypes.byref(removed), ctypes.byref(err))
    if rc != 0:
        raise from_code(rc, _ffi.take_string(err.value) or _ffi.b2a_strerror(rc).decode())
    return removed.value


class Job(Handle):
    """One job on its own library context, for use in a with block.

        with bak2avro.Job("dump.backup", "out", include=["public.*"]) as job:
            job.start()
            ...                  # job.id, job.status, job.document()
            doc = job.wait()

    Leaving the block, or close(), cancels a job that is still running, lets
    it finish its cleanup (a restore container is stopped and removed, no
    half-written Avro file is left) and frees it. The arguments are run()'s.
    """

    def __init__(self, inputs: Union[StrPath, Iterable[StrPath]], output_dir: StrPath, *,
                 vendor: Optional[str] = None, image: Optional[str] = None,
                 include: Union[str, Iterable[str]] = (), exclude: Union[str, Iterable[str]] = (),
                 pre_sql: Optional[str] = None, post_sql: Optional[str] = None, parallel: int = 0,
                 codec: str = "snappy", network: str = "auto", restore: str = "auto",
                 keep_container: bool = False, accept_eula: bool = False, include_views: bool = False,
                 delivery: str = "bind", docker_host: Optional[str] = None, job_json: Optional[StrPath] = None,
                 overwrite: bool = False, ignore_checksums: bool = False, allow_column_loss: bool = False,
                 via: str = "auto", naive_timestamps: str = "local", dsn: Optional[str] = None, splits: int = 0,
                 max_file_bytes: int = 0, max_file_rows: int = 0, progress: Optional[ProgressCallback] = None,
                 log: Optional[LogCallback] = None) -> None:
        self._ctx: Optional[int] = None
        self._job: Optional[int] = None
        self._started = False
        self._in_loop = False
        self._status = "Pending"
        self._id = ""
        self._raised: List[BaseException] = []
        if progress is not None and not callable(progress):
            raise TypeError("progress must be callable")
        if log is not None and not callable(log):
            raise TypeError("log must be callable")
        if isinstance(parallel, bool) or not isinstance(parallel, int):
            raise TypeError("parallel must be an int, not %r" % (parallel,))
        if not 0 <= parallel <= MAX_PARALLEL:
            raise InvalidArgument("parallel %d is outside 0..%d (0 is the default, 2)" % (parallel, MAX_PARALLEL),
                                  code=-1)
        if not os.fspath(output_dir):
            raise InvalidArgument("no output folder given", code=-1)
        self._progress, self._log = progress, log

        opts = _ffi.JobOptions()
        _ffi.b2a_job_options_init(ctypes.byref(opts), _ffi.JOB_OPTIONS_VERSION)
        keep: List[Any] = []  # what the options point at, until b2a_job_new has copied it

        def cstr(s: Optional[StrPath]) -> Optional[bytes]:
            if s is None:
                return None
            b = os.fsencode(s)
            keep.append(b)
            return b

        if dsn is not None and (not isinstance(dsn, str) or not dsn):
            raise InvalidArgument("dsn must be a non-empty string", code=-1)
        for what, n, high in (("splits", splits, 4096), ("max_file_bytes", max_file_bytes, 2 ** 63),
                              ("max_file_rows", max_file_rows, 2 ** 63)):
            if isinstance(n, bool) or not isinstance(n, int):
                raise TypeError("%s must be an int, not %r" % (what, n))
            if not 0 <= n <= high:
                raise InvalidArgument("%s %d is outside 0..%d" % (what, n, high), code=-1)
        paths = _paths("backup file", inputs) if dsn is None else _path_list(inputs)
        if dsn is not None and paths:
            raise InvalidArgument("both backup files and a dsn: a job exports one or the other", code=-1)
        opts.inputs, opts.n_inputs, k = _ffi.strv(paths); keep.append(k)
        opts.dsn = cstr(dsn)
        opts.splits, opts.max_file_bytes, opts.max_file_rows = splits, max_file_bytes, max_file_rows
        opts.include, opts.n_include, k = _ffi.strv(_patterns("include", include)); keep.append(k)
        opts.exclude, opts.n_exclude, k = _ffi.strv(_patterns("exclude", exclude)); keep.append(k)
        opts.output_dir = cstr(output_dir)
        opts.vendor, opts.image, opts.docker_host = cstr(vendor), cstr(image), cstr(docker_host)
        opts.pre_sql, opts.post_sql, opts.job_json_path = cstr(pre_sql), cstr(post_sql), cstr(job_json)
        opts.parallel = parallel
        opts.codec = _choice("codec", codec, CODECS)
        opts.network = _choice("network", network, NETWORKS)
        opts.restore_mode = _choice("restore mode", restore, RESTORE)
        opts.delivery = _choice("delivery", delivery, DELIVERIES)
        opts.via = _choice("via", via, VIAS)
        opts.naive_timestamps = _choice("naive_timestamps", naive_timestamps, NAIVE_TIMESTAMPS)
        opts.keep_container = int(bool(keep_container))
        opts.accept_eula = int(bool(accept_eula))
        opts.include_views = int(bool(include_views))
        opts.overwrite = int(bool(overwrite))
        opts.ignore_checksums = int(bool(ignore_checksums))
        opts.allow_column_loss = int(bool(allow_column_loss))
        # Pinned for the job's lifetime: the library calls them until it is freed.
        self._cbs = (_ffi.PROGRESS_CB(self._on_progress), _ffi.LOG_CB(self._on_log),
                     _ffi.DONE_CB(lambda j, s, u: None))
        opts.progress_cb, opts.log_cb, opts.done_cb = self._cbs

        ctx, job = ctypes.c_void_p(), ctypes.c_void_p()
        _ffi.b2a_ctx_new(None, ctypes.byref(ctx))
        self._ctx = ctx.value
        rc = _ffi.b2a_job_new(ctx, ctypes.byref(opts), ctypes.byref(job))
        if rc != 0:
            self.close()
            raise from_code(rc, "invalid job options: " + _ffi.b2a_strerror(rc).decode())
        self._job = job.value
        self._id = _ffi.b2a_job_id(job).decode()
        del keep

    # Callbacks, on this thread, from inside b2a_ctx_run.
    def _on_progress(self, job: int, p: Any, ud: int) -> int:
        if self._progress is None or self._raised:
            return 0
        c = p.contents
        try:
            table = c.table.decode("utf-8", "replace") if c.table else None
            step = STEPS[c.step] if 0 <= c.step < len(STEPS) else str(c.step)
            pr = Progress((step, c.percent, table, c.rows_done, c.rows_expected))
            if c.version >= 2:  # a library built before version 2 has no such fields
                pr.bytes_done, pr.bytes_expected = c.bytes_done, c.bytes_expected
                pr.attempt, pr.attempts = c.attempt, c.attempts
            return 1 if self._progress(pr) else 0
        except BaseException as e:  # re-raised by wait() after the job ends
            self._raised.append(e)
            return 1

    def _on_log(self, job: int, level: int, msg: bytes, ud: int) -> None:
        if self._log is not None and not self._raised:
            try:
                self._log(LOG_LEVELS.get(level, "info"), msg.decode("utf-8", "replace"))
            except BaseException as e:
                self._raised.append(e)
                _ffi.b2a_job_cancel(job)

    def _handle(self, what: str) -> int:
        if self._job is None:
            raise ValueError("%s: the job is closed" % what)
        if self._in_loop and what in ("wait", "run", "close"):
            raise RuntimeError("%s from inside the job's own callback (return True from progress, or cancel())"
                               % what)
        return self._job

    @property
    def id(self) -> str:
        """The job's id, 32 hex characters (the Job JSON's "job_id")."""
        return self._id

    @property
    def status(self) -> str:
        """Pending, Running, Success, Failed or Canceled; still readable after close()."""
        if self._job is not None:
            self._status = STATUS.get(_ffi.b2a_job_status_get(self._job), "Failed")
        return self._status

    def document(self) -> Document:
        """The Job JSON document as it stands now (doc/job-json.md)."""
        return cast(Document, json.loads(_ffi.take_string(_ffi.b2a_job_json(self._handle("document"))) or "null"))

    def start(self) -> None:
        """Start the job; wait() drives it to its end."""
        job = self._handle("start")
        if self._started:
            raise RuntimeError("the job was already started")
        self._in_loop = True  # the detect step's progress is reported from inside b2a_job_start
        try:
            rc = _ffi.b2a_job_start(job)
        finally:
            self._in_loop = False
        if rc != 0:
            msg = _ffi.b2a_job_errmsg(job).decode("utf-8", "replace") or _ffi.b2a_strerror(rc).decode()
            raise from_code(rc, msg, sqlstate=_ffi.b2a_job_sqlstate(job).decode())
        self._started = True

    def _drive(self) -> None:
        self._in_loop = True
        try:
            _ffi.b2a_ctx_run(self._ctx)
        finally:
            self._in_loop = False

    def wait(self, raise_on_failure: bool = True) -> Document:
        """Run the job to its end and return its Job JSON document.

        Re-raises an exception a callback raised. Raises the job's Error
        (with .job set) when it did not succeed and raise_on_failure is true;
        JobFailed when only tables or steps failed.
        """
        job = self._handle("wait")
        if not self._started:
            raise RuntimeError("wait() before start()")
        self._drive()
        doc = self.document()
        if self._raised:
            raise self._raised[0]
        if self.status != "Success" and raise_on_failure:
            code = _ffi.b2a_job_errcode(job)
            msg = _ffi.b2a_job_errmsg(job).decode("utf-8", "replace")
            if not msg:
                failed = [t for t in doc.get("tables", []) if t.get("status") == "Failed"]
                msg = "%d tables failed: %s" % (len(failed), "; ".join(
                    "%s.%s: %s" % (t["schema"], t["name"], t.get("message")) for t in failed[:5]))
            if code not in (0, None):
                raise from_code(code, msg, sqlstate=_ffi.b2a_job_sqlstate(job).decode() or None, job=doc)
            raise JobFailed(msg, job=doc)
        return doc

    def run(self, raise_on_failure: bool = True) -> Document:
        """start() and wait()."""
        self.start()
        return self.wait(raise_on_failure)

    def cancel(self) -> None:
        """Ask the job to stop (also from a callback); wait() or close() then sees it end Canceled."""
        if self._started:
            _ffi.b2a_job_cancel(self._handle("cancel"))

    def close(self) -> None:
        """Cancel the job if it is still running, let it end, and free it. Closing twice is fine."""
        if self._job is not None:
            self._handle("close")
            if self._started and self.status in ("Pending", "Running"):
                _ffi.b2a_job_cancel(self._job)
                self._drive()
            self.status  # noqa: B018 -- keep the final status for after the free
            _ffi.b2a_job_free(self._job)
            self._job = None
        if self._ctx is not None:
            _ffi.b2a_ctx_free(self._ctx)
            self._ctx = None

    def __del__(self) -> None:  # not from inside its own loop's callbacks
        if not self._in_loop:
            try:
                self.close()
            except Exception:
                pass

    def __repr__(self) -> str:
        return "<bak2avro.Job %s %s>" % (self._id or "?", self.status)


def run(inputs: Union[StrPath, Iterable[StrPath]], output_dir: StrPath, *,
        vendor: Optional[str] = None, image: Optional[str] = None,
        include: Union[str, Iterable[str]] = (), exclude: Union[str, Iterable[str]] = (),
        pre_sql: Optional[str] = None, post_sql: Optional[str] = None, parallel: int = 0,
        codec: str = "snappy", network: str = "auto", restore: str = "auto",
        keep_container: bool = False, accept_eula: bool = False, include_views: bool = False,
        delivery: str = "bind", docker_host: Optional[str] = None, job_json: Optional[StrPath] = None,
        overwrite: bool = False, ignore_checksums: bool = False, allow_column_loss: bool = False,
        via: str = "auto", naive_timestamps: str = "local", dsn: Optional[str] = None, splits: int = 0,
        max_file_bytes: int = 0, max_file_rows: int = 0, progress: Optional[ProgressCallback] = None,
        log: Optional[LogCallback] = None, raise_on_failure: bool = True) -> Document:
    """Run one job to the end and return its Job JSON document (a dict).

    parallel is 0..256 (0 is 2); codec "snappy", "deflate" or "null";
    network "auto", "host" or "publish"; restore "auto", "direct" or
    "container"; delivery "bind" or "upload"; via "auto" or "odbc";
    naive_timestamps "local" (local-timestamp-micros), "utc" (timestamp-micros,
    the wall clock taken as UTC) or "string".
    dsn exports a running database instead of backups (inputs then ());
    splits (0 auto, 1 none, N) and max_file_bytes/max_file_rows as the
    CLI's --splits, --max-file-size and --max-file-rows.
    progress(Progress) and log(level, message) are called as the job goes;
    returning True from progress cancels the job. Raises JobFailed (with
    .job set) when the job did not succeed and raise_on_failure is true.
    """
    with Job(inputs, output_dir, vendor=vendor, image=image, include=include, exclude=exclude, pre_sql=pre_sql,
             post_sql=post_sql, parallel=parallel, codec=codec, network=network, restore=restore,
             keep_container=keep_container, accept_eula=accept_eula, include_views=include_views,
             delivery=delivery, docker_host=docker_host, job_json=job_json, overwrite=overwrite,
             ignore_checksums=ignore_checksums, allow_column_loss=allow_column_loss, via=via,
             naive_timestamps=naive_timestamps, dsn=dsn, splits=splits, max_file_bytes=max_file_bytes,
             max_file_rows=max_file_rows, progress=progress, log=log) as job:
        return job.run(raise_on_failure)
