/* The database catalog read from a backup's pages: boot page, then the
 * system base tables (sysallocunits, sysrowsets, sysschobjs, syscolpars,
 * sysrscols, sysscalartypes, sysclsobjs). Built once, read-only after. */
#ifndef B2A_READER_MSSQL_CATALOG_H
#define B2A_READER_MSSQL_CATALOG_H

#include <stddef.h>
#include <stdint.h>
#include "core/column.h"
#include "core/error.h"
#include "reader/mssql/page.h"
#include "reader/mssql/pagestore.h"
#include "reader/mssql/types.h"

/* One column as a rowset physically stores it (sysrscols). */
typedef struct b2a_mphys {
    uint16_t colid;        /* syscolpars.colid (rscolid & 0xFFFF) */
    int16_t leaf_off;      /* > 0: fixed offset in the record; < 0: variable ordinal -off-1 */
    uint16_t nullbit;      /* 1-based bit in the null bitmap */
    uint16_t bitpos;       /* bit columns: bit within the byte */
    uint32_t ti;           /* physical type info (low byte = type) */
    uint32_t status;
} b2a_mphys;

/* One SQL Server 2005 syshobtcolumns row (its fixed bytes after the 4-byte
 * record header, n of them) as a column layout; -1 if n is too short. */
int b2a__catalog_hbc05_layout(const uint8_t *f, size_t n, uint64_t *hobtid, uint32_t *hbcolid,
                              b2a_mphys *ph);

/* One partition of a table's heap or clustered index. */
typedef struct b2a_mrowset {
    uint64_t rowsetid;
    int idminor;           /* 0 heap, 1 clustered */
    int64_t rcrows;
    int cmprlevel;         /* sysrowsets.cmprlevel: 0 none, 1 ROW, 2 PAGE, 3-4 columnstore */
    b2a_pgid first_iam;    /* of the in-row data allocation unit; page 0 = none */
    size_t nphys;
    b2a_mphys *phys;
} b2a_mrowset;

/* syscolpars.status bits (the sys.columns view's is_sparse and
 * is_column_set; not measured on a sample). */
#define B2A_COLPAR_SPARSE 0x01000000u
#define B2A_COLPAR_COLSET 0x02000000u

/* Per def column flags. */
enum { B2A_MCOL_SPARSE = 1 };

typedef struct b2a_mtable {
    int32_t objid;
    b2a_table_def def;     /* what the reader's API hands out */
    b2a_mtype *types;      /* per def column */
    uint16_t *colids;      /* per def column */
    uint8_t *colflags;     /* per def column: B2A_MCOL_* */
    int colset;            /* has a sparse column set (xml COLUMN_SET), left out of def */
    size_t nrowsets;
    b2a_mrowset *rowsets;
    size_t npk;
    size_t *pk;            /* PRIMARY KEY columns in key order, as def column indexes */
} b2a_mtable;

typedef struct b2a_mcatalog {
    char *dbname;
    uint16_t dbi_version, create_version;
    uint32_t dbi_status;   /* boot page: 0x10 torn-page detection, 0x10000 checksum [measured] */
    size_t ntables;
    b2a_mtable *tables;    /* user tables, sorted by schema then name */
} b2a_mcatalog;

/* Read the catalog. Errors (with err): B2A_EFORMAT when the boot page or
 * a system table is missing or corrupt, B2A_EUNSUPPORTED for catalogs this
 * reader does not know (SQL 2005's, encrypted pages). */
int b2a__catalog_load(b2a_bak_pages *ps, b2a_mcatalog *cat, b2a_err *err);
void b2a__catalog_free(b2a_mcatalog *cat);

/* The physical column of colid in rowset rs, or NULL (computed column). */
const b2a_mphys *b2a__rowset_phys(const b2a_mrowset *rs, uint16_t colid);

#endif
