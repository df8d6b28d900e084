/* pg_dump archive header and TOC reader. Every read is bounded by what the
 * file (or tar member) holds, so a truncated or corrupt archive gives an
 * error saying where reading stopped instead of a huge allocation or a crash. */
#include "detect/pgdump.h"
#include "detect/detect.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>


/* A TOC with more entries than this is corrupt, not big. */
#define MAX_TOC_ENTRIES 10000000u
/* Cap for a string when the stream length is unknown (gzip'd input). */
#define MAX_STR_UNBOUNDED (256u * 1024 * 1024)

typedef struct rd {
    gzFile gz;
    const char *path;      /* file named in messages */
    uint64_t base;         /* offset of the stream in the file (tar member data: 512) */
    uint64_t pos;          /* bytes consumed from the stream */
    uint64_t limit;        /* stream length, UINT64_MAX when unknown */
    int int_size, off_size;
    b2a_err *err;
    const char *what;      /* field being read, for messages */
    uint32_t entry, n_entries; /* 1-based TOC entry being read, 0 in the header */
} rd;

static int rd_fail_trunc(rd *r)
{
    if (r->entry)
        return b2a__err_set(r->err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: truncated pg_dump archive: data ends at byte %llu while reading "
                            "the %s of TOC entry %u of %u",
                            r->path, (unsigned long long)(r->base + r->pos), r->what, r->entry,
                            r->n_entries);
    return b2a__err_set(r->err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                        "%s: truncated pg_dump archive: data ends at byte %llu while reading the "
                        "header (%s)",
                        r->path, (unsigned long long)(r->base + r->pos), r->what);
}

static int rd_fail_corrupt(rd *r, const char *detail)
{
    if (r->entry)
        return b2a__err_set(r->err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: corrupt pg_dump archive at byte %llu, %s of TOC entry %u of %u: %s",
                            r->path, (unsigned long long)(r->base + r->pos), r->what, r->entry,
                            r->n_entries, detail);
    return b2a__err_set(r->err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                        "%s: corrupt pg_dump archive header at byte %llu (%s): %s", r->path,
                        (unsigned long long)(r->base + r->pos), r->what, detail);
}

static int rd_bytes(rd *r, void *dst, size_t n)
{
    if (r->limit != UINT64_MAX && n > r->limit - r->pos) {
        /* consume what is there so the message reports the real end */
        r->pos = r->limit;
        return rd_fail_trunc(r);
    }
    size_t got = 0;
    while (got < n) {
        unsigned chunk = (unsigned)((n - got) > (1u << 30) ? (1u << 30) : (n - got));
        int k = gzread(r->gz, (char *)dst + got, chunk);
        if (k < 0) {
            int zerr;
            const char *m = gzerror(r->gz, &zerr);
            if (zerr == Z_ERRNO)
                return b2a__err_set(r->err, B2A_EIO, B2A_ERRCLASS_IO, "%s: read error: %s",
                                    r->path, strerror(errno));
            return b2a__err_set(r->err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                                "%s: corrupt compressed data at byte %llu: %s", r->path,
                                (unsigned long long)(r->base + r->pos + got), m);
        }
        if (k == 0) {
            r->pos += got;
            return rd_fail_trunc(r);
        }
        got += (size_t)k;
    }
    r->pos += n;
    return B2A_OK;
}

static int rd_skip(rd *r, uint64_t n)
{
    char buf[8192];
    while (n > 0) {
        size_t k = n > sizeof(buf) ? sizeof(buf) : (size_t)n;
        int rc = rd_bytes(r, buf, k);
        if (rc)
            return rc;
        n -= k;
    }
    return B2A_OK;
}

static int rd_byte(rd *r, int *v)
{
    unsigned char b;
    int rc = rd_bytes(r, &b, 1);
    if (rc == B2A_OK)
        *v = b;
    return rc;
}

/* pg_dump's WriteInt: a sign byte, then int_size bytes least significant first. */
static int rd_int(rd *r, int *v)
{
    unsigned char b[1 + 8];
    int rc = rd_bytes(r, b, 1 + (size_t)r->int_size);
    if (rc)
        return rc;
    uint64_t u = 0;
    for (int i = r->int_size - 1; i >= 0; i--)
        u = (u << 8) | b[1 + i];
    if (b[0] > 1)
        return rd_fail_corrupt(r, "integer sign byte is neither 0 nor 1");
    if (u > (uint64_t)INT_MAX)
        return rd_fail_corrupt(r, "integer out of range");
    *v = b[0] ? -(int)u : (int)u;
    return B2A_OK;
}

/* WriteStr: an int length (-1 = NULL), then the bytes. keep = 0 skips them. */
static int rd_str(rd *r, char **out, int keep)
{
    int len;
    int rc = rd_int(r, &len);
    if (rc)
        return rc;
    if (out)
        *out = NULL;
    if (len < 0) {
        if (len != -1)
            return rd_fail_corrupt(r, "negative string length");
        return B2A_OK;
    }
    if (r->limit == UINT64_MAX && (uint32_t)len > MAX_STR_UNBOUNDED)
        return rd_fail_corrupt(r, "implausible string length");
    if (!keep || !out)
        return rd_skip(r, (uint64_t)len);
    if (r->limit != UINT64_MAX && (uint64_t)len > r->limit - r->pos) {
        r->pos = r->limit;
        return rd_fail_trunc(r);
    }
    char *s = malloc((size_t)len + 1);
    if (!s)
        return b2a__err_set(r->err, B2A_ENOMEM, B2A_ERRCLASS_OS, "%s: out of memory", r->path);
    rc = rd_bytes(r, s, (size_t)len);
    if (rc) {
        free(s);
        return rc;
    }
    s[len] = '\0';
    *out = s;
    return B2A_OK;
}

/* ReadOffset (1.7+): a flag byte, then off_size bytes least significant first. */
static int rd_offset(rd *r, int *state, uint64_t *off)
{
    unsigned char b[1 + 16];
    int rc = rd_bytes(r, b, 1 + (size_t)r->off_size);
    if (rc)
        return rc;
    if (b[0] < B2A_PG_OFFSET_NOT_SET || b[0] > B2A_PG_OFFSET_NO_DATA)
        return rd_fail_corrupt(r, "unexpected data offset flag");
    uint64_t u = 0;
    for (int i = r->off_size - 1; i >= 0; i--) {
        if (i >= 8 && b[1 + i] != 0)
            return rd_fail_corrupt(r, "data offset too large");
        if (i < 8)
            u = (u << 8) | b[1 + i];
    }
    *state = b[0];
    *off = u;
    return B2A_OK;
}

#define VERS(maj, min) ((maj) * 256 + (min))

static int read_header(rd *r, b2a_pgdump_info *info)
{
    unsigned char magic[5];
    int rc;
    r->what = "magic";
    if ((rc = rd_bytes(r, magic, 5)))
        return rc;
    if (memcmp(magic, "PGDMP", 5) != 0)
        return b2a__err_set(r->err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: not a pg_dump archive (no PGDMP magic at byte %llu)", r->path,
                            (unsigned long long)r->base);
    r->what = "archive version";
    if ((rc = rd_byte(r, &info->vmaj)) || (rc = rd_byte(r, &info->vmin)))
        return rc;
    if (info->vmaj > 1 || (info->vmaj == 1 && info->vmin > 0)) {
        if ((rc = rd_byte(r, &info->vrev)))
            return rc;
    }
    int ver = VERS(info->vmaj, info->vmin);
    if (info->vmaj != 1 || info->vmin < 7)
        return b2a__err_set(r->err, B2A_EUNSUPPORTED, B2A_ERRCLASS_READER,
                            "%s: pg_dump archive version %d.%d is not supported (1.7 to 1.16 are)",
                            r->path, info->vmaj, info->vmin);
    if (ver > VERS(1, 16))
        return b2a__err_set(r->err, B2A_EUNSUPPORTED, B2A_ERRCLASS_READER,
                            "%s: pg_dump archive version %d.%d is newer than this tool knows "
                            "(1.16, PostgreSQL 17); a newer pg_restore is needed",
                            r->path, info->vmaj, info->vmin);
    r->what = "integer size";
    if ((rc = rd_byte(r, &info->int_size)))
        return rc;
    if (info->int_size < 1 || info->int_size > 8)
        return rd_fail_corrupt(r, "integer size outside 1..8");
    r->what = "offset size";
    if ((rc = rd_byte(r, &info->off_size)))
        return rc;
    if (info->off_size < 1 || info->off_size > 16)
        return rd_fail_corrupt(r, "offset size outside 1..16");
    r->int_size = info->int_size;
    r->off_size = info->off_size;
    r->what = "format code";
    if ((rc = rd_byte(r, &info->format_code)))
        return rc;
    r->what = "compression";
    if (ver >= VERS(1, 15)) {
        if ((rc = rd_byte(r, &info->compression_algo)))
            return rc;
        if (info->compression_algo > B2A_PG_COMPRESS_ZSTD)
            return rd_fail_corrupt(r, "unknown compression algorithm");
        info->compression_level = -1;
    } else {
        if ((rc = rd_int(r, &info->compression_level)))
            return rc;
        info->compression_algo =
            info->compression_level == 0 ? B2A_PG_COMPRESS_NONE : B2A_PG_COMPRESS_GZIP;
    }
    r->what = "creation time";
    if ((rc = rd_int(r, &info->tm_sec)) || (rc = rd_int(r, &info->tm_min)) ||
        (rc = rd_int(r, &info->tm_hour)) || (rc = rd_int(r, &info->tm_mday)) ||
        (rc = rd_int(r, &info->tm_mon)) || (rc = rd_int(r, &info->tm_year)) ||
        (rc = rd_int(r, &info->tm_isdst)))
        return rc;
    r->what = "database name";
    if ((rc = rd_str(r, &info->dbname, 1)))
        return rc;
    if (ver >= VERS(1, 10)) {
        r->what = "server version";
        if ((rc = rd_str(r, &info->server_version, 1)))
            return rc;
        r->what = "pg_dump version";
        if ((rc = rd_str(r, &info->pgdump_version, 1)))
            return rc;
    }
    return B2A_OK;
}

/* Section for archives before 1.11, as ReadToc infers it from desc. */
static int legacy_section(const char *desc)
{
    static const char *const none[] = {"COMMENT", "ACL", "ACL LANGUAGE"};
    static const char *const data[] = {"TABLE DATA", "BLOBS", "BLOB COMMENTS"};
    static const char *const post[] = {"CONSTRAINT", "CHECK CONSTRAINT", "FK CONSTRAINT",
                                       "INDEX", "RULE", "TRIGGER"};
    for (size_t i = 0; i < 3; i++)
        if (strcmp(desc, none[i]) == 0)
            return B2A_PG_SECTION_NONE;
    for (size_t i = 0; i < 3; i++)
        if (strcmp(desc, data[i]) == 0)
            return B2A_PG_SECTION_DATA;
    for (size_t i = 0; i < 6; i++)
        if (strcmp(desc, post[i]) == 0)
            return B2A_PG_SECTION_POST_DATA;
    return B2A_PG_SECTION_PRE_DATA;
}

static int read_oid(rd *r, uint32_t *oid)
{
    char *s = NULL;
    int rc = rd_str(r, &s, 1);
    if (rc)
        return rc;
    *oid = 0;
    if (s) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        int bad = (end == s || *end != '\0' || errno || v > UINT32_MAX);
        free(s);
        if (bad)
            return rd_fail_corrupt(r, "OID is not a number");
        *oid = (uint32_t)v;
    }
    return B2A_OK;
}

static int read_entry(rd *r, const b2a_pgdump_info *info, b2a_pgdump_toc_entry *te)
{
    int ver = VERS(info->vmaj, info->vmin), rc;
    r->what = "dump id";
    if ((rc = rd_int(r, &te->dump_id)))
        return rc;
    if (te->dump_id <= 0)
        return rd_fail_corrupt(r, "entry id out of range");
    r->what = "data flag";
    if ((rc = rd_int(r, &te->had_dumper)))
        return rc;
    r->what = "catalog OID";
    if (ver >= VERS(1, 8) && (rc = read_oid(r, &te->table_oid)))
        return rc;
    r->what = "object OID";
    if ((rc = read_oid(r, &te->oid)))
        return rc;
    r->what = "tag";
    if ((rc = rd_str(r, &te->tag, 1)))
        return rc;
    r->what = "description";
    if ((rc = rd_str(r, &te->desc, 1)))
        return rc;
    if (!te->desc || !te->tag)
        return rd_fail_corrupt(r, "missing tag or description");
    if (ver >= VERS(1, 11)) {
        r->what = "section";
        if ((rc = rd_int(r, &te->section)))
            return rc;
        if (te->section < B2A_PG_SECTION_NONE || te->section > B2A_PG_SECTION_POST_DATA)
            return rd_fail_corrupt(r, "unknown section code");
    } else {
        te->section = legacy_section(te->desc);
    }
    r->what = "definition";
    if ((rc = rd_str(r, &te->defn, strcmp(te->desc, "TABLE") == 0)))
        return rc;
    r->what = "drop statement";
    if ((rc = rd_str(r, NULL, 0)))
        return rc;
    r->what = "COPY statement";
    if ((rc = rd_str(r, &te->copy_stmt, 1)))
        return rc;
    r->what = "namespace";
    if ((rc = rd_str(r, &te->schema, 1)))
        return rc;
    if (ver >= VERS(1, 10)) {
        r->what = "tablespace";
        if ((rc = rd_str(r, &te->tablespace, 1)))
            return rc;
    }
    if (ver >= VERS(1, 14)) {
        r->what = "table access method";
        if ((rc = rd_str(r, &te->tableam, 1)))
            return rc;
    }
    if (ver >= VERS(1, 16)) {
        r->what = "relkind";
        if ((rc = rd_int(r, &te->relkind)))
            return rc;
    }
    r->what = "owner";
    if ((rc = rd_str(r, &te->owner, 1)))
        return rc;
    if (ver >= VERS(1, 9)) {
        r->what = "WITH OIDS flag";
        if ((rc = rd_str(r, NULL, 0)))
            return rc;
    }
    r->what = "dependencies";
    for (;;) {
        char *dep = NULL;
        if ((rc = rd_str(r, &dep, 1)))
            return rc;
        if (!dep)
            break;
        free(dep);
        if (++te->n_deps > MAX_TOC_ENTRIES)
            return rd_fail_corrupt(r, "endless dependency list");
    }
    if (info->container == B2A_FMT_PG_CUSTOM) {
        r->what = "data offset";
        if ((rc = rd_offset(r, &te->data_state, &te->data_offset)))
            return rc;
    } else {
        r->what = "data file name";
        if ((rc = rd_str(r, &te->filename, 1)))
            return rc;
        if (te->filename && te->filename[0] == '\0') {
            free(te->filename);
            te->filename = NULL;
        }
    }
    return B2A_OK;
}

static int read_archive(rd *r, b2a_pgdump_info *info)
{
    int rc = read_header(r, info);
    if (rc)
        return rc;
    int want = info->container == B2A_FMT_PG_CUSTOM ? 1 : 3;
    if (info->format_code != want) {
        char d[96];
        snprintf(d, sizeof(d), "format code %d where a %s archive has %d", info->format_code,
                 b2a__detect_format_name(info->container), want);
        r->what = "format code";
        return rd_fail_corrupt(r, d);
    }
    int count;
    r->what = "TOC entry count";
    if ((rc = rd_int(r, &count)))
        return rc;
    if (count < 0 || (uint32_t)count > MAX_TOC_ENTRIES)
        return rd_fail_corrupt(r, "implausible number of TOC entries");
    r->n_entries = (uint32_t)count;
    /* Grow as entries are read: a corrupt count then ends in a clear
     * "data ends ... TOC entry k of n" instead of a huge allocation. */
    uint32_t cap = 0;
    for (uint32_t i = 0; i < (uint32_t)count; i++) {
        if (i == cap) {
            uint32_t ncap = cap ? cap * 2 : 64;
            b2a_pgdump_toc_entry *v = realloc(info->toc, (size_t)ncap * sizeof(*v));
            if (!v)
                return b2a__err_set(r->err, B2A_ENOMEM, B2A_ERRCLASS_OS, "%s: out of memory",
                                    r->path);
            memset(v + cap, 0, (size_t)(ncap - cap) * sizeof(*v));
            info->toc = v;
            cap = ncap;
        }
        r->entry = i + 1;
        info->n_toc = i + 1; /* so free() sees the partly read entry */
        if ((rc = read_entry(r, info, &info->toc[i])))
            return rc;
        if (strcmp(info->toc[i].desc, "TABLE DATA") == 0)
            info->n_table_data++;
    }
    r->entry = 0;
    info->toc_end = r->base + r->pos;
    return B2A_OK;
}

static int open_stream(rd *r, const char *path, b2a_err *err)
{
    memset(r, 0, sizeof(*r));
    r->path = path;
    r->err = err;
    r->limit = UINT64_MAX;
    r->int_size = 4;
    r->off_size = 8;
    int fd, rc = b2a__detect_open(path, &fd, err);
    if (rc != B2A_OK)
        return rc;
    struct stat st;
    if (fstat(fd, &st) != 0 || !(r->gz = gzdopen(fd, "rb"))) {
        int e = errno ? errno : ENOMEM;
        close(fd);
        return b2a__err_set(err, B2A_EIO, B2A_ERRCLASS_IO, "%s: cannot open: %s", path, strerror(e));
    }
    /* Plain files are bounded by their size, gzip'd ones have no known length.
     * gzdirect() decides only after a first read: peek one byte and rewind. */
    char c;
    int k = gzread(r->gz, &c, 1);
    if (k <= 0 || gzdirect(r->gz) == 1)
        r->limit = (uint64_t)st.st_size;
    gzrewind(r->gz);
    return B2A_OK;
}

unsigned long long b2a__pgdump_tar_octal(const unsigned char *p, size_t n)
{
    unsigned long long v = 0;
    size_t i = 0;
    while (i < n && p[i] == ' ')
        i++;
    for (; i < n && p[i] >= '0' && p[i] <= '7'; i++)
        v = v * 8 + (unsigned)(p[i] - '0');
    return v;
}

unsigned long long b2a__pgdump_tar_sum(const unsigned char *h)
{
    unsigned long long sum = 0;
    for (size_t i = 0; i < 512; i++)
        sum += (i >= 148 && i < 156) ? ' ' : h[i];
    return sum;
}

/* Position r on the toc.dat member of a pg_dump tar (always its first member). */
static int open_tar_toc(rd *r)
{
    unsigned char h[512];
    r->what = "tar header of toc.dat";
    int rc = rd_bytes(r, h, sizeof(h));
    if (rc)
        return rc;
    if (memcmp(h + 257, "ustar", 5) != 0)
        return b2a__err_set(r->err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: not a tar archive (no ustar header)", r->path);
    if (strncmp((const char *)h, "toc.dat", 100) != 0)
        return b2a__err_set(r->err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: a tar archive whose first member is not toc.dat: not written by "
                            "pg_dump",
                            r->path);
    unsigned long long sum = b2a__pgdump_tar_sum(h), want = b2a__pgdump_tar_octal(h + 148, 8);
    if (sum != want)
        return b2a__err_set(r->err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: tar header of toc.dat has a bad checksum (%llu, expected %llu)",
                            r->path, sum, want);
    unsigned long long size = b2a__pgdump_tar_octal(h + 124, 12);
    if (r->limit != UINT64_MAX && size > r->limit - 512) {
        return b2a__err_set(r->err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: truncated tar archive: toc.dat claims %llu bytes, the file has "
                            "%llu after its header",
                            r->path, size, (unsigned long long)(r->limit - 512));
    }
    r->base = 512;
    r->pos = 0;
    r->limit = size;
    return B2A_OK;
}

int b2a__pgdump_read(const char *path, b2a_pgdump_info *out, b2a_err *err)
{
    b2a_detected d;
    rd r;
    char *toc_path = NULL;
    memset(out, 0, sizeof(*out));
    int rc = b2a__detect(path, &d, err);
    if (rc)
        return rc;
    if (d.format != B2A_FMT_PG_CUSTOM && d.format != B2A_FMT_PG_TAR &&
        d.format != B2A_FMT_PG_DIRECTORY)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: a %s file, not a pg_dump archive", path,
                            b2a__detect_format_name(d.format));
    out->container = d.format;
    const char *file = path;
    if (d.format == B2A_FMT_PG_DIRECTORY) {
        if (asprintf(&toc_path, "%s/toc.dat", path) < 0)
            return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "%s: out of memory", path);
        file = toc_path;
    }
    rc = open_stream(&r, file, err);
    if (rc == B2A_OK && d.format == B2A_FMT_PG_TAR)
        rc = open_tar_toc(&r);
    if (rc == B2A_OK)
        rc = read_archive(&r, out);
    if (r.gz)
        gzclose(r.gz);
    if (rc == B2A_OK)
        rc = b2a__pgdump_check_data(path, out, d.gzip, err);
    if (rc != B2A_OK)
        b2a__pgdump_free(out); /* callers need not free after an error */
    free(toc_path);
    return rc;
}

void b2a__pgdump_free(b2a_pgdump_info *info)
{
    if (!info)
        return;
    for (uint32_t i = 0; i < info->n_toc; i++) {
        b2a_pgdump_toc_entry *te = &info->toc[i];
        free(te->desc);
        free(te->tag);
        free(te->schema);
        free(te->owner);
        free(te->tablespace);
        free(te->tableam);
        free(te->copy_stmt);
        free(te->defn);
        free(te->filename);
    }
    free(info->toc);
    free(info->dbname);
    free(info->server_version);
    free(info->pgdump_version);
    memset(info, 0, sizeof(*info));
}

int b2a__pgdump_archive_min_version_num(int vmaj, int vmin)
{
    if (vmaj != 1)
        return -1;
    if (vmin <= 12)
        return 90000;
    switch (vmin) {
    case 13: return 90322;  /* search_path change, back-patched on 2018-03-01 */
    case 14: return 120000; /* table access methods */
    case 15: return 160000; /* compression algorithm in the header */
    case 16: return 170000; /* BLOB METADATA entries, relkind */
    default: return -1;
    }
}

int b2a__pgdump_archive_min_major(int vmaj, int vmin)
{
    int v = b2a__pgdump_archive_min_version_num(vmaj, vmin);
    if (v < 0)
        return -1;
    return v / 10000; /* 90322 -> 9: the 9.x series */
}

int b2a__pgdump_min_server_major(const b2a_pgdump_info *info)
{
    return info ? b2a__pgdump_archive_min_major(info->vmaj, info->vmin) : -1;
}

int b2a__pgdump_min_server_version_num(const b2a_pgdump_info *info)
{
    return info ? b2a__pgdump_archive_min_version_num(info->vmaj, info->vmin) : -1;
}

const char *b2a__pgdump_compression_name(const b2a_pgdump_info *info)
{
    switch (info->compression_algo) {
    case B2A_PG_COMPRESS_NONE: return "none";
    case B2A_PG_COMPRESS_GZIP: return "gzip";
    case B2A_PG_COMPRESS_LZ4: return "lz4";
    case B2A_PG_COMPRESS_ZSTD: return "zstd";
    default: return "unknown";
    }
}
