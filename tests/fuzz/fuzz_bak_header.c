/* libFuzzer target: opening a SQL Server backup for its headers only, as
 * inspect does when the catalog cannot be read: the MTF descriptor-block
 * walk of a TAPE file or the record walk and descriptor chunks of an
 * MSSQLBAK file, stripe checks, and RESTORE HEADERONLY's facts. The input
 * is one file or a striped set packed as in fuzz_common.h. */
#include "fuzz_common.h"

#include "reader/mssql/bak.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_files f;
    if (fuzz_files_make(data, size, &f) < 0)
        return 0;
    b2a_err err;
    b2a_bak *b = NULL;
    if (b2a__bak_open_header(f.argv, f.n, &b, &err) == 0) {
        b2a__bak_database_name(b);
        b2a__bak_close(b);
    }
    fuzz_files_drop(&f);
    return 0;
}
