#!/usr/bin/env python3
"""scaleout-clients.py -- the chat clients of test_scaleout.sh.

Drives N chat members through the balancer at 127.0.0.1:PORT, each from a
source address of its own (127.0.0.11, .12, ..., then .31, .32), through the phases of the
topology test; between phases it runs the shell hooks the test gives in the
environment (HOOK_KILL_NODE, HOOK_KILL_REDIS, HOOK_START_REDIS,
HOOK_START_NODE).  Every wait is bounded.  Prints "ok: ..." per check and
"FAIL: ..." per failure; exits 1 when anything failed.

Usage: scaleout-clients.py PORT N
"""
import os
import socket
import subprocess
import sys
import time

PORT = int(sys.argv[1])
N = int(sys.argv[2])
DOWN = ("* the room is cut off from the other nodes (redis unreachable): "
        "your lines reach this node's members only")
UP = "* the room is shared with the other nodes again"
FAILS = 0


def ok(what):
    print("ok: " + what, flush=True)


def fail(what):
    global FAILS
    FAILS += 1
    print("FAIL: " + what, flush=True)


class Member:
    """One chat client: a socket bound to its own source address."""

    def __init__(self, idx, src):
        self.idx = idx
        self.src = src
        self.nick = None
        self.buf = b""
        self.lines = []
        self.eof = False
        self.connect()

    def connect(self):
        self.sock = socket.socket()
        self.sock.bind((self.src, 0))
        self.sock.settimeout(3)
        self.sock.connect(("127.0.0.1", PORT))
        self.sock.setblocking(False)
        self.buf, self.lines, self.eof = b"", [], False

    def send(self, text):
        self.sock.sendall(text.encode() + b"\n")

    def pump(self):
        """Read what has arrived; return False at EOF."""
        while True:
            try:
                data = self.sock.recv(65536)
            except BlockingIOError:
                return True
            except OSError:
                data = b""
            if not data:
                self.eof = True
                return False
            self.buf += data
            *full, self.buf = self.buf.split(b"\n")
            self.lines += [x.decode("utf-8", "replace") for x in full]

    def take(self):
        got, self.lines = self.lines, []
        return got


def wait_until(pred, secs):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.02)
    return pred()


def pump_all(members):
    for m in members:
        m.pump()


def take_nick(m, nick):
    m.send("/nick " + nick)
    want = "* you are now known as " + nick
    if wait_until(lambda: m.pump() and want in m.lines, 5):
        m.nick = nick
        m.take()
        return True
    fail("%s: no %r (got %r)" % (nick, want, m.lines))
    return False


def who_count(m):
    m.take()
    m.send("/who")
    if not wait_until(lambda: m.pump() and any(
            x.startswith("* ") and " in room: " in x for x in m.lines), 5):
        return -1
    line = [x for x in m.lines if " in room: " in x][0]
    m.take()
    return int(line.split()[1])


def round_trip(members, tag):
    """Every member sends one line: each must reach every other member
    exactly once, and never its sender."""
    pump_all(members)
    for m in members:
        m.take()
    for m in members:
        m.send("%s-%s" % (tag, m.nick))
    want = {m.nick: sorted("<%s> %s-%s" % (o.nick, tag, o.nick)
                           for o in members if o is not m)
            for m in members}

    def mine(m):
        return sorted(x for x in m.lines if x.startswith("<") and
                      ("> %s-" % tag) in x)

    def done():
        pump_all(members)
        return all(mine(m) == want[m.nick] for m in members)

    wait_until(done, 8)
    time.sleep(0.3)  # a duplicate would arrive by now
    pump_all(members)
    bad = 0
    for m in members:
        if mine(m) != want[m.nick]:
            bad += 1
            fail("%s: round %s: got %r, expected %r" %
                 (m.nick, tag, mine(m), want[m.nick]))
        m.take()
    if not bad:
        ok("round %s: each line of %d members reached the %d others "
           "exactly once" % (tag, len(members), len(members) - 1))


def told_once(members, text, secs, what):
    def seen(m):
        return [x for x in m.lines if x == text]

    t0 = time.monotonic()
    wait_until(lambda: (pump_all(members), all(seen(m) for m in members))[1],
               secs)
    took = time.monotonic() - t0
    time.sleep(0.3)
    pump_all(members)
    counts = [len(seen(m)) for m in members]
    if counts == [1] * len(members):
        ok("every member was told once, all within %.2f s: %s" %
           (took, what))
    else:
        fail("%s: counts per member %r" % (what, counts))
    for m in members:
        m.take()


def hook(name):
    cmd = os.environ.get(name)
    if cmd:
        subprocess.run(cmd, shell=True, check=False)


def main():
    members = [Member(i, "127.0.0.%d" % (11 + i)) for i in range(N)]
    for m in members:
        take_nick(m, "c%d" % (m.idx + 1))
    if wait_until(lambda: who_count(members[0]) == N, 5):
        ok("/who on one node lists all %d members of both nodes" % N)
    else:
        fail("/who never listed %d members" % N)
    round_trip(members, "first")

    denied = os.environ.get("DENIED_SRC")
    if denied:
        d = socket.socket()
        d.bind((denied, 0))
        d.settimeout(3)
        d.connect(("127.0.0.1", PORT))
        try:
            got = d.recv(100)
        except OSError:
            got = b""
        d.close()
        pump_all(members)
        joined = [x for m in members for x in m.lines if denied in x]
        if got == b"" and not joined:
            ok("a client from %s (denied by its own address) was refused"
               % denied)
        else:
            fail("denied client: got %r, members saw %r" % (got, joined))

    hook("HOOK_KILL_NODE")
    # The killed node's members see EOF; they reconnect through the
    # balancer to the other node and take a new nick (the old one stays
    # claimed by the dead node until its claim expires).
    wait_until(lambda: (pump_all(members),
                        sum(m.eof for m in members) > 0)[1], 5)
    time.sleep(0.5)
    pump_all(members)
    moved = [m for m in members if m.eof]
    if 0 < len(moved) < N:
        ok("%d of %d members lost their node" % (len(moved), N))
    else:
        fail("%d of %d members lost their node" % (len(moved), N))
    for m in moved:
        m.connect()
        take_nick(m, "c%db" % (m.idx + 1))
    round_trip(members, "after-kill")

    hook("HOOK_KILL_REDIS")
    told_once(members, DOWN, 5, "the room is local")
    round_trip(members, "local")
    hook("HOOK_START_REDIS")
    told_once(members, UP, 12, "the room is shared again")
    hook("HOOK_START_NODE")
    extra = [Member(N + i, "127.0.0.%d" % (31 + i)) for i in range(2)]
    for m in extra:
        take_nick(m, "c%d" % (m.idx + 1))
    members += extra
    time.sleep(0.3)
    round_trip(members, "shared-again")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
