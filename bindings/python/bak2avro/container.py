"""The Container and Restore building blocks (include/bak2avro/container.h,
restore.h): a throw-away database server for a backup, restored and left
running for exports, stopped and removed when the with block ends.

    with bak2avro.Container(["chinook.dump"]) as db:   # started, ready
        db.restore()                                   # pre-SQL, the vendor's tool, post-SQL
        with bak2avro.Source(db.dsn) as src:           # any number of exports
            src.export("public.track", "out")
    # the container is stopped and removed here, also after an exception

Each call blocks on a library context of its own. Bad arguments raise
ValueError (InvalidArgument); a failed start or restore raises the
library's error with its message, after the container is removed.
"""
from __future__ import annotations

import ctypes
import os
from typing import Any, List, Optional, Sequence, Union

from . import _ffi
from ._handle import Handle
from .blocks import _Ctx, _choice, _count
from .errors import InvalidArgument, from_code

NETWORKS = {"publish": 0, "host": 1, "auto": 2}
DELIVERIES = {"bind": 0, "upload": 1}


def _opt_text(what: str, value: Optional[str]) -> Optional[bytes]:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise InvalidArgument("%s must be a non-empty string or None, not %r" % (what, value), code=-1)
    return value.encode()


class Container(Handle):
    """A database server in a container of the Docker engine, for these backups.

    backups: the backup files (several for a striped set or ordered scripts); the vendor
    and the default image come from their magic bytes. The password is random; .dsn
    holds it (postgresql:// or mysql:// URL, an ODBC string for SQL Server).
    """

    def __init__(self, backups: Sequence[Union[str, "os.PathLike[str]"]], *, image: Optional[str] = None,
                 vendor: Optional[str] = None, network: str = "auto", delivery: str = "bind",
                 memory_bytes: int = 0, listen: Optional[str] = None, accept_eula: bool = False,
                 ready_tries: int = 0, docker_host: Optional[str] = None) -> None:
        self._ptr: Optional[int] = None
        self._ctx: Optional[_Ctx] = None
        if isinstance(backups, (str, bytes, os.PathLike)):
            backups = [backups]  # one file
        paths = [os.fspath(b) for b in backups]
        if not paths or not all(isinstance(p, str) and p for p in paths):
            raise InvalidArgument("backups must be one or more file paths, not %r" % (backups,), code=-1)
        o = _ffi.ContainerOptions()
        _ffi.b2a_container_options_init(ctypes.byref(o), _ffi.CONTAINER_OPTIONS_VERSION)
        keep: List[Any] = []
        o.inputs, o.n_inputs, k = _ffi.strv(paths)
        keep.append(k)
        o.image, o.vendor = _opt_text("image", image), _opt_text("vendor", vendor)
        o.docker_host, o.listen = _opt_text("docker_host", docker_host), _opt_text("listen", listen)
        o.network = _choice("network", network, NETWORKS)
        o.delivery = _choice("delivery", delivery, DELIVERIES)
        o.memory_bytes = _count("memory_bytes", memory_bytes, 0, 2 ** 62)
        o.ready_tries = _count("ready_tries", ready_tries, 0, 100000)
        o.accept_eula = int(bool(accept_eula))
        done = _ffi.CONTAINER_CB(lambda c, rc, ud: None)
        o.done_cb = done
        self._ctx = _Ctx()
        p = ctypes.c_void_p()
        rc = _ffi.b2a_container_new(self._ctx.ptr, ctypes.byref(o), ctypes.byref(p))
        self._ptr = p.value
        if rc == 0:
            rc = _ffi.b2a_container_start(p)
            if rc == 0:
                self._ctx.run()
                rc = _ffi.b2a_container_errcode(p)
        del keep, done
        if rc != 0:
            msg = (_ffi.b2a_container_errmsg(p).decode("utf-8", "replace") if p.value else "") or \
                _ffi.b2a_strerror(rc).decode()
            self.close()
            raise from_code(rc, msg)

    def _handle(self, what: str) -> int:
        if self._ptr is None:
            raise ValueError("%s: the container is stopped" % what)
        return self._ptr

    def _text(self, fn: Any) -> str:
        v: Optional[bytes] = fn(self._handle("endpoint"))
        return v.decode() if v else ""

    @property
    def id(self) -> str:
        return self._text(_ffi.b2a_container_id)

    @property
    def vendor(self) -> str:
        return self._text(_ffi.b2a_container_vendor)

    @property
    def host(self) -> str:
        return self._text(_ffi.b2a_container_host)

    @property
    def port(self) -> int:
        return int(_ffi.b2a_container_port(self._handle("port")))

    @property
    def user(self) -> str:
        return self._text(_ffi.b2a_container_user)

    @property
    def database(self) -> str:
        """The database holding the restored rows (after restore(): the one a script filled)."""
        return self._text(_ffi.b2a_container_database)

    @property
    def dsn(self) -> str:
        """A connection string Source() and export_range() accept; it holds the password."""
        return _ffi.take_string(_ffi.b2a_container_dsn(self._handle("dsn"))) or ""

    def restore(self, *, pre_sql: Optional[str] = None, post_sql: Optional[str] = None, parallel: int = 0) -> None:
        """Restore the backups into the running server (pre-SQL, the vendor's tool, post-SQL)."""
        c = self._handle("restore")
        o = _ffi.RestoreOptions()
        _ffi.b2a_restore_options_init(ctypes.byref(o), _ffi.RESTORE_OPTIONS_VERSION)
        o.pre_sql, o.post_sql = _opt_text("pre_sql", pre_sql), _opt_text("post_sql", post_sql)
        o.parallel = _count("parallel", parallel, 0, 64)
        done = _ffi.RESTORE_CB(lambda r, rc, ud: None)
        o.done_cb = done
        r = ctypes.c_void_p()
        rc = _ffi.b2a_restore_new(c, ctypes.byref(o), ctypes.byref(r))
        try:
            if rc == 0:
                rc = _ffi.b2a_restore_start(r)
                if rc == 0:
                    assert self._ctx is not None
                    self._ctx.run()
                    rc = _ffi.b2a_restore_errcode(r)
            if rc != 0:
                msg = (_ffi.b2a_restore_errmsg(r).decode("utf-8", "replace") if r.value else "") or \
                    _ffi.b2a_strerror(rc).decode()
                raise from_code(rc, msg)
        finally:
            if r.value:
                _ffi.b2a_restore_free(r)
                assert self._ctx is not None
                self._ctx.run()  # the restore's handles close on the loop
            del done

    def close(self) -> None:
        """Stop and remove the container (idempotent)."""
        if self._ptr is not None:
            ptr, self._ptr = self._ptr, None
            assert self._ctx is not None
            stopped = _ffi.CONTAINER_CB(lambda c, rc, ud: None)
            if _ffi.b2a_container_stop(ptr, stopped, None) == 0:
                self._ctx.run()
            _ffi.b2a_container_free(ptr)
            self._ctx.run()  # a removal still owed runs on the loop before the context goes
            del stopped
        if self._ctx is not None:
            self._ctx.free()
            self._ctx = None


    def __repr__(self) -> str:
        if self._ptr is None:
            return "<bak2avro.Container stopped>"
        return "<bak2avro.Container %s %s at %s:%d>" % (self.id[:12], self.vendor, self.host, self.port)
