#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void b2a__err_clear(b2a_err *err)
{
    if (!err)
        return;
    memset(err, 0, sizeof(*err));
}

int b2a__err_set(b2a_err *err, int code, b2a_error_class klass, const char *fmt, ...)
{
    if (!err)
        return code;
    va_list ap;
    err->code = code;
    err->klass = klass;
    err->sqlstate[0] = '\0';
    err->native = 0;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return code;
}

int b2a__err_prefix(b2a_err *err, const char *fmt, ...)
{
    if (!err)
        return B2A_EINVAL;
    char prefix[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    size_t plen = strlen(prefix), mlen = strlen(err->msg);
    if (plen + mlen >= sizeof(err->msg))
        mlen = sizeof(err->msg) - 1 - plen;
    memmove(err->msg + plen, err->msg, mlen);
    memcpy(err->msg, prefix, plen);
    err->msg[plen + mlen] = '\0';
    return err->code;
}

void b2a__err_copy(b2a_err *dst, const b2a_err *src)
{
    if (dst && src && dst != src)
        memcpy(dst, src, sizeof(*dst));
}

const char *b2a_strerror(int code)
{
    switch (code) {
    case B2A_OK: return "success";
    case B2A_EINVAL: return "invalid argument";
    case B2A_ENOMEM: return "out of memory";
    case B2A_ENOTFOUND: return "not found";
    case B2A_EUNSUPPORTED: return "not supported";
    case B2A_EDOCKER: return "Docker engine error";
    case B2A_EODBC: return "ODBC error";
    case B2A_EFORMAT: return "malformed or foreign input";
    case B2A_ECANCELED: return "canceled";
    case B2A_EUSER: return "stopped by a callback";
    case B2A_EIO: return "input/output error";
    case B2A_ERESTORE: return "restore failed";
    case B2A_ETIMEOUT: return "timed out";
    case B2A_EMISMATCH: return "row count mismatch";
    case B2A_EBUSY: return "wrong state for this call";
    case B2A_EFAILED: return "failed, the job went on";
    case B2A_EFATAL: return "fatal error";
    default: return "unknown error";
    }
}
