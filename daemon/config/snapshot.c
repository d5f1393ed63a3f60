/*
 * snapshot.c -- configuration files as read (see snapshot.h).
 *
 * Encoding (wire.h primitives):
 *
 *   u32 magic "PNSS"  u32 version (PN_SNAPSHOT_VERSION)
 *   str services_dir  u32 nfiles
 *   nfiles x { u8 role, str path, bytes data }
 */
#include "snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SNAP_MAGIC 0x53534e50u /* "PNSS" */

int pn_file_read(const char *path, size_t max, char **data, size_t *len,
		 char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t n = 0;
	int fd;

	*data = NULL;
	*len = 0;
	do
		fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		snprintf(err, errlen, "cannot read: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file");
		goto fail;
	}
	if (st.st_size < 0 || (unsigned long long)st.st_size > max)
		goto too_big;
	/* One byte more than allowed tells a file that grew past the cap. */
	if (!(buf = malloc(max + 2))) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		goto fail;
	}
	for (;;) {
		ssize_t r = read(fd, buf + n, max + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "cannot read: %s", strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max)
			goto too_big;
	}
	close(fd);
	buf[n] = '\0';
	char *shrunk = realloc(buf, n + 1);
	*data = shrunk ? shrunk : buf;
	*len = n;
	return 0;

too_big:
	snprintf(err, errlen, "larger than %zu bytes (the limit for one "
			      "configuration file)", max);
fail:
	free(buf);
	close(fd);
	return -1;
}

struct pn_snapshot *pn_snapshot_new(void)
{
	struct pn_snapshot *s = calloc(1, sizeof *s);

	if (s && !(s->services_dir = strdup(""))) {
		free(s);
		return NULL;
	}
	return s;
}

int pn_snapshot_add(struct pn_snapshot *s, const char *path, int role,
		    char *data, size_t len, char *err, size_t errlen)
{
	struct pn_snapfile *v;

	if ((role == PN_SNAP_MAIN) != (s->nfiles == 0) ||
	    (role == PN_SNAP_INETD && s->nfiles != 1) ||
	    (role != PN_SNAP_MAIN && role != PN_SNAP_DROPIN &&
	     role != PN_SNAP_INETD)) {
		snprintf(err, errlen, "the main file must come first, and only once");
		goto fail;
	}
	if (s->nfiles > PN_CONF_FILES_MAX) {
		snprintf(err, errlen, "more than %u drop-in files", PN_CONF_FILES_MAX);
		goto fail;
	}
	if (len > PN_CONF_FILE_MAX) {
		snprintf(err, errlen, "larger than %u bytes (the limit for one "
				      "configuration file)", PN_CONF_FILE_MAX);
		goto fail;
	}
	if (len > PN_CONF_TOTAL_MAX - s->total) {
		snprintf(err, errlen, "the configuration files together exceed %u "
				      "bytes (the limit for all of them)",
			 PN_CONF_TOTAL_MAX);
		goto fail;
	}
	if (!(v = realloc(s->files, (s->nfiles + 1) * sizeof *v)))
		goto oom;
	s->files = v;
	v = &s->files[s->nfiles];
	if (!(v->path = strdup(path)))
		goto oom;
	v->role = role;
	v->data = data;
	v->len = len;
	s->nfiles++;
	s->total += len;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	free(data);
	return -1;
}

const struct pn_snapfile *pn_snapshot_find(const struct pn_snapshot *s,
					   const char *path)
{
	for (size_t i = 0; i < s->nfiles; i++)
		if (strcmp(s->files[i].path, path) == 0)
			return &s->files[i];
	return NULL;
}

void pn_snapshot_free(struct pn_snapshot *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nfiles; i++) {
		free(s->files[i].path);
		free(s->files[i].data);
	}
	free(s->files);
	free(s->services_dir);
	free(s);
}

void pn_snapshot_encode(const struct pn_snapshot *s, struct pn_wbuf *w)
{
	pn_wput_u32(w, SNAP_MAGIC);
	pn_wput_u32(w, PN_SNAPSHOT_VERSION);
	pn_wput_str(w, s->services_dir);
	pn_wput_u32(w, (uint32_t)s->nfiles);
	for (size_t i = 0; i < s->nfiles; i++) {
		pn_wput_u8(w, (uint8_t)s->files[i].role);
		pn_wput_str(w, s->files[i].path);
		pn_wput_bytes(w, s->files[i].data, s->files[i].len);
	}
}

struct pn_snapshot *pn_snapshot_decode(struct pn_rbuf *r, char *err,
				       size_t errlen)
{
	struct pn_snapshot *s;
	uint32_t magic = pn_rget_u32(r), version = pn_rget_u32(r), n;

	if (r->bad || magic != SNAP_MAGIC) {
		snprintf(err, errlen, "snapshot: bad header");
		return NULL;
	}
	if (version != PN_SNAPSHOT_VERSION) {
		snprintf(err, errlen, "snapshot: version %u, expected %u", version,
			 PN_SNAPSHOT_VERSION);
		return NULL;
	}
	if (!(s = calloc(1, sizeof *s))) {
		snprintf(err, errlen, "snapshot: out of memory");
		return NULL;
	}
	s->services_dir = pn_rget_str(r, PATH_MAX, NULL);
	n = pn_rget_u32(r);
	if (r->bad || n == 0 || n > PN_CONF_FILES_MAX + 1) {
		snprintf(err, errlen, "snapshot: bad file count");
		goto fail;
	}
	for (uint32_t i = 0; i < n; i++) {
		int role = pn_rget_u8(r);
		char *path = pn_rget_str(r, PATH_MAX, NULL), *data;
		size_t len;
		const void *bytes = pn_rget_bytes(r, &len, PN_CONF_FILE_MAX);

		if (r->bad || !path) {
			free(path);
			snprintf(err, errlen, "snapshot: file %u is truncated or too "
					      "large", i);
			goto fail;
		}
		if (!(data = malloc(len + 1))) {
			free(path);
			snprintf(err, errlen, "snapshot: out of memory");
			goto fail;
		}
		memcpy(data, bytes, len);
		data[len] = '\0';
		char why[160];
		if (pn_snapshot_add(s, path, role, data, len, why, sizeof why) < 0) {
			snprintf(err, errlen, "snapshot: %s: %s", path, why);
			free(path);
			goto fail;
		}
		free(path);
	}
	return s;
fail:
	pn_snapshot_free(s);
	return NULL;
}
