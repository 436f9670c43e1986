"""Source MAC learning by digest (docs/pipeline.md 3.7, 5).

gwctl only learns what the data plane reports: a new source MAC on a
binding, and a known MAC that shows up on another binding (a move), must
each produce one mac_learn_digest_t with the binding's identity; a MAC
already learnt on that binding must not. Lists are acked as the contract
asks."""

from vtep_base import (
    BROADCAST,
    TUNNEL_IP,
    UPLINK,
    VTEP_A,
    VtepGatewayTest,
    as_binding,
    host_mac,
    tenant_udp,
    vxlan,
)

H1, H2, H_REMOTE = host_mac(0x31), host_mac(0x32), host_mac(0xA0)


def mac_int(mac: str) -> int:
    return int(mac.replace(":", ""), 16)


class LearningTestBase(VtepGatewayTest):
    """LS 7 (VNI 5007): binding 3 = port 0 VLAN 10, binding 4 = port 1
    untagged, binding 5 = port 2 VLAN 10; H2 is known on binding 5."""

    def setUp(self):
        super().setUp()
        self.standard_ports()
        self.tunnel_ip()
        self.logical_switch(7, 5007)
        self.b3 = self.bind(3, 0, 10, 7)
        self.b4 = self.bind(4, 1, 0, 7)
        self.b5 = self.bind(5, 2, 10, 7)
        self.local_mac(H2, self.b5)
        self.enable_learning_digest()

    def digest_of(self, mac, b):
        return {"ls_id": b.ls_id, "src_mac": mac_int(mac), "ingress_port": b.port, "vid": b.vid,
                "binding_id": b.binding_id}


class NewMacReported(LearningTestBase):
    """An unknown source MAC is reported with (ls, MAC, port, VLAN, binding)
    and the frame is still forwarded; once gwctl has written smac_learn the
    MAC is not reported again."""

    def runTest(self):
        frame = tenant_udp(H2, H1)
        self.send(0, as_binding(frame, 10))
        self.expect([(2, as_binding(frame, 10))])
        self.assertEqual(self.learnt(), [self.digest_of(H1, self.b3)])
        self.insert_table_entry("smac_learn", {"ls_id": 7, "src_mac": H1, "binding_id": 3}, "mac_known")
        self.send(0, as_binding(frame, 10))
        self.expect([(2, as_binding(frame, 10))])
        self.no_digest()


class MovedMacReported(LearningTestBase):
    """H1 learnt on binding 3 appears on binding 4 (another port, untagged):
    reported again with binding 4; from binding 3 it stays silent."""

    def runTest(self):
        self.local_mac(H1, self.b3)
        frame = tenant_udp(H2, H1)
        self.send(0, as_binding(frame, 10))
        self.expect([(2, as_binding(frame, 10))])
        self.no_digest()
        self.send(1, frame)
        self.expect([(2, as_binding(frame, 10))])
        self.assertEqual(self.learnt(), [self.digest_of(H1, self.b4)])


class NotLearnt(LearningTestBase):
    """Multicast source MACs and frames from tunnels are never reported
    (remote MACs come from the vtep DB); a unicast source in the same test is."""

    def runTest(self):
        self.flood_group(7, [self.b3, self.b4, self.b5])
        vtep = self.remote_vtep(1, VTEP_A)
        frame = tenant_udp(H2, "03:00:00:00:00:01")
        self.send(1, frame)
        self.expect([(2, as_binding(frame, 10))])
        inner = tenant_udp(H2, H_REMOTE)
        self.send(UPLINK, vxlan(inner, vtep.ip, TUNNEL_IP, 5007))
        self.expect([(2, as_binding(inner, 10))])
        self.no_digest()
        bcast = tenant_udp(BROADCAST, H1)
        self.send(1, bcast)
        self.expect([(0, as_binding(bcast, 10)), (2, as_binding(bcast, 10))])
        self.assertEqual(self.learnt(), [self.digest_of(H1, self.b4)])


class HeldBackUntilAcked(LearningTestBase):
    """With an ack timeout configured, a MAC reported and not yet acked is
    not reported again; after the ack a new MAC is reported."""

    def runTest(self):
        # replace the digest configuration by one with a (long) ack timeout
        from p4info_helper import digest_entry, update

        ent = digest_entry(self.helper, "mac_learn_digest_t", max_timeout_ns=1_000_000, max_list_size=1,
                           ack_timeout_ns=10_000_000_000)
        self.client.write([update("MODIFY", ent)])
        frame = tenant_udp(H2, H1)
        self.send(1, frame)
        self.expect([(2, as_binding(frame, 10))])
        first = self.client.digests.get(timeout=2)
        self.send(1, frame)
        self.expect([(2, as_binding(frame, 10))])
        self.no_digest()  # same data, not acked: held back
        self.client.ack_digest(first)
        other = tenant_udp(H2, host_mac(0x33))
        self.send(1, other)
        self.expect([(2, as_binding(other, 10))])
        self.assertEqual(self.learnt(), [self.digest_of(host_mac(0x33), self.b4)])


class LearntMacAgesOut(LearningTestBase):
    """An smac_learn entry written with an idle timeout stays while its MAC
    keeps sending on the binding and is reported (IdleTimeoutNotification)
    once it falls silent, so gwctl can age the MAC out."""

    def runTest(self):
        import queue
        import time

        from p4info_helper import entity

        te = self.helper.table_entry("smac_learn", {"ls_id": 7, "src_mac": H1, "binding_id": 4}, "mac_known")
        te.idle_timeout_ns = 600_000_000
        self.insert(entity(table_entry=te))
        while not self.client.idle_timeouts.empty():
            self.client.idle_timeouts.get_nowait()
        frame = tenant_udp(H2, H1)
        for _ in range(8):  # 1.6 s of traffic, every 0.2 s: refreshed all along
            self.send(1, frame)
            self.expect([(2, as_binding(frame, 10))])
            time.sleep(0.05)
        self.assertTrue(self.client.idle_timeouts.empty(), "a MAC that keeps sending must not age out")
        self.no_digest(0.1)
        try:
            note = self.client.idle_timeouts.get(timeout=5)
        except queue.Empty:
            self.fail("no IdleTimeoutNotification within 5 s of the MAC falling silent (idle timeout 0.6 s)")
        [aged] = note.table_entry
        self.assertEqual(aged.table_id, te.table_id)
        self.assertEqual(sorted(m.exact.value for m in aged.match), sorted(m.exact.value for m in te.match))
