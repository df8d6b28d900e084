/* Oracle Database Free holds at most 12 GB of user data (ORA-12954). A job
 * whose dumps are larger is imported in rounds: each round one owner's
 * tables, as many as fit under the limit by the estimate below, imported
 * with a name filter, exported, and dropped (PURGE) when the next round
 * starts. The container pipeline runs the rounds; this file plans them.
 *
 * The estimate: the dump's bytes shared among its tables by their row
 * counts (the direct readers' hints; equal shares when a table has none).
 * Rows of different widths make it rough, and a compressed Data Pump dump
 * holds more than its size; a table that alone exceeds the limit is still
 * tried alone, and ORA-12954 then fails the job naming the table and the
 * limit (oracle.c ora_finish). */
#include "engine/oracle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader/reader.h"
#include "util/str.h"

#define OOM() b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory")

uint64_t b2a__oracle_data_limit(void)
{
    const char *e = getenv("B2A_ORACLE_DATA_LIMIT");
    if (e && *e >= '0' && *e <= '9') {
        char *end;
        unsigned long long v = strtoull(e, &end, 10);
        if (!*end)
            return (uint64_t)v;
    }
    return B2A_ORACLE_FREE_LIMIT;
}

static double gb(uint64_t b)
{
    return (double)b / (double)(1u << 30);
}

/* Appends table t of owner to the last round, or to a new one. */
static int add_to_round(b2a_vendor_job *j, size_t input, const char *owner, const char *t, uint64_t est,
                        uint64_t limit)
{
    b2a_vendor_round *r = j->nrounds ? &j->rounds[j->nrounds - 1] : NULL;
    if (!r || r->input != input || strcmp(r->owner, owner) != 0 || r->estimate + est > limit) {
        b2a_vendor_round *v = realloc(j->rounds, (j->nrounds + 1) * sizeof *v);
        if (!v)
            return B2A_ENOMEM;
        j->rounds = v;
        r = &v[j->nrounds++];
        memset(r, 0, sizeof *r);
        r->input = input;
        if (!(r->owner = b2a__strdup(owner)))
            return B2A_ENOMEM;
    }
    r->estimate += est;
    return b2a__vendor_strv_pushf(&r->tables, &r->ntables, "%s", t) ? B2A_ENOMEM : B2A_OK;
}

/* The rounds of one import: a Data Pump set (inputs idx[0..n)) or one exp file. */
static int plan_input(b2a_vendor_job *j, const size_t *idx, size_t n, uint64_t limit, b2a_err *err)
{
    const b2a_reader_ops *ops = j->inputs[idx[0]].format == B2A_FMT_ORACLE_DATAPUMP ? &b2a__reader_oracle_datapump
                                                                                    : &b2a__reader_oracle_exp;
    const char **paths = calloc(n, sizeof *paths);
    if (!paths)
        return OOM();
    uint64_t size = 0;
    for (size_t k = 0; k < n; k++) {
        paths[k] = j->inputs[idx[k]].path;
        size += j->inputs[idx[k]].size;
    }
    b2a_reader_opts o = {0};
    void *r = NULL;
    b2a_err re;
    int rc = ops->open(paths, n, &o, &r, &re);
    free(paths);
    const char *path = j->inputs[idx[0]].path;
    if (rc != B2A_OK)
        return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_USAGE,
                            "%s: the job's dumps hold about %.1f GB, more than the %.1f GB of user data Oracle "
                            "Database Free holds, so they are imported table by table, and this dump's tables "
                            "cannot be listed without Oracle (%s); use an image without that limit and set "
                            "B2A_ORACLE_DATA_LIMIT=0",
                            path, gb(size), gb(limit), re.msg);
    size_t nt = ops->table_count(r);
    int64_t rows = 0;
    int hinted = nt > 0;
    for (size_t i = 0; i < nt; i++) {
        int64_t c = ops->table(r, i)->row_count;
        hinted = hinted && c >= 0;
        rows += c > 0 ? c : 0;
    }
    for (size_t i = 0; i < nt && rc == B2A_OK; i++) {
        const b2a_table_def *t = ops->table(r, i);
        if (b2a__oracle_maintained_user(t->schema) && !b2a__oracle_remapped_user(t->schema))
            continue; /* SYS: not imported (oracle_owners.c), no round */
        /* plain names without $ and #, which Avro folder names would fold
         * into _: tables of different rounds must not share a folder */
        if (!b2a__oracle_plain_name(t->schema) || !b2a__oracle_plain_name(t->name) || strpbrk(t->name, "$#") ||
            strpbrk(t->schema, "$#")) {
            rc = b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_USAGE,
                              "%s: table %s.%s: the dumps are larger than the %.1f GB of user data Oracle "
                              "Database Free holds and are imported table by table, which is done for names of "
                              "capitals, digits and _ only",
                              path, t->schema, t->name, gb(limit));
            break;
        }
        uint64_t est = hinted && rows > 0 ? (uint64_t)((double)size * (double)(t->row_count > 0 ? t->row_count : 0) /
                                                       (double)rows)
                                          : size / nt;
        if (add_to_round(j, idx[0], t->schema, t->name, est, limit))
            rc = OOM();
    }
    ops->close(r);
    return rc;
}

int b2a__oracle_plan_rounds(b2a_vendor_job *j, uint64_t limit, b2a_err *err)
{
    uint64_t total = 0;
    for (size_t i = 0; i < j->ninputs; i++)
        total += j->inputs[i].size;
    if (!limit || total <= limit)
        return B2A_OK;
    size_t *dp = calloc(j->ninputs ? j->ninputs : 1, sizeof *dp), ndp = 0;
    if (!dp)
        return OOM();
    for (size_t i = 0; i < j->ninputs; i++)
        if (j->inputs[i].format == B2A_FMT_ORACLE_DATAPUMP)
            dp[ndp++] = i;
    int rc = ndp ? plan_input(j, dp, ndp, limit, err) : B2A_OK;
    for (size_t i = 0; i < j->ninputs && rc == B2A_OK; i++)
        if (j->inputs[i].format == B2A_FMT_ORACLE_EXP)
            rc = plan_input(j, &i, 1, limit, err);
    free(dp);
    return rc;
}
