# seed fidelity tests: included from Makefile.am
# The seed tutorials' servers against their pinetd configurations
# (examples/seeds/), with the tutorials' own clients: the programs
# extracted from ../shared/seeds, a driver, and a sitecustomize that gives
# the Python servers SO_REUSEADDR.  The C programs are compiled by the
# test itself, warnings off (teaching code).
INTEGRATION_TESTS += integration/test_seeds.sh
EXTRA_DIST += seeds/drive.py seeds/reuseaddr/sitecustomize.py \
	seeds/000_c_tcp_client.c seeds/000_c_tcp_server.c \
	seeds/000_c_udp_client.c seeds/000_c_udp_server.c \
	seeds/000_py_tcp_client.py seeds/000_py_tcp_server.py \
	seeds/000_py_udp_client.py seeds/000_py_udp_server.py \
	seeds/002_tcpclient.py seeds/002_tcpserver.py \
	seeds/002_udpclient.py seeds/002_udpserver.py \
	seeds/003_chat_client.py seeds/003_chat_server.py \
	seeds/003_tcp_accept.py seeds/003_tcp_echo_once.py \
	seeds/003_tcp_ok_once.py seeds/003_tcp_threaded.py \
	seeds/003_udp_client.py seeds/003_udp_echo.py seeds/003_udp_sink.py \
	seeds/004_echoclient.py seeds/004_echoserver_socket.py \
	seeds/004_echoserver_socketserver.py seeds/004_tcpecho_client.c \
	seeds/004_tcpecho_server.c
