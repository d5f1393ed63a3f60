# inetd compatibility: included from Makefile.am.
# inetd.conf through the real daemon (/bin/cat, internal echo over TCP and
# UDP, stderr on the socket, a reload that adds and removes lines, errors
# at inetd.conf:LINE), names in listen addresses.
INTEGRATION_TESTS += integration/test_inetd.sh
# inetd.conf changed on disk (renamed into place, edited, by update-inetd)
# is reloaded without a signal.
INTEGRATION_TESTS += integration/test_update_inetd.sh
