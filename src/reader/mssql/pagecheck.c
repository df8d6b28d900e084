/* Page checksum and torn-page verification (see pagecheck.h). The
 * algorithm is public (Paul Randal's and InternalsViewer's descriptions of
 * m_tornBits); every CHECKSUM page of every sample passes it, and every
 * TORN_PAGE_DETECTION page of the samples has all 15 sectors' low bits
 * equal to the low 2 bits of m_tornBits [measured]. */
#include "reader/mssql/pagecheck.h"

#include <stdio.h>

#include "reader/mssql/page.h"

#define PG_FLAG_TORN 0x100
#define PG_FLAG_CHECKSUM 0x200
#define PG_FIELD_CHECK 60 /* m_tornBits: the checksum or the torn-bit pattern */

static uint32_t rotl32(uint32_t v, unsigned n)
{
    n &= 31;
    return n ? (v << n) | (v >> (32 - n)) : v;
}

uint32_t b2a__page_checksum(const uint8_t pg[8192])
{
    uint32_t sum = 0;
    for (unsigned s = 0; s < 16; s++) {
        const uint8_t *sec = pg + s * 512;
        uint32_t x = 0;
        for (unsigned w = 0; w < 128; w++)
            x ^= b2a__rd32(sec + w * 4);
        if (s == 0)
            x ^= b2a__rd32(pg + PG_FIELD_CHECK); /* the field itself counts as 0 */
        sum ^= rotl32(x, 15 - s);
    }
    return sum;
}

int b2a__page_verify(const uint8_t pg[8192], b2a_pgcheck *out)
{
    uint16_t flags = b2a__rd16(pg + 4);
    uint32_t field = b2a__rd32(pg + PG_FIELD_CHECK);
    out->prot = B2A_PGPROT_NONE;
    out->ok = 1;
    out->stored = field;
    out->computed = 0;
    out->sector = 0;
    if (flags & PG_FLAG_CHECKSUM) {
        out->prot = B2A_PGPROT_CHECKSUM;
        out->computed = b2a__page_checksum(pg);
        out->ok = out->computed == field;
    } else if (flags & PG_FLAG_TORN) {
        /* Each write flips the pattern between 01 and 10 and stamps it into
         * the low 2 bits of the last byte of sectors 1..15; a sector that
         * missed the write still holds the other pattern. */
        out->prot = B2A_PGPROT_TORN;
        out->stored = field & 3;
        for (unsigned s = 1; s < 16 && out->ok; s++) {
            unsigned bits = pg[s * 512 + 511] & 3u;
            if (bits != out->stored) {
                out->ok = 0;
                out->computed = bits;
                out->sector = s;
            }
        }
    } else if (field != 0) {
        /* A page written without protection has 0 there (every such page
         * of the samples, and DBCC PAGE of one written in PAGE_VERIFY NONE
         * in public material), so a value means the flag bits were
         * damaged: fail rather than read the page unchecked. */
        out->prot = B2A_PGPROT_FLAGS;
        out->ok = 0;
    }
    return out->ok;
}

void b2a__page_check_describe(const b2a_pgcheck *c, char *buf, unsigned len)
{
    if (c->prot == B2A_PGPROT_CHECKSUM)
        snprintf(buf, len, "checksum mismatch (stored 0x%08X, computed 0x%08X)", c->stored, c->computed);
    else if (c->prot == B2A_PGPROT_TORN)
        snprintf(buf, len, "torn page (sector %u ends in bits %u, the header's torn-page pattern is %u)",
                 c->sector, c->computed, c->stored);
    else if (c->prot == B2A_PGPROT_FLAGS)
        snprintf(buf, len, "its header claims no checksum and no torn-page bits, yet holds 0x%08X where they go "
                 "(header damaged)", c->stored);
    else
        snprintf(buf, len, "no page protection");
}
