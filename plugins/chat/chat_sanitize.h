/*
 * chat_sanitize.h -- make a line of user text safe to show on other
 * people's terminals.
 *
 * Pure functions with no dependency on the daemon or the plugin API, so
 * they can be unit-tested and fuzzed on their own.
 */
#ifndef CHAT_SANITIZE_H
#define CHAT_SANITIZE_H

#include <stddef.h>

/*
 * chat_sanitize -- copy the `len` bytes of `src` to `dst`, keeping only
 * what is safe to print, and return the number of bytes written (never
 * more than len).  dst may equal src (in-place); otherwise the two must
 * not overlap.  dst is not NUL-terminated.
 *
 * Removed:
 *	- C0 controls (0x00-0x1F) except TAB, and DEL (0x7F);
 *	- terminal escape sequences: ESC [ params final (CSI), ESC ] ... BEL
 *	  or ESC \ (OSC), the other string sequences ESC P / X / ^ / _ up to
 *	  BEL or ESC \ (or the end of the line when unterminated), ESC
 *	  intermediates final, ESC x; a lone ESC;
 *	- C1 controls: raw bytes 0x80-0x9F that are not part of a valid
 *	  UTF-8 sequence, and the code points U+0080-U+009F even when validly
 *	  encoded (some terminals act on them);
 *	- Unicode format characters (category Cf, Unicode 15.1): the bidi
 *	  controls U+202A-U+202E, U+2066-U+2069, the marks U+200E, U+200F,
 *	  U+061C, the zero-width U+200B-U+200D, U+2060-U+2064, U+FEFF, the
 *	  soft hyphen U+00AD, the tags U+E0001, U+E0020-U+E007F and the rest;
 *	- telnet commands (IAC ...: 0xFF never occurs in UTF-8): IAC
 *	  WILL/WONT/DO/DONT option, IAC SB ... IAC SE, IAC x.
 * Replaced by '?': every other byte that is not part of a valid UTF-8
 * sequence (overlong forms, surrogates, code points above U+10FFFF,
 * truncated sequences, Latin-1 text), and an escaped data byte IAC IAC.
 * Everything else, printable ASCII, TAB and valid UTF-8 such as
 * "h\xc3\xa9llo \xe2\x9c\x93", is copied unchanged.
 */
size_t chat_sanitize(char *dst, const char *src, size_t len);

/* chat_is_blank -- 1 when the len bytes of s are only spaces and tabs
 * (or len is 0), else 0. */
int chat_is_blank(const char *s, size_t len);

#endif
