/* libFuzzer target: the SQL Server .bak reader as the direct pipeline uses
 * it. The input is one backup file, or a striped set packed as in
 * fuzz_common.h; every table is opened and scanned into a sink that
 * discards values. Errors are expected; crashes, leaks and hangs are bugs. */
#include "fuzz_common.h"

#include "reader/mssql/bak.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_files f;
    if (fuzz_files_make(data, size, &f) < 0)
        return 0;
    b2a_err err;
    b2a_bak *b = NULL;
    if (b2a__bak_open(f.argv, f.n, &b, &err) == 0) {
        for (size_t i = 0; i < b2a__bak_table_count(b); i++) {
            b2a_bak_scan *s = NULL;
            if (b2a__bak_scan_open(b, i, &s, &err) < 0)
                continue;
            int eof = 0;
            size_t got;
            while (!eof && b2a__bak_scan_next(s, &fuzz_null_sink, 256, &got, &eof, &err) == 0)
                ;
            b2a__bak_scan_close(s);
        }
        b2a__bak_close(b);
    }
    fuzz_files_drop(&f);
    return 0;
}
