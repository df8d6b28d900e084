/* libFuzzer target: the MSSQLBAK container of compressed backups: the
 * record walk (with its resynchronisation over padding), then each record
 * decompressed (XPRESS) as the page store does: the other records as
 * descriptor chunks, extents by a header peek and the first few whole
 * (decoding every extent would make one exec cost the whole file; the
 * decoder is the same for each, and fuzz_xpress covers it alone). */
#include "fuzz_common.h"

#include <stdlib.h>

#include "reader/mssql/mssqlbak.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_files f;
    if (fuzz_file_make(data, size, &f) < 0)
        return 0;
    b2a_err err;
    b2a_mssqlbak *m = NULL;
    uint8_t *buf = malloc(B2A_MSSQLBAK_EXTENT + 4096);
    if (buf && b2a__mssqlbak_open(f.argv[0], &m, &err) == 0) {
        uint64_t cur = 0;
        b2a_mssqlbak_rec rec;
        size_t got, extents = 0;
        while (b2a__mssqlbak_next(m, &cur, &rec, &err) == 1) {
            if (b2a__mssqlbak_is_extent(&rec)) {
                b2a__mssqlbak_peek(m, rec.offset, buf, 96, &got, &err);
                if (extents++ < 4)
                    b2a__mssqlbak_read_extent(m, rec.offset, buf, &got, &err);
            } else {
                b2a__mssqlbak_read(m, rec.offset, buf, B2A_MSSQLBAK_EXTENT + 4096, &got, &err);
            }
        }
        b2a__mssqlbak_close(m);
    }
    free(buf);
    fuzz_files_drop(&f);
    return 0;
}
