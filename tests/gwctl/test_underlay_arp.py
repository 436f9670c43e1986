"""ARP for our tunnel IPs on uplinks is answered; nothing else is."""

import struct

from gwctl.underlay_arp import arp_reply
from tests.gwctl.test_translate import INV, TUNNEL_IP

ROUTER_MAC = bytes.fromhex("020000000099")
ROUTER_IP = bytes([198, 18, 0, 254])
UPLINK = INV.uplinks["up1"]


def request(target_ip: str, dst: bytes = b"\xff" * 6, oper: int = 1) -> bytes:
    tpa = bytes(int(x) for x in target_ip.split("."))
    eth = dst + ROUTER_MAC + b"\x08\x06"
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, oper) + ROUTER_MAC + ROUTER_IP + b"\0" * 6 + tpa
    return eth + arp


def test_request_for_tunnel_ip_on_uplink_gets_a_reply_from_the_uplink_mac():
    reply = arp_reply(request(TUNNEL_IP), UPLINK.number, INV)
    mac = bytes.fromhex(UPLINK.mac.replace(":", ""))
    assert reply is not None and len(reply) == 60
    assert reply[0:6] == ROUTER_MAC and reply[6:12] == mac and reply[12:14] == b"\x08\x06"
    assert struct.unpack("!H", reply[20:22])[0] == 2
    assert reply[22:28] == mac and reply[28:32] == bytes([198, 18, 0, 1])
    assert reply[32:38] == ROUTER_MAC and reply[38:42] == ROUTER_IP


def test_everything_else_is_ignored():
    assert arp_reply(request("198.18.0.2"), UPLINK.number, INV) is None          # not our IP
    assert arp_reply(request(TUNNEL_IP), 1, INV) is None                          # access port
    assert arp_reply(request(TUNNEL_IP, oper=2), UPLINK.number, INV) is None     # a reply
    assert arp_reply(request(TUNNEL_IP, dst=bytes(6)), UPLINK.number, INV) is None  # not to us
    assert arp_reply(request(TUNNEL_IP)[:30], UPLINK.number, INV) is None        # truncated
