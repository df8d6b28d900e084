/* The closing line of a text dump: see dumpend.h. */
#include "detect/dumpend.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zlib.h>

#define TAIL B2A_DUMP_END_TAIL
#define HEAD B2A_DUMP_END_HEAD

typedef struct text_ends {
    char head[HEAD + 1];
    size_t nhead;
    char *tail;            /* the last TAIL bytes (or fewer) */
    size_t ntail;
} text_ends;

/* The first HEAD and last TAIL bytes of the text, through zlib when gzip'd. */
static int read_ends(const char *path, text_ends *te, b2a_err *err)
{
    gzFile gz;
    int orc = b2a__detect_gzopen(path, &gz, err);
    if (orc != B2A_OK)
        return orc;
    char *buf = malloc(2 * TAIL);
    if (!buf) {
        gzclose(gz);
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "%s: out of memory", path);
    }
    int n = gzread(gz, te->head, HEAD);
    te->nhead = n > 0 ? (size_t)n : 0;
    te->head[te->nhead] = '\0';
    memcpy(buf, te->head, te->nhead);
    size_t have = te->nhead;
    /* A plain file: seek near its end instead of reading it all. */
    struct stat sb;
    if (n == HEAD && gzdirect(gz) && stat(path, &sb) == 0 && sb.st_size > HEAD + TAIL &&
        gzseek(gz, (z_off_t)(sb.st_size - TAIL), SEEK_SET) == (z_off_t)(sb.st_size - TAIL))
        have = 0;
    while (n > 0) {
        if (have > TAIL) { /* keep the last TAIL bytes */
            memmove(buf, buf + have - TAIL, TAIL);
            have = TAIL;
        }
        n = gzread(gz, buf + have, TAIL);
        if (n > 0)
            have += (size_t)n;
    }
    int zerr, rc = B2A_OK;
    const char *m = gzerror(gz, &zerr);
    if (n < 0 || (zerr != Z_OK && zerr != Z_STREAM_END))
        rc = b2a__err_set(err, zerr == Z_ERRNO ? B2A_EIO : B2A_EFORMAT,
                          zerr == Z_ERRNO ? B2A_ERRCLASS_IO : B2A_ERRCLASS_READER,
                          "%s: read error: %s", path, zerr == Z_ERRNO ? strerror(errno) : m);
    gzclose(gz);
    if (rc != B2A_OK) {
        free(buf);
        return rc;
    }
    te->tail = buf;
    te->ntail = have;
    return B2A_OK;
}

static int line_is(const char *p, size_t len, const char *s)
{
    size_t n = strlen(s);
    return len >= n && strncasecmp(p, s, n) == 0;
}

/* Whether a line says nothing: blank, a bare "--", or psql's \unrestrict. */
static int says_nothing(const char *p, size_t len)
{
    while (len && (p[len - 1] == '\r' || p[len - 1] == ' ' || p[len - 1] == '\t'))
        len--;
    size_t i = 0;
    while (i < len && (p[i] == ' ' || p[i] == '\t'))
        i++;
    return i == len || (len - i == 2 && p[i] == '-' && p[i + 1] == '-') ||
           line_is(p + i, len - i, "\\unrestrict ");
}

/* The last line of the tail that says something, or NULL. */
static const char *last_line(const char *t, size_t n, size_t *len)
{
    size_t end = n;
    while (end > 0) {
        size_t start = end;
        while (start > 0 && t[start - 1] != '\n')
            start--;
        size_t l = end - start;
        if (l && t[start + l - 1] == '\n')
            l--;
        if (!says_nothing(t + start, l)) {
            *len = l;
            return t + start;
        }
        if (start == 0)
            break;
        end = start - 1;
    }
    return NULL;
}

/* The tool whose closing line format f ends with; 0 for formats without one. */
static int closing_line(b2a_format_id f, const char **tool, const char **want)
{
    switch (f) {
    case B2A_FMT_MYSQLDUMP: *tool = "mysqldump"; *want = "-- Dump completed"; return 1;
    case B2A_FMT_MARIADB_DUMP: *tool = "MariaDB dump"; *want = "-- Dump completed"; return 1;
    case B2A_FMT_PG_PLAIN: *tool = "pg_dump script"; *want = "-- PostgreSQL database dump complete"; return 1;
    case B2A_FMT_PG_DUMPALL:
        *tool = "pg_dumpall script";
        *want = "-- PostgreSQL database cluster dump complete";
        return 1;
    default: return 0;
    }
}

int b2a__dump_check_text_end(const char *path, const b2a_detected *d, const char *head, size_t nhead,
                             const char *tail, size_t ntail, b2a_err *err)
{
    const char *tool, *want;
    if (!closing_line(d->format, &tool, &want))
        return B2A_OK;
    /* pg_dump output found by its SET lines alone has lost its comments */
    static const char pg_head[] = "-- PostgreSQL database dump";
    int has_header = d->format != B2A_FMT_PG_PLAIN || memmem(head, nhead, pg_head, sizeof(pg_head) - 1);
    size_t len = 0;
    const char *line = last_line(tail, ntail, &len);
    if (has_header && !(line && line_is(line, len, want)))
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: truncated %s: it does not end with the \"%s\" line", path, tool, want);
    return B2A_OK;
}

int b2a__dump_check_end(const char *path, const b2a_detected *d, b2a_err *err)
{
    const char *tool, *want;
    if (!closing_line(d->format, &tool, &want))
        return B2A_OK;
    text_ends te = {0};
    int rc = read_ends(path, &te, err);
    if (rc != B2A_OK)
        return rc;
    rc = b2a__dump_check_text_end(path, d, te.head, te.nhead, te.tail, te.ntail, err);
    free(te.tail);
    return rc;
}
