/* Tables owned in a dump by a user the Oracle image maintains (SYSTEM,
 * SYS, ...): imported among Oracle's own objects, and not listed by
 * introspection (ORACLE_MAINTAINED = 'N' only), so the container path does
 * not export them. Remapping them to a stage user is not done; instead the
 * job names them as failed tables (pipeline/container.c), and refuses
 * before any container when they are all the dump holds. The list comes
 * from the direct readers; where they cannot list a dump, it is empty and
 * this check is not made (doc/oracle-container.md). */
#include "engine/oracle.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reader/reader.h"

/* The users Oracle Database 23ai creates with ORACLE_MAINTAINED = 'Y'
 * (Oracle's Database Security Guide, "Predefined user accounts"); written
 * here because the check is made before any container runs. */
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

/* One import's tables (a Data Pump set or one exp file); *total counts them.
 * A dump the readers cannot list adds nothing, and sets *total to SIZE_MAX:
 * what it holds is not known, so nothing is refused. */
static int scan(b2a_vendor_job *j, const size_t *idx, size_t n, size_t *total)
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
        if (b2a__oracle_maintained_user(t->schema) &&
            (b2a__vendor_strv_pushf(&j->unexported, &j->nunexported, "%s", t->schema) ||
             b2a__vendor_strv_pushf(&j->unexported, &j->nunexported, "%s", t->name)))
            rc = B2A_ENOMEM;
    }
    ops->close(r);
    return rc;
}

int b2a__oracle_find_unexported(b2a_vendor_job *j, b2a_err *err)
{
    size_t *dp = calloc(j->ninputs ? j->ninputs : 1, sizeof *dp), ndp = 0, total = 0;
    if (!dp)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    for (size_t i = 0; i < j->ninputs; i++)
        if (j->inputs[i].format == B2A_FMT_ORACLE_DATAPUMP)
            dp[ndp++] = i;
    int rc = ndp ? scan(j, dp, ndp, &total) : B2A_OK;
    for (size_t i = 0; i < j->ninputs && rc == B2A_OK; i++)
        if (j->inputs[i].format == B2A_FMT_ORACLE_EXP)
            rc = scan(j, &i, 1, &total);
    free(dp);
    if (rc != B2A_OK)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    size_t n = j->nunexported / 2;
    if (n && n == total)
        /* nothing would be exported: say so before pulling an image */
        return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_USAGE,
                            "%s: every table the dump holds (%zu, such as %s.%s) is owned by a user the Oracle "
                            "image maintains (%s): " B2A_ORACLE_UNEXPORTED_WHY,
                            j->inputs[0].path, n, j->unexported[0], j->unexported[1], j->unexported[0]);
    return B2A_OK;
}
