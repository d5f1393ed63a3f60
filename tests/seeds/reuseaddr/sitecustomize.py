# Loaded by the tutorials' Python servers in tests/integration/
# test_seeds.sh (PYTHONPATH=tests/seeds/reuseaddr): every socket they bind gets
# SO_REUSEADDR first.  The test starts them one after another on the same
# fixed ports (5000, 8888, ...), where the connections of the run before
# are still in TIME_WAIT, which a plain bind() refuses.  Nothing on the
# wire changes.
import socket

_bind = socket.socket.bind


def _bind_reuse(self, address):
    try:
        self.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    except OSError:
        pass
    return _bind(self, address)


socket.socket.bind = _bind_reuse
