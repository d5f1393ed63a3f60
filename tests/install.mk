# install: owned by the install/SDK work; included from Makefile.am.
# integration/test_install.sh installs this build tree into a DESTDIR,
# checks the layout and the .dist rule, builds examples/hello against the
# installed SDK and runs the installed daemon with it.
INTEGRATION_TESTS += integration/test_install.sh
EXTRA_DIST += integration/test_install.sh

# The install directories of this build, fully expanded, for the test
# (shell assignments, one a line: eval'd by test_install.sh).
pn-install-dirs:
	@echo "prefix='$(prefix)'"; \
	echo "sbindir='$(sbindir)'"; \
	echo "libdir='$(libdir)'"; \
	echo "plugindir='$(plugindir)'"; \
	echo "sysconfdir='$(sysconfdir)'"; \
	echo "includedir='$(includedir)'"; \
	echo "mandir='$(mandir)'"; \
	echo "systemdsystemunitdir='$(systemdsystemunitdir)'"
.PHONY: pn-install-dirs
