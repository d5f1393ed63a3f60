/*
 * edit.h -- change one service's `enabled` line in a configuration file's
 * text, keeping every other byte (pinetctl enable|disable).
 */
#ifndef PN_EDIT_H
#define PN_EDIT_H

#include <stddef.h>

/*
 * pn_edit_enabled -- in text (len bytes, a libconfuse file), find the
 * section `service NAME { ... }` and set its `enabled` option to value
 * (1 true, 0 false): the value of an existing `enabled = ...` is
 * replaced in place; without one, a line "enabled = false" is inserted
 * after the line of the opening brace, indented like the line after
 * it.  Returns 1 with *out (malloc'd, *outlen bytes) the new text, 0
 * when the service already has that value (nothing to do), or -1 with
 * err set (no such section, a section on one line, out of memory).
 */
int pn_edit_enabled(const char *text, size_t len, const char *name, int value,
		    char **out, size_t *outlen, char *err, size_t errlen);

#endif
