/* Oracle exp / expdp header fields, from the first 4 KiB of the file. */
#include "detect/oradump.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
    o->file_number = (uint32_t)b[0x1f] << 24 | (uint32_t)b[0x20] << 16 | (uint32_t)b[0x21] << 8 | b[0x22];
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
    unsigned char buf[HEAD] = {0}; /* a short file reads as zeros past its end */
    b2a_detected d;
    memset(out, 0, sizeof(*out));
    int rc = b2a__detect(path, &d, err);
    if (rc)
        return rc;
    if (d.gzip || (d.format != B2A_FMT_ORACLE_EXP && d.format != B2A_FMT_ORACLE_DATAPUMP))
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: %s%s, not an Oracle dump file", path, d.gzip ? "gzip'd " : "",
                            b2a__detect_format_name(d.format));
    int fd, orc = b2a__detect_open(path, &fd, err);
    if (orc != B2A_OK)
        return orc;
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
    int fd, orc = b2a__detect_open(path, &fd, err);
    if (orc != B2A_OK)
        return orc;
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
    int fd, orc = b2a__detect_open(path, &fd, err);
    if (orc != B2A_OK)
        return orc;
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

/* ---- the end of a dump: was it written to the end, and is it all here? ---- */

/* Reads exactly n bytes at off; 0 on success, -1 on a short file or error. */
static int read_at(int fd, void *buf, size_t n, uint64_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, (char *)buf + got, n - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

/* exp ends its last record with "EXIT\nEXIT\n" and pads the record with
 * zeros (seen in every complete sample, V10.02 to V12.01). */
static int exp_check_end(const char *path, int fd, uint64_t size, b2a_err *err)
{
    enum { STEP = 64 * 1024, MAX_PAD = 1024 * 1024 };
    static const char tail[] = "EXIT\nEXIT\n";
    const size_t tlen = sizeof(tail) - 1;
    unsigned char *buf = malloc(STEP + tlen);
    if (!buf)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "%s: out of memory", path);
    uint64_t end = size, last = 0; /* last: offset after the last non-zero byte */
    int found = 0;
    while (!found && end > 0 && size - end < MAX_PAD) {
        uint64_t from = end > STEP ? end - STEP : 0;
        if (read_at(fd, buf, (size_t)(end - from), from) != 0) {
            free(buf);
            return b2a__err_set(err, B2A_EIO, B2A_ERRCLASS_IO, "%s: read error near byte %llu: %s",
                                path, (unsigned long long)from, strerror(errno ? errno : EIO));
        }
        for (uint64_t i = end - from; i > 0 && !found; i--)
            if (buf[i - 1]) {
                found = 1;
                last = from + i;
            }
        end = from;
    }
    int ok = 0;
    if (found && last >= tlen) {
        unsigned char t[sizeof(tail)];
        ok = read_at(fd, t, tlen, last - tlen) == 0 && memcmp(t, tail, tlen) == 0;
    }
    free(buf);
    if (ok)
        return B2A_OK;
    return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                        "%s: truncated Oracle exp dump: it does not end with exp's closing EXIT "
                        "records (%llu bytes)",
                        path, (unsigned long long)size);
}

static uint32_t be32(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Data Pump header fields past the ones parse_datapump reads (offsets from
 * docs/oracle-dump-format.md 2.2): master table block and length. */
#define DP_GUID_OFF 0x0f
#define DP_GUID_LEN 16
#define DP_MASTER_BLOCK_OFF 0x36
#define DP_MASTER_LEN_OFF 0x3a

/* A Data Pump export writes its master table last and then records where
 * it starts in the file header (12.1, 19c) or in a copy of the header in
 * the last block (23ai, whose first header keeps zeros there). A whole
 * file is whole blocks, names a master block, has the job's master table
 * there, and at least master length / block size blocks from it on (that
 * count matched the file exactly in all three samples). */
static int datapump_check_end(const char *path, int fd, uint64_t size,
                              const b2a_oradump_info *hdr, b2a_err *err)
{
    uint32_t bs = hdr->block_size;
    if (bs < 512 || bs > (1u << 20))
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: truncated or damaged Data Pump dump: its header gives no usable "
                            "block size (%u; %llu bytes)",
                            path, bs, (unsigned long long)size);
    if (size < bs || size % bs)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: truncated Data Pump dump: %llu bytes is not a whole number of "
                            "%u-byte blocks",
                            path, (unsigned long long)size, bs);
    unsigned char first[0x42], last[0x42];
    if (read_at(fd, first, sizeof(first), 0) != 0 ||
        read_at(fd, last, sizeof(last), size - bs) != 0)
        return b2a__err_set(err, B2A_EIO, B2A_ERRCLASS_IO, "%s: read error: %s", path,
                            strerror(errno ? errno : EIO));
    const unsigned char *h = first;
    if (be32(h + DP_MASTER_BLOCK_OFF) == 0 && size > bs && memcmp(last, first, 2) == 0 &&
        memcmp(last + DP_GUID_OFF, first + DP_GUID_OFF, DP_GUID_LEN) == 0)
        h = last;
    uint64_t mblock = be32(h + DP_MASTER_BLOCK_OFF);
    uint64_t mlen = (uint64_t)be32(h + DP_MASTER_LEN_OFF) << 32 | be32(h + DP_MASTER_LEN_OFF + 4);
    uint64_t nblocks = size / bs;
    if (mblock == 0 || mblock >= nblocks)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            mblock == 0 ? "%s: truncated Data Pump dump: its header names no master "
                                          "table (the export did not finish, or the file was cut "
                                          "before its last block); %llu blocks"
                                        : "%s: truncated Data Pump dump: its master table starts "
                                          "past the end of the file (%llu blocks)",
                            path, (unsigned long long)nblocks);
    if (nblocks - mblock < mlen / bs)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: truncated Data Pump dump: its master table (%llu bytes from "
                            "block %llu) needs %llu blocks but the file ends after %llu",
                            path, (unsigned long long)mlen, (unsigned long long)mblock,
                            (unsigned long long)(mlen / bs), (unsigned long long)(nblocks - mblock));
    /* The job's own master table must start there: "OWNER"."NAME" in the header. */
    char owner[130], name[130];
    if (sscanf(hdr->job_name, "\"%129[^\"]\".\"%129[^\"]\"", owner, name) != 2)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: Data Pump header: job name \"%s\" is not \"OWNER\".\"NAME\"", path,
                            hdr->job_name);
    char seg[1024];
    size_t n = sizeof(seg) < bs ? sizeof(seg) : bs;
    if (read_at(fd, seg, n, mblock * bs) != 0)
        return b2a__err_set(err, B2A_EIO, B2A_ERRCLASS_IO, "%s: read error at block %llu: %s", path,
                            (unsigned long long)mblock, strerror(errno ? errno : EIO));
    size_t olen = 0, nlen = 0;
    const char *o = xml_text(seg, seg + n, "OWNER_NAME", &olen);
    const char *t = o ? xml_text(o + olen, seg + n, "NAME", &nlen) : NULL;
    if (!t || olen != strlen(owner) || memcmp(o, owner, olen) || nlen != strlen(name) ||
        memcmp(t, name, nlen))
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: Data Pump dump: block %llu, where the header puts the master "
                            "table, does not hold %s.%s",
                            path, (unsigned long long)mblock, owner, name);
    return B2A_OK;
}

int b2a__oradump_check_end(const char *path, const b2a_oradump_info *hdr, b2a_err *err)
{
    int fd, orc = b2a__detect_open(path, &fd, err);
    if (orc != B2A_OK)
        return orc;
    struct stat sb;
    int rc;
    if (fstat(fd, &sb) != 0)
        rc = b2a__err_set(err, B2A_EIO, B2A_ERRCLASS_IO, "%s: cannot stat: %s", path,
                          strerror(errno));
    else if (hdr->datapump)
        rc = datapump_check_end(path, fd, (uint64_t)sb.st_size, hdr, err);
    else
        rc = exp_check_end(path, fd, (uint64_t)sb.st_size, err);
    close(fd);
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
