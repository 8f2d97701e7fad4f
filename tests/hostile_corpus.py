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


# The socket calls that could put something on a network, as strace writes them.
TRACED_CALLS = "connect,sendto,sendmsg,sendmmsg,bind,setsockopt"
_INET_ADDRESS = re.compile(r'inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6, "([^"]+)"')
_JOINS_GROUP = re.compile(r"IP_ADD_MEMBERSHIP|IPV6_ADD_MEMBERSHIP|IPV6_JOIN_GROUP|MCAST_JOIN_GROUP|MCAST_JOIN_SOURCE_GROUP")


class SocketRecorder:
    """Records the socket calls of the whole browser process tree with strace: a wrapper given to
    the grader as its browser ($WEBGRADER_CHROMIUM) starts the real one under `strace -f`."""

    def __init__(self, folder: Path, browser_path: str):
        self.log = folder / "strace.log"
        # The real browser's name is kept: the grader tells the headless shell by its name.
        self.wrapper = folder / f"strace-{Path(browser_path).name}"
        self.wrapper.write_text(
            "#!/bin/sh\nexec strace -f -qq -A --seccomp-bpf -e signal=none "
            f"-e trace={TRACED_CALLS} -o {shlex.quote(str(self.log))} {shlex.quote(browser_path)} \"$@\"\n")
        self.wrapper.chmod(0o755)

    def calls(self) -> list[str]:
        return self.log.read_text(errors="replace").splitlines() if self.log.exists() else []

    def leaks(self) -> list[str]:
        """Calls that connect, send or bind to an address that is not loopback, or join a multicast group."""
        found = []
        for line in self.calls():
            if _JOINS_GROUP.search(line):
                found.append(line)
                continue
            if not re.search(r"\b(connect|sendto|sendmsg|sendmmsg|bind)\(", line):
                continue
            for v4, v6 in _INET_ADDRESS.findall(line):
                address = ipaddress.ip_address(v4 or v6)
                if not address.is_loopback:
                    found.append(line)
                    break
        return found
