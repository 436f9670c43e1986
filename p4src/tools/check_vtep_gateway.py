"""Quick behavioural check of vtep_gateway.p4 on p4sim's engine (no ports, no P4Runtime).

    python p4src/tools/check_vtep_gateway.py

Programs the tables by their docs/pipeline.md names, sends frames built with
scapy and checks outputs, digests, packet-ins and drop counters: port roles,
VLAN bindings, flood with source pruning and split horizon, learning digests,
VXLAN and Geneve termination (anti-spoofing, malformed headers, options),
encapsulation fields and checksums, ARP suppression (byte-exact reply),
routing, ACLs, packet I/O, ECMP. Exit status 1 if a check fails. The PTF
suite is the real test; this is the program author's smoke test.
"""
# ruff: noqa: E501, E701, E702, E731, B023, SIM
import ipaddress
import struct
import sys
from pathlib import Path

from scapy.all import ARP, ICMP, IP, TCP, UDP, Dot1Q, Ether, Raw
from scapy.layers.vxlan import VXLAN

from p4sim.engine import Switch
from p4sim.engine.entries import ActionSpec, GroupMember, Replica, TableEntry
from p4sim.engine.entries import KeyMatch as K
from p4sim.frontend import compile_file

P4SRC = Path(__file__).resolve().parent.parent

prog = compile_file(str(P4SRC / 'vtep_gateway.p4'), [str(P4SRC / 'include')])
logs = []
sw = Switch(prog, cpu_port=255, log=None)

def ip(s): return int(ipaddress.ip_address(s))
def mac(s): return int(s.replace(':', ''), 16)
def E(*v): return tuple(K('exact', x) for x in v)
def ins(t, keys, action, *args, prio=0):
    sw.table_insert(t, TableEntry(keys=keys, action=ActionSpec(action, tuple(args)), priority=prio))

I = 'VtepIngress.'; O = 'VtepEgress.'
TUN_IP = '198.18.0.1'; R1 = '198.18.1.1'; R2 = '198.18.2.1'
GW_UPLINK_MAC = '02:00:00:00:00:03'; SPINE_MAC = '02:00:00:00:ff:01'
H1 = '00:00:00:00:01:01'; H2 = '00:00:00:00:02:02'; H3 = '00:00:00:00:03:03'; RH = '00:00:00:00:0a:0a'
# ports: 1 access, 2 access, 3 uplink
ins(I+'ports.port_role', E(1), I+'ports.set_access_port')
ins(I+'ports.port_role', E(2), I+'ports.set_access_port')
ins(I+'ports.port_role', E(3), I+'ports.set_uplink_port')
# LS1 (ls 1, vni 5000, group 1): b1 = (1, 0), b2 = (1, 10), b3 = (2, 20)
for b, (p, v) in {1: (1, 0), 2: (1, 10), 3: (2, 20)}.items():
    ins(I+'access.port_vlan_to_ls', E(p, v), I+'access.set_ingress_binding', 1, b, 0)
    ins(O+'binding.egress_binding', E(b), O+'binding.set_egress_binding', v, 0)
ins(I+'ls.logical_switch', E(1), I+'ls.set_logical_switch', 5000, 1)
ins(I+'tunnel.vni_to_ls', E(5000), I+'tunnel.set_ls_from_vni', 1)
ins(I+'tunnel.tunnel_term', E(ip(TUN_IP), 1), I+'tunnel.term_tunnel')
ins(I+'tunnel.tunnel_term', E(ip(TUN_IP), 2), I+'tunnel.term_tunnel')
ins(I+'tunnel.remote_vtep_check', E(ip(R1), 1), I+'tunnel.set_remote_vtep', 1)
ins(I+'tunnel.remote_vtep_check', E(ip(R2), 1), I+'tunnel.set_remote_vtep', 2)
ins(I+'tunnel.remote_vtep_check', E(ip(R2), 2), I+'tunnel.set_remote_vtep', 3)
ins(O+'encap.tunnel_encap', E(1), O+'encap.encap_vxlan', ip(TUN_IP), ip(R1))
ins(O+'encap.tunnel_encap', E(2), O+'encap.encap_vxlan', ip(TUN_IP), ip(R2))
ins(O+'encap.tunnel_encap', E(3), O+'encap.encap_geneve_src_binding', ip(TUN_IP), ip(R2))
ins(O+'encap.uplink_nexthop', E(3), O+'encap.set_uplink_nexthop', mac(GW_UPLINK_MAC), mac(SPINE_MAC))
sw.profile_member_insert(I+'underlay.underlay_ecmp_selector', 1, ActionSpec(I+'underlay.set_underlay_nexthop', (3, mac(GW_UPLINK_MAC), mac(SPINE_MAC))))
sw.profile_group_insert(I+'underlay.underlay_ecmp_selector', 1, [GroupMember(1)])
sw.table_insert(I+'underlay.underlay_nexthop', TableEntry(keys=(K('lpm', ip('198.18.0.0'), 15),), group_id=1))
sw.mcast_group_insert(1, [Replica(1, 1), Replica(1, 2), Replica(2, 3), Replica(3, 0x8001), Replica(3, 0x8002)])
ins(I+'l2.dmac', E(1, mac(RH)), I+'l2.forward_to_tunnel', 1, ip(R1))
ins(I+'l2.dmac', E(1, mac(H3)), I+'l2.forward_to_binding', 3, 2)
ins(I+'arp.arp_suppress', E(1, ip('192.0.2.33')), I+'arp.arp_reply', mac(H3))

def show(res):
    for p, d in res.outputs:
        print('   out', p, Ether(d).summary(), len(d))
    for m, d in res.packet_ins:
        print('   pin', m, Ether(d).summary())
    for dg in res.digests:
        print('   digest', dg)
def drops():
    out = {}
    for pipe in ('VtepIngress', 'VtepEgress'):
        for i in range(64):
            c = sw.counter_read(pipe + '.drop_stats.drops', i)
            if c.packets: out[(pipe[4], i)] = c.packets
    return out

fails = 0
def check(name, cond):
    global fails
    print(('ok   ' if cond else 'FAIL ') + name)
    if not cond: fails += 1

# 1. no role
r = sw.process(9, bytes(Ether(src=H1, dst=H2)/IP()/UDP()/Raw(b'x'*20)))
check('no role drops', not r.outputs and drops().get(('I', 1)) == 1)

# 2. flood from b1 (untagged port 1)
pkt = Ether(src=H1, dst='ff:ff:ff:ff:ff:ff')/IP(src='192.0.2.1', dst='192.0.2.255')/UDP(sport=1234, dport=5678)/Raw(b'y'*30)
r = sw.process(1, bytes(pkt)); show(r)
ports = sorted((p, Ether(d).haslayer(Dot1Q) and Ether(d)[Dot1Q].vlan) for p, d in r.outputs)
check('flood to b2, b3, two tunnels', len(r.outputs) == 4)
check('digest for H1', r.digests and r.digests[0][1] == (1, mac(H1), 1, 0, 1))
for p, d in r.outputs:
    e = Ether(d)
    if p == 3:
        ipb = bytes(e[IP])[:20]
        s = sum(struct.unpack('!10H', ipb)); s = (s & 0xffff) + (s >> 16); s = (s & 0xffff) + (s >> 16)
        check('outer ipv4 checksum ok', s == 0xffff)
        check('outer ttl/df/udp', e[IP].ttl == 64 and e[IP].flags == 'DF' and e[UDP].dport == 4789 and e[UDP].chksum == 0 and e[UDP].sport >= 0xC000)
        check('vxlan vni', e[VXLAN].vni == 5000 and e[VXLAN].flags == 0x08)
        inner = e[VXLAN].payload
        check('inner == original', bytes(inner) == bytes(pkt))
        check('lengths', e[IP].len == len(d) - 14 and e[UDP].len == len(d) - 34)
print('drops', drops())

# 3. known unicast to remote
r = sw.process(1, bytes(Ether(src=H1, dst=RH)/IP(src='192.0.2.1', dst='192.0.2.10')/TCP()/Raw(b'z'*10))); show(r)
check('unicast to tunnel 1', len(r.outputs) == 1 and r.outputs[0][0] == 3 and Ether(r.outputs[0][1])[IP].dst == R1 and Ether(r.outputs[0][1]).dst == SPINE_MAC)

# 4. vxlan in to H3 (b3, port 2 vlan 20)
inner = Ether(src=RH, dst=H3)/IP(src='192.0.2.10', dst='192.0.2.33')/ICMP()/Raw(b'q'*8)
outer = Ether(src=SPINE_MAC, dst=GW_UPLINK_MAC)/IP(src=R1, dst=TUN_IP)/UDP(sport=50000, dport=4789)/VXLAN(vni=5000, flags=0x08)/inner
r = sw.process(3, bytes(outer)); show(r)
check('decap to port 2 vlan 20', len(r.outputs) == 1 and r.outputs[0][0] == 2 and Ether(r.outputs[0][1])[Dot1Q].vlan == 20
      and bytes(Ether(r.outputs[0][1])[Dot1Q].payload) == bytes(inner[IP]))
check('remote_vtep_rx', sw.counter_read(I+'tunnel.remote_vtep_rx', 1).packets == 1)

# 5. spoofed
outer[IP].src = '198.18.9.9'
r = sw.process(3, bytes(outer)); check('spoofed dropped 14', not r.outputs and drops().get(('I', 14)) == 1)
# 6. VXLAN I flag clear
bad = Ether(src=SPINE_MAC, dst=GW_UPLINK_MAC)/IP(src=R1, dst=TUN_IP)/UDP(sport=50000, dport=4789)/VXLAN(vni=5000, flags=0x00)/inner
r = sw.process(3, bytes(bad)); check('vxlan I clear dropped 7', not r.outputs and drops().get(('I', 7)) == 1)
# 7. BUM from tunnel: local only
binner = Ether(src=RH, dst='ff:ff:ff:ff:ff:ff')/IP(src='192.0.2.10', dst='192.0.2.255')/UDP()/Raw(b'b'*10)
r = sw.process(3, bytes(Ether(src=SPINE_MAC, dst=GW_UPLINK_MAC)/IP(src=R1, dst=TUN_IP)/UDP(sport=50000, dport=4789)/VXLAN(vni=5000)/binner)); show(r)
check('bum from tunnel -> 3 local bindings only', sorted(p for p, _ in r.outputs) == [1, 1, 2])

# 8. Geneve
def geneve(vni, opts=b'', proto=0x6558, ver=0, oam=0):
    optlen = len(opts) // 4
    return struct.pack('!BBH', (ver << 6) | optlen, (oam << 7), proto) + struct.pack('!I', vni << 8) + opts
def gpkt(opts, **kw):
    return bytes(Ether(src=SPINE_MAC, dst=GW_UPLINK_MAC)/IP(src=R2, dst=TUN_IP)/UDP(sport=50001, dport=6081)/Raw(geneve(5000, opts, **kw))/inner)
r = sw.process(3, gpkt(b'')); check('geneve plain ok', len(r.outputs) == 1 and r.outputs[0][0] == 2)
ours = struct.pack('!HBB', 0xFF01, 0x01, 1) + struct.pack('!HH', 7, 0)
other = struct.pack('!HBB', 0x0102, 0x10, 2) + b'\x11' * 8
crit = struct.pack('!HBB', 0x0102, 0x90, 1) + b'\x22' * 4
r = sw.process(3, gpkt(other + ours)); check('geneve with options ok', len(r.outputs) == 1 and bytes(Ether(r.outputs[0][1])[Dot1Q].payload) == bytes(inner[IP]))
r = sw.process(3, gpkt(other + crit)); check('geneve critical dropped 13', not r.outputs and drops().get(('I', 13)) == 1)
r = sw.process(3, gpkt(b'', ver=1)); check('geneve version dropped 8', not r.outputs and drops().get(('I', 8)) == 1)
r = sw.process(3, gpkt(b'', proto=0x0800)); check('geneve proto dropped 9', not r.outputs and drops().get(('I', 9)) == 1)
r = sw.process(3, gpkt(other * 6)); check('geneve too long dropped 10', not r.outputs and drops().get(('I', 10)) == 1)
bad_len = struct.pack('!HBB', 0x0102, 0x10, 3) + b'\x11' * 8   # says 3 words, area has 3 total
r = sw.process(3, gpkt(bad_len)); check('geneve opt overrun dropped 12', not r.outputs and drops().get(('I', 12)) == 1)
r = sw.process(3, gpkt(b'', oam=1)); check('geneve oam punted', r.packet_ins and r.packet_ins[0][0].get('reason') == 4)

# 9. ARP suppression from b2 (port 1 vlan 10)
req = Ether(src=H1, dst='ff:ff:ff:ff:ff:ff')/Dot1Q(vlan=10)/ARP(op=1, hwsrc=H1, psrc='192.0.2.1', pdst='192.0.2.33')/Raw(b'\x00'*14)
r = sw.process(1, bytes(req)); show(r)
exp = Ether(src=H3, dst=H1)/Dot1Q(vlan=10)/ARP(op=2, hwsrc=H3, psrc='192.0.2.33', hwdst=H1, pdst='192.0.2.1')/Raw(b'\x00'*14)
check('arp reply byte exact', len(r.outputs) == 1 and r.outputs[0] == (1, bytes(exp)))

# 10. tagged -> untagged (b2 -> H? on b1): learn H1 on b1 via dmac
ins(I+'l2.dmac', E(1, mac(H1)), I+'l2.forward_to_binding', 1, 1)
r = sw.process(2, bytes(Ether(src=H3, dst=H1)/Dot1Q(vlan=20)/IP()/UDP()/Raw(b'k'*20))); show(r)
check('vlan 20 -> untagged', len(r.outputs) == 1 and r.outputs[0][0] == 1 and not Ether(r.outputs[0][1]).haslayer(Dot1Q))
r = sw.process(1, bytes(Ether(src=H2, dst=H1)/IP()/UDP()/Raw(b'k'*20)))
check('same binding dropped 24', not r.outputs and drops().get(('I', 24)) == 1)

# 11. ACL: deny TCP dport 22 from b3
sw.table_modify(I+'access.port_vlan_to_ls', TableEntry(keys=E(2, 20), action=ActionSpec(I+'access.set_ingress_binding', (1, 3, 7))))
D = K('dontcare')
sw.table_insert(I+'acl.acl_ingress', TableEntry(keys=(K('exact', 7), D, D, D, D, D, K('ternary', 6, 0xff), D, K('range', 22, 22), D, D, D),
    action=ActionSpec(I+'acl.acl_ingress_deny'), priority=10))
r = sw.process(2, bytes(Ether(src=H3, dst=H1)/Dot1Q(vlan=20)/IP()/TCP(dport=22)))
check('acl deny 16', not r.outputs and drops().get(('I', 16)) == 1)
r = sw.process(2, bytes(Ether(src=H3, dst=H1)/Dot1Q(vlan=20)/IP()/TCP(dport=80)))
check('acl permit other', len(r.outputs) == 1)

# 12. routing: LS2 (ls 2, vni 6000, group 2) with b4 = (2, 0)
RMAC1 = '02:00:00:00:aa:01'; RMAC2 = '02:00:00:00:aa:02'; H4 = '00:00:00:00:04:04'
ins(I+'access.port_vlan_to_ls', E(2, 0), I+'access.set_ingress_binding', 2, 4, 0)
ins(O+'binding.egress_binding', E(4), O+'binding.set_egress_binding', 0, 0)
ins(I+'ls.logical_switch', E(2), I+'ls.set_logical_switch', 6000, 2)
ins(I+'routing.router_mac', E(1, mac(RMAC1)), I+'routing.set_router', 1)
ins(I+'routing.router_mac', E(2, mac(RMAC2)), I+'routing.set_router', 1)
sw.table_insert(I+'routing.ipv4_route', TableEntry(keys=(K('exact', 1), K('lpm', ip('198.51.100.4'), 32)), action=ActionSpec(I+'routing.route_to_ls', (2, mac(RMAC2), mac(H4)))))
sw.table_insert(I+'routing.ipv4_route', TableEntry(keys=(K('exact', 1), K('lpm', ip('192.0.2.10'), 32)), action=ActionSpec(I+'routing.route_to_ls', (1, mac(RMAC1), mac(RH)))))
ins(I+'l2.dmac', E(2, mac(H4)), I+'l2.forward_to_binding', 4, 2)
p = Ether(src=H1, dst=RMAC1)/IP(src='192.0.2.1', dst='198.51.100.4', ttl=10)/UDP()/Raw(b'r'*10)
r = sw.process(1, bytes(p)); show(r)
if r.outputs:
    o = Ether(r.outputs[0][1])
    check('routed: port 2 untagged, MACs, ttl 9, checksum', r.outputs[0][0] == 2 and o.src == RMAC2 and o.dst == H4 and o[IP].ttl == 9
          and o[IP].chksum == IP(bytes(IP(src='192.0.2.1', dst='198.51.100.4', ttl=9)/UDP()/Raw(b'r'*10)))[IP].chksum)
else:
    check('routed', False)
p[IP].ttl = 1
r = sw.process(1, bytes(p)); check('ttl expired 21', not r.outputs and drops().get(('I', 21)) == 1)
# routed from tunnel back into a tunnel (LS2 host behind R1 ... reuse RH in LS1 via route)
p = Ether(src=H4, dst=RMAC2)/IP(src='198.51.100.4', dst='192.0.2.10', ttl=10)/UDP()/Raw(b'r'*10)
r = sw.process(2, bytes(p)); show(r)
check('routed to remote VTEP', len(r.outputs) == 1 and r.outputs[0][0] == 3 and Ether(r.outputs[0][1])[VXLAN].vni == 5000)

# 13. packet out / underlay ARP punt
r = sw.packet_out(bytes(Ether(src=H1, dst=H2)/Raw(b'p'*50)), {'egress_port': 2, '_pad': 0}); show(r)
check('packet_out to port 2 unchanged', len(r.outputs) == 1 and r.outputs[0][0] == 2)
r = sw.process(3, bytes(Ether(src=SPINE_MAC, dst='ff:ff:ff:ff:ff:ff')/ARP(op=1, psrc='198.18.0.254', pdst=TUN_IP))); show(r)
check('underlay arp punted', len(r.packet_ins) == 1 and r.packet_ins[0][0]['reason'] == 1 and r.packet_ins[0][0]['ingress_port'] == 3)

# 14. tenant VXLAN traffic on an access port is bridged byte-exact (and encapsulated byte-exact)
tv = Ether(src=H1, dst=RH)/IP(src='192.0.2.1', dst='203.0.113.9')/UDP(sport=1, dport=6081)/Raw(geneve(77, other + crit))/Raw(b'\x00'*20)
r = sw.process(1, bytes(tv)); show(r)
check('tenant geneve encapsulated byte exact', len(r.outputs) == 1 and bytes(Ether(r.outputs[0][1])[VXLAN].payload) == bytes(tv))

# 15. Geneve encap with src binding option: send from b1 to a MAC behind tunnel 3
ins(I+'l2.dmac', E(1, mac('00:00:00:00:0b:0b')), I+'l2.forward_to_tunnel', 3, ip(R2))
r = sw.process(1, bytes(Ether(src=H1, dst='00:00:00:00:0b:0b')/IP()/UDP()/Raw(b'g'*20))); show(r)
if r.outputs:
    d = r.outputs[0][1]
    g = d[42:]
    check('geneve encap: dport 6081, opt_len 2, option', Ether(d)[UDP].dport == 6081 and g[0] == 2 and g[2:4] == b'\x65\x58'
          and g[8:16] == struct.pack('!HBBHH', 0xFF01, 1, 1, 1, 0) and Ether(d)[IP].len == len(d) - 14)
else:
    check('geneve encap', False)
print('drops', drops())

# 16. ECMP over two uplinks (port 3 and 4)
ins(I+'ports.port_role', E(4), I+'ports.set_uplink_port')
sw.profile_member_insert(I+'underlay.underlay_ecmp_selector', 2, ActionSpec(I+'underlay.set_underlay_nexthop', (4, mac('02:00:00:00:00:04'), mac('02:00:00:00:ff:02'))))
sw.profile_group_modify(I+'underlay.underlay_ecmp_selector', 1, [GroupMember(1), GroupMember(2)])
seen = {}
for sport in range(1000, 1040):
    r = sw.process(1, bytes(Ether(src=H1, dst=RH)/IP(src='192.0.2.1', dst='192.0.2.10')/TCP(sport=sport, dport=80)))
    for p, d in r.outputs:
        seen.setdefault(p, set()).add(Ether(d)[UDP].sport)
        if p == 4: check_mac = Ether(d).src == '02:00:00:00:00:04' and Ether(d).dst == '02:00:00:00:ff:02'
print('ecmp ports', {p: len(v) for p, v in seen.items()})
check('ecmp uses both uplinks with their MACs', set(seen) == {3, 4} and check_mac)
r1 = sw.process(1, bytes(Ether(src=H1, dst=RH)/IP(src='192.0.2.1', dst='192.0.2.10')/TCP(sport=1000, dport=80)))
r2 = sw.process(1, bytes(Ether(src=H1, dst=RH)/IP(src='192.0.2.1', dst='192.0.2.10')/TCP(sport=1000, dport=80)/Raw(b'x'*100)))
check('same flow same path and sport', r1.outputs[0][0] == r2.outputs[0][0] and Ether(r1.outputs[0][1])[UDP].sport == Ether(r2.outputs[0][1])[UDP].sport)
print('binding_rx 1', sw.counter_read(I+'access.binding_rx', 1), 'binding_tx 3', sw.counter_read(O+'vlan.binding_tx', 3),
      'vtep_tx 1', sw.counter_read(O+'encap.remote_vtep_tx', 1))
# 17. first fragment of a tunnel packet
frag = Ether(src=SPINE_MAC, dst=GW_UPLINK_MAC)/IP(src=R1, dst=TUN_IP, flags='MF')/UDP(sport=50000, dport=4789)/VXLAN(vni=5000)/inner
r = sw.process(3, bytes(frag)); check('tunnel fragment dropped 33', not r.outputs and drops().get(('I', 33)) == 1)
print('FAILS', fails)

sys.exit(1 if fails else 0)
