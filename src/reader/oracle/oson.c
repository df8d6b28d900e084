/* OSON into JSON text (oson.h). An image is a header (magic ff 4a 5a, a
 * version, flags, the sizes of what follows), the field-name dictionary
 * (hash ids, offsets, the names), then the tree segment: nodes whose first
 * byte says what they are. Containers list their children by offsets into
 * the tree segment; objects name each child by its 1-based field id. */
#include "reader/oracle/oson.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader/oracle/oravalue.h"

/* header flags */
#define F_REL_OFFSETS 0x0001     /* child offsets count from their container */
#define F_NUM_FNAMES_U32 0x0008
#define F_IS_SCALAR 0x0010       /* the image is one scalar, no dictionary */
#define F_NUM_FNAMES_U16 0x0400
#define F_FNAMES_SEG_U32 0x0800
#define F_TREE_SEG_U32 0x1000
#define F_SEC_FNAMES_SEG_U16 0x0100 /* version 3's second flags word */

/* node types (scalars; containers have the top bit set) */
enum {
    N_NULL = 0x30, N_TRUE = 0x31, N_FALSE = 0x32, N_STR8 = 0x33, N_NUM8 = 0x34, N_BDOUBLE = 0x36,
    N_STR16 = 0x37, N_STR32 = 0x38, N_TIMESTAMP = 0x39, N_BIN16 = 0x3A, N_BIN32 = 0x3B, N_DATE = 0x3C,
    N_IYM = 0x3D, N_IDS = 0x3E, N_EXTENDED = 0x7B, N_TSTZ = 0x7C, N_TIMESTAMP7 = 0x7D, N_ID = 0x7E,
    N_BFLOAT = 0x7F
};

typedef struct name {
    size_t off, len;             /* in the image */
} name;

typedef struct oson {
    const uint8_t *p;
    size_t n;
    size_t tree;                 /* the tree segment's start */
    int rel, idlen;
    name *names;
    size_t nnames;
    char **out;
    size_t *cap, *len;
    size_t unread;               /* tree bytes no node has claimed yet */
    size_t budget;               /* the most text one image may become */
    const char *why;
} oson;

static int bad(oson *o, const char *why)
{
    if (!o->why)
        o->why = why;
    return -1;
}

static int uint_at(oson *o, size_t at, int width, uint32_t *v)
{
    if (at > o->n || (size_t)width > o->n - at)
        return bad(o, "an offset or length runs past the end of the image");
    uint32_t x = 0;
    for (int i = 0; i < width; i++)
        x = x << 8 | o->p[at + (size_t)i];
    *v = x;
    return 0;
}

/* ---- output ---- */

static int put(oson *o, const void *s, size_t k)
{
    if (*o->len + k > o->budget)
        return bad(o, "the JSON text would be more than " B2A_OSON_TEXT_PER_BYTE_TEXT " times the image's size (field names repeated past any real document)");
    if (*o->len + k > *o->cap) {
        size_t c = *o->cap ? *o->cap : 4096;
        while (c < *o->len + k)
            c *= 2;
        char *d = realloc(*o->out, c);
        if (!d)
            return -2;
        *o->out = d;
        *o->cap = c;
    }
    memcpy(*o->out + *o->len, s, k);
    *o->len += k;
    return 0;
}

static int putc1(oson *o, char c) { return put(o, &c, 1); }

/* A real document reaches each node once, so the nodes reached claim at
 * most the tree segment's bytes: a node reached twice (offsets that repeat
 * or loop) is refused before its text is written again. */
static int claim(oson *o, size_t k)
{
    if (k > o->unread)
        return bad(o, "a node reached more than once (child offsets that repeat or loop)");
    o->unread -= k;
    return 0;
}

/* Length of the UTF-8 sequence at s (at most k bytes), 0 if not valid
 * UTF-8 (overlong forms, surrogates and values past U+10FFFF included). */
static size_t utf8_len(const uint8_t *s, size_t k)
{
    uint8_t c = s[0];
    size_t need;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        need = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        need = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        need = 4, cp = c & 0x07;
    else
        return 0;
    if (k < need)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if ((need == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (need == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return need;
}

/* A JSON string from UTF-8 bytes, escaped as JSON requires. */
static int put_string(oson *o, const uint8_t *s, size_t k)
{
    int rc = putc1(o, '"');
    for (size_t i = 0; rc == 0 && i < k;) {
        /* a run needing no escape is copied at once */
        size_t j = i;
        while (j < k && s[j] >= 0x20 && s[j] != '"' && s[j] != '\\') {
            size_t u = utf8_len(s + j, k - j);
            if (!u)
                return bad(o, "a string or field name that is not UTF-8");
            j += u;
        }
        if (j > i) {
            rc = put(o, s + i, j - i);
            i = j;
            continue;
        }
        uint8_t c = s[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            rc = put(o, e, 2);
            i++;
        } else if (c < 0x20) {
            static const char short_form[] = "btn\0fr"; /* \b \t \n, -, \f \r */
            char e[8];
            int m = c >= 0x08 && c <= 0x0D && short_form[c - 0x08] ? snprintf(e, sizeof(e), "\\%c", short_form[c - 0x08])
                                                                   : snprintf(e, sizeof(e), "\\u%04x", c);
            rc = put(o, e, (size_t)m);
            i++;
        }
    }
    return rc ? rc : putc1(o, '"');
}

static int put_hex(oson *o, const uint8_t *s, size_t k)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = putc1(o, '"');
    for (size_t i = 0; rc == 0 && i < k; i++) {
        char e[2] = {hex[s[i] >> 4], hex[s[i] & 15]};
        rc = put(o, e, 2);
    }
    return rc ? rc : putc1(o, '"');
}

/* ---- scalars ---- */

static int put_number(oson *o, const uint8_t *s, size_t k)
{
    char text[B2A_ORANUM_TEXT_MAX];
    int special;
    int m = b2a__oranum_text(s, k, text, sizeof(text), NULL, NULL, &special);
    if (m < 0)
        return bad(o, "a number whose bytes are not an Oracle NUMBER");
    if (special) /* JSON has no infinity: the text, as a string */
        return put_string(o, (const uint8_t *)text, (size_t)m);
    return put(o, text, (size_t)m);
}

/* IEEE values in their shortest text that reads back the same; JSON has
 * no NaN or infinity, so those are strings. */
static int put_ieee(oson *o, double d, int digits_max)
{
    char text[40];
    if (isnan(d))
        return put_string(o, (const uint8_t *)"NaN", 3);
    if (isinf(d))
        return d > 0 ? put_string(o, (const uint8_t *)"Infinity", 8) : put_string(o, (const uint8_t *)"-Infinity", 9);
    int m = 0;
    for (int prec = 1; prec <= digits_max; prec++) {
        m = snprintf(text, sizeof(text), "%.*g", prec, d);
        if (digits_max == 9 ? (float)strtod(text, NULL) == (float)d : strtod(text, NULL) == d)
            break;
    }
    return put(o, text, (size_t)m);
}

/* DATE (7 bytes) or TIMESTAMP (11) as ISO 8601 wall-clock text,
 * "2024-01-15T10:30:00.5"; utc adds "Z" (TIMESTAMP WITH TIME ZONE, whose
 * date part Oracle stores in UTC). The bytes are checked by oravalue.c. */
static int put_datetime(oson *o, const uint8_t *s, size_t k, int utc)
{
    int64_t us;
    if (b2a__oradate_micros(s, k >= 11 ? 11 : 7, &us) != 0)
        return bad(o, "a date or timestamp whose bytes are not valid");
    int year = (s[0] - 100) * 100 + (s[1] - 100);
    char text[64], frac[16] = "";
    if (k >= 11) {
        uint32_t ns = (uint32_t)s[7] << 24 | (uint32_t)s[8] << 16 | (uint32_t)s[9] << 8 | s[10];
        if (ns) {
            snprintf(frac, sizeof(frac), ".%09u", ns);
            size_t f = strlen(frac);
            while (f > 2 && frac[f - 1] == '0') /* keeps ".d" at least; ns != 0 */
                frac[--f] = '\0';
        }
    }
    int m = snprintf(text, sizeof(text), "%s%04d-%02d-%02dT%02d:%02d:%02d%s%s", year < 0 ? "-" : "",
                     year < 0 ? -year : year, s[2], s[3], s[4] - 1, s[5] - 1, s[6] - 1, frac, utc ? "Z" : "");
    return put_string(o, (const uint8_t *)text, (size_t)m);
}

/* The scalar of type t whose bytes start at `at`. */
static int scalar(oson *o, uint8_t t, size_t at)
{
    uint32_t k;
    size_t w = 0; /* the width of a length field before the bytes */
    switch (t) {
    case N_NULL: return put(o, "null", 4);
    case N_TRUE: return put(o, "true", 4);
    case N_FALSE: return put(o, "false", 5);
    case N_DATE: case N_TIMESTAMP7: k = 7; break;
    case N_TIMESTAMP: k = 11; break;
    case N_TSTZ: k = 13; break;
    case N_BFLOAT: k = 4; break;
    case N_BDOUBLE: k = 8; break;
    case N_IDS: k = 11; break;
    case N_STR8: case N_NUM8: case N_ID: w = 1; break;
    case N_STR16: case N_BIN16: w = 2; break;
    case N_STR32: case N_BIN32: w = 4; break;
    case N_IYM: return bad(o, "an INTERVAL YEAR TO MONTH value, whose OSON form is not known to this reader");
    case N_EXTENDED: return bad(o, "an extended scalar (a VECTOR), which this reader does not decode");
    default:
        if ((t & 0xF0) == 0x20 || (t & 0xF0) == 0x60)
            k = (t & 0x0Fu) + 1; /* a NUMBER, its length in the type */
        else if ((t & 0xF0) == 0x40 || (t & 0xF0) == 0x50)
            k = t & 0x0Fu;       /* an integral NUMBER, likewise */
        else if ((t & 0xE0) == 0)
            k = t;               /* a string of up to 31 bytes */
        else
            return bad(o, "a node of a type this reader does not know");
    }
    if (w) {
        if (uint_at(o, at, (int)w, &k) != 0)
            return -1;
        at += w;
    }
    if (at > o->n || k > o->n - at)
        return bad(o, "a value runs past the end of the image");
    if (claim(o, 1 + w + k) != 0)
        return -1;
    const uint8_t *s = o->p + at;
    float f;
    double d;
    char text[192];
    int m;
    switch (t) {
    case N_DATE: case N_TIMESTAMP7: case N_TIMESTAMP: return put_datetime(o, s, k, 0);
    case N_TSTZ: {
        int64_t us;
        char zone[16];
        if (b2a__oratstz_micros(s, k, &us, zone) != 0)
            return bad(o, "a timestamp with time zone whose bytes are not valid");
        return put_datetime(o, s, k, 1);
    }
    case N_BFLOAT:
        if (b2a__orafloat(s, k, &f) != 0)
            return bad(o, "a BINARY_FLOAT whose bytes are not valid");
        return put_ieee(o, f, 9);
    case N_BDOUBLE:
        if (b2a__oradouble(s, k, &d) != 0)
            return bad(o, "a BINARY_DOUBLE whose bytes are not valid");
        return put_ieee(o, d, 17);
    case N_IDS:
        if ((m = b2a__oraids_text(s, k, text, sizeof(text))) < 0)
            return bad(o, "an INTERVAL DAY TO SECOND whose bytes are not valid");
        return put_string(o, (const uint8_t *)text, (size_t)m);
    case N_ID: case N_BIN16: case N_BIN32: return put_hex(o, s, k);
    case N_NUM8: return put_number(o, s, k);
    default:
        if ((t & 0xE0) == 0 || t == N_STR8 || t == N_STR16 || t == N_STR32)
            return put_string(o, s, k);
        return put_number(o, s, k);
    }
}

/* ---- the tree ---- */

static int node(oson *o, size_t at, int depth);

/* Children count by the type's bits 0x18: u8, u16, u32; 0x18 (shared
 * field ids) is read by the caller. */
static int children(oson *o, uint8_t t, size_t *at, uint32_t *count)
{
    int width = (t & 0x18) == 0 ? 1 : (t & 0x18) == 0x08 ? 2 : 4;
    if (uint_at(o, *at, width, count) != 0)
        return -1;
    *at += (size_t)width;
    return 0;
}

static int container(oson *o, uint8_t t, size_t at, int depth)
{
    if (depth >= B2A_OSON_MAX_DEPTH)
        return bad(o, "containers nested deeper than this reader follows");
    int object = (t & 0x40) == 0, offw = t & 0x20 ? 4 : 2;
    size_t self = at - 1 - o->tree; /* the node's own offset: relative offsets count from it */
    size_t ids, offs;
    uint32_t count, v;
    if ((t & 0x18) == 0x18) {
        /* an object whose field ids are another object's: its offset, then ours */
        if (!object)
            return bad(o, "an array flagged as sharing an object's field ids");
        if (uint_at(o, at, offw, &v) != 0)
            return -1;
        offs = at + (size_t)offw;
        size_t other = o->tree + v;
        if (v > o->n - o->tree || other >= o->n)
            return bad(o, "a shared field-id list outside the image");
        uint8_t ot = o->p[other];
        if (!(ot & 0x80) || (ot & 0x40) || (ot & 0x18) == 0x18)
            return bad(o, "a shared field-id list that is not an object's own");
        ids = other + 1;
        if (children(o, ot, &ids, &count) != 0)
            return -1;
    } else {
        if (children(o, t, &at, &count) != 0)
            return -1;
        ids = at;
        offs = object ? at + (size_t)count * (size_t)o->idlen : at;
    }
    /* the lists must be in the image before any child is written */
    if ((object && (ids > o->n || (size_t)count > (o->n - ids) / (size_t)o->idlen)) || offs > o->n ||
        (size_t)count > (o->n - offs) / (size_t)offw)
        return bad(o, "a container whose children lists run past the end of the image");
    /* its own bytes: the type, the count or shared list's offset, its lists */
    if (claim(o, (offs - (o->tree + self)) + (size_t)count * (size_t)offw) != 0)
        return -1;
    int rc = putc1(o, object ? '{' : '[');
    for (uint32_t i = 0; rc == 0 && i < count; i++) {
        if (i && (rc = putc1(o, ',')) != 0)
            break;
        if (object) {
            uint32_t id;
            if (uint_at(o, ids + (size_t)i * (size_t)o->idlen, o->idlen, &id) != 0)
                return -1;
            if (id == 0 || id > o->nnames)
                return bad(o, "a field id that is not in the image's dictionary");
            const name *nm = &o->names[id - 1];
            if ((rc = put_string(o, o->p + nm->off, nm->len)) != 0 || (rc = putc1(o, ':')) != 0)
                break;
        }
        if (uint_at(o, offs + (size_t)i * (size_t)offw, offw, &v) != 0)
            return -1;
        size_t child = (size_t)v + (o->rel ? self : 0);
        if (child >= o->n - o->tree)
            return bad(o, "a child offset outside the image");
        rc = node(o, o->tree + child, depth + 1);
    }
    return rc ? rc : putc1(o, object ? '}' : ']');
}

static int node(oson *o, size_t at, int depth)
{
    if (at >= o->n)
        return bad(o, "a node outside the image");
    uint8_t t = o->p[at];
    return t & 0x80 ? container(o, t, at + 1, depth) : scalar(o, t, at + 1);
}

/* ---- the header and the field-name dictionary ---- */

/* n names: hash ids (hashw bytes each), offsets (offw each), then the
 * segment of seglen bytes where each name is a length (lenw) and UTF-8. */
static int dictionary(oson *o, size_t *at, size_t first, size_t n, int hashw, int offw, size_t seglen, int lenw)
{
    size_t lists = n * (size_t)(hashw + offw);
    if (*at > o->n || lists > o->n - *at || seglen > o->n - *at - lists)
        return bad(o, "the field-name dictionary runs past the end of the image");
    size_t offs = *at + n * (size_t)hashw, seg = offs + n * (size_t)offw;
    for (size_t i = 0; i < n; i++) {
        uint32_t off, k;
        if (uint_at(o, offs + i * (size_t)offw, offw, &off) != 0)
            return -1;
        if (off > seglen || (size_t)lenw > seglen - off || uint_at(o, seg + off, lenw, &k) != 0 ||
            k > seglen - off - (size_t)lenw)
            return bad(o, "a field name outside the dictionary");
        o->names[first + i] = (name){seg + off + (size_t)lenw, k};
    }
    *at = seg + seglen;
    return 0;
}

static int decode(oson *o)
{
    const uint8_t *p = o->p;
    uint32_t flags, v;
    if (o->n < 6 || p[0] != 0xFF || p[1] != 0x4A || p[2] != 0x5A)
        return bad(o, "the value does not start with OSON's magic bytes ff 4a 5a");
    int version = p[3];
    if (version != 1 && version != 3)
        return bad(o, "an OSON version other than 1 and 3");
    flags = (uint32_t)p[4] << 8 | p[5];
    o->rel = (flags & F_REL_OFFSETS) != 0;
    o->idlen = 1; /* a scalar image has no dictionary: any object in it names no field */
    size_t at = 6;
    int treew = flags & F_TREE_SEG_U32 ? 4 : 2;
    if (flags & F_IS_SCALAR) {
        o->tree = at + (size_t)treew;
        o->unread = o->tree < o->n ? o->n - o->tree : 0;
        return node(o, o->tree, 0);
    }
    uint32_t nshort, shortseg, nlong = 0, longseg = 0, treelen, sec = 0;
    o->idlen = flags & F_NUM_FNAMES_U32 ? 4 : flags & F_NUM_FNAMES_U16 ? 2 : 1;
    int shortoffw = flags & F_FNAMES_SEG_U32 ? 4 : 2, longoffw = 4;
    if (uint_at(o, at, o->idlen, &nshort) != 0 || uint_at(o, at += (size_t)o->idlen, shortoffw, &shortseg) != 0)
        return -1;
    at += (size_t)shortoffw;
    if (version == 3) {
        if (uint_at(o, at, 2, &sec) != 0 || uint_at(o, at + 2, 4, &nlong) != 0 || uint_at(o, at + 6, 4, &longseg) != 0)
            return -1;
        longoffw = sec & F_SEC_FNAMES_SEG_U16 ? 2 : 4;
        at += 10;
    }
    if (uint_at(o, at, treew, &treelen) != 0 || uint_at(o, at + (size_t)treew, 2, &v) != 0) /* v: tiny nodes */
        return -1;
    at += (size_t)treew + 2;
    /* every name takes at least a hash byte and an offset: counts past that are not OSON */
    if (nshort > o->n || nlong > o->n || (size_t)nshort + nlong > o->n)
        return bad(o, "more field names than the image has room for");
    o->nnames = (size_t)nshort + nlong;
    o->names = calloc(o->nnames ? o->nnames : 1, sizeof(*o->names));
    if (!o->names)
        return -2;
    if (dictionary(o, &at, 0, nshort, 1, shortoffw, shortseg, 1) != 0 ||
        dictionary(o, &at, nshort, nlong, 2, longoffw, longseg, 2) != 0)
        return -1;
    if (treelen > o->n - at)
        return bad(o, "the tree segment runs past the end of the image");
    o->tree = at;
    o->unread = treelen;
    if (treelen == 0)
        return bad(o, "an empty tree segment");
    return node(o, o->tree, 0);
}

int b2a__oson_to_json(const uint8_t *p, size_t n, char **out, size_t *cap, size_t *len, const char **why)
{
    /* Each node is written once (claim), so only field names, written
     * once per member, can make the text much larger than the image: past
     * this multiple (numbers, the densest values, stay under 32) the image
     * is refused rather than grown without end. */
    size_t most = n > (SIZE_MAX - 4096) / B2A_OSON_TEXT_PER_BYTE ? SIZE_MAX - 4096 : B2A_OSON_TEXT_PER_BYTE * n;
    oson o = {.p = p, .n = n, .out = out, .cap = cap, .len = len, .budget = *len + 4096 + most};
    size_t start = *len;
    int rc = decode(&o);
    free(o.names);
    if (rc != 0) {
        *len = start;
        *why = rc == -2 ? "out of memory" : o.why ? o.why : "not an OSON image";
        return rc == -2 ? -2 : -1;
    }
    return 0;
}
