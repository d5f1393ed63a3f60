# inetd compatibility: included from Makefile.am.
# inetd.conf through the real daemon (/bin/cat, internal echo over TCP and
# UDP, stderr on the socket, a reload that adds and removes lines, errors
# at inetd.conf:LINE), names in listen addresses.
INTEGRATION_TESTS += integration/test_inetd.sh
