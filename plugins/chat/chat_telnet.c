/*
 * chat_telnet.c -- refuse every telnet option (see chat_telnet.h).
 */
#include "chat_telnet.h"

#include <stdint.h>

/* RFC 854 command bytes. */
enum {
	IAC = 255, DONT = 254, DO = 253, WONT = 252, WILL = 251, SB = 250,
	SE = 240,
};

size_t chat_telnet_refuse(const char *src, size_t len, char *out, size_t cap)
{
	const uint8_t *s = (const uint8_t *)src;
	size_t o = 0;

	for (size_t i = 0; i + 1 < len; i++) {
		if (s[i] != IAC)
			continue;
		uint8_t cmd = s[i + 1];
		if (cmd == IAC) { /* a 0xFF data byte */
			i++;
		} else if (cmd == SB) { /* skip to IAC SE */
			for (i += 2; i + 1 < len; i++)
				if (s[i] == IAC && s[i + 1] == SE)
					break;
			i++;
		} else if ((cmd == DO || cmd == WILL) && i + 2 < len) {
			if (o + 3 > cap)
				break;
			out[o++] = (char)IAC;
			out[o++] = (char)(cmd == DO ? WONT : DONT);
			out[o++] = (char)s[i + 2];
			i += 2;
		} else if (cmd == DONT || cmd == WONT) {
			i += 2; /* nothing owed */
		} else {
			i++; /* IAC x: a command without option */
		}
	}
	return o;
}
