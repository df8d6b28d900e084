/* Oracle dump file headers: classic exp and Data Pump (layout notes in
 * docs/oracle-dump-format.md, section 2). Only the first blocks are read. */
#ifndef B2A_DETECT_ORADUMP_H
#define B2A_DETECT_ORADUMP_H

#include <stdint.h>

#include "core/error.h"

typedef struct b2a_oradump_info {
    int datapump;             /* 0 classic exp, 1 Data Pump */
    char version[32];         /* exp: "V12.01.00"; Data Pump: DB version "12.01.00.02.00" */
    /* classic exp */
    char user[64];            /* exporting user ("ALPHA"), from the D/U line */
    char mode[16];            /* "USERS" (OWNER=), "TABLES", "ENTIRE" (FULL=) */
    uint32_t record_length;   /* header block size: 2048, 8192... */
    int client_charset_id;    /* export client NLS charset */
    int db_charset_id;        /* 0 when unknown */
    int nchar_charset_id;
    /* Data Pump */
    int file_version;         /* big-endian u16 at 0: 0x0401 = 12.1 */
    uint32_t block_size;
    uint32_t file_number;     /* u32 at 0x1f: 1, or N for the N-th file of a %U set */
    char job_name[128];       /* "SYS"."SYS_EXPORT_SCHEMA_01" */
    char platform[64];        /* "x86_64/Linux 2.4.xx" */
    char charset[32];         /* Data Pump: its charset name; exp: name of db_charset_id */
} b2a_oradump_info;

int b2a__oradump_read_header(const char *path, b2a_oradump_info *out, b2a_err *err);

/* Tables of a dump file, found without a database.
 * Classic exp: from its plain-text statements, one entry per
 * `INSERT INTO "T"` (the statement before each table's rows), owner from the
 * last `CONNECT` line or the exporting user.
 * Data Pump: from the STRMTABLE_T XML that starts each uncompressed data
 * segment (its first OWNER_NAME/NAME); SYS segments (the job's master table,
 * exported statistics) are counted apart. Segments written with
 * COMPRESSION=ALL or ENCRYPTION show no XML and are not found.
 * Partitions count as data segments of one table. At most max_bytes are
 * scanned (0 = all); complete says whether the scan reached the end of the
 * file (whether that is the end of the dump is b2a__oradump_check_end's). Free
 * with b2a__oradump_tables_free. */
typedef struct b2a_oradump_tables {
    uint32_t n_tables;
    char **tables;            /* "ALPHA.ADDRESSES" */
    uint32_t n_segments;      /* data segments: tables plus extra partitions */
    uint32_t n_system;        /* Data Pump segments owned by SYS, not listed */
    int complete;
} b2a_oradump_tables;

int b2a__oradump_tables(const char *path, const b2a_oradump_info *hdr, uint64_t max_bytes,
                            b2a_oradump_tables *out, b2a_err *err);
void b2a__oradump_tables_free(b2a_oradump_tables *t);

/* Whether the dump was written to its end and is all here: exp's closing
 * EXIT records; Data Pump's master table where its header puts it, whole.
 * B2A_EFORMAT with a message naming the file and what is missing if not.
 * Reads only the ends of the file, so it is cheap on huge dumps. */
int b2a__oradump_check_end(const char *path, const b2a_oradump_info *hdr, b2a_err *err);

/* Oracle NLS character set name for an id seen in dump headers, NULL if not in our table. */
const char *b2a__oradump_charset_name(int id);

#endif
