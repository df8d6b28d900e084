/* libFuzzer target: the CREATE TABLE columns of a MySQL / MariaDB script,
 * version comments included (what the server should have created after a
 * restore): b2a__mysql_ddl_parse on the bytes, and b2a__mysql_ddl_read as
 * the container pipeline calls it, on one file or several packed as in
 * fuzz_common.h (plain or gzip'd). */
#include "fuzz_common.h"

#include "detect/mysqlddl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    b2a_mysql_decl decl;
    b2a__mysql_ddl_parse((const char *)data, size, &decl);
    b2a__mysql_decl_free(&decl);

    fuzz_files f;
    if (fuzz_files_make(data, size, &f) < 0)
        return 0;
    b2a_err err;
    if (b2a__mysql_ddl_read(f.argv, f.n, &decl, &err) == 0)
        b2a__mysql_decl_free(&decl);
    fuzz_files_drop(&f);
    return 0;
}
