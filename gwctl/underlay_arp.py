"""Answer ARP for our tunnel IPs on the uplinks: the underlay must resolve them to reach us.

vtep_gateway.p4 punts every ARP received on an uplink to the controller
(packet-in reason UNDERLAY_ARP, docs/pipeline.md section 6); the switch has
no IP stack of its own, so gwctl answers requests for its tunnel IPs with the
uplink's MAC, out of the port the request came in on. Pure: frame in, frame
out.
"""

from __future__ import annotations

import ipaddress
import struct

from gwctl.inventory import Inventory

ETH_ARP = 0x0806
ETH_VLAN = 0x8100
ARP_REQUEST, ARP_REPLY = 1, 2


def _mac_bytes(mac: str) -> bytes:
    return bytes.fromhex(mac.replace(":", ""))


def arp_reply(frame: bytes, ingress_port: int, inventory: Inventory) -> bytes | None:
    """The reply to an ARP request for one of our tunnel IPs arriving on an uplink; else None.

    Anything else (a reply, a request for another IP, a non-uplink port, a
    truncated or tagged frame) gets None: the controller does not answer for
    addresses it does not own.
    """
    uplink = next((u for u in inventory.uplinks.values() if u.number == ingress_port), None)
    if uplink is None or len(frame) < 42:
        return None
    dst, src, ethertype = frame[0:6], frame[6:12], struct.unpack("!H", frame[12:14])[0]
    if ethertype != ETH_ARP:
        return None
    htype, ptype, hlen, plen, oper = struct.unpack("!HHBBH", frame[14:22])
    if (htype, ptype, hlen, plen, oper) != (1, 0x0800, 6, 4, ARP_REQUEST):
        return None
    sha, spa, tpa = frame[22:28], frame[28:32], frame[38:42]
    if dst not in (b"\xff" * 6, _mac_bytes(uplink.mac)):
        return None
    ours = {ipaddress.IPv4Address(ip).packed for ip in inventory.tunnel_ips}
    if tpa not in ours or spa == tpa:
        return None
    mac = _mac_bytes(uplink.mac)
    header = src + mac + struct.pack("!H", ETH_ARP)
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, ARP_REPLY) + mac + tpa + sha + spa
    return (header + arp).ljust(60, b"\0")
