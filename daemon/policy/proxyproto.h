/*
 * proxyproto.h -- the PROXY protocol header (HAProxy's
 * doc/proxy-protocol.txt), versions 1 and 2: an incremental parser and a
 * builder.  Pure functions: no I/O, no allocation, no global state.
 *
 * A load balancer that accepts the client's connection opens its own to
 * us and sends, before any byte of the client's, a header naming the
 * client's address (source) and the address the client connected to
 * (destination).  Version 1 is a text line, version 2 a binary block.
 *
 * What is accepted (and why the rest is refused):
 *
 *   v1   "PROXY TCP4 SRC DST SPORT DPORT\r\n", "PROXY TCP6 ...\r\n" and
 *        "PROXY UNKNOWN[ anything]\r\n", 107 bytes at most with CRLF.
 *        Strict: single spaces, addresses that inet_pton reads in the
 *        declared family, ports 0-65535 in decimal without a leading
 *        zero ("0" itself aside).
 *   v2   the 12-byte signature, version 2, command LOCAL or PROXY; for
 *        PROXY, AF_INET or AF_INET6 over STREAM (AF_UNSPEC: the real
 *        endpoints, as the specification asks); AF_UNIX and DGRAM are
 *        refused -- we serve TCP only.  The length field is at most
 *        PN_PP_V2_MAX_LEN.  TLVs after the addresses are skipped, each
 *        one checked to fit in the block; a PP2_TYPE_CRC32C TLV, when
 *        present, is verified (a mismatch is an error: a corrupted header
 *        would otherwise hand us a wrong client address).
 *
 * LOCAL (v2) and UNKNOWN (v1) mean "no address": the connection keeps its
 * real peer (a health check of the balancer itself).
 */
#ifndef PN_PROXYPROTO_H
#define PN_PROXYPROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Which versions a parser accepts (bits). */
enum { PN_PP_V1 = 1, PN_PP_V2 = 2, PN_PP_ANY = 3 };

#define PN_PP_V1_MAX 107	  /* a v1 header's longest, CRLF included */
#define PN_PP_V2_MAX_LEN 2048u	  /* the largest v2 length field accepted */
#define PN_PP_V2_HEAD 16u	  /* signature, ver_cmd, fam, len */
#define PN_PP_BUF (PN_PP_V2_HEAD + PN_PP_V2_MAX_LEN)

/* pn_pp_feed's results. */
enum { PN_PP_ERROR = -1, PN_PP_MORE = 0, PN_PP_DONE = 1 };

/* The header's meaning. */
struct pn_pp_result {
	int version;	/* 1 or 2 */
	int local;	/* LOCAL or UNKNOWN: keep the real peer */
	struct sockaddr_storage src, dst; /* when !local */
	socklen_t srclen, dstlen;
};

/* A parser's state; one per connection, pn_pp_init'ed. */
struct pn_pp {
	unsigned accept;   /* PN_PP_V1 | PN_PP_V2 */
	int state;	   /* PN_PP_MORE, _DONE or _ERROR */
	int version;	   /* 0 until the first bytes tell */
	size_t len;	   /* bytes of buf filled */
	size_t need;	   /* v2: the whole header's length, once known */
	const char *err;   /* after PN_PP_ERROR: why, a static string */
	unsigned char buf[PN_PP_BUF];
};

/* Start parsing a header of the versions in `accept` (PN_PP_V1...). */
void pn_pp_init(struct pn_pp *p, unsigned accept);

/*
 * pn_pp_feed -- give the parser the next n bytes of the connection.
 * *used is set to how many of them belong to the header: all of them
 * while PN_PP_MORE; on PN_PP_DONE, the header ends at data + *used and
 * the bytes after it are the client's (not the parser's).  On PN_PP_DONE,
 * *r holds the header's meaning.  PN_PP_ERROR: p->err says why ("v1:
 * bad source port", ...).  Once done or failed, a parser keeps that
 * result and takes no more bytes (*used 0).  Feeding a header in any
 * number of pieces gives the same result as feeding it whole.
 */
int pn_pp_feed(struct pn_pp *p, const void *data, size_t n, size_t *used,
	       struct pn_pp_result *r);

/*
 * pn_pp_build -- write a header of `version` (1 or 2) naming src and dst
 * (both AF_INET or both AF_INET6; anything else, or either NULL, gives
 * v1 "UNKNOWN" or a v2 LOCAL) into out.  Returns its length, or 0 when
 * it does not fit in outlen (PN_PP_V1_MAX, or PN_PP_V2_HEAD + 36, is
 * always enough).
 */
size_t pn_pp_build(int version, const struct sockaddr *src,
		   const struct sockaddr *dst, void *out, size_t outlen);

/* CRC-32C (Castagnoli) of n bytes, continuing from crc (0 to start). */
uint32_t pn_pp_crc32c(uint32_t crc, const void *data, size_t n);

#endif
