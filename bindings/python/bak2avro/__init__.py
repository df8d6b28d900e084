"""Python binding of libbak2avro: database backups to Avro files.

    import bak2avro
    print(bak2avro.inspect(["northwind.bak"]))
    job = bak2avro.run(["northwind.bak"], "out", progress=lambda p: print(p))
    print(job["status"], [t["rows_written"] for t in job["tables"]])

run() blocks on the library's own loop; callbacks run on the calling
thread. An exception raised in a callback cancels the job and is re-raised.
"""
import ctypes
import json
import os

from . import _ffi
from .errors import *  # noqa: F401,F403
from .errors import Error, JobFailed, from_code

__all__ = ["inspect", "run", "gc", "version", "Progress", "Error", "JobFailed"]

STEPS = ["detect", "container", "pre-sql", "restore", "post-sql", "introspect", "export", "cleanup", "read"]
CODECS = {"null": 0, "deflate": 1, "snappy": 2}
NETWORKS = {"publish": 0, "host": 1, "auto": 2}
RESTORE = {"auto": 0, "direct": 1, "container": 2}
DELIVERIES = {"bind": 0, "upload": 1}
VIAS = {"auto": 0, "odbc": 1}
STATUS = {0: "Pending", 1: "Running", 2: "Success", 3: "Failed", 4: "Canceled"}
LOG_LEVELS = {0: "debug", 1: "info", 2: "warn", 3: "error"}


class Progress(tuple):
    """(step, percent, table, rows_done, rows_expected)"""
    __slots__ = ()
    step = property(lambda s: s[0])
    percent = property(lambda s: s[1])
    table = property(lambda s: s[2])
    rows_done = property(lambda s: s[3])
    rows_expected = property(lambda s: s[4])

    def __repr__(self):
        return "Progress(step=%r, percent=%.1f, table=%r, rows=%d/%d)" % self


def version():
    return _ffi.b2a_version().decode()


def inspect(paths):
    """What the backup files are and what they hold, without starting anything (a dict)."""
    if isinstance(paths, (str, bytes, os.PathLike)):
        paths = [paths]
    arr, n, keep = _ffi.strv([os.fspath(p) for p in paths])
    out, err = ctypes.c_void_p(), ctypes.c_void_p()
    rc = _ffi.b2a_inspect(arr, n, ctypes.byref(out), ctypes.byref(err))
    del keep
    doc = json.loads(_ffi.take_string(out.value)) if out.value else None
    if rc != 0:
        # An input that could not be read whole: the error, and what could be
        # read in .document (each input with its own "error").
        msg = _ffi.take_string(err.value) or _ffi.b2a_strerror(rc).decode()
        raise from_code(rc, msg, document=doc)
    return doc


def gc(docker_host=None):
    """Remove containers left by killed jobs; returns how many were removed."""
    removed, err = ctypes.c_uint32(), ctypes.c_void_p()
    rc = _ffi.b2a_gc(docker_host.encode() if docker_host else None, ctypes.byref(removed), ctypes.byref(err))
    if rc != 0:
        raise from_code(rc, _ffi.take_string(err.value) or _ffi.b2a_strerror(rc).decode())
    return removed.value


def run(inputs, output_dir, *, vendor=None, image=None, include=(), exclude=(), pre_sql=None,
        post_sql=None, parallel=0, codec="snappy", network="auto", restore="auto",
        keep_container=False, accept_eula=False, include_views=False, delivery="bind", docker_host=None, job_json=None,
        overwrite=False, ignore_checksums=False, allow_column_loss=False, via="auto",
        progress=None, log=None, raise_on_failure=True):
    """Run one job to the end and return its Job JSON document (a dict).

    progress(Progress) and log(level, message) are called as the job goes;
    returning True from progress cancels the job. Raises JobFailed (with
    .job set) when the job did not succeed and raise_on_failure is true.
    """
    if isinstance(inputs, (str, bytes, os.PathLike)):
        inputs = [inputs]
    opts = _ffi.JobOptions()
    _ffi.b2a_job_options_init(ctypes.byref(opts), _ffi.JOB_OPTIONS_VERSION)
    keep = []

    def cstr(s):
        if s is None:
            return None
        b = os.fsencode(s) if not isinstance(s, bytes) else s
        keep.append(b)
        return b

    opts.inputs, opts.n_inputs, k = _ffi.strv([os.fspath(p) for p in inputs]); keep.append(k)
    opts.include, opts.n_include, k = _ffi.strv(list(include)); keep.append(k)
    opts.exclude, opts.n_exclude, k = _ffi.strv(list(exclude)); keep.append(k)
    opts.output_dir = cstr(os.fspath(output_dir))
    opts.vendor, opts.image, opts.docker_host = cstr(vendor), cstr(image), cstr(docker_host)
    opts.pre_sql, opts.post_sql, opts.job_json_path = cstr(pre_sql), cstr(post_sql), cstr(job_json)
    opts.parallel = parallel
    opts.codec = CODECS[codec]
    opts.network = NETWORKS[network]
    opts.restore_mode = RESTORE[restore]
    opts.keep_container = int(bool(keep_container))
    opts.accept_eula = int(bool(accept_eula))
    opts.include_views = int(bool(include_views))
    opts.delivery = DELIVERIES[delivery]
    opts.overwrite = int(bool(overwrite))
    opts.ignore_checksums = int(bool(ignore_checksums))
    opts.allow_column_loss = int(bool(allow_column_loss))
    opts.via = VIAS[via]

    raised = []

    def on_progress(job, p, ud):
        if not progress or raised:
            return 0
        c = p.contents
        try:
            table = c.table.decode("utf-8", "replace") if c.table else None
            stop = progress(Progress((STEPS[c.step] if 0 <= c.step < len(STEPS) else str(c.step),
                                      c.percent, table, c.rows_done, c.rows_expected)))
            return 1 if stop else 0
        except BaseException as e:  # re-raised after the job ends
            raised.append(e)
            return 1

    def on_log(job, level, msg, ud):
        if log and not raised:
            try:
                log(LOG_LEVELS.get(level, "info"), msg.decode("utf-8", "replace"))
            except BaseException as e:
                raised.append(e)
                _ffi.b2a_job_cancel(job)

    # Pinned for the job's lifetime: the library calls them until done.
    cbs = (_ffi.PROGRESS_CB(on_progress), _ffi.LOG_CB(on_log), _ffi.DONE_CB(lambda j, s, u: None))
    opts.progress_cb, opts.log_cb, opts.done_cb = cbs

    ctx = ctypes.c_void_p()
    _ffi.b2a_ctx_new(None, ctypes.byref(ctx))
    job = ctypes.c_void_p()
    try:
        rc = _ffi.b2a_job_new(ctx, ctypes.byref(opts), ctypes.byref(job))
        if rc != 0:
            raise from_code(rc, "invalid job options: " + _ffi.b2a_strerror(rc).decode())
        rc = _ffi.b2a_job_start(job)
        if rc != 0:
            msg = _ffi.b2a_job_errmsg(job).decode("utf-8", "replace") or _ffi.b2a_strerror(rc).decode()
            raise from_code(rc, msg, sqlstate=_ffi.b2a_job_sqlstate(job).decode())
        _ffi.b2a_ctx_run(ctx)
        doc = json.loads(_ffi.take_string(_ffi.b2a_job_json(job)))
        if raised:
            raise raised[0]
        status = STATUS.get(_ffi.b2a_job_status_get(job), "Failed")
        if status != "Success" and raise_on_failure:
            code = _ffi.b2a_job_errcode(job)
            msg = _ffi.b2a_job_errmsg(job).decode("utf-8", "replace")
            if not msg:
                failed = [t for t in doc.get("tables", []) if t.get("status") == "Failed"]
                msg = "%d tables failed: %s" % (len(failed), "; ".join(
                    "%s.%s: %s" % (t["schema"], t["name"], t.get("message")) for t in failed[:5]))
            exc = from_code(code, msg, job=doc) if code not in (0, None) else JobFailed(msg, job=doc)
            raise exc
        return doc
    finally:
        if job:
            _ffi.b2a_job_free(job)
        _ffi.b2a_ctx_free(ctx)
        del cbs
