/* pg_dump archives (custom, tar, directory): header and table of contents,
 * read with strict bounds checks; and the facts a plain SQL dump tells in
 * its comments and SET lines. Layout per PostgreSQL's pg_backup_archiver.c
 * (ReadHead/ReadToc), archive versions 1.7 to 1.16. */
#ifndef B2A_DETECT_PGDUMP_H
#define B2A_DETECT_PGDUMP_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "detect/detect.h"

/* TOC sections as pg_dump numbers them. */
enum {
    B2A_PG_SECTION_NONE = 1,
    B2A_PG_SECTION_PRE_DATA = 2,
    B2A_PG_SECTION_DATA = 3,
    B2A_PG_SECTION_POST_DATA = 4
};

/* Compression algorithms as archive 1.15+ stores them (pg_compress_algorithm). */
enum {
    B2A_PG_COMPRESS_NONE = 0,
    B2A_PG_COMPRESS_GZIP = 1,
    B2A_PG_COMPRESS_LZ4 = 2,
    B2A_PG_COMPRESS_ZSTD = 3
};

/* Where a custom archive says an entry's data is (K_OFFSET_*). */
enum {
    B2A_PG_OFFSET_NOT_SET = 1, /* has data, offset unknown (written to a pipe) */
    B2A_PG_OFFSET_SET = 2,
    B2A_PG_OFFSET_NO_DATA = 3
};

typedef struct b2a_pgdump_toc_entry {
    int dump_id;
    int had_dumper;        /* 1 when the entry has a data part */
    uint32_t table_oid;    /* catalog of the object (pg_class etc.) */
    uint32_t oid;
    int section;           /* B2A_PG_SECTION_* */
    char *desc;            /* "TABLE DATA", "TABLE", "SCHEMA", "SEQUENCE SET"... never NULL */
    char *tag;             /* object name, e.g. "album"; never NULL */
    char *schema;          /* namespace; NULL for global objects */
    char *owner;           /* NULL when not recorded */
    char *tablespace;
    char *tableam;         /* 1.14+ */
    char *copy_stmt;       /* "COPY public.album (albumid, ...) FROM stdin;\n" for TABLE DATA */
    char *defn;            /* the CREATE statement; kept for "TABLE" entries only */
    int relkind;           /* 1.16+, else 0 */
    uint32_t n_deps;
    /* data location */
    int data_state;        /* custom: B2A_PG_OFFSET_*; tar/directory: 0 */
    uint64_t data_offset;  /* custom, when data_state == B2A_PG_OFFSET_SET */
    char *filename;        /* tar/directory member holding the data ("3422.dat"), or NULL */
} b2a_pgdump_toc_entry;

typedef struct b2a_pgdump_info {
    b2a_format_id container; /* B2A_FMT_PG_CUSTOM, _TAR or _DIRECTORY */
    int vmaj, vmin, vrev;    /* archive version, e.g. 1.14.0 */
    int int_size, off_size;
    int format_code;         /* format byte in the header: 1 custom, 3 tar and directory */
    int compression_level;   /* < 1.15: stored zlib level (-1 = default, 0 = none); 1.15+: -1 */
    int compression_algo;    /* B2A_PG_COMPRESS_*; for < 1.15 derived from the level */
    /* creation time as pg_dump's struct tm (year since 1900, month 0-11), local time of the dumper */
    int tm_sec, tm_min, tm_hour, tm_mday, tm_mon, tm_year, tm_isdst;
    char *dbname;            /* may be NULL */
    char *server_version;    /* "Dumped from database version", may be NULL */
    char *pgdump_version;    /* "Dumped by pg_dump version", may be NULL */
    uint32_t n_toc;
    b2a_pgdump_toc_entry *toc;
    uint32_t n_table_data;   /* entries with desc "TABLE DATA" */
    uint64_t toc_end;        /* byte offset (in toc.dat / the custom file) just after the TOC */
} b2a_pgdump_info;

/* Read header and TOC of a custom file, a pg_dump tar, or a directory
 * (path is the directory). Errors name the file and how far reading got:
 * "x.dump: truncated pg_dump archive: file ends at byte 4711 while reading
 * the owner of TOC entry 12 of 154". On error *out is left empty (freeing
 * it again is harmless); on success free it with b2a__pgdump_free. */
int b2a__pgdump_read(const char *path, b2a_pgdump_info *out, b2a_err *err);
void b2a__pgdump_free(b2a_pgdump_info *info);

/* Called by b2a__pgdump_read: checks the data the TOC points at is there
 * (custom: offsets inside the file and the last block complete; tar: every
 * member complete, the end-of-archive blocks present, every data member
 * named in the TOC present; directory: every data file present). Skipped for
 * gzip-wrapped files. */
int b2a__pgdump_check_data(const char *path, const b2a_pgdump_info *info, int gzip_wrapped,
                           b2a_err *err);

/* Oldest PostgreSQL major whose pg_restore reads the archive:
 * 1.12 and 1.13 -> 9 (the 9.x series; 1.13 needs 9.3.22+, see below),
 * 1.14 -> 12, 1.15 -> 16, 1.16 -> 17; archives older than 1.12 -> 9;
 * -1 for a version newer than this table. */
int b2a__pgdump_min_server_major(const b2a_pgdump_info *info);
/* The same as PG_VERSION_NUM of the first release that reads it:
 * 1.12 -> 90000, 1.13 -> 90322 (10.3, 9.6.8, 9.5.12, 9.4.17 and 9.3.22, all
 * 2018-03-01, CVE-2018-1058), 1.14 -> 120000, 1.15 -> 160000, 1.16 -> 170000. */
int b2a__pgdump_min_server_version_num(const b2a_pgdump_info *info);
/* By version numbers, for callers without an info. */
int b2a__pgdump_archive_min_major(int vmaj, int vmin);
int b2a__pgdump_archive_min_version_num(int vmaj, int vmin);

/* "none", "gzip", "lz4", "zstd". */
const char *b2a__pgdump_compression_name(const b2a_pgdump_info *info);
/* A tar header's octal field (leading spaces skipped), and the sum of the
 * header's 512 bytes with the checksum field counted as spaces, to compare
 * with that field; the TOC reader and the data check both read tar headers. */
unsigned long long b2a__pgdump_tar_octal(const unsigned char *p, size_t n);
unsigned long long b2a__pgdump_tar_sum(const unsigned char *h);

#endif
