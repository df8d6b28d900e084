"""Exceptions for libbak2avro's error codes (include/bak2avro/errors.h)."""
from __future__ import annotations

from typing import Any, Dict, Optional


class Error(Exception):
    """A libbak2avro call failed. .code is the library's negative code."""

    def __init__(self, message: str, code: Optional[int] = None, sqlstate: Optional[str] = None,
                 job: Optional[Dict[str, Any]] = None, document: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(message)
        self.code = code
        self.sqlstate = sqlstate or None
        self.job = job  # the Job JSON document (dict) when a job ran
        self.document = document  # inspect: what could be read, when an input was not whole


class InvalidArgument(Error, ValueError):
    """A bad argument or option (B2A_EINVAL), found by the binding or by the library."""


class OutOfMemory(Error): pass
class NotFound(Error): pass
class Unsupported(Error): pass
class DockerError(Error): pass
class OdbcError(Error): pass
class FormatError(Error): pass
class Canceled(Error): pass
class CallbackError(Error): pass
class IOFailure(Error): pass
class RestoreError(Error): pass
class Timeout(Error): pass
class RowCountMismatch(Error): pass
class Busy(Error): pass


class JobFailed(Error):
    """The job ran to the end but some tables or steps failed."""


_BY_CODE = {
    -1: InvalidArgument, -2: OutOfMemory, -3: NotFound, -4: Unsupported, -5: DockerError,
    -6: OdbcError, -7: FormatError, -8: Canceled, -9: CallbackError, -10: IOFailure,
    -11: RestoreError, -12: Timeout, -13: RowCountMismatch, -14: Busy,
}


def from_code(code: int, message: str, **kw: Any) -> Error:
    return _BY_CODE.get(code, Error)(message, code=code, **kw)
