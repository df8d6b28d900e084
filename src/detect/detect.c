/* Format detection by magic bytes. Only the head of a file is read (and, for
 * gzip, only the head of the inflated stream), so detection stays cheap on
 * multi-gigabyte backups. */
#include "detect/detect.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* Enough for every magic we know (tar: 512 + toc.dat header; text
 * heuristics look a little further than the header comments). */
#define HEAD_MAX (64 * 1024)

const char *b2a__detect_vendor_name(b2a_vendor_id v)
{
    switch (v) {
    case B2A_VENDOR_POSTGRESQL: return "postgresql";
    case B2A_VENDOR_MYSQL: return "mysql";
    case B2A_VENDOR_SQLSERVER: return "sqlserver";
    case B2A_VENDOR_ORACLE: return "oracle";
    default: return "unknown";
    }
}

const char *b2a__detect_format_name(b2a_format_id f)
{
    switch (f) {
    case B2A_FMT_PG_CUSTOM: return "pg_dump custom";
    case B2A_FMT_PG_TAR: return "pg_dump tar";
    case B2A_FMT_PG_DIRECTORY: return "pg_dump directory";
    case B2A_FMT_PG_PLAIN: return "pg_dump plain SQL";
    case B2A_FMT_PG_DUMPALL: return "pg_dumpall plain text";
    case B2A_FMT_MYSQLDUMP: return "mysqldump";
    case B2A_FMT_MARIADB_DUMP: return "MariaDB dump";
    case B2A_FMT_MYSQL_SQL: return "MySQL SQL script";
    case B2A_FMT_MSSQL_MTF: return "SQL Server MTF";
    case B2A_FMT_MSSQL_COMPRESSED: return "SQL Server compressed (MSSQLBAK)";
    case B2A_FMT_ORACLE_EXP: return "Oracle exp";
    case B2A_FMT_ORACLE_DATAPUMP: return "Oracle Data Pump";
    default: return "unknown";
    }
}

const char *b2a__detect_format_key(b2a_format_id f)
{
    switch (f) {
    case B2A_FMT_PG_CUSTOM: return "pg_custom";
    case B2A_FMT_PG_TAR: return "pg_tar";
    case B2A_FMT_PG_DIRECTORY: return "pg_directory";
    case B2A_FMT_PG_PLAIN: return "pg_plain";
    case B2A_FMT_PG_DUMPALL: return "pg_dumpall";
    case B2A_FMT_MYSQLDUMP: return "mysqldump";
    case B2A_FMT_MARIADB_DUMP: return "mariadb_dump";
    case B2A_FMT_MYSQL_SQL: return "mysql_sql";
    case B2A_FMT_MSSQL_MTF: return "mssql_mtf";
    case B2A_FMT_MSSQL_COMPRESSED: return "mssql_compressed";
    case B2A_FMT_ORACLE_EXP: return "oracle_exp";
    case B2A_FMT_ORACLE_DATAPUMP: return "oracle_datapump";
    default: return "unknown";
    }
}

int b2a__detect_is_text(b2a_format_id f)
{
    return f == B2A_FMT_PG_PLAIN || f == B2A_FMT_PG_DUMPALL || f == B2A_FMT_MYSQLDUMP ||
           f == B2A_FMT_MARIADB_DUMP || f == B2A_FMT_MYSQL_SQL;
}

static void set_found(b2a_detected *out, b2a_vendor_id v, b2a_format_id f)
{
    out->vendor = v;
    out->format = f;
}

/* "xx xx xx ..." of the first bytes, for "not a backup" messages. */
static void hex_head(const unsigned char *buf, size_t len, char *dst, size_t dstlen)
{
    size_t n = len < 8 ? len : 8, used = 0;
    dst[0] = '\0';
    for (size_t i = 0; i < n && used + 4 < dstlen; i++)
        used += (size_t)snprintf(dst + used, dstlen - used, "%s%02x", i ? " " : "", buf[i]);
    if (len > n && used + 5 < dstlen)
        snprintf(dst + used, dstlen - used, " ...");
}

static int not_a_backup(b2a_err *err, const char *name, const unsigned char *buf, size_t len,
                        const char *what)
{
    char hex[64];
    if (len == 0)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: not a backup this tool knows (%sempty)", name, what);
    hex_head(buf, len, hex, sizeof(hex));
    return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                        "%s: not a backup this tool knows (%sfirst bytes: %s)", name, what, hex);
}

static int has_prefix(const unsigned char *buf, size_t len, size_t off, const char *magic)
{
    size_t m = strlen(magic);
    return len >= off + m && memcmp(buf + off, magic, m) == 0;
}

/* memmem limited to the first `lim` bytes. */
static const unsigned char *find_in(const unsigned char *buf, size_t len, size_t lim, const char *s)
{
    if (lim < len)
        len = lim;
    return memmem(buf, len, s, strlen(s));
}

static int find_ci(const unsigned char *buf, size_t len, const char *s)
{
    size_t m = strlen(s);
    for (size_t i = 0; i + m <= len; i++)
        if (strncasecmp((const char *)buf + i, s, m) == 0)
            return 1;
    return 0;
}

/* "1.14.0" from the 3 version bytes after "PGDMP". */
static void pg_version(const unsigned char *p, size_t len, char *dst, size_t n)
{
    if (len >= 8)
        snprintf(dst, n, "%u.%u.%u", p[5], p[6], p[7]);
}

static int detect_pg_archive(const char *name, const unsigned char *buf, size_t len,
                             b2a_detected *out, b2a_err *err)
{
    /* Byte 10 is the format code; a tar's or directory's toc.dat says 3 (archTar). */
    if (len >= 11 && buf[10] != 1)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: this is the toc.dat of a pg_dump %s archive (format code %u), "
                            "not a whole archive; pass its directory or tar file",
                            name, buf[10] == 3 ? "tar or directory" : "non-custom", buf[10]);
    set_found(out, B2A_VENDOR_POSTGRESQL, B2A_FMT_PG_CUSTOM);
    pg_version(buf, len, out->version, sizeof(out->version));
    return B2A_OK;
}

/* ustar: pg_dump writes toc.dat as the first member; look at every member
 * header the head buffer covers in case another tool reordered them. */
static int detect_tar(const char *name, const unsigned char *buf, size_t len, b2a_detected *out,
                      b2a_err *err)
{
    size_t off = 0;
    while (off + 512 <= len && buf[off] != '\0') {
        const unsigned char *h = buf + off;
        char member[101], sz[13];
        memcpy(member, h, 100);
        member[100] = '\0';
        memcpy(sz, h + 124, 12);
        sz[12] = '\0';
        unsigned long long size = strtoull(sz, NULL, 8);
        if (strcmp(member, "toc.dat") == 0 || strcmp(member, "restore.sql") == 0) {
            set_found(out, B2A_VENDOR_POSTGRESQL, B2A_FMT_PG_TAR);
            if (strcmp(member, "toc.dat") == 0 && has_prefix(buf, len, off + 512, "PGDMP"))
                pg_version(buf + off + 512, len - off - 512, out->version, sizeof(out->version));
            return B2A_OK;
        }
        if (size > (unsigned long long)len)
            break;
        off += 512 + (size_t)((size + 511) / 512 * 512);
    }
    return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                        "%s: a tar archive, but not a pg_dump one (no toc.dat member at its start)",
                        name);
}

static int is_pow2_in(uint32_t v, uint32_t lo, uint32_t hi)
{
    return v >= lo && v <= hi && (v & (v - 1)) == 0;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Data Pump file header (big-endian): u16 file version whose low byte is 1
 * (0x0401 = 12.1 ... 0x0601 = 23ai), u32 block size at 0x23, the job name
 * ("SYS"."SYS_EXPORT_SCHEMA_01") at 0x43, the DB version text at 0x358. */
static int detect_datapump(const unsigned char *buf, size_t len, b2a_detected *out)
{
    if (len < 0x60 || buf[1] != 0x01 || buf[0] > 0x0f)
        return 0;
    if (!is_pow2_in(be32(buf + 0x23), 512, 65536) || buf[0x43] != '"')
        return 0;
    set_found(out, B2A_VENDOR_ORACLE, B2A_FMT_ORACLE_DATAPUMP);
    if (len > 0x358 + 20) {
        size_t i = 0;
        const unsigned char *v = buf + 0x358;
        while (i < 20 && (v[i] == '.' || (v[i] >= '0' && v[i] <= '9')))
            i++;
        if (i >= 4 && v[i] == '\0' && i < sizeof(out->version)) {
            memcpy(out->version, v, i);
            out->version[i] = '\0';
            return 1;
        }
    }
    static const char *const by_file_version[] = {"10.1", "10.2", "11.1", "11.2",
                                                  "12.1", "12.2", "23"};
    if (buf[0] < sizeof(by_file_version) / sizeof(by_file_version[0]))
        snprintf(out->version, sizeof(out->version), "%s", by_file_version[buf[0]]);
    return 1;
}

/* MySQL-only syntax in a script without a mysqldump header. One strong sign
 * or two weak ones: T-SQL, Oracle and PostgreSQL scripts have none of them. */
static int looks_mysql(const unsigned char *buf, size_t len)
{
    static const char *const strong[] = {"SET @OLD_", "/*!40101", "/*!40014", "/*!50",
                                         "LOCK TABLES `", "ENGINE=InnoDB", "ENGINE=MyISAM"};
    static const char *const weak[] = {"CREATE TABLE `", "INSERT INTO `", "USE `",
                                       "AUTO_INCREMENT", "DEFAULT CHARSET=", "ENGINE=",
                                       "CREATE DATABASE `", "DROP TABLE IF EXISTS `"};
    int nweak = 0;
    for (size_t i = 0; i < sizeof(strong) / sizeof(strong[0]); i++)
        if (find_ci(buf, len, strong[i]))
            return 1;
    for (size_t i = 0; i < sizeof(weak) / sizeof(weak[0]); i++)
        if (find_ci(buf, len, weak[i]))
            nweak++;
    return nweak >= 2;
}

static int is_text(const unsigned char *buf, size_t len)
{
    size_t n = len < 8192 ? len : 8192, ctl = 0;
    for (size_t i = 0; i < n; i++) {
        if (buf[i] == 0)
            return 0;
        if (buf[i] < 0x20 && buf[i] != '\n' && buf[i] != '\r' && buf[i] != '\t' && buf[i] != '\f')
            ctl++;
    }
    return ctl * 100 <= n; /* a few stray control bytes are tolerated */
}

static void text_version(const unsigned char *buf, size_t len, const char *key, char *dst,
                         size_t n)
{
    const unsigned char *p = find_in(buf, len, 16384, key);
    if (!p)
        return;
    p += strlen(key);
    size_t i = 0;
    while (p + i < buf + len && p[i] != '\n' && p[i] != '\r' && i + 1 < n)
        i++;
    memcpy(dst, p, i);
    dst[i] = '\0';
}

static int detect_text(const unsigned char *buf, size_t len, b2a_detected *out)
{
    if (has_prefix(buf, len, 0, "\xEF\xBB\xBF")) {
        buf += 3;
        len -= 3;
    }
    if (!is_text(buf, len))
        return 0;
    /* A cluster dump embeds per-database "PostgreSQL database dump" headers: test it first. */
    if (find_in(buf, len, 4096, "-- PostgreSQL database cluster dump")) {
        set_found(out, B2A_VENDOR_POSTGRESQL, B2A_FMT_PG_DUMPALL);
        /* pg_dumpall runs pg_dump of its own version for each database */
        text_version(buf, len, "-- Dumped by pg_dump version ", out->version,
                     sizeof(out->version));
        return 1;
    }
    if (find_in(buf, len, 4096, "-- PostgreSQL database dump")) {
        set_found(out, B2A_VENDOR_POSTGRESQL, B2A_FMT_PG_PLAIN);
        text_version(buf, len, "-- Dumped by pg_dump version ", out->version,
                     sizeof(out->version));
        return 1;
    }
    const unsigned char *my = find_in(buf, len, 4096, "-- MySQL dump ");
    if (my) {
        /* MariaDB's older mysqldump says "-- MySQL dump 10.17  Distrib 10.3.22-MariaDB" */
        const unsigned char *eol = memchr(my, '\n', (size_t)(buf + len - my));
        size_t line = eol ? (size_t)(eol - my) : (size_t)(buf + len - my);
        set_found(out, B2A_VENDOR_MYSQL,
                  memmem(my, line, "-MariaDB", 8) ? B2A_FMT_MARIADB_DUMP : B2A_FMT_MYSQLDUMP);
        text_version(buf, len, "-- Server version\t", out->version, sizeof(out->version));
        return 1;
    }
    if (find_in(buf, len, 4096, "-- MariaDB dump ")) {
        set_found(out, B2A_VENDOR_MYSQL, B2A_FMT_MARIADB_DUMP);
        text_version(buf, len, "-- Server version\t", out->version, sizeof(out->version));
        return 1;
    }
    if (looks_mysql(buf, len)) {
        set_found(out, B2A_VENDOR_MYSQL, B2A_FMT_MYSQL_SQL);
        return 1;
    }
    /* pg_dump output whose header comments were cut off. */
    if (find_in(buf, len, len, "SELECT pg_catalog.set_config('search_path'")) {
        set_found(out, B2A_VENDOR_POSTGRESQL, B2A_FMT_PG_PLAIN);
        return 1;
    }
    return 0;
}

static int detect_buf(const char *name, const unsigned char *buf, size_t len, b2a_detected *out,
                      b2a_err *err, const char *what)
{
    out->vendor = B2A_VENDOR_UNKNOWN;
    out->format = B2A_FMT_UNKNOWN;
    out->version[0] = '\0';

    if (has_prefix(buf, len, 0, "PGDMP"))
        return detect_pg_archive(name, buf, len, out, err);
    if (has_prefix(buf, len, 257, "ustar"))
        return detect_tar(name, buf, len, out, err);
    if (has_prefix(buf, len, 0, "TAPE")) {
        set_found(out, B2A_VENDOR_SQLSERVER, B2A_FMT_MSSQL_MTF);
        return B2A_OK;
    }
    if (has_prefix(buf, len, 0, "MSSQLBAK")) {
        set_found(out, B2A_VENDOR_SQLSERVER, B2A_FMT_MSSQL_COMPRESSED);
        return B2A_OK;
    }
    /* Classic exp: byte 0 is 0x03 in every file seen (0x01..0x05 accepted by
     * other readers), bytes 1-2 the client charset, then "EXPORT:V". */
    if (len > 3 && buf[0] >= 1 && buf[0] <= 5 && has_prefix(buf, len, 3, "EXPORT:V")) {
        set_found(out, B2A_VENDOR_ORACLE, B2A_FMT_ORACLE_EXP);
        size_t i = 0;
        while (10 + i < len && buf[10 + i] != '\n' && i + 1 < sizeof(out->version)) {
            out->version[i] = (char)buf[10 + i];
            i++;
        }
        out->version[i] = '\0';
        return B2A_OK;
    }
    if (detect_datapump(buf, len, out))
        return B2A_OK;
    if (detect_text(buf, len, out))
        return B2A_OK;
    return not_a_backup(err, name, buf, len, what);
}

int b2a__detect_buf(const char *name, const unsigned char *buf, size_t len, b2a_detected *out,
                    b2a_err *err)
{
    return detect_buf(name, buf, len, out, err, "");
}

/* Read up to cap bytes; a short count only at end of file. */
static ssize_t read_head(int fd, unsigned char *buf, size_t cap)
{
    size_t got = 0;
    while (got < cap) {
        ssize_t r = read(fd, buf + got, cap - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

static int open_error(b2a_err *err, const char *path, int e)
{
    if (e == ENOENT || e == ENOTDIR)
        return b2a__err_set(err, B2A_ENOTFOUND, B2A_ERRCLASS_IO, "%s: no such file or directory",
                            path);
    return b2a__err_set(err, B2A_EIO, B2A_ERRCLASS_IO, "%s: cannot read: %s", path, strerror(e));
}

/* What a path is, for a message that refuses it. */
static const char *file_kind(mode_t m)
{
    if (S_ISFIFO(m)) return "a FIFO (named pipe)";
    if (S_ISSOCK(m)) return "a socket";
    if (S_ISCHR(m)) return "a character device";
    if (S_ISBLK(m)) return "a block device";
    if (S_ISDIR(m)) return "a directory";
    return "not a regular file";
}

static int not_a_file(b2a_err *err, const char *path, mode_t m)
{
    return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_USAGE,
                        "%s: is %s, not a backup file; give a regular file (or a pg_dump directory archive)",
                        path, file_kind(m));
}

static int cannot_open(b2a_err *err, const char *path, int e)
{
    return b2a__err_set(err, e == ENOENT || e == ENOTDIR ? B2A_ENOTFOUND : B2A_EIO, B2A_ERRCLASS_IO,
                        "%s: cannot open: %s", path, strerror(e));
}

/* Open a regular file for reading without ever blocking: the type is checked
 * with stat before open (opening a FIFO waits for a writer; opening a device
 * may act on it), and again on the descriptor, opened O_NONBLOCK, in case the
 * path was swapped in between. on_error words a failed stat or open. */
static int open_regular(const char *path, struct stat *st, int *fd_out,
                        int (*on_error)(b2a_err *, const char *, int), b2a_err *err)
{
    *fd_out = -1;
    if (stat(path, st) != 0)
        return on_error(err, path, errno);
    if (!S_ISREG(st->st_mode))
        return not_a_file(err, path, st->st_mode);
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return on_error(err, path, errno);
    struct stat again;
    if (fstat(fd, &again) != 0 || !S_ISREG(again.st_mode) || again.st_ino != st->st_ino ||
        again.st_dev != st->st_dev) {
        close(fd);
        return b2a__err_set(err, B2A_EIO, B2A_ERRCLASS_IO, "%s: changed while being opened", path);
    }
    *fd_out = fd;
    return B2A_OK;
}

int b2a__detect_open(const char *path, int *fd_out, b2a_err *err)
{
    struct stat st;
    return open_regular(path, &st, fd_out, cannot_open, err);
}

int b2a__detect_gzopen(const char *path, gzFile *out, b2a_err *err)
{
    int fd, rc = b2a__detect_open(path, &fd, err);
    if (rc != B2A_OK)
        return rc;
    if (!(*out = gzdopen(fd, "rb"))) {
        close(fd);
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "%s: out of memory", path);
    }
    return B2A_OK;
}

int b2a__detect_fopen(const char *path, FILE **out, b2a_err *err)
{
    int fd, rc = b2a__detect_open(path, &fd, err);
    if (rc != B2A_OK)
        return rc;
    if (!(*out = fdopen(fd, "rb"))) {
        int e = errno;
        close(fd);
        return cannot_open(err, path, e);
    }
    return B2A_OK;
}

static int detect_directory(const char *path, b2a_detected *out, b2a_err *err)
{
    char toc[4096];
    unsigned char head[16];
    DIR *d = opendir(path);
    if (!d)
        return open_error(err, path, errno);
    struct dirent *de;
    uint64_t total = 0;
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        char p[4096];
        if (snprintf(p, sizeof(p), "%s/%s", path, de->d_name) >= (int)sizeof(p))
            continue;
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
            total += (uint64_t)st.st_size;
    }
    closedir(d);
    out->is_dir = 1;
    out->size = total;

    if (snprintf(toc, sizeof(toc), "%s/toc.dat", path) >= (int)sizeof(toc))
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "%s: path too long", path);
    struct stat tst;
    int fd, rc;
    if (stat(toc, &tst) != 0 && errno == ENOENT)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: a directory, but not a pg_dump directory archive (no toc.dat)",
                            path);
    if ((rc = open_regular(toc, &tst, &fd, open_error, err)) != B2A_OK)
        return rc;
    ssize_t n = read_head(fd, head, sizeof(head));
    close(fd);
    if (n < 0)
        return open_error(err, toc, errno);
    if (!has_prefix(head, (size_t)n, 0, "PGDMP"))
        return not_a_backup(err, toc, head, (size_t)n, "toc.dat of a directory: ");
    set_found(out, B2A_VENDOR_POSTGRESQL, B2A_FMT_PG_DIRECTORY);
    pg_version(head, (size_t)n, out->version, sizeof(out->version));
    return B2A_OK;
}

/* Inflate the head of a gzip member; returns bytes produced or -1 on corrupt data. */
static ssize_t gunzip_head(const unsigned char *in, size_t inlen, unsigned char *out, size_t cap)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
        return -1;
    zs.next_in = (unsigned char *)in;
    zs.avail_in = (uInt)inlen;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    int rc = inflate(&zs, Z_SYNC_FLUSH);
    size_t produced = cap - zs.avail_out;
    inflateEnd(&zs);
    /* Z_BUF_ERROR: input ran out (we read only the head), not corruption. */
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
        return produced > 0 ? (ssize_t)produced : -1;
    return (ssize_t)produced;
}

int b2a__detect(const char *path, b2a_detected *out, b2a_err *err)
{
    struct stat st;
    memset(out, 0, sizeof(*out));
    if (!path || !*path)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "detect: empty path");
    if (stat(path, &st) != 0)
        return open_error(err, path, errno);
    if (S_ISDIR(st.st_mode))
        return detect_directory(path, out, err);
    int fd, rc = open_regular(path, &st, &fd, open_error, err);
    if (rc != B2A_OK)
        return rc;
    out->size = (uint64_t)st.st_size;
    unsigned char *buf = malloc(HEAD_MAX);
    if (!buf) {
        close(fd);
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "%s: out of memory", path);
    }
    ssize_t n = read_head(fd, buf, HEAD_MAX);
    int e = errno;
    close(fd);
    if (n < 0) {
        rc = open_error(err, path, e);
    } else if (has_prefix(buf, (size_t)n, 0, "\x1f\x8b")) {
        unsigned char *inner = malloc(HEAD_MAX);
        ssize_t m = inner ? gunzip_head(buf, (size_t)n, inner, HEAD_MAX) : -1;
        if (!inner)
            rc = b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "%s: out of memory", path);
        else if (m <= 0)
            rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                              "%s: gzip data that does not inflate (corrupt or truncated)", path);
        else {
            rc = detect_buf(path, inner, (size_t)m, out, err, "gzip stream whose content has ");
            if (rc == B2A_OK)
                out->gzip = 1;
        }
        free(inner);
    } else {
        rc = b2a__detect_buf(path, buf, (size_t)n, out, err);
    }
    free(buf);
    return rc;
}
