/* Oracle restore planning without a database: the scripts run in the
 * container (readiness probe, Data Pump import through DBMS_DATAPUMP,
 * classic imp), SQL quoting, and parsing of their output. Pure text work,
 * tested without Oracle (tests/engine/test_engine_oracle.c); the facts
 * behind it, with their sources, are in doc/oracle-container.md. */
#ifndef B2A_ENGINE_ORACLE_H
#define B2A_ENGINE_ORACLE_H

#include <stddef.h>

#include "engine/engine.h"

/* Who the restore runs as, and the environment variable carrying its
 * password into each exec (never an argv). */
#define B2A_ORACLE_USER "SYSTEM"
#define B2A_ORACLE_PASSWORD_ENV "B2A_ORACLE_PASSWORD"
/* The Data Pump job's client_info while it runs: "b2a:<percent_done>". */
#define B2A_ORACLE_JOB_NAME "B2A_IMPORT"

extern const b2a_vendor b2a__vendor_oracle;

/* The pluggable database the image opens: XEPDB1 for gvenzl/oracle-xe
 * (18c, 21c), FREEPDB1 for every Database Free image. */
const char *b2a__oracle_service(const char *image);

/* 'text' with ' doubled, as a SQL literal. malloc'd, NULL on OOM. */
char *b2a__oracle_literal(const char *text);

/* The Oracle release a dump was written by (exp "V12.01.00" -> 12, Data
 * Pump "23.00.00.00.00" -> 23), -1 when it does not say. */
int b2a__oracle_dump_major(const char *version);

/* The sh -c scripts, exposed for the tests. Every one starts with the same
 * prelude (sqlplus found, b2a_sql connecting as SYSTEM with the password
 * from B2A_ORACLE_PASSWORD on sqlplus' stdin). malloc'd, NULL on OOM. */
char *b2a__oracle_probe_script(const b2a_vendor_job *j);
/* Data Pump: inputs idx[0..n) are one dump file set, imported by one
 * DBMS_DATAPUMP job (FULL, SEGMENT_ATTRIBUTES dropped); its owners are
 * created first when missing. */
char *b2a__oracle_datapump_script(const b2a_vendor_job *j, const size_t *idx, size_t n);
/* The progress probe of a Data Pump step: prints the job's percent_done. */
char *b2a__oracle_percent_script(const b2a_vendor_job *j);
/* Classic exp: imp FULL=Y of input i (the parfile holding the password
 * is private to the exec and removed when it ends). */
char *b2a__oracle_imp_script(const b2a_vendor_job *j, size_t i, const char *exporting_user);
/* The progress probe of an imp step: how far any process has read $0. */
extern const char b2a__oracle_fd_probe[];

#endif
