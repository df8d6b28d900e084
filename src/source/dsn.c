/* Parsing the three DSN forms (see dsn.h) into an ODBC connection string
 * and, for PostgreSQL, a libpq conninfo. */
#include "source/dsn.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/engine.h"
#include "util/str.h"

#define OOM() b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory")

const char *b2a__dsn_vendor_name(b2a_odbc_vendor v)
{
    switch (v) {
    case B2A_ODBC_POSTGRES: return "postgresql";
    case B2A_ODBC_MYSQL: return "mysql";
    case B2A_ODBC_SQLSERVER: return "sqlserver";
    case B2A_ODBC_ORACLE: return "oracle";
    }
    return "unknown";
}

static void wipe(char *s)
{
    if (s) {
        memset(s, 0, strlen(s));
        free(s);
    }
}

void b2a__dsn_clear(b2a_dsn *d)
{
    if (!d)
        return;
    wipe(d->odbc_connstr);
    wipe(d->pg_conninfo);
    free(d->my_host);
    free(d->my_user);
    wipe(d->my_password);
    free(d->display);
    free(d->dbname);
    memset(d, 0, sizeof(*d));
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decode [p, p+n); NULL on OOM or a bad escape (*bad set). */
char *b2a__dsn_pct_decode(const char *p, size_t n, int *bad)
{
    char *o = malloc(n + 1), *w = o;
    if (!o)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '%') {
            int a = i + 1 < n ? hexval((unsigned char)p[i + 1]) : -1;
            int b = i + 2 < n ? hexval((unsigned char)p[i + 2]) : -1;
            if (a < 0 || b < 0 || (a == 0 && b == 0)) {
                *bad = 1;
                free(o);
                return NULL;
            }
            *w++ = (char)(a * 16 + b);
            i += 2;
        } else {
            *w++ = p[i];
        }
    }
    *w = '\0';
    return o;
}

/* key='value' for libpq conninfo (backslash and quote escaped). */
static int conninfo_add(char **s, const char *key, const char *value)
{
    size_t n = strlen(value);
    char *q = malloc(2 * n + 3), *w = q;
    if (!q)
        return B2A_ENOMEM;
    *w++ = '\'';
    for (size_t i = 0; i < n; i++) {
        if (value[i] == '\'' || value[i] == '\\')
            *w++ = '\\';
        *w++ = value[i];
    }
    *w++ = '\'';
    *w = '\0';
    char *ns = b2a__asprintf("%s%s%s=%s", *s ? *s : "", *s && **s ? " " : "", key, q);
    free(q);
    if (!ns)
        return B2A_ENOMEM;
    wipe(*s);
    *s = ns;
    return B2A_OK;
}

typedef struct url_parts {
    char *user, *password, *host, *dbname, *sslmode;
    int port;
} url_parts;

static void url_parts_clear(url_parts *u)
{
    free(u->user);
    wipe(u->password);
    free(u->host);
    free(u->dbname);
    free(u->sslmode);
    memset(u, 0, sizeof(*u));
}

static int url_parse(const char *form, const char *rest, int default_port, url_parts *u, b2a_err *err)
{
    memset(u, 0, sizeof(*u));
    u->port = default_port;
    int bad = 0;
    const char *end = rest + strcspn(rest, "/?");
    const char *at = NULL;
    for (const char *p = rest; p < end; p++)
        if (*p == '@')
            at = p;
    const char *hp = rest;
    if (at) {
        const char *colon = memchr(rest, ':', (size_t)(at - rest));
        size_t ulen = colon ? (size_t)(colon - rest) : (size_t)(at - rest);
        u->user = b2a__dsn_pct_decode(rest, ulen, &bad);
        if (!bad && colon)
            u->password = b2a__dsn_pct_decode(colon + 1, (size_t)(at - colon - 1), &bad);
        if (bad)
            goto badesc;
        if (!u->user || (colon && !u->password))
            goto oom;
        hp = at + 1;
    }
    /* host[:port], host may be [v6] */
    const char *pstart = NULL, *hend = end;
    if (*hp == '[') {
        const char *rb = memchr(hp, ']', (size_t)(end - hp));
        if (!rb) {
            url_parts_clear(u);
            return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "%s DSN: '[' without ']' in the host", form);
        }
        u->host = b2a__strndup(hp + 1, (size_t)(rb - hp - 1));
        if (rb + 1 < end && rb[1] == ':')
            pstart = rb + 2;
        else if (rb + 1 != end)
            goto badhost;
    } else {
        const char *colon = memchr(hp, ':', (size_t)(end - hp));
        if (colon) {
            hend = colon;
            pstart = colon + 1;
        }
        u->host = b2a__dsn_pct_decode(hp, (size_t)(hend - hp), &bad);
        if (bad)
            goto badesc;
    }
    if (!u->host)
        goto oom;
    if (!u->host[0]) {
        url_parts_clear(u);
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                            "%s DSN: no host (expected %s://[USER[:PASSWORD]@]HOST[:PORT][/DBNAME])", form, form);
    }
    if (pstart) {
        char *e = NULL;
        long port = strtol(pstart, &e, 10);
        if (e == pstart || e != end || port < 1 || port > 65535) {
            url_parts_clear(u);
            return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                                "%s DSN: the port must be a number from 1 to 65535", form);
        }
        u->port = (int)port;
    }
    if (*end == '/') {
        const char *db = end + 1;
        size_t dlen = strcspn(db, "?");
        if (dlen) {
            u->dbname = b2a__dsn_pct_decode(db, dlen, &bad);
            if (bad)
                goto badesc;
            if (!u->dbname)
                goto oom;
        }
        end = db + dlen;
    }
    if (*end == '?') {
        /* only sslmode matters to the ODBC side; libpq reads the rest itself */
        for (const char *q = end + 1; *q;) {
            size_t len = strcspn(q, "&");
            if (len > 8 && strncmp(q, "sslmode=", 8) == 0) {
                free(u->sslmode);
                u->sslmode = b2a__dsn_pct_decode(q + 8, len - 8, &bad);
                if (bad)
                    goto badesc;
            }
            q += len;
            if (*q == '&')
                q++;
        }
    }
    return B2A_OK;
badhost:
    url_parts_clear(u);
    return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "%s DSN: unexpected text after ']' in the host", form);
badesc:
    url_parts_clear(u);
    return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                        "%s DSN: a '%%' must be followed by two hex digits (and not %%00)", form);
oom:
    url_parts_clear(u);
    return OOM();
}

/* "scheme://user:***@host..." for messages. */
static char *display_url(const char *text)
{
    const char *rest = strstr(text, "://");
    if (!rest)
        return b2a__strdup(text);
    rest += 3;
    const char *end = rest + strcspn(rest, "/?");
    const char *at = NULL;
    for (const char *p = rest; p < end; p++)
        if (*p == '@')
            at = p;
    const char *colon = at ? memchr(rest, ':', (size_t)(at - rest)) : NULL;
    if (!colon)
        return b2a__strdup(text);
    return b2a__asprintf("%.*s:***%s", (int)(colon - text), text, at);
}

static int from_url(const char *text, b2a_dsn *d, b2a_err *err)
{
    int pg = strncasecmp(text, "postgresql://", 13) == 0 || strncasecmp(text, "postgres://", 11) == 0;
    const char *form = pg ? "postgresql" : "mysql";
    url_parts u;
    int rc = url_parse(form, strstr(text, "://") + 3, pg ? 5432 : 3306, &u, err);
    if (rc)
        return rc;
    d->kind = pg ? B2A_DSN_POSTGRES_URL : B2A_DSN_MYSQL_URL;
    d->vendor = pg ? B2A_ODBC_POSTGRES : B2A_ODBC_MYSQL;
    char port[16];
    snprintf(port, sizeof port, "%d", u.port);
    const char *dbname = u.dbname ? u.dbname : pg && u.user ? u.user : "";
    char *s = b2a__strdup(pg ? "Driver={PostgreSQL Unicode};" : "Driver={MariaDB Unicode};");
    size_t len = s ? strlen(s) : 0;
    rc = s ? B2A_OK : B2A_ENOMEM;
    const char *kv[][2] = {
        {"Server", u.host}, {"Port", port}, {"Database", dbname}, {"UID", u.user}, {"PWD", u.password},
        /* as the container pipeline's strings (engine/postgres.c, mysql.c): the cursor relies on them */
        {pg ? "UseDeclareFetch" : "NO_CACHE", "1"}, {pg ? "Fetch" : "FORWARDONLY", pg ? "10000" : "1"},
        {pg ? "BoolsAsChar" : "CHARSET", pg ? "0" : "utf8mb4"}, {pg ? "ByteaAsLongVarBinary" : "NO_PROMPT", "1"},
        {"sslmode", pg ? (u.sslmode ? u.sslmode : "prefer") : NULL},
    };
    for (size_t i = 0; rc == B2A_OK && i < sizeof kv / sizeof *kv; i++)
        if (kv[i][1] && *kv[i][1])
            rc = b2a__vendor_connstr_add(&s, &len, kv[i][0], kv[i][1]);
    d->odbc_connstr = s;
    if (rc == B2A_OK && pg && !(d->pg_conninfo = b2a__strdup(text)))
        rc = B2A_ENOMEM;
    if (rc == B2A_OK && !pg) {
        d->my_port = u.port;
        if (!(d->my_host = b2a__strdup(u.host)) || (u.user && !(d->my_user = b2a__strdup(u.user))) ||
            (u.password && !(d->my_password = b2a__strdup(u.password))))
            rc = B2A_ENOMEM;
    }
    if (rc == B2A_OK && !(d->display = display_url(text)))
        rc = B2A_ENOMEM;
    if (rc == B2A_OK && *dbname && !(d->dbname = b2a__strdup(dbname)))
        rc = B2A_ENOMEM;
    url_parts_clear(&u);
    return rc ? OOM() : B2A_OK;
}

/* The value of key in an ODBC connection string (braces honoured), or NULL. */
static char *connstr_get(const char *cs, const char *key)
{
    size_t klen = strlen(key);
    for (const char *p = cs; *p;) {
        while (*p == ' ' || *p == ';')
            p++;
        const char *eq = strchr(p, '=');
        if (!eq)
            break;
        const char *k = p, *ke = eq;
        while (ke > k && ke[-1] == ' ')
            ke--;
        const char *v = eq + 1;
        char *val;
        if (*v == '{') {
            /* }} is a literal } */
            size_t cap = strlen(v), n = 0;
            val = malloc(cap + 1);
            if (!val)
                return NULL;
            const char *q = v + 1;
            for (; *q; q++) {
                if (*q == '}') {
                    if (q[1] == '}') {
                        val[n++] = '}';
                        q++;
                        continue;
                    }
                    break;
                }
                val[n++] = *q;
            }
            val[n] = '\0';
            p = *q ? q + 1 : q;
        } else {
            size_t n = strcspn(v, ";");
            val = b2a__strndup(v, n);
            p = v + n;
        }
        if ((size_t)(ke - k) == klen && strncasecmp(k, key, klen) == 0)
            return val;
        wipe(val);
        while (*p && *p != ';')
            p++;
    }
    return NULL;
}

static b2a_odbc_vendor vendor_of_driver(const char *driver)
{
    if (!driver)
        return 0;
    if (strcasestr(driver, "postgres") || strcasestr(driver, "psqlodbc"))
        return B2A_ODBC_POSTGRES;
    if (strcasestr(driver, "mariadb") || strcasestr(driver, "mysql"))
        return B2A_ODBC_MYSQL;
    if (strcasestr(driver, "sql server") || strcasestr(driver, "freetds") || strcasestr(driver, "tds"))
        return B2A_ODBC_SQLSERVER;
    return 0;
}

/* The connection string with PWD's (or Password's) value as ***. */
static char *display_connstr(const char *cs)
{
    size_t n = strlen(cs);
    char *out = malloc(n + 4 * 8 + 1), *w = out; /* room for a few "***" longer than their value */
    if (!out)
        return NULL;
    size_t room = n + 32;
    const char *p = cs;
    while (*p) {
        const char *start = p;
        while (*p == ' ' || *p == ';')
            p++;
        const char *eq = strchr(p, '=');
        if (!eq) {
            p += strlen(p);
            size_t len = (size_t)(p - start);
            memcpy(w, start, len);
            w += len;
            break;
        }
        const char *v = eq + 1, *ve;
        if (*v == '{') {
            ve = v + 1;
            while (*ve && !(*ve == '}' && ve[1] != '}'))
                ve += *ve == '}' ? 2 : 1;
            if (*ve)
                ve++;
        } else {
            ve = v + strcspn(v, ";");
        }
        size_t klen = (size_t)(eq - p);
        int secret = (klen == 3 && strncasecmp(p, "pwd", 3) == 0) || (klen == 8 && strncasecmp(p, "password", 8) == 0);
        size_t head = (size_t)(v - start), vlen = secret ? 3 : (size_t)(ve - v);
        if ((size_t)(w - out) + head + vlen + 1 > room) {
            free(out);
            return NULL;  /* more secrets than room: never print one */
        }
        memcpy(w, start, head);
        w += head;
        memcpy(w, secret ? "***" : v, vlen);
        w += vlen;
        p = ve;
    }
    *w = '\0';
    return out;
}

static int from_connstr(const char *text, b2a_dsn *d, b2a_err *err)
{
    char *driver = connstr_get(text, "Driver");
    char *dsn = driver ? NULL : connstr_get(text, "DSN");
    if (!driver && !dsn)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                            "DSN: expected postgresql://..., mysql://... or an ODBC connection string with "
                            "Driver={...} or DSN=...");
    d->kind = B2A_DSN_ODBC;
    d->vendor = vendor_of_driver(driver ? driver : dsn);
    int rc = B2A_OK;
    if (!d->vendor)
        rc = b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_USAGE,
                          "DSN: cannot tell the database from %s \"%s\" (PostgreSQL, MariaDB/MySQL or SQL Server "
                          "drivers are known; name one in Driver={...})", driver ? "Driver" : "DSN",
                          driver ? driver : dsn);
    if (rc == B2A_OK && !(d->odbc_connstr = b2a__strdup(text)))
        rc = OOM();
    if (rc == B2A_OK && !(d->display = display_connstr(text)))
        rc = OOM();
    if (rc == B2A_OK)
        d->dbname = connstr_get(text, "Database");
    /* psqlODBC attributes with a libpq equivalent: the native path too */
    if (rc == B2A_OK && d->vendor == B2A_ODBC_POSTGRES && driver) {
        const char *keys[][2] = {{"Server", "host"}, {"Port", "port"}, {"Database", "dbname"},
                                 {"UID", "user"}, {"PWD", "password"}, {"sslmode", "sslmode"}};
        char *ci = NULL;
        int have_server = 0;
        for (size_t i = 0; rc == B2A_OK && i < sizeof keys / sizeof *keys; i++) {
            char *v = connstr_get(text, keys[i][0]);
            if (!v && i == 4)
                v = connstr_get(text, "Password");
            if (!v && i == 3)
                v = connstr_get(text, "Username");
            if (v && *v) {
                have_server |= i == 0;
                if (conninfo_add(&ci, keys[i][1], v))
                    rc = OOM();
            }
            wipe(v);
        }
        if (rc == B2A_OK && have_server)
            d->pg_conninfo = ci;
        else
            wipe(ci);
    }
    free(driver);
    free(dsn);
    return rc;
}

int b2a__dsn_parse(const char *text, b2a_dsn *d, b2a_err *err)
{
    memset(d, 0, sizeof(*d));
    if (!text || !*text)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "no DSN given");
    int rc;
    if (strncasecmp(text, "postgresql://", 13) == 0 || strncasecmp(text, "postgres://", 11) == 0 ||
        strncasecmp(text, "mysql://", 8) == 0 || strncasecmp(text, "mariadb://", 10) == 0)
        rc = from_url(text, d, err);
    else if (b2a__dsn_is_file(text))
        rc = b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                          "DSN: a file: DSN names backup files, which the Source and Export blocks read "
                          "directly (bak2avro run BACKUP exports them); it is not a database to connect to");
    else if (strstr(text, "://"))
        rc = b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                          "DSN: unknown URL scheme (postgresql:// and mysql:// are known; other databases "
                          "through an ODBC connection string)");
    else
        rc = from_connstr(text, d, err);
    if (rc)
        b2a__dsn_clear(d);
    return rc;
}

int b2a__dsn_is_file(const char *text)
{
    return text && strncasecmp(text, "file:", 5) == 0;
}
