/* A shared header file with a mistake on line 4: the field type is unknown. */
header ethernet_t {
    bit<48> dst;
    mac_addr_t src;
    bit<16> ether_type;
}
