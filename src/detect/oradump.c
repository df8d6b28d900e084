/* Oracle exp / expdp header fields, from the first 4 KiB of the file. */
#include "detect/oradump.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detect/detect.h"

#define HEAD 4096

const char *b2a__oradump_charset_name(int id)
{
    switch (id) {
    case 1: return "US7ASCII";
    case 31: return "WE8ISO8859P1";
    case 178: return "WE8MSWIN1252";
    case 846: return "KO16MSWIN949";
    case 852: return "ZHS16GBK";
    case 871: return "UTF8";
    case 873: return "AL32UTF8";
    case 2000: return "AL16UTF16";
    default: return NULL;
    }
}

/* Next '\n'-terminated line from *p (bounded by end) into dst; 0 when none. */
static int next_line(const unsigned char **p, const unsigned char *end, char *dst, size_t n)
{
    const unsigned char *nl = memchr(*p, '\n', (size_t)(end - *p));
    if (!nl)
        return 0;
    size_t len = (size_t)(nl - *p);
    if (len >= n)
        len = n - 1;
    memcpy(dst, *p, len);
    dst[len] = '\0';
    *p = nl + 1;
    return 1;
}

/* NUL-terminated printable text at off, if any. */
static void text_at(const unsigned char *buf, size_t len, size_t off, char *dst, size_t n)
{
    size_t i = 0;
    dst[0] = '\0';
    while (off + i < len && buf[off + i] >= 0x20 && buf[off + i] < 0x7f && i + 1 < n) {
        dst[i] = (char)buf[off + i];
        i++;
    }
    dst[i] = '\0';
}

static void copy_str(char *dst, size_t n, const char *src)
{
    size_t len = strnlen(src, n - 1);
    memcpy(dst, src, len);
    dst[len] = '\0';
}

static int parse_exp(const char *path, const unsigned char *buf, size_t len, b2a_oradump_info *o,
                     b2a_err *err)
{
    const unsigned char *p = buf + 3, *end = buf + len;
    char line[7][64];
    o->client_charset_id = buf[1] << 8 | buf[2];
    for (int i = 0; i < 7; i++)
        if (!next_line(&p, end, line[i], sizeof(line[i])))
            return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                                "%s: truncated Oracle exp header (line %d missing)", path, i + 1);
    copy_str(o->version, sizeof(o->version), line[0] + 7); /* after "EXPORT:" */
    copy_str(o->user, sizeof(o->user), line[1][0] ? line[1] + 1 : "");   /* D/U prefix */
    copy_str(o->mode, sizeof(o->mode), line[2][0] == 'R' ? line[2] + 1 : line[2]);
    o->record_length = (uint32_t)strtoul(line[3], NULL, 10);
    if (end - p >= 6) {
        o->client_charset_id = p[0] << 8 | p[1];
        o->db_charset_id = p[2] << 8 | p[3];
        o->nchar_charset_id = p[4] << 8 | p[5];
    }
    const char *cs = b2a__oradump_charset_name(o->db_charset_id);
    snprintf(o->charset, sizeof(o->charset), "%s", cs ? cs : "");
    return B2A_OK;
}

static void parse_datapump(const unsigned char *b, size_t len, b2a_oradump_info *o)
{
    o->datapump = 1;
    o->file_version = b[0] << 8 | b[1];
    o->block_size = (uint32_t)b[0x23] << 24 | (uint32_t)b[0x24] << 16 | (uint32_t)b[0x25] << 8 |
                    b[0x26];
    o->db_charset_id = b[0x27] << 8 | b[0x28];
    text_at(b, len, 0x43, o->job_name, sizeof(o->job_name));
    text_at(b, len, 0x200, o->platform, sizeof(o->platform));
    text_at(b, len, 0x2a2, o->charset, sizeof(o->charset));
    text_at(b, len, 0x358, o->version, sizeof(o->version));
    if (!o->charset[0]) {
        const char *cs = b2a__oradump_charset_name(o->db_charset_id);
        snprintf(o->charset, sizeof(o->charset), "%s", cs ? cs : "");
    }
}

int b2a__oradump_read_header(const char *path, b2a_oradump_info *out, b2a_err *err)
{
    unsigned char buf[HEAD];
    b2a_detected d;
    memset(out, 0, sizeof(*out));
    int rc = b2a__detect(path, &d, err);
    if (rc)
        return rc;
    if (d.gzip || (d.format != B2A_FMT_ORACLE_EXP && d.format != B2A_FMT_ORACLE_DATAPUMP))
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: %s%s, not an Oracle dump file", path, d.gzip ? "gzip'd " : "",
                            b2a__detect_format_name(d.format));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return b2a__err_set(err, B2A_EIO, B2A_ERRCLASS_IO, "%s: cannot open: %s", path,
                            strerror(errno));
    ssize_t n = read(fd, buf, sizeof(buf));
    close(fd);
    if (n < 0)
        return b2a__err_set(err, B2A_EIO, B2A_ERRCLASS_IO, "%s: read error: %s", path,
                            strerror(errno));
    if (d.format == B2A_FMT_ORACLE_EXP)
        return parse_exp(path, buf, (size_t)n, out, err);
    parse_datapump(buf, (size_t)n, out);
    return B2A_OK;
}

static int add_table(b2a_oradump_tables *t, const char *schema, const char *name, size_t nlen,
                     int any_earlier)
{
    char *full = NULL;
    if (asprintf(&full, "%s%s%.*s", schema, *schema ? "." : "", (int)nlen, name) < 0)
        return B2A_ENOMEM;
    t->n_segments++;
    /* another partition of the same table: exp writes them one after another */
    for (uint32_t i = t->n_tables; i > 0 && (any_earlier || i == t->n_tables); i--)
        if (strcmp(t->tables[i - 1], full) == 0) {
            free(full);
            return B2A_OK;
        }
    if (t->n_tables % 64 == 0) {
        char **v = realloc(t->tables, (t->n_tables + 64) * sizeof(char *));
        if (!v) {
            free(full);
            return B2A_ENOMEM;
        }
        t->tables = v;
    }
    t->tables[t->n_tables++] = full;
    return B2A_OK;
}

/* Statements start at a line start; rows are binary but a false
 * `INSERT INTO "` at a line start inside them is not plausible. */
static int scan_line(b2a_oradump_tables *t, char *schema, size_t schema_len, const char *p,
                     size_t avail)
{
    static const char ins[] = "INSERT INTO \"", con[] = "CONNECT ";
    if (avail > sizeof(ins) - 1 && memcmp(p, ins, sizeof(ins) - 1) == 0) {
        const char *name = p + sizeof(ins) - 1;
        const char *q = memchr(name, '"', avail - (sizeof(ins) - 1));
        if (q && q > name && q - name <= 128)
            return add_table(t, schema, name, (size_t)(q - name), 0);
    } else if (avail > sizeof(con) - 1 && memcmp(p, con, sizeof(con) - 1) == 0) {
        const char *name = p + sizeof(con) - 1;
        const char *q = memchr(name, '\n', avail - (sizeof(con) - 1));
        if (q && q > name && (size_t)(q - name) < schema_len) {
            memcpy(schema, name, (size_t)(q - name));
            schema[q - name] = '\0';
        }
    }
    return B2A_OK;
}

static int exp_tables(const char *path, const b2a_oradump_info *hdr, uint64_t max_bytes,
                            b2a_oradump_tables *out, b2a_err *err)
{
    enum { CHUNK = 1 << 20, KEEP = 512 };
    memset(out, 0, sizeof(*out));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return b2a__err_set(err, B2A_EIO, B2A_ERRCLASS_IO, "%s: cannot open: %s", path,
                            strerror(errno));
    char *buf = malloc(CHUNK + KEEP);
    if (!buf) {
        close(fd);
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "%s: out of memory", path);
    }
    char schema[130];
    snprintf(schema, sizeof(schema), "%s", hdr->user);
    size_t have = 0;
    uint64_t total = 0;
    int rc = B2A_OK, at_end = 0, capped = 0;
    while (rc == B2A_OK && !at_end) {
        ssize_t r = read(fd, buf + have, CHUNK);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            rc = b2a__err_set(err, B2A_EIO, B2A_ERRCLASS_IO, "%s: read error: %s", path,
                              strerror(errno));
            break;
        }
        total += (uint64_t)r;
        capped = max_bytes && total >= max_bytes && r > 0;
        at_end = r == 0 || capped;
        size_t len = have + (size_t)r, i = 0;
        for (;;) {
            const char *nl = memchr(buf + i, '\n', len - i);
            if (!nl) {
                i = len;
                break;
            }
            size_t start = (size_t)(nl - buf) + 1;
            if (!at_end && len - start < KEEP) {
                i = (size_t)(nl - buf); /* finish this line with the next chunk */
                break;
            }
            if (scan_line(out, schema, sizeof(schema), buf + start, len - start) != B2A_OK) {
                rc = b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "%s: out of memory", path);
                break;
            }
            i = start;
        }
        have = len - i;
        memmove(buf, buf + i, have);
    }
    out->complete = rc == B2A_OK && !capped;
    free(buf);
    close(fd);
    if (rc != B2A_OK)
        b2a__oradump_tables_free(out);
    return rc;
}

/* Text between <tag> and </tag> inside [p, end), or NULL. */
static const char *xml_text(const char *p, const char *end, const char *tag, size_t *len)
{
    char open[40], close[40];
    snprintf(open, sizeof(open), "<%s>", tag);
    snprintf(close, sizeof(close), "</%s>", tag);
    const char *a = memmem(p, (size_t)(end - p), open, strlen(open));
    if (!a)
        return NULL;
    a += strlen(open);
    const char *b = memmem(a, (size_t)(end - a), close, strlen(close));
    if (!b || b - a > 128)
        return NULL;
    *len = (size_t)(b - a);
    return a;
}

/* SYS and SYSTEM own the job's master table and exported statistics, not user data. */
static int datapump_segment(b2a_oradump_tables *t, const char *p, const char *end)
{
    size_t olen, nlen;
    const char *owner = xml_text(p, end, "OWNER_NAME", &olen);
    const char *name = owner ? xml_text(owner + olen, end, "NAME", &nlen) : NULL;
    if (!name)
        return B2A_OK;
    char own[130];
    snprintf(own, sizeof(own), "%.*s", (int)olen, owner);
    if (strcmp(own, "SYS") == 0 || strcmp(own, "SYSTEM") == 0) {
        t->n_system++;
        return B2A_OK;
    }
    return add_table(t, own, name, nlen, 1);
}

static int datapump_tables(const char *path, uint64_t max_bytes, b2a_oradump_tables *out,
                           b2a_err *err)
{
    enum { CHUNK = 1 << 20, KEEP = 8192 };
    static const char mark[] = "<STRMTABLE_T>";
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return b2a__err_set(err, B2A_EIO, B2A_ERRCLASS_IO, "%s: cannot open: %s", path,
                            strerror(errno));
    char *buf = malloc(CHUNK + KEEP);
    if (!buf) {
        close(fd);
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "%s: out of memory", path);
    }
    size_t have = 0;
    uint64_t total = 0;
    int rc = B2A_OK, at_end = 0, capped = 0;
    while (rc == B2A_OK && !at_end) {
        ssize_t r = read(fd, buf + have, CHUNK);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            rc = b2a__err_set(err, B2A_EIO, B2A_ERRCLASS_IO, "%s: read error: %s", path,
                              strerror(errno));
            break;
        }
        total += (uint64_t)r;
        capped = max_bytes && total >= max_bytes && r > 0;
        at_end = r == 0 || capped;
        size_t len = have + (size_t)r, i = 0;
        for (;;) {
            const char *m = memmem(buf + i, len - i, mark, sizeof(mark) - 1);
            if (!m) {
                /* keep a tail that may hold the start of a marker */
                i = len > sizeof(mark) ? len - sizeof(mark) : 0;
                break;
            }
            size_t at = (size_t)(m - buf);
            if (!at_end && len - at < KEEP) {
                i = at; /* the segment's XML continues in the next chunk */
                break;
            }
            size_t span = len - at < KEEP ? len - at : KEEP;
            if (datapump_segment(out, m, m + span) != B2A_OK) {
                rc = b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "%s: out of memory", path);
                break;
            }
            i = at + sizeof(mark) - 1;
        }
        have = len - i;
        memmove(buf, buf + i, have);
    }
    out->complete = rc == B2A_OK && !capped;
    free(buf);
    close(fd);
    return rc;
}

int b2a__oradump_tables(const char *path, const b2a_oradump_info *hdr, uint64_t max_bytes,
                        b2a_oradump_tables *out, b2a_err *err)
{
    memset(out, 0, sizeof(*out));
    int rc = hdr->datapump ? datapump_tables(path, max_bytes, out, err)
                           : exp_tables(path, hdr, max_bytes, out, err);
    if (rc != B2A_OK)
        b2a__oradump_tables_free(out);
    return rc;
}

void b2a__oradump_tables_free(b2a_oradump_tables *t)
{
    if (!t)
        return;
    for (uint32_t i = 0; i < t->n_tables; i++)
        free(t->tables[i]);
    free(t->tables);
    memset(t, 0, sizeof(*t));
}
