/* Name sanitization for Avro records, fields and file paths.
 * Rules from the type-mapping doc (§2.11, §4.1 item 9): BigQuery accepts
 * only [A-Za-z_][A-Za-z0-9_]*, at most 300 characters, no reserved
 * prefixes, and treats names case-insensitively. */
#include "avro/names.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Base letters for U+00C0..U+00FF; '*' = several letters (see multi()),
 * '_' = not a letter (× ÷). */
static const char latin1[64 + 1] =
    "AAAAAA*CEEEEIIIIDNOOOOO_OUUUUY**aaaaaa*ceeeeiiiidnooooo_ouuuuy*y";
/* Base letters for U+0100..U+017F (Latin Extended-A). */
static const char latin_ext_a[128 + 1] =
    "AaAaAaCcCcCcCcDd" "DdEeEeEeEeEeGgGg" "GgGgHhHhIiIiIiIi" "Ii**JjKkkLlLlLlL"
    "lLlNnNnNnnNnOoOo" "Oo**RrRrRrSsSsSs" "SsTtTtTtUuUuUuUu" "UuUuWwYyYZzZzZzs";

static const char *multi(uint32_t cp)
{
    switch (cp) {
    case 0xC6: return "AE";
    case 0xE6: return "ae";
    case 0xDE: return "TH";
    case 0xFE: return "th";
    case 0xDF: return "ss";
    case 0x132: return "IJ";
    case 0x133: return "ij";
    case 0x152: return "OE";
    case 0x153: return "oe";
    default: return NULL;
    }
}

/* Decode one UTF-8 sequence; returns its length (>= 1) and sets *cp, or
 * *cp = UINT32_MAX for an invalid byte (consumed alone). */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t n;
    uint32_t v, min;
    if ((c & 0xE0) == 0xC0) {
        n = 2; v = c & 0x1F; min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3; v = c & 0x0F; min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4; v = c & 0x07; min = 0x10000;
    } else {
        *cp = UINT32_MAX;
        return 1;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {   /* also stops at the NUL */
            *cp = UINT32_MAX;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = UINT32_MAX;
        return n;
    }
    *cp = v;
    return n;
}

static int is_name_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static int starts_with_ci(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++)
        if (lower(*s) != lower(*prefix))
            return 0;
    return 1;
}

static const char *const reserved[] = {
    "_TABLE_", "_FILE_", "_PARTITION", "_ROW_TIMESTAMP", "__ROOT__", "_COLIDENTIFIER",
    "_CHANGE_SEQUENCE_NUMBER", "_CHANGE_TYPE", "_CHANGE_TIMESTAMP",
};

static int is_reserved(const char *s)
{
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
        if (starts_with_ci(s, reserved[i]))
            return 1;
    return 0;
}

char *b2a__avro_name(const char *utf8)
{
    if (!utf8)
        utf8 = "";
    size_t inlen = strlen(utf8);
    /* Each input byte yields at most one output char, except the
     * two-letter transliterations (2 bytes in, 2 out); + "c_" + NUL. */
    char *out = malloc(inlen + 4);
    if (!out)
        return NULL;
    char *o = out + 2;      /* room to prepend "c_" or "_" without moving */
    size_t n = 0;
    int pending = 0;        /* a run of replaced characters awaits its '_' */
    const unsigned char *s = (const unsigned char *)utf8;
    while (*s) {
        uint32_t cp;
        s += utf8_next(s, &cp);
        const char *rep = NULL;
        char one[2] = {0, 0};
        if (cp < 0x80 && is_name_char((unsigned char)cp)) {
            one[0] = (char)cp;
            rep = one;
        } else if (cp >= 0x300 && cp <= 0x36F) {
            continue;       /* combining marks (NFD input): the diacritic goes */
        } else if (cp >= 0xC0 && cp <= 0xFF && latin1[cp - 0xC0] != '_') {
            one[0] = latin1[cp - 0xC0];
            rep = one[0] == '*' ? multi(cp) : one;
        } else if (cp >= 0x100 && cp <= 0x17F) {
            one[0] = latin_ext_a[cp - 0x100];
            rep = one[0] == '*' ? multi(cp) : one;
        }
        if (!rep) {
            pending = 1;
            continue;
        }
        if (pending && rep[0] != '_' && (n == 0 || o[n - 1] != '_'))
            o[n++] = '_';
        pending = 0;
        for (; *rep; rep++)
            o[n++] = *rep;
    }
    if (pending && (n == 0 || o[n - 1] != '_'))
        o[n++] = '_';
    o[n] = '\0';

    if (n == 0) {
        o[n++] = '_';
        o[n] = '\0';
    } else if (o[0] >= '0' && o[0] <= '9') {
        *--o = '_';
        n++;
    } else if (is_reserved(o)) {
        *--o = '_';
        *--o = 'c';
        n += 2;
    }
    if (n > B2A_AVRO_NAME_MAX) {
        n = B2A_AVRO_NAME_MAX;
        o[n] = '\0';
    }
    memmove(out, o, n + 1);
    return out;
}

int b2a__avro_name_is_valid(const char *s)
{
    if (!s || !*s || (*s >= '0' && *s <= '9') || is_reserved(s))
        return 0;
    size_t n = 0;
    for (; s[n]; n++)
        if (!is_name_char((unsigned char)s[n]))
            return 0;
    return n <= B2A_AVRO_NAME_MAX;
}

/* ---- case-insensitive unique set (open addressing on lower-cased text) */

struct b2a_avro_names {
    char **names;       /* in insertion order, as returned */
    size_t count, cap;
    size_t *slots;      /* index + 1 into names; 0 = empty */
    size_t nslots;      /* power of two */
};

static uint64_t hash_ci(const char *s)
{
    uint64_t h = 1469598103934665603ULL;   /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)lower(*s);
        h *= 1099511628211ULL;
    }
    return h;
}

static int eq_ci(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (lower(*a) != lower(*b))
            return 0;
    return *a == *b;
}

static int set_contains(const b2a_avro_names *set, const char *name)
{
    if (!set->nslots)
        return 0;
    size_t mask = set->nslots - 1;
    for (size_t i = hash_ci(name) & mask;; i = (i + 1) & mask) {
        if (!set->slots[i])
            return 0;
        if (eq_ci(set->names[set->slots[i] - 1], name))
            return 1;
    }
}

static int set_grow(b2a_avro_names *set)
{
    size_t nslots = set->nslots ? set->nslots * 2 : 16;
    size_t *slots = calloc(nslots, sizeof(*slots));
    if (!slots)
        return -1;
    for (size_t k = 0; k < set->count; k++) {
        size_t i = hash_ci(set->names[k]) & (nslots - 1);
        while (slots[i])
            i = (i + 1) & (nslots - 1);
        slots[i] = k + 1;
    }
    free(set->slots);
    set->slots = slots;
    set->nslots = nslots;
    return 0;
}

static int set_insert(b2a_avro_names *set, char *name)
{
    if (set->count == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 16;
        char **names = realloc(set->names, cap * sizeof(*names));
        if (!names)
            return -1;
        set->names = names;
        set->cap = cap;
    }
    if ((set->count + 1) * 2 > set->nslots && set_grow(set) < 0)
        return -1;
    set->names[set->count++] = name;
    size_t mask = set->nslots - 1;
    size_t i = hash_ci(name) & mask;
    while (set->slots[i])
        i = (i + 1) & mask;
    set->slots[i] = set->count;
    return 0;
}

b2a_avro_names *b2a__avro_names_new(void)
{
    return calloc(1, sizeof(b2a_avro_names));
}

const char *b2a__avro_names_add(b2a_avro_names *set, const char *utf8)
{
    char *base = b2a__avro_name(utf8);
    if (!base)
        return NULL;
    char *name = base;
    if (set_contains(set, base)) {
        size_t blen = strlen(base);
        name = malloc(B2A_AVRO_NAME_MAX + 1);
        if (!name) {
            free(base);
            return NULL;
        }
        for (unsigned long k = 2;; k++) {
            char suffix[24];
            int slen = snprintf(suffix, sizeof(suffix), "_%lu", k);
            size_t keep = blen;
            if (keep + (size_t)slen > B2A_AVRO_NAME_MAX)
                keep = B2A_AVRO_NAME_MAX - (size_t)slen;
            memcpy(name, base, keep);
            memcpy(name + keep, suffix, (size_t)slen + 1);
            if (!set_contains(set, name))
                break;
        }
        free(base);
    }
    if (set_insert(set, name) < 0) {
        free(name);
        return NULL;
    }
    return name;
}

size_t b2a__avro_names_count(const b2a_avro_names *set)
{
    return set ? set->count : 0;
}

const char *b2a__avro_names_get(const b2a_avro_names *set, size_t i)
{
    return (set && i < set->count) ? set->names[i] : NULL;
}

void b2a__avro_names_free(b2a_avro_names *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->count; i++)
        free(set->names[i]);
    free(set->names);
    free(set->slots);
    free(set);
}
