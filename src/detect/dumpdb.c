#include "detect/dumpdb.h"

#include "detect/mysqldump.h"
#include "detect/pgplain.h"

int b2a__dump_database_name(const char *path, b2a_format_id format, char *out, size_t n, b2a_err *err)
{
    out[0] = '\0';
    switch (format) {
    case B2A_FMT_PG_PLAIN:
        return b2a__pgplain_read_database(path, out, n, err);
    case B2A_FMT_MYSQLDUMP:
    case B2A_FMT_MARIADB_DUMP:
    case B2A_FMT_MYSQL_SQL:
        return b2a__mysqldump_read_database(path, out, n, err);
    default:
        return B2A_OK;
    }
}
