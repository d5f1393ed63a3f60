/*
 * plugfiles.c -- plugin file identities (see plugfiles.h).
 */
#include "plugfiles.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int pn_plugfiles_note(struct pn_plugfiles *pf, const char *path)
{
	struct pn_plugfile *f = NULL;
	struct stat st;
	int changed;

	if (stat(path, &st) < 0)
		return -1;
	for (size_t i = 0; i < pf->n && !f; i++)
		if (strcmp(pf->f[i].path, path) == 0)
			f = &pf->f[i];
	if (!f) {
		struct pn_plugfile *grown = realloc(pf->f, (pf->n + 1) * sizeof *grown);
		char *copy = strdup(path);
		if (!grown || !copy) {
			free(copy);
			if (grown)
				pf->f = grown;
			errno = ENOMEM;
			return -1;
		}
		pf->f = grown;
		f = &pf->f[pf->n++];
		*f = (struct pn_plugfile){ .path = copy };
		changed = 0;
	} else {
		changed = f->dev != st.st_dev || f->ino != st.st_ino ||
			  f->mtime.tv_sec != st.st_mtim.tv_sec ||
			  f->mtime.tv_nsec != st.st_mtim.tv_nsec || f->size != st.st_size;
	}
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->mtime = st.st_mtim;
	f->size = st.st_size;
	return changed;
}

void pn_plugfiles_free(struct pn_plugfiles *pf)
{
	for (size_t i = 0; i < pf->n; i++)
		free(pf->f[i].path);
	free(pf->f);
	pf->f = NULL;
	pf->n = 0;
}
