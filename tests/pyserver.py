"""A small SSH server on 127.0.0.1 (paramiko) whose misbehaviour the tests choose.

Started by tests/common/pyserver.rs, never as a service. It prints "PORT <n>" once it listens,
serves connections until killed, and takes:

  --host-key FILE        an OpenSSH private key (ed25519) for the host
  --authorized FILE      public key lines the server accepts (by key blob)
  --password PW          the password it accepts (default: none)
  --methods LIST         the methods it announces (default publickey,password)
  --refuse-exec          refuse every exec request (CHANNEL_FAILURE, channel left open)
  --refuse-sftp          refuse the sftp subsystem
  --sftp-dead            accept the sftp subsystem, then end it without a word (no sftp-server)
  --silent-channels      never answer a channel open, while sending IGNORE packets
  --silent-forward       never answer a direct-tcpip channel open (a jump host still
                         connecting), while sending IGNORE packets
  --max-failures N       disconnect ("Too many authentication failures") at the N-th failure
  --accept-any-query     answer "yes" to every unsigned key query (as tinysshd does)
  --partial              an authorized key is a partial success; a password is still needed
  --hang-up              close the connection at the first key query, without a word
  --close-on-channel     close the connection when a session is asked for, after the login
"""

import argparse
import socket
import sys
import threading
import time

import paramiko
from paramiko.common import (
    AUTH_FAILED,
    AUTH_PARTIALLY_SUCCESSFUL,
    AUTH_SUCCESSFUL,
    OPEN_SUCCEEDED,
    cMSG_DISCONNECT,
)


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--host-key", required=True)
    p.add_argument("--authorized")
    p.add_argument("--password")
    p.add_argument("--methods", default="publickey,password")
    p.add_argument("--refuse-exec", action="store_true")
    p.add_argument("--refuse-sftp", action="store_true")
    p.add_argument("--sftp-dead", action="store_true")
    p.add_argument("--silent-channels", action="store_true")
    p.add_argument("--silent-forward", action="store_true")
    p.add_argument("--max-failures", type=int, default=0)
    p.add_argument("--accept-any-query", action="store_true")
    p.add_argument("--partial", action="store_true")
    p.add_argument("--hang-up", action="store_true")
    p.add_argument("--close-on-channel", action="store_true")
    return p.parse_args()


ARGS = parse_args()


def authorized_blobs():
    blobs = set()
    if ARGS.authorized:
        with open(ARGS.authorized) as f:
            for line in f:
                fields = line.split()
                if len(fields) >= 2:
                    blobs.add(fields[1])
    return blobs


class DeadSftp(paramiko.SubsystemHandler):
    """Accepted, then gone: what dropbear does when its sftp-server program is missing."""

    def start_subsystem(self, name, transport, channel):
        channel.send_exit_status(127)
        channel.close()


class Server(paramiko.ServerInterface):
    def __init__(self, transport):
        self.transport = transport
        self.failures = 0
        self.queried = set()
        self.first_factor = False

    def fail(self):
        """One failed attempt; the N-th one hangs up as sshd does at MaxAuthTries."""
        self.failures += 1
        if ARGS.max_failures and self.failures >= ARGS.max_failures:
            m = paramiko.Message()
            m.add_byte(cMSG_DISCONNECT)
            m.add_int(2)
            m.add_string("Too many authentication failures")
            m.add_string("")
            self.transport._send_message(m)
            threading.Timer(0.05, self.transport.close).start()
        return AUTH_FAILED

    def get_allowed_auths(self, username):
        if self.first_factor:
            return "password"
        return ARGS.methods

    def check_auth_none(self, username):
        return AUTH_FAILED

    def check_auth_publickey(self, username, key):
        if ARGS.hang_up:
            threading.Timer(0.01, self.transport.close).start()
            threading.Event().wait(1)
            return AUTH_FAILED
        blob = key.get_base64()
        known = blob in authorized_blobs()
        if blob not in self.queried:
            # The unsigned query (paramiko asks the same question again once it is signed).
            self.queried.add(blob)
            if known or ARGS.accept_any_query:
                return AUTH_SUCCESSFUL
            return self.fail()
        if not known:
            return self.fail()
        if ARGS.partial:
            self.first_factor = True
            return AUTH_PARTIALLY_SUCCESSFUL
        return AUTH_SUCCESSFUL

    def check_auth_password(self, username, password):
        if ARGS.password is not None and password == ARGS.password:
            if ARGS.partial and not self.first_factor:
                return self.fail()
            return AUTH_SUCCESSFUL
        return self.fail()

    def check_channel_request(self, kind, chanid):
        if ARGS.close_on_channel:
            threading.Timer(0.01, self.transport.close).start()
            threading.Event().wait(1)
        if ARGS.silent_channels:
            threading.Event().wait()
        return OPEN_SUCCEEDED

    def check_channel_direct_tcpip_request(self, chanid, origin, destination):
        if ARGS.silent_forward:
            threading.Event().wait()
        return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_exec_request(self, channel, command):
        if ARGS.refuse_exec:
            return False
        code = 0 if command.strip() == b"true" else 1

        def finish():
            time.sleep(0.05)
            try:
                channel.send_exit_status(code)
                channel.shutdown_write()
                time.sleep(0.05)
                channel.close()
            except Exception as e:
                print("exec:", e, file=sys.stderr, flush=True)

        threading.Thread(target=finish, daemon=True).start()
        return True

    def check_channel_shell_request(self, channel):
        return False


def ignore_forever(transport):
    while transport.is_active():
        try:
            transport.send_ignore(16)
        except Exception:
            return
        time.sleep(0.2)


def serve(conn, host_key):
    transport = paramiko.Transport(conn)
    transport.add_server_key(host_key)
    if ARGS.sftp_dead:
        transport.set_subsystem_handler("sftp", DeadSftp)
    elif not ARGS.refuse_sftp:
        transport.set_subsystem_handler(
            "sftp", paramiko.SFTPServer, paramiko.SFTPServerInterface
        )
    try:
        transport.start_server(server=Server(transport))
    except Exception:
        return
    if ARGS.silent_channels or ARGS.silent_forward:
        threading.Thread(target=ignore_forever, args=(transport,), daemon=True).start()
    # Keep every accepted channel: paramiko closes a channel whose object is collected.
    channels = []
    while transport.is_active():
        channel = transport.accept(1)
        if channel is not None:
            channels.append(channel)


def main():
    host_key = paramiko.Ed25519Key(filename=ARGS.host_key)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    print("PORT %d" % sock.getsockname()[1], flush=True)
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=serve, args=(conn, host_key), daemon=True).start()


if __name__ == "__main__":
    main()
