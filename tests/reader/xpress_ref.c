/* The XPRESS decoder as it was before the fast one (src/reader/mssql/xpress.c
 * at c9bfff0), kept verbatim as the reference the new one must agree with
 * (test_xpress_agree.c). Not built into the library.
 *
 * MS-XCA LZ77+Huffman decoder, written from the [MS-XCA] specification
 * (section 2.2.4, "LZ77+Huffman Decompression Algorithm Details").
 *
 * The bit reader follows the spec's state machine exactly (a 32-bit window
 * refilled one 16-bit word as soon as fewer than 16 bits are spare), because
 * long match lengths are read as bytes from the input position the refills
 * leave behind: reading ahead further would shift those bytes. */
#include "xpress_ref.h"

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
    /* Canonical codes rise, so long codes sharing a prefix come together:
     * a new prefix opens the next subtable. */
    unsigned nsub = 0, k = 0;
    uint32_t last_prefix = UINT32_MAX;
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
                if (prefix != last_prefix) {
                    last_prefix = prefix;
                    t->prim[prefix] = (uint16_t)(SUB_FLAG | nsub);
                    nsub++;
                }
                uint16_t *st = t->sub[nsub - 1];
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

/* The spec's reader holds a 32-bit window and loads one word as soon as
 * fewer than 16 bits are spare. This one loads two words at a time into a
 * 64-bit buffer (fewer refills, none between a match symbol and its offset
 * bits) and recovers the spec's position from the bit count when it needs it:
 * the spec holds 16..31 valid bits after any consume, so every whole word
 * beyond that is one this reader loaded ahead. */
typedef struct bits {
    const uint8_t *in;
    size_t len;
    size_t pos;      /* the next byte to load */
    uint64_t bb;     /* valid bits at the top, zeros below */
    unsigned n;      /* valid bits */
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

/* At least 32 valid bits afterwards: a symbol and its offset bits (<= 30). */
static inline void refill(bits *b)
{
    if (b->n >= 32)
        return;
    uint32_t w;
    if (b->pos + 4 <= b->len) {
        const uint8_t *p = b->in + b->pos;
        w = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 24 | p[2] | (uint32_t)p[3] << 8;
    } else {
        w = word_at(b, b->pos) << 16 | word_at(b, b->pos + 2);
    }
    b->bb |= (uint64_t)w << (32 - b->n);
    b->n += 32;
    b->pos += 4;
}

/* n <= 15 and n <= b->n. */
static inline void consume(bits *b, unsigned n)
{
    b->bb <<= n;
    b->n -= n;
}

/* The spec's CurrentPosition; needs b->n >= 16. */
static inline size_t spec_pos(const bits *b)
{
    return b->pos - 2 * ((b->n - 16) >> 4);
}

/* Drop the words loaded ahead, so bytes can be read at the spec's position. */
static inline void rewind_to_spec(bits *b)
{
    size_t sp = spec_pos(b);
    unsigned keep = 16 + ((b->n - 16) & 15);
    b->bb &= ~(uint64_t)0 << (64 - keep);
    b->n = keep;
    b->pos = sp;
}

/* Start a block's bitstream at `at`: the spec primes its window with 32 bits. */
static inline void prime(bits *b, size_t at)
{
    b->pos = at;
    b->bb = 0;
    b->n = 0;
    refill(b);
}

#define FAIL(reason, at) do { fail->why = (reason); fail->in_pos = (at); return B2A_EFORMAT; } while (0)

int b2a__xpress_ref_decode(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
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
        prime(&b, block_at + 256);
        if (b.pos > in_len)
            FAIL("chunk ends inside the bitstream", in_len);
        size_t block_end = op + BLOCK_OUT;

        while (op < block_end) {
            refill(&b);
            /* The stream may run at most one word past its end (the spec's
             * refill after the EOF symbol); further is a truncated chunk. */
            if (b.pos > in_len + 2 && spec_pos(&b) > in_len + 2)
                FAIL("chunk ends inside the bitstream", in_len);
            uint16_t e = t.prim[b.bb >> (64 - PBITS)];
            if (e & SUB_FLAG)
                e = t.sub[e & ~SUB_FLAG][(b.bb >> (64 - MAX_LEN)) & ((1u << SBITS) - 1)];
            unsigned sym = e & 0x1FF, l = e >> 9;
            consume(&b, l);
            if (sym < 256) {
                if (op >= out_cap) {
                    if (stop_at_cap)
                        goto done;
                    FAIL("output larger than the buffer", spec_pos(&b));
                }
                out[op++] = (uint8_t)sym;
                continue;
            }
            if (sym == 256 && spec_pos(&b) >= in_len)
                goto done;
            sym -= 256;
            size_t mlen = sym & 15;
            unsigned obits = sym >> 4;
            if (mlen == 15) {
                /* Length bytes sit where the spec's reader stands. */
                rewind_to_spec(&b);
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
            size_t off = obits ? (size_t)(b.bb >> (64 - obits)) : 0;
            off += (size_t)1 << obits;
            consume(&b, obits);
            if (off > op)
                FAIL("match offset before the start of the output", b.n >= 16 ? spec_pos(&b) : b.pos);
            if (mlen > out_cap - op) {
                if (!stop_at_cap)
                    FAIL("output larger than the buffer", b.n >= 16 ? spec_pos(&b) : b.pos);
                mlen = out_cap - op;
            }
            const uint8_t *src = out + op - off;
            uint8_t *dst = out + op;
            if (off >= 8 && mlen <= 32 && mlen + 8 <= out_cap - op) {
                /* Short: 8 bytes at a time, possibly 7 past the match (still
                 * inside out, overwritten next); each 8 read are already written. */
                for (size_t i = 0; i < mlen; i += 8)
                    memcpy(dst + i, src + i, 8);
            } else if (off >= mlen) {
                memcpy(dst, src, mlen);
            } else if (off == 1) {
                memset(dst, src[0], mlen);     /* a run of one byte: zeros, mostly */
            } else {
                /* Byte-wise: overlapping copies (off < mlen) repeat the pattern. */
                size_t i = 0;
                if (off >= 8)
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
        refill(&b);
        size_t sp = spec_pos(&b);
        if (sp >= in_len || in_len - sp < 256 + 4)
            goto done;
        block_at = sp;
    }
done:
    *out_len = op;
    return B2A_OK;
}
