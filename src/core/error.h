/* Internal error record: filled on the thread where a failure happened,
 * copied into the job on the loop thread. */
#ifndef B2A_CORE_ERROR_H
#define B2A_CORE_ERROR_H

#include <stdint.h>
#include "bak2avro/errors.h"

#define B2A_ERRMSG_MAX 1024

typedef struct b2a_err {
    int code;                  /* b2a_error_code, B2A_OK when clear */
    b2a_error_class klass;
    char msg[B2A_ERRMSG_MAX];
    char sqlstate[6];          /* "" unless ODBC gave one */
    int64_t native;
} b2a_err;

void b2a__err_clear(b2a_err *err);

/* Set code, class and a printf-style message; returns code so callers can
 * write `return b2a__err_set(err, ...)`. err may be NULL. */
int b2a__err_set(b2a_err *err, int code, b2a_error_class klass, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Prefix an existing message with context ("file.bak: "), keeping code and class. */
int b2a__err_prefix(b2a_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void b2a__err_copy(b2a_err *dst, const b2a_err *src);

/* The public error accessors of a building block's handle
 * (b2a_export_errcode() ...), defined once for all blocks: what the
 * handle's b2a_err holds, and for anything that is not a live handle of
 * that kind (NULL, freed, another kind) B2A_EINVAL, "" or
 * B2A_ERRCLASS_NONE. The handle struct has `uint32_t magic` and
 * `b2a_err err`. Use: B2A_ERRMSG_ACCESSOR(b2a_export_errmsg, b2a_export, EXPORT_MAGIC) */
#define B2A_HANDLE_ERR_(h, magic_value) ((h) && (h)->magic == (magic_value) ? &(h)->err : NULL)
#define B2A_ERR_ACCESSOR_(name, type, magic_value, rtype, field, none) \
    rtype name(const type *h)                                           \
    {                                                                   \
        const b2a_err *e = B2A_HANDLE_ERR_(h, magic_value);             \
        return e ? e->field : (none);                                   \
    }
#define B2A_ERRCODE_ACCESSOR(name, type, magic) B2A_ERR_ACCESSOR_(name, type, magic, int, code, B2A_EINVAL)
#define B2A_ERRCLASS_ACCESSOR(name, type, magic) \
    B2A_ERR_ACCESSOR_(name, type, magic, b2a_error_class, klass, B2A_ERRCLASS_NONE)
#define B2A_ERRMSG_ACCESSOR(name, type, magic) B2A_ERR_ACCESSOR_(name, type, magic, const char *, msg, "")
#define B2A_SQLSTATE_ACCESSOR(name, type, magic) B2A_ERR_ACCESSOR_(name, type, magic, const char *, sqlstate, "")

#endif
