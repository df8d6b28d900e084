/* geography/geometry serialization from [MS-SSCLRT] §2.1 (versions 1 and
 * 2): SRID, version, flags, then points, figures (runs of points) and
 * shapes (a pre-order tree over the figures), printed as OGC WKT the way
 * SQL Server's STAsText() does. */
#include "reader/mssql/clrspatial.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bak2avro/errors.h"
#include "reader/mssql/page.h"

/* SerializationProps bits. */
enum { P_Z = 0x01, P_M = 0x02, P_SINGLE_POINT = 0x08, P_SINGLE_LINE = 0x10 };
/* OpenGisType of a shape. */
enum {
    S_POINT = 1, S_LINESTRING = 2, S_POLYGON = 3, S_MULTIPOINT = 4, S_MULTILINESTRING = 5,
    S_MULTIPOLYGON = 6, S_COLLECTION = 7, S_CIRCULARSTRING = 8, S_COMPOUNDCURVE = 9,
    S_CURVEPOLYGON = 10, S_FULLGLOBE = 11
};
/* Collections nest; deeper than this is refused rather than recursed. */
#define MAX_DEPTH 64

typedef struct geo {
    const uint8_t *pts;         /* npoints x 16 bytes */
    uint32_t npoints, nfigures, nshapes;
    const uint8_t *figs;        /* nfigures x 5: attribute, point offset */
    const uint8_t *shapes;      /* nshapes x 9: parent, figure offset, type */
    int geography, version;
    b2a_mbuf *out;
    char *why;
    size_t whylen;
} geo;

static const char *const names[] = { NULL, "POINT", "LINESTRING", "POLYGON", "MULTIPOINT",
                                     "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION",
                                     "CIRCULARSTRING", "COMPOUNDCURVE", "CURVEPOLYGON", "FULLGLOBE" };

int b2a__clrspatial_number(double v, char *buf, size_t cap)
{
    if (isnan(v))
        return snprintf(buf, cap, "NaN");
    if (isinf(v))
        return snprintf(buf, cap, v < 0 ? "-Infinity" : "Infinity");
    if (v == 0)
        return snprintf(buf, cap, "0"); /* .NET Framework prints -0 as 0 */
    int k = snprintf(buf, cap, "%.15g", v);
    if (strtod(buf, NULL) != v)
        k = snprintf(buf, cap, "%.17g", v);
    for (char *e = buf; *e; e++)
        if (*e == 'e')
            *e = 'E';
    return k;
}

static int put(geo *g, const char *s, size_t n)
{
    return b2a__mbuf_append(g->out, s, n) < 0 ? B2A_ENOMEM : B2A_OK;
}
#define PUTS(g, s) put(g, s, strlen(s))

static int bad(geo *g, int code, const char *msg)
{
    snprintf(g->why, g->whylen, "%s", msg);
    return code;
}

static uint32_t fig_point(const geo *g, uint32_t f)
{
    return f < g->nfigures ? b2a__rd32(g->figs + 5 * (size_t)f + 1) : g->npoints;
}

static int32_t shape_parent(const geo *g, uint32_t s) { return (int32_t)b2a__rd32(g->shapes + 9 * (size_t)s); }
static int32_t shape_fig(const geo *g, uint32_t s) { return (int32_t)b2a__rd32(g->shapes + 9 * (size_t)s + 4); }
static uint8_t shape_type(const geo *g, uint32_t s) { return g->shapes[9 * (size_t)s + 8]; }

/* The figures of leaf shape s: from its offset to the next shape's. */
static void shape_figs(const geo *g, uint32_t s, uint32_t *first, uint32_t *end)
{
    int32_t f = shape_fig(g, s);
    *first = *end = 0;
    if (f < 0)
        return;
    *first = (uint32_t)f;
    *end = g->nfigures;
    for (uint32_t t = s + 1; t < g->nshapes; t++)
        if (shape_fig(g, t) >= 0) {
            *end = (uint32_t)shape_fig(g, t);
            break;
        }
}

/* "(x y, x y)" for the points of figure f. */
static int put_figure(geo *g, uint32_t f)
{
    uint32_t a = fig_point(g, f), b = fig_point(g, f + 1);
    int rc = put(g, "(", 1);
    for (uint32_t i = a; i < b && rc == B2A_OK; i++) {
        const uint8_t *pt = g->pts + 16 * (size_t)i;
        uint64_t u0 = b2a__rd64(pt), u1 = b2a__rd64(pt + 8);
        double d0, d1;
        memcpy(&d0, &u0, 8);
        memcpy(&d1, &u1, 8);
        char buf[80];
        int k = 0;
        if (i > a)
            buf[k++] = ',', buf[k++] = ' ';
        /* geography stores latitude first; WKT is longitude latitude */
        k += b2a__clrspatial_number(g->geography ? d1 : d0, buf + k, sizeof buf - (size_t)k);
        buf[k++] = ' ';
        k += b2a__clrspatial_number(g->geography ? d0 : d1, buf + k, sizeof buf - (size_t)k);
        rc = put(g, buf, (size_t)k);
    }
    return rc ? rc : put(g, ")", 1);
}

/* The body of leaf shape s after its tag: "(...)" or "EMPTY". */
static int put_leaf_body(geo *g, uint32_t s, uint8_t type)
{
    uint32_t first, end;
    shape_figs(g, s, &first, &end);
    if (first >= end)
        return PUTS(g, "EMPTY");
    if (type != S_POLYGON && end - first != 1)
        return bad(g, B2A_EFORMAT, "geospatial: a point or line shape with more than one figure");
    /* Version 2 figure attributes: 0 point, 1 line, 2 arc, 3 composite curve
     * (version 1's 0/1/2 are ring/stroke kinds, all plain points). */
    for (uint32_t f = first; f < end && g->version == 2; f++) {
        uint8_t attr = g->figs[5 * (size_t)f];
        if (attr == 3 || (attr == 2 && type != S_CIRCULARSTRING))
            return bad(g, B2A_EUNSUPPORTED, "geospatial: curve figures outside a CIRCULARSTRING are not decoded");
    }
    int rc;
    if (type == S_POINT) { /* POINT (x y), not POINT ((x y)) */
        uint32_t a = fig_point(g, first), b = fig_point(g, first + 1);
        if (b - a != 1)
            return bad(g, B2A_EFORMAT, "geospatial: a point figure without exactly one point");
        return put_figure(g, first);
    }
    if (type != S_POLYGON)
        return put_figure(g, first);
    rc = put(g, "(", 1);
    for (uint32_t f = first; f < end && rc == B2A_OK; f++) {
        if (f > first)
            rc = put(g, ", ", 2);
        if (rc == B2A_OK)
            rc = put_figure(g, f);
    }
    return rc ? rc : put(g, ")", 1);
}

/* Print shape s (with its tag when tagged) and return in *next the index
 * after its subtree. */
static int put_shape(geo *g, uint32_t s, int tagged, int depth, uint32_t *next)
{
    uint8_t type = shape_type(g, s);
    if (type < S_POINT || type > S_FULLGLOBE)
        return bad(g, B2A_EFORMAT, "geospatial: unknown shape type");
    if (type == S_COMPOUNDCURVE || type == S_CURVEPOLYGON) {
        snprintf(g->why, g->whylen, "geospatial: %s (a version 2 curve type) is not decoded", names[type]);
        return B2A_EUNSUPPORTED;
    }
    if (depth > MAX_DEPTH)
        return bad(g, B2A_EFORMAT, "geospatial: collections nested too deep");
    int rc = B2A_OK;
    if (tagged && ((rc = PUTS(g, names[type])) || (type != S_FULLGLOBE && (rc = put(g, " ", 1)))))
        return rc;
    *next = s + 1;
    if (type == S_FULLGLOBE)
        return B2A_OK;
    if (type < S_MULTIPOINT || type == S_CIRCULARSTRING)
        return put_leaf_body(g, s, type);
    /* A collection: its children follow it in pre-order. Members of a
     * MULTI* print untagged: MULTIPOINT ((1 2), (3 4)). */
    uint32_t j = s + 1;
    int any = 0;
    while (j < g->nshapes && shape_parent(g, j) == (int32_t)s) {
        uint8_t ct = shape_type(g, j);
        if (type != S_COLLECTION && ct != type - 3)
            return bad(g, B2A_EFORMAT, "geospatial: a multi-shape holds a shape of another type");
        if ((rc = any ? put(g, ", ", 2) : put(g, "(", 1)))
            return rc;
        any = 1;
        if ((rc = put_shape(g, j, type == S_COLLECTION, depth + 1, &j)))
            return rc;
    }
    *next = j;
    return any ? put(g, ")", 1) : PUTS(g, "EMPTY");
}

int b2a__clrspatial_wkt(const uint8_t *p, size_t n, int geography, b2a_mbuf *out, char *why, size_t whylen)
{
    geo g;
    memset(&g, 0, sizeof g);
    g.geography = geography;
    g.version = p && n > 4 ? p[4] : 0;
    g.out = out;
    g.why = why;
    g.whylen = whylen;
    const char *what = geography ? "geography" : "geometry";
    if (n < 6) {
        snprintf(why, whylen, "%s value of %zu bytes (at least 6 needed)", what, n);
        return B2A_EFORMAT;
    }
    uint8_t version = p[4], props = p[5];
    if (version != 1 && version != 2) {
        snprintf(why, whylen, "%s serialization version %u (1 and 2 are known)", what, version);
        return B2A_EFORMAT;
    }
    size_t zm = ((props & P_Z) ? 8 : 0) + ((props & P_M) ? 8 : 0);
    size_t pos = 6;
    static const uint8_t one_point_fig[5] = { 1, 0, 0, 0, 0 };
    static const uint8_t point_shape[9] = { 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, S_POINT };
    static const uint8_t line_shape[9] = { 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, S_LINESTRING };
    if (props & (P_SINGLE_POINT | P_SINGLE_LINE)) {
        /* the short forms: one point or one two-point segment, no tables */
        g.npoints = (props & P_SINGLE_POINT) ? 1 : 2;
        if (n != pos + g.npoints * (16 + zm)) {
            snprintf(why, whylen, "%s single-%s value of %zu bytes", what,
                     (props & P_SINGLE_POINT) ? "point" : "segment", n);
            return B2A_EFORMAT;
        }
        g.pts = p + pos;
        g.nfigures = g.nshapes = 1;
        g.figs = one_point_fig;
        g.shapes = (props & P_SINGLE_POINT) ? point_shape : line_shape;
    } else {
        uint64_t need;
        if (n < pos + 4)
            goto trunc;
        g.npoints = b2a__rd32(p + pos);
        pos += 4;
        need = (uint64_t)g.npoints * (16 + zm);
        if (need > n - pos)
            goto trunc;
        g.pts = p + pos;
        pos += (size_t)need;
        if (n - pos < 4)
            goto trunc;
        g.nfigures = b2a__rd32(p + pos);
        pos += 4;
        if ((uint64_t)g.nfigures * 5 > n - pos)
            goto trunc;
        g.figs = p + pos;
        pos += (size_t)g.nfigures * 5;
        if (n - pos < 4)
            goto trunc;
        g.nshapes = b2a__rd32(p + pos);
        pos += 4;
        if ((uint64_t)g.nshapes * 9 > n - pos)
            goto trunc;
        g.shapes = p + pos;
        pos += (size_t)g.nshapes * 9;
        if (version == 2) { /* segments: only used by compound curves */
            if (n - pos < 4)
                goto trunc;
            uint32_t nseg = b2a__rd32(p + pos);
            pos += 4;
            if (nseg > n - pos)
                goto trunc;
            pos += nseg;
        }
        if (pos != n) {
            snprintf(why, whylen, "%s value has %zu bytes after its shapes", what, n - pos);
            return B2A_EFORMAT;
        }
    }
    /* The tables must point forwards and inside: checked once here so the
     * printers can trust them. */
    for (uint32_t f = 0; f < g.nfigures; f++) {
        uint32_t a = fig_point(&g, f), b = fig_point(&g, f + 1);
        if (a > b || b > g.npoints) {
            snprintf(why, whylen, "%s figure %u points outside the %u points", what, f, g.npoints);
            return B2A_EFORMAT;
        }
    }
    for (uint32_t s = 0; s < g.nshapes; s++) {
        int32_t par = shape_parent(&g, s), fo = shape_fig(&g, s);
        if ((s == 0) != (par == -1) || par >= (int32_t)s || par < -1 || fo < -1 || (fo >= 0 && (uint32_t)fo >= g.nfigures)) {
            snprintf(why, whylen, "%s shape %u has a bad parent or figure offset", what, s);
            return B2A_EFORMAT;
        }
    }
    if (g.nshapes == 0) {
        snprintf(why, whylen, "%s value without shapes", what);
        return B2A_EFORMAT;
    }
    uint32_t next;
    int rc = put_shape(&g, 0, 1, 0, &next);
    if (rc == B2A_OK && next != g.nshapes) {
        snprintf(why, whylen, "%s shape %u is not inside the first shape", what, next);
        return B2A_EFORMAT;
    }
    return rc;
trunc:
    snprintf(why, whylen, "%s value of %zu bytes is truncated (its counts need more)", what, n);
    return B2A_EFORMAT;
}
