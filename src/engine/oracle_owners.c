/* Owners of a dump's tables, and the stage users some are imported into.
 *
 * A table owned in the dump by a user the Oracle image maintains (SYSTEM,
 * OUTLN, MDSYS, ...) cannot be imported under that name: it would land
 * among Oracle's own objects, and introspection lists only users with
 * ORACLE_MAINTAINED = 'N'. Such an owner's tables are imported into a stage
 * user instead (Data Pump METADATA_REMAP REMAP_SCHEMA, imp FROMUSER/TOUSER),
 * named B2A$<owner>: '$' is allowed in an unquoted Oracle name but no
 * maintained user's name starts with B2A$, and a dump holding a user of
 * such a name is refused, so a stage name never meets a dump's own. The
 * container pipeline maps the stage name back to the dump's owner after
 * introspection, so the Job and the Avro output name SYSTEM.T, as the
 * direct readers do.
 *
 * SYS is the exception: its objects are the data dictionary, which neither
 * exp nor Data Pump carries ("The SYS schema cannot be used as a source
 * schema for export jobs", Oracle Utilities), so a SYS table a reader lists
 * fails by name (pipeline/container.c) and is not imported.
 *
 * The list comes from the direct readers; where they cannot list a dump,
 * nothing is known, remapped or refused (doc/oracle-container.md). */
#include "engine/oracle.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reader/reader.h"
#include "util/str.h"

/* The users Oracle Database 23ai creates with ORACLE_MAINTAINED = 'Y'
 * (Oracle's Database Security Guide, "Predefined user accounts"); written
 * here because the check is made before any container runs. The import
 * script checks it against the server's own list (oracle.c). */
static const char *const maintained[] = {
    "ANONYMOUS", "APPQOSSYS", "AUDSYS", "AVTUNE_PKG_USER", "CTXSYS", "DBSFWUSER", "DBSNMP", "DGPDB_INT", "DIP",
    "DVF", "DVSYS", "GGSHAREDCAP", "GGSYS", "GSMADMIN_INTERNAL", "GSMCATUSER", "GSMROOTUSER", "GSMUSER",
    "LBACSYS", "MDDATA", "MDSYS", "OJVMSYS", "OLAPSYS", "ORACLE_OCM", "ORDDATA", "ORDPLUGINS", "ORDSYS", "OUTLN",
    "REMOTE_SCHEDULER_AGENT", "SI_INFORMTN_SCHEMA", "SYS", "SYS$UMF", "SYSBACKUP", "SYSDG", "SYSKM", "SYSRAC",
    "SYSTEM", "VECSYS", "WMSYS", "XDB", "XS$NULL",
};

int b2a__oracle_maintained_user(const char *u)
{
    for (size_t i = 0; u && i < sizeof maintained / sizeof maintained[0]; i++)
        if (!strcmp(u, maintained[i]))
            return 1;
    return 0;
}

int b2a__oracle_remapped_user(const char *u)
{
    return b2a__oracle_maintained_user(u) && strcmp(u, "SYS") != 0;
}

char *b2a__oracle_stage_name(const char *owner)
{
    return b2a__asprintf(B2A_ORACLE_STAGE_PREFIX "%s", owner);
}

const char *b2a__oracle_stage_of(const b2a_vendor_job *j, const char *owner)
{
    for (size_t i = 0; i < j->nowners; i++)
        if (j->owners[i].stage && !strcmp(j->owners[i].owner, owner))
            return j->owners[i].stage;
    return owner;
}

int b2a__oracle_input_remapped(const b2a_vendor_job *j, size_t input)
{
    for (size_t i = 0; i < j->nowners; i++)
        if (j->owners[i].input == input && j->owners[i].stage)
            return 1;
    return 0;
}

int b2a__oracle_schema_map(const b2a_vendor_job *j, int to_dump, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    for (size_t i = 0; i < j->nowners; i++) {
        const b2a_vendor_owner *o = &j->owners[i];
        int seen = 0;
        for (size_t k = 0; o->stage && k < *n; k += 2)
            seen |= !strcmp((*out)[k + (to_dump ? 1 : 0)], o->owner);
        if (!o->stage || seen)
            continue;
        if (b2a__vendor_strv_pushf(out, n, "%s", to_dump ? o->stage : o->owner) ||
            b2a__vendor_strv_pushf(out, n, "%s", to_dump ? o->owner : o->stage)) {
            b2a__strv_free(*out, *n);
            *out = NULL;
            *n = 0;
            return B2A_ENOMEM;
        }
    }
    return B2A_OK;
}

static int add_owner(b2a_vendor_job *j, size_t input, const char *owner)
{
    for (size_t i = 0; i < j->nowners; i++)
        if (j->owners[i].input == input && !strcmp(j->owners[i].owner, owner))
            return B2A_OK;
    b2a_vendor_owner *v = realloc(j->owners, (j->nowners + 1) * sizeof *v);
    if (!v)
        return B2A_ENOMEM;
    j->owners = v;
    b2a_vendor_owner *o = &v[j->nowners];
    o->input = input;
    o->owner = b2a__strdup(owner);
    o->stage = b2a__oracle_remapped_user(owner) ? b2a__oracle_stage_name(owner) : NULL;
    if (!o->owner || (b2a__oracle_remapped_user(owner) && !o->stage)) {
        free(o->owner);
        free(o->stage);
        return B2A_ENOMEM;
    }
    j->nowners++;
    return B2A_OK;
}

/* One import's tables (a Data Pump set or one exp file); *total counts them.
 * A dump the readers cannot list adds nothing, and sets *total to SIZE_MAX:
 * what it holds is not known, so nothing is refused. *clash: a table owner
 * named like a stage user. */
static int scan(b2a_vendor_job *j, const size_t *idx, size_t n, size_t *total, const char **clash)
{
    const b2a_reader_ops *ops = j->inputs[idx[0]].format == B2A_FMT_ORACLE_DATAPUMP ? &b2a__reader_oracle_datapump
                                                                                    : &b2a__reader_oracle_exp;
    const char **paths = calloc(n, sizeof *paths);
    if (!paths)
        return B2A_ENOMEM;
    for (size_t k = 0; k < n; k++)
        paths[k] = j->inputs[idx[k]].path;
    b2a_reader_opts o = {0};
    void *r = NULL;
    b2a_err re;
    int rc = ops->open(paths, n, &o, &r, &re);
    free(paths);
    if (rc != B2A_OK) {
        *total = SIZE_MAX;
        return B2A_OK;
    }
    size_t nt = ops->table_count(r);
    if (*total != SIZE_MAX)
        *total += nt;
    rc = B2A_OK;
    for (size_t i = 0; i < nt && rc == B2A_OK; i++) {
        const b2a_table_def *t = ops->table(r, i);
        if (!strncmp(t->schema, B2A_ORACLE_STAGE_PREFIX, strlen(B2A_ORACLE_STAGE_PREFIX)) &&
            b2a__oracle_remapped_user(t->schema + strlen(B2A_ORACLE_STAGE_PREFIX)) && !*clash)
            *clash = j->inputs[idx[0]].path;
        if (b2a__oracle_maintained_user(t->schema) && !b2a__oracle_remapped_user(t->schema)) {
            if (b2a__vendor_strv_pushf(&j->unexported, &j->nunexported, "%s", t->schema) ||
                b2a__vendor_strv_pushf(&j->unexported, &j->nunexported, "%s", t->name))
                rc = B2A_ENOMEM;
        } else if (add_owner(j, idx[0], t->schema)) {
            rc = B2A_ENOMEM;
        }
    }
    ops->close(r);
    return rc;
}

int b2a__oracle_find_owners(b2a_vendor_job *j, b2a_err *err)
{
    size_t *dp = calloc(j->ninputs ? j->ninputs : 1, sizeof *dp), ndp = 0, total = 0;
    if (!dp)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    for (size_t i = 0; i < j->ninputs; i++)
        if (j->inputs[i].format == B2A_FMT_ORACLE_DATAPUMP)
            dp[ndp++] = i;
    const char *clash = NULL;
    int rc = ndp ? scan(j, dp, ndp, &total, &clash) : B2A_OK;
    for (size_t i = 0; i < j->ninputs && rc == B2A_OK; i++)
        if (j->inputs[i].format == B2A_FMT_ORACLE_EXP)
            rc = scan(j, &i, 1, &total, &clash);
    free(dp);
    if (rc != B2A_OK)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    if (clash)
        /* its tables would be mapped back to the maintained user's name */
        return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_USAGE,
                            "%s: the dump holds tables of a user named " B2A_ORACLE_STAGE_PREFIX "<name> after a "
                            "user the Oracle image maintains, the name bak2avro gives the stage user such tables "
                            "are imported into: not supported by the container path",
                            clash);
    /* imp names every owner of such a dump in its parfile (oracle.c): the
     * names are spliced into a shell script, so only plain ones, and none
     * with #, which starts a comment in imp's parameter file */
    for (size_t i = 0; i < j->nowners; i++) {
        const b2a_vendor_owner *o = &j->owners[i];
        if (j->inputs[o->input].format != B2A_FMT_ORACLE_EXP || !b2a__oracle_input_remapped(j, o->input))
            continue;
        if (!b2a__oracle_plain_name(o->owner))
            return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_USAGE,
                                "%s: the dump holds tables of a user the Oracle image maintains, which imp imports "
                                "with every owner named, and the owner \"%s\" is not a plain name (capitals, "
                                "digits, _, $ and #): not supported by the container path",
                                j->inputs[o->input].path, o->owner);
        if (strchr(o->owner, '#'))
            return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_USAGE,
                                "%s: the dump holds tables of a user the Oracle image maintains, which imp imports "
                                "with every owner named in its parameter file, where the # of the owner \"%s\" "
                                "would start a comment: not supported by the container path",
                                j->inputs[o->input].path, o->owner);
    }
    size_t n = j->nunexported / 2;
    if (n && n == total)
        /* nothing would be exported: say so before pulling an image */
        return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_USAGE,
                            "%s: every table the dump holds (%zu, such as %s.%s) is " B2A_ORACLE_UNEXPORTED_WHY,
                            j->inputs[0].path, n, j->unexported[0], j->unexported[1]);
    return B2A_OK;
}
