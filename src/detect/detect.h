/* Format detection: which vendor wrote a backup and in which container
 * format, told by magic bytes only (file names lie; see samples/README.md). */
#ifndef B2A_DETECT_DETECT_H
#define B2A_DETECT_DETECT_H

#include <stdint.h>
#include <stdio.h>
#include <zlib.h>

#include "core/error.h"

typedef enum b2a_vendor_id {
    B2A_VENDOR_UNKNOWN = 0,
    B2A_VENDOR_POSTGRESQL = 1,
    B2A_VENDOR_MYSQL = 2,
    B2A_VENDOR_SQLSERVER = 3,
    B2A_VENDOR_ORACLE = 4
} b2a_vendor_id;

typedef enum b2a_format_id {
    B2A_FMT_UNKNOWN = 0,
    B2A_FMT_PG_CUSTOM = 1,       /* pg_dump -Fc: "PGDMP" */
    B2A_FMT_PG_TAR = 2,          /* pg_dump -Ft: ustar whose first member is toc.dat */
    B2A_FMT_PG_DIRECTORY = 3,    /* pg_dump -Fd: a directory holding toc.dat */
    B2A_FMT_PG_PLAIN = 4,        /* pg_dump -Fp: "-- PostgreSQL database dump" */
    B2A_FMT_PG_DUMPALL = 5,      /* pg_dumpall: "-- PostgreSQL database cluster dump" */
    B2A_FMT_MYSQLDUMP = 6,       /* "-- MySQL dump" header */
    B2A_FMT_MARIADB_DUMP = 7,    /* "-- MariaDB dump" header */
    B2A_FMT_MYSQL_SQL = 8,       /* hand-written MySQL script (backticks, ENGINE=, SET @OLD_...) */
    B2A_FMT_MSSQL_MTF = 9,       /* BACKUP DATABASE, Microsoft Tape Format: "TAPE" */
    B2A_FMT_MSSQL_COMPRESSED = 10, /* BACKUP ... WITH COMPRESSION: "MSSQLBAK" */
    B2A_FMT_ORACLE_EXP = 11,     /* classic exp: "EXPORT:Vxx.xx.xx" at byte 3 */
    B2A_FMT_ORACLE_DATAPUMP = 12 /* expdp */
} b2a_format_id;

typedef struct b2a_detected {
    b2a_vendor_id vendor;
    b2a_format_id format;
    int gzip;            /* 1: the file is a gzip stream and the format was found inside */
    int is_dir;          /* 1: path is a directory (pg_dump -Fd) */
    uint64_t size;       /* bytes on disk (a directory: sum of its regular files) */
    char version[64];    /* what the head tells cheaply, "" if nothing: archive version
                            "1.14.0" (pg custom/tar/directory), pg_dump version "17.0"
                            (pg plain, pg_dumpall when in the first 16 KiB), server version "8.0.36" (mysqldump header),
                            "V12.01.00" (exp), DB version "12.01.00.02.00" (Data Pump) */
} b2a_detected;

/* Detect the format of a file or directory. B2A_EFORMAT with
 * "PATH: not a backup this tool knows (first bytes: ..)" when nothing matches,
 * B2A_ENOTFOUND / B2A_EIO when it cannot be read. */
int b2a__detect(const char *path, b2a_detected *out, b2a_err *err);

/* Open a file detection has looked at, for reading it: only a regular
 * file, checked with stat before open and opened O_NONBLOCK, so a FIFO or
 * device put at path since can never block the read. B2A_ENOTFOUND or
 * B2A_EIO "PATH: cannot open: ...", B2A_EFORMAT "PATH: is a FIFO ...". */
int b2a__detect_open(const char *path, int *fd_out, b2a_err *err);
/* The same as a zlib stream (gzip'd or plain) or a stdio stream. */
int b2a__detect_gzopen(const char *path, gzFile *out, b2a_err *err);
int b2a__detect_fopen(const char *path, FILE **out, b2a_err *err);

/* Same on bytes already in memory (the head of a file; name is used in messages only). */
int b2a__detect_buf(const char *name, const unsigned char *buf, size_t len, b2a_detected *out,
                    b2a_err *err);

/* "postgresql", "mysql", "sqlserver", "oracle", "unknown". */
const char *b2a__detect_vendor_name(b2a_vendor_id v);
/* Human name: "pg_dump custom", "pg_dumpall plain text", "SQL Server MTF"... */
const char *b2a__detect_format_name(b2a_format_id f);
/* Stable short id for JSON and logs: "pg_custom", "pg_dumpall", "mssql_mtf"... */
const char *b2a__detect_format_key(b2a_format_id f);

/* 1 when the format is a text script (PostgreSQL plain, pg_dumpall, MySQL). */
int b2a__detect_is_text(b2a_format_id f);

#endif
