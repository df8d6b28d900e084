/* libFuzzer target: the decoders of one stored SQL Server value, whose
 * bytes and whose type (from the backup's catalog) are both untrusted.
 * Byte 0 picks the decoder, bytes 1-6 the type's xtype, length, precision,
 * scale and collation; the rest is the value:
 *   0 typed value (b2a__mtype_emit), also after ROW-compression decoding
 *   1 xml (binary XML)   2 hierarchyid   3 geometry   4 geography
 *   5 SCSU Unicode text  6 sparse vector */
#include "fuzz_common.h"

#include <string.h>

#include "core/column.h"
#include "reader/mssql/binxml.h"
#include "reader/mssql/clrspatial.h"
#include "reader/mssql/hierarchyid.h"
#include "reader/mssql/page.h"
#include "reader/mssql/record_cd.h"
#include "reader/mssql/sparse.h"
#include "reader/mssql/types.h"

/* Collations whose code pages the reader maps, and one it does not. */
static const int codepages[] = { 0, 1252, 1256, 932, 936, 949, 950, 1250, 1251, 437, 12345 };
/* Alias names that make a UDT column one of the CLR types the reader decodes. */
static const char *const aliases[] = { NULL, "hierarchyid", "geometry", "geography" };

static void typed(const uint8_t *h, const uint8_t *v, size_t n, b2a_mbuf *out)
{
    b2a_mtype t;
    memset(&t, 0, sizeof(t));
    t.xtype = h[0];
    t.length = (int16_t)b2a__rd16(h + 1);
    t.prec = h[3];
    t.scale = h[4];
    t.codepage = codepages[h[5] % (sizeof(codepages) / sizeof(codepages[0]))];
    b2a_column col;
    memset(&col, 0, sizeof(col));
    if (b2a__mtype_describe(&t, aliases[(h[5] >> 4) & 3], &col) == 0) {
        char why[128];
        if (b2a__mtype_emit(&t, v, n, h[5] & 7, NULL, out, why, sizeof(why)) == 0)
            b2a__mtype_emit(&t, v, n, h[5] & 7, &fuzz_null_sink, out, why, sizeof(why));
        b2a_mbuf raw = { 0 };
        if (b2a__cd_uncompress(&t, v, n, &raw, why, sizeof(why)) == 0 &&
            b2a__mtype_emit(&t, raw.p, raw.n, h[5] & 7, NULL, out, why, sizeof(why)) == 0)
            b2a__mtype_emit(&t, raw.p, raw.n, h[5] & 7, &fuzz_null_sink, out, why, sizeof(why));
        b2a__mbuf_free(&raw);
    }
    b2a__column_clear(&col);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 7)
        return 0;
    const uint8_t *v = data + 7;
    size_t n = size - 7;
    b2a_mbuf out = { 0 };
    char why[128];
    switch (data[0] % 7) {
    case 0: typed(data + 1, v, n, &out); break;
    case 1: b2a__binxml_text(v, n, &out, why, sizeof(why)); break;
    case 2: b2a__hierarchyid_text(v, n, &out, why, sizeof(why)); break;
    case 3: b2a__clrspatial_wkt(v, n, 0, &out, why, sizeof(why)); break;
    case 4: b2a__clrspatial_wkt(v, n, 1, &out, why, sizeof(why)); break;
    case 5: b2a__scsu_to_utf16le(v, n, &out, why, sizeof(why)); break;
    case 6:
        if (b2a__sparse_check(v, n, why, sizeof(why)) == 0) {
            const uint8_t *p;
            size_t len;
            b2a__sparse_find(v, n, b2a__rd16(data + 1), &p, &len);
        }
        break;
    }
    b2a__mbuf_free(&out);
    return 0;
}
