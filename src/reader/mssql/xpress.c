/* MS-XCA LZ77+Huffman decoder, written from the [MS-XCA] specification
 * (section 2.2.4, "LZ77+Huffman Decompression Algorithm Details").
 *
 * The spec's bit reader is a 32-bit window refilled one 16-bit word as soon
 * as fewer than 16 bits are spare, and long match lengths are read as bytes
 * from the input position those refills leave behind. This one reads ahead
 * (up to 64 bits) and recovers that position from its bit count wherever it
 * is needed (the `bits` reader below). */
#include "reader/mssql/xpress.h"

#include <string.h>
#include "bak2avro/errors.h"

#define NSYMS 512
#define MAX_LEN 15
#define BLOCK_OUT 65536
#define PBITS 12                     /* primary table index bits: most codes resolve in one lookup */
#define SBITS (MAX_LEN - PBITS)      /* bits resolved by a subtable */

/* A table entry (32 bits), laid out for the fast loop's one path: bits
 * 16-24 the symbol (0..511). A "simple" symbol -- a literal, or a match
 * with no length byte of at most 16 bytes and at most the smallest offset
 * its offset bits allow (entry() below) -- has in
 * bits 0-5 all the bits it takes (code length + offset bits), so the
 * entry is its own shift count (x86 shifts take the count mod 64) and
 * consuming them waits on no extraction; bits 8-13 63 minus its offset
 * bits (63 for a literal: no offset bits), bits 25-29 its output length
 * (1 for a literal) and bit 31 set for a match: the fast loop takes it
 * without a branch on its kind. Anything else (a longer match, a length
 * byte, symbol 256, a subtable prefix) has E_SLOW and its code length in bits
 * 0-5; a subtable prefix also has E_SUB, and its subtable number where
 * the symbol goes. 32 bits make the primary table 16 KiB (still in L1
 * with the output) and its fill 4 entries per 16-byte store.
 * (Entries decoding two literals at once were tried: the extra table pass
 * per 64 KiB block cost more than it saved, bench_xpress 1.31 vs 1.50.) */
#define E_SYM(e) ((unsigned)(e) >> 16 & 511u)
#define E_SUB 0x40u
#define E_SLOW 0x80u
#define E_FAR 0x80000000u
#define E_OSHIFT(e) ((unsigned)(e) >> 8 & 63u)
#define E_ADV(e) ((unsigned)(e) >> 25 & 31u)

/* The code length of any entry but a subtable prefix. */
static inline unsigned code_len(uint32_t e)
{
    return (e & 63u) - (e & E_SLOW ? 0 : 63u - E_OSHIFT(e));
}

/* A symbol's entry; len is its code length. A match is simple when one
 * 16-byte move from off back copies it: length <= 16 and <= off (the
 * move reads only bytes already written), so offsets of 4..7 and 8..15
 * with lengths up to 4 and 8 qualify too. */
static inline uint32_t entry(unsigned sym, unsigned len)
{
    if (sym < 256)
        return len | 63u << 8 | sym << 16 | 1u << 25;
    unsigned lcode = (sym - 256) & 15, obits = (sym - 256) >> 4;
    if (lcode <= 13 && lcode + 3 <= 1u << obits)
        return (len + obits) | (63u - obits) << 8 | sym << 16 | (lcode + 3) << 25 | E_FAR;
    return len | E_SLOW | sym << 16;
}

/* A literal's 16-byte "match source": its byte first (the 15 after it are
 * overwritten by what follows). */
#define ID4(b) (b), (b) + 1, (b) + 2, (b) + 3
#define ID16(b) ID4(b), ID4((b) + 4), ID4((b) + 8), ID4((b) + 12)
#define ID64(b) ID16(b), ID16((b) + 16), ID16((b) + 32), ID16((b) + 48)
static const uint8_t lit_src[256 + 16] = { ID64(0), ID64(64), ID64(128), ID64(192) };

/* Long codes (> PBITS bits) have the highest codes, so their PBITS-bit
 * prefixes are the last primary entries, each covered wholly by long codes
 * (the code is complete). A long code covers at most 4 of a subtable's 8
 * entries, so there are at most NSYMS / 2 subtables. Both arrays have 8
 * entries to spare at the end for build()'s whole 8-entry stores. */
/* About 24 KiB, on the decoding thread's stack (the library sets no
 * stack size; glibc's threads have 8 MiB, musl's 128 KiB). */
typedef struct dtable {
    uint32_t prim[(1u << PBITS) + 8];
    uint32_t sub[(NSYMS / 2 + 1) << SBITS];   /* subtable s at s << SBITS */
} dtable;

/* Code lengths per length, and the Kraft check: 1 if the code is complete. */
static int count_lengths(const uint8_t table[256], unsigned count[MAX_LEN + 1])
{
    memset(count, 0, sizeof(unsigned) * (MAX_LEN + 1));
    for (unsigned i = 0; i < 256; i++) {
        count[table[i] & 0x0F]++;
        count[table[i] >> 4]++;
    }
    uint32_t kraft = 0;
    for (unsigned l = 1; l <= MAX_LEN; l++)
        kraft += count[l] << (MAX_LEN - l);
    return kraft == (1u << MAX_LEN);
}

/* Each table byte's two code lengths' share of the Kraft sum, 2^(15 - l)
 * each (0 for an unused symbol): the record walk checks every record's
 * table, and one lookup per byte is a third of counting lengths. */
#define KW(l) ((l) ? 1u << (MAX_LEN - (l)) : 0u)
#define KB(b) (KW((b) & 15u) + KW((b) >> 4))
#define KB4(b) KB(b), KB((b) + 1), KB((b) + 2), KB((b) + 3)
#define KB16(b) KB4(b), KB4((b) + 4), KB4((b) + 8), KB4((b) + 12)
#define KB64(b) KB16(b), KB16((b) + 16), KB16((b) + 32), KB16((b) + 48)
static const uint32_t kraft_of_byte[256] = { KB64(0u), KB64(64u), KB64(128u), KB64(192u) };

int b2a__xpress_table_ok(const uint8_t table[256])
{
    uint32_t kraft = 0;
    for (unsigned i = 0; i < 256; i++)
        kraft += kraft_of_byte[table[i]];
    return kraft == (1u << MAX_LEN);
}

/* n (a power of two) copies of e from t, by whole 8-entry stores: for
 * n < 8 the entries past the n belong to the codes that follow. */
static inline void fill(uint32_t *t, uint32_t e, uint32_t n)
{
    uint64_t ee[2];
    ee[0] = ee[1] = 0x0000000100000001ULL * e;
    uint32_t j = 0;
    do {
        memcpy(t + j, ee, 16);
        memcpy(t + j + 4, ee, 16);
        j += 8;
    } while (j < n);
}

/* Canonical code: shorter codes first, equal lengths in symbol order, codes
 * read most significant bit first. Returns 0 unless the code is complete.
 * Entries are written in code order, 8 at a time even where a code has
 * fewer: the excess belongs to the codes that follow, which write it again
 * (the code is complete), so no branch depends on a code's length (written
 * in symbol order with a branch per length, a build mispredicted three
 * times as often and saved nothing). */
static int build(dtable *t, const uint8_t table[256])
{
    unsigned count[MAX_LEN + 1];
    if (!count_lengths(table, count))
        return 0;
    /* Symbols sorted by (length, symbol): the canonical code order. */
    uint16_t order[NSYMS];
    unsigned start[MAX_LEN + 2];
    start[0] = 0;
    start[1] = count[0];
    for (unsigned l = 1; l <= MAX_LEN; l++)
        start[l + 1] = start[l] + count[l];
    for (unsigned i = 0; i < 256; i++) {
        order[start[table[i] & 0x0F]++] = (uint16_t)(2 * i);
        order[start[table[i] >> 4]++] = (uint16_t)(2 * i + 1);
    }
    unsigned k = count[0];
    uint32_t code = 0;
    for (unsigned l = 1; l <= PBITS; l++, code <<= 1)
        for (unsigned i = 0; i < count[l]; i++, k++, code++)
            fill(t->prim + (code << (PBITS - l)), entry(order[k], l), 1u << (PBITS - l));
    /* The long codes' prefixes: first_sub .. the table's end, subtable i
     * for prefix first_sub + i (written after the short codes' excess). */
    uint32_t first_sub = code >> 1;
    for (uint32_t p = first_sub; p < (1u << PBITS); p++)
        t->prim[p] = E_SLOW | E_SUB | (p - first_sub) << 16;
    for (unsigned l = PBITS + 1; l <= MAX_LEN; l++, code <<= 1)
        for (unsigned i = 0; i < count[l]; i++, k++, code++) {
            uint32_t s = (code >> (l - PBITS)) - first_sub, low = code & ((1u << (l - PBITS)) - 1);
            fill(t->sub + (s << SBITS) + (low << (MAX_LEN - l)), entry(order[k], l), 1u << (MAX_LEN - l));
        }
    return 1;
}

/* The spec's reader holds a 32-bit window and loads one word as soon as
 * fewer than 16 bits are spare. This one loads two words at a time into a
 * 64-bit buffer (refill), or up to four (refill_fast, in the fast loop),
 * and recovers the spec's position from the bit count when it needs it:
 * the spec holds 16..31 valid bits after any consume, so every whole word
 * beyond that is one this reader loaded ahead. */
typedef struct bits {
    const uint8_t *in;
    size_t len;
    size_t pos;      /* the next byte to load */
    uint64_t bb;     /* valid bits at the top; below, zeros or the stream's next bits */
    unsigned n;      /* valid bits */
    size_t anchor;   /* where the 32-bit-at-a-time reader (refill) began loading:
                        the block's bitstream or the byte after a match length */
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

/* The fast loop's refill: 8 bytes loaded at once (4 words; needs
 * pos + 8 <= len) and as many whole words as fit, n ending in 49..64.
 * Bits below the n valid ones may hold the stream's next bits, never
 * anything else, so OR-ing the same words in again later changes nothing.
 * Needs n >= 1. */
static inline void refill_fast(bits *b)
{
    /* Little-endian words, the first one on top. On a little-endian
     * machine a 32-bit load holds two words, the first at the bottom: a
     * rotate by 16 puts it on top. Two such halves are 6 instructions
     * without constants, against 10 for a 64-bit byte swap and a swap back
     * within each word (a word shuffle in an SSE register, 3 instructions,
     * was slower: the moves between register files sit on the path to
     * the next lookup). */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    uint64_t x;
    memcpy(&x, b->in + b->pos, 8);
    uint64_t w = (x >> 8 & 0x00FF00FF00FF00FFULL) | (x & 0x00FF00FF00FF00FFULL) << 8;
#else
    uint32_t hi, lo;
    memcpy(&hi, b->in + b->pos, 4);
    memcpy(&lo, b->in + b->pos + 4, 4);
    hi = hi << 16 | hi >> 16;
    lo = lo << 16 | lo >> 16;
    uint64_t w = (uint64_t)hi << 32 | lo;
#endif
    b->bb |= (w >> 1) >> (b->n - 1);
    unsigned k = (64 - b->n) >> 4;
    b->pos += 2 * k;
    b->n += 16 * k;
}

/* Start a block's bitstream at `at`: the spec primes its window with 32 bits. */
static inline void prime(bits *b, size_t at)
{
    b->pos = at;
    b->anchor = at;
    b->bb = 0;
    b->n = 0;
    refill(b);
}

/* Output room the fast loop keeps: a match of up to 18 bytes (no length
 * byte) plus the 16 its wide copy may run past it (a simple symbol's
 * 16-byte move fits well within). */
#define FAST_ROOM 34

#define FAIL(reason, at) do { fail->why = (reason); fail->in_pos = (at); return B2A_EFORMAT; } while (0)

/* Copy a match of mlen bytes from off back, with at least 16 bytes of room
 * after dst + mlen: whole 16- or 8-byte moves may run past the match (the
 * bytes past it are overwritten next or lie beyond the output). Every move
 * reads only bytes already written: off >= the move's width. */
static inline void copy_match_wide(uint8_t *dst, size_t off, size_t mlen)
{
    const uint8_t *src = dst - off;
    /* Most matches (80-85% on the samples) are at most 16 bytes from at
     * least 8 back: two 8-byte moves, tested first so the common case
     * takes one predictable branch. */
    if ((mlen <= 16) & (off >= 8)) {
        memcpy(dst, src, 8);
        memcpy(dst + 8, src + 8, 8);
        return;
    }
    if (off >= 16) {
        if (mlen > 64 && off >= mlen) {
            memcpy(dst, src, mlen); /* long and not overlapping: libc's copy */
            return;
        }
        /* mlen >= 3: the first move is always needed. */
        memcpy(dst, src, 16);
        for (size_t i = 16; i < mlen; i += 16)
            memcpy(dst + i, src + i, 16);
    } else if (off >= 8) {
        memcpy(dst, src, 8);
        for (size_t i = 8; i < mlen; i += 8)
            memcpy(dst + i, src + i, 8);
    } else if (off == 1) {
        /* A run of one byte: the zeros of empty pages, mostly. */
        if (mlen <= 32) {
            uint64_t v = 0x0101010101010101ULL * src[0];
            for (size_t i = 0; i < mlen; i += 8)
                memcpy(dst + i, &v, 8);
        } else {
            memset(dst, src[0], mlen);
        }
    } else {
        /* A pattern of 2..7 bytes: byte by byte (each byte reads one already written). */
        for (size_t i = 0; i < mlen; i++)
            dst[i] = src[i];
    }
}

/* The same without room to spare: exactly mlen bytes are written. */
static inline void copy_match_exact(uint8_t *dst, size_t off, size_t mlen)
{
    const uint8_t *src = dst - off;
    if (off >= mlen) {
        memcpy(dst, src, mlen);
    } else if (off == 1) {
        memset(dst, src[0], mlen);
    } else {
        for (size_t i = 0; i < mlen; i++)
            dst[i] = src[i];
    }
}

/* The input position an error after a match's offset bits names: the
 * spec's position, but where the previous decoder (xpress_ref.c, which
 * refilled 32 bits when fewer than 32 were valid, from `anchor` on) held
 * fewer than 16 bits, its next load position. That decoder's bit count at
 * the symbol's start was 32..63, the loaded bits from the anchor on a
 * multiple of 32; slen + obits were consumed since. */
__attribute__((noinline, cold)) static size_t err_pos(size_t pos, unsigned n, size_t anchor,
                                                      unsigned slen, unsigned obits, int canonical)
{
    size_t p = 8 * pos - n;   /* the next bit */
    unsigned n_ref = n;
    if (!canonical) {
        size_t p_start = p - slen - obits;
        n_ref = 32 + (unsigned)((8 * anchor - p_start) & 31) - slen - obits;
    }
    /* The spec's position as a function of the next bit alone (spec_pos
     * for any n): it holds 16..31 bits, loaded by words from the anchor. */
    return n_ref >= 16 ? (p + 16 + ((8 * anchor - p) & 15)) / 8 : (p + n_ref) / 8;
}

/* A match symbol (sym - 256 in 0..255) whose bits are consumed: read its
 * length and offset, check them and copy (slen: the symbol's code length;
 * roomy: the caller knows out_cap - op >= FAST_ROOM, so a match of at most
 * 18 bytes needs no room check).
 * Needs b->n >= 15 (the offset bits). Returns 0 to go on, 1 when
 * stop_at_cap has filled the output, -1 with *fail set. Both loops use it,
 * so a bad stream fails the same way in either. */
__attribute__((always_inline)) static inline int match(bits *b, unsigned sym, unsigned slen,
                                                       uint8_t *out, size_t out_cap, int stop_at_cap,
                                                       int roomy, size_t *opp, b2a_xpress_fail *fail)
{
#define MFAIL(reason, at) do { fail->why = (reason); fail->in_pos = (at); return -1; } while (0)
    const uint8_t *in = b->in;
    size_t in_len = b->len, op = *opp;
    size_t mlen = sym & 15;
    unsigned obits = sym >> 4;
    int canonical = 0;   /* after a rewind both decoders' states are the same */
    if (mlen == 15) {
        canonical = 1;
        /* Length bytes sit where the spec's reader stands. */
        rewind_to_spec(b);
        if (b->pos >= in_len)
            MFAIL("match length byte past the end of the chunk", b->pos);
        mlen = in[b->pos++];
        if (mlen == 255) {
            if (b->pos + 2 > in_len)
                MFAIL("match length word past the end of the chunk", b->pos);
            mlen = (size_t)in[b->pos] | (size_t)in[b->pos + 1] << 8;
            b->pos += 2;
            if (mlen == 0) {
                if (b->pos + 4 > in_len)
                    MFAIL("match length dword past the end of the chunk", b->pos);
                mlen = (size_t)in[b->pos] | (size_t)in[b->pos + 1] << 8 |
                       (size_t)in[b->pos + 2] << 16 | (size_t)in[b->pos + 3] << 24;
                b->pos += 4;
            }
            if (mlen < 15)
                MFAIL("invalid extended match length", b->pos);
            mlen -= 15;
        }
        mlen += 15;
        b->anchor = b->pos;
    }
    mlen += 3;
    /* obits <= 15 and >= 15 bits are valid: a 1 put above the top bits,
     * then 1 << obits | the next obits bits in one shift (1 for obits 0). */
    size_t off = (size_t)((b->bb >> 1 | (uint64_t)1 << 63) >> (63 - obits));
    consume(b, obits);
    if (off > op)
        MFAIL("match offset before the start of the output",
              err_pos(b->pos, b->n, b->anchor, slen, obits, canonical));
    if ((roomy && mlen <= FAST_ROOM - 16) || mlen + 16 <= out_cap - op) {
        copy_match_wide(out + op, off, mlen);
        *opp = op + mlen;   /* 16 bytes short of out_cap at least */
        return 0;
    }
    if (mlen > out_cap - op) {
        if (!stop_at_cap)
            MFAIL("output larger than the buffer",
                  err_pos(b->pos, b->n, b->anchor, slen, obits, canonical));
        mlen = out_cap - op;
    }
    copy_match_exact(out + op, off, mlen);
    op += mlen;
    *opp = op;
    return op >= out_cap && stop_at_cap;
#undef MFAIL
}

/* The decoder; with rs, it pauses at the first symbol boundary at or past
 * `until` output bytes and saves where it stands in *rs, to go on later
 * from there (the table is built again from the block's 256 bytes: keeping
 * it with the paused extent, 12 KiB more per cached extent, saved 1% of
 * the instructions of a scan but cost more in page faults, each open
 * touching fresh pages for it). */
static int decode(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, int stop_at_cap,
                  size_t until, b2a_xpress_resume *rs, size_t *out_len, b2a_xpress_fail *fail)
{
    b2a_xpress_fail dummy;
    if (!fail)
        fail = &dummy;
    fail->why = NULL;
    fail->in_pos = 0;
    *out_len = 0;
    dtable t;
    size_t op = 0;
    size_t block_at = 0, block_end = 0;
    bits b = { in, in_len, 0, 0, 0, 0 };
    int resume = rs && rs->started;
    if (resume) {
        if (rs->done) {
            *out_len = rs->op;
            return B2A_OK;
        }
        op = rs->op;
        block_at = rs->block_at;
        block_end = rs->block_end;
        b.pos = rs->pos;
        b.bb = rs->bb;
        b.n = rs->n;
        b.anchor = rs->anchor;
    }

    for (;;) {
        if (!resume) {
            /* A new block: 256-byte table, then the bitstream primed with 32 bits. */
            if (block_at + 256 > in_len)
                FAIL("chunk shorter than its 256-byte Huffman table", block_at);
            if (!build(&t, in + block_at))
                FAIL("Huffman table is not a complete prefix code", block_at);
            prime(&b, block_at + 256);
            if (b.pos > in_len)
                FAIL("chunk ends inside the bitstream", in_len);
            block_end = op + BLOCK_OUT;
        } else {
            /* Checked when the block began; checked again, since the input
             * is read anew for a resumed decode. */
            if (block_at + 256 > in_len)
                FAIL("chunk shorter than its 256-byte Huffman table", block_at);
            if (!build(&t, in + block_at))
                FAIL("Huffman table is not a complete prefix code", block_at);
            resume = 0;
        }

        size_t stop = block_end < until ? block_end : until;
        /* The fast loop, while at least 10 input bytes, 3 output bytes
         * short of stop and FAST_ROOM short of out_cap remain: no bounds
         * check per symbol, none for a short match's copy;
         * below 32 valid bits, one refill (8 bytes, to 49..64 bits);
         * then one symbol with its offset bits (at most 15 + 15). Every
         * path leaves n >= 1, as refill_fast needs. The careful loop below
         * takes the end. */
        size_t room_lim = out_cap >= FAST_ROOM - 3 ? out_cap - (FAST_ROOM - 3) : 0;
        size_t lim = stop < room_lim ? stop : room_lim;
        if (in_len >= 10 && b.n >= 16 && b.pos <= in_len - 10) {
            /* Input is read only by a refill, so only a refill checks it:
             * pos <= in_len - 2 at every symbol. (A match's length bytes
             * may take pos further, but they leave n < 32 after the
             * rewind, so the next symbol is preceded by this check.) */
            size_t in_fast = in_len - 10;
            while (op + 3 <= lim) {
                if (b.n < 32) {
                    if (b.pos > in_fast)
                        break;
                    refill_fast(&b);
                }
                uint32_t e = t.prim[b.bb >> (64 - PBITS)];
                if (__builtin_expect(e & E_SLOW, 0)) {
                    if (e & E_SUB)
                        e = t.sub[(E_SYM(e) << SBITS) + ((b.bb >> (64 - MAX_LEN)) & ((1u << SBITS) - 1))];
                    consume(&b, code_len(e));
                    unsigned sym = E_SYM(e);
                    if (sym < 256) {
                        out[op++] = (uint8_t)sym;
                        continue;
                    }
                    /* No end-of-stream test for symbol 256: here the spec's
                     * position is short of in_len (at most pos, with >= 16
                     * valid bits, and pos <= in_len - 2), so 256 is a match. */
                    int m = match(&b, sym - 256, code_len(e), out, out_cap, stop_at_cap, 1, &op, fail);
                    if (m < 0)
                        return B2A_EFORMAT;
                    if (m)
                        goto done;
                    continue;
                }
                /* A simple symbol (a literal or a short match: 80-93% of
                 * the samples' symbols), one path with no branch on its kind, so the
                 * E_SLOW test above is the only data-dependent one: all its
                 * bits consumed at once; the offset (1 for a literal, as if
                 * a match with no offset bits) is the low bits of the
                 * consumed bits rotated round, below a 1; the source (for
                 * a literal, its byte in lit_src) chosen by a mask, not a
                 * test gcc would make a branch of; one 16-byte move. */
                unsigned tot = e & 63;
                uint64_t rot = b.bb << tot | b.bb >> ((64 - tot) & 63);
                unsigned os = E_OSHIFT(e);
                size_t off = (size_t)((rot << os | (uint64_t)1 << 63) >> os);
                b.bb <<= tot;
                b.n -= tot;
                uintptr_t is_far = (uintptr_t)0 - (e >> 31);   /* all ones for a match */
                uintptr_t msrc = (uintptr_t)out + op - off;
                uintptr_t lsrc = (uintptr_t)(lit_src + (uint8_t)(e >> 16));
                const uint8_t *src = (const uint8_t *)(lsrc ^ ((msrc ^ lsrc) & is_far));
                if (__builtin_expect((off & is_far) > op, 0))
                    FAIL("match offset before the start of the output",
                         err_pos(b.pos, b.n, b.anchor, code_len(e), 63 - os, 0));
                /* One load, then one store: for an offset under 16 they
                 * overlap (not a memcpy's business); the bytes read from op
                 * on are not written yet and land at op + off or later,
                 * past the match (length <= offset). */
                uint8_t v[16];
                memcpy(v, src, 16);
                memcpy(out + op, v, 16);
                op += E_ADV(e);
            }
        }
        while (op < stop) {
            refill(&b);
            /* The stream may run at most one word past its end (the spec's
             * refill after the EOF symbol); further is a truncated chunk. */
            if (b.pos > in_len + 2 && spec_pos(&b) > in_len + 2)
                FAIL("chunk ends inside the bitstream", in_len);
            uint32_t e = t.prim[b.bb >> (64 - PBITS)];
            if (e & E_SUB)
                e = t.sub[(E_SYM(e) << SBITS) + ((b.bb >> (64 - MAX_LEN)) & ((1u << SBITS) - 1))];
            unsigned sym = E_SYM(e);
            consume(&b, code_len(e));
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
            int m = match(&b, sym - 256, code_len(e), out, out_cap, stop_at_cap, 0, &op, fail);
            if (m < 0)
                return B2A_EFORMAT;
            if (m)
                goto done;
        }
        if (op < block_end) {
            /* Paused at `until` (only with rs). */
            rs->started = 1;
            rs->op = op;
            rs->block_at = block_at;
            rs->block_end = block_end;
            rs->pos = b.pos;
            rs->bb = b.bb;
            rs->n = b.n;
            rs->anchor = b.anchor;
            *out_len = op;
            return B2A_OK;
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
    if (rs) {
        rs->started = 1;
        rs->done = 1;
        rs->op = op;
    }
    *out_len = op;
    return B2A_OK;
}

/* ---- A peek without a decoding table ----
 * A peek wants a page header (96 bytes) of a block whose table has about
 * 450 symbols: filling the 4096-entry table cost ten times the decoding.
 * Here codes are resolved from the canonical code's per-length limits, and
 * the bits are read as the spec reads them (a 32-bit window refilled one
 * word when fewer than 16 bits are spare), so the spec's position is at
 * hand without recovering it. Anything the full decoder might settle
 * differently (an error, the end of the input, a second block) is left to
 * it: the peek only answers when the full decoder gives the same bytes. */

/* The canonical code by length: the symbols of each length in symbol order
 * (their codes' order) and where each length's codes end. */
typedef struct canon {
    uint16_t sym[MAX_LEN + 1][NSYMS];
    uint32_t first[MAX_LEN + 1];   /* the first code of each length */
    uint32_t limit[MAX_LEN + 1];   /* the end of each length's codes, as 15-bit left-aligned */
} canon;

/* Fills c from a block's table; 0 unless the code is complete. */
static int canon_build(canon *c, const uint8_t table[256])
{
    unsigned n[MAX_LEN + 1] = {0};
    for (unsigned i = 0; i < 256; i++) {
        unsigned lo = table[i] & 0x0F, hi = table[i] >> 4;
        c->sym[lo][n[lo]++] = (uint16_t)(2 * i);
        c->sym[hi][n[hi]++] = (uint16_t)(2 * i + 1);
    }
    uint32_t code = 0, kraft = 0;
    for (unsigned l = 1; l <= MAX_LEN; l++) {
        kraft += n[l] << (MAX_LEN - l);
        c->first[l] = code;
        code += n[l];
        c->limit[l] = code << (MAX_LEN - l);
        code <<= 1;
    }
    return kraft == (1u << MAX_LEN);
}

/* The symbol whose code starts the 15 bits w; its length in *len. The
 * code is complete, so limit[MAX_LEN] is 1 << 15 and every w resolves. */
static inline unsigned canon_symbol(const canon *c, uint32_t w, unsigned *len)
{
    unsigned l = 1;
    while (w >= c->limit[l])
        l++;
    *len = l;
    return c->sym[l][(w >> (MAX_LEN - l)) - c->first[l]];
}

/* The spec's bit reader: window holds 16 + extra valid bits at the top. */
typedef struct spec_bits {
    const uint8_t *in;
    size_t len;
    size_t pos;       /* the spec's CurrentPosition */
    uint32_t window;
    int extra;
} spec_bits;

/* Drop n (<= 15) bits, loading the next word once fewer than 16 are left.
 * 0 when that word lies beyond the input: the full decoder reads zeros
 * there and may fail, so the peek gives up. */
static inline int spec_drop(spec_bits *r, unsigned n)
{
    r->window <<= n;
    r->extra -= (int)n;
    if (r->extra >= 0)
        return 1;
    if (r->pos + 2 > r->len)
        return 0;
    r->window |= (uint32_t)(r->in[r->pos] | r->in[r->pos + 1] << 8) << -r->extra;
    r->pos += 2;
    r->extra += 16;
    return 1;
}

/* A match symbol's length (the length bytes where the spec's reader
 * stands, as match() reads them) and offset; 0 where match() would fail. */
static int peek_match(spec_bits *r, unsigned msym, size_t op, size_t *mlen, size_t *off)
{
    const uint8_t *in = r->in;
    size_t len = msym & 15;
    unsigned obits = msym >> 4;
    if (len == 15) {
        if (r->pos >= r->len)
            return 0;
        len = in[r->pos++];
        if (len == 255) {
            if (r->pos + 2 > r->len)
                return 0;
            len = (size_t)in[r->pos] | (size_t)in[r->pos + 1] << 8;
            r->pos += 2;
            if (len == 0) {
                if (r->pos + 4 > r->len)
                    return 0;
                len = (size_t)in[r->pos] | (size_t)in[r->pos + 1] << 8 |
                      (size_t)in[r->pos + 2] << 16 | (size_t)in[r->pos + 3] << 24;
                r->pos += 4;
            }
            if (len < 15)
                return 0;
            len -= 15;
        }
        len += 15;
    }
    *mlen = len + 3;
    *off = (obits ? r->window >> (32 - obits) : 0) | (size_t)1 << obits;
    return spec_drop(r, obits) && *off <= op;
}

int b2a__xpress_peek(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap)
{
    if (out_cap == 0 || out_cap >= BLOCK_OUT || in_len < 256 + 4)
        return 0;
    canon c;
    if (!canon_build(&c, in))
        return 0;
    spec_bits r = { in, in_len, 256 + 4, 0, 16 };
    r.window = (uint32_t)(in[256] | in[257] << 8) << 16 | (uint32_t)(in[258] | in[259] << 8);
    size_t op = 0;
    for (;;) {
        unsigned len;
        unsigned sym = canon_symbol(&c, r.window >> (32 - MAX_LEN), &len);
        if (!spec_drop(&r, len))
            return 0;
        if (sym == 256 && r.pos >= in_len)   /* the end of the stream */
            return op == out_cap;
        if (sym < 256) {
            if (op == out_cap)
                return 1;
            out[op++] = (uint8_t)sym;
            continue;
        }
        size_t mlen, off;
        if (!peek_match(&r, sym - 256, op, &mlen, &off))
            return 0;
        /* After a literal fills the cap the full decoder reads one more
         * symbol, so a bad match there fails it: checked just above. */
        if (op == out_cap)
            return 1;
        size_t n = mlen < out_cap - op ? mlen : out_cap - op;
        for (size_t i = 0; i < n; i++, op++)
            out[op] = out[op - off];
        if (op == out_cap)
            return 1;
    }
}

int b2a__xpress_decode(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
                       int stop_at_cap, size_t *out_len, b2a_xpress_fail *fail)
{
    return decode(in, in_len, out, out_cap, stop_at_cap, SIZE_MAX, NULL, out_len, fail);
}

int b2a__xpress_decode_until(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
                             size_t until, b2a_xpress_resume *rs, size_t *out_len,
                             b2a_xpress_fail *fail)
{
    return decode(in, in_len, out, out_cap, 0, until, rs, out_len, fail);
}
