package bak2avro

// The names the options take for the library's enums, shared by the job and
// the building blocks; "" is the library's default.

/*
#include <bak2avro.h>
*/
import "C"

func codecOf(v string) (C.b2a_codec, error) {
	switch v {
	case "", "snappy":
		return C.B2A_CODEC_SNAPPY, nil
	case "deflate":
		return C.B2A_CODEC_DEFLATE, nil
	case "null":
		return C.B2A_CODEC_NULL, nil
	}
	return 0, invalid("unknown codec %q (null, deflate, snappy)", v)
}

func networkOf(v string) (C.b2a_network, error) {
	switch v {
	case "", "auto":
		return C.B2A_NETWORK_AUTO, nil
	case "host":
		return C.B2A_NETWORK_HOST, nil
	case "publish":
		return C.B2A_NETWORK_PUBLISH, nil
	}
	return 0, invalid("unknown network %q (auto, host, publish)", v)
}

func deliveryOf(v string) (C.b2a_delivery, error) {
	switch v {
	case "", "bind":
		return C.B2A_DELIVERY_BIND, nil
	case "upload":
		return C.B2A_DELIVERY_UPLOAD, nil
	}
	return 0, invalid("unknown delivery %q (bind, upload)", v)
}

func naiveTimestampsOf(v string) (C.b2a_naive_timestamps, error) {
	switch v {
	case "", "local":
		return C.B2A_NAIVE_LOCAL, nil
	case "utc":
		return C.B2A_NAIVE_UTC, nil
	case "string":
		return C.B2A_NAIVE_STRING, nil
	}
	return 0, invalid("unknown naive timestamps %q (local, utc, string)", v)
}

func viaOf(v string) (C.b2a_via, error) {
	switch v {
	case "", "auto":
		return C.B2A_VIA_AUTO, nil
	case "odbc":
		return C.B2A_VIA_ODBC, nil
	}
	return 0, invalid("unknown via %q (auto, odbc)", v)
}
