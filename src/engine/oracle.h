/* Oracle restore planning without a database: the scripts run in the
 * container (readiness probe, Data Pump import through DBMS_DATAPUMP,
 * classic imp), SQL quoting, and parsing of their output. Pure text work,
 * tested without Oracle (tests/engine/test_engine_oracle.c); the facts
 * behind it, with their sources, are in doc/oracle-container.md. */
#ifndef B2A_ENGINE_ORACLE_H
#define B2A_ENGINE_ORACLE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"

/* Who the restore runs as, and the environment variable carrying its
 * password into each exec (never an argv). */
#define B2A_ORACLE_USER "SYSTEM"
#define B2A_ORACLE_PASSWORD_ENV "B2A_ORACLE_PASSWORD"
/* The Data Pump job's client_info while it runs: "b2a:<percent_done>". */
#define B2A_ORACLE_JOB_NAME "B2A_IMPORT"
/* Where Oracle Managed Files puts the tablespaces imp needs (the images'
 * data folder), when DB_CREATE_FILE_DEST is not set. */
#define B2A_ORACLE_OMF_DEST "/opt/oracle/oradata"

extern const b2a_vendor b2a__vendor_oracle;

/* The pluggable database the image opens: XEPDB1 for gvenzl/oracle-xe
 * (18c, 21c), FREEPDB1 for every Database Free image. */
const char *b2a__oracle_service(const char *image);

/* 'text' with ' doubled, as a SQL literal. malloc'd, NULL on OOM. */
char *b2a__oracle_literal(const char *text);

/* The Oracle release a dump was written by (exp "V12.01.00" -> 12, Data
 * Pump "23.00.00.00.00" -> 23), -1 when it does not say. */
int b2a__oracle_dump_major(const char *version);

/* An Oracle name as our scripts may splice it: what an unquoted identifier
 * allows ([A-Z][A-Z0-9_$#]*, at most 128). */
int b2a__oracle_plain_name(const char *name);

/* Oracle Database Free's (and XE's) user data limit, ORA-12954. */
#define B2A_ORACLE_FREE_LIMIT ((uint64_t)12 << 30)
/* The limit the rounds are planned for: B2A_ORACLE_DATA_LIMIT (bytes; 0
 * for none, as with a licensed image) or B2A_ORACLE_FREE_LIMIT. */
uint64_t b2a__oracle_data_limit(void);
/* When the inputs' bytes exceed limit (0: none), fills j->rounds
 * (oracle_rounds.c): each one owner's tables, by the readers' listing,
 * grouped under the limit by an estimate from the row counts. Fails
 * naming the dump when its tables cannot be listed or a name is not plain. */
int b2a__oracle_plan_rounds(b2a_vendor_job *j, uint64_t limit, b2a_err *err);

/* Users the Oracle image maintains (ORACLE_MAINTAINED = 'Y'): 1 if u is one. */
int b2a__oracle_maintained_user(const char *u);
/* 1 if u's tables are imported into a stage user: maintained, but not SYS. */
int b2a__oracle_remapped_user(const char *u);
/* The stage user of a maintained owner: "B2A$SYSTEM". malloc'd. */
#define B2A_ORACLE_STAGE_PREFIX "B2A$"
char *b2a__oracle_stage_name(const char *owner);
/* Where owner's tables are imported: its stage user, or owner itself. */
const char *b2a__oracle_stage_of(const b2a_vendor_job *j, const char *owner);
/* 1 if some owner of input's tables has a stage user. */
int b2a__oracle_input_remapped(const b2a_vendor_job *j, size_t input);
/* The job's remapped schemas as pairs, each name once: (stage, dump
 * owner) with to_dump, for introspection to name tables as the dump does;
 * (dump owner, stage) without, for the queries of the export. */
int b2a__oracle_schema_map(const b2a_vendor_job *j, int to_dump, char ***out, size_t *n);
#define B2A_ORACLE_UNEXPORTED_WHY                                                                                 \
    "owned by SYS, whose objects are Oracle's data dictionary: neither imp nor Data Pump imports them, so the "    \
    "container path does not export them"
/* From the direct readers' list (oracle_owners.c): j->owners with their
 * stage users, j->unexported with the SYS tables; B2A_EUNSUPPORTED when
 * those are every table the dump holds, or a dump owner is named like a
 * stage user. */
int b2a__oracle_find_owners(b2a_vendor_job *j, b2a_err *err);

/* The sh -c scripts, exposed for the tests. Every one starts with the same
 * prelude (sqlplus found, b2a_sql connecting as SYSTEM with the password
 * from B2A_ORACLE_PASSWORD on sqlplus' stdin). malloc'd, NULL on OOM. */
char *b2a__oracle_probe_script(const b2a_vendor_job *j);
/* Data Pump: inputs idx[0..n) are one dump file set, imported by one
 * DBMS_DATAPUMP job (FULL, SEGMENT_ATTRIBUTES dropped); its owners are
 * created first when missing. With a round (only): the tables of that
 * round alone (TABLE mode, SCHEMA_EXPR and NAME_EXPR), after dropping
 * those of the round before (drop, may be NULL). */
char *b2a__oracle_datapump_script(const b2a_vendor_job *j, const size_t *idx, size_t n, const b2a_vendor_round *only,
                                  const b2a_vendor_round *drop);
/* The progress probe of a Data Pump step: prints the job's percent_done. */
char *b2a__oracle_percent_script(const b2a_vendor_job *j);
/* Classic exp: imp FULL=Y of input i (the parfile holding the password
 * is private to the exec and removed when it ends). With a round: FROMUSER,
 * TOUSER and TABLES of that round instead, after dropping drop's tables. */
char *b2a__oracle_imp_script(const b2a_vendor_job *j, size_t i, const char *exporting_user,
                             const b2a_vendor_round *only, const b2a_vendor_round *drop);
/* The progress probe of an imp step: how far any process has read $0. */
extern const char b2a__oracle_fd_probe[];

#endif
