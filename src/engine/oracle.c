/* Oracle: gvenzl/oracle-free (or Oracle's own database/free image), for
 * the dumps the direct readers cannot serve and on --restore. Data Pump
 * dumps are imported by a DBMS_DATAPUMP job (progress from its
 * percent_done), classic exp dumps by imp in the container (progress from
 * how far imp has read the file).
 *
 * Contract taken from the images' documentation and sources and from
 * Oracle's Utilities and PL/SQL Packages references, not from a live
 * server (none can run where this was written; see doc/oracle-container.md):
 * - gvenzl/oracle-free takes ORACLE_PASSWORD (SYS and SYSTEM), Oracle's
 *   image ORACLE_PWD; we set both. Neither asks for a licence to be
 *   accepted in the environment (Oracle Free Use Terms).
 * - the listener is on 1521 on every interface, with no setting to move it:
 *   only publish mode (127.0.0.1:<port> -> 1521) keeps it off the network;
 * - the pluggable database is FREEPDB1 (XEPDB1 for gvenzl/oracle-xe);
 * - sqlplus, imp (and impdp) are on the image's PATH or in $ORACLE_HOME/bin;
 *   the server runs as user oracle (uid 54321), which must read the dump.
 *
 * Secrets: the password reaches the container in ORACLE_PASSWORD/ORACLE_PWD
 * (create) and B2A_ORACLE_PASSWORD (each exec). Scripts hand it to sqlplus
 * on stdin and to imp in a parfile private to the exec, both written by the
 * shell's builtin printf, so it is in no argv and no log. */
#include "engine/oracle.h"

#include "detect/oradump.h"
#include "odbc/introspect_oracle.h"
#include "util/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OOM() b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory")

/* ---- small facts ---- */

const char *b2a__oracle_service(const char *image)
{
    return image && strstr(image, "oracle-xe") ? "XEPDB1" : "FREEPDB1";
}

char *b2a__oracle_literal(const char *text)
{
    size_t n = 3;
    for (const char *p = text; *p; p++)
        n += *p == '\'' ? 2 : 1;
    char *s = malloc(n), *o = s;
    if (!s)
        return NULL;
    *o++ = '\'';
    for (const char *p = text; *p; p++) {
        if (*p == '\'')
            *o++ = '\'';
        *o++ = *p;
    }
    *o++ = '\'';
    *o = '\0';
    return s;
}

int b2a__oracle_dump_major(const char *version)
{
    if (!version)
        return -1;
    const char *p = version[0] == 'V' ? version + 1 : version;
    if (*p < '0' || *p > '9')
        return -1;
    long v = strtol(p, NULL, 10);
    return v > 0 && v < 1000 ? (int)v : -1;
}

/* An Oracle user name as our scripts may splice it: what an unquoted
 * identifier allows (the owners grep'd in the container obey the same). */
int b2a__oracle_plain_name(const char *u)
{
    if (!u || u[0] < 'A' || u[0] > 'Z' || strlen(u) > 128)
        return 0;
    for (const char *p = u; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '$' || *p == '#'))
            return 0;
    return 1;
}

/* ---- scripts ---- */

/* Every script: sqlplus found; b2a_sql runs stdin as SYSTEM in the PDB,
 * the CONNECT line (with the password) printed by the builtin printf into
 * sqlplus' stdin; b2a_users creates the owners named in $1 that are
 * missing, unable to log in, with room in USERS and, by UNLIMITED
 * TABLESPACE, in the tablespaces imp creates tables in (the dump's own,
 * which b2a_tablespaces makes). */
static const char prelude_fmt[] =
    "command -v sqlplus >/dev/null 2>&1 || PATH=\"${ORACLE_HOME:-/nonexistent}/bin:$PATH\"\n"
    "command -v sqlplus >/dev/null 2>&1 || { echo \"b2a: error: this image has no sqlplus on its PATH "
    "or in \\$ORACLE_HOME/bin\" >&2; exit 127; }\n"
    "b2a_sql() {\n"
    "  { printf 'WHENEVER SQLERROR EXIT FAILURE\\nCONNECT system/%%s@//127.0.0.1:%d/%s\\n' "
    "\"$" B2A_ORACLE_PASSWORD_ENV "\"; cat; } | sqlplus -L -S /nolog\n"
    "}\n"
    "b2a_users() {\n"
    "  [ -n \"$1\" ] || return 0\n"
    "  b2a_sql <<B2A_EOF\n"
    "SET DEFINE OFF\n"
    "SET FEEDBACK OFF\n"
    "DECLARE\n"
    "  PROCEDURE mk(u VARCHAR2) IS\n"
    "    n NUMBER;\n"
    "  BEGIN\n"
    "    SELECT COUNT(*) INTO n FROM dba_users WHERE username = u;\n"
    "    IF n = 0 THEN\n"
    "      EXECUTE IMMEDIATE 'CREATE USER \"' || u || '\" NO AUTHENTICATION DEFAULT TABLESPACE USERS "
    "QUOTA UNLIMITED ON USERS';\n"
    "      EXECUTE IMMEDIATE 'GRANT UNLIMITED TABLESPACE TO \"' || u || '\"';\n"
    "    END IF;\n"
    "  END;\n"
    "BEGIN\n"
    "$(for u in $1; do echo \"  mk('$u');\"; done)\n"
    "  NULL;\n"
    "END;\n"
    "/\n"
    "EXIT\n"
    "B2A_EOF\n"
    "}\n";

static char *prelude(const b2a_vendor_job *j)
{
    return b2a__asprintf(prelude_fmt, j->server_port, b2a__oracle_service(j->image));
}

char *b2a__oracle_probe_script(const b2a_vendor_job *j)
{
    /* Logging in to the PDB as SYSTEM is the readiness that matters: the
     * PDB is open and the password the entrypoint sets is in place (the
     * images' own healthcheck.sh may pass before the latter). */
    char *pre = prelude(j);
    if (!pre)
        return NULL;
    char *s = b2a__asprintf("%s"
                            "out=$(b2a_sql <<'B2A_EOF'\n"
                            "SET HEADING OFF\n"
                            "SET FEEDBACK OFF\n"
                            "SET PAGESIZE 0\n"
                            "SELECT 'B2A' || 'READY' FROM DUAL;\n"
                            "EXIT\n"
                            "B2A_EOF\n"
                            ")\n"
                            "case \"$out\" in *B2AREADY*) exit 0;; esac\n"
                            "printf '%%s\\n' \"$out\" | tail -n 3\n"
                            "exit 1\n",
                            pre);
    free(pre);
    return s;
}

char *b2a__oracle_percent_script(const b2a_vendor_job *j)
{
    char *pre = prelude(j);
    if (!pre)
        return NULL;
    char *s = b2a__asprintf("%s"
                            "b2a_sql <<'B2A_EOF'\n"
                            "SET HEADING OFF\n"
                            "SET FEEDBACK OFF\n"
                            "SET PAGESIZE 0\n"
                            "SELECT NVL(MAX(TO_NUMBER(SUBSTR(client_info, 5))), 0) FROM v$session"
                            " WHERE client_info LIKE 'b2a:%%';\n"
                            "EXIT\n"
                            "B2A_EOF\n",
                            pre);
    free(pre);
    return s;
}

/* The PL/SQL of one Data Pump import, after the example in Oracle's
 * "Data Pump API" chapter: open a FULL import of the file set, drop
 * storage and tablespace clauses (SEGMENT_ATTRIBUTES, so the dump's
 * tablespaces need not exist), start, and follow GET_STATUS to the end,
 * printing its log and error lines and publishing percent_done as
 * client_info for the progress probe. */
static const char dp_head[] =
    "SET DEFINE OFF\n"
    "SET FEEDBACK OFF\n"
    "SET SERVEROUTPUT ON SIZE UNLIMITED FORMAT WRAPPED\n"
    "SET LINESIZE 32767\n"
    "VARIABLE rc NUMBER\n";

static const char dp_decl[] =
    "DECLARE\n"
    "  h NUMBER;\n"
    "  jstate VARCHAR2(30) := 'UNDEFINED';\n"
    "  sts ku$_Status;\n"
    "  pct NUMBER := -1;\n"
    "  PROCEDURE say(le ku$_LogEntry) IS\n"
    "    i NUMBER;\n"
    "  BEGIN\n"
    "    IF le IS NULL THEN RETURN; END IF;\n"
    "    i := le.FIRST;\n"
    "    WHILE i IS NOT NULL LOOP\n"
    "      DBMS_OUTPUT.PUT_LINE(le(i).LogText);\n"
    "      i := le.NEXT(i);\n"
    "    END LOOP;\n"
    "  END;\n"
    "BEGIN\n"
    "  :rc := 1;\n";

static const char dp_tail[] =
    "  DBMS_DATAPUMP.METADATA_TRANSFORM(h, 'SEGMENT_ATTRIBUTES', 0);\n"
    "  DBMS_DATAPUMP.START_JOB(h);\n"
    "  WHILE jstate NOT IN ('COMPLETED', 'STOPPED') LOOP\n"
    "    DBMS_DATAPUMP.GET_STATUS(h, DBMS_DATAPUMP.KU$_STATUS_JOB_ERROR + DBMS_DATAPUMP.KU$_STATUS_JOB_STATUS\n"
    "      + DBMS_DATAPUMP.KU$_STATUS_WIP, -1, jstate, sts);\n"
    "    IF BITAND(sts.mask, DBMS_DATAPUMP.KU$_STATUS_JOB_STATUS) != 0\n"
    "       AND sts.job_status.percent_done != pct THEN\n"
    "      pct := sts.job_status.percent_done;\n"
    "      DBMS_APPLICATION_INFO.SET_CLIENT_INFO('b2a:' || pct);\n"
    "    END IF;\n"
    "    IF BITAND(sts.mask, DBMS_DATAPUMP.KU$_STATUS_WIP) != 0 THEN say(sts.wip); END IF;\n"
    "    IF BITAND(sts.mask, DBMS_DATAPUMP.KU$_STATUS_JOB_ERROR) != 0 THEN say(sts.error); END IF;\n"
    "  END LOOP;\n"
    "  DBMS_OUTPUT.PUT_LINE('b2a: Data Pump job ' || jstate);\n"
    "  DBMS_DATAPUMP.DETACH(h);\n"
    "  IF jstate = 'COMPLETED' THEN :rc := 0; END IF;\n"
    "EXCEPTION WHEN OTHERS THEN\n"
    "  DBMS_OUTPUT.PUT_LINE('b2a: error: ' || SQLERRM);\n"
    "  IF h IS NOT NULL THEN\n"
    "    BEGIN\n"
    "      DBMS_DATAPUMP.GET_STATUS(h, DBMS_DATAPUMP.KU$_STATUS_JOB_ERROR, 0, jstate, sts);\n"
    "      IF BITAND(sts.mask, DBMS_DATAPUMP.KU$_STATUS_JOB_ERROR) != 0 THEN say(sts.error); END IF;\n"
    "    EXCEPTION WHEN OTHERS THEN NULL;\n"
    "    END;\n"
    "  END IF;\n"
    "END;\n"
    "/\n"
    "EXIT :rc\n";

/* A growing string; any failure leaves NULL. */
typedef struct sbuf {
    char *s;
    size_t len;
    int oom;
} sbuf;

static void put(sbuf *b, const char *t)
{
    if (b->oom || !t) {
        b->oom = 1;
        return;
    }
    size_t n = strlen(t);
    char *s = realloc(b->s, b->len + n + 1);
    if (!s) {
        b->oom = 1;
        return;
    }
    memcpy(s + b->len, t, n + 1);
    b->s = s;
    b->len += n;
}

static void put_owned(sbuf *b, char *t)
{
    put(b, t);
    free(t);
}

static char *done(sbuf *b)
{
    if (b->oom) {
        free(b->s);
        return NULL;
    }
    return b->s;
}

/* 'IN (''A'', ''B'')' as a literal of a PL/SQL call: names are plain */
static char *in_list(char *const *names, size_t n)
{
    sbuf b = {0};
    put(&b, "'IN (");
    for (size_t k = 0; k < n; k++)
        put_owned(&b, b2a__asprintf("%s''%s''", k ? ", " : "", names[k]));
    put(&b, ")'");
    return done(&b);
}

/* Before a round: the previous round's tables dropped, PURGE so their space
 * is free for this one (a dropped table in the recycle bin still counts). */
static void put_drop(sbuf *b, const b2a_vendor_job *j, const b2a_vendor_round *drop)
{
    if (!drop || !drop->ntables)
        return;
    put(b, "b2a_sql <<'B2A_EOF' || exit 1\nSET FEEDBACK OFF\nBEGIN\n");
    for (size_t k = 0; k < drop->ntables; k++)
        put_owned(b, b2a__asprintf("  EXECUTE IMMEDIATE 'DROP TABLE \"%s\".\"%s\" CASCADE CONSTRAINTS PURGE';\n",
                                   b2a__oracle_stage_of(j, drop->owner), drop->tables[k]));
    put(b, "END;\n/\nEXIT\nB2A_EOF\n");
}

/* The owners of an input's tables the readers listed, joined by sep: as
 * the dump names them (stage 0), where they are imported (1), only those
 * imported under their own name (2), only the stage users (3). "" when none. */
static char *owner_list(const b2a_vendor_job *j, size_t input, int stage, const char *sep)
{
    sbuf b = {0};
    put(&b, "");
    for (size_t k = 0; k < j->nowners; k++) {
        const b2a_vendor_owner *o = &j->owners[k];
        if (o->input != input || (stage == 2 && o->stage) || (stage == 3 && !o->stage))
            continue;
        if (stage == 2 && !b2a__oracle_plain_name(o->owner))
            continue; /* not a name the image maintains, nor one to splice into SQL */
        put_owned(&b, b2a__asprintf("%s%s", b.len ? sep : "", stage % 2 && o->stage ? o->stage : o->owner));
    }
    return done(&b);
}

/* The server's own list of the users it maintains against ours: a table
 * owner it maintains that ours lacks would be imported among Oracle's own
 * objects and not be exported, so the step fails naming it rather than the
 * job end without its tables. For the owners imported under their own
 * names (owners, a SQL list; nothing when the readers listed none). */
static void put_guard(sbuf *b, const char *owners)
{
    if (!owners || !*owners) {
        put(b, owners ? "" : NULL);
        return;
    }
    put_owned(b, b2a__asprintf(
        "g=$(b2a_sql <<'B2A_EOF'\n"
        "SET HEADING OFF\nSET FEEDBACK OFF\nSET PAGESIZE 0\nSET LINESIZE 400\n"
        "SELECT 'b2a: error: ' || username || ' owns tables in the dump and is a user this image maintains "
        "(ORACLE_MAINTAINED), which the list bak2avro keeps lacks: its tables would not be exported'"
        " FROM dba_users WHERE oracle_maintained = 'Y' AND username IN (%s);\n"
        "EXIT\n"
        "B2A_EOF\n"
        ") || { printf '%%s\\n' \"$g\"; exit 1; }\n"
        "case \"$g\" in *'b2a: error:'*) printf '%%s\\n' \"$g\" | grep 'b2a: error:'; exit 1;; esac\n",
        owners));
}

/* owner_list as 'A', 'B' for put_guard; a round's owner alone */
static char *guard_list(const b2a_vendor_job *j, size_t input, const char *only)
{
    if (only) /* stage_of gives the owner itself back when it has no stage user */
        return b2a__oracle_stage_of(j, only) == only ? b2a__asprintf("'%s'", only) : b2a__strdup("");
    char *l = owner_list(j, input, 2, "', '");
    char *q = l && *l ? b2a__asprintf("'%s'", l) : l ? b2a__strdup("") : NULL;
    free(l);
    return q;
}

char *b2a__oracle_datapump_script(const b2a_vendor_job *j, const size_t *idx, size_t n, const b2a_vendor_round *only,
                                  const b2a_vendor_round *drop)
{
    sbuf b = {0};
    put_owned(&b, prelude(j));
    put_drop(&b, j, drop);
    if (only) {
        /* one owner's tables: that owner only (or its stage user) */
        put_owned(&b, b2a__asprintf("b2a_users '%s' || exit 1\n", b2a__oracle_stage_of(j, only->owner)));
    } else {
        /* Owners from each table segment's STRMTABLE_T XML, which Data Pump
         * writes uncompressed even when the metadata is compressed: a dump made
         * by the schema's own user has no CREATE USER, and its tables would
         * fail with ORA-01918 without them. The stage users of remapped
         * owners too. */
        put(&b, "owners=$(LC_ALL=C grep -a -h -o -E '<OWNER_NAME>[A-Z][A-Z0-9_$#]{0,127}</OWNER_NAME>' "
                "\"$0\" \"$@\" | sed -e 's/<[^>]*>//g' | sort -u)\n");
        char *stages = owner_list(j, idx[0], 3, " ");
        put_owned(&b, stages ? b2a__asprintf("b2a_users \"$owners\"%s%s%s || exit 1\n", *stages ? "' " : "", stages,
                                             *stages ? "'" : "")
                             : NULL);
        free(stages);
    }
    char *guard = guard_list(j, idx[0], only ? only->owner : NULL);
    put_guard(&b, guard);
    free(guard);
    put(&b, "b2a_sql <<'B2A_EOF'\n");
    put(&b, dp_head);
    /* one directory object per folder the set's files are in */
    for (size_t k = 0; k < n; k++)
        put_owned(&b, b2a__asprintf("CREATE OR REPLACE DIRECTORY B2A_IN_%zu AS '" B2A_VENDOR_BACKUP_DIR "/%zu';\n",
                                    idx[k], idx[k]));
    put(&b, dp_decl);
    put(&b, only ? "  h := DBMS_DATAPUMP.OPEN('IMPORT', 'TABLE', NULL, '" B2A_ORACLE_JOB_NAME "');\n"
                 : "  h := DBMS_DATAPUMP.OPEN('IMPORT', 'FULL', NULL, '" B2A_ORACLE_JOB_NAME "');\n");
    for (size_t k = 0; k < n; k++) {
        char *lit = b2a__oracle_literal(b2a__vendor_basename(j->in_paths[idx[k]]));
        put_owned(&b, lit ? b2a__asprintf("  DBMS_DATAPUMP.ADD_FILE(h, %s, 'B2A_IN_%zu');\n", lit, idx[k]) : NULL);
        free(lit);
    }
    if (only) {
        char *names = in_list(only->tables, only->ntables);
        put_owned(&b, b2a__asprintf("  DBMS_DATAPUMP.METADATA_FILTER(h, 'SCHEMA_EXPR', 'IN (''%s'')');\n", only->owner));
        put_owned(&b, names ? b2a__asprintf("  DBMS_DATAPUMP.METADATA_FILTER(h, 'NAME_EXPR', %s);\n", names) : NULL);
        free(names);
    }
    /* tables of users the image maintains: into their stage users (the
     * filters above name the dump's owner, the remap applies after them) */
    for (size_t k = 0; k < j->nowners; k++) {
        const b2a_vendor_owner *o = &j->owners[k];
        if (o->input == idx[0] && o->stage && (!only || !strcmp(o->owner, only->owner)))
            put_owned(&b, b2a__asprintf("  DBMS_DATAPUMP.METADATA_REMAP(h, 'REMAP_SCHEMA', '%s', '%s');\n", o->owner,
                                        o->stage));
    }
    put(&b, dp_tail);
    put(&b, "B2A_EOF\n");
    return done(&b);
}

/* How far any process of the container has read $0 (imp opens the file by
 * name, not on stdin): the largest fdinfo "pos:" of a descriptor on it. */
const char b2a__oracle_fd_probe[] =
    "for f in /proc/[0-9]*/fd/*; do "
    "[ \"$(readlink \"$f\" 2>/dev/null)\" = \"$0\" ] || continue; "
    "p=${f%/fd/*}; sed -n 's/^pos:[[:space:]]*//p' \"$p/fdinfo/${f##*/}\" 2>/dev/null; "
    "done; true";

/* imp has no SEGMENT_ATTRIBUTES transform: a partitioned table, or one with
 * LOB columns, is created in the tablespace its DDL names, which must exist
 * (Oracle Utilities, Original Import, "Reorganizing Tablespaces"). So the
 * tablespaces the dump names are created first when missing, as Oracle
 * Managed Files: DB_CREATE_FILE_DEST set (in memory, for this throw-away
 * database) where none is, so CREATE TABLESPACE needs no DATAFILE clause;
 * set only when one is missing, so imports that create none never touch it. */
static const char imp_fns[] =
    "b2a_tablespaces() {\n"
    "  [ -n \"$1\" ] || return 0\n"
    "  b2a_sql <<B2A_EOF\n"
    "SET DEFINE OFF\n"
    "SET FEEDBACK OFF\n"
    "DECLARE\n"
    "  dest VARCHAR2(512);\n"
    "  PROCEDURE mk(t VARCHAR2) IS\n"
    "    n NUMBER;\n"
    "  BEGIN\n"
    "    SELECT COUNT(*) INTO n FROM dba_tablespaces WHERE tablespace_name = t;\n"
    "    IF n = 0 THEN\n"
    "      SELECT value INTO dest FROM v\\$parameter WHERE name = 'db_create_file_dest';\n"
    "      IF dest IS NULL THEN\n"
    "        EXECUTE IMMEDIATE 'ALTER SYSTEM SET DB_CREATE_FILE_DEST = ''" B2A_ORACLE_OMF_DEST "'' SCOPE = MEMORY';\n"
    "      END IF;\n"
    "      EXECUTE IMMEDIATE 'CREATE TABLESPACE \"' || t || '\"';\n"
    "    END IF;\n"
    "  END;\n"
    "BEGIN\n"
    "$(for t in $1; do echo \"  mk('$t');\"; done)\n"
    "END;\n"
    "/\n"
    "EXIT\n"
    "B2A_EOF\n"
    "}\n";

static char *imp_tail(const b2a_vendor_job *j, sbuf *bp, const char *from, const char *to,
                      const b2a_vendor_round *only);

char *b2a__oracle_imp_script(const b2a_vendor_job *j, size_t i, const char *exporting_user,
                             const b2a_vendor_round *only, const b2a_vendor_round *drop)
{
    sbuf b = {0};
    put_owned(&b, prelude(j));
    put(&b, "command -v imp >/dev/null 2>&1 || { echo \"b2a: error: this image has no imp (classic Import) "
            "on its PATH or in \\$ORACLE_HOME/bin\" >&2; exit 127; }\n");
    put(&b, imp_fns);
    put_drop(&b, j, drop);
    /* One pass over the file for the tablespaces its DDL names and the
     * schemas its CONNECT lines switch to. */
    put(&b, "ddl=$(LC_ALL=C grep -a -o -E '^CONNECT [A-Z][A-Z0-9_$#]{0,127}$|TABLESPACE \"[A-Z][A-Z0-9_$#]{0,127}\"' "
            "\"$0\" | sort -u)\n"
            "b2a_tablespaces \"$(printf '%s\\n' \"$ddl\" | sed -n 's/^TABLESPACE \"\\(.*\\)\"$/\\1/p')\" || exit 1\n");
    char *guard = guard_list(j, i, only ? only->owner : NULL);
    if (only) {
        /* one owner's tables, into that user or its stage user */
        put_owned(&b, b2a__asprintf("b2a_users '%s' || exit 1\n", b2a__oracle_stage_of(j, only->owner)));
        put_guard(&b, guard);
        free(guard);
        return imp_tail(j, &b, only->owner, b2a__oracle_stage_of(j, only->owner), only);
    }
    if (b2a__oracle_input_remapped(j, i)) {
        /* Tables of users the image maintains: FULL=Y cannot remap, so every
         * owner the readers listed is named, FROMUSER to TOUSER, each into
         * its own user or its stage user. */
        char *users = owner_list(j, i, 1, " "), *from = owner_list(j, i, 0, ","), *to = owner_list(j, i, 1, ",");
        put_owned(&b, users ? b2a__asprintf("b2a_users '%s' || exit 1\n", users) : NULL);
        put_guard(&b, guard);
        char *s = from && to ? imp_tail(j, &b, from, to, NULL) : (free(b.s), NULL);
        free(users), free(from), free(to), free(guard);
        return s;
    }
    /* imp FULL=Y puts each schema's objects into the user of that name,
     * which must exist: the exporting user (table and user mode) and every
     * schema a CONNECT line of the dump switches to (full and multi-user mode). */
    put(&b, "owners=$( { ");
    if (b2a__oracle_plain_name(exporting_user))
        put_owned(&b, b2a__asprintf("echo %s; ", exporting_user));
    put(&b, "printf '%s\\n' \"$ddl\" | sed -n 's/^CONNECT //p'; } | sort -u)\n"
            "b2a_users \"$owners\" || exit 1\n");
    put_guard(&b, guard);
    free(guard);
    return imp_tail(j, &b, NULL, NULL, NULL);
}

/* The parfile and imp: FULL=Y, or FROMUSER/TOUSER (and a round's TABLES). */
static char *imp_tail(const b2a_vendor_job *j, sbuf *bp, const char *from, const char *to,
                      const b2a_vendor_round *only)
{
    sbuf b = *bp;
    /* The parfile holds the password: a folder only this exec can read,
     * gone when the script ends however it ends. */
    put_owned(&b, b2a__asprintf(
        "d=$(mktemp -d) || exit 1\n"
        "trap 'rm -rf \"$d\"' EXIT\n"
        "( umask 077; printf 'USERID=system/%%s@//127.0.0.1:%d/%s\\nFILE=\"%%s\"\\n' \"$" B2A_ORACLE_PASSWORD_ENV
        "\" \"$0\" > \"$d/imp.par\" ) || exit 1\n",
        j->server_port, b2a__oracle_service(j->image)));
    if (from) {
        /* several owners are lists: FROMUSER=(A,SYSTEM) TOUSER=(A,B2A$SYSTEM) */
        int many = strchr(from, ',') != NULL;
        put_owned(&b, b2a__asprintf("printf 'FROMUSER=%s%s%s\\nTOUSER=%s%s%s\\n' >> \"$d/imp.par\"\n", many ? "(" : "",
                                    from, many ? ")" : "", many ? "(" : "", to, many ? ")" : ""));
    }
    if (only) {
        put(&b, "printf 'TABLES=(' >> \"$d/imp.par\"\n");
        for (size_t k = 0; k < only->ntables; k++)
            put_owned(&b, b2a__asprintf("printf '%s%s' >> \"$d/imp.par\"\n", k ? "," : "", only->tables[k]));
        put(&b, "printf ')\\n' >> \"$d/imp.par\"\n");
    }
    /* GRANTS=N: grants to roles and users this database lacks; STATISTICS=NONE:
     * nothing of ours reads them; COMMIT=Y with a 10 MB buffer keeps undo small. */
    put_owned(&b, b2a__asprintf("imp PARFILE=\"$d/imp.par\"%s GRANTS=N STATISTICS=NONE COMMIT=Y BUFFER=10485760\n",
                                from ? "" : " FULL=Y"));
    return done(&b);
}

/* ---- the vendor ---- */

static int ora_supports(b2a_format_id f)
{
    return f == B2A_FMT_ORACLE_EXP || f == B2A_FMT_ORACLE_DATAPUMP;
}

static int ora_check_input(const b2a_vendor_input *in, const char *image, b2a_err *err)
{
    if (in->gzip)
        return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_USAGE,
                            "%s: Oracle's imp and Data Pump cannot read a gzip'd dump; decompress it "
                            "first (gzip -dk)", in->path);
    if (in->is_dir)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "%s: a directory, not a dump file", in->path);
    /* the name goes into a parfile and a SQL literal on one line each */
    const char *base = b2a__vendor_basename(in->path);
    for (const char *p = base; *p; p++)
        if (*p == '"' || (unsigned char)*p < 0x20)
            return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_USAGE,
                                "%s: a file name with a double quote or a control character cannot be "
                                "given to imp or Data Pump; rename the file", in->path);
    b2a_oradump_info h;
    int rc = b2a__oradump_read_header(in->path, &h, err);
    if (rc != B2A_OK)
        return rc;
    /* The export needs Oracle's ODBC driver: without it, refuse before an
     * image of several GB is pulled and a database imported for nothing. */
    char driver[256];
    if (b2a__odbc_oracle_driver(driver, sizeof driver) != B2A_OK)
        return b2a__err_set(err, B2A_ENOTFOUND, B2A_ERRCLASS_ODBC,
                            "%s: exporting an Oracle restore needs Oracle's ODBC driver, which is not installed: "
                            "install Oracle Instant Client's Basic and ODBC packages and register the driver "
                            "(odbc_update_ini.sh), or name it in B2A_ORACLE_ODBC_DRIVER", in->path);
    /* A dump imports into the same release or a newer one. */
    int dump_major = b2a__oracle_dump_major(h.version);
    int image_major = b2a__vendor_image_major(image);
    if (dump_major > 0 && image_major > 0 && dump_major > image_major)
        return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_USAGE,
                            "%s: this dump was written by Oracle %d (%s) and cannot be imported into "
                            "Oracle %d (image %s); use a newer image, such as gvenzl/oracle-free:23-faststart",
                            in->path, dump_major, h.version, image_major, image);
    return B2A_OK;
}

static int ora_setup(b2a_vendor_job *j, b2a_err *err)
{
    if (j->network == B2A_NETWORK_HOST)
        return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_USAGE,
                            "Oracle's images listen on port 1521 on every interface and take no setting "
                            "to move it, so host networking would put the database on this machine's "
                            "network: use --network publish (what --network auto picks for Oracle)");
    j->user = strdup(B2A_ORACLE_USER);
    j->dbname = strdup(b2a__oracle_service(j->image));
    if (!j->user || !j->dbname ||
        b2a__vendor_strv_pushf(&j->env, &j->nenv, "ORACLE_PASSWORD=%s", j->password) ||
        b2a__vendor_strv_pushf(&j->env, &j->nenv, "ORACLE_PWD=%s", j->password))
        return OOM();
    /* both images' documentation runs them with a 1 GB /dev/shm */
    j->spec.shm_size = (int64_t)1 << 30;
    /* owners of the dump's tables, and stage users for those the image
     * maintains (oracle_owners.c) */
    int rc = b2a__oracle_find_owners(j, err);
    if (rc != B2A_OK)
        return rc;
    /* more than Free's 12 GB of user data: table by table (oracle_rounds.c) */
    return b2a__oracle_plan_rounds(j, b2a__oracle_data_limit(), err);
}

static int ora_cmd(b2a_vendor_cmd *c, const b2a_vendor_job *j, char *script, const size_t *idx, size_t n)
{
    if (!script)
        return B2A_ENOMEM;
    int rc = b2a__vendor_strv_pushf(&c->argv, &c->argc, "sh") ||
             b2a__vendor_strv_pushf(&c->argv, &c->argc, "-c") ||
             b2a__vendor_strv_push(&c->argv, &c->argc, script);
    /* $0, $1...: the inputs, never spliced into the script */
    for (size_t k = 0; rc == B2A_OK && k < n; k++)
        rc = b2a__vendor_strv_pushf(&c->argv, &c->argc, "%s", j->in_paths[idx[k]]);
    if (rc == B2A_OK && !n)
        rc = b2a__vendor_strv_pushf(&c->argv, &c->argc, "b2a");
    if (rc == B2A_OK)
        rc = b2a__vendor_strv_pushf(&c->env, &c->nenv, B2A_ORACLE_PASSWORD_ENV "=%s", j->password);
    return rc ? B2A_ENOMEM : B2A_OK;
}

static int ora_probe(const b2a_vendor_job *j, b2a_vendor_probe *out, b2a_err *err)
{
    /* faststart images open in about a minute, the others unpack the
     * database first (2-5 minutes, doc/oracle-container.md): allow ten */
    out->tries = 300;
    out->delay_ms = 2000;
    if (ora_cmd(&out->cmd, j, b2a__oracle_probe_script(j), NULL, 0))
        return OOM();
    return B2A_OK;
}

static int ora_connstr(const b2a_vendor_job *j, const char *dbname, char **out, b2a_err *err)
{
    char driver[256];
    if (b2a__odbc_oracle_driver(driver, sizeof driver) != B2A_OK)
        return b2a__err_set(err, B2A_ENOTFOUND, B2A_ERRCLASS_ODBC,
                            "no ODBC driver for Oracle is installed: install Oracle Instant Client's "
                            "Basic and ODBC packages and register the driver (odbc_update_ini.sh), or "
                            "name it in B2A_ORACLE_ODBC_DRIVER");
    if (b2a__oracle_connstr_for(driver, "127.0.0.1", j->host_port, dbname, j->user, j->password, out))
        return OOM();
    return B2A_OK;
}

/* "SCOTT.DEPT, SCOTT.EMP" (the first few), for labels */
static char *round_names(const b2a_vendor_round *r)
{
    sbuf b = {0};
    for (size_t k = 0; k < r->ntables && k < 3; k++)
        put_owned(&b, b2a__asprintf("%s%s.%s", k ? ", " : "", r->owner, r->tables[k]));
    if (r->ntables > 3)
        put_owned(&b, b2a__asprintf(" and %zu more", r->ntables - 3));
    return done(&b);
}

static int ora_plan(const b2a_vendor_job *j, b2a_vendor_plan *p, b2a_err *err)
{
    size_t *dp = calloc(j->ninputs ? j->ninputs : 1, sizeof *dp), ndp = 0;
    if (!dp)
        return OOM();
    for (size_t i = 0; i < j->ninputs; i++)
        if (j->inputs[i].format == B2A_FMT_ORACLE_DATAPUMP)
            dp[ndp++] = i;
    /* in rounds: only this round's input, only its tables */
    const b2a_vendor_round *only = j->nrounds && j->round < j->nrounds ? &j->rounds[j->round] : NULL;
    const b2a_vendor_round *drop = only && j->round > 0 ? &j->rounds[j->round - 1] : NULL;
    char *names = only ? round_names(only) : NULL, *what = NULL;
    if (only && names)
        what = b2a__asprintf(" (round %zu of %zu: %s)", j->round + 1, j->nrounds, names);
    free(names);
    if (only && !what) {
        free(dp);
        return OOM();
    }
    if (only && j->inputs[only->input].format != B2A_FMT_ORACLE_DATAPUMP)
        ndp = 0;
    int rc = B2A_OK;
    /* Data Pump: the inputs are one file set (%U), one job */
    if (ndp) {
        b2a_vendor_step *st = b2a__vendor_plan_add(p);
        rc = B2A_ENOMEM;
        if (st) {
            st->kind = B2A_VENDOR_STEP_RESTORE;
            st->input = dp[0];
            st->progress = B2A_VENDOR_PROGRESS_PERCENT; /* the probe prints percent_done */
            st->total = 100;
            st->probe_ms = 2000;
            st->label = ndp > 1 ? b2a__asprintf("Data Pump import %s (+%zu files)%s",
                                                b2a__vendor_basename(j->inputs[dp[0]].path), ndp - 1, what ? what : "")
                                : b2a__asprintf("Data Pump import %s%s", b2a__vendor_basename(j->inputs[dp[0]].path),
                                                what ? what : "");
            if (st->label &&
                ora_cmd(&st->cmd, j, b2a__oracle_datapump_script(j, dp, ndp, only, drop), dp, ndp) == B2A_OK &&
                ora_cmd(&st->probe, j, b2a__oracle_percent_script(j), NULL, 0) == B2A_OK)
                rc = B2A_OK;
        }
    }
    for (size_t i = 0; i < j->ninputs && rc == B2A_OK; i++) {
        if (j->inputs[i].format != B2A_FMT_ORACLE_EXP || (only && only->input != i))
            continue;
        b2a_oradump_info h;
        if ((rc = b2a__oradump_read_header(j->inputs[i].path, &h, err)) != B2A_OK)
            break;
        b2a_vendor_step *st = b2a__vendor_plan_add(p);
        rc = B2A_ENOMEM;
        if (!st)
            break;
        st->kind = B2A_VENDOR_STEP_RESTORE;
        st->input = i;
        st->progress = B2A_VENDOR_PROGRESS_BYTES;
        st->total = j->inputs[i].size;
        st->probe_ms = 1000;
        st->label = b2a__asprintf("imp %s%s", b2a__vendor_basename(j->inputs[i].path), what ? what : "");
        if (st->label && ora_cmd(&st->cmd, j, b2a__oracle_imp_script(j, i, h.user, only, drop), &i, 1) == B2A_OK &&
            b2a__vendor_sh(&st->probe, b2a__oracle_fd_probe, j->in_paths[i]) == B2A_OK)
            rc = B2A_OK;
    }
    free(what);
    free(dp);
    if (rc == B2A_ENOMEM)
        return OOM();
    return rc;
}

/* ---- output ---- */

enum {
    V_NONE = 0,
    V_CAUSE = 1,       /* the lines after the first error explain it */
    V_SKIP = 2,        /* the lines after a harmless error explain that one */
    V_IMP_STMT1 = 3,   /* the line after IMP-00017 is the statement that failed (first error) */
    V_IMP_STMT2 = 4,   /* the same for a later error */
    V_DONE_DP = 0x10,  /* "b2a: Data Pump job COMPLETED" seen */
    V_DONE_IMP = 0x20  /* "Import terminated successfully" seen */
};
#define VSTATE(r) ((r)->vstate & 0x0f)
#define SET_VSTATE(r, v) ((r)->vstate = ((r)->vstate & ~0x0f) | (v))

static int starts(const char *line, size_t len, const char *p)
{
    size_t n = strlen(p);
    return len >= n && !memcmp(line, p, n);
}

static int has(const char *line, size_t len, const char *p)
{
    size_t n = strlen(p);
    for (size_t i = 0; i + n <= len; i++)
        if (!memcmp(line + i, p, n))
            return 1;
    return 0;
}

/* "ORA-01918: ..." -> 1918, else -1 */
static long ora_code(const char *line, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    if (len < n + 6 || memcmp(line, prefix, n))
        return -1;
    long v = 0;
    for (size_t i = n; i < n + 5; i++) {
        if (line[i] < '0' || line[i] > '9')
            return -1;
        v = v * 10 + (line[i] - '0');
    }
    return line[n + 5] == ':' || line[n + 5] == ' ' ? v : -1;
}

static void append(b2a_vendor_run *r, const char *sep, const char *line, size_t len)
{
    char tmp[sizeof r->first_error];
    size_t used = strlen(r->first_error), cap = sizeof tmp - 1;
    memcpy(tmp, r->first_error, used);
    for (const char *p = used ? sep : ""; *p && used < cap; p++)
        tmp[used++] = *p;
    size_t n = len < cap - used ? len : cap - used;
    memcpy(tmp + used, line, n);
    tmp[used + n] = '\0';
    b2a__vendor_redact(r->job, tmp, r->first_error, sizeof r->first_error);
}

static void fatal(b2a_vendor_run *r, const char *line, size_t len)
{
    if (!r->errors++) {
        append(r, "", line, len);
        SET_VSTATE(r, V_CAUSE);
    } else {
        SET_VSTATE(r, V_SKIP);
    }
}

/* has_cause: the lines that follow explain this error (ORA-39083's cause,
 * IMP-00017's statement and error), and are skipped with it */
static void harmless(b2a_vendor_run *r, const char *line, size_t len, int has_cause)
{
    if (!r->ignored++) {
        char tmp[sizeof r->first_ignored];
        snprintf(tmp, sizeof tmp, "%.*s", (int)len, line);
        b2a__vendor_redact(r->job, tmp, r->first_ignored, sizeof r->first_ignored);
    }
    SET_VSTATE(r, has_cause ? V_SKIP : V_NONE);
}

/* Data Pump errors that leave every table and its rows in place: an object
 * that exists already (the owners we created), PL/SQL compiled with
 * warnings, objects of SYS or common users a PDB refuses. ORA-39083 is
 * harmless unless the object is a table. Anything else fails the step:
 * a table not created (ORA-39083 TABLE), rows not loaded (ORA-31693),
 * the 12 GB limit (ORA-12954), a file it cannot read (ORA-39000/31640). */
static int dp_harmless(long code, const char *line, size_t len)
{
    if (code == 39083)
        return !has(line, len, "Object type TABLE:");
    return code == 31684 || code == 39082 || code == 31685 || code == 65096 || code == 1917 || code == 1919 ||
           code == 1920 || code == 1921 || code == 39111;
}

static void ora_line(b2a_vendor_run *r, int stream, const char *line, size_t len)
{
    (void)stream;
    if (starts(line, len, "b2a: Data Pump job COMPLETED")) {
        r->vstate |= V_DONE_DP;
        SET_VSTATE(r, V_NONE);
        return;
    }
    if (starts(line, len, "Import terminated successfully")) {
        r->vstate |= V_DONE_IMP;
        SET_VSTATE(r, V_NONE);
        return;
    }
    if (VSTATE(r) == V_IMP_STMT1 || VSTATE(r) == V_IMP_STMT2) {
        /* the statement imp could not run: a table missing is fatal */
        int first = VSTATE(r) == V_IMP_STMT1;
        if (has(line, len, "CREATE TABLE") || has(line, len, "INSERT INTO")) {
            if (first)
                append(r, "", line, len); /* it starts with a space */
            SET_VSTATE(r, first ? V_CAUSE : V_SKIP);
        } else {
            /* not a table (a grant, an index, a view...): take back the error counted for it */
            r->errors--;
            if (first)
                r->first_error[0] = '\0';
            harmless(r, line, len, 1);
        }
        return;
    }
    long code = ora_code(line, len, "ORA-");
    long imp = ora_code(line, len, "IMP-");
    if (code >= 0 || imp == 3 || starts(line, len, "Linux-x86_64 Error")) {
        /* the cause of the error just seen */
        if (VSTATE(r) == V_CAUSE) {
            append(r, " / ", line, len);
            return;
        }
        if (VSTATE(r) == V_SKIP)
            return;
    }
    if (code == 6512) /* a PL/SQL stack line of an error already seen */
        return;
    if (code >= 0) {
        if (dp_harmless(code, line, len))
            harmless(r, line, len, code == 39083);
        else
            fatal(r, line, len);
        return;
    }
    if (imp >= 0) {
        if (imp == 17) { /* "following statement failed with ORACLE error N:" */
            int first = !r->errors++;
            if (first)
                append(r, "", line, len);
            SET_VSTATE(r, first ? V_IMP_STMT1 : V_IMP_STMT2);
        } else if (imp == 41 || imp == 15 || imp == 61) {
            harmless(r, line, len, 0); /* compiled with warnings; object (user) exists; object exists, skipped */
        } else {
            fatal(r, line, len); /* rows rejected (19), partial import rolled back (28), terminated (0)... */
        }
        return;
    }
    if (starts(line, len, "b2a: error:") || starts(line, len, "SP2-")) {
        fatal(r, line, len);
        return;
    }
    /* a blank or informational line ends an error's explanation */
    if (!len || line[0] != ' ')
        SET_VSTATE(r, V_NONE);
}

static int ora_finish(b2a_vendor_run *r, int exit_code, b2a_err *err)
{
    const char *path = r->job->inputs[r->step->input].path;
    int is_imp = !strncmp(r->step->label, "imp ", 4);
    if (r->errors) {
        const char *hint = "";
        if (strstr(r->first_error, "ORA-12954") && r->job->nrounds && r->job->round < r->job->nrounds) {
            /* the round's tables alone are over the limit */
            const b2a_vendor_round *rd = &r->job->rounds[r->job->round];
            return b2a__err_set(err, B2A_ERESTORE, B2A_ERRCLASS_RESTORE,
                                "%s: %s failed: %s; Oracle Database Free holds at most 12 GB of user data, and "
                                "%s.%s%s, estimated at %.1f GB, %s over it alone: such a table cannot be imported "
                                "into this image (use one without the limit and set B2A_ORACLE_DATA_LIMIT=0)",
                                path, r->step->label, r->first_error, rd->owner, rd->tables[0],
                                rd->ntables > 1 ? " and the tables with it" : "", (double)rd->estimate / (1u << 30),
                                rd->ntables > 1 ? "are" : "is");
        }
        if (strstr(r->first_error, "ORA-12954"))
            hint = "; Oracle Database Free holds at most 12 GB of user data: dumps larger than that are "
                   "imported table by table, but these are smaller (a compressed Data Pump dump holds more "
                   "than its size)";
        else if (strstr(r->first_error, "Error: 13: Permission denied") || strstr(r->first_error, "ORA-31640"))
            hint = "; the database runs as user oracle (uid 54321) in the container: make the dump "
                   "readable by others (chmod o+r) and its directory searchable";
        return b2a__err_set(err, B2A_ERESTORE, B2A_ERRCLASS_RESTORE, "%s: %s failed: %s (%u error%s, %u harmless "
                            "ignored, exit %d)%s", path, r->step->label, r->first_error, r->errors,
                            r->errors == 1 ? "" : "s", r->ignored, exit_code, hint);
    }
    /* imp may exit non-zero for warnings; its closing line says how it ended */
    int completed = is_imp ? (r->vstate & V_DONE_IMP) != 0 : (r->vstate & V_DONE_DP) != 0;
    if (!completed || (exit_code != 0 && !is_imp))
        return b2a__err_set(err, B2A_ERESTORE, B2A_ERRCLASS_RESTORE,
                            "%s: %s did not complete (exit code %d): %s", path, r->step->label, exit_code,
                            r->last_line[0] ? r->last_line : "no output");
    return B2A_OK;
}

const b2a_vendor b2a__vendor_oracle = {
    .name = "oracle",
    .id = B2A_VENDOR_ORACLE,
    .default_image = "gvenzl/oracle-free:23-faststart",
    .default_port = 1521,
    .odbc_driver = "Oracle 23 ODBC driver",
    .publish_only = 1,
    .supports = ora_supports,
    .check_input = ora_check_input,
    .setup = ora_setup,
    .probe = ora_probe,
    .connstr = ora_connstr,
    .plan = ora_plan,
    .line = ora_line,
    .finish = ora_finish,
};
