/* libFuzzer target: the plain SQL dump reader (pg_dump -Fp and pg_dumpall,
 * plain or gzip'd): version comments, SET parameters, COPY blocks, and the
 * database named by \connect or CREATE DATABASE. */
#include "fuzz_common.h"

#include "detect/pgplain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_files f;
    if (fuzz_file_make(data, size, &f) < 0)
        return 0;
    b2a_pgplain_info info;
    b2a_err err;
    if (b2a__pgplain_read(f.argv[0], &info, &err) == 0) {
        char why[128];
        b2a__pgplain_rejected_by(&info, 120000, why, sizeof(why));
        b2a__pgplain_free(&info);
    }
    char db[128]; /* the head-only read for the database name */
    b2a_err derr;
    b2a__pgplain_read_database(f.argv[0], db, sizeof(db), &derr);
    fuzz_files_drop(&f);
    return 0;
}
