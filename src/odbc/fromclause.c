/* What a table's rows are read FROM: on PostgreSQL, ONLY for ordinary tables,
 * so rows of inheritance children (Pagila's payment_p2007_* before PG 10)
 * are not exported twice; partitioned parents whole. */
#include <stdlib.h>

#include "odbc/odbc.h"
#include "util/str.h"

int b2a__odbc_from_clause(b2a_odbc_conn *c, const b2a_table_def *t, char **out, b2a_err *err)
{
    b2a_odbc_vendor v = b2a__odbc_conn_vendor(c);
    *out = NULL;
    char *qn = b2a__odbc_qualified(v, t->schema, t->name);
    if (!qn)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    if (v != B2A_ODBC_POSTGRES) {
        *out = qn;
        return B2A_OK;
    }
    char *lit = b2a__odbc_quote_literal(v, qn);
    char *sql = lit ? b2a__asprintf("SELECT relkind::text FROM pg_class WHERE oid = %s::regclass", lit) : NULL;
    free(lit);
    b2a_odbc_result res = {0};
    int rc = sql ? b2a__odbc_query(c, sql, &res, err) : b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    free(sql);
    if (rc == B2A_OK) {
        const char *kind = res.nrows == 1 && res.ncols == 1 ? b2a__odbc_cell(&res, 0, 0) : NULL;
        *out = kind && kind[0] == 'r' ? b2a__asprintf("ONLY %s", qn) : b2a__strdup(qn);
        if (!*out)
            rc = b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    }
    else
        b2a__err_prefix(err, "%s.%s: ", t->schema, t->name);
    b2a__odbc_result_clear(&res);
    free(qn);
    return rc;
}
