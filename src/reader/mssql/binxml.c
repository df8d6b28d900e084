/* [MS-BINXML] decoding: header DF FF, version 1 or 2, code page 1200
 * (UTF-16), then a token stream. NAME tokens fill a string table, QNAME
 * tokens a (namespace, prefix, local name) table; ELEMENT / ATTR / ENDATTRS
 * / ENDELEM give the structure, value tokens (SQL_NVARCHAR for untyped xml)
 * the text. Written out the way SQL Server serialises xml to nvarchar:
 * double-quoted attributes, "<a />" for an empty element, & < > escaped in
 * text and & < > " in attributes. Every read is bounds-checked and nesting
 * is kept on an explicit stack, never the C stack. */
#include "reader/mssql/binxml.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bak2avro/errors.h"
#include "reader/mssql/page.h"
#include "reader/mssql/types.h"

enum {
    T_SQL_SMALLINT = 0x01, T_SQL_INT = 0x02, T_SQL_BIT = 0x06, T_SQL_TINYINT = 0x07, T_SQL_BIGINT = 0x08,
    T_SQL_NCHAR = 0x0E, T_SQL_NVARCHAR = 0x11, T_SQL_NTEXT = 0x18,
    T_XSD_BINHEX = 0x84, T_XSD_BASE64 = 0x85, T_XSD_BOOLEAN = 0x86, T_XSD_BYTE = 0x88,
    T_XSD_UNSIGNEDSHORT = 0x89, T_XSD_UNSIGNEDINT = 0x8A, T_XSD_UNSIGNEDLONG = 0x8B,
    T_NMFLUSH = 0xE9, T_EXTN = 0xEA, T_ENDNEST = 0xEB, T_NEST = 0xEC, T_XMLTEXT = 0xED,
    T_QNAME = 0xEF, T_NAME = 0xF0, T_ENDCDATA = 0xF1, T_CDATA = 0xF2, T_COMMENT = 0xF3, T_PI = 0xF4,
    T_ENDATTRS = 0xF5, T_ATTR = 0xF6, T_ENDELEM = 0xF7, T_ELEMENT = 0xF8, T_SUBSET = 0xF9,
    T_PUBLIC = 0xFA, T_SYSTEM = 0xFB, T_DOCTYPE = 0xFC, T_ENCODING = 0xFD, T_XMLDECL = 0xFE
};

/* A UTF-16LE string inside the input. */
typedef struct span {
    const uint8_t *s;
    uint32_t n; /* UTF-16 units */
} span;

typedef struct qname {
    uint32_t ns, prefix, local; /* name table indexes */
    int decl;                   /* 1: a namespace declaration "xmlns[:p]" */
} qname;

/* An open element's name, resolved (a FLUSH may empty the tables inside it). */
typedef struct opened {
    span prefix, local;
    int decl;
} opened;

typedef struct binding {
    span prefix, uri;
    int depth;
    int pending; /* implied by a name, not yet written as xmlns */
} binding;

typedef struct bx {
    const uint8_t *p;
    size_t n, pos;
    span *names;
    size_t nnames, capnames;
    qname *qnames;
    size_t nqnames, capqnames;
    binding *ns;
    size_t nns, capns;
    opened stack[B2A_BINXML_MAX_DEPTH];
    int depth;
    int open_tag; /* "<a ..." written, ">" not yet */
    b2a_mbuf *out;
    char *why;
    size_t whylen;
} bx;

static const char *token_name(unsigned t)
{
    switch (t) {
    case 0x01: return "SQL-SMALLINT"; case 0x02: return "SQL-INT"; case 0x03: return "SQL-REAL";
    case 0x04: return "SQL-FLOAT"; case 0x05: return "SQL-MONEY"; case 0x06: return "SQL-BIT";
    case 0x07: return "SQL-TINYINT"; case 0x08: return "SQL-BIGINT"; case 0x09: return "SQL-UUID";
    case 0x0A: return "SQL-DECIMAL"; case 0x0B: return "SQL-NUMERIC"; case 0x0C: return "SQL-BINARY";
    case 0x0D: return "SQL-CHAR"; case 0x0E: return "SQL-NCHAR"; case 0x0F: return "SQL-VARBINARY";
    case 0x10: return "SQL-VARCHAR"; case 0x11: return "SQL-NVARCHAR"; case 0x12: return "SQL-DATETIME";
    case 0x13: return "SQL-SMALLDATETIME"; case 0x14: return "SQL-SMALLMONEY"; case 0x16: return "SQL-TEXT";
    case 0x17: return "SQL-IMAGE"; case 0x18: return "SQL-NTEXT"; case 0x1B: return "SQL-UDT";
    case 0x7A: return "XSD-KATMAI-TIMEOFFSET"; case 0x7B: return "XSD-KATMAI-DATETIMEOFFSET";
    case 0x7C: return "XSD-KATMAI-DATEOFFSET"; case 0x7D: return "XSD-KATMAI-TIME";
    case 0x7E: return "XSD-KATMAI-DATETIME"; case 0x7F: return "XSD-KATMAI-DATE";
    case 0x81: return "XSD-TIME"; case 0x82: return "XSD-DATETIME"; case 0x83: return "XSD-DATE";
    case 0x84: return "XSD-BINHEX"; case 0x85: return "XSD-BASE64"; case 0x86: return "XSD-BOOLEAN";
    case 0x87: return "XSD-DECIMAL"; case 0x88: return "XSD-BYTE"; case 0x89: return "XSD-UNSIGNEDSHORT";
    case 0x8A: return "XSD-UNSIGNEDINT"; case 0x8B: return "XSD-UNSIGNEDLONG"; case 0x8C: return "XSD-QNAME";
    case T_NMFLUSH: return "FLUSH-DEFINED-NAME-TOKENS"; case T_EXTN: return "EXTN";
    case T_ENDNEST: return "ENDNEST"; case T_NEST: return "NEST"; case T_XMLTEXT: return "XMLTEXT";
    case T_QNAME: return "QNAMEDEF"; case T_NAME: return "NAMEDEF"; case T_ENDCDATA: return "CDATAEND";
    case T_CDATA: return "CDATA"; case T_COMMENT: return "COMMENT"; case T_PI: return "PI";
    case T_ENDATTRS: return "ENDATTRIBUTES"; case T_ATTR: return "ATTRIBUTE"; case T_ENDELEM: return "ENDELEMENT";
    case T_ELEMENT: return "ELEMENT"; case T_SUBSET: return "SUBSET"; case T_PUBLIC: return "PUBLIC";
    case T_SYSTEM: return "SYSTEM"; case T_DOCTYPE: return "DOCTYPE"; case T_ENCODING: return "ENCODING";
    case T_XMLDECL: return "XMLDECL";
    default: return NULL;
    }
}

static int fail(bx *b, size_t at, const char *msg)
{
    snprintf(b->why, b->whylen, "binary XML: %s at byte %zu of %zu", msg, at, b->n);
    return B2A_EFORMAT;
}

static int unsupported(bx *b, size_t at, unsigned tok)
{
    const char *nm = token_name(tok);
    if (nm)
        snprintf(b->why, b->whylen, "binary XML: token 0x%02X (%s) at byte %zu is not decoded", tok, nm, at);
    else
        snprintf(b->why, b->whylen, "binary XML: unknown token 0x%02X at byte %zu of %zu", tok, at, b->n);
    return nm ? B2A_EUNSUPPORTED : B2A_EFORMAT;
}

static int put(bx *b, const char *s, size_t n)
{
    return b2a__mbuf_append(b->out, s, n) < 0 ? B2A_ENOMEM : B2A_OK;
}
#define PUTS(b, s) put(b, s, strlen(s))

static int grow(void **v, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 32;
    while (nc < need)
        nc *= 2;
    void *nv = realloc(*v, nc * elem);
    if (!nv)
        return -1;
    *v = nv;
    *cap = nc;
    return 0;
}

/* Multi-byte unsigned int ([MS-BINXML] mb32): 7 bits a byte, low first. */
static int mb32(bx *b, uint32_t *v)
{
    size_t at = b->pos;
    uint32_t r = 0;
    for (int i = 0; i < 5; i++) {
        if (b->pos >= b->n)
            return fail(b, at, "truncated length");
        uint8_t c = b->p[b->pos++];
        if (i == 4 && c > 0x07)
            return fail(b, at, "length does not fit 31 bits");
        r |= (uint32_t)(c & 0x7F) << (7 * i);
        if (!(c & 0x80)) {
            *v = r;
            return B2A_OK;
        }
    }
    return fail(b, at, "length does not fit 31 bits");
}

/* mb32 character count then that many UTF-16 units. */
static int text(bx *b, span *s)
{
    size_t at = b->pos;
    uint32_t nch;
    int rc = mb32(b, &nch);
    if (rc)
        return rc;
    if ((uint64_t)nch * 2 > b->n - b->pos)
        return fail(b, at, "truncated text");
    s->s = b->p + b->pos;
    s->n = nch;
    b->pos += (size_t)nch * 2;
    return B2A_OK;
}

static int need(bx *b, size_t k, size_t at)
{
    return b->n - b->pos < k ? fail(b, at, "truncated value") : B2A_OK;
}

enum { RAW = 0, TEXT = 1, ATTR = 2 };

/* UTF-16 to UTF-8, escaping for where it goes. Unpaired surrogates become
 * U+FFFD as in the rest of the reader. */
static int put_span(bx *b, span s, int mode)
{
    b2a_mbuf *o = b->out;
    if (b2a__mbuf_reserve(o, o->n + (size_t)s.n * 3 + 8) < 0)
        return B2A_ENOMEM;
    for (size_t i = 0; i < s.n;) {
        uint32_t c;
        i += b2a__utf16_char(s.s, i, s.n, &c);
        const char *ent = NULL;
        if (mode != RAW) {
            switch (c) {
            case '&': ent = "&amp;"; break;
            case '<': ent = "&lt;"; break;
            case '>': ent = "&gt;"; break;
            case '"': ent = mode == ATTR ? "&quot;" : NULL; break;
            default: break;
            }
        }
        char buf[8];
        size_t k = 0;
        if (ent) {
            k = strlen(ent);
            memcpy(buf, ent, k);
        } else if (c < 0x80) {
            buf[k++] = (char)c;
        } else if (c < 0x800) {
            buf[k++] = (char)(0xC0 | (c >> 6));
            buf[k++] = (char)(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            buf[k++] = (char)(0xE0 | (c >> 12));
            buf[k++] = (char)(0x80 | ((c >> 6) & 0x3F));
            buf[k++] = (char)(0x80 | (c & 0x3F));
        } else {
            buf[k++] = (char)(0xF0 | (c >> 18));
            buf[k++] = (char)(0x80 | ((c >> 12) & 0x3F));
            buf[k++] = (char)(0x80 | ((c >> 6) & 0x3F));
            buf[k++] = (char)(0x80 | (c & 0x3F));
        }
        if (b2a__mbuf_append(o, buf, k) < 0)
            return B2A_ENOMEM;
    }
    return B2A_OK;
}

static int span_eq(span a, span c)
{
    return a.n == c.n && (a.n == 0 || memcmp(a.s, c.s, (size_t)a.n * 2) == 0);
}

static int span_is(span a, const char *ascii)
{
    size_t k = strlen(ascii);
    if (a.n != k)
        return 0;
    for (size_t i = 0; i < k; i++)
        if (b2a__rd16(a.s + 2 * i) != (uint8_t)ascii[i])
            return 0;
    return 1;
}

static const char XMLNS_URI[] = "http://www.w3.org/2000/xmlns/";

/* The prefix a declaration qname declares ("" for the default namespace). */
static span decl_prefix(const bx *b, const qname *q)
{
    span pre = b->names[q->prefix];
    if (q->decl) { /* prefix holds "xmlns" or "xmlns:p" */
        span r = { pre.s, 0 };
        if (pre.n > 6) {
            r.s = pre.s + 12;
            r.n = pre.n - 6;
        }
        return r;
    }
    if (span_is(b->names[q->local], "xmlns") && pre.n == 0)
        return pre;
    return b->names[q->local];
}

static int is_decl(const bx *b, const qname *q)
{
    return q->decl || span_is(b->names[q->ns], XMLNS_URI);
}

static opened resolve(const bx *b, const qname *q)
{
    opened o = { b->names[q->prefix], b->names[q->local], q->decl };
    return o;
}

static int put_name(bx *b, opened o)
{
    int rc;
    if (o.decl) /* the prefix is the whole "xmlns[:p]" */
        return put_span(b, o.prefix, RAW);
    if (o.prefix.n && ((rc = put_span(b, o.prefix, RAW)) || (rc = put(b, ":", 1))))
        return rc;
    return put_span(b, o.local, RAW);
}

static int put_qname(bx *b, const qname *q) { return put_name(b, resolve(b, q)); }

static const binding *lookup(const bx *b, span prefix)
{
    for (size_t i = b->nns; i-- > 0;)
        if (span_eq(b->ns[i].prefix, prefix))
            return &b->ns[i];
    return NULL;
}

static int bind(bx *b, span prefix, span uri, int pending)
{
    if (grow((void **)&b->ns, &b->capns, b->nns + 1, sizeof *b->ns) < 0)
        return B2A_ENOMEM;
    binding *x = &b->ns[b->nns++];
    x->prefix = prefix;
    x->uri = uri;
    x->depth = b->depth;
    x->pending = pending;
    return B2A_OK;
}

/* A name in (prefix, uri) needs that binding in scope; when it is not, it
 * is declared implicitly, as SQL Server's own serialiser does. */
static int imply(bx *b, const qname *q)
{
    if (q->decl || is_decl(b, q))
        return B2A_OK;
    span pre = b->names[q->prefix], uri = b->names[q->ns];
    if (span_is(pre, "xml"))
        return B2A_OK;
    const binding *x = lookup(b, pre);
    if (x ? span_eq(x->uri, uri) : uri.n == 0)
        return B2A_OK;
    return bind(b, pre, uri, 1);
}

static int close_open_tag(bx *b)
{
    if (!b->open_tag)
        return B2A_OK;
    b->open_tag = 0;
    return put(b, ">", 1);
}

/* Skip or apply the metadata tokens that may come anywhere; returns the
 * next structural token (or -1 at the end) without consuming it. */
static int peek(bx *b, int *tok)
{
    for (;;) {
        if (b->pos >= b->n) {
            *tok = -1;
            return B2A_OK;
        }
        size_t at = b->pos;
        uint8_t t = b->p[b->pos];
        int rc = B2A_OK;
        if (t == T_NAME) {
            b->pos++;
            span s;
            if ((rc = text(b, &s)))
                return rc;
            if (grow((void **)&b->names, &b->capnames, b->nnames + 1, sizeof *b->names) < 0)
                return B2A_ENOMEM;
            b->names[b->nnames++] = s;
        } else if (t == T_QNAME) {
            b->pos++;
            uint32_t v[3];
            for (int i = 0; i < 3; i++) {
                if ((rc = mb32(b, &v[i])))
                    return rc;
                if (v[i] >= b->nnames)
                    return fail(b, at, "QNAMEDEF names an undefined name");
            }
            if (grow((void **)&b->qnames, &b->capqnames, b->nqnames + 1, sizeof *b->qnames) < 0)
                return B2A_ENOMEM;
            qname *q = &b->qnames[b->nqnames++];
            q->ns = v[0];
            q->prefix = v[1];
            q->local = v[2];
            /* a namespace declaration is coded with no local name and its
             * whole "xmlns[:p]" as the prefix */
            q->decl = v[2] == 0 && v[1] != 0;
            if (q->decl) {
                span pre = b->names[v[1]];
                int ok = pre.n >= 5 && span_is((span){ pre.s, 5 }, "xmlns") &&
                         (pre.n == 5 || (pre.n > 6 && b2a__rd16(pre.s + 10) == ':'));
                if (!ok)
                    return fail(b, at, "malformed namespace declaration");
            }
        } else if (t == T_NMFLUSH) {
            b->pos++;
            b->nnames = b->nqnames = 1;
        } else if (t == T_EXTN) {
            b->pos++;
            uint32_t len;
            if ((rc = mb32(b, &len)))
                return rc;
            if (len > b->n - b->pos)
                return fail(b, at, "truncated EXTN");
            b->pos += len;
        } else {
            *tok = t;
            return B2A_OK;
        }
    }
}

/* One value token (its byte already consumed) written as text. */
static int value(bx *b, unsigned t, size_t at, int mode)
{
    char buf[48];
    int k = -1, rc;
    switch (t) {
    case T_SQL_NVARCHAR: case T_SQL_NCHAR: case T_SQL_NTEXT: {
        span s;
        if ((rc = text(b, &s)))
            return rc;
        return put_span(b, s, mode);
    }
    case T_SQL_TINYINT: case T_XSD_BYTE: case T_XSD_BOOLEAN: case T_SQL_BIT:
        if ((rc = need(b, 1, at)))
            return rc;
        if (t == T_XSD_BOOLEAN)
            k = snprintf(buf, sizeof buf, "%s", b->p[b->pos] ? "true" : "false");
        else if (t == T_XSD_BYTE)
            k = snprintf(buf, sizeof buf, "%d", (int8_t)b->p[b->pos]);
        else
            k = snprintf(buf, sizeof buf, "%u", b->p[b->pos]);
        b->pos += 1;
        break;
    case T_SQL_SMALLINT: case T_XSD_UNSIGNEDSHORT:
        if ((rc = need(b, 2, at)))
            return rc;
        k = t == T_SQL_SMALLINT ? snprintf(buf, sizeof buf, "%d", (int16_t)b2a__rd16(b->p + b->pos))
                                : snprintf(buf, sizeof buf, "%u", b2a__rd16(b->p + b->pos));
        b->pos += 2;
        break;
    case T_SQL_INT: case T_XSD_UNSIGNEDINT:
        if ((rc = need(b, 4, at)))
            return rc;
        k = t == T_SQL_INT ? snprintf(buf, sizeof buf, "%" PRId32, (int32_t)b2a__rd32(b->p + b->pos))
                           : snprintf(buf, sizeof buf, "%" PRIu32, b2a__rd32(b->p + b->pos));
        b->pos += 4;
        break;
    case T_SQL_BIGINT: case T_XSD_UNSIGNEDLONG:
        if ((rc = need(b, 8, at)))
            return rc;
        k = t == T_SQL_BIGINT ? snprintf(buf, sizeof buf, "%" PRId64, (int64_t)b2a__rd64(b->p + b->pos))
                              : snprintf(buf, sizeof buf, "%" PRIu64, b2a__rd64(b->p + b->pos));
        b->pos += 8;
        break;
    case T_XSD_BASE64: case T_XSD_BINHEX: {
        uint32_t len;
        if ((rc = mb32(b, &len)))
            return rc;
        if ((rc = need(b, len, at)))
            return rc;
        const uint8_t *d = b->p + b->pos;
        b->pos += len;
        static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        static const char hx[] = "0123456789ABCDEF";
        for (uint32_t i = 0; i < len; i += t == T_XSD_BINHEX ? 1 : 3) {
            char q[4];
            size_t qn;
            if (t == T_XSD_BINHEX) {
                q[0] = hx[d[i] >> 4];
                q[1] = hx[d[i] & 15];
                qn = 2;
            } else {
                uint32_t v = (uint32_t)d[i] << 16 | (i + 1 < len ? (uint32_t)d[i + 1] << 8 : 0) |
                             (i + 2 < len ? d[i + 2] : 0);
                q[0] = b64[v >> 18];
                q[1] = b64[(v >> 12) & 63];
                q[2] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
                q[3] = i + 2 < len ? b64[v & 63] : '=';
                qn = 4;
            }
            if ((rc = put(b, q, qn)))
                return rc;
        }
        return B2A_OK;
    }
    default:
        return unsupported(b, at, t);
    }
    return put(b, buf, (size_t)k);
}

static int is_value_token(int t)
{
    return t >= 0 && t < 0xE9 && token_name((unsigned)t) != NULL;
}

static int qname_ref(bx *b, const qname **q)
{
    size_t at = b->pos;
    uint32_t i;
    int rc = mb32(b, &i);
    if (rc)
        return rc;
    if (i == 0 || i >= b->nqnames)
        return fail(b, at, "reference to an undefined QName");
    *q = &b->qnames[i];
    if (!q[0]->decl && b->names[q[0]->local].n == 0)
        return fail(b, at, "a name without a local part");
    return B2A_OK;
}

/* ELEMENT (token consumed): "<name attrs" with implied declarations. */
static int element(bx *b, size_t at)
{
    const qname *q;
    int rc, t;
    if (b->depth >= B2A_BINXML_MAX_DEPTH)
        return fail(b, at, "elements nested deeper than 256");
    if ((rc = qname_ref(b, &q)) || (rc = close_open_tag(b)) || (rc = put(b, "<", 1)) || (rc = put_qname(b, q)))
        return rc;
    b->stack[b->depth++] = resolve(b, q);
    size_t first_binding = b->nns;
    if ((rc = imply(b, q)) || (rc = peek(b, &t)))
        return rc;
    if (t == T_ATTR) {
        while ((rc = peek(b, &t)) == B2A_OK && t != T_ENDATTRS) {
            size_t aat = b->pos;
            if (t != T_ATTR)
                return t < 0 ? fail(b, aat, "truncated attributes") : fail(b, aat, "unexpected token in attributes");
            b->pos++;
            const qname *a;
            if ((rc = qname_ref(b, &a)) || (rc = put(b, " ", 1)) || (rc = put_qname(b, a)) ||
                (rc = put(b, "=\"", 2)))
                return rc;
            span uri = { NULL, 0 };
            while ((rc = peek(b, &t)) == B2A_OK && is_value_token(t)) {
                size_t vat = b->pos++;
                if (t == T_SQL_NVARCHAR && uri.s == NULL) { /* the declared URI, for scoping */
                    size_t save = b->pos;
                    if ((rc = text(b, &uri)))
                        return rc;
                    b->pos = save;
                }
                if ((rc = value(b, (unsigned)t, vat, ATTR)))
                    return rc;
            }
            if (rc || (rc = put(b, "\"", 1)))
                return rc;
            if (is_decl(b, a)) {
                span pre = decl_prefix(b, a);
                /* an explicit declaration settles one implied for this element */
                for (size_t i = first_binding; i < b->nns; i++)
                    if (b->ns[i].pending && span_eq(b->ns[i].prefix, pre) && span_eq(b->ns[i].uri, uri))
                        b->ns[i].pending = 0;
                if ((rc = bind(b, pre, uri, 0)))
                    return rc;
            } else if ((rc = imply(b, a))) {
                return rc;
            }
        }
        if (rc)
            return rc;
        b->pos++; /* ENDATTRS */
    }
    for (size_t i = first_binding; i < b->nns; i++) {
        if (!b->ns[i].pending)
            continue;
        b->ns[i].pending = 0;
        if ((rc = put(b, b->ns[i].prefix.n ? " xmlns:" : " xmlns", b->ns[i].prefix.n ? 7 : 6)) ||
            (rc = put_span(b, b->ns[i].prefix, RAW)) || (rc = put(b, "=\"", 2)) ||
            (rc = put_span(b, b->ns[i].uri, ATTR)) || (rc = put(b, "\"", 1)))
            return rc;
    }
    b->open_tag = 1;
    return B2A_OK;
}

static int end_element(bx *b, size_t at)
{
    int rc;
    if (b->depth == 0)
        return fail(b, at, "ENDELEMENT without an open element");
    opened q = b->stack[--b->depth];
    if (b->open_tag) {
        b->open_tag = 0;
        rc = put(b, " />", 3);
    } else if ((rc = put(b, "</", 2)) == B2A_OK && (rc = put_name(b, q)) == B2A_OK) {
        rc = put(b, ">", 1);
    }
    while (b->nns > 0 && b->ns[b->nns - 1].depth > b->depth)
        b->nns--;
    return rc;
}

int b2a__binxml_text(const uint8_t *p, size_t n, b2a_mbuf *out, char *why, size_t whylen)
{
    bx b;
    memset(&b, 0, sizeof b);
    b.p = p;
    b.n = n;
    b.out = out;
    b.why = why;
    b.whylen = whylen;
    int rc = B2A_OK, t;
    if (n < 5 || p[0] != 0xDF || p[1] != 0xFF) {
        snprintf(why, whylen, "binary XML: no DF FF signature (value of %zu bytes)", n);
        return B2A_EFORMAT;
    }
    if (p[2] != 1 && p[2] != 2) {
        snprintf(why, whylen, "binary XML: version %u (1 and 2 are known)", p[2]);
        return B2A_EFORMAT;
    }
    if (b2a__rd16(p + 3) != 1200) {
        snprintf(why, whylen, "binary XML: code page %u (only 1200, UTF-16, is defined)", b2a__rd16(p + 3));
        return B2A_EFORMAT;
    }
    b.pos = 5;
    /* name and qname 0 are the empty ones */
    static const uint8_t nothing[2];
    if (grow((void **)&b.names, &b.capnames, 1, sizeof *b.names) < 0 ||
        grow((void **)&b.qnames, &b.capqnames, 1, sizeof *b.qnames) < 0) {
        rc = B2A_ENOMEM;
        goto out;
    }
    b.names[0] = (span){ nothing, 0 };
    memset(&b.qnames[0], 0, sizeof b.qnames[0]);
    b.nnames = b.nqnames = 1;
    /* The XML declaration is not part of what CONVERT gives: read past it. */
    if ((rc = peek(&b, &t)))
        goto out;
    if (t == T_XMLDECL) {
        span s;
        b.pos++;
        if ((rc = text(&b, &s)))
            goto out;
        if (b.pos < n && p[b.pos] == T_ENCODING) {
            b.pos++;
            if ((rc = text(&b, &s)))
                goto out;
        }
        if (b.pos >= n || p[b.pos] > 2) {
            rc = fail(&b, b.pos, "bad standalone byte in the XML declaration");
            goto out;
        }
        b.pos++;
    }
    while ((rc = peek(&b, &t)) == B2A_OK && t >= 0) {
        size_t at = b.pos++;
        span s;
        switch (t) {
        case T_ELEMENT:
            rc = element(&b, at);
            break;
        case T_ENDELEM:
            rc = end_element(&b, at);
            break;
        case T_COMMENT:
            if (!(rc = text(&b, &s)) && !(rc = close_open_tag(&b)) && !(rc = put(&b, "<!--", 4)) &&
                !(rc = put_span(&b, s, RAW)))
                rc = put(&b, "-->", 3);
            break;
        case T_PI: {
            uint32_t target;
            if ((rc = mb32(&b, &target)))
                break;
            if (target == 0 || target >= b.nnames) {
                rc = fail(&b, at, "PI names an undefined name");
                break;
            }
            if ((rc = text(&b, &s)) || (rc = close_open_tag(&b)) || (rc = put(&b, "<?", 2)) ||
                (rc = put_span(&b, b.names[target], RAW)))
                break;
            if (s.n && ((rc = put(&b, " ", 1)) || (rc = put_span(&b, s, RAW))))
                break;
            rc = put(&b, "?>", 2);
            break;
        }
        case T_CDATA:
            /* one section may come in several CDATA tokens, then CDATAEND */
            if ((rc = close_open_tag(&b)) || (rc = put(&b, "<![CDATA[", 9)))
                break;
            b.pos--;
            while (rc == B2A_OK && b.pos < n && p[b.pos] == T_CDATA) {
                b.pos++;
                if (!(rc = text(&b, &s)))
                    rc = put_span(&b, s, RAW);
            }
            if (rc)
                break;
            if (b.pos >= n || p[b.pos] != T_ENDCDATA) {
                rc = fail(&b, b.pos, "CDATA without CDATAEND");
                break;
            }
            b.pos++;
            rc = put(&b, "]]>", 3);
            break;
        case T_XMLTEXT: /* already XML text */
            if (!(rc = text(&b, &s)) && !(rc = close_open_tag(&b)))
                rc = put_span(&b, s, RAW);
            break;
        case T_ATTR: case T_ENDATTRS:
            rc = fail(&b, at, t == T_ATTR ? "ATTRIBUTE outside an element's start" : "stray ENDATTRIBUTES");
            break;
        case T_ENDCDATA:
            rc = fail(&b, at, "CDATAEND without CDATA");
            break;
        default:
            if (!is_value_token(t)) {
                rc = unsupported(&b, at, (unsigned)t);
                break;
            }
            /* content text; a zero-length string marks "<a></a>", not "<a />" */
            if (!(rc = close_open_tag(&b)))
                rc = value(&b, (unsigned)t, at, TEXT);
            break;
        }
        if (rc)
            break;
    }
    if (rc == B2A_OK && b.depth > 0)
        rc = fail(&b, n, "the value ends inside an element");
out:
    free(b.names);
    free(b.qnames);
    free(b.ns);
    return rc;
}
