/* Object column values of a Data Pump dump as text (dp_object.h). */
#include "reader/oracle/dp_object.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader/oracle/oravalue.h"

int b2a__dpobj_is_sdo(const char *owner, const char *name)
{
    return owner && name && strcmp(owner, "MDSYS") == 0 && strcmp(name, "SDO_GEOMETRY") == 0;
}

/* Text in these sets is UTF-8 already (US7ASCII is a subset). */
static int utf8_set(int cs) { return cs == 873 || cs == 871 || cs == 1; }

static const char *const SDO_ATTRS[] = {"SDO_GTYPE", "SDO_SRID", "SDO_POINT.X", "SDO_POINT.Y", "SDO_POINT.Z",
                                        "SDO_ELEM_INFO", "SDO_ORDINATES"};
#define SDO_NATTRS (sizeof(SDO_ATTRS) / sizeof(SDO_ATTRS[0]))

const b2a_dpobj_attr b2a__dpobj_sdo_attrs[7] = {
    {"SDO_GTYPE", B2A_ORAT_NUMBER, 0},   {"SDO_SRID", B2A_ORAT_NUMBER, 0},        {"SDO_POINT.X", B2A_ORAT_NUMBER, 0},
    {"SDO_POINT.Y", B2A_ORAT_NUMBER, 0}, {"SDO_POINT.Z", B2A_ORAT_NUMBER, 0},     {"SDO_ELEM_INFO", B2A_ORAT_VARRAY, 0},
    {"SDO_ORDINATES", B2A_ORAT_VARRAY, 0}};

/* A pickle length at img[*pos]: one byte, or 0xFE and u32 big-endian. -1
 * when it runs past end; *mark gets 0xFF (NULL) or 0xFD (atomic NULL). */
static int pickle_len(const uint8_t *img, size_t end, size_t *pos, size_t *out, int *mark)
{
    *mark = 0;
    if (*pos >= end)
        return -1;
    uint8_t b = img[(*pos)++];
    if (b == 0xFF || b == 0xFD) {
        *mark = b;
        *out = 0;
        return 0;
    }
    if (b != 0xFE) {
        *out = b;
        return 0;
    }
    if (end - *pos < 4)
        return -1;
    *out = (size_t)img[*pos] << 24 | (size_t)img[*pos + 1] << 16 | (size_t)img[*pos + 2] << 8 | img[*pos + 3];
    *pos += 4;
    return 0;
}

int b2a__dpobj_unpickle(int sdo, const uint8_t *data, size_t off, size_t len, size_t n, b2a_oracell *cells,
                        const char **why)
{
    const uint8_t *img = data + off;
    size_t pos = 2, total, v;
    int mark;
    *why = "its pickled image does not hold together";
    if (len < 3 || !(img[0] & 0x80) || (img[0] & 0x08) || img[1] != 1) {
        *why = "its pickled image is not an 8.1 object image of version 1";
        return 1;
    }
    if (pickle_len(img, len, &pos, &total, &mark) || mark || total != len)
        return 1;
    if (!(img[0] & 0x04)) { /* a prefix segment: skipped */
        if (pickle_len(img, len, &pos, &v, &mark) || mark || v > len - pos)
            return 1;
        pos += v;
    }
    for (size_t i = 0; i < n; i++) {
        if (pickle_len(img, len, &pos, &v, &mark))
            return 1;
        cells[i].off = off + pos;
        cells[i].len = v;
        cells[i].null = mark != 0;
        if (mark == 0xFD) {
            if (!sdo || i != 2) {
                *why = "an embedded object of it is NULL, which is not decoded";
                return 1;
            }
            cells[3] = cells[4] = cells[2]; /* SDO_POINT NULL: X, Y, Z */
            i = 4;
            continue;
        }
        if (v > len - pos)
            return 1;
        pos += v;
    }
    return pos == len ? 0 : 1;
}

const char *b2a__dpobj_check(int sdo, const b2a_dpobj_attr *a, size_t n, size_t *bad)
{
    *bad = 0;
    if (sdo) {
        if (n != SDO_NATTRS)
            return "its SDO_GEOMETRY attributes are not the 7 of MDSYS.SDO_GEOMETRY";
        for (size_t i = 0; i < n; i++) {
            *bad = i;
            if (strcmp(a[i].name, SDO_ATTRS[i]) != 0)
                return "its SDO_GEOMETRY attributes are not those of MDSYS.SDO_GEOMETRY, in their order";
            if (i < 5 && a[i].type != B2A_ORAT_NUMBER)
                return "an SDO_GEOMETRY number attribute is not a NUMBER";
            if (i >= 5 && a[i].type != B2A_ORAT_VARRAY)
                return "an SDO_GEOMETRY array attribute is not a VARRAY";
        }
        return NULL;
    }
    if (n == 0)
        return "no attribute of it is in the rows";
    for (size_t i = 0; i < n; i++) {
        *bad = i;
        switch (a[i].type) {
        case B2A_ORAT_NUMBER: break;
        case B2A_ORAT_VARCHAR2:
        case B2A_ORAT_CHAR:
            if (!utf8_set(a[i].cs))
                return "a text attribute is in a character set other than UTF-8 or US7ASCII";
            break;
        default: return "an attribute is of a type other than NUMBER, VARCHAR2 or CHAR";
        }
    }
    return NULL;
}

static int put(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t c = *cap ? *cap : 256;
        while (c < *len + n + 1)
            c *= 2;
        char *b = realloc(*buf, c);
        if (!b)
            return -1;
        *buf = b;
        *cap = c;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
    return 0;
}

static int puts_(char **buf, size_t *len, size_t *cap, const char *s) { return put(buf, len, cap, s, strlen(s)); }

/* A NUMBER cell as decimal text; 1 when its bytes are not a number. */
static int number(const uint8_t *data, const b2a_oracell *c, char *text, size_t cap)
{
    int special = 0;
    if (b2a__oranum_text(data + c->off, c->len, text, cap, NULL, NULL, &special) < 0 || special)
        return 1;
    return 0;
}

/* JSON string body of UTF-8 bytes: quotes, backslashes and controls escaped. */
static int json_string(char **buf, size_t *len, size_t *cap, const uint8_t *p, size_t n)
{
    if (put(buf, len, cap, "\"", 1))
        return -1;
    for (size_t i = 0; i < n; i++) {
        char esc[8];
        if (p[i] == '"' || p[i] == '\\') {
            esc[0] = '\\';
            esc[1] = (char)p[i];
            if (put(buf, len, cap, esc, 2))
                return -1;
        } else if (p[i] < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", p[i]);
            if (puts_(buf, len, cap, esc))
                return -1;
        } else if (put(buf, len, cap, (const char *)p + i, 1)) {
            return -1;
        }
    }
    return put(buf, len, cap, "\"", 1);
}

static int sdo_text(const uint8_t *data, const b2a_oracell *c, char **buf, size_t *len, size_t *cap,
                    const char **why)
{
    char gtype[B2A_ORANUM_TEXT_MAX], x[B2A_ORANUM_TEXT_MAX], y[B2A_ORANUM_TEXT_MAX];
    if (!c[5].null || !c[6].null) {
        *why = "an SDO_GEOMETRY with SDO_ELEM_INFO and SDO_ORDINATES (not a point) is not decoded";
        return 1;
    }
    if (c[0].null || number(data, &c[0], gtype, sizeof gtype) || strcmp(gtype, "2001") != 0) {
        *why = "an SDO_GEOMETRY whose SDO_GTYPE is not 2001 (a two-dimensional point) is not decoded";
        return 1;
    }
    if (c[2].null || c[3].null || !c[4].null || number(data, &c[2], x, sizeof x) ||
        number(data, &c[3], y, sizeof y)) {
        *why = "an SDO_GEOMETRY point without SDO_POINT.X and Y (or with a Z) is not decoded";
        return 1;
    }
    /* SDO_UTIL.TO_WKTGEOMETRY's form; the SRID (SDO_SRID) is not part of WKT */
    if (puts_(buf, len, cap, "POINT (") || puts_(buf, len, cap, x) || puts_(buf, len, cap, " ") ||
        puts_(buf, len, cap, y) || puts_(buf, len, cap, ")"))
        return -1;
    return 0;
}

int b2a__dpobj_text(int sdo, const b2a_dpobj_attr *a, size_t n, const uint8_t *data, const b2a_oracell *c,
                    char **buf, size_t *len, size_t *cap, const char **why)
{
    *len = 0;
    if (put(buf, len, cap, "", 0))
        return -1;
    if (sdo)
        return n == SDO_NATTRS ? sdo_text(data, c, buf, len, cap, why) : (*why = "not an SDO_GEOMETRY", 1);
    if (put(buf, len, cap, "{", 1))
        return -1;
    for (size_t i = 0; i < n; i++) {
        if ((i && put(buf, len, cap, ",", 1)) ||
            json_string(buf, len, cap, (const uint8_t *)a[i].name, strlen(a[i].name)) || put(buf, len, cap, ":", 1))
            return -1;
        if (c[i].null) {
            if (puts_(buf, len, cap, "null"))
                return -1;
        } else if (a[i].type == B2A_ORAT_NUMBER) {
            char num[B2A_ORANUM_TEXT_MAX];
            if (number(data, &c[i], num, sizeof num)) {
                *why = "a NUMBER attribute's bytes are not a finite number";
                return 1;
            }
            if (puts_(buf, len, cap, num))
                return -1;
        } else if (json_string(buf, len, cap, data + c[i].off, c[i].len)) {
            return -1;
        }
    }
    return put(buf, len, cap, "}", 1);
}
