"""The hostile corpus (tests/hostile/, see its README) and the loopback trap its pages aim at,
shared by the harness test (test_hostile_pages.py) and the bulk test (test_hostile_bulk.py)."""
from __future__ import annotations

import ipaddress
import re
import select
import shlex
import socket
import threading
import tomllib
from pathlib import Path

HOSTILE = Path(__file__).parent / "hostile"
CASES = sorted(p for p in HOSTILE.iterdir() if (p / "case.toml").is_file())
REPO = Path(__file__).resolve().parents[1]


class Trap:
    """A loopback server on a free port that records every TCP connection and UDP datagram."""

    def __init__(self):
        self.tcp = socket.socket()
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen(64)
        self.port = self.tcp.getsockname()[1]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", self.port))
        self.hits: list[tuple[str, bytes]] = []
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _serve(self):
        while not self._stop:
            ready, _, _ = select.select([self.tcp, self.udp], [], [], 0.05)
            for sock in ready:
                if sock is self.tcp:
                    conn, _ = sock.accept()
                    conn.settimeout(0.2)
                    try:
                        data = conn.recv(200)
                    except OSError:
                        data = b""
                    self.hits.append(("tcp", data))
                    conn.close()
                else:
                    data, _ = sock.recvfrom(2048)
                    self.hits.append(("udp", data[:200]))

    def close(self):
        self._stop = True
        self._thread.join()
        self.tcp.close()
        self.udp.close()


def read_case(case_dir: Path) -> dict:
    return tomllib.loads((case_dir / "case.toml").read_text(encoding="utf-8"))


def case_files(case_dir: Path, trap_address: str) -> dict[str, str]:
    """The case's page files, as its page cells would give them, aimed at the trap."""
    case = read_case(case_dir)
    files = {}
    for path in sorted(case_dir.rglob("*")):
        if path.is_file() and path.name != "case.toml":
            # surrogateescape: invalid UTF-8 bytes survive, as lone surrogates from a notebook's JSON would
            text = path.read_bytes().decode("utf-8", "surrogateescape")
            files[path.relative_to(case_dir).as_posix()] = text.replace("@TRAP@", trap_address)
    if "generate" in case:
        spec = case["generate"]
        files[spec["file"]] = files[spec["file"]].replace(spec["marker"], spec["text"] * spec["times"])
    return files


def make_symlinks(case: dict, folder: Path) -> None:
    """The case's symbolic links (to the grader's files) in the learner's folder."""
    for name, target in case.get("symlinks", {}).items():
        (folder / name).symlink_to(target.replace("@REPO@", str(REPO)))


# The socket calls that could put something on a network, as strace writes them. `sendto` is
# left out: Chromium's own IPC calls it about 700 times a second (strace stops the browser at
# each call it traces, and that alone failed timing-bound cases on a busy machine). A datagram
# needs an IP socket, and opening one is traced: none may be opened but the probe below.
TRACED_CALLS = "socket,connect,bind,setsockopt,sendmsg,sendmmsg"
# Chromium's host resolver checks whether IPv6 is routable by connecting (not sending on) a UDP
# socket to this address, when a request that routing did not catch (a worker's WebSocket, a
# navigation racing the tab's replacement) meets the dead proxy; no switch turns it off. In the
# browser's network namespace it fails (ENETUNREACH, or EADDRNOTAVAIL: no address to send from):
# that, and only that, is allowed.
IPV6_PROBE = re.compile(r'^connect\((\d+), \{sa_family=AF_INET6, sin6_port=htons\(443\), .*'
                        r'inet_pton\(AF_INET6, "2001:4860:4860::8888", .*\) = -1 (ENETUNREACH|EADDRNOTAVAIL) ')
_CALL = re.compile(r"^(?:\d\d:\d\d:\d\d\.\d+ )?(\w+)\((\d+)?")
_INET_ADDRESS = re.compile(r'inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6, "([^"]+)"')
_JOINS_GROUP = re.compile(r"IP_ADD_MEMBERSHIP|IPV6_ADD_MEMBERSHIP|IPV6_JOIN_GROUP|MCAST_JOIN_GROUP|MCAST_JOIN_SOURCE_GROUP")
_IP_SOCKET = re.compile(r"^socket\(AF_INET6?, .*\) = (\d+)$")


class SocketRecorder:
    """Records the socket calls of the whole browser process tree with strace: a wrapper given to
    the grader as its browser ($WEBGRADER_CHROMIUM) starts the real one under `strace -f`, one log
    per process (so that no call is split over two lines)."""

    def __init__(self, folder: Path, browser_path: str):
        self.log = folder / "strace"
        # The real browser's name is kept: the grader tells the headless shell by its name.
        self.wrapper = folder / f"strace-{Path(browser_path).name}"
        self.wrapper.write_text(
            "#!/bin/sh\nexec strace -ff -qq -tt --seccomp-bpf -e signal=none "
            f"-e trace={TRACED_CALLS} -o {shlex.quote(str(self.log))} {shlex.quote(browser_path)} \"$@\"\n")
        self.wrapper.chmod(0o755)

    def processes(self) -> dict[str, list[str]]:
        """pid -> the calls it made, in order."""
        return {path.suffix[1:]: path.read_text(errors="replace").splitlines()
                for path in sorted(self.log.parent.glob(self.log.name + ".*"))}

    def calls(self) -> list[str]:
        return [line for lines in self.processes().values() for line in lines]

    def leaks(self) -> list[str]:
        """Calls that open an IP socket (other than for the IPv6 probe), connect, send or bind to
        an address that is not loopback, or join a multicast group."""
        found = []
        for pid, lines in self.processes().items():
            ip_sockets: dict[str, str] = {}  # fd -> the call that opened it, until it is the probe's
            for stamped in lines:
                line = stamped.split(" ", 1)[-1] if stamped[:1].isdigit() else stamped
                opened = _IP_SOCKET.match(line)
                if opened:
                    ip_sockets[opened.group(1)] = f"{pid} {line}"
                    continue
                probe = IPV6_PROBE.match(line)
                if probe and probe.group(1) in ip_sockets:
                    del ip_sockets[probe.group(1)]
                    continue
                if _JOINS_GROUP.search(line) or line.startswith(("sendmsg(", "sendmmsg(")) and (
                        _CALL.match(line).group(2) in ip_sockets):
                    found.append(f"{pid} {line}")
                    continue
                if line.startswith(("connect(", "bind(", "sendmsg(", "sendmmsg(")):
                    if any(not ipaddress.ip_address(v4 or v6).is_loopback for v4, v6 in _INET_ADDRESS.findall(line)):
                        found.append(f"{pid} {line}")
            found += ip_sockets.values()
        return found
