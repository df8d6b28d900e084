#include "reader/oracle/exp_stream.h"

#include <stdlib.h>
#include <string.h>

#define STMT_MAX (64u * 1024 * 1024) /* no DDL statement is near this; corrupt input is */

int b2a__exp_in_init(b2a_exp_in *in, b2a_ra *ra, uint64_t offset, b2a_err *err)
{
    memset(in, 0, sizeof(*in));
    in->ra = ra;
    in->base = offset;
    in->buf = malloc(B2A_EXP_WINDOW);
    if (!in->buf)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    return B2A_OK;
}

void b2a__exp_in_free(b2a_exp_in *in)
{
    free(in->buf);
    in->buf = NULL;
}

uint64_t b2a__exp_in_tell(const b2a_exp_in *in) { return in->base + in->pos; }

void b2a__exp_in_seek(b2a_exp_in *in, uint64_t offset)
{
    if (offset >= in->base && offset - in->base <= in->len) {
        in->pos = (size_t)(offset - in->base); /* inside the window: no re-read */
        return;
    }
    in->base = offset;
    in->pos = in->len = 0;
}

uint64_t b2a__exp_in_left(const b2a_exp_in *in)
{
    uint64_t at = b2a__exp_in_tell(in), size = b2a__ra_size(in->ra);
    return at < size ? size - at : 0;
}

/* Make at least n bytes available at pos, or as many as the file has.
 * When the window already reaches the end of the file nothing moves: a
 * request past the end then costs nothing (moving the window's rest on
 * every such request made a dump's last 256 KiB quadratic). */
static int fill(b2a_exp_in *in, size_t n, b2a_err *err)
{
    if (in->len - in->pos >= n)
        return B2A_OK;
    uint64_t size = b2a__ra_size(in->ra);
    if (in->base + in->len >= size)
        return B2A_OK;
    memmove(in->buf, in->buf + in->pos, in->len - in->pos);
    in->base += in->pos;
    in->len -= in->pos;
    in->pos = 0;
    uint64_t end = in->base + in->len;
    size_t want = B2A_EXP_WINDOW - in->len;
    if (size - end < want)
        want = (size_t)(size - end);
    int rc = b2a__ra_read(in->ra, end, in->buf + in->len, want, "exp data", err);
    if (rc == B2A_OK)
        in->len += want;
    return rc;
}

const uint8_t *b2a__exp_in_take_slow(b2a_exp_in *in, size_t n, const char *what, b2a_err *err)
{
    if (n > B2A_EXP_WINDOW) {
        b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER, "%s: %s at offset %llu is %zu bytes, more than a value can be",
                     b2a__ra_path(in->ra), what, (unsigned long long)b2a__exp_in_tell(in), n);
        return NULL;
    }
    if (fill(in, n, err) != B2A_OK)
        return NULL;
    if (in->len - in->pos < n) {
        b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                     "%s: truncated: the file ends at offset %llu inside %s (%zu bytes at offset %llu)",
                     b2a__ra_path(in->ra), (unsigned long long)b2a__ra_size(in->ra), what, n,
                     (unsigned long long)b2a__exp_in_tell(in));
        return NULL;
    }
    const uint8_t *p = in->buf + in->pos;
    in->pos += n;
    return p;
}

static int append(const b2a_exp_in *in, b2a_exp_stmt *st, const uint8_t *p, size_t n, b2a_err *err)
{
    if (st->len + n + 1 > STMT_MAX)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER, "%s: the statement at offset %llu is longer than %u bytes",
                            b2a__ra_path(in->ra), (unsigned long long)st->offset, STMT_MAX);
    if (st->len + n + 1 > st->cap) {
        size_t c = st->cap ? st->cap : 1024;
        while (c < st->len + n + 1)
            c *= 2;
        char *t = realloc(st->text, c);
        if (!t)
            return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
        st->text = t;
        st->cap = c;
    }
    memcpy(st->text + st->len, p, n);
    st->len += n;
    st->text[st->len] = '\0';
    return B2A_OK;
}

/* 1 when every byte from the read position to the end of the file is zero
 * (exp pads its last record block with zeros): the position is then at the
 * end. 0 when a non-zero byte follows: the position is where it was, and
 * the window is re-read only if the zeros ran past it. */
static int zeros_to_end(b2a_exp_in *in, b2a_err *err)
{
    uint64_t start = b2a__exp_in_tell(in);
    /* inside the run scanned last: each empty record of a long run of
     * zeros would otherwise scan the rest of it again (quadratic) */
    if (start >= in->zeros_from && start < in->nonzero_at)
        return 0;
    int moved = 0;
    for (;;) {
        for (size_t i = in->pos; i < in->len; i++)
            if (in->buf[i]) {
                in->zeros_from = start;
                in->nonzero_at = in->base + i;
                if (moved)
                    b2a__exp_in_seek(in, start);
                return 0;
            }
        in->pos = in->len;
        moved = 1;
        if (fill(in, 1, err) != B2A_OK)
            return -1;
        if (in->pos == in->len)
            return 1;
    }
}

static int read_line(b2a_exp_in *in, b2a_exp_stmt *st, b2a_err *err)
{
    for (;;) {
        if (fill(in, 1, err) != B2A_OK)
            return err->code;
        if (in->pos == in->len)
            return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                                "%s: truncated: the file ends inside the statement at offset %llu",
                                b2a__ra_path(in->ra), (unsigned long long)st->offset);
        /* a newline ends a line; 23ai's exp also ends some with a NUL */
        const uint8_t *p = in->buf + in->pos, *nl = NULL;
        size_t n = 0, avail = in->len - in->pos;
        while (n < avail && p[n] != '\n' && p[n] != '\0')
            n++;
        if (n < avail)
            nl = p + n;
        if (append(in, st, p, n, err) != B2A_OK)
            return err->code;
        in->pos += n + (nl ? 1 : 0);
        if (nl)
            return B2A_OK;
    }
}

static int read_counted(b2a_exp_in *in, b2a_exp_stmt *st, uint16_t n, b2a_err *err)
{
    const uint8_t *p = b2a__exp_in_take(in, n, "a statement", err);
    return p ? append(in, st, p, n, err) : err->code;
}

int b2a__exp_next_stmt(b2a_exp_in *in, b2a_exp_stmt *st, b2a_err *err)
{
    st->len = 0;
    st->offset = b2a__exp_in_tell(in);
    if (append(in, st, (const uint8_t *)"", 0, err) != B2A_OK)
        return err->code;
    if (fill(in, 2, err) != B2A_OK)
        return err->code;
    size_t avail = in->len - in->pos;
    if (avail == 0)
        return 0;
    const uint8_t *p = in->buf + in->pos;
    if (p[0] == 0 && (avail == 1 || p[1] == 0)) {
        int z = zeros_to_end(in, err);
        if (z != 0)
            return z < 0 ? err->code : 0;
        /* not padding: an empty counted record, still at the read position */
        if (fill(in, 2, err) != B2A_OK)
            return err->code;
        avail = in->len - in->pos;
        p = in->buf + in->pos;
    }
    if (avail < 2) {
        st->kind = 'T';
        return read_line(in, st, err) == B2A_OK ? 1 : err->code;
    }
    uint16_t n;
    if (p[0] == 0xFD && p[1] == 0xFF) {
        st->kind = 'F';
        in->pos += 2;
        for (;;) {
            if (b2a__exp_in_u16(in, "a statement fragment's length", &n, err) != B2A_OK)
                return err->code;
            if (n == 0)
                return 1;
            if (read_counted(in, st, n, err) != B2A_OK)
                return err->code;
        }
    }
    /* A counted record's high length byte is a control character; a text
     * line's second byte is text (a one-character line: its newline). */
    if (p[0] != '\n' && p[1] < 0x20 && !(p[1] == '\n' && p[0] >= 0x20 && p[0] < 0x7F)) {
        st->kind = 'L';
        if (b2a__exp_in_u16(in, "a statement's length", &n, err) != B2A_OK)
            return err->code;
        return read_counted(in, st, n, err) == B2A_OK ? 1 : err->code;
    }
    st->kind = 'T';
    return read_line(in, st, err) == B2A_OK ? 1 : err->code;
}

void b2a__exp_stmt_free(b2a_exp_stmt *st)
{
    free(st->text);
    memset(st, 0, sizeof(*st));
}
