/* MS-XCA LZ77+Huffman decoder, written from the [MS-XCA] specification
 * (section 2.2.4, "LZ77+Huffman Decompression Algorithm Details").
 *
 * The bit reader follows the spec's state machine exactly (a 32-bit window
 * refilled one 16-bit word as soon as fewer than 16 bits are spare), because
 * long match lengths are read as bytes from the input position the refills
 * leave behind: reading ahead further would shift those bytes. */
#include "reader/mssql/xpress.h"

#include <string.h>
#include "bak2avro/errors.h"

#define NSYMS 512
#define MAX_LEN 15
#define BLOCK_OUT 65536
#define PBITS 12                     /* primary table index bits: most codes resolve in one lookup */
#define SBITS (MAX_LEN - PBITS)      /* bits resolved by a subtable */
#define SUB_FLAG 0x8000u

/* Entry: direct = sym | len << 9; subtable = SUB_FLAG | subtable number.
 * At most NSYMS codes are longer than PBITS, so NSYMS subtables suffice. */
typedef struct dtable {
    uint16_t prim[1u << PBITS];
    uint16_t sub[NSYMS][1u << SBITS];
} dtable;

static int lengths_of(const uint8_t table[256], uint8_t len[NSYMS], unsigned count[MAX_LEN + 1])
{
    memset(count, 0, sizeof(unsigned) * (MAX_LEN + 1));
    for (unsigned i = 0; i < 256; i++) {
        len[2 * i] = table[i] & 0x0F;
        len[2 * i + 1] = table[i] >> 4;
        count[len[2 * i]]++;
        count[len[2 * i + 1]]++;
    }
    uint32_t kraft = 0;
    for (unsigned l = 1; l <= MAX_LEN; l++)
        kraft += count[l] << (MAX_LEN - l);
    return kraft == (1u << MAX_LEN);
}

int b2a__xpress_table_ok(const uint8_t table[256])
{
    uint8_t len[NSYMS];
    unsigned count[MAX_LEN + 1];
    return lengths_of(table, len, count);
}

/* Canonical code: shorter codes first, equal lengths in symbol order, codes
 * read most significant bit first. Returns 0 unless the code is complete. */
static int build(dtable *t, const uint8_t table[256])
{
    uint8_t len[NSYMS];
    unsigned count[MAX_LEN + 1];
    if (!lengths_of(table, len, count))
        return 0;
    /* Symbols sorted by (length, symbol): the canonical code order. */
    uint16_t order[NSYMS];
    unsigned start[MAX_LEN + 2];
    start[1] = 0;
    for (unsigned l = 1; l <= MAX_LEN; l++)
        start[l + 1] = start[l] + count[l];
    for (unsigned s = 0; s < NSYMS; s++)
        if (len[s])
            order[start[len[s]]++] = (uint16_t)s;
    unsigned nsub = 0, k = 0;
    int sub_of_prefix[1u << PBITS];
    memset(sub_of_prefix, -1, sizeof sub_of_prefix);
    uint32_t code = 0;
    for (unsigned l = 1; l <= MAX_LEN; l++) {
        for (unsigned i = 0; i < count[l]; i++, k++, code++) {
            unsigned s = order[k];
            uint16_t e = (uint16_t)(s | (l << 9));
            if (l <= PBITS) {
                uint32_t first = code << (PBITS - l), n = 1u << (PBITS - l);
                for (uint32_t j = 0; j < n; j++)
                    t->prim[first + j] = e;
            } else {
                uint32_t prefix = code >> (l - PBITS);
                if (sub_of_prefix[prefix] < 0) {
                    sub_of_prefix[prefix] = (int)nsub;
                    t->prim[prefix] = (uint16_t)(SUB_FLAG | nsub);
                    nsub++;
                }
                uint16_t *st = t->sub[sub_of_prefix[prefix]];
                uint32_t low = code & ((1u << (l - PBITS)) - 1);
                uint32_t first = low << (MAX_LEN - l), n = 1u << (MAX_LEN - l);
                for (uint32_t j = 0; j < n; j++)
                    st[first + j] = e;
            }
        }
        code <<= 1;
    }
    return 1;
}

typedef struct bits {
    const uint8_t *in;
    size_t len;
    size_t pos;      /* the spec's CurrentPosition */
    uint32_t nb;     /* the spec's NextBits */
    int extra;       /* the spec's ExtraBitCount */
} bits;

/* Words past the end read as zero; the caller bounds how far that may go. */
static inline uint32_t word_at(const bits *b, size_t pos)
{
    if (pos + 1 < b->len)
        return (uint32_t)b->in[pos] | (uint32_t)b->in[pos + 1] << 8;
    uint32_t lo = pos < b->len ? b->in[pos] : 0;
    uint32_t hi = pos + 1 < b->len ? b->in[pos + 1] : 0;
    return lo | hi << 8;
}

/* n <= 15: a code length, or a match's offset bit count (symbol >> 4). */
static inline void consume(bits *b, unsigned n)
{
    b->nb <<= n;
    b->extra -= (int)n;
    if (b->extra < 0) {
        b->nb |= word_at(b, b->pos) << (-b->extra);
        b->extra += 16;
        b->pos += 2;
    }
}

#define FAIL(reason, at) do { fail->why = (reason); fail->in_pos = (at); return B2A_EFORMAT; } while (0)

int b2a__xpress_decode(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
                       int stop_at_cap, size_t *out_len, b2a_xpress_fail *fail)
{
    b2a_xpress_fail dummy;
    if (!fail)
        fail = &dummy;
    fail->why = NULL;
    fail->in_pos = 0;
    *out_len = 0;
    dtable t;
    size_t op = 0;
    size_t block_at = 0;
    bits b = { in, in_len, 0, 0, 0 };

    for (;;) {
        /* A new block: 256-byte table, then the bitstream primed with 32 bits. */
        if (block_at + 256 > in_len)
            FAIL("chunk shorter than its 256-byte Huffman table", block_at);
        if (!build(&t, in + block_at))
            FAIL("Huffman table is not a complete prefix code", block_at);
        b.pos = block_at + 256;
        b.nb = word_at(&b, b.pos) << 16 | word_at(&b, b.pos + 2);
        b.pos += 4;
        b.extra = 16;
        if (b.pos > in_len)
            FAIL("chunk ends inside the bitstream", in_len);
        size_t block_end = op + BLOCK_OUT;

        while (op < block_end) {
            /* The stream may run at most one word past its end (the spec's
             * refill after the EOF symbol); further is a truncated chunk. */
            if (b.pos > in_len + 2)
                FAIL("chunk ends inside the bitstream", in_len);
            uint16_t e = t.prim[b.nb >> (32 - PBITS)];
            if (e & SUB_FLAG)
                e = t.sub[e & ~SUB_FLAG][(b.nb >> (32 - MAX_LEN)) & ((1u << SBITS) - 1)];
            unsigned sym = e & 0x1FF, l = e >> 9;
            consume(&b, l);
            if (sym < 256) {
                if (op >= out_cap) {
                    if (stop_at_cap)
                        goto done;
                    FAIL("output larger than the buffer", b.pos);
                }
                out[op++] = (uint8_t)sym;
                continue;
            }
            if (sym == 256 && b.pos >= in_len)
                goto done;
            sym -= 256;
            size_t mlen = sym & 15;
            unsigned obits = sym >> 4;
            if (mlen == 15) {
                if (b.pos >= in_len)
                    FAIL("match length byte past the end of the chunk", b.pos);
                mlen = in[b.pos++];
                if (mlen == 255) {
                    if (b.pos + 2 > in_len)
                        FAIL("match length word past the end of the chunk", b.pos);
                    mlen = (size_t)in[b.pos] | (size_t)in[b.pos + 1] << 8;
                    b.pos += 2;
                    if (mlen == 0) {
                        if (b.pos + 4 > in_len)
                            FAIL("match length dword past the end of the chunk", b.pos);
                        mlen = (size_t)in[b.pos] | (size_t)in[b.pos + 1] << 8 |
                               (size_t)in[b.pos + 2] << 16 | (size_t)in[b.pos + 3] << 24;
                        b.pos += 4;
                    }
                    if (mlen < 15)
                        FAIL("invalid extended match length", b.pos);
                    mlen -= 15;
                }
                mlen += 15;
            }
            mlen += 3;
            size_t off = obits ? (b.nb >> (32 - obits)) : 0;
            off += (size_t)1 << obits;
            consume(&b, obits);
            if (off > op)
                FAIL("match offset before the start of the output", b.pos);
            if (mlen > out_cap - op) {
                if (!stop_at_cap)
                    FAIL("output larger than the buffer", b.pos);
                mlen = out_cap - op;
            }
            /* Byte-wise: overlapping copies (off < mlen) repeat the pattern. */
            const uint8_t *src = out + op - off;
            uint8_t *dst = out + op;
            if (off >= mlen) {
                memcpy(dst, src, mlen);
            } else if (off == 1) {
                memset(dst, src[0], mlen);     /* a run of one byte: zeros, mostly */
            } else {
                size_t i = 0;
                if (off >= 8)                  /* each 8 bytes read are already written */
                    for (; i + 8 <= mlen; i += 8)
                        memcpy(dst + i, src + i, 8);
                for (; i < mlen; i++)
                    dst[i] = src[i];
            }
            op += mlen;
            if (op >= out_cap && stop_at_cap)
                goto done;
        }
        /* A full 64 KiB block: stop unless another table and stream follow
         * (measured: a full 64 KiB extent leaves 2 unread bytes). */
        if (b.pos >= in_len || in_len - b.pos < 256 + 4)
            goto done;
        block_at = b.pos;
    }
done:
    *out_len = op;
    return B2A_OK;
}
