/* SQL Server restore planning without a server: the restore chain read from
 * our own parsing of the .bak headers (what RESTORE HEADERONLY, LABELONLY
 * and FILELISTONLY would say), the RESTORE statements for it, T-SQL quoting,
 * and parsing of sqlcmd's output. Pure text work, so all of it is tested
 * here without SQL Server (tests/engine/test_engine_sqlserver.c). */
#ifndef B2A_VENDOR_SQLSERVER_TSQL_H
#define B2A_VENDOR_SQLSERVER_TSQL_H

#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"

/* Where restored database files go (the image's default data directory,
 * owned by the mssql user the server runs as). */
#define B2A_MSSQL_DATA_DIR "/var/opt/mssql/data/"
#define B2A_MSSQL_USER "sa"

/* The vendor (sqlserver.c); vendor.h lists the others. */
extern const b2a_vendor b2a__vendor_sqlserver;

/* T-SQL quoting (malloc'd, NULL on out of memory):
 * [name] with ']' doubled, and N'text' with '\'' doubled. */
char *b2a__tsql_ident(const char *name);
char *b2a__tsql_nstring(const char *text);

/* One logical file of the database and where it is restored to. */
typedef struct b2a_mssql_move {
    char *logical;          /* logical name, as FILELISTONLY lists it */
    char *target;           /* B2A_MSSQL_DATA_DIR "b2a_<basename>" */
    char type;              /* 'D', 'L', 'S' (FILESTREAM), 'F' (full-text) */
} b2a_mssql_move;

/* One backup (one media set: a file, or all stripes of a striped backup):
 * one RESTORE statement. */
typedef struct b2a_mssql_set {
    int backup_type;        /* B2A_BAK_TYPE_DATABASE, _DIFFERENTIAL or _LOG */
    size_t *inputs;         /* input indexes in stripe order (family sequence) */
    size_t ninputs;
    char backup_date[20];
} b2a_mssql_set;

/* A whole restore: the full backup, then at most one differential, then
 * log backups by date. */
typedef struct b2a_mssql_chain {
    char *source_db;        /* the database name in the backup */
    char *database;         /* the name it is restored as (same unless a system name) */
    int software_major;     /* SQL Server major that wrote the full backup (10 = 2008) */
    b2a_mssql_move *moves;
    size_t nmoves;
    b2a_mssql_set *sets;    /* in restore order */
    size_t nsets;
} b2a_mssql_chain;

/* Reads the inputs' headers, groups stripes into media sets and orders the
 * chain. Refuses (naming the file) half a striped set, a chain without its
 * full backup, two full backups, two differentials, backups of different
 * databases, file/filegroup backups, names sqlcmd cannot carry, and a backup
 * newer than the image (image NULL: the vendor's default). */
int b2a__sqlserver_chain_read(const b2a_vendor_input *in, size_t n, const char *image,
                              b2a_mssql_chain *out, b2a_err *err);
void b2a__sqlserver_chain_free(b2a_mssql_chain *c);

/* The RESTORE statement for c->sets[i]; paths[k] is input k's path in the
 * container. NORECOVERY on all but the last set, RECOVERY on the last,
 * MOVE for every logical file on the first, STATS = 1 always. malloc'd. */
char *b2a__sqlserver_restore_sql(const b2a_mssql_chain *c, size_t i, char *const *paths);

/* Everything refusable before a container starts: the licence (the user's
 * explicit --accept-eula) and the whole chain. The pipeline should call
 * this once its inputs are described; setup calls it again. */
int b2a__sqlserver_check_inputs(const b2a_vendor_input *in, size_t n, const char *image,
                                int accept_eula, b2a_err *err);

/* sqlcmd output. "10 percent processed." -> 10, else -1. */
int b2a__sqlserver_line_percent(const char *line, size_t len);
/* "Msg 3201, Level 16, State 2, Server x, Line 1" -> 1 with number and
 * level, else 0. */
int b2a__sqlserver_line_msg(const char *line, size_t len, long *number, int *level);

/* The ODBC connection string for a driver: Microsoft's ODBC Driver 17/18
 * or FreeTDS (by its odbcinst.ini name). malloc'd into *out; holds the
 * password. */
int b2a__sqlserver_connstr_for(const char *driver, const char *host, int port,
                               const char *user, const char *password, const char *dbname,
                               char **out);

#endif
