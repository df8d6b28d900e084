/* libFuzzer target: the MySQL / MariaDB dump reader (plain or gzip'd):
 * header comments, CREATE TABLE and INSERT INTO statements, USE and CREATE
 * DATABASE. */
#include "fuzz_common.h"

#include "detect/mysqldump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_files f;
    if (fuzz_file_make(data, size, &f) < 0)
        return 0;
    b2a_mysqldump_info info;
    b2a_err err;
    if (b2a__mysqldump_read(f.argv[0], &info, &err) == 0)
        b2a__mysqldump_free(&info);
    char db[128]; /* the head-only read for the database name */
    b2a_err derr;
    b2a__mysqldump_read_database(f.argv[0], db, sizeof(db), &derr);
    fuzz_files_drop(&f);
    return 0;
}
