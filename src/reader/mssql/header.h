/* What RESTORE HEADERONLY / FILELISTONLY / LABELONLY would report for a
 * SQL Server backup, read from the MTF descriptor blocks (TAPE, SSET, VOLB,
 * MSCI/MQCI) and the boot page. Filled once at open, read-only afterwards,
 * so any thread may read it. Strings are UTF-8, never NULL ("" if unknown). */
#ifndef B2A_READER_MSSQL_HEADER_H
#define B2A_READER_MSSQL_HEADER_H

#include <stddef.h>
#include <stdint.h>

/* RESTORE HEADERONLY's BackupType values. */
enum {
    B2A_BAK_TYPE_UNKNOWN = 0,
    B2A_BAK_TYPE_DATABASE = 1,      /* full */
    B2A_BAK_TYPE_LOG = 2,
    B2A_BAK_TYPE_FILE = 4,
    B2A_BAK_TYPE_DIFFERENTIAL = 5
};

/* A log sequence number: virtual log file, log block, slot. */
typedef struct b2a_lsn {
    uint32_t vlf, block;
    uint16_t slot;
} b2a_lsn;

/* <0, 0, >0 as a is before, equal to, after b. */
int b2a__lsn_cmp(const b2a_lsn *a, const b2a_lsn *b);

/* As HEADERONLY prints it: the three parts as one decimal number
 * ("25000000006200170" for 25:62:170). */
void b2a__lsn_text(const b2a_lsn *l, char out[32]);

/* A GUID as SQL Server prints it, lower case: "3af66134-ad66-494f-...". */
void b2a__bak_guid_text(const uint8_t g[16], char out[37]);

/* One database file, as FILELISTONLY lists it. */
typedef struct b2a_bak_file {
    char *logical_name;     /* "Northwind" */
    char *physical_name;    /* "C:\...\northwnd.mdf" as it was on the server */
    char type;              /* 'D' data, 'L' log */
    uint16_t file_id;       /* the page-id file number (1 = primary data) */
    uint64_t size_bytes;    /* FILELISTONLY Size: the file's size in bytes */
    uint64_t backup_size_bytes; /* BackupSizeInBytes: pages of this file in the backup * 8192 */
} b2a_bak_file;

/* One member of the media set (one .bak file we were given). */
typedef struct b2a_bak_family {
    char *path;                 /* as given to b2a__bak_pages_open */
    uint16_t sequence;          /* FamilySequenceNumber, 1-based */
    int compressed;             /* 1: MSSQLBAK container */
} b2a_bak_family;

typedef struct b2a_bak_header {
    /* HEADERONLY */
    char *database_name;        /* from MQCI, checked against the boot page */
    char *server_name;          /* machine[\instance] that took the backup */
    char *backup_name;          /* SSET name, e.g. "Northwind-Full Database Backup" */
    char *backup_description;
    char *user_name;
    int backup_type;            /* B2A_BAK_TYPE_* */
    int copy_only;              /* SSET attribute 0x2 */
    int compressed;             /* 1 if MSSQLBAK */
    uint16_t database_version;  /* dbi_version: 655 = 2008, 706 = 2012, 782 = 2014, 852 = 2016 ... */
    uint16_t create_version;    /* boot page createVersion (539 = created on SQL 2000), 0 if unknown */
    int software_major;         /* SQL Server major version guessed from database_version (10, 11, ...) */
    char backup_date[20];       /* "YYYY-MM-DD HH:MM:SS" from the SSET write date, "" if unknown */
    uint32_t soft_filemark;     /* MTF soft-filemark block size in bytes (512 or 4096) */
    uint32_t backup_sets;       /* backup sets in the file; only the first is read (FILE = 1) */
    /* HEADERONLY's LSNs, from MQCI's SCIN sub-block [measured, SQL 2005-2014]:
     * FirstLSN +32, LastLSN +42, CheckpointLSN +52, DatabaseBackupLSN +62
     * (of a differential: its DifferentialBaseLSN, the base full's CheckpointLSN). */
    int has_lsns;
    b2a_lsn first_lsn, last_lsn, checkpoint_lsn, database_backup_lsn;
    uint8_t backup_set_guid[16];        /* BackupSetGUID: SSET +100 [measured] */
    uint8_t differential_base_guid[16]; /* SCIN +200 of a differential: its base full's
                                           BackupSetGUID [measured]; zero otherwise */

    /* LABELONLY */
    char media_set_id[37];      /* RAID stream GUID, lower case "xxxxxxxx-xxxx-..." */
    uint16_t family_count;      /* FamilyCount */
    size_t nfamilies;           /* families given = family_count once open succeeded */
    b2a_bak_family *families;   /* sorted by sequence */

    /* FILELISTONLY */
    size_t nfiles;
    b2a_bak_file *files;

    /* Page store facts */
    uint64_t extents;           /* distinct (file, extent) images indexed (8 pages each) */
    uint32_t data_regions;      /* MQDA regions with data, summed over families */
} b2a_bak_header;

#endif
