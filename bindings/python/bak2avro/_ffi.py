"""ctypes declarations of libbak2avro's public C API (include/bak2avro/*.h).

Every function used has its argtypes and restype declared; integer return
codes go through _check, which raises the matching exception class.

The library is loaded from $B2A_LIBRARY when it is set (a path, such as
BUILD/src/libbak2avro.so.0 of a build tree), else by its soname,
libbak2avro.so.0, through the dynamic loader (LD_LIBRARY_PATH, the ldconfig
cache, the system's library folders). Never a libbak2avro.so of another
soname: these declarations are for ABI 0.
"""
import ctypes
import os
from typing import Any, List, Optional, Sequence, Tuple, Union

from . import errors

SONAME = "libbak2avro.so.0"


def _load() -> ctypes.CDLL:
    path = os.environ.get("B2A_LIBRARY")
    if path:
        try:
            return ctypes.CDLL(path)
        except OSError as e:
            raise ImportError("bak2avro: cannot load B2A_LIBRARY=%s: %s" % (path, e)) from e
    try:
        return ctypes.CDLL(SONAME)
    except OSError as e:
        raise ImportError("bak2avro: the dynamic loader cannot find %s (%s). Install libbak2avro, add its folder "
                          "to LD_LIBRARY_PATH, or set B2A_LIBRARY to its path (for a build tree, "
                          "BUILD/src/libbak2avro.so.0)" % (SONAME, e)) from e


lib = _load()

c_char_p_p = ctypes.POINTER(ctypes.c_char_p)


class Progress(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint),
        ("step", ctypes.c_int),
        ("percent", ctypes.c_double),
        ("table", ctypes.c_char_p),
        ("rows_done", ctypes.c_int64),
        ("rows_expected", ctypes.c_int64),
        # version 2: read only when version >= 2
        ("bytes_done", ctypes.c_int64),
        ("bytes_expected", ctypes.c_int64),
        ("attempt", ctypes.c_uint32),
        ("attempts", ctypes.c_uint32),
    ]


PROGRESS_CB = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(Progress), ctypes.c_void_p)
LOG_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)
DONE_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p)

JOB_OPTIONS_VERSION = 5


class JobOptions(ctypes.Structure):
    """Mirror of b2a_job_options, version 5 (fields are appended only)."""
    _fields_ = [
        ("version", ctypes.c_uint),
        ("inputs", c_char_p_p),
        ("n_inputs", ctypes.c_uint32),
        ("output_dir", ctypes.c_char_p),
        ("vendor", ctypes.c_char_p),
        ("image", ctypes.c_char_p),
        ("docker_host", ctypes.c_char_p),
        ("network", ctypes.c_int),
        ("include", c_char_p_p),
        ("n_include", ctypes.c_uint32),
        ("exclude", c_char_p_p),
        ("n_exclude", ctypes.c_uint32),
        ("pre_sql", ctypes.c_char_p),
        ("post_sql", ctypes.c_char_p),
        ("parallel", ctypes.c_uint32),
        ("codec", ctypes.c_int),
        ("keep_container", ctypes.c_int32),
        ("job_json_path", ctypes.c_char_p),
        ("restore_mode", ctypes.c_int),
        ("accept_eula", ctypes.c_int32),
        ("progress_cb", PROGRESS_CB),
        ("log_cb", LOG_CB),
        ("done_cb", DONE_CB),
        ("userdata", ctypes.c_void_p),
        ("include_views", ctypes.c_int32),  # version 2
        ("delivery", ctypes.c_int),
        ("overwrite", ctypes.c_int32),  # version 3
        ("ignore_checksums", ctypes.c_int32),
        ("allow_column_loss", ctypes.c_int32),
        ("via", ctypes.c_int),  # version 4
        ("naive_timestamps", ctypes.c_int),  # version 5
        ("dsn", ctypes.c_char_p),
        ("splits", ctypes.c_uint32),
        ("max_file_bytes", ctypes.c_uint64),
        ("max_file_rows", ctypes.c_uint64),
    ]


SOURCE_OPTIONS_VERSION = 1
SOURCE_DONE_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p)
PLAN_DONE_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p)
EXPORT_DONE_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p)
EXPORT_PROGRESS_CB = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64,
                                      ctypes.c_void_p)


class SourceOptions(ctypes.Structure):
    """Mirror of b2a_source_options, version 1 (source.h)."""
    _fields_ = [
        ("version", ctypes.c_uint),
        ("dsn", ctypes.c_char_p),
        ("via", ctypes.c_int),
        ("include", c_char_p_p),
        ("n_include", ctypes.c_uint32),
        ("exclude", c_char_p_p),
        ("n_exclude", ctypes.c_uint32),
        ("include_views", ctypes.c_int32),
        ("login_timeout_s", ctypes.c_int32),
        ("done_cb", SOURCE_DONE_CB),
        ("userdata", ctypes.c_void_p),
    ]


EXPORT_OPTIONS_VERSION = 2


class ExportOptions(ctypes.Structure):
    """Mirror of b2a_export_options, version 2 (export.h)."""
    _fields_ = [
        ("version", ctypes.c_uint),
        ("output_dir", ctypes.c_char_p),
        ("codec", ctypes.c_int),
        ("max_file_bytes", ctypes.c_uint64),
        ("max_file_rows", ctypes.c_uint64),
        ("via", ctypes.c_int),
        ("progress_cb", EXPORT_PROGRESS_CB),
        ("done_cb", EXPORT_DONE_CB),
        ("userdata", ctypes.c_void_p),
        ("naive_timestamps", ctypes.c_int),  # version 2
    ]


CONTAINER_OPTIONS_VERSION = 1
RESTORE_OPTIONS_VERSION = 1
CONTAINER_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p)
CONTAINER_LOG_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)
RESTORE_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p)
RESTORE_PROGRESS_CB = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)
RESTORE_LOG_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)


class ContainerOptions(ctypes.Structure):
    """Mirror of b2a_container_options, version 1 (container.h)."""
    _fields_ = [
        ("version", ctypes.c_uint),
        ("inputs", c_char_p_p),
        ("n_inputs", ctypes.c_uint32),
        ("vendor", ctypes.c_char_p),
        ("image", ctypes.c_char_p),
        ("docker_host", ctypes.c_char_p),
        ("network", ctypes.c_int),
        ("delivery", ctypes.c_int),
        ("memory_bytes", ctypes.c_int64),
        ("data_dir", ctypes.c_char_p),
        ("listen", ctypes.c_char_p),
        ("accept_eula", ctypes.c_int32),
        ("ready_tries", ctypes.c_uint32),
        ("ready_delay_ms", ctypes.c_uint32),
        ("job_id", ctypes.c_char_p),
        ("log_cb", CONTAINER_LOG_CB),
        ("done_cb", CONTAINER_CB),
        ("userdata", ctypes.c_void_p),
    ]


class RestoreOptions(ctypes.Structure):
    """Mirror of b2a_restore_options, version 1 (restore.h)."""
    _fields_ = [
        ("version", ctypes.c_uint),
        ("pre_sql", ctypes.c_char_p),
        ("post_sql", ctypes.c_char_p),
        ("parallel", ctypes.c_uint32),
        ("progress_cb", RESTORE_PROGRESS_CB),
        ("log_cb", RESTORE_LOG_CB),
        ("done_cb", RESTORE_CB),
        ("userdata", ctypes.c_void_p),
    ]


def _check(rc: int, func: Any, args: Any) -> int:
    if rc < 0:
        raise errors.from_code(rc, lib.b2a_strerror(rc).decode())
    return rc


def _declare(name: str, restype: Any, argtypes: List[Any], check: bool = False) -> Any:
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = argtypes
    if check:
        f.errcheck = _check
    return f


vp = ctypes.c_void_p
b2a_strerror = _declare("b2a_strerror", ctypes.c_char_p, [ctypes.c_int])
b2a_version = _declare("b2a_version", ctypes.c_char_p, [])
b2a_free = _declare("b2a_free", None, [vp])
b2a_ctx_new = _declare("b2a_ctx_new", ctypes.c_int, [vp, ctypes.POINTER(vp)], check=True)
b2a_ctx_run = _declare("b2a_ctx_run", ctypes.c_int, [vp], check=True)
b2a_ctx_free = _declare("b2a_ctx_free", None, [vp])
b2a_job_options_init = _declare("b2a_job_options_init", ctypes.c_int,
                                [ctypes.POINTER(JobOptions), ctypes.c_uint], check=True)
b2a_job_new = _declare("b2a_job_new", ctypes.c_int, [vp, ctypes.POINTER(JobOptions), ctypes.POINTER(vp)])
b2a_job_new_from_json = _declare("b2a_job_new_from_json", ctypes.c_int,
                                 [vp, ctypes.c_char_p, ctypes.POINTER(JobOptions), ctypes.POINTER(vp),
                                  ctypes.POINTER(vp)])
b2a_job_start = _declare("b2a_job_start", ctypes.c_int, [vp])
b2a_job_cancel = _declare("b2a_job_cancel", ctypes.c_int, [vp])
b2a_job_free = _declare("b2a_job_free", None, [vp])
b2a_job_status_get = _declare("b2a_job_status_get", ctypes.c_int, [vp])
b2a_job_id = _declare("b2a_job_id", ctypes.c_char_p, [vp])
b2a_job_errcode = _declare("b2a_job_errcode", ctypes.c_int, [vp])
b2a_job_errclass = _declare("b2a_job_errclass", ctypes.c_int, [vp])
b2a_job_errmsg = _declare("b2a_job_errmsg", ctypes.c_char_p, [vp])
b2a_job_sqlstate = _declare("b2a_job_sqlstate", ctypes.c_char_p, [vp])
b2a_job_native_error = _declare("b2a_job_native_error", ctypes.c_int64, [vp])
# Returns malloc'd text: keep it as a void pointer so we can b2a_free it.
b2a_job_json = _declare("b2a_job_json", vp, [vp])
b2a_job_tables_ok = _declare("b2a_job_tables_ok", ctypes.c_uint32, [vp])
b2a_job_tables_failed = _declare("b2a_job_tables_failed", ctypes.c_uint32, [vp])
b2a_inspect = _declare("b2a_inspect", ctypes.c_int,
                       [c_char_p_p, ctypes.c_uint32, ctypes.POINTER(vp), ctypes.POINTER(vp)])
b2a_gc = _declare("b2a_gc", ctypes.c_int, [ctypes.c_char_p, ctypes.POINTER(ctypes.c_uint32), ctypes.POINTER(vp)])


# Building blocks (source.h, export.h)
b2a_source_options_init = _declare("b2a_source_options_init", ctypes.c_int,
                                   [ctypes.POINTER(SourceOptions), ctypes.c_uint], check=True)
b2a_source_new = _declare("b2a_source_new", ctypes.c_int, [vp, ctypes.POINTER(SourceOptions), ctypes.POINTER(vp)])
b2a_source_open = _declare("b2a_source_open", ctypes.c_int, [vp])
b2a_source_cancel = _declare("b2a_source_cancel", ctypes.c_int, [vp])
b2a_source_free = _declare("b2a_source_free", None, [vp])
b2a_source_errcode = _declare("b2a_source_errcode", ctypes.c_int, [vp])
b2a_source_errmsg = _declare("b2a_source_errmsg", ctypes.c_char_p, [vp])
b2a_source_sqlstate = _declare("b2a_source_sqlstate", ctypes.c_char_p, [vp])
b2a_source_json = _declare("b2a_source_json", vp, [vp])
b2a_split_plan_new = _declare("b2a_split_plan_new", ctypes.c_int,
                              [vp, ctypes.c_char_p, ctypes.c_uint32, PLAN_DONE_CB, vp, ctypes.POINTER(vp)])
b2a_split_plan_cancel = _declare("b2a_split_plan_cancel", ctypes.c_int, [vp])
b2a_split_plan_free = _declare("b2a_split_plan_free", None, [vp])
b2a_split_plan_errcode = _declare("b2a_split_plan_errcode", ctypes.c_int, [vp])
b2a_split_plan_errmsg = _declare("b2a_split_plan_errmsg", ctypes.c_char_p, [vp])
b2a_split_plan_ranges = _declare("b2a_split_plan_ranges", ctypes.c_uint32, [vp])
b2a_split_plan_json = _declare("b2a_split_plan_json", vp, [vp])
b2a_export_options_init = _declare("b2a_export_options_init", ctypes.c_int,
                                   [ctypes.POINTER(ExportOptions), ctypes.c_uint], check=True)
b2a_export_new = _declare("b2a_export_new", ctypes.c_int,
                          [vp, ctypes.c_char_p, ctypes.POINTER(ExportOptions), ctypes.POINTER(vp)])
b2a_export_range_new = _declare("b2a_export_range_new", ctypes.c_int,
                                [vp, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint32,
                                 ctypes.POINTER(ExportOptions), ctypes.POINTER(vp)])
b2a_export_start = _declare("b2a_export_start", ctypes.c_int, [vp])
b2a_export_cancel = _declare("b2a_export_cancel", ctypes.c_int, [vp])
b2a_export_free = _declare("b2a_export_free", None, [vp])
b2a_export_errcode = _declare("b2a_export_errcode", ctypes.c_int, [vp])
b2a_export_errmsg = _declare("b2a_export_errmsg", ctypes.c_char_p, [vp])
b2a_export_sqlstate = _declare("b2a_export_sqlstate", ctypes.c_char_p, [vp])
b2a_export_rows_written = _declare("b2a_export_rows_written", ctypes.c_int64, [vp])
b2a_export_json = _declare("b2a_export_json", vp, [vp])


# Building blocks (container.h, restore.h)
b2a_container_options_init = _declare("b2a_container_options_init", ctypes.c_int,
                                      [ctypes.POINTER(ContainerOptions), ctypes.c_uint], check=True)
b2a_container_new = _declare("b2a_container_new", ctypes.c_int,
                             [vp, ctypes.POINTER(ContainerOptions), ctypes.POINTER(vp)])
b2a_container_start = _declare("b2a_container_start", ctypes.c_int, [vp])
b2a_container_stop = _declare("b2a_container_stop", ctypes.c_int, [vp, CONTAINER_CB, vp])
b2a_container_free = _declare("b2a_container_free", None, [vp])
b2a_container_id = _declare("b2a_container_id", ctypes.c_char_p, [vp])
b2a_container_vendor = _declare("b2a_container_vendor", ctypes.c_char_p, [vp])
b2a_container_host = _declare("b2a_container_host", ctypes.c_char_p, [vp])
b2a_container_port = _declare("b2a_container_port", ctypes.c_int, [vp])
b2a_container_user = _declare("b2a_container_user", ctypes.c_char_p, [vp])
b2a_container_database = _declare("b2a_container_database", ctypes.c_char_p, [vp])
b2a_container_dsn = _declare("b2a_container_dsn", vp, [vp])
b2a_container_errcode = _declare("b2a_container_errcode", ctypes.c_int, [vp])
b2a_container_errmsg = _declare("b2a_container_errmsg", ctypes.c_char_p, [vp])
b2a_restore_options_init = _declare("b2a_restore_options_init", ctypes.c_int,
                                    [ctypes.POINTER(RestoreOptions), ctypes.c_uint], check=True)
b2a_restore_new = _declare("b2a_restore_new", ctypes.c_int, [vp, ctypes.POINTER(RestoreOptions), ctypes.POINTER(vp)])
b2a_restore_start = _declare("b2a_restore_start", ctypes.c_int, [vp])
b2a_restore_free = _declare("b2a_restore_free", None, [vp])
b2a_restore_errcode = _declare("b2a_restore_errcode", ctypes.c_int, [vp])
b2a_restore_errmsg = _declare("b2a_restore_errmsg", ctypes.c_char_p, [vp])


def take_string(ptr: Optional[int]) -> Optional[str]:
    """Copy a library-allocated C string into Python and free it."""
    if not ptr:
        return None
    try:
        return ctypes.string_at(ptr).decode("utf-8")
    finally:
        b2a_free(ptr)


def strv(items: Sequence[Union[str, bytes]]) -> Tuple[Any, int, Any]:
    """A (char **, count, keepalive) triple for a list of str."""
    encoded = [os.fsencode(s) if not isinstance(s, bytes) else s for s in items]
    arr = (ctypes.c_char_p * max(len(encoded), 1))(*encoded)
    return ctypes.cast(arr, c_char_p_p), len(encoded), (arr, encoded)
