/* ODBC diagnostics -> b2a_err. The first record gives SQLSTATE and native
 * code; later records are appended because drivers often put the useful
 * text (e.g. the server's message) in the second one. */
#include "odbc/odbc.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *b2a__odbc_driver_package(const char *driver_name)
{
    if (!driver_name)
        return NULL;
    if (strcasestr(driver_name, "postgres") || strcasestr(driver_name, "psqlodbc"))
        return "odbc-postgresql";
    if (strcasestr(driver_name, "mariadb") || strcasestr(driver_name, "mysql") ||
        strcasestr(driver_name, "maodbc"))
        return "odbc-mariadb";
    return NULL;
}

int b2a__odbc_diag(SQLSMALLINT htype, SQLHANDLE h, const char *what, b2a_err *err)
{
    SQLCHAR state[6] = "", text[B2A_ERRMSG_MAX];
    SQLINTEGER native = 0;
    SQLSMALLINT len = 0;
    char msg[B2A_ERRMSG_MAX];
    char first_state[6] = "";
    int64_t first_native = 0;
    size_t used = 0;

    msg[0] = '\0';
    for (SQLSMALLINT i = 1; i <= 4; i++) {
        SQLRETURN r = SQLGetDiagRec(htype, h, i, state, &native, text, sizeof(text), &len);
        if (!SQL_SUCCEEDED(r))
            break;
        if (i == 1) {
            memcpy(first_state, state, sizeof(first_state));
            first_native = native;
        }
        int w = snprintf(msg + used, sizeof(msg) - used, "%s[%s] %s", used ? "; " : "",
                         (char *)state, (char *)text);
        if (w < 0 || (size_t)w >= sizeof(msg) - used) {
            used = sizeof(msg) - 1;
            break;
        }
        used += (size_t)w;
    }
    if (!msg[0])
        snprintf(msg, sizeof(msg), "no diagnostic from the driver");
    int code = strcmp(first_state, "IM002") == 0 ? B2A_ENOTFOUND : B2A_EODBC;
    b2a__err_set(err, code, B2A_ERRCLASS_ODBC, "%s: %s", what ? what : "ODBC call failed", msg);
    if (err) {
        memcpy(err->sqlstate, first_state, sizeof(err->sqlstate));
        err->native = first_native;
    }
    return code;
}
