#!/usr/bin/python3
"""Dump an Avro container file with python-avro, an independent reader.

Usage: avro_dump.py FILE

Prints "schema: <the schema JSON exactly as stored in the header>",
"codec: <avro.codec>", then one JSON line per record with logical types
as python-avro decodes them: decimal as a string, date/time/timestamp in
ISO form, uuid as text. Bytes print as hex; a bytes or string value over
256 bytes prints as {"len": N, "crc32": "<8 hex>"} of its UTF-8 bytes so
the output stays small. Floats use Python's NaN/Infinity spellings.
"""
import datetime
import decimal
import json
import sys
import uuid
import warnings
import zlib

import avro.datafile
import avro.io

BIG = 256


def conv(v):
    if isinstance(v, dict):
        return {k: conv(x) for k, x in v.items()}
    if isinstance(v, (bytes, bytearray)):
        if len(v) > BIG:
            return {"len": len(v), "crc32": "%08x" % zlib.crc32(v)}
        return {"hex": bytes(v).hex()}
    if isinstance(v, str) and len(v.encode("utf-8")) > BIG:
        b = v.encode("utf-8")
        return {"len": len(b), "crc32": "%08x" % zlib.crc32(b)}
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, (datetime.date, datetime.time, datetime.datetime)):
        return v.isoformat()
    if isinstance(v, uuid.UUID):
        return str(v)
    return v


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: avro_dump.py FILE\n")
        return 2
    # python-avro 1.11 warns about logical types it does not know
    # (local-timestamp-micros); those values stay plain longs.
    warnings.simplefilter("ignore")
    with open(argv[1], "rb") as f:
        reader = avro.datafile.DataFileReader(f, avro.io.DatumReader())
        out = sys.stdout
        out.write("schema: " + reader.get_meta("avro.schema").decode("utf-8") + "\n")
        out.write("codec: " + reader.get_meta("avro.codec").decode("utf-8") + "\n")
        for rec in reader:
            out.write(json.dumps(conv(rec), ensure_ascii=False, separators=(",", ":")) + "\n")
        reader.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
