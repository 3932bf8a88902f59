#!/usr/bin/env python3
"""Writes the malformed-request corpus: one raw file per case (exact bytes) and manifest.tsv
(file, expected status, what the case is). Re-run after editing CASES; commit the output."""
import os

V = b"Host: example.test\r\n"          # a valid Host line
GET = b"GET / HTTP/1.1\r\n"
POST = b"POST /echo HTTP/1.1\r\n"
END = b"\r\n"

CASES = [
    # name, status, bytes, description
    ("cl-and-te", 400, POST + V + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "Content-Length and Transfer-Encoding together"),
    ("te-and-cl", 400, POST + V + b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "Transfer-Encoding then Content-Length"),
    ("two-content-lengths", 400, POST + V + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", "two different Content-Length fields"),
    ("content-length-list", 400, POST + V + b"Content-Length: 5, 5\r\n\r\nhello", "Content-Length as a list"),
    ("content-length-negative", 400, POST + V + b"Content-Length: -1\r\n\r\n", "negative Content-Length"),
    ("content-length-plus-sign", 400, POST + V + b"Content-Length: +5\r\n\r\nhello", "Content-Length with a sign"),
    ("content-length-overflow", 400, POST + V + b"Content-Length: 99999999999999999999999\r\n\r\n", "Content-Length past 64 bits"),
    ("content-length-hex", 400, POST + V + b"Content-Length: 0x5\r\n\r\nhello", "hexadecimal Content-Length"),
    ("content-length-inner-space", 400, POST + V + b"Content-Length: 1 0\r\n\r\nhelloworld", "space inside Content-Length"),
    ("content-length-empty", 400, POST + V + b"Content-Length:\r\n\r\n", "empty Content-Length"),
    ("chunk-size-not-hex", 400, POST + V + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", "chunk size that is not hexadecimal"),
    ("chunk-size-overflow", 400, POST + V + b"Transfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\nhello\r\n0\r\n\r\n", "chunk size past 64 bits"),
    ("chunk-size-negative", 400, POST + V + b"Transfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n", "negative chunk size"),
    ("chunk-size-empty", 400, POST + V + b"Transfer-Encoding: chunked\r\n\r\n\r\nhello\r\n0\r\n\r\n", "empty chunk-size line"),
    ("chunk-data-too-long", 400, POST + V + b"Transfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n", "chunk data longer than its size"),
    ("chunk-size-bare-lf", 400, POST + V + b"Transfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n", "chunk-size line ended by LF alone"),
    ("chunk-extension-no-name", 400, POST + V + b"Transfer-Encoding: chunked\r\n\r\n5;=x\r\nhello\r\n0\r\n\r\n", "chunk extension without a name"),
    ("chunk-extension-bad-quote", 400, POST + V + b"Transfer-Encoding: chunked\r\n\r\n5;a=\"x\r\nhello\r\n0\r\n\r\n", "unterminated quoted chunk extension"),
    ("chunked-bad-trailer", 400, POST + V + b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nBad Trailer\r\n\r\n", "trailer line without a colon"),
    ("obs-fold", 400, GET + V + b"X-Folded: one\r\n two\r\n\r\n", "obsolete line folding"),
    ("whitespace-before-first-field", 400, GET + b" Host: example.test\r\n\r\n", "whitespace between request line and first field"),
    ("bare-cr-in-value", 400, GET + V + b"X-A: one\rtwo\r\n\r\n", "bare CR inside a field value"),
    ("bare-cr-in-request-line", 400, b"GET /a\rb HTTP/1.1\r\n" + V + END, "bare CR inside the request line"),
    ("cr-cr-lf", 400, GET + b"Host: example.test\r\r\n\r\n", "CR CR LF line end"),
    ("lf-only-request", 400, b"GET / HTTP/1.1\nHost: example.test\n\n", "every line ended by LF alone"),
    ("lf-only-one-field", 400, GET + V + b"X-A: one\nX-B: two\r\n\r\n", "one field ended by LF alone"),
    ("lf-only-blank-line", 400, GET + V + b"\n", "head ended by a bare LF"),
    ("nul-in-value", 400, GET + V + b"X-A: a\x00b\r\n\r\n", "NUL in a field value"),
    ("control-in-value", 400, GET + V + b"X-A: a\x01b\r\n\r\n", "control byte in a field value"),
    ("del-in-value", 400, GET + V + b"X-A: a\x7fb\r\n\r\n", "DEL in a field value"),
    ("nul-in-target", 400, b"GET /a\x00b HTTP/1.1\r\n" + V + END, "NUL in the request target"),
    ("high-byte-in-target", 400, b"GET /caf\xc3\xa9 HTTP/1.1\r\n" + V + END, "non-ASCII byte in the request target"),
    ("invalid-method-char", 400, b"GE(T / HTTP/1.1\r\n" + V + END, "method with a non-token character"),
    ("invalid-header-name-char", 400, GET + V + b"X(A): b\r\n\r\n", "field name with a non-token character"),
    ("header-name-with-slash", 400, GET + V + b"X/A: b\r\n\r\n", "field name with a slash"),
    ("space-before-colon", 400, GET + b"Host : example.test\r\n\r\n", "space between field name and colon"),
    ("tab-before-colon", 400, GET + V + b"X-A\t: b\r\n\r\n", "tab between field name and colon"),
    ("empty-field-name", 400, GET + V + b": value\r\n\r\n", "empty field name"),
    ("field-without-colon", 400, GET + V + b"X-A value\r\n\r\n", "field line without a colon"),
    ("missing-host", 400, GET + b"Accept: */*\r\n\r\n", "HTTP/1.1 request without Host"),
    ("duplicate-host", 400, GET + V + b"Host: other.test\r\n\r\n", "two Host fields"),
    ("host-with-space", 400, GET + b"Host: exa mple.test\r\n\r\n", "Host value with a space"),
    ("host-with-slash", 400, GET + b"Host: example.test/evil\r\n\r\n", "Host value with a slash"),
    ("te-gzip-chunked", 501, POST + V + b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", "transfer coding the server does not implement"),
    ("te-chunked-gzip", 400, POST + V + b"Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", "chunked not the last transfer coding"),
    ("te-identity", 400, POST + V + b"Transfer-Encoding: identity\r\n\r\n", "Transfer-Encoding without chunked"),
    ("te-chunked-twice", 400, POST + V + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "chunked applied twice"),
    ("te-xchunked", 400, POST + V + b"Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", "a coding that only looks like chunked"),
    ("te-chunked-trailing-comma", 400, POST + V + b"Transfer-Encoding: chunked,\r\n\r\n0\r\n\r\n", "empty element in Transfer-Encoding"),
    ("te-in-http10", 400, b"POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "Transfer-Encoding in HTTP/1.0"),
    ("http2-preface", 505, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "HTTP/2 connection preface"),
    ("http-version-2", 505, b"GET / HTTP/2.0\r\n" + V + END, "HTTP/2.0 request line"),
    ("http-version-garbage", 400, b"GET / HTTX/1.1\r\n" + V + END, "misspelt protocol name"),
    ("http-version-lowercase", 400, b"GET / http/1.1\r\n" + V + END, "lowercase protocol name"),
    ("http-version-two-digits", 400, b"GET / HTTP/1.10\r\n" + V + END, "two-digit minor version"),
    ("double-space-request-line", 400, b"GET  / HTTP/1.1\r\n" + V + END, "two spaces in the request line"),
    ("missing-target", 400, b"GET HTTP/1.1\r\n" + V + END, "request line without a target"),
    ("leading-space-request-line", 400, b" GET / HTTP/1.1\r\n" + V + END, "request line starting with a space"),
    ("target-without-slash", 400, b"GET index.html HTTP/1.1\r\n" + V + END, "origin-form target without a slash"),
    ("asterisk-with-get", 400, b"GET * HTTP/1.1\r\n" + V + END, "asterisk-form for a method other than OPTIONS"),
    ("garbage-text", 400, b"hello there\r\n\r\n", "text that is not HTTP"),
    ("garbage-tls-hello", 400, b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + bytes(range(32)) + b"\r\n\r\n", "a TLS ClientHello on the plain port"),
    ("expect-unknown", 417, POST + V + b"Content-Length: 5\r\nExpect: 200-ok\r\n\r\nhello", "an expectation other than 100-continue"),
    ("content-encoding-br", 415, POST + V + b"Content-Length: 5\r\nContent-Encoding: br\r\n\r\nhello", "a content coding the server does not implement"),
    ("request-line-too-long", 414, b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n" + V + END, "request line over 8 KiB"),
    ("header-block-too-large", 431, GET + V + b"X-Big: " + b"b" * 17000 + b"\r\n\r\n", "header block over 16 KiB"),
    ("too-many-fields", 431, GET + V + b"".join(b"X-F%d: v\r\n" % i for i in range(101)) + END, "101 header fields"),
    ("body-declared-too-large", 413, POST + V + b"Content-Length: 16777217\r\n\r\n", "Content-Length over 16 MiB"),
    ("chunk-too-large", 413, POST + V + b"Transfer-Encoding: chunked\r\n\r\n1000001\r\n", "one chunk over 16 MiB"),
    # Refused as the bytes arrive, with no line end to wait for (not at the header timeout).
    ("tls-hello-no-line-end", 400, b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + bytes(range(32)), "a TLS ClientHello without any line end"),
    ("binary-no-line-end", 400, bytes(range(256))[::7], "binary bytes without any line end"),
    ("control-in-target-no-line-end", 400, b"GET /a\x01", "a control byte in the target, no line end yet"),
    ("space-after-method-start-no-line-end", 400, b" GET", "a request line starting with a space, no line end yet"),
]

here = os.path.dirname(os.path.abspath(__file__))
cases = os.path.join(here, "cases")
os.makedirs(cases, exist_ok=True)
for name in os.listdir(cases):
    os.remove(os.path.join(cases, name))
names = set()
with open(os.path.join(here, "manifest.tsv"), "w") as manifest:
    manifest.write("# file\tstatus\tdescription (generated by make_corpus.py)\n")
    for i, (name, status, data, description) in enumerate(CASES, 1):
        assert name not in names, name
        names.add(name)
        filename = "%02d-%s.http" % (i, name)
        with open(os.path.join(cases, filename), "wb") as f:
            f.write(data)
        manifest.write("%s\t%d\t%s\n" % (filename, status, description))
print("%d cases" % len(CASES))
