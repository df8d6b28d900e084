/* One SQLHENV per process: unixODBC's driver manager keeps per-env state
 * (loaded drivers), so sharing it avoids reloading drivers per table. */
#include "odbc/odbc.h"

#include <pthread.h>

static pthread_mutex_t env_lock = PTHREAD_MUTEX_INITIALIZER;
static SQLHENV env_handle = SQL_NULL_HENV;
static unsigned env_refs;

int b2a__odbc_env_acquire(SQLHENV *out, b2a_err *err)
{
    int rc = B2A_OK;
    pthread_mutex_lock(&env_lock);
    if (env_refs == 0) {
        SQLHENV h = SQL_NULL_HENV;
        if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &h))) {
            rc = b2a__err_set(err, B2A_EODBC, B2A_ERRCLASS_ODBC,
                              "cannot allocate an ODBC environment (is unixODBC installed?)");
            goto out;
        }
        if (!SQL_SUCCEEDED(SQLSetEnvAttr(h, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0))) {
            rc = b2a__odbc_diag(SQL_HANDLE_ENV, h, "setting ODBC version 3", err);
            SQLFreeHandle(SQL_HANDLE_ENV, h);
            goto out;
        }
        env_handle = h;
    }
    env_refs++;
    *out = env_handle;
out:
    pthread_mutex_unlock(&env_lock);
    return rc;
}

void b2a__odbc_env_release(void)
{
    pthread_mutex_lock(&env_lock);
    if (env_refs > 0 && --env_refs == 0) {
        SQLFreeHandle(SQL_HANDLE_ENV, env_handle);
        env_handle = SQL_NULL_HENV;
    }
    pthread_mutex_unlock(&env_lock);
}
