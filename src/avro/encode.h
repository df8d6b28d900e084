/* Avro binary encoding into a growable byte buffer: zigzag varints,
 * length-prefixed bytes, little-endian IEEE floats. Inline because it is
 * the per-value hot path of every export. */
#ifndef B2A_AVRO_ENCODE_H
#define B2A_AVRO_ENCODE_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct b2a_abuf {
    uint8_t *p;
    size_t len, cap;
} b2a_abuf;

/* Grow (geometrically) so extra more bytes fit; -1 on OOM or overflow. */
static inline int b2a__abuf_reserve(b2a_abuf *b, size_t extra)
{
    if (b->cap - b->len >= extra)
        return 0;
    if (extra > SIZE_MAX / 2 - b->len)
        return -1;
    size_t need = b->len + extra;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < need)
        cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p)
        return -1;
    b->p = p;
    b->cap = cap;
    return 0;
}

static inline void b2a__abuf_free(b2a_abuf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* Unchecked writers: the caller reserved room first. A long takes at
 * most 10 bytes. */
static inline uint8_t *b2a__put_long(uint8_t *o, int64_t v)
{
    uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    while (z >= 0x80) {
        *o++ = (uint8_t)(z | 0x80);
        z >>= 7;
    }
    *o++ = (uint8_t)z;
    return o;
}

static inline uint8_t *b2a__put_f32(uint8_t *o, float v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(o, &v, 4);   /* already the wire order */
    return o + 4;
#else
    uint32_t u;
    memcpy(&u, &v, 4);
    for (int i = 0; i < 4; i++)
        *o++ = (uint8_t)(u >> (8 * i));
    return o;
#endif
}

static inline uint8_t *b2a__put_f64(uint8_t *o, double v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(o, &v, 8);
    return o + 8;
#else
    uint64_t u;
    memcpy(&u, &v, 8);
    for (int i = 0; i < 8; i++)
        *o++ = (uint8_t)(u >> (8 * i));
    return o;
#endif
}

static inline uint8_t *b2a__put_bytes(uint8_t *o, const void *p, size_t n)
{
    o = b2a__put_long(o, (int64_t)n);
    if (n)
        memcpy(o, p, n);
    return o + n;
}

#endif
