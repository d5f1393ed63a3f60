"""
drive.py -- run the seed tutorials' clients against a server and print
what each received, for tests/integration/test_seeds.sh.

    python3 drive.py SCENARIO PORT [CLIENT_PORT_BASE]

SCENARIO is an examples/seeds configuration's name without ".conf"; PORT
is where the server listens (the tutorial's own port where it is fixed in
the client).  The output is a transcript: for each client, a header line
and the bytes it wrote to its standard output (telnet's standard error
too), exactly.  The test runs it against the tutorial's server and
against pinetd and compares the two transcripts byte for byte.

Interactive clients get their input a line at a time, each line only
after the answer to the previous one has arrived, so that neither the
server nor the client sees two lines in one read; clients that never end
by themselves are ended once their last expected answer has arrived.
C clients are found in $SEED_BIN.
"""

import os
import socket
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.environ.get("SEED_BIN", HERE)
PY = sys.executable
HOST = "127.0.0.1"
TIMEOUT = 10


def py(name):
    return [PY, "-u", os.path.join(HERE, name)]


class Client:
    """A client process whose output is collected as it comes."""

    def __init__(self, argv, stderr=False):
        self.p = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if stderr else subprocess.DEVNULL)
        self.buf = b""
        self.cond = threading.Condition()
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        fd = self.p.stdout.fileno()
        while True:
            b = os.read(fd, 4096)
            with self.cond:
                if not b:
                    self.eof = True
                    self.cond.notify_all()
                    return
                self.buf += b
                self.cond.notify_all()

    def wait_for(self, data, count=1):
        """Wait until data has appeared count times in the output."""
        end = time.monotonic() + TIMEOUT
        with self.cond:
            while self.buf.count(data) < count:
                left = end - time.monotonic()
                if left <= 0:
                    raise SystemExit("timeout waiting for %r in %r"
                                     % (data, self.buf))
                self.cond.wait(left)

    def send(self, data):
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def wait_exit(self):
        """The client ends by itself (the server closed); its output."""
        self.p.wait(TIMEOUT)
        self.t.join(TIMEOUT)
        return self.buf

    def end(self):
        """End a client that would go on forever; its output so far."""
        if self.p.poll() is None:
            self.p.terminate()
        self.p.wait(TIMEOUT)
        self.t.join(TIMEOUT)
        return self.buf


def run(argv, data=b""):
    """A client that reads its input, talks and exits."""
    return subprocess.run(argv, input=data, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, timeout=TIMEOUT).stdout


def telnet(port):
    # stdbuf: telnet's stdio output is a pipe here; unbuffered, its lines
    # arrive as it writes them, so the driver can wait for them.
    c = Client(["stdbuf", "-o0", "telnet", HOST, str(port)], stderr=True)
    c.wait_for(b"Escape character is '^]'.\n")
    return c


# ---- seed 000 ----

def s000_c_tcp(port, base):
    cl = os.path.join(BIN, "000_c_tcp_client")
    return [("tcpclient 1", run([cl, HOST, str(port)], b"Hello from Steve\n")),
            ("tcpclient 2", run([cl, HOST, str(port)], b"two\nlines\n"))]


def s000_c_udp(port, base):
    cl = os.path.join(BIN, "000_c_udp_client")
    return [("udpclient", run([cl, HOST, str(port)], b"a udp test\n"))]


def s000_py_tcp(port, base):
    return [("socket_tcp_client.py", run(py("000_py_tcp_client.py")))]


def s000_py_udp(port, base):
    c = Client(py("000_py_udp_client.py"))
    c.wait_for(b"received message: ", 3)
    c.wait_for(b"\n", 6)
    out = c.end()
    return [("socket_udp_client.py, first 6 lines",
             b"".join(out.splitlines(True)[:6]))]


# ---- seed 002 ----

def tcpclient_002(port):
    c = Client(py("002_tcpclient.py"))
    c.send(b"%s\n%d\n" % (HOST.encode(), port))
    c.wait_for(b"message: ")
    return c


def s002_py_tcp_echo(port, base):
    a = tcpclient_002(port)
    a.send(b"I am first client.\n")
    a.wait_for(b"response:  I am first client.\n")
    b = tcpclient_002(port)
    b.send(b"I am second client\n")
    b.wait_for(b"response:  I am second client\n")
    a.send(b"2nd message from 1st client.\n")
    a.wait_for(b"response:  2nd message from 1st client.\n")
    b.send(b"2nd message from 2nd client.\n")
    b.wait_for(b"response:  2nd message from 2nd client.\n")
    a.send(b"close\n")
    a.wait_for(b"response:  close\n")
    # No line after "close": whether it reached the server before the
    # server's close() decides between a FIN and a reset, in the seed as
    # in pinetd.  That the connection closes is test_echo.sh's to check.
    a.p.stdin.close()  # EOFError ends it
    b.p.stdin.close()
    return [("tcpclient.py 1", a.wait_exit()), ("tcpclient.py 2", b.wait_exit())]


def s002_py_udp(port, base):
    return [("udpclient.py", run(py("002_udpclient.py"),
                                 b"1st udp client\nmessage sent from 1st client\n"))]


# ---- seed 003 ----

def s003_py_udp_sink(port, base):
    out = run(["nc", "-u", "-w1", HOST, str(port)], b"Hello\n")
    return [("nc -u", out)]


def s003_py_udp_echo(port, base):
    return [("prog3.py", run(py("003_udp_client.py"),
                             b"Hello\nHow are you\nOk\n")),
            ("nc -u", run(["nc", "-u", "-w1", HOST, str(port)], b"Hello\n"))]


def s003_py_tcp_accept(port, base):
    return [("telnet", telnet(port).wait_exit())]


def s003_py_tcp_echo_once(port, base):
    c = telnet(port)
    c.send(b"happy\n")
    return [("telnet", c.wait_exit())]


def s003_py_tcp_ok_once(port, base):
    a = telnet(port)
    a.send(b"happy\n")
    a.wait_for(b"OK...happy\n")  # telnet shows CR LF as a newline
    # The seed drops a connection when it accepts the next one: a second
    # client ends the first.  pinetd closed it already.
    b = telnet(port)
    first = a.wait_exit()
    b.send(b"again\n")
    b.wait_for(b"OK...again\n")
    out = b.end()
    # Up to its answer: the seed keeps it open, pinetd closes it (the
    # README's table says so).
    out = out[:out.index(b"OK...again\n") + len(b"OK...again\n")]
    return [("telnet 1", first), ("telnet 2, up to its answer", out)]


def s003_py_tcp_threaded(port, base):
    c = telnet(port)
    c.wait_for(b"Welcome to the server. Type something and hit enter\n")
    for line in (b"hi", b"asd", b"cv"):
        c.send(line + b"\n")
        c.wait_for(b"OK..." + line + b"\n")  # telnet shows CR LF as LF
    return [("telnet", c.end())]


def s003_py_chat(port, base):
    pa, pb, pc = base, base + 1, base + 2
    a = Client(py("003_chat_client.py") + [HOST, str(port), str(pa)])
    a.wait_for(b"<You> ")
    b = Client(py("003_chat_client.py") + [HOST, str(port), str(pb)])
    b.wait_for(b"<You> ")
    a.wait_for(b"entered room\n")
    b.send(b"hello\n")
    a.wait_for(b"> hello\n")
    b.send(b"I am fine\n")
    a.wait_for(b"> I am fine\n")
    a.send(b"ok good\n")
    b.wait_for(b"> ok good\n")
    # A third member joins and its connection fails (reset): the seed
    # announces it only then, and names the last client it accepted.
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.bind((HOST, pc))
    c.connect((HOST, port))
    a.wait_for(b"entered room\n", 2)
    b.wait_for(b"entered room\n")
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
    a.wait_for(b"is offline<You> ")
    b.wait_for(b"is offline<You> ")
    # What they got up to here: when A and B end, pinetd tells the other
    # (the seed announces a failed recv() only, not a clean close).
    with a.cond, b.cond:
        outs = [("telnet.py A", a.buf), ("telnet.py B", b.buf)]
    a.end()
    b.end()
    names = {pa: b"PORT_A", pb: b"PORT_B", pc: b"PORT_C"}
    for i, (label, out) in enumerate(outs):
        for p, name in names.items():
            out = out.replace(str(p).encode(), name)
        outs[i] = (label + " (client ports as PORT_A, _B, _C)", out)
    return outs


# ---- seed 004 ----

WORDS = (b"foobar", b"a-word-longer-than-the-32-byte-buffers-of-the-tutorial")


def echo_clients(port):
    out = []
    for w in WORDS:
        out.append(("TCPecho " + w.decode(),
                    run([os.path.join(BIN, "004_tcpecho_client"), HOST,
                         w.decode(), str(port)])))
        out.append(("echoclient.py " + w.decode(),
                    run(py("004_echoclient.py") + [HOST, w.decode(), str(port)])))
    return out


SCENARIOS = {
    "000-c-tcp": s000_c_tcp,
    "000-c-udp": s000_c_udp,
    "000-py-tcp": s000_py_tcp,
    "000-py-udp": s000_py_udp,
    "002-py-tcp-echo": s002_py_tcp_echo,
    "002-py-udp": s002_py_udp,
    "003-py-udp-sink": s003_py_udp_sink,
    "003-py-udp-echo": s003_py_udp_echo,
    "003-py-tcp-accept": s003_py_tcp_accept,
    "003-py-tcp-echo-once": s003_py_tcp_echo_once,
    "003-py-tcp-ok-once": s003_py_tcp_ok_once,
    "003-py-tcp-threaded": s003_py_tcp_threaded,
    "003-py-chat": s003_py_chat,
    "004-c-echo": lambda port, base: echo_clients(port),
    "004-py-socketserver-echo": lambda port, base: echo_clients(port),
    "004-py-socket-echo": lambda port, base: echo_clients(port),
}


def main():
    name, port = sys.argv[1], int(sys.argv[2])
    base = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    out = sys.stdout.buffer
    for label, data in SCENARIOS[name](port, base):
        out.write(b"== %s: %d bytes ==\n" % (label.encode(), len(data)))
        out.write(data)
        out.write(b"\n")
    out.flush()


if __name__ == "__main__":
    main()
