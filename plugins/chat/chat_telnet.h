/*
 * chat_telnet.h -- just enough telnet for a line-based chat room.
 *
 * The chat speaks no telnet option, but the standard telnet client sends
 * commands in the middle of typed text: ^C becomes IAC IP IAC DO
 * TIMING-MARK, and so do bytes of UTF-8 text that look like ^C or ^\
 * once their eighth bit is cleared (telnet compares 7-bit characters in
 * NVT mode).  After IAC DO TIMING-MARK the client discards everything the
 * server sends until the option is answered: refusing it ends that.
 * The commands themselves are removed by chat_sanitize().
 */
#ifndef CHAT_TELNET_H
#define CHAT_TELNET_H

#include <stddef.h>

/*
 * chat_telnet_refuse -- the answers owed to the telnet option requests
 * in s[0..len): IAC DO x gets IAC WONT x, IAC WILL x gets IAC DONT x
 * (refusing is always allowed, RFC 854; DONT and WONT get no answer,
 * which keeps two parties from looping).  IAC IAC (a data byte) and
 * subnegotiations are skipped.  Writes whole answers, at most cap bytes,
 * to out and returns the number of bytes written.  Pure.
 */
size_t chat_telnet_refuse(const char *s, size_t len, char *out, size_t cap);

#endif
