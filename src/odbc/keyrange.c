/* Key ranges: the unit of parallel work on one table. Integer keys are cut
 * evenly between min and max (two index lookups); other orderable keys by
 * ntile quantiles (one sort), or on servers without window functions by the
 * keys at every n-th of the sorted keys (one ordered walk each). Open-ended
 * first and last ranges make the set cover every row exactly once, even
 * rows outside the sampled min/max. */
#include "odbc/odbc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"

#define OOM() b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory")

void b2a__odbc_keyranges_free(b2a_keyrange *r, size_t n)
{
    for (size_t i = 0; r && i < n; i++) {
        free(r[i].lo);
        free(r[i].hi);
    }
    free(r);
}

static const b2a_column *find_col(const b2a_table_def *t, const char *name)
{
    for (size_t i = 0; i < t->ncolumns; i++)
        if (!strcmp(t->columns[i].name, name))
            return &t->columns[i];
    return NULL;
}

/* ranges from boundaries b[0..nb-1] (strictly increasing, owned by caller) */
static int make_ranges(char **b, size_t nb, b2a_keyrange **out, size_t *nout)
{
    b2a_keyrange *r = calloc(nb + 1, sizeof(*r));
    if (!r)
        return B2A_ENOMEM;
    for (size_t i = 0; i <= nb; i++) {
        r[i].lo = i > 0 ? b2a__strdup(b[i - 1]) : NULL;
        r[i].hi = i < nb ? b2a__strdup(b[i]) : NULL;
        if ((i > 0 && !r[i].lo) || (i < nb && !r[i].hi)) {
            b2a__odbc_keyranges_free(r, nb + 1);
            return B2A_ENOMEM;
        }
    }
    *out = r;
    *nout = nb + 1;
    return B2A_OK;
}

static int split_integer(b2a_odbc_conn *c, const char *qt, const char *qk, int n, char ***bounds,
                         size_t *nb, b2a_err *err)
{
    char *sql = b2a__asprintf("SELECT min(%s), max(%s) FROM %s", qk, qk, qt);
    if (!sql)
        return OOM();
    b2a_odbc_result r;
    int rc = b2a__odbc_query(c, sql, &r, err);
    free(sql);
    if (rc)
        return rc;
    const char *smin = b2a__odbc_cell(&r, 0, 0), *smax = b2a__odbc_cell(&r, 0, 1);
    *bounds = NULL;
    *nb = 0;
    if (smin && smax) {
        long long lo = strtoll(smin, NULL, 10), hi = strtoll(smax, NULL, 10);
        /* span in 128 bits: min and max may be the extremes of int64 */
        __int128 span = (__int128)hi - lo + 1;
        __int128 step = (span + n - 1) / n;
        if (step < 1)
            step = 1;
        char **b = calloc((size_t)n, sizeof(*b));
        if (!b) {
            b2a__odbc_result_clear(&r);
            return OOM();
        }
        for (int i = 1; i < n; i++) {
            __int128 v = (__int128)lo + step * i;
            if (v > hi)
                break;
            b[*nb] = b2a__asprintf("%lld", (long long)v);
            if (!b[*nb]) {
                b2a__strv_free(b, *nb);
                b2a__odbc_result_clear(&r);
                return OOM();
            }
            (*nb)++;
        }
        *bounds = b;
    }
    b2a__odbc_result_clear(&r);
    return B2A_OK;
}

static int split_quantiles(b2a_odbc_conn *c, b2a_odbc_vendor v, const char *qt, const char *qk, int n,
                           char ***bounds, size_t *nb, b2a_err *err)
{
    char *sql = v == B2A_ODBC_POSTGRES
        ? b2a__asprintf("SELECT min(k)::text FROM (SELECT %s AS k, ntile(%d) OVER (ORDER BY %s) AS b"
                        " FROM %s) s GROUP BY b ORDER BY b", qk, n, qk, qt)
        : b2a__asprintf("SELECT CAST(min(k) AS CHAR) FROM (SELECT %s AS k, ntile(%d) OVER (ORDER BY %s) AS b"
                        " FROM %s) s GROUP BY b ORDER BY b", qk, n, qk, qt);
    if (!sql)
        return OOM();
    b2a_odbc_result r;
    int rc = b2a__odbc_query(c, sql, &r, err);
    free(sql);
    if (rc)
        return rc;
    char **b = calloc(r.nrows ? r.nrows : 1, sizeof(*b));
    *nb = 0;
    if (!b) {
        b2a__odbc_result_clear(&r);
        return OOM();
    }
    /* the first bucket's minimum is the open lower end; equal minima
     * (duplicate keys) would make empty ranges */
    for (size_t i = 1; i < r.nrows; i++) {
        const char *x = b2a__odbc_cell(&r, i, 0);
        if (!x || (*nb > 0 && !strcmp(b[*nb - 1], x)) || !strcmp(x, b2a__odbc_cell(&r, 0, 0) ? b2a__odbc_cell(&r, 0, 0) : ""))
            continue;
        if (!(b[(*nb)++] = b2a__strdup(x))) {
            b2a__strv_free(b, *nb);
            b2a__odbc_result_clear(&r);
            return OOM();
        }
    }
    *bounds = b;
    b2a__odbc_result_clear(&r);
    return B2A_OK;
}

int b2a__odbc_mysql_has_window_functions(const char *version)
{
    unsigned major = 0, minor = 0;
    int maria = version && strstr(version, "MariaDB") != NULL;
    if (maria && !strncmp(version, "5.5.5-", 6))
        version += 6;   /* the prefix MariaDB's handshake puts before its own version */
    if (!version || sscanf(version, "%u.%u", &major, &minor) != 2)
        return 1;       /* unreadable: ntile is tried and the server's error tells */
    return maria ? major > 10 || (major == 10 && minor >= 2) : major >= 8;
}

/* A MySQL or MariaDB server without window functions, or
 * B2A_SPLIT_NO_WINDOW_FUNCTIONS=1 (to plan as on one, on any server). */
static int no_window_functions(b2a_odbc_conn *c, int *none, b2a_err *err)
{
    const char *force = getenv("B2A_SPLIT_NO_WINDOW_FUNCTIONS");
    *none = force && !strcmp(force, "1");
    if (*none)
        return B2A_OK;
    b2a_odbc_result r;
    int rc = b2a__odbc_query(c, "SELECT VERSION()", &r, err);
    if (rc)
        return rc;
    *none = !b2a__odbc_mysql_has_window_functions(b2a__odbc_cell(&r, 0, 0));
    b2a__odbc_result_clear(&r);
    return B2A_OK;
}

/* A one-row, one-column query's cell, malloc'd; NULL for no row or NULL. */
static int query_value(b2a_odbc_conn *c, char *sql, char **out, b2a_err *err)
{
    *out = NULL;
    if (!sql)
        return OOM();
    b2a_odbc_result r;
    int rc = b2a__odbc_query(c, sql, &r, err);
    free(sql);
    if (rc)
        return rc;
    const char *x = r.nrows ? b2a__odbc_cell(&r, 0, 0) : NULL;
    if (x && !(*out = b2a__strdup(x)))
        rc = OOM();
    b2a__odbc_result_clear(&r);
    return rc;
}

/* ntile's quantiles without window functions (MySQL 5.7, MariaDB 10.1): the
 * non-NULL key at offsets i * count / n of the sorted keys, one ORDER BY ...
 * LIMIT 1 OFFSET query each (NULL keys get a range of their own anyway).
 * The queries see no common snapshot: rows written between them can shift
 * the offsets, so each key is taken only when the server, in the key's own
 * order and collation, finds it strictly above the previous bound; one that
 * is not is dropped, so ranges never overlap and no row comes twice. */
static int split_offsets(b2a_odbc_conn *c, b2a_odbc_vendor v, b2a_vtype vt, const char *qt, const char *qk, int n,
                         char ***bounds, size_t *nb, b2a_err *err)
{
    *bounds = NULL;
    *nb = 0;
    char *count = NULL, *first = NULL;
    int rc = query_value(c, b2a__asprintf("SELECT COUNT(*) FROM %s WHERE %s IS NOT NULL", qt, qk), &count, err);
    long long rows = count ? strtoll(count, NULL, 10) : 0;
    free(count);
    char **b = rc == B2A_OK ? calloc((size_t)n, sizeof(*b)) : NULL;
    if (rc == B2A_OK && !b)
        rc = OOM();
    for (int i = 0; rc == B2A_OK && i < n && rows > 0; i++) {
        const char *prev = *nb > 0 ? b[*nb - 1] : first;
        char *above = prev ? b2a__odbc_value_literal(v, vt, prev) : NULL;
        if (prev && !above) {
            rc = OOM();
            break;
        }
        char *x = NULL;
        rc = query_value(c, b2a__asprintf("SELECT CAST(%s AS CHAR) FROM (SELECT %s FROM %s WHERE %s IS NOT NULL "
                                          "ORDER BY %s LIMIT 1 OFFSET %lld) AS o%s%s%s%s",
                                          qk, qk, qt, qk, qk, rows * i / n, above ? " WHERE " : "",
                                          above ? qk : "", above ? " > " : "", above ? above : ""),
                         &x, err);
        free(above);
        /* the first is the open lower end; no row: not above the previous */
        if (rc || !x)
            free(x);
        else if (!first)
            first = x;
        else
            b[(*nb)++] = x;
    }
    free(first);
    if (rc) {
        b2a__strv_free(b, *nb);
        *nb = 0;
        return rc;
    }
    *bounds = b;
    return B2A_OK;
}

int b2a__odbc_keyrange_split(b2a_odbc_conn *c, b2a_odbc_vendor vendor, const b2a_table_def *t,
                             const char *keycol, int n, b2a_keyrange **out, size_t *nout, b2a_err *err)
{
    *out = NULL;
    *nout = 0;
    const b2a_column *col = keycol ? find_col(t, keycol) : NULL;
    if (!col)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "%s.%s: no key column \"%s\" to split on",
                            t->schema, t->name, keycol ? keycol : "(none)");
    if (n < 1)
        n = 1;
    char *qt = b2a__odbc_qualified(vendor, t->schema, t->name);
    char *qk = b2a__odbc_quote_ident(vendor, keycol);
    char **bounds = NULL;
    size_t nb = 0;
    int rc;
    if (!qt || !qk) {
        rc = OOM();
    } else if (n == 1) {
        rc = B2A_OK;
    } else if (col->vtype == B2A_V_INT || col->vtype == B2A_V_LONG) {
        rc = split_integer(c, qt, qk, n, &bounds, &nb, err);
    } else {
        int none = 0;
        rc = vendor == B2A_ODBC_MYSQL ? no_window_functions(c, &none, err) : B2A_OK;
        if (rc == B2A_OK)
            rc = none ? split_offsets(c, vendor, col->vtype, qt, qk, n, &bounds, &nb, err)
                      : split_quantiles(c, vendor, qt, qk, n, &bounds, &nb, err);
    }
    if (rc == B2A_OK && make_ranges(bounds, nb, out, nout))
        rc = OOM();
    if (rc && rc != B2A_ENOMEM)
        b2a__err_prefix(err, "splitting %s.%s on %s: ", t->schema, t->name, keycol);
    b2a__strv_free(bounds, nb);
    free(qt);
    free(qk);
    return rc;
}

char *b2a__odbc_keyrange_where(b2a_odbc_vendor vendor, const b2a_table_def *t, const char *keycol,
                               const b2a_keyrange *r)
{
    const b2a_column *col = find_col(t, keycol);
    if (!col)
        return NULL;
    char *qk = b2a__odbc_quote_ident(vendor, keycol);
    char *lo = r->lo ? b2a__odbc_value_literal(vendor, col->vtype, r->lo) : NULL;
    char *hi = r->hi ? b2a__odbc_value_literal(vendor, col->vtype, r->hi) : NULL;
    char *out = NULL;
    if (qk && (!r->lo || lo) && (!r->hi || hi)) {
        if (lo && hi)
            out = b2a__asprintf("%s >= %s AND %s < %s", qk, lo, qk, hi);
        else if (lo)
            out = b2a__asprintf("%s >= %s", qk, lo);
        else if (hi)
            out = b2a__asprintf("%s < %s", qk, hi);
        else
            out = b2a__strdup("1 = 1");
    }
    free(qk);
    free(lo);
    free(hi);
    return out;
}
